"""Hedged values as intervals, so that claims can be compared: overlapping intervals agree."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from etl.normalise.dates import first_day, last_day

ABOUT = 0.10  # "about x" → [0.9x, 1.1x]
NEARLY = 0.10  # "nearly x" → [0.9x, x)
FX_TOLERANCE = 0.03  # widening on each side when a US-dollar figure rests on an exchange rate


@dataclass(frozen=True)
class Interval:
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False

    def __str__(self) -> str:
        left = "(" if self.low_open or math.isinf(self.low) else "["
        right = ")" if self.high_open or math.isinf(self.high) else "]"
        return f"{left}{_number(self.low)}, {_number(self.high)}{right}"

    @property
    def width(self) -> float:
        return self.high - self.low

    def widen(self, tolerance: float) -> "Interval":
        return Interval(self.low * (1 - tolerance) if self.low > 0 else self.low * (1 + tolerance),
                        self.high * (1 + tolerance) if self.high > 0 else self.high * (1 - tolerance),
                        self.low_open, self.high_open)

    def overlaps(self, other: "Interval") -> bool:
        return _before(self, other) and _before(other, self)

    def gap(self, other: "Interval") -> float:
        return max(0.0, other.low - self.high, self.low - other.high)


def _before(a: Interval, b: Interval) -> bool:
    """a's low end does not lie beyond b's high end."""
    if a.low < b.high:
        return True
    return a.low == b.high and not (a.low_open or b.high_open)


def from_value(value: float, comparator: str) -> Interval:
    """The interval a hedged value states; for a negative value the hedge speaks of its size."""
    if value < 0:
        mirrored = from_value(-value, comparator)
        return Interval(-mirrored.high, -mirrored.low, mirrored.high_open, mirrored.low_open)
    if comparator == "exact":
        return Interval(value, value)
    if comparator == "about":
        return Interval(value * (1 - ABOUT), value * (1 + ABOUT))
    if comparator == "at_least":
        return Interval(value, math.inf)
    if comparator == "more_than":
        return Interval(value, math.inf, low_open=True)
    if comparator == "nearly":
        return Interval(value * (1 - NEARLY), value, high_open=True)
    if comparator == "at_most":
        return Interval(0.0, value)
    if comparator == "less_than":
        return Interval(0.0, value, high_open=True)
    raise ValueError(f"unknown comparator {comparator!r}")


def from_days(first: int, last: int) -> Interval:
    return Interval(float(first), float(last))


def _number(value: float) -> str:
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.4g}"


def comparator_of(claim: dict) -> str:
    """A headline rounds its body: an unhedged figure in a headline is read as approximate."""
    if claim.get("in_headline") and claim["comparator"] == "exact":
        return "about"
    return claim["comparator"]


def claim_interval(claim: dict) -> tuple[Interval, str] | None:
    """The claim's value as an interval with its unit (USD for money), or None if it has no number."""
    if claim.get("amount_usd") is not None:
        interval = from_value(claim["amount_usd"], comparator_of(claim))
        if claim["usd_rule"] != "usd":
            interval = _spread(interval, rounding(claim)).widen(FX_TOLERANCE)
        return interval, "USD"
    if claim.get("value_number") is not None:
        return from_value(claim["value_number"], comparator_of(claim)), claim["value_unit"]
    return None


def rounding(claim: dict) -> float:
    """Half a unit in the last digit of a US-dollar figure we converted: the normaliser rounds amount × rate to
    the digits of the figure it converts (round_significant in etl/normalise/claims.py), so 'S$2 billion' at
    0.750 is stored as 2e9 and stands for anything from 1.5e9 to 2.5e9, not for 2e9 alone."""
    digits, usd = claim.get("amount_usd_digits"), claim["amount_usd"]
    if claim["usd_rule"] != "ecb_rate" or not digits or not usd:
        return 0.0
    return 0.5 * 10 ** (math.floor(math.log10(abs(usd))) - digits + 1)


def _spread(interval: Interval, by: float) -> Interval:
    low = max(0.0, interval.low - by) if interval.low >= 0 else interval.low - by  # an amount stays >= 0
    return Interval(low, interval.high + by, interval.low_open, interval.high_open)


def date_interval(claim: dict) -> Interval | None:
    if claim.get("date") is None:
        return None
    first = first_day(claim["date"]).toordinal()
    latest = claim.get("date_latest")
    end = dt.date.fromisoformat(latest) if latest else last_day(claim["date"], claim["date_precision"])
    return from_days(first, end.toordinal())
