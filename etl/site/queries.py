"""Canned queries of the Datasette site: SQL, parameters and documented result columns."""
from __future__ import annotations

from dataclasses import dataclass, replace

from etl.schema.model import Column
from etl.schema.tables import TABLES_BY_NAME


@dataclass(frozen=True)
class Param:
    name: str
    description: str
    example: str


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    sql: str
    params: tuple[Param, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


def col(table: str, column: str, name: str | None = None, description: str | None = None) -> Column:
    """A table's column definition, renamed or re-described for a query result."""
    found = TABLES_BY_NAME[table].column(column)
    return replace(found, name=name or found.name, description=description or found.description,
                   required=False, unique=False)


def new(name: str, type_: str, description: str) -> Column:
    return Column(name, type_, description)


def _name(what: str) -> Column:
    return new(f"{what}_name", "string", f"Name of the entity {what}_id names.")


ANY = "Empty for all."
ENTITY_MATCH = "an entity id, name or alias (case-insensitive)"


def entity_match(param: str, column: str) -> str:
    """SQL true where column is the entity that param names by id, or by name or alias in any case (indexed)."""
    return (f"{column} = (select entity_id from entities where entity_id = :{param} or name = :{param} collate nocase\n"
            f"    union select entity_id from entity_aliases where alias = :{param} collate nocase limit 1)")


PORTFOLIO_SQL = """select ri.investor_id, inv.name as investor_name, fr.company_id, co.name as company_name,
  ri.round_id, fr.announced, fr.status, ri.role, ri.is_existing_investor, ri.amount, ri.amount_currency,
  ri.amount_comparator, ri.amount_usd, ri.form, fr.amount_usd as round_amount_usd,
  fr.valuation_usd as round_valuation_usd, ri.claim_count
from round_investors ri
join funding_rounds fr on fr.round_id = ri.round_id
join entities inv on inv.entity_id = ri.investor_id
join entities co on co.entity_id = fr.company_id
where {round_investor}
union all
select c.object_id, inv.name, c.subject_id, co.name, null, null, null, null, null, null, null, null, null,
  null, null, null, count(*)
from claims c
join entities inv on inv.entity_id = c.object_id
join entities co on co.entity_id = c.subject_id
where c.predicate_id = 'investor'
  and not exists (select 1 from round_investors ri join funding_rounds fr on fr.round_id = ri.round_id
                  where ri.investor_id = c.object_id and fr.company_id = c.subject_id)
  and {claim_object}
group by c.object_id, c.subject_id
order by investor_name, company_name, announced"""
# The entity page knows the exact id: compared directly, the query reads that investor's index entries only
# (the canned query's "empty for all, else an id, name or alias" reads every row).
PORTFOLIO_OF_ID_SQL = PORTFOLIO_SQL.format(round_investor="ri.investor_id = :investor",
                                           claim_object="c.object_id = :investor")

INVESTOR_PORTFOLIO = Query(
    name="investor_portfolio",
    title="Portfolio of an investor",
    description="Every company an investor backed: one row per funding round it joined, with its role and "
    "the amount the sources say it put in, plus companies the sources only say it invested in (no round "
    "known: round_id is empty). " + "Empty investor: every investor.",
    sql=PORTFOLIO_SQL.format(round_investor=f":investor = '' or {entity_match('investor', 'ri.investor_id')}",
                             claim_object=f"(:investor = '' or {entity_match('investor', 'c.object_id')})"),
    params=(Param("investor", f"The investor: {ENTITY_MATCH}. {ANY}", "alibaba"),),
    columns=(
        col("round_investors", "investor_id"), _name("investor"), col("funding_rounds", "company_id"),
        _name("company"), col("round_investors", "round_id", description="The round it joined; empty where the "
                              "sources name no round."),
        col("funding_rounds", "announced"), col("funding_rounds", "status"), col("round_investors", "role"),
        col("round_investors", "is_existing_investor"), col("round_investors", "amount"),
        col("round_investors", "amount_currency"), col("round_investors", "amount_comparator"),
        col("round_investors", "amount_usd"), col("round_investors", "form"),
        col("funding_rounds", "amount_usd", "round_amount_usd", "Size of the whole round in US dollars."),
        col("funding_rounds", "valuation_usd", "round_valuation_usd", "Valuation at the round in US dollars."),
        new("claim_count", "integer", "Number of claims behind the row."),
    ),
)

TIMELINE_SQL = """select coalesce(c.date, s.published) as date,
  case when c.date is not null then c.date_precision else s.published_precision end as date_precision,
  case when c.date is not null then 'claim' else 'source' end as date_from,
  c.round_id, c.predicate_id, c.value_phrase, c.comparator, c.amount, c.currency, c.amount_usd, c.usd_rule,
  c.object_id, obj.name as object_name, c.value_number, c.value_unit, c.value_text, c.modality,
  c.source_id, s.title as source_title, s.publisher as source_publisher, s.published as source_published,
  c.claim_id, c.quote
from claims c
join sources s on s.source_id = c.source_id
join predicates p on p.predicate_id = c.predicate_id
left join entities obj on obj.entity_id = c.object_id
where {subject}
  and (c.round_id is not null or p.value_kind in ('money', 'date') or c.predicate_id = 'investor')
order by 1, c.round_id, c.predicate_id, c.claim_id"""
TIMELINE_OF_ID_SQL = TIMELINE_SQL.format(subject="c.subject_id = :company")  # the entity page's: by exact id

COMPANY_TIMELINE = Query(
    name="company_timeline",
    title="Timeline of a company",
    description="What the sources say about a company's founding, rounds and valuations, in date order "
    "(the claim's date, else its source's publication date): amounts in the original currency and in US "
    "dollars, each with its source and quote.",
    sql=TIMELINE_SQL.format(subject=entity_match('company', 'c.subject_id')),
    params=(Param("company", f"The company: {ENTITY_MATCH}.", "moonshot"),),
    columns=(
        new("date", "partial_date", "The claim's date, else its source's publication date (ISO 8601 text)."),
        new("date_precision", "string", "Precision of date."), new("date_from", "string",
                                                                     "claim or source: where date comes from."),
        col("claims", "round_id"), col("claims", "predicate_id"), col("claims", "value_phrase"),
        col("claims", "comparator"), col("claims", "amount"), col("claims", "currency"),
        col("claims", "amount_usd"), col("claims", "usd_rule"), col("claims", "object_id"), _name("object"),
        col("claims", "value_number"), col("claims", "value_unit"), col("claims", "value_text"),
        col("claims", "modality"), col("claims", "source_id"),
        col("sources", "title", "source_title", "Headline of the source."),
        col("sources", "publisher", "source_publisher", "Publisher of the source."),
        col("sources", "published", "source_published", "Publication date of the source."),
        col("claims", "claim_id"), col("claims", "quote"),
    ),
)

ROUND_MONEY = ("amount", "amount_currency", "amount_comparator", "amount_usd", "valuation", "valuation_currency",
               "valuation_comparator", "valuation_usd")

ROUNDS_BY_VALUATION = Query(
    name="rounds_by_valuation",
    title="Funding rounds ranked by valuation in US dollars",
    description="Every funding round, highest valuation first (rounds without a valuation last), with the "
    "round size, the hedges the text puts on both figures and the claims they come from.",
    sql="""select case when fr.valuation_usd is null then null
    else rank() over (order by fr.valuation_usd is null, fr.valuation_usd desc) end as rank,
  fr.round_id, fr.company_id, co.name as company_name, fr.announced, fr.announced_precision, fr.first_reported,
  fr.status, fr.amount, fr.amount_currency, fr.amount_comparator, fr.amount_usd, fr.valuation,
  fr.valuation_currency, fr.valuation_comparator, fr.valuation_usd, fr.amount_claim_id, fr.valuation_claim_id,
  fr.source_count
from funding_rounds fr
join entities co on co.entity_id = fr.company_id
where :min_valuation_usd = '' or fr.valuation_usd >= cast(:min_valuation_usd as real)
order by fr.valuation_usd is null, fr.valuation_usd desc, fr.amount_usd desc, fr.round_id""",
    params=(Param("min_valuation_usd", f"Only rounds valued at least this many US dollars. {ANY}", "2000000000"),),
    columns=(
        new("rank", "integer", "Rank by valuation_usd (1 = highest; ties share a rank); empty without one."),
        col("funding_rounds", "round_id"), col("funding_rounds", "company_id"), _name("company"),
        col("funding_rounds", "announced"), col("funding_rounds", "announced_precision"),
        col("funding_rounds", "first_reported"), col("funding_rounds", "status"),
        *(col("funding_rounds", name) for name in ROUND_MONEY),
        col("funding_rounds", "amount_claim_id"), col("funding_rounds", "valuation_claim_id"),
        col("funding_rounds", "source_count"),
    ),
)

SOURCE_CLAIMS = Query(
    name="source_claims",
    title="Claims of a source",
    description="Every claim taken from one article, in the order of the text, each with its verbatim quote.",
    sql="""select c.claim_id, c.predicate_id, c.subject_id, subj.name as subject_name, c.object_id,
  obj.name as object_name, c.round_id, c.value_phrase, c.comparator, c.amount, c.currency, c.amount_usd,
  c.value_number, c.value_unit, c.value_text, c.date, c.date_precision, c.modality, c.in_headline, c.quote,
  c.quote_start, c.quote_end
from claims c
join entities subj on subj.entity_id = c.subject_id
left join entities obj on obj.entity_id = c.object_id
where c.source_id = :source
order by c.quote_start, c.claim_id""",
    params=(Param("source", "The source_id of the article.", "bt-minimax-2024-03-05"),),
    columns=(
        col("claims", "claim_id"), col("claims", "predicate_id"), col("claims", "subject_id"), _name("subject"),
        col("claims", "object_id"), _name("object"), col("claims", "round_id"), col("claims", "value_phrase"),
        *(col("claims", name) for name in ("comparator", "amount", "currency", "amount_usd", "value_number",
                                           "value_unit", "value_text", "date", "date_precision", "modality",
                                           "in_headline", "quote", "quote_start", "quote_end")),
    ),
)


def _side(side: str) -> str:
    return (f"cc.claim_{side}, c{side}.source_id as source_{side}, c{side}.value_phrase as value_phrase_{side}, "
            f"coalesce(c{side}.date, s{side}.published) as date_{side}, cc.interval_{side}, "
            f"c{side}.quote as quote_{side}")


def _side_columns(side: str) -> tuple[Column, ...]:
    return (
        col("claim_conflicts", f"claim_{side}"),
        col("claims", "source_id", f"source_{side}", f"Source of claim {side}."),
        col("claims", "value_phrase", f"value_phrase_{side}", f"Value of claim {side} as written."),
        new(f"date_{side}", "partial_date", f"Date of claim {side}, else its source's publication date."),
        col("claim_conflicts", f"interval_{side}"),
        col("claims", "quote", f"quote_{side}", f"Quote of claim {side}."),
    )


CONFLICTING_CLAIMS = Query(
    name="conflicting_claims",
    title="Claims that disagree, side by side",
    description="Pairs of claims about the same subject, predicate and round whose values (as intervals) or "
    "dates do not overlap: both quotes, both sources, the gap between them, and whether the disagreement is "
    "acknowledged and why.",
    sql=f"""select cc.conflict_id, cc.status, cc.kind, cc.subject_id, subj.name as subject_name, cc.predicate_id,
  cc.round_id, {_side('a')}, {_side('b')}, cc.gap, cc.gap_unit, cc.reason
from claim_conflicts cc
join entities subj on subj.entity_id = cc.subject_id
join claims ca on ca.claim_id = cc.claim_a
join claims cb on cb.claim_id = cc.claim_b
join sources sa on sa.source_id = ca.source_id
join sources sb on sb.source_id = cb.source_id
where :status = '' or cc.status = :status
order by cc.status desc, cc.conflict_id""",
    params=(Param("status", f"open or acknowledged. {ANY}", "acknowledged"),),
    columns=(
        col("claim_conflicts", "conflict_id"), col("claim_conflicts", "status"), col("claim_conflicts", "kind"),
        col("claim_conflicts", "subject_id"), _name("subject"), col("claim_conflicts", "predicate_id"),
        col("claim_conflicts", "round_id"), *_side_columns("a"), *_side_columns("b"),
        col("claim_conflicts", "gap"), col("claim_conflicts", "gap_unit"), col("claim_conflicts", "reason"),
    ),
)

SEARCH_QUOTES = Query(
    name="search_quotes",
    title="Search the quotes",
    description="Full-text search over every quote and value phrase (SQLite FTS5, the words as one phrase, "
    "best match first); the matching words are marked with [ ] in the snippet.",
    sql="""select c.claim_id, c.source_id, c.subject_id, c.predicate_id, c.value_phrase,
  snippet(claims_fts, 0, '[', ']', '…', 16) as snippet, c.quote, claims_fts.rank as rank
from claims_fts
join claims c on c.rowid = claims_fts.rowid
where claims_fts match '"' || replace(:q, '"', '""') || '"'
order by claims_fts.rank, c.claim_id""",
    params=(Param("q", "Words to find, as a phrase (case-insensitive).", "cloud computing"),),
    columns=(
        col("claims", "claim_id"), col("claims", "source_id"), col("claims", "subject_id"),
        col("claims", "predicate_id"), col("claims", "value_phrase"),
        new("snippet", "string", "The matching part of the quote, matches marked with [ ]."),
        col("claims", "quote"), new("rank", "number", "FTS5 rank (lower is a better match)."),
    ),
)

LAST_VALIDATION_RUN = Query(
    name="last_validation_run",
    title="What the last validation run checked",
    description="Every rule of the most recent Great Expectations run of the build that published this "
    "database, failed rules first, with the run's overall outcome on each row.",
    sql="""select r.run_id, r.run_at, r.gx_version, r.success as run_success, r.rule_count, r.failed_count,
  v.rule, v.suite, v.table_name, v.column_name, v.expectation_type, v.success, v.unexpected_count,
  v.unexpected_sample
from validation_runs r
join validation_results v on v.run_id = r.run_id
where r.run_id = (select run_id from validation_runs order by run_at desc, run_id desc limit 1)
  and (:table = '' or v.table_name = :table)
order by v.success, v.suite, v.rule""",
    params=(Param("table", f"Only the rules on this table. {ANY}", "claims"),),
    columns=(
        col("validation_runs", "run_id"), col("validation_runs", "run_at"), col("validation_runs", "gx_version"),
        col("validation_runs", "success", "run_success", "1 when every rule of the run held."),
        col("validation_runs", "rule_count"), col("validation_runs", "failed_count"),
        *(col("validation_results", name) for name in ("rule", "suite", "table_name", "column_name",
                                                       "expectation_type", "success", "unexpected_count",
                                                       "unexpected_sample")),
    ),
)

QUERIES: tuple[Query, ...] = (
    INVESTOR_PORTFOLIO, COMPANY_TIMELINE, ROUNDS_BY_VALUATION, SOURCE_CLAIMS, CONFLICTING_CLAIMS, SEARCH_QUOTES,
    LAST_VALIDATION_RUN,
)
QUERIES_BY_NAME = {query.name: query for query in QUERIES}
