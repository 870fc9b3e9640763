"""The page of a company or an investor: what the sources say about it, gathered from the read-only database."""
from __future__ import annotations

import sqlite3
from urllib.parse import quote_plus

from datasette.database import QueryInterrupted
from datasette.utils import sqlite_timelimit

from etl.site import render
from etl.site.entity_lists import claims_html, portfolio_html, timeline_html
from etl.site.queries import CONFLICTING_CLAIMS, PORTFOLIO_OF_ID_SQL, TIMELINE_OF_ID_SQL

ENTITY_SQL = """select e.*, parent.name as parent_name,
  fc.quote as founded_quote, fc.source_id as founded_source_id, fs.title as founded_source_title
from entities e
left join entities parent on parent.entity_id = e.parent_id
left join claims fc on fc.claim_id = e.founded_claim_id
left join sources fs on fs.source_id = fc.source_id
where e.entity_id = :entity_id"""

ALIASES_SQL = "select alias from entity_aliases where entity_id = :entity_id order by alias"

ROUNDS_SQL = """select fr.*, ac.quote as amount_quote, vc.quote as valuation_quote
from funding_rounds fr
left join claims ac on ac.claim_id = fr.amount_claim_id
left join claims vc on vc.claim_id = fr.valuation_claim_id
where fr.company_id = :entity_id
order by fr.announced, fr.round_id"""

ROUND_INVESTORS_SQL = """select ri.*, inv.name as investor_name
from round_investors ri
join funding_rounds fr on fr.round_id = ri.round_id
join entities inv on inv.entity_id = ri.investor_id
where fr.company_id = :entity_id
order by ri.round_id, ri.role = 'participant', inv.name"""

# Every valuation a source states for the company, at the claim's date else its source's publication date.
VALUATIONS_SQL = """select c.claim_id, c.round_id, c.value_phrase, c.comparator, c.amount_usd,
  coalesce(c.date, s.published) as date, s.publisher as source_publisher
from claims c
join sources s on s.source_id = c.source_id
where c.subject_id = :entity_id and c.predicate_id = 'valuation' and c.amount_usd is not null
  and coalesce(c.date, s.published) is not null
order by 6, c.claim_id"""

CONFLICTS_SQL = """select cc.*, ca.quote as quote_a, cb.quote as quote_b, ca.value_phrase as value_phrase_a,
  cb.value_phrase as value_phrase_b, ca.source_id as source_a, cb.source_id as source_b,
  sa.title as source_title_a, sb.title as source_title_b, p.label as predicate_label
from claim_conflicts cc
join claims ca on ca.claim_id = cc.claim_a
join claims cb on cb.claim_id = cc.claim_b
join sources sa on sa.source_id = ca.source_id
join sources sb on sb.source_id = cb.source_id
join predicates p on p.predicate_id = cc.predicate_id
where cc.conflict_id in (select conflict_id from claim_conflicts where subject_id = :entity_id
  union select named.conflict_id from claims c join claim_conflicts named on named.claim_a = c.claim_id
  where c.object_id = :entity_id)
order by cc.status, cc.conflict_id"""
# The conflicts about the entity or naming it as the object of their first claim: two index searches. Said as
# `cc.subject_id = :entity_id or ca.object_id = :entity_id` it read every conflict and its first claim (2.7 ms
# of the page's 3 ms of SQL at a million claims, 718 conflicts).

CLAIMS_SQL = """select c.claim_id, c.predicate_id, p.label as predicate_label, c.subject_id, subj.name as subject_name,
  c.object_id, obj.name as object_name, c.round_id, c.value_phrase, c.quote, c.modality, c.source_id,
  s.title as source_title, s.publisher as source_publisher, s.published as source_published
from claims c
join predicates p on p.predicate_id = c.predicate_id
join sources s on s.source_id = c.source_id
join entities subj on subj.entity_id = c.subject_id
left join entities obj on obj.entity_id = c.object_id
where c.subject_id = :entity_id or c.object_id = :entity_id
order by s.published, c.source_id, c.quote_start, c.claim_id
limit :limit"""
CLAIM_COUNT_SQL = "select count(*) as n from claims c where c.subject_id = :entity_id or c.object_id = :entity_id"
# An entity's page lists this many of the claims that name it, oldest source first, and links the claims table
# for the rest: at a million claims an investor can be named by twenty thousand claims, 13 MB of page.
CLAIM_LIST_LIMIT = 500

