"""Conflict detection by sorted intervals finds exactly the pairs that comparing every pair finds."""
from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from etl.reconcile.conflicts import (
    comparison_keys,
    conflict,
    conflict_rows,
    pair_allowed,
)
from etl.schema.vocab import COMPARATORS

DATES = ("2019-12", "2020", "2020-03", "2020-03-05", "2021", "2021-01-01")


def every_pair(claims: list[dict]) -> list[str]:
    """The definition: every two claims of a comparison group, compared."""
    groups: dict[tuple, list[dict]] = {}
    for claim in claims:
        for key in comparison_keys(claim):
            groups.setdefault(key, []).append(claim)
    found = set()
    for key, group in groups.items():
        for a, b in itertools.combinations(sorted(group, key=lambda c: c["claim_id"]), 2):
            if pair_allowed(key, a, b) and (row := conflict(a, b)):
                found.add(row["conflict_id"])
    return sorted(found)


# What the comparisons read besides values and dates: an unhedged figure outside a headline, one source.
QUIET = {"in_headline": 0, "source_id": "s", "quote": "", "value_text": None, "value_phrase": "x",
         "date_phrase": None}


@st.composite
def claim(draw, number: int) -> dict:
    # lead_investor: no value to compare, left out of the grouping (can_disagree); restructuring: a state
    predicate = draw(st.sampled_from(("round_amount", "founded", "statistic", "lead_investor", "restructuring")))
    date = draw(st.sampled_from(DATES))
    return {
        "claim_id": f"c-{number:03d}", "subject_id": draw(st.sampled_from(("a", "b"))), "predicate_id": predicate,
        "round_id": draw(st.sampled_from((None, "r"))), "object_id": "x" if predicate == "lead_investor" else None,
        "comparator": draw(st.sampled_from(COMPARATORS)), "usd_rule": draw(st.sampled_from(("usd", "ecb_rate"))),
        "amount_usd": draw(st.sampled_from((0.0, 10.0, 10.5, 11.0, 20.0, -5.0))) if predicate == "round_amount" else None,
        "value_number": draw(st.sampled_from((9.0, 10.0, 11.0, 30.0))) if predicate == "statistic" else None,
        "value_unit": draw(st.sampled_from(("count", "percent"))),
        "date": date if predicate == "founded" else None,
        "date_precision": {4: "year", 7: "month", 10: "day"}[len(date)] if predicate == "founded" else None,
        **QUIET,
        "value_text": draw(st.sampled_from(("merged", "split"))) if predicate == "restructuring" else None,
    }


@st.composite
def claims(draw) -> list[dict]:
    return [draw(claim(number)) for number in range(draw(st.integers(0, 25)))]


@settings(max_examples=300, deadline=None)
@given(claims())
def test_sorted_intervals_find_the_same_conflicts_as_every_pair(found: list[dict]):
    assert [row["conflict_id"] for row in conflict_rows(found, {})] == every_pair(found)


def test_many_agreeing_claims_are_not_compared_pairwise():
    """Ten thousand identical figures: no disagreement, and no ten-thousand-squared comparisons either."""
    same = [{"claim_id": f"c-{n:05d}", "subject_id": "a", "predicate_id": "round_amount", "round_id": "r",
             "object_id": None, "comparator": "exact", "usd_rule": "usd", "amount_usd": 10.0, "value_number": None,
             "value_unit": None, "date": None, "date_precision": None, **QUIET} for n in range(10_000)]
    odd = {**same[0], "claim_id": "c-odd", "amount_usd": 20.0}
    rows = conflict_rows([*same, odd], {})
    assert len(rows) == len(same)
    assert {row["claim_b"] for row in rows} == {"c-odd"}
