"""A validation run: its summary, the failure report people read, and its rows in the database."""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from etl.validation.runner import RuleResult

SHOWN_ROWS = 10
CELL_WIDTH = 40


@dataclass(frozen=True)
class Run:
    run_id: str
    run_at: str
    gx_version: str
    seconds: float
    results: tuple[RuleResult, ...]
    reused: int = 0  # units whose results came from the cache (see cache.py)

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.results if not result.success]

    @property
    def success(self) -> bool:
        return not self.failed

    @property
    def summary(self) -> str:
        if self.success:
            return f"{len(self.results)} rules held"
        return f"{len(self.failed)} of {len(self.results)} rules failed"


class ValidationFailed(Exception):
    """A database broke at least one rule; report() lists every failed rule with its offending rows."""

    def __init__(self, run: Run, docs: str):
        super().__init__(run.summary)
        self.run, self.docs = run, docs

    def report(self) -> str:
        return failure_report(self.run, f"{self.run.summary} on the new database: nothing was published — fix "
                                        f"the inputs or the ETL and build again (Data Docs: {self.docs}).")


def failure_report(run: Run, closing: str) -> str:
    return "\n\n".join([*(failure_text(result) for result in run.failed), closing])


def failure_text(result: RuleResult) -> str:
    where = result.table + (f".{result.column}" if result.column else "")
    if result.error:
        return f"FAILED {result.rule} ({where}): the rule could not run: {result.error}"
    count = result.unexpected_count
    rows = "" if count is None else f" — {count} offending row{'s' if count != 1 else ''}"
    return f"FAILED {result.rule} ({where}){rows}\n" + table_text(result.sample, count)


def table_text(rows: list[dict], total: int | None) -> str:
    if not rows:
        return "  (no rows to show)"
    columns = list(dict.fromkeys(key for row in rows for key in row))
    shown = [[_cell(row.get(column)) for column in columns] for row in rows[:SHOWN_ROWS]]
    widths = [max(len(column), *(len(line[i]) for line in shown)) for i, column in enumerate(columns)]
    lines = [_line(columns, widths), "  " + "-+-".join("-" * width for width in widths)]
    lines += [_line(line, widths) for line in shown]
    more = (total or len(rows)) - len(shown)
    if more > 0:
        lines.append(f"  … and {more} more")
    return "\n".join(lines)


def _line(cells: list[str], widths: list[int]) -> str:
    return ("  " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths))).rstrip()


def _cell(value) -> str:
    text = "NULL" if value is None else value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                                                         default=str)
    text = " ".join(str(text).split())
    return text if len(text) <= CELL_WIDTH else text[:CELL_WIDTH - 1] + "…"


def record(database: Path, run: Run) -> None:
    """Write the run into validation_runs and validation_results of database."""
    connection = sqlite3.connect(database)
    try:
        with connection:
            connection.execute(
                "INSERT INTO validation_runs (run_id, run_at, gx_version, success, rule_count, failed_count, seconds) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (run.run_id, run.run_at, run.gx_version, int(run.success), len(run.results), len(run.failed),
                 round(run.seconds, 3)))
            connection.executemany(
                "INSERT INTO validation_results (run_id, rule, suite, table_name, column_name, expectation_type, "
                "success, unexpected_count, unexpected_sample) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(run.run_id, result.rule, result.suite, result.table, result.column, result.expectation_type,
                  int(result.success), result.unexpected_count, _sample_json(result))
                 for result in sorted(run.results, key=lambda result: (result.suite, result.rule))])
    finally:
        connection.close()


def _sample_json(result: RuleResult) -> str | None:
    if result.error:
        return json.dumps([{"error": result.error}], ensure_ascii=False)
    if result.success:
        return None
    return json.dumps(result.sample, ensure_ascii=False, default=str)
