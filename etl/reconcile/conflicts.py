"""Claims about the same thing whose values or dates do not overlap as intervals."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Iterable, Iterator

from etl.reconcile.intervals import Interval, claim_interval, date_interval


def conflict_rows(claims: Iterable[dict], acknowledged: dict[str, str]) -> list[dict]:
    rows = []
    for group in _groups(claims).values():
        for a, b in _candidate_pairs(group):
            row = _conflict(a, b)
            if row:
                reason = acknowledged.get(row["conflict_id"])
                row.update(status="acknowledged" if reason else "open", reason=reason)
                rows.append(row)
    return sorted(rows, key=lambda r: r["conflict_id"])


def _groups(claims: Iterable[dict]) -> dict[tuple, list[dict]]:
    """Claims about the same thing; a claim alone in its group cannot disagree and is dropped."""
    groups = defaultdict(list)
    for claim in claims:
        groups[(claim["subject_id"], claim["predicate_id"], claim["round_id"], claim["object_id"])].append(claim)
    return {key: group for key, group in groups.items() if len(group) > 1}


def _candidate_pairs(group: list[dict]) -> Iterator[tuple[dict, dict]]:
    """Every pair (a, b), a's id first, whose intervals are disjoint, found by sorting rather than by trying all
    pairs: time grows with the group's size times its logarithm plus the disagreements found."""
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


def _conflict(a: dict, b: dict) -> dict | None:
    pair = _value_pair(a, b) or _date_pair(a, b)
    if pair is None:
        return None
    kind, first, second, unit = pair
    if first.overlaps(second):
        return None
    return {"conflict_id": f"{a['claim_id']}--{b['claim_id']}", "claim_a": a["claim_id"], "claim_b": b["claim_id"],
            "subject_id": a["subject_id"], "predicate_id": a["predicate_id"], "round_id": a["round_id"],
            "kind": kind, "interval_a": str(first), "interval_b": str(second), "gap": first.gap(second),
            "gap_unit": unit}


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
