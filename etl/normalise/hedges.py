"""Hedge words ("at least", "more than", "-plus", "nearly") and the comparator each one states."""
from __future__ import annotations

import re

PREFIXES = {
    "at least": "at_least",
    "no less than": "at_least",
    "more than": "more_than",
    "over": "more_than",
    "past": "more_than",
    "above": "more_than",
    "upwards of": "more_than",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "roughly": "about",
    "some": "about",
    "nearly": "nearly",
    "almost": "nearly",
    "close to": "nearly",
    "up to": "at_most",
    "at most": "at_most",
    "less than": "less_than",
    "under": "less_than",
    "below": "less_than",
}
SUFFIXES = {"-plus": "more_than", " plus": "more_than", "+": "more_than", " or more": "at_least"}

_PREFIX = re.compile(r"^(" + "|".join(sorted(map(re.escape, PREFIXES), key=len, reverse=True)) + r")\s+", re.I)


class ConflictingHedges(ValueError):
    pass


def split_hedge(phrase: str) -> tuple[str, str]:
    """(comparator, the phrase without its hedge words); exact when the text states no hedge."""
    text = phrase.strip()
    comparator = "exact"
    match = _PREFIX.match(text)
    if match:
        comparator = PREFIXES[match.group(1).lower()]
        text = text[match.end():]
    for suffix, meaning in SUFFIXES.items():
        if text.lower().endswith(suffix):
            if comparator != "exact" and comparator != meaning:
                raise ConflictingHedges(f"both '{match.group(1)}' and '{suffix.strip()}'")
            comparator = meaning
            text = text[: -len(suffix)].rstrip()
            break
    return comparator, text
