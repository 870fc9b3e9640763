"""The one definition of every published table: names, types, descriptions and constraints.

The tables of the inputs are here; the derived ones are in derived_tables.py."""
from __future__ import annotations

from etl.schema import vocab
from etl.schema.columns import C, date_columns
from etl.schema.derived_tables import (
    CLAIM_CONFLICTS,
    EXTERNAL_EVIDENCE,
    FUNDING_ROUNDS,
    FX_RATES,
    ROUND_INVESTORS,
    VALIDATION_RESULTS,
    VALIDATION_RUNS,
)
from etl.schema.model import Table

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
        *date_columns("published", "Publication date of the article"),
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
        *date_columns("founded", "Founding date, from the most precise 'founded' claim"),
        C("founded_claim_id", "string", "The claim the founding date was taken from.",
          references=("claims", "claim_id")),
        C("note", "string", "Curator's note."),
        C("claim_count", "integer", "Number of claims naming this entity as subject or object.",
          required=True, minimum=0),
    ),
    primary_key=("entity_id",),
    indexes=(("kind",), ("country",), ("parent_id",)),
    nocase_indexes=("name",),  # the canned queries find an entity by its name in any case
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
    nocase_indexes=("alias",),  # and by any of its aliases
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
        *date_columns("date", "Date the claim refers to"),
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

TABLES: tuple[Table, ...] = (
    SOURCES, ENTITIES, ENTITY_ALIASES, PREDICATES, FX_RATES, FUNDING_ROUNDS, CLAIMS,
    ROUND_INVESTORS, CLAIM_CONFLICTS, EXTERNAL_EVIDENCE, VALIDATION_RUNS, VALIDATION_RESULTS,
)
DATA_TABLES: tuple[Table, ...] = tuple(table for table in TABLES if table.packaged)
TABLES_BY_NAME = {table.name: table for table in TABLES}
