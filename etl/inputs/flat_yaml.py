"""Flat YAML read fast: a list of mappings of JSON scalars (what `etl synth` writes), same values and lines as YAML."""
from __future__ import annotations

import json
import re
from typing import Callable

from yaml.reader import Reader

# "- key: value" opens a mapping, "  key: value" continues it; values are JSON scalars or lists of strings. A
# string without backslash or quote inside is taken as it stands (group 3), the same text for JSON and YAML: no
# control character is left in the text by then (_NOT_FLAT_CHARACTERS); any other value is read by scalar().
_KEY_LINE = re.compile(r'(- |  )([a-z_][a-z0-9_]*): (?:"([^"\\]*)"|(.*?)) *\Z')
_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)\Z")
_INTEGER_STARTS = frozenset("-0123456789")
# JSON joins a surrogate pair escaped as two \u escapes into one character; YAML keeps two lone surrogates.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# YAML 1.1 reads these plain words as booleans or null, also as keys: left to the YAML loader.
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_WORDS = {"null": None, "true": True, "false": False}
_SCAN = json.JSONDecoder().scan_once
# Characters YAML treats as line breaks or refuses, tabs, a byte order mark: the YAML loader decides.
_NOT_FLAT_CHARACTERS = re.compile(r"[\r\t\x85\u2028\u2029\ufeff]|" + Reader.NON_PRINTABLE.pattern)


# As a line of JSON-lines claims: a longer line (a 50 MB note?) is no curated value, and the YAML loader's
# file size limit then applies.
MAX_LINE_CHARACTERS = 64 * 1024


class NotFlat(Exception):
    """The text is not flat YAML: the YAML loader must read it."""


def read_flat(text: str, mapping: Callable[[int], dict], sequence: Callable[[int], list]) -> list | None:
    """The list of mappings a flat YAML text holds, made with mapping(line) and sequence(line) so that each
    carries the line the YAML loader gives it (a mapping's key lines in its key_lines); None when the text is
    anything but flat YAML, which the YAML loader then reads (and reports on, where it is wrong)."""
    if _NOT_FLAT_CHARACTERS.search(text):
        return None
    items = None
    current: dict | None = None
    key_lines: dict = {}
    match_line = _KEY_LINE.match
    try:
        for number, line in enumerate(text.split("\n"), start=1):
            match = match_line(line) if len(line) <= MAX_LINE_CHARACTERS else None
            if match is None:
                stripped = line.strip(" ")
                if not stripped or stripped.startswith("#"):
                    continue
                return None
            lead, key, plain, raw = match.groups()
            if lead == "- ":
                if items is None:
                    items = sequence(number)
                current = mapping(number)
                key_lines = current.key_lines
                items.append(current)
            if current is None or key in _YAML_WORDS or key in current:
                return None
            if plain is None:
                value = scalar(raw)
                if isinstance(value, list):
                    value, items_of_value = sequence(number), value
                    value.extend(items_of_value)
                current[key] = value
            else:
                current[key] = plain
            key_lines[key] = number
    except NotFlat:
        return None
    return items


def scalar(raw: str) -> object:
    """The value of a JSON scalar, or a JSON list of strings, written as a YAML value; NotFlat where YAML could
    read the same characters differently (or they are no JSON)."""
    if raw in _WORDS:
        return _WORDS[raw]
    if raw[:1] in _INTEGER_STARTS and _INTEGER.match(raw):
        return int(raw)
    if not raw.startswith(('"', "[")) or "\\u" in raw and _SURROGATE_ESCAPE.search(raw):
        raise NotFlat(raw)
    try:
        value, end = _SCAN(raw, 0)  # json.loads without its wrappers: raw has no whitespace around it
    except (ValueError, StopIteration, RecursionError):
        raise NotFlat(raw) from None
    if end != len(raw):
        raise NotFlat(raw)
    if isinstance(value, list) and all(isinstance(item, str) for item in value) or isinstance(value, str):
        return value
    raise NotFlat(raw)
