"""Every table's rows from the curated inputs: read, normalise, reconcile."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Callable

from etl import timings
from etl.errors import InputError, InputErrors
from etl.inputs.files import claim_files, read_acknowledged, read_evidence
from etl.normalise.claims import normalise_claims
from etl.normalise.evidence import normalise_evidence
from etl.normalise.fx import FxRate
from etl.normalise.reference import Reference, Source, read_reference
from etl.publish.claim_stream import ClaimStream, by_source, claim_documents
from etl.publish.claim_workers import WORKERS_VARIABLE, can_use_workers, normalise_in_workers
from etl.reconcile.conflicts import conflict_rows
from etl.reconcile.evidence import evidence_rows
from etl.reconcile.facts import ClaimFacts
from etl.reconcile.founded import founded_columns
from etl.reconcile.investors import investor_rows
from etl.reconcile.rounds import round_rows


# The result's tables, in the order the build reports their counts.
TABLE_ORDER = ("sources", "entities", "entity_aliases", "predicates", "fx_rates", "claims", "funding_rounds",
               "round_investors", "claim_conflicts", "external_evidence")


def collect_rows(write_claims: Callable[[list[dict]], None] | None = None,
                 write_table: Callable[[str, list[dict]], None] | None = None,
                 claims_written: Callable[[], None] = lambda: None,
                 send_claims: Callable[[bytes, int], None] | None = None) -> dict[str, list]:
    """Every table's rows from the inputs; raises InputErrors with all problems found.

    With write_claims, the claims go to it in the claims table's order, a source at a time, as they are
    normalised, and the result's claims are empty: reconciliation reads each claim's facts (etl/reconcile/facts.py).
    With write_table, every other table goes to it as soon as it is made and its list in the result is empty:
    at a million claims, the reconciled tables held together beside the claims' facts were hundreds of megabytes.
    claims_written is called once the last claim went to write_claims (the writer may index them meanwhile).
    With send_claims too, a big corpus is normalised in worker processes (etl/publish/claim_workers.py), whose
    claims come to it already encoded as the writer's messages, with their count.
    """
    errors: list[InputError] = []
    with timings.stage("read"):
        reference = read_reference(errors)
        acknowledged = read_acknowledged(errors)
    with timings.stage("normalise"):
        stream, fx_rates = _normalise(errors, reference, write_claims, send_claims)
    if not errors:
        with timings.stage("write"):
            claims_written()
    claims = stream.facts
    tables = _Tables(write_table)
    with timings.stage("reconcile"):
        published = {source_id: _known_by(source) for source_id, source in reference.sources.items()}
        tables.put("funding_rounds", round_rows(claims, published, errors))
        evidence = normalise_evidence(read_evidence(errors), reference, errors)
        if errors:
            raise InputErrors(errors)
        tables.put("round_investors", investor_rows(claims, published))
        tables.put("claim_conflicts", conflict_rows(claims, acknowledged))
        tables.put("external_evidence", evidence_rows(evidence, claims))
        tables.put("sources", _sources(reference, claims))
        tables.put("entities", _entities(reference, claims))
        del claims
        stream.facts = []  # read no more: let go before the last tables are written
        tables.put("entity_aliases", reference.aliases)
        tables.put("predicates", list(reference.predicates.values()))
        tables.put("fx_rates", [rate.as_row() for rate in fx_rates.values()])
        tables.put("claims", stream.rows)
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


def _normalise(errors: list[InputError], reference: Reference, write_claims: Callable[[list[dict]], None] | None,
               send_claims: Callable[[bytes, int], None] | None) -> tuple[ClaimStream, dict[str, FxRate]]:
    """The claims normalised, in worker processes when they pay and there is a writer to send to, else here;
    the stream holds their facts (and their rows without write_claims)."""
    groups = by_source(claim_files(errors))
    if send_claims is not None and not errors and can_use_workers(groups):
        merged = normalise_in_workers(groups, reference, send_claims)
        if merged is not None:
            stream = ClaimStream(write_claims)
            stream.facts = merged.facts
            _let_go(reference)
            return stream, merged.fx_rates
        write_claims = _discard  # a batch found a problem: read again here for the errors; claims went out
    stream = ClaimStream(write_claims)
    normalised = normalise_claims(claim_documents(groups, errors, reference), reference, errors, stream.add)
    stream.flush()
    _let_go(reference)
    if write_claims is _discard and not errors:
        raise RuntimeError("a claims worker found a problem that one process does not find — run etl build "
                           f"again with {WORKERS_VARIABLE}=0 and report this")
    return stream, normalised.fx_rates


def _discard(rows: list[dict]) -> None:
    pass


def _let_go(reference: Reference) -> None:
    for source_id in reference.sources:  # those without claims files, and all of them after the workers
        reference.done_with(source_id)


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
