"""What reconciliation reads of a claim, in a few hundred bytes instead of a dictionary of every column."""
from __future__ import annotations

import sys

# Every column rounds, investors, founding dates, conflicts and evidence read. The claims themselves go to the
# database as they are normalised; at a million claims only these stay in memory.
OWN_KEYS = ("claim_id", "source_id", "subject_id", "predicate_id", "object_id", "amount", "amount_usd",
            "amount_usd_digits", "value_number", "in_headline")
# Text that many claims repeat (a round's key, "stated", "USD", "$50 million", "last week"): one copy for all,
# not one per claim (at a million claims, half a million value phrases have a few ten thousand spellings).
SHARED_KEYS = ("round_id", "modality", "comparator", "currency", "usd_rule", "value_unit", "value_text", "date",
               "date_precision", "date_basis", "date_latest", "date_period", "value_phrase", "date_phrase")
FACT_KEYS = OWN_KEYS + SHARED_KEYS
# The quote is read only to tell whether an investment form replaces cash (conflicts.instead_of_cash).
QUOTE_PREDICATES = {"investment_form"}


def _shared(value):
    return value if value is None else sys.intern(value)


class ClaimFacts:
    """A claim's facts, read like its row (facts["round_id"], facts.get("amount")): a column the row lacks is
    None, as row.get gives it."""

    __slots__ = (*FACT_KEYS, "quote", "_file", "_line")

    def __init__(self, row: dict):
        # Unpacked into the slots by name (a loop of setattr costs twice as much, for every claim).
        get = row.get
        (self.claim_id, self.source_id, self.subject_id, self.predicate_id, self.object_id, self.amount,
         self.amount_usd, self.amount_usd_digits, self.value_number, self.in_headline) = map(get, OWN_KEYS)
        (self.round_id, self.modality, self.comparator, self.currency, self.usd_rule, self.value_unit,
         self.value_text, self.date, self.date_precision, self.date_basis, self.date_latest, self.date_period,
         self.value_phrase, self.date_phrase) = map(_shared, map(get, SHARED_KEYS))
        self.quote = row["quote"] if row["predicate_id"] in QUOTE_PREDICATES else None
        file, line = row["curated_in"].rsplit(":", 1)
        self._file, self._line = sys.intern(file), int(line)  # one copy of each file name, not one per claim

    @property
    def curated_in(self) -> str:
        """Where the claim was curated, as the claims table's curated_in: file:line."""
        return f"{self._file}:{self._line}"

    # facts["round_id"] is an attribute look-up done in C: reconciliation reads millions of them.
    __getitem__ = object.__getattribute__

    def get(self, key: str, default=None):
        return getattr(self, key, default)
