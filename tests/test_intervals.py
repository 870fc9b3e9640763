"""Hedged values as intervals, and the ranking that picks a round's value among its claims."""
from __future__ import annotations

import math

import pytest

from etl.reconcile.intervals import (
    FX_TOLERANCE,
    Interval,
    claim_interval,
    date_interval,
    from_value,
)
from etl.reconcile.rounds import rank


@pytest.mark.parametrize("comparator,expected", [
    ("exact", Interval(100, 100)),
    ("about", Interval(90, 110)),
    ("at_least", Interval(100, math.inf)),
    ("more_than", Interval(100, math.inf, low_open=True)),
    ("nearly", Interval(90, 100, high_open=True)),
    ("at_most", Interval(0, 100)),
    ("less_than", Interval(0, 100, high_open=True)),
])
def test_each_hedge_states_its_interval(comparator, expected):
    found = from_value(100.0, comparator)
    assert (found.low, found.high) == pytest.approx((expected.low, expected.high))
    assert (found.low_open, found.high_open) == (expected.low_open, expected.high_open)


def test_a_negative_value_mirrors_its_hedge_about_zero():
    assert from_value(-9.0, "more_than") == Interval(-math.inf, -9.0, high_open=True)


def test_an_unknown_comparator_is_refused():
    with pytest.raises(ValueError):
        from_value(1.0, "roughly")


@pytest.mark.parametrize("a,b,overlap", [
    (Interval(1, 2), Interval(2, 3), True),
    (Interval(1, 2, high_open=True), Interval(2, 3), False),
    (Interval(1, 2), Interval(2, 3, low_open=True), False),
    (Interval(1, 2), Interval(3, 4), False),
    (Interval(100, math.inf, low_open=True), Interval(90, 100), False),
    (Interval(100, math.inf), Interval(90, 100), True),
])
def test_touching_ends_overlap_only_when_both_are_closed(a, b, overlap):
    assert a.overlaps(b) is overlap and b.overlaps(a) is overlap


def test_gap_and_text():
    assert Interval(1, 2).gap(Interval(5, 6)) == 3.0
    assert Interval(1, 2).gap(Interval(2, 6)) == 0.0
    assert str(Interval(2.5e9, math.inf, low_open=True)) == "(2.5e+09, ∞)"
    assert str(Interval(-math.inf, -9.0, high_open=True)) == "(-∞, -9)"


def test_a_figure_that_rests_on_an_exchange_rate_is_widened():
    claim = {"amount_usd": 100.0, "comparator": "exact", "usd_rule": "ecb_rate"}
    interval, unit = claim_interval(claim)
    assert unit == "USD"
    assert (interval.low, interval.high) == pytest.approx((100 * (1 - FX_TOLERANCE), 100 * (1 + FX_TOLERANCE)))
    assert claim_interval({**claim, "usd_rule": "usd"})[0] == Interval(100.0, 100.0)
    assert claim_interval({"amount_usd": None, "value_number": None}) is None


def test_a_converted_figure_stands_for_every_value_its_digits_round_from():
    """'S$2 billion' at 0.7501 is 1.50028e9, stored rounded to its one digit as 2e9: it agrees with '$1.5 billion'
    (a 1M synthetic project flagged this pair as a conflict) and still disagrees with '$1.4 billion'."""
    converted = {"amount_usd": 2e9, "amount_usd_digits": 1, "comparator": "exact", "usd_rule": "ecb_rate"}
    interval, _ = claim_interval(converted)
    assert (interval.low, interval.high) == pytest.approx((1.5e9 * (1 - FX_TOLERANCE), 2.5e9 * (1 + FX_TOLERANCE)))
    assert interval.overlaps(Interval(1.5e9, 1.5e9)) and not interval.overlaps(Interval(1.4e9, 1.4e9))
    assert claim_interval({**converted, "amount_usd": 2.013e9, "amount_usd_digits": 4})[0].high == pytest.approx(
        2.0135e9 * (1 + FX_TOLERANCE))
    assert claim_interval({**converted, "usd_rule": "stated_in_text"})[0].low == pytest.approx(2e9 * (1 - FX_TOLERANCE))


def test_a_date_is_the_interval_of_its_days():
    interval = date_interval({"date": "2024-02", "date_precision": "month"})
    assert interval.high - interval.low == 28  # 1 to 29 February 2024
    assert date_interval({"date": None}) is None


def claim(claim_id, usd, comparator="exact", in_headline=0, source="s1"):
    return {"claim_id": claim_id, "amount_usd": usd, "comparator": comparator, "usd_rule": "usd",
            "in_headline": in_headline, "source_id": source}


def test_the_body_outranks_the_headline_then_the_narrowest_then_the_higher_low():
    published = {"s1": (1, "2024-01-01"), "s2": (0, "2023-12-31")}
    candidates = [claim("a-headline", 2.5e9, in_headline=1), claim("b-at-least", 2.5e9, "at_least"),
                  claim("c-exact", 2.0e9), claim("d-exact-higher", 2.1e9), claim("e-earlier", 2.0e9, source="s2")]
    ordered = [c["claim_id"] for c in sorted(candidates, key=lambda c: rank(c, published))]
    assert ordered == ["d-exact-higher", "e-earlier", "c-exact", "b-at-least", "a-headline"]
