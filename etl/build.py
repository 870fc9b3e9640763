"""The build: load inputs faithfully, normalise, reconcile, write to a temporary file, publish when valid."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Callable, Protocol, Sequence

from etl import paths
from etl.claims import normalise_claims
from etl.errors import InputError, InputErrors
from etl.load import Loaded, check_schema, read_json_lines, read_yaml
from etl.reconcile import conflict_rows, founded_columns, investor_rows, round_rows
from etl.reference import Reference, Source, read_entities, read_predicates, read_sources
from etl.write import publish, temporary_path, write_database

def _checked(path: Path, schema: str, errors: list[InputError], items_at: tuple = ()) -> Loaded | None:
    """The document with the items that break its schema left out (each reported), or None."""
    loaded = read_yaml(path, errors) if path.suffix in (".yml", ".yaml") else read_json_lines(path, errors)
    if loaded is None:
        return None
    bad = check_schema(loaded, schema, errors, items_at)
    if bad is None:
        return None
    if bad:
        container = loaded.data
        for key in items_at:
            container = container[key]
        loaded.dropped = [item for index, item in enumerate(container) if index in bad]
        container[:] = [item for index, item in enumerate(container) if index not in bad]
    return loaded


def claim_files() -> list[Path]:
    return sorted(p for p in paths.CLAIMS_DIR.iterdir() if p.suffix in (".yml", ".yaml", ".jsonl"))


def read_reference(errors: list[InputError]) -> Reference:
    reference = Reference()
    sources = _checked(paths.SOURCES_FILE, "sources", errors)
    if sources:
        reference.sources = read_sources(sources.data, sources.name, errors)
        listed = [item.get("source_id") for item in [*sources.data, *sources.dropped] if isinstance(item, dict)]
        reference.rejected = set(listed) - set(reference.sources)
        reference.all_sources_read = len(listed) == len(reference.sources)
    entities = _checked(paths.ENTITIES_FILE, "entities", errors)
    if entities:
        read_entities(entities.data, entities.name, errors, reference)
    predicates = _checked(paths.PREDICATES_FILE, "predicates", errors)
    if predicates:
        read_predicates(predicates.data, predicates.name, errors, reference)
    return reference


def read_acknowledged(errors: list[InputError]) -> dict[str, str]:
    if not paths.ACKNOWLEDGED_CONFLICTS.exists():
        return {}
    loaded = _checked(paths.ACKNOWLEDGED_CONFLICTS, "acknowledged_conflicts", errors)
    return {item["conflict_id"]: item["reason"] for item in loaded.data} if loaded else {}


def collect_rows() -> dict[str, list[dict]]:
    """Every table's rows from the inputs; raises InputErrors with all problems found."""
    errors: list[InputError] = []
    reference = read_reference(errors)
    documents = [doc for path in claim_files() if (doc := _checked(path, "claims", errors, ("claims",)))]
    normalised = normalise_claims(documents, reference, errors)
    claims = normalised.claims
    published = {source_id: _known_by(source) for source_id, source in reference.sources.items()}
    rounds = round_rows(claims, published, errors)
    acknowledged = read_acknowledged(errors)
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
    }


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
    return [{**row, **founded.get(entity_id, {}), "claim_count": counts[entity_id]}
            for entity_id, row in reference.entities.items()]


class Step(Protocol):
    def __call__(self, database: Path, say: Callable[[str], None]) -> Callable[[], None] | None: ...


def build(target: Path = paths.DATABASE, steps: Sequence[Step] = (),
          say: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Build into a temporary file, run each step on it, and only then publish.

    A step checks or exports the unpublished database; it raises to stop the build, and may return
    a function that publishes what it staged, called after the database is in place.
    """
    rows = collect_rows()
    say(f"read {len(rows['claims'])} claims from {len(rows['sources'])} sources")
    built = temporary_path(target)
    try:
        write_database(built, rows)
        say(f"wrote {sum(len(r) for r in rows.values())} rows to a temporary database")
        publishers = [publisher for step in steps if (publisher := step(built, say))]
        publish(built, target)
        for publisher in publishers:
            publisher()
    finally:
        built.unlink(missing_ok=True)
    return {table: len(table_rows) for table, table_rows in rows.items()}
