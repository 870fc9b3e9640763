"""Phrase tables kept as data beside the code: each entry with the reason it exists."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from etl.schema.vocab import CURRENCIES, PLAN_STATES, ROUND_STATUSES

FOLDER = Path(__file__).resolve().parent


def _read(name: str) -> dict:
    return yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def currency_marks() -> dict[str, tuple[str, str]]:
    """Sign or code as written → (ISO 4217 code, reason)."""
    return _entries("currencies.yml", "marks", "code", CURRENCIES)


@lru_cache(maxsize=None)
def currency_words() -> dict[str, tuple[str, str]]:
    """Currency word, lower case → (ISO 4217 code, reason)."""
    return _entries("currencies.yml", "words", "code", CURRENCIES)


@lru_cache(maxsize=None)
def status_phrases() -> dict[str, tuple[str, str]]:
    """Words that state a round's status → (status, reason), in the order they are tried."""
    return {words: _entry(words, item, "status", ROUND_STATUSES) for words, item in
            _read("status_phrases.yml").items()}


def _entries(name: str, section: str, key: str, allowed) -> dict[str, tuple[str, str]]:
    return {written: _entry(written, item, key, allowed) for written, item in _read(name)[section].items()}


def _entry(written: str, item: dict, key: str, allowed) -> tuple[str, str]:
    if item.get(key) not in allowed or not item.get("reason"):
        raise ValueError(f"etl/normalise/lookups: '{written}' needs a {key} from {sorted(allowed)[:8]}… and a reason")
    return item[key], item["reason"]


@lru_cache(maxsize=None)
def object_kinds() -> dict[str, tuple[frozenset[str], str]]:
    """Predicate → (kinds of entity it takes as object, reason); a predicate not listed takes no object."""
    found = {}
    for predicate, item in _read("object_kinds.yml").items():
        if not item.get("kinds") or not item.get("reason"):
            raise ValueError(f"etl/normalise/lookups/object_kinds.yml: '{predicate}' needs kinds and a reason")
        found[predicate] = (frozenset(item["kinds"]), item["reason"])
    return found


@lru_cache(maxsize=None)
def plan_states() -> dict[str, tuple[str, str]]:
    """Words that state where a plan stands → (state, reason), in the order they are tried."""
    return {words: _entry(words, item, "state", PLAN_STATES) for words, item in
            _read("plan_states.yml").items()}


@lru_cache(maxsize=None)
def exclusive_form_phrases() -> dict[str, str]:
    """Words saying a form of investment replaces cash (so it is all of the investment) → reason."""
    table = _read("exclusive_forms.yml")
    for words, reason in table.items():
        if not reason:
            raise ValueError(f"etl/normalise/lookups/exclusive_forms.yml: '{words}' needs a reason")
    return table
