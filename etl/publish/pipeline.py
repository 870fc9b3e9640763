"""The pipeline runner: rows into a temporary database, each build step on it, then publish."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Protocol, Sequence

from etl import paths, timings
from etl.publish.rows import collect_rows
from etl.publish.write import publish, temporary_path, write_database


class Step(Protocol):
    def __call__(self, database: Path, say: Callable[[str], None]) -> Callable[[], None] | None: ...


def build(target: Path = paths.DATABASE, steps: Sequence[Step] = (),
          say: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Build into a temporary file, run each step on it, and only then publish.

    A step checks or exports the unpublished database; it raises to stop the build, and may return
    a function that publishes what it staged, called after the database is in place.
    """
    rows = collect_rows()
    counts = {table: len(table_rows) for table, table_rows in rows.items()}
    say(f"read {counts['claims']} claims from {counts['sources']} sources")
    built = temporary_path(target)
    try:
        with timings.stage("write"):
            write_database(built, rows)
        del rows  # the steps read the database: the rows need not stay in memory beside them
        say(f"wrote {sum(counts.values())} rows to a temporary database")
        publishers = [publisher for step in steps if (publisher := step(built, say))]
        publish(built, target)
        for publisher in publishers:
            publisher()
    finally:
        built.unlink(missing_ok=True)
    return counts
