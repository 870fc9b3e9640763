"""The investors of each round: role, existing investor, amount and form of investment."""
from __future__ import annotations

import re
from collections import defaultdict

from etl.reconcile.rounds import INVESTOR_PREDICATES, chosen, rank, weakest


def investor_rows(claims: list[dict], published: dict[str, tuple]) -> list[dict]:
    groups = defaultdict(list)
    for claim in claims:
        if claim["round_id"] and claim["predicate_id"] in INVESTOR_PREDICATES and claim["object_id"]:
            groups[(claim["round_id"], claim["object_id"])].append(claim)
    first_source = _first_source(claims, published)
    earlier = _roundless_existing(claims)
    return [_investor(key, group, published, _existing(key, group, earlier, first_source, published))
            for key, group in sorted(groups.items())]


def _first_source(claims: list[dict], published: dict[str, tuple]) -> dict[str, tuple]:
    """Each round's company and the known-by date of its earliest source."""
    first = {}
    reporting = INVESTOR_PREDICATES | {"round_amount", "valuation"}
    for claim in claims:
        if claim["round_id"] and claim["predicate_id"] in reporting:
            candidate = (published[claim["source_id"]], claim["subject_id"])
            known = first.get(claim["round_id"])
            if known is None or candidate < known:
                first[claim["round_id"]] = candidate
    return first


def _roundless_existing(claims: list[dict]) -> dict[tuple[str, str], list[dict]]:
    found = defaultdict(list)
    for claim in claims:
        if claim["predicate_id"] == "existing_investor" and not claim["round_id"] and claim["object_id"]:
            found[(claim["subject_id"], claim["object_id"])].append(claim)
    return found


def _existing(key: tuple[str, str], group: list[dict], earlier: dict, first_source: dict,
              published: dict[str, tuple]) -> dict | None:
    """The claim that makes the investor an existing one: of this round, or a round-less one ('previously
    provided funding') from a source not published after the round's first report."""
    own = sorted((c for c in group if c["predicate_id"] == "existing_investor"), key=lambda c: c["claim_id"])
    if own:
        return own[0]
    (round_known_by, _), company = first_source[key[0]]
    before = [c for c in earlier.get((company, key[1]), [])
              if published[c["source_id"]][0] <= round_known_by]
    return min(before, key=lambda c: c["claim_id"]) if before else None


def _investor(key: tuple[str, str], group: list[dict], published: dict[str, tuple], existing: dict | None) -> dict:
    predicates = {c["predicate_id"] for c in group}
    row = {"round_id": key[0], "investor_id": key[1],
           "role": "lead" if "lead_investor" in predicates else "participant",
           "is_existing_investor": int(existing is not None),
           "existing_claim_id": existing["claim_id"] if existing else None,
           "modality": weakest(group)}
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
