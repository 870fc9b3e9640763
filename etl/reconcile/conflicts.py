"""Claims about the same thing whose values, dates or states disagree, each with a description in words."""
from __future__ import annotations

import datetime as dt
import itertools
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Iterator

from etl.normalise.lookups import exclusive_form_phrases
from etl.normalise.quotes import fold
from etl.reconcile.intervals import Interval, claim_interval, date_interval

# Predicates whose claims speak of the same thing: an investment given "instead of cash" is all credits,
# which a share of the investment in credits ("nearly half") can contradict.
RELATED_PREDICATES = {"investment_form": "credit_share", "cloud_credit_share": "credit_share"}
STATE_PREDICATES = {"restructuring"}
# A change is measured over a period: a one-day move and a twelve-month move are different facts. Other values
# (a round's amount reported "last week" or "on 3 December") are the same fact whatever their date phrase.
CHANGE_PREDICATES = {"share_price_change", "growth_rate"}


def conflict_rows(claims: list[dict], acknowledged: dict[str, str]) -> list[dict]:
    groups = defaultdict(list)
    for claim in filter(can_disagree, claims):
        for key in comparison_keys(claim):
            groups[key].append(claim)
    rows = {}
    for key, group in groups.items():
        for a, b in candidate_pairs(key, group):
            row = conflict(a, b)
            if row and row["conflict_id"] not in rows:
                reason = acknowledged.get(row["conflict_id"])
                row.update(status="acknowledged" if reason else "open", reason=reason)
                rows[row["conflict_id"]] = row
    return sorted(rows.values(), key=lambda r: r["conflict_id"])


def can_disagree(claim: dict) -> bool:
    """Whether the claim can be one of a conflict's pair: its value is a number, it gives a founding date or a
    state, or its predicate meets a related one. The rest (who invested, what was released: six claims in ten)
    are in no group's comparison (see candidate_pairs), and left out of the grouping."""
    predicate = claim["predicate_id"]
    return (claim.get("amount_usd") is not None or claim.get("value_number") is not None or predicate == "founded"
            or predicate in STATE_PREDICATES or predicate in RELATED_PREDICATES)


def candidate_pairs(key: tuple, group: list[dict]) -> Iterator[tuple[dict, dict]]:
    """The pairs of a group that may disagree, a's id first. Values and founding dates of one predicate are
    found by sorting intervals (time grows with n log n plus the disagreements), never by trying all pairs;
    states and related predicates, a handful of claims per subject, are compared pair by pair."""
    if len(group) < 2:
        return
    if key[0] == "same" and key[2] not in STATE_PREDICATES:
        yield from _disjoint_pairs(group)
        return
    for a, b in itertools.combinations(sorted(group, key=lambda c: c["claim_id"]), 2):
        if pair_allowed(key, a, b):
            yield a, b


def comparison_keys(claim: dict) -> list[tuple]:
    """Like with like: the same subject, predicate, round, object and period of change; related predicates
    of the same subject and object meet in a second group, whatever the round."""
    period = claim.get("date_period") if claim["predicate_id"] in CHANGE_PREDICATES else None
    keys = [("same", claim["subject_id"], claim["predicate_id"], claim["round_id"], claim["object_id"], period)]
    if claim["predicate_id"] in RELATED_PREDICATES:
        keys.append(("related", claim["subject_id"], RELATED_PREDICATES[claim["predicate_id"]], claim["object_id"]))
    return keys


def pair_allowed(key: tuple, a: dict, b: dict) -> bool:
    """In a group of related predicates only pairs of different predicates are compared (the same
    predicate is compared in its own, narrower group)."""
    return key[0] != "related" or a["predicate_id"] != b["predicate_id"]


def conflict(a: dict, b: dict) -> dict | None:
    """The conflict row of two claims, or None where they agree or cannot be compared."""
    pair = comparable_pair(a, b)
    if pair is None:
        return None
    kind, first, second, unit = pair
    if agree(kind, first, second):
        return None
    gap = first.gap(second) if isinstance(first, Interval) else 0.0
    return {"conflict_id": f"{a['claim_id']}--{b['claim_id']}", "claim_a": a["claim_id"], "claim_b": b["claim_id"],
            "subject_id": a["subject_id"], "predicate_id": a["predicate_id"],
            "related_predicate_id": b["predicate_id"] if b["predicate_id"] != a["predicate_id"] else None,
            "round_id": a["round_id"] or b["round_id"], "kind": kind, "interval_a": str(first),
            "interval_b": str(second), "gap": gap, "gap_unit": unit,
            "description": describe(kind, a, b, first, second, unit)}


def comparable_pair(a: dict, b: dict) -> tuple | None:
    """(kind, value a, value b, unit) for two claims that speak of the same thing, else None."""
    if a["predicate_id"] != b["predicate_id"]:
        return _related_pair(a, b)
    if a["predicate_id"] in STATE_PREDICATES:
        return ("state", a["value_text"], b["value_text"], "state") if a["value_text"] and b["value_text"] else None
    return _value_pair(a, b) or _date_pair(a, b)


