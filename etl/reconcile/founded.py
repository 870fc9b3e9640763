"""Each entity's founding date, taken from its narrowest `founded` claim (an age gives a range)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from etl.normalise.dates import first_day


def founded_columns(claims: list[dict]) -> dict[str, dict]:
    founded = defaultdict(list)
    for claim in claims:
        if claim["predicate_id"] == "founded" and claim["date"]:
            founded[claim["subject_id"]].append(claim)
    columns = {}
    for entity_id, group in founded.items():
        best = min(group, key=lambda c: (width_days(c), c["date_basis"] != "stated", first_day(c["date"]),
                                         c["claim_id"]))
        columns[entity_id] = {"founded": best["date"], "founded_precision": best["date_precision"],
                              "founded_basis": best["date_basis"], "founded_latest": best["date_latest"],
                              "founded_claim_id": best["claim_id"]}
    return columns


def width_days(claim: dict) -> int:
    """How many days the claim's date can fall on."""
    return (dt.date.fromisoformat(claim["date_latest"]) - first_day(claim["date"])).days + 1
