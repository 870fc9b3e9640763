"""Every table's rows from the curated inputs: read, normalise, reconcile."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Callable, Iterator

from etl import memos, timings
from etl.errors import InputError, InputErrors
from etl.inputs.files import claim_files, read_acknowledged, read_checked, read_evidence
from etl.inputs.load import Loaded
from etl.normalise.claims import normalise_claims
from etl.normalise.evidence import normalise_evidence
from etl.normalise.reference import Reference, Source, read_reference
from etl.reconcile.conflicts import conflict_rows
from etl.reconcile.evidence import evidence_rows
from etl.reconcile.facts import ClaimFacts
from etl.reconcile.founded import founded_columns
from etl.reconcile.investors import investor_rows
from etl.reconcile.rounds import by_round, round_rows


# The result's tables, in the order the build reports their counts.
TABLE_ORDER = ("sources", "entities", "entity_aliases", "predicates", "fx_rates", "claims", "funding_rounds",
               "round_investors", "claim_conflicts", "external_evidence")


def collect_rows(write_claims: Callable[[list[dict]], None] | None = None,
                 write_table: Callable[[str, list[dict]], None] | None = None,
                 claims_written: Callable[[], None] = lambda: None) -> dict[str, list]:
    """Every table's rows from the inputs; raises InputErrors with all problems found.

    With write_claims, the claims go to it in the claims table's order, a source at a time, as they are
    normalised, and the result's claims are empty: reconciliation reads each claim's facts (etl/reconcile/facts.py).
    With write_table, every other table goes to it as soon as it is made and its list in the result is empty:
    at a million claims, the reconciled tables held together beside the claims' facts were hundreds of megabytes.
    claims_written is called once the last claim went to write_claims (the writer may index them meanwhile).
    """
    errors: list[InputError] = []
    with timings.stage("read"):
        reference = read_reference(errors)
        acknowledged = read_acknowledged(errors)
    stream = ClaimStream(write_claims)
    with timings.stage("normalise"):
        normalised = normalise_claims(_claim_documents(errors, reference), reference, errors, stream.add)
        stream.flush()
        for source_id in reference.sources:  # those without claims files
            reference.done_with(source_id)
    if not errors:
        with timings.stage("write"):
            claims_written()
    claims = stream.facts
    tables = _Tables(write_table)
    with timings.stage("reconcile"):
        published = {source_id: _known_by(source) for source_id, source in reference.sources.items()}
        rounds = by_round(claims)
        tables.put("funding_rounds", round_rows(rounds, published, errors))
        evidence = normalise_evidence(read_evidence(errors), reference, errors)
        if errors:
            raise InputErrors(errors)
        # The claims' parent tables first: the writer checks the claims' keys while the rest is reconciled.
        tables.put("sources", _sources(reference, claims))
        tables.put("entities", _entities(reference, claims))
        tables.put("predicates", list(reference.predicates.values()))
        tables.put("fx_rates", [rate.as_row() for rate in normalised.fx_rates.values()])
        tables.put("round_investors", investor_rows(rounds, claims, published))
        tables.put("claim_conflicts", conflict_rows(claims, acknowledged))
        tables.put("external_evidence", evidence_rows(evidence, claims))
        del claims, rounds
        stream.facts = []  # read no more: let go before the last tables are written
        tables.put("entity_aliases", reference.aliases)
        tables.put("claims", stream.rows)
        memos.forget()
        return {name: tables.rows[name] for name in TABLE_ORDER}


class _Tables:
    """Each table's rows as they are made: kept, or handed to write_table and not kept."""

    def __init__(self, write_table: Callable[[str, list[dict]], None] | None):
        self.write_table = write_table
        self.rows: dict[str, list] = {}

    def put(self, name: str, rows: list) -> None:
        if self.write_table is None:
            self.rows[name] = rows
        else:
            self.write_table(name, rows)
            self.rows[name] = []


class ClaimStream:
    """Each source's claims, sorted as the claims table is (source, quote start, claim id), to write_claims (else
    kept in rows), and the facts of each for reconciliation. The files come in the order of their sources."""

    def __init__(self, write_claims: Callable[[list[dict]], None] | None):
        self.write_claims = write_claims
        self.rows: list[dict] = []
        self.facts: list[ClaimFacts] = []
        self.pending: list[dict] = []
        self.source: str | None = None

    def add(self, rows: list[dict]) -> None:
        """A document's rows; a source's rows go out once the next source starts (it may have two files)."""
        if not rows:
            return
        source = rows[0]["source_id"]
        if source != self.source:
            self.flush()
            if self.source is not None and source < self.source:
                raise RuntimeError(f"claims of {source} after those of {self.source}: files out of source order")
            self.source = source
        self.pending.extend(rows)

    def flush(self) -> None:
        self.pending.sort(key=lambda row: (row["quote_start"], row["claim_id"]))
        self.facts.extend(map(ClaimFacts, self.pending))
        if self.write_claims is None:
            self.rows.extend(self.pending)
        elif self.pending:
            with timings.stage("write"):
                self.write_claims(self.pending)
        self.pending = []


def _claim_documents(errors: list[InputError], reference: Reference) -> Iterator[Loaded]:
    """Each claims file read when it is normalised, so that only one file's loaded lines are held at a time;
    in the order of their sources (file name without suffix), so that the claims come out in the table's order.
    Once the files of a source are normalised (the next file is another source's), its text is let go."""
    previous = None
    for path in sorted(claim_files(errors), key=lambda path: (path.stem, path.name)):
        if previous is not None and path.stem != previous:
            reference.done_with(previous)
        previous = path.stem
        with timings.stage("read"):
            document = read_checked(path, "claims", errors, ("claims",))
        if document:
            yield document


def _known_by(source: Source) -> tuple[dt.date, str | None]:
    """Sort key of a source by the last day it can have been published: a year-precision date sorts late."""
    if source.published is None:
        return dt.date.max, None
    return source.published.last_day, source.published.iso


def _sources(reference: Reference, claims: list[ClaimFacts]) -> list[dict]:
    counts = Counter(claim["source_id"] for claim in claims)
    return [{**source.row, "claim_count": counts[source_id]} for source_id, source in reference.sources.items()]


def _entities(reference: Reference, claims: list[ClaimFacts]) -> list[dict]:
    counts = Counter(claim["subject_id"] for claim in claims)
    counts.update(claim["object_id"] for claim in claims if claim["object_id"])
    founded = founded_columns(claims)
    empty = {"founded": None, "founded_precision": None, "founded_basis": None, "founded_latest": None,
             "founded_claim_id": None}
    return [{**row, **empty, **founded.get(entity_id, {}), "claim_count": counts[entity_id]}
            for entity_id, row in reference.entities.items()]
