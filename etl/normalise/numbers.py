"""Read non-money figures: counts, fractions ("nearly half"), percents, multiples ("eightfold"), ordinals."""
from __future__ import annotations

import re
from dataclasses import dataclass

from etl.errors import Unusable
from etl.normalise.hedges import ConflictingHedges, split_hedge

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "a hundred": 100,
}
FRACTION_WORDS = {"half": 0.5, "a half": 0.5, "a third": 1 / 3, "one third": 1 / 3, "a quarter": 0.25,
                  "two-thirds": 2 / 3, "two thirds": 2 / 3, "three quarters": 0.75}
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
# Phrases whose meaning is a bound rather than a number, with the reason for the reading.
BOUND_PHRASES = {
    "single-digit": (10.0, "percent", "less_than", "a single-digit percentage is below 10 %"),
}

# A change phrase may open with its direction: "lost over 9%", "higher by 3.50%".
DIRECTIONS = {"lost": -1, "fell": -1, "dropped": -1, "down": -1, "lower by": -1, "down by": -1,
              "gained": 1, "rose": 1, "up": 1, "higher by": 1, "up by": 1}
_DIRECTION = re.compile(r"^(" + "|".join(sorted(DIRECTIONS, key=len, reverse=True)) + r")\s+", re.I)
_PERCENT = re.compile(r"^(?P<sign>[-−])?(?P<number>\d+(?:\.\d+)?)\s*(?:%|per ?cent|percent)$", re.I)
_FOLD = re.compile(r"^(?P<number>\d+(?:\.\d+)?|[a-z]+)[- ]?fold$", re.I)
_ORDINAL = re.compile(r"^(?P<number>\d+)(?:st|nd|rd|th)$", re.I)
_COUNT = re.compile(r"^\d[\d,]*(?:\.\d+)?$")
_COUNTED = re.compile(r"^(?P<number>\d[\d,]*|[a-z]+)\s+(?P<noun>[a-z][a-z -]*)$", re.I)


class QuantityError(Unusable):
    pass


@dataclass(frozen=True)
class Quantity:
    number: float
    unit: str
    comparator: str


def parse_quantity(phrase: str, expected_unit: str | None = None) -> Quantity:
    """A figure with its unit and hedge; expected_unit (count, fraction …) is checked when given."""
    direction, phrase_body = _split_direction(phrase)
    try:
        comparator, bare = split_hedge(phrase_body)
    except ConflictingHedges as error:
        raise QuantityError(f"'{phrase}' has two hedges, {error}", "keep the one hedge the text states") from None
    quantity = _read(bare.strip().lower(), comparator, phrase)
    if direction < 0:
        quantity = Quantity(-quantity.number, quantity.unit, quantity.comparator)
    if expected_unit and quantity.unit != expected_unit:
        raise QuantityError(f"'{phrase}' reads as a {quantity.unit}, not a {expected_unit}",
                            f"use a predicate that takes a {quantity.unit}, or quote the {expected_unit}")
    return quantity


def _split_direction(phrase: str) -> tuple[int, str]:
    match = _DIRECTION.match(phrase.strip())
    if not match:
        return 1, phrase
    return DIRECTIONS[match.group(1).lower()], phrase.strip()[match.end():]


def _read(text: str, comparator: str, phrase: str) -> Quantity:
    if text in BOUND_PHRASES:
        number, unit, bound, _reason = BOUND_PHRASES[text]
        return Quantity(number, unit, bound if comparator == "exact" else comparator)
    if text in FRACTION_WORDS:
        return Quantity(FRACTION_WORDS[text], "fraction", comparator)
    if text in ORDINAL_WORDS:
        return Quantity(float(ORDINAL_WORDS[text]), "ordinal", comparator)
    if match := _ORDINAL.match(text):
        return Quantity(float(match.group("number")), "ordinal", comparator)
    if match := _PERCENT.match(text):
        sign = -1 if match.group("sign") else 1
        return Quantity(sign * float(match.group("number")), "percent", comparator)
    if match := _FOLD.match(text):
        return Quantity(_number(match.group("number"), phrase), "multiple", comparator)
    if _COUNT.match(text) or text in WORD_NUMBERS:
        return Quantity(_number(text, phrase), "count", comparator)
    if (match := _COUNTED.match(text)) and (match.group("number")[0].isdigit() or match.group("number") in WORD_NUMBERS):
        return Quantity(_number(match.group("number"), phrase), "count", comparator)
    raise QuantityError(f"cannot read a figure in '{phrase}'",
                        "quote the figure as written ('12', 'nearly half', 'about 80%', 'eightfold'), "
                        "or add the phrase to etl/normalise/numbers.py with its reading")


def _number(text: str, phrase: str) -> float:
    if text in WORD_NUMBERS:
        return float(WORD_NUMBERS[text])
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise QuantityError(f"cannot read the number in '{phrase}'", "write the number in digits or as a word") from None
