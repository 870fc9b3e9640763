"""Every table's rows from the curated inputs: read, normalise, reconcile."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Iterator

from etl import timings
from etl.errors import InputError, InputErrors
from etl.inputs.files import claim_files, read_acknowledged, read_checked, read_evidence
from etl.inputs.load import Loaded
from etl.normalise.claims import normalise_claims
from etl.normalise.evidence import normalise_evidence
from etl.normalise.reference import Reference, Source, read_reference
from etl.reconcile.conflicts import conflict_rows
from etl.reconcile.evidence import evidence_rows
from etl.reconcile.founded import founded_columns
from etl.reconcile.investors import investor_rows
from etl.reconcile.rounds import round_rows


def collect_rows() -> dict[str, list[dict]]:
    """Every table's rows from the inputs; raises InputErrors with all problems found."""
    errors: list[InputError] = []
    with timings.stage("read"):
        reference = read_reference(errors)
        acknowledged = read_acknowledged(errors)
    with timings.stage("normalise"):
        normalised = normalise_claims(_claim_documents(errors), reference, errors)
    claims = normalised.claims
    with timings.stage("reconcile"):
        published = {source_id: _known_by(source) for source_id, source in reference.sources.items()}
        rounds = round_rows(claims, published, errors)
        evidence = normalise_evidence(read_evidence(errors), reference, errors)
        if errors:
            raise InputErrors(errors)
        return {
            "sources": _sources(reference, claims),
            "entities": _entities(reference, claims),
            "entity_aliases": reference.aliases,
            "predicates": list(reference.predicates.values()),
            "fx_rates": [rate.as_row() for rate in normalised.fx_rates.values()],
            "claims": claims,
            "funding_rounds": rounds,
            "round_investors": investor_rows(claims, published),
            "claim_conflicts": conflict_rows(claims, acknowledged),
            "external_evidence": evidence_rows(evidence, claims),
        }


def _claim_documents(errors: list[InputError]) -> Iterator[Loaded]:
    """Each claims file read when it is normalised, so that only one file's loaded lines are held at a time."""
    for path in claim_files(errors):
        with timings.stage("read"):
            document = read_checked(path, "claims", errors, ("claims",))
        if document:
            yield document


def _known_by(source: Source) -> tuple[dt.date, str | None]:
    """Sort key of a source by the last day it can have been published: a year-precision date sorts late."""
    if source.published is None:
        return dt.date.max, None
    return source.published.last_day, source.published.iso


def _sources(reference: Reference, claims: list[dict]) -> list[dict]:
    counts = Counter(claim["source_id"] for claim in claims)
    return [{**source.row, "claim_count": counts[source_id]} for source_id, source in reference.sources.items()]


def _entities(reference: Reference, claims: list[dict]) -> list[dict]:
    counts = Counter(claim["subject_id"] for claim in claims)
    counts.update(claim["object_id"] for claim in claims if claim["object_id"])
    founded = founded_columns(claims)
    empty = {"founded": None, "founded_precision": None, "founded_basis": None, "founded_latest": None,
             "founded_claim_id": None}
    return [{**row, **empty, **founded.get(entity_id, {}), "claim_count": counts[entity_id]}
            for entity_id, row in reference.entities.items()]
