"""Funding rounds from the claims that share a round key: company, dates, status, amount and valuation."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from operator import itemgetter
from typing import Iterable

from etl.errors import InputError
from etl.normalise.dates import COARSENESS, first_day
from etl.reconcile.intervals import claim_interval
from etl.schema.vocab import DATE_BASES, MODALITIES

INVESTOR_PREDICATES = {"lead_investor", "participating_investor", "existing_investor", "investor_amount",
                       "investment_form", "cloud_credit_share"}
ROUND_COMPANY_PREDICATES = {"round_amount", "valuation", "round_status"} | INVESTOR_PREDICATES


def rank(claim: dict, published: dict[str, tuple]) -> tuple:
    """Body before headline (headlines compress figures), the narrowest interval, the higher lower bound,
    the source known to be earliest, the claim id."""
    interval = claim_interval(claim)
    width, low = (interval[0].width, interval[0].low) if interval else (math.inf, -math.inf)
    return (claim["in_headline"], width, -low, published[claim["source_id"]], claim["claim_id"])


def by_round(claims: Iterable[dict]) -> dict[str, list[dict]]:
    """Each round key's claims, in claim order: grouped once for the rounds and for their investors."""
    rounds = defaultdict(list)
    for claim in claims:
        if claim["round_id"]:
            rounds[claim["round_id"]].append(claim)
    return rounds


def round_rows(rounds: dict[str, list[dict]], published: dict[str, tuple], errors: list[InputError]) -> list[dict]:
    """A row for each round key (by_round), in key order. The rounds are reconciled in the order of their first
    claims, and only their rows sorted: the claims of rounds reported together lie together in memory."""
    rows = [row for key, group in rounds.items() if (row := _round(key, group, published, errors))]
    rows.sort(key=itemgetter("round_id"))
    return rows


def _round(key: str, group: list[dict], published: dict[str, tuple], errors: list[InputError]) -> dict | None:
    company = _round_company(key, group, errors)
    if company is None:
        return None
    row = {"round_id": key, "company_id": company}
    row.update(_announced(group, published))
    row["first_reported"] = min((published[c["source_id"]] for c in group))[1]
    row.update(_status(group, published))
    row.update(chosen(group, "round_amount", "amount", published))
    row.update(chosen(group, "valuation", "valuation", published))
    row["claim_count"] = len(group)
    row["source_count"] = len({c["source_id"] for c in group})
    return row


def _round_company(key: str, group: list[dict], errors: list[InputError]) -> str | None:
    """The company most of the round's claims are about; every claim about another one is an error."""
    subjects = Counter(c["subject_id"] for c in group if c["predicate_id"] in ROUND_COMPANY_PREDICATES)
    if not subjects:
        _round_error(group[0], f"round '{key}' has no amount, valuation, status or investor claim",
                     "give the round's claims with its company as subject the round key, or remove the key", errors)
        return None
    company = subjects.most_common(1)[0][0]
    odd = [c for c in group if c["predicate_id"] in ROUND_COMPANY_PREDICATES and c["subject_id"] != company]
    for claim in odd:
        _round_error(claim, f"round '{key}' is about {company}, this claim about {claim['subject_id']}",
                     "give the claim the round key of its own company's round, or correct its subject", errors)
    return None if odd else company


def _round_error(claim: dict, problem: str, fix: str, errors: list[InputError]) -> None:
    file, line = claim["curated_in"].rsplit(":", 1)
    errors.append(InputError(file, int(line), "round", problem, fix))


def _announced(group: list[dict], published: dict[str, tuple]) -> dict:
    """The most precise date; among equals a stated one (a headline's '2024') before a resolved one."""
    dated = [c for c in group if c["date"]]
    if not dated:
        return {"announced": None, "announced_precision": None, "announced_basis": None, "announced_latest": None}
    best = min(dated, key=lambda c: (COARSENESS[c["date_precision"]], first_day(c["date"]),
                                     DATE_BASES.index(c["date_basis"]), c["claim_id"]))
    return {"announced": best["date"], "announced_precision": best["date_precision"],
            "announced_basis": best["date_basis"], "announced_latest": best["date_latest"]}


def _status(group: list[dict], published: dict[str, tuple]) -> dict:
    """The status of the latest source that states one, as of that source's date."""
    statuses = [c for c in group if c["predicate_id"] == "round_status"]
    if not statuses:
        return {"status": "reported", "status_as_of": None, "status_claim_id": None, "status_modality": None}
    latest = max(statuses, key=lambda c: (published[c["source_id"]], c["claim_id"]))
    return {"status": latest["value_text"], "status_as_of": published[latest["source_id"]][1],
            "status_claim_id": latest["claim_id"], "status_modality": latest["modality"]}


def weakest(claims: list[dict]) -> str | None:
    """The weakest modality among the claims behind a value."""
    return max((c["modality"] for c in claims), key=MODALITIES.index, default=None)


def chosen(group: list[dict], predicate: str, prefix: str, published: dict[str, tuple]) -> dict:
    candidates = [c for c in group if c["predicate_id"] == predicate and c.get("amount") is not None]
    if not candidates:
        return {prefix: None, f"{prefix}_currency": None, f"{prefix}_comparator": None, f"{prefix}_usd": None,
                f"{prefix}_usd_rule": None, f"{prefix}_usd_claim_id": None, f"{prefix}_claim_id": None,
                f"{prefix}_modality": None}
    best = candidates[0] if len(candidates) == 1 else min(candidates, key=lambda c: rank(c, published))
    usd = usd_figure(best, candidates)
    return {prefix: best["amount"], f"{prefix}_currency": best["currency"],
            f"{prefix}_comparator": best["comparator"], f"{prefix}_usd": usd["amount_usd"],
            f"{prefix}_usd_rule": "stated_in_text" if usd is not best else best["usd_rule"],
            f"{prefix}_usd_claim_id": usd["claim_id"], f"{prefix}_claim_id": best["claim_id"],
            f"{prefix}_modality": weakest(candidates)}


def usd_figure(best: dict, candidates: list[dict]) -> dict:
    """The claim whose US-dollar figure the value shows: the same source's own US-dollar figure for the same
    value (its headline's "$2.8 Billion" beside the body's "20 billion yuan") wins over an ECB conversion."""
    if best["usd_rule"] != "ecb_rate":
        return best
    own = [c for c in candidates if c["source_id"] == best["source_id"] and c["usd_rule"] == "usd"
           and _same_value(c, best)]
    return min(own, key=lambda c: (-c["amount_usd_digits"], c["claim_id"])) if own else best


def _same_value(a: dict, b: dict) -> bool:
    first, second = claim_interval(a), claim_interval(b)
    return first is not None and second is not None and first[0].overlaps(second[0])
