"""Controlled vocabularies shared by the inputs, the tables and the rules."""
import pycountry

# ISO 4217 from one maintained list (the pycountry package), for the normalisers and the rules alike.
CURRENCIES = frozenset(currency.alpha_3 for currency in pycountry.currencies)

PRECISIONS = ("day", "week", "month", "year", "range")
DATE_KINDS = ("point", "range", "since")
SOURCE_DATE_BASES = ("stated", "inferred")
DATE_BASES = ("stated", "relative", "inferred")
COMPARATORS = ("exact", "about", "at_least", "more_than", "nearly", "at_most", "less_than")
# Strongest first: a round value shows the weakest modality of the claims behind it.
MODALITIES = ("stated", "company_statement", "reported", "committed", "in_progress", "claimed")
ATTRIBUTIONS = ("article", "named_outlet", "unnamed_sources", "company", "person")
ENTITY_KINDS = ("company", "investment_firm", "government", "person", "product", "model", "fund")
VALUE_KINDS = (
    "money", "entity", "date", "count", "fraction", "percent", "multiple", "ordinal", "quantity", "status",
    "state", "text",
)
ROUND_USE = ("required", "allowed", "forbidden")
VALUE_UNITS = ("count", "fraction", "percent", "multiple", "ordinal")
USD_RULES = ("usd", "stated_in_text", "ecb_rate")
FX_METHODS = ("ecb_daily", "ecb_period_mean")
ROUND_STATUSES = ("reported", "in_progress", "completed")
INVESTOR_ROLES = ("lead", "participant")
CONFLICT_KINDS = ("value", "date", "related", "state")
EVIDENCE_RELATIONS = ("corroborates", "conflicts", "not_compared")
PLAN_STATES = ("under_way", "cancelled")
CONFLICT_STATUSES = ("open", "acknowledged")

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
PREDICATE_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