PORTFOLIO_LIST_SQL = PORTFOLIO_OF_ID_SQL + "\nlimit :limit"
PORTFOLIO_COUNT_SQL = f"select count(*) as n from ({PORTFOLIO_OF_ID_SQL})"
# An investor's page lists this many of its investments, by company name, and links its portfolio query for the
# rest: at a million claims the busiest investor had 6,221, 1.9 MB of page and 450 ms of the server's CPU.
PORTFOLIO_LIST_LIMIT = 500

DIRECTORY_SQL = """select e.entity_id, e.name, e.kind, e.claim_count,
  (select count(*) from funding_rounds fr where fr.company_id = e.entity_id) as rounds_raised,
  (select count(distinct fr.company_id) from round_investors ri join funding_rounds fr on fr.round_id = ri.round_id
     where ri.investor_id = e.entity_id) as companies_backed,
  exists(select 1 from claims c where c.predicate_id = 'investor' and c.object_id = e.entity_id) as invests
from entities e
order by e.name collate nocase
limit :limit"""
# The home page names this many entities at most, and links the entities table for the rest: a directory of a
# hundred thousand names would be megabytes of page and a second of queries on every visit.
DIRECTORY_LIMIT = 500

INVESTOR_KINDS = ("investment_firm", "fund")


def role(entity: dict) -> str:
    """'company', 'investor' or 'company and investor' for a directory row; the entity's kind otherwise."""
    company = entity["kind"] == "company" or entity["rounds_raised"]
    investor = entity["kind"] in INVESTOR_KINDS or entity["companies_backed"] or entity["invests"]
    if company and investor:
        return "company and investor"
    if investor:
        return "investor"
    return "company" if company else entity["kind"].replace("_", " ")


def directory(rows: list[dict]) -> dict[str, list[dict]]:
    """Entities for the home page, grouped: companies, investors, then everything else."""
    groups: dict[str, list[dict]] = {"Companies": [], "Investors": [], "Also named": []}
    for row in rows:
        kind = role(row)
        entry = {**row, "role": kind}
        if kind.startswith("company"):
            groups["Companies"].append(entry)
        if "investor" in kind:
            groups["Investors"].append(entry)
        if kind not in ("company", "investor", "company and investor"):
            groups["Also named"].append(entry)
    return groups


def round_view(round_row: dict, investors: list[dict]) -> dict:
    """A funding round in words: amount and valuation with their hedges, and who invested."""
    return {
        **round_row,
        "amount_words": render.money_phrase(round_row["amount"], round_row["amount_currency"],
                                            round_row["amount_comparator"], round_row["amount_usd"]),
        "valuation_words": render.money_phrase(round_row["valuation"], round_row["valuation_currency"],
                                               round_row["valuation_comparator"], round_row["valuation_usd"]),
        "investors": [{**investor, "amount_words": render.money_phrase(
            investor["amount"], investor["amount_currency"], investor["amount_comparator"], investor["amount_usd"])}
            for investor in investors if investor["round_id"] == round_row["round_id"]],
    }


def timeline_view(row: dict) -> dict:
    """A row of the company timeline with its value in words."""
    if row.get("amount") is not None:
        value = render.money_phrase(row["amount"], row["currency"], row["comparator"], row["amount_usd"])
    elif row.get("object_id"):
        value = row.get("object_name") or row["object_id"]
    else:
        value = row.get("value_phrase") or row.get("value_text") or ""
    return {**row, "value_words": value, "what": row["predicate_id"].replace("_", " ")}


def conflict_view(row: dict) -> dict:
    unit = row.get("gap_unit")
    return {
        **row,
        "interval_a_words": render.interval_words(row["interval_a"], unit) or row["interval_a"],
        "interval_b_words": render.interval_words(row["interval_b"], unit) or row["interval_b"],
        "gap_words": render.money_cell(row, "gap", row["gap"]) or str(row["gap"]),
    }


async def conflicting_claims(db, status: str) -> list[dict]:
    """The conflicting_claims canned query's rows in words, for its side-by-side page (Datasette 1.0 gives a
    query's template only the rendered cells, so the page runs the query itself)."""
    return [conflict_view(dict(row)) for row in (await db.execute(CONFLICTING_CLAIMS.sql, {"status": status})).rows]


