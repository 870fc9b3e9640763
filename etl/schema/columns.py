"""Groups of columns that several tables share: a date with its precision and basis, money with its hedges."""
from __future__ import annotations

from etl.schema import vocab
from etl.schema.model import Column

C = Column

DATE_PRECISION = ("Precision of the date: " + ", ".join(vocab.PRECISIONS) + " (range: some day from the date to "
                  "the _latest column, e.g. a founding date read from an age).")
DATE_BASIS = (
    "How the date was obtained: stated (the text gives it), relative (resolved from a phrase such as "
    "'in February' against the source's publication date) or inferred (reasoned, see the note)."
)


def date_columns(name: str, what: str) -> tuple[Column, ...]:
    return (
        C(name, "partial_date", f"{what} as ISO 8601 text (YYYY, YYYY-MM or YYYY-MM-DD; see {name}_precision); "
          "for a range its earliest day."),
        C(f"{name}_precision", "string", DATE_PRECISION, enum=vocab.PRECISIONS),
        C(f"{name}_basis", "string", DATE_BASIS, enum=vocab.DATE_BASES),
        C(f"{name}_latest", "date", f"Last day {name} can be: the end of its period or range (ISO 8601 day)."),
    )


def money_columns(prefix: str, what: str) -> tuple[Column, ...]:
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
