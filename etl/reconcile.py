"""Reconcile claims into funding rounds, round investors, founding dates and conflicts."""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict

from etl.dates import COARSENESS, first_day, last_day
from etl.errors import InputError
from etl.intervals import FX_TOLERANCE, Interval, from_days, from_value

INVESTOR_PREDICATES = {"lead_investor", "participating_investor", "existing_investor", "investor_amount",
                       "investment_form", "cloud_credit_share"}
ROUND_COMPANY_PREDICATES = {"round_amount", "valuation", "round_status"} | INVESTOR_PREDICATES


def claim_interval(claim: dict) -> tuple[Interval, str] | None:
    """The claim's value as an interval with its unit (USD for money), or None if it has no number."""
    if claim.get("amount_usd") is not None:
        interval = from_value(claim["amount_usd"], claim["comparator"])
        if claim["usd_rule"] != "usd":
            interval = interval.widen(FX_TOLERANCE)
        return interval, "USD"
    if claim.get("value_number") is not None:
        return from_value(claim["value_number"], claim["comparator"]), claim["value_unit"]
    return None


def date_interval(claim: dict) -> Interval | None:
    if claim.get("date") is None:
        return None
    first = first_day(claim["date"]).toordinal()
    return from_days(first, last_day(claim["date"], claim["date_precision"]).toordinal())


def _rank(claim: dict, published: dict[str, tuple]) -> tuple:
    """Body before headline (headlines compress figures), the narrowest interval, the higher lower bound,
    the source known to be earliest, the claim id."""
    interval = claim_interval(claim)
    width, low = (interval[0].width, interval[0].low) if interval else (math.inf, -math.inf)
    return (claim["in_headline"], width, -low, published[claim["source_id"]], claim["claim_id"])


def round_rows(claims: list[dict], published: dict[str, tuple], errors: list[InputError]) -> list[dict]:
    by_round = defaultdict(list)
    for claim in claims:
        if claim["round_id"]:
            by_round[claim["round_id"]].append(claim)
    return [row for key, group in sorted(by_round.items()) if (row := _round(key, group, published, errors))]


def _round(key: str, group: list[dict], published: dict[str, tuple], errors: list[InputError]) -> dict | None:
    company = _round_company(key, group, errors)
    if company is None:
        return None
    row = {"round_id": key, "company_id": company}
    row.update(_announced(group, published))
    row["first_reported"] = min((published[c["source_id"]] for c in group))[1]
    row["status"] = _status(group, published)
    row.update(_chosen(group, "round_amount", "amount", published))
    row.update(_chosen(group, "valuation", "valuation", published))
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
    dated = [c for c in group if c["date"]]
    if not dated:
        return {"announced": None, "announced_precision": None, "announced_basis": None}
    best = min(dated, key=lambda c: (COARSENESS[c["date_precision"]], first_day(c["date"]), c["claim_id"]))
    return {"announced": best["date"], "announced_precision": best["date_precision"],
            "announced_basis": best["date_basis"]}


def _status(group: list[dict], published: dict[str, tuple]) -> str:
    statuses = [c for c in group if c["predicate_id"] == "round_status"]
    if not statuses:
        return "reported"
    latest = max(statuses, key=lambda c: (published[c["source_id"]], c["claim_id"]))
    return latest["value_text"]


def _chosen(group: list[dict], predicate: str, prefix: str, published: dict[str, tuple]) -> dict:
    candidates = [c for c in group if c["predicate_id"] == predicate and c.get("amount") is not None]
    if not candidates:
        return {prefix: None, f"{prefix}_currency": None, f"{prefix}_comparator": None, f"{prefix}_usd": None,
                f"{prefix}_claim_id": None}
    best = min(candidates, key=lambda c: _rank(c, published))
    return {prefix: best["amount"], f"{prefix}_currency": best["currency"],
            f"{prefix}_comparator": best["comparator"], f"{prefix}_usd": best["amount_usd"],
            f"{prefix}_claim_id": best["claim_id"]}


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
    row.update(_chosen(group, "investor_amount", "amount", published))
    forms = [c for c in group if c["predicate_id"] == "investment_form"]
    shares = sorted((c for c in group if c["predicate_id"] == "cloud_credit_share"),
                    key=lambda c: _rank(c, published))
    form = _slug(min(forms, key=lambda c: _rank(c, published))["value_text"]) if forms else None
    row["form"] = form or ("cloud_computing_credits" if shares else None)
    row["form_share"] = shares[0]["value_number"] if shares else None
    row["form_share_comparator"] = shares[0]["comparator"] if shares else None
    row["claim_count"] = len(group)
    return row


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


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