def portfolio_view(row: dict) -> dict:
    return {**row, "amount_words": render.money_phrase(row["amount"], row["amount_currency"],
                                                       row["amount_comparator"], row["amount_usd"]),
            "round_valuation_words": render.money(row["round_valuation_usd"], "USD")}


async def gather(db, entity_id: str, time_limit_ms: int) -> dict | None:
    """Everything the page shows, each part one query on the read-only database; None for an unknown id.

    The eight queries run in one call on one SQL thread under one time limit, not as eight calls each handed to
    a thread and back to the event loop: under load each hand-off waits behind every other request."""
    return await db.execute_fn(lambda connection: _gathered(connection, entity_id, time_limit_ms))


def _gathered(connection, entity_id: str, time_limit_ms: int) -> dict | None:
    params = {"entity_id": entity_id}

    def rows(sql: str, query_params: dict | None = None) -> list[dict]:
        try:
            return [dict(row) for row in connection.execute(sql, query_params or params).fetchall()]
        except sqlite3.OperationalError as error:
            if error.args == ("interrupted",):
                raise QueryInterrupted(error, sql, query_params or params) from error
            raise

    with sqlite_timelimit(connection, time_limit_ms):
        found = rows(ENTITY_SQL)
        if not found:
            return None
        rounds = rows(ROUNDS_SQL)
        investors = rows(ROUND_INVESTORS_SQL)
        portfolio = rows(PORTFOLIO_LIST_SQL, {"investor": entity_id, "limit": PORTFOLIO_LIST_LIMIT})
        portfolio_count = (rows(PORTFOLIO_COUNT_SQL, {"investor": entity_id})[0]["n"]
                           if len(portfolio) == PORTFOLIO_LIST_LIMIT else len(portfolio))
        return {
            "entity": found[0],
            "aliases": [row["alias"] for row in rows(ALIASES_SQL)],
            "rounds": [round_view(row, investors) for row in rounds],
            "valuations": rows(VALUATIONS_SQL),
            "timeline": [timeline_view(row) for row in rows(TIMELINE_OF_ID_SQL, {"company": entity_id})],
            "portfolio": [portfolio_view(row) for row in portfolio],
            "portfolio_count": portfolio_count,
            "conflicts": [conflict_view(row) for row in rows(CONFLICTS_SQL)],
            "claims": rows(CLAIMS_SQL, {**params, "limit": CLAIM_LIST_LIMIT}),
            "claim_count": rows(CLAIM_COUNT_SQL)[0]["n"],
        }


def linked(data: dict, links) -> dict:
    """The page's data with its longest lists made here as HTML, their links included (see entity_lists.py):
    the portfolio, the timeline, and the claims."""
    timeline = [{**row, "href": links.row("claims", row["claim_id"]),
                 "round_href": links.row("funding_rounds", row["round_id"]) if row["round_id"] else None}
                for row in data["timeline"]]
    claims = [{**claim, "href": links.row("claims", claim["claim_id"]),
               "subject_href": links.entity(claim["subject_id"]),
               "object_href": links.entity(claim["object_id"]) if claim["object_id"] else None,
               "source_href": links.row("sources", claim["source_id"])} for claim in data["claims"]]
    entity_id = quote_plus(data["entity"]["entity_id"])
    every_claim = {role: f"{links.table('claims')}?{role}_id={entity_id}" for role in ("subject", "object")}
    every_investment = f"{links.urls.query(links.database, 'investor_portfolio')}?investor={entity_id}"
    return {**data, "timeline": timeline, "claims": claims, "every_claim": every_claim,
            "every_investment": every_investment,
            "portfolio_html": portfolio_html(data["portfolio"], links), "timeline_html": timeline_html(timeline),
            "claims_html": claims_html(claims, data["entity"]["entity_id"])}


def kind_title(data: dict) -> str:
    """What the page is the page of: a company that raised rounds, an investor, or both."""
    company = bool(data["rounds"]) or data["entity"]["kind"] == "company"
    investor = bool(data["portfolio"]) or data["entity"]["kind"] in INVESTOR_KINDS
    if company and investor:
        return "Company and investor"
    if investor:
        return "Investor"
    return "Company" if company else data["entity"]["kind"].replace("_", " ").capitalize()
