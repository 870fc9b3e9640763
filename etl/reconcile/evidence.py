"""External evidence against the claims: each row corroborates or conflicts with the claims it can be compared
with, found by the same keys and pair rules as claim conflicts; it never changes a claim."""
from __future__ import annotations

from collections import defaultdict

from etl.reconcile.conflicts import (
    agree,
    comparable_pair,
    comparison_keys,
    describe,
    shown,
)


def evidence_rows(evidence: list[dict], claims: list[dict]) -> list[dict]:
    if not evidence:  # no evidence rows: the claims need not be grouped (a million of them, for nothing)
        return []
    by_key = defaultdict(list)
    for claim in claims:
        for key in comparison_keys(claim):
            by_key[_loose(key)].append(claim)
    return [_related(row, by_key) for row in sorted(evidence, key=lambda r: r["evidence_id"])]


def _loose(key: tuple) -> tuple:
    """Evidence of a round meets the claims of that round; a date is compared with founded claims whatever
    the period key."""
    return key[:5] if key[0] == "same" else key


def _related(row: dict, by_key: dict) -> dict:
    probe = {**row, "claim_id": row["evidence_id"], "source_id": row["outlet"], "date_phrase": None}
    found = []
    for key in comparison_keys(probe):
        for claim in by_key.get(_loose(key), []):
            pair = comparable_pair(probe, claim)
            if pair:
                found.append((not agree(pair[0], pair[1], pair[2]), claim["claim_id"], claim, pair))
    public = {k: v for k, v in row.items() if k not in ("in_headline", "quote", "value_text", "usd_rule")}
    if not found:
        return {**public, "relation": "not_compared", "claim_id": None, "compared_count": 0,
                "description": "No claim states this value for the same subject, predicate and round."}
    conflicting = [f for f in found if f[0]]
    conflicts, claim_id, claim, (kind, first, second, unit) = min(conflicting or found, key=lambda f: f[1])
    text = describe(kind, probe, claim, first, second, unit) if conflicts else (
        f"{row['outlet']} gives '{row['value_phrase']}' = {shown(first, kind)}; agrees with {claim['source_id']} "
        f"({claim_id}) '{claim['value_phrase'] or claim['date_phrase']}' = {shown(second, kind)}.")
    return {**public, "relation": "conflicts" if conflicts else "corroborates", "claim_id": claim_id,
            "compared_count": len(found), "description": text}
