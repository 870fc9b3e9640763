"""The investors of each round: role, existing investor, amount and form of investment."""
from __future__ import annotations

import re
from collections import defaultdict
from operator import itemgetter

from etl.reconcile.rounds import INVESTOR_PREDICATES, chosen, rank, weakest

# The claims that report a round: its first report dates an investor's earlier funding (_existing).
REPORTING_PREDICATES = INVESTOR_PREDICATES | {"round_amount", "valuation"}


def investor_rows(rounds: dict[str, list[dict]], claims: list[dict], published: dict[str, tuple]) -> list[dict]:
    """A row for each investor of each round (rounds: by_round(claims)), by round key and investor id. The rounds
    are reconciled in the order of their first claims, as in round_rows."""
    earlier = _roundless_existing(claims)
    rows = []
    for round_id, group in rounds.items():
        investors = defaultdict(list)
        for claim in group:
            if claim["predicate_id"] in INVESTOR_PREDICATES and claim["object_id"]:
                investors[claim["object_id"]].append(claim)
        if not investors:
            continue
        first_source = _first_source(group, published)
        rows.extend(_investor((round_id, investor_id), claims_of, published,
                              _existing(investor_id, claims_of, earlier, first_source, published))
                    for investor_id, claims_of in sorted(investors.items()))
    rows.sort(key=itemgetter("round_id"))
    return rows


def _first_source(group: list[dict], published: dict[str, tuple]) -> tuple[tuple, str]:
    """The known-by date of a round's earliest report and the company it names (the least of both)."""
    return min((published[c["source_id"]], c["subject_id"]) for c in group
               if c["predicate_id"] in REPORTING_PREDICATES)


def _roundless_existing(claims: list[dict]) -> dict[tuple[str, str], list[dict]]:
    found = defaultdict(list)
    for claim in claims:
        if claim["predicate_id"] == "existing_investor" and not claim["round_id"] and claim["object_id"]:
            found[(claim["subject_id"], claim["object_id"])].append(claim)
    return found


def _existing(investor_id: str, group: list[dict], earlier: dict, first_source: tuple[tuple, str],
              published: dict[str, tuple]) -> dict | None:
    """The claim that makes the investor an existing one: of this round, or a round-less one ('previously
    provided funding') from a source not published after the round's first report."""
    own = sorted((c for c in group if c["predicate_id"] == "existing_investor"), key=lambda c: c["claim_id"])
    if own:
        return own[0]
    (round_known_by, _), company = first_source
    before = [c for c in earlier.get((company, investor_id), [])
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