def agree(kind: str, first, second) -> bool:
    if kind == "state":
        return first == second
    return first.overlaps(second)


def _value_pair(a: dict, b: dict) -> tuple | None:
    first, second = claim_interval(a), claim_interval(b)
    if first is None or second is None or first[1] != second[1]:
        return None
    return "value", first[0], second[0], first[1]


def _date_pair(a: dict, b: dict) -> tuple | None:
    if a["predicate_id"] != "founded":
        return None
    first, second = date_interval(a), date_interval(b)
    if first is None or second is None:
        return None
    return "date", first, second, "days"


def _related_pair(a: dict, b: dict) -> tuple | None:
    """An investment form given instead of cash (all of it) against a share of it in credits."""
    first, second = credit_share(a), credit_share(b)
    if first is None or second is None:
        return None
    return "related", first, second, "fraction"


def credit_share(claim: dict) -> Interval | None:
    if claim["predicate_id"] == "cloud_credit_share":
        interval = claim_interval(claim)
        return interval[0] if interval else None
    if claim["predicate_id"] == "investment_form" and instead_of_cash(claim):
        return Interval(1.0, 1.0)
    return None


def instead_of_cash(claim: dict) -> str | None:
    """The words of the quote that say the form replaces cash, if any."""
    quote = fold(claim["quote"]).lower()
    return next((words for words in exclusive_form_phrases() if words in quote), None)


def describe(kind: str, a: dict, b: dict, first, second, unit: str) -> str:
    """What disagrees, in words."""
    def says(claim: dict) -> str:
        return f"{claim['source_id']} ({claim['claim_id']}) says"
    if kind == "state":
        return (f"{says(a)} '{a['value_phrase']}' ({first}); {says(b)} '{b['value_phrase']}' ({second}): "
                f"the states differ.")
    if kind == "related":
        form, share = (a, b) if a["predicate_id"] == "investment_form" else (b, a)
        return (f"{says(form)} the investment came as {form['value_text']} '{instead_of_cash(form)}', so all of it; "
                f"{says(share)} '{share['value_phrase']}' of it came as credits.")
    what = "dates" if kind == "date" else f"values ({unit})"
    return (f"{says(a)} '{a['value_phrase'] or a['date_phrase']}' = {shown(first, kind)}; {says(b)} "
            f"'{b['value_phrase'] or b['date_phrase']}' = {shown(second, kind)}: the {what} do not overlap.")


def shown(interval: Interval, kind: str) -> str:
    """An interval as people read it: days as ISO dates."""
    if kind != "date":
        return str(interval)
    return f"{dt.date.fromordinal(int(interval.low))}..{dt.date.fromordinal(int(interval.high))}"


def _disjoint_pairs(group: list[dict]) -> Iterator[tuple[dict, dict]]:
    """Every pair (a, b), a's id first, whose value intervals (per unit) or founding dates are disjoint."""
    by_unit: dict[str, list[tuple[Interval, dict]]] = defaultdict(list)
    dated: list[tuple[Interval, dict]] = []
    for claim in group:
        value = claim_interval(claim)
        if value is not None:
            by_unit[value[1]].append((value[0], claim))
        if claim["predicate_id"] == "founded" and (day := date_interval(claim)) is not None:
            dated.append((day, claim))
    pairs = {(a["claim_id"], b["claim_id"]): (a, b) for items in [*by_unit.values(), dated] for a, b in _disjoint(items)}
    yield from (pairs[key] for key in sorted(pairs))


def _disjoint(items: list[tuple[Interval, dict]]) -> Iterator[tuple[dict, dict]]:
    """Pairs whose intervals do not overlap. Sorted by low end, the intervals wholly above one are those starting
    beyond its high end, and those starting exactly there when either end is open; a pair is found from its
    lower interval. Equal intervals are never visited pairwise, so many agreeing claims cost no more than few."""
    items.sort(key=lambda item: item[0].low)
    lows = [interval.low for interval, _ in items]
    open_from: dict[float, list[int]] = defaultdict(list)
    for index, (interval, _) in enumerate(items):
        if interval.low_open:
            open_from[interval.low].append(index)
    for interval, claim in items:
        if interval.high_open:
            above = range(bisect_left(lows, interval.high), len(items))
        else:
            above = [*open_from.get(interval.high, ()), *range(bisect_right(lows, interval.high), len(items))]
        for index in above:
            other_interval, other = items[index]
            if other is not claim and not interval.overlaps(other_interval):
                yield _ordered(claim, other)


def _ordered(a: dict, b: dict) -> tuple[dict, dict]:
    return (a, b) if a["claim_id"] < b["claim_id"] else (b, a)
