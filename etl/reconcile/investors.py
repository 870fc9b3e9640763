"""The investors of each round: role, existing investor, amount and form of investment."""
from __future__ import annotations

import re
from collections import defaultdict

from etl.reconcile.rounds import INVESTOR_PREDICATES, chosen, rank


def investor_rows(claims: list[dict], published: dict[str, tuple]) -> list[dict]:
    groups = defaultdict(list)
    for claim in claims:
        if claim["round_id"] and claim["predicate_id"] in INVESTOR_PREDICATES and claim["object_id"]:
            groups[(claim["round_id"], claim["object_id"])].append(claim)
    return [_investor(key, group, published) for key, group in sorted(groups.items())]


def _investor(key: tuple[str, str], group: list[dict], published: dict[str, tuple]) -> dict:
    predicates = {c["predicate_id"] for c in group}
    row = {"round_id": key[0], "investor_id": key[1],
           "role": "lead" if "lead_investor" in predicates else "participant",
           "is_existing_investor": int("existing_investor" in predicates)}
    row.update(chosen(group, "investor_amount", "amount", published))
    forms = [c for c in group if c["predicate_id"] == "investment_form"]
    shares = sorted((c for c in group if c["predicate_id"] == "cloud_credit_share"),
                    key=lambda c: rank(c, published))
    form = _slug(min(forms, key=lambda c: rank(c, published))["value_text"]) if forms else None
    row["form"] = form or ("cloud_computing_credits" if shares else None)
    row["form_share"] = shares[0]["value_number"] if shares else None
    row["form_share_comparator"] = shares[0]["comparator"] if shares else None
    row["claim_count"] = len(group)
    return row


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
