"""Each entity's founding date, taken from its most precise `founded` claim."""
from __future__ import annotations

from collections import defaultdict

from etl.normalise.dates import COARSENESS, first_day


def founded_columns(claims: list[dict]) -> dict[str, dict]:
    founded = defaultdict(list)
    for claim in claims:
        if claim["predicate_id"] == "founded" and claim["date"]:
            founded[claim["subject_id"]].append(claim)
    columns = {}
    for entity_id, group in founded.items():
        best = min(group, key=lambda c: (COARSENESS[c["date_precision"]], c["date_basis"] != "stated",
                                         first_day(c["date"]), c["claim_id"]))
        columns[entity_id] = {"founded": best["date"], "founded_precision": best["date_precision"],
                              "founded_basis": best["date_basis"], "founded_claim_id": best["claim_id"]}
    return columns
