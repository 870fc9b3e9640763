"""The expectation files: generated suites, the hand-written cross-table suite and the row-count baseline."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from etl import paths
from etl.errors import InputErrors
from etl.inputs.files import read_acknowledged
from etl.schema.tables import DATA_TABLES
from etl.validation.rules import generated_suites

CROSS_TABLE = "cross_table"
ROW_COUNTS_HEADER = """\
# Minimum row count of every table: a build with fewer rows is not published. These are the counts of
# the last published build: raise them after a build adds rows (`etl expectations --raise-row-counts`).
# Lower one only by hand, with a change note that says which table, to what and why.
"""


class ExpectationFileError(Exception):
    """An expectation file is missing, malformed or out of date: what is wrong — how to fix it."""


@dataclass(frozen=True)
class Baseline:
    minimum_rows: dict[str, int]
    change_notes: list[dict]


def expectations_dir() -> Path:
    return paths.EXPECTATIONS_DIR


def suite_path(name: str) -> Path:
    return expectations_dir() / f"{name}.json"


def row_counts_path() -> Path:
    return expectations_dir() / "row_counts.yml"


def read_baseline() -> Baseline:
    path = row_counts_path()
    where = paths.relative(path)
    if not path.exists():
        return Baseline({}, [])
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ExpectationFileError(f"{where}: not valid YAML ({error}) — fix the syntax") from None
    minimum = data.get("minimum_rows") or {}
    notes = data.get("change_notes") or []
    known = {table.name for table in DATA_TABLES}
    for table, count in minimum.items():
        if table not in known:
            raise ExpectationFileError(f"{where}: minimum_rows names unknown table '{table}' — use one of "
                                       f"{', '.join(sorted(known))}")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ExpectationFileError(f"{where}: minimum_rows.{table} is {count!r} — write a whole number ≥ 0")
    for number, note in enumerate(notes, 1):
        if (not isinstance(note, dict) or note.get("table") not in known
                or not isinstance(note.get("minimum_rows"), int) or not str(note.get("reason") or "").strip()):
            raise ExpectationFileError(f"{where}: change note {number} needs a known table, minimum_rows and a "
                                       "reason — say which table was lowered, to what and why")
    return Baseline(dict(minimum), list(notes))


def acknowledged_ids() -> list[str]:
    errors: list = []
    found = read_acknowledged(errors)
    if errors:
        raise ExpectationFileError(InputErrors(errors).report())
    return sorted(found)


def generated_texts() -> dict[Path, str]:
    """Every generated suite file and the text it must have."""
    baseline = read_baseline()
    minimum = {table.name: baseline.minimum_rows.get(table.name, 0) for table in DATA_TABLES}
    suites = generated_suites(minimum, acknowledged_ids())
    return {suite_path(name): json.dumps(suite, indent=2, ensure_ascii=False) + "\n" for name, suite in suites.items()}


def stale_files() -> list[Path]:
    return [path for path, text in generated_texts().items()
            if not path.exists() or path.read_text(encoding="utf-8") != text]


def write_generated() -> list[Path]:
    written = []
    for path, text in generated_texts().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def raise_row_counts(database: Path) -> dict[str, tuple[int, int]]:
    """Raise each table's minimum to its count in database (never lower); returns the changes."""
    baseline = read_baseline()
    connection = sqlite3.connect(paths.sqlite_uri(database, mode="ro"), uri=True)
    try:
        counts = {table.name: connection.execute(f"SELECT count(*) FROM [{table.name}]").fetchone()[0]
                  for table in DATA_TABLES}
    finally:
        connection.close()
    minimum, changes = {}, {}
    for table in DATA_TABLES:
        old = baseline.minimum_rows.get(table.name, 0)
        minimum[table.name] = max(old, counts[table.name])
        if minimum[table.name] != old:
            changes[table.name] = (old, minimum[table.name])
    body = yaml.safe_dump({"minimum_rows": minimum, "change_notes": baseline.change_notes},
                          sort_keys=False, allow_unicode=True, width=110)
    row_counts_path().write_text(ROW_COUNTS_HEADER + body, encoding="utf-8")
    return changes


def baseline_step(published: Path) -> Callable:
    """Build step: once the database is published, raise the row-count baseline to its counts and say so.

    Growth through the curation path (add-source, suggest, build) is accepted here; a table that shrinks
    still fails validation before anything is published."""
    def raise_baseline(database: Path, say: Callable[[str], None]) -> Callable[[], None]:
        def publish() -> None:
            changes = raise_row_counts(published)
            if not changes:
                return
            write_generated()
            raised = ", ".join(f"{table} {old} → {new}" for table, (old, new) in changes.items())
            say(f"{paths.relative(row_counts_path())}: minimum rows raised ({raised}) — commit it with the build")

        return publish

    return raise_baseline


def suite_names() -> list[str]:
    return [table.name for table in DATA_TABLES] + [CROSS_TABLE]


def read_suites() -> list[dict]:
    """Every suite file as JSON, after checking that the generated ones are up to date."""
    stale = stale_files()
    if stale:
        names = ", ".join(paths.relative(path) for path in stale)
        raise ExpectationFileError(f"{names}: out of date with etl/schema/tables.py, expectations/row_counts.yml or "
                                   "expectations/acknowledged_conflicts.yml — run `etl expectations` and commit "
                                   "the result")
    suites = []
    for name in suite_names():
        path = suite_path(name)
        if not path.exists():
            raise ExpectationFileError(f"{paths.relative(path)} is missing — restore it from git")
        try:
            suites.append(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as error:
            raise ExpectationFileError(f"{paths.relative(path)}: not valid JSON ({error}) — fix the syntax") from None
    return suites
