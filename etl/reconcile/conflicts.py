"""Claims about the same thing whose values or dates do not overlap as intervals."""
from __future__ import annotations

import itertools
from collections import defaultdict

from etl.reconcile.intervals import claim_interval, date_interval


def conflict_rows(claims: list[dict], acknowledged: dict[str, str]) -> list[dict]:
    groups = defaultdict(list)
    for claim in claims:
        key = (claim["subject_id"], claim["predicate_id"], claim["round_id"], claim["object_id"])
        groups[key].append(claim)
    rows = []
    for group in groups.values():
        for a, b in itertools.combinations(sorted(group, key=lambda c: c["claim_id"]), 2):
            row = _conflict(a, b)
            if row:
                reason = acknowledged.get(row["conflict_id"])
                row.update(status="acknowledged" if reason else "open", reason=reason)
                rows.append(row)
    return sorted(rows, key=lambda r: r["conflict_id"])


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
