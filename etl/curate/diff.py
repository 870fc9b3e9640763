"""Compare two builds (databases, or a database and the published package): sources, claims, rounds, conflicts."""
from __future__ import annotations

import csv
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from etl import paths
from etl.curate import CurationError

# What is compared, by key; curated_in only says where a claim stands in its file, which moves with every edit.
COMPARED = {
    "sources": ("source_id", ("claim_count", "text_length")),
    "claims": ("claim_id", ("curated_in",)),
    "funding_rounds": ("round_id", ()),
    "claim_conflicts": ("conflict_id", ()),
}
ROUND_FIELDS = ("amount", "currency", "amount_usd", "amount_comparator", "valuation", "valuation_usd",
                "valuation_comparator", "announced", "announced_precision", "status")
NEEDED = ("sources", "claims", "funding_rounds", "round_investors", "claim_conflicts")


@dataclass
class TableDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, dict[str, tuple]] = field(default_factory=dict)


@dataclass
class Diff:
    tables: dict[str, TableDiff]
    schema_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.schema_changed and not any(t.added or t.removed or t.changed for t in self.tables.values())

    @property
    def level(self) -> str | None:
        """major for a schema change, minor for rows added or removed, patch for changed values; None when equal."""
        if self.schema_changed:
            return "major"
        if any(t.added or t.removed for t in self.tables.values()):
            return "minor"
        return "patch" if not self.empty else None

    def summary(self) -> str:
        parts = []
        for table, label in (("sources", "source"), ("claims", "claim"), ("funding_rounds", "round"),
                             ("claim_conflicts", "conflict")):
            diff = self.tables[table]
            counts = [f"{len(items)} {word}" for items, word in ((diff.added, "added"), (diff.removed, "removed"),
                                                                 (diff.changed, "changed")) if items]
            if counts:
                parts.append(f"{label}s: {', '.join(counts)}")
        if self.schema_changed:
            parts.append(f"schema changed: {', '.join(self.schema_changed)}")
        return "; ".join(parts) if parts else "no change"

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(table, key, change, detail) for every difference."""
        found = []
        for table, diff in self.tables.items():
            found += [(table, key, "added", "") for key in diff.added]
            found += [(table, key, "removed", "") for key in diff.removed]
            for key, fields in diff.changed.items():
                found += [(table, key, "changed", f"{name}: {_show(old)} → {_show(new)}")
                          for name, (old, new) in fields.items()]
        return found

    def table_text(self) -> str:
        rows = [("table", "key", "change", "detail"), *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [" | ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row if row[3] else row[:3]))
                 .rstrip() for row in rows]
        lines.insert(1, "-+-".join("-" * width for width in widths) + "-+-" + "-" * 6)
        return "\n".join(lines)


def _show(value: object) -> str:
    return "NULL" if value is None else repr(value) if isinstance(value, str) else f"{value:g}" if isinstance(
        value, float) else str(value)


def _cell(value: object) -> object:
    """One reading of a cell whether it comes from SQLite or from a CSV: NULL, a number or text."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def read_build(path: Path) -> dict[str, dict[str, dict]]:
    """Every compared table of a database or data package as {table: {key: row}}, rounds with their investors."""
    if path.suffix == ".json":
        tables = _package_tables(path)
    else:
        tables = _database_tables(path)
    missing = [name for name in NEEDED if name not in tables]
    if missing:
        raise CurationError(f"{path} is not a china-ai-investments build (no table {missing[0]}) — give two "
                            "databases written by etl build, or datapackage.json")
    investors: dict[str, list[str]] = {}
    for row in tables["round_investors"]:
        investors.setdefault(row["round_id"], []).append(f"{row['investor_id']} ({row.get('role')})")
    found = {}
    for table, (key, ignored) in COMPARED.items():
        found[table] = {row[key]: {k: _cell(v) for k, v in row.items() if k not in ignored}
                        for row in tables[table]}
    for round_id, row in found["funding_rounds"].items():
        row["investors"] = ", ".join(sorted(investors.get(round_id, [])))
    found["_columns"] = {table: sorted(rows[0]) if rows else [] for table, rows in tables.items()}
    return found


def _database_tables(path: Path) -> dict[str, list[dict]]:
    if not path.is_file():
        raise CurationError(f"{path} does not exist — give two databases written by etl build")
    try:
        connection = sqlite3.connect(paths.sqlite_uri(path, mode="ro"), uri=True)
        connection.row_factory = sqlite3.Row
        try:
            names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {name: [dict(row) for row in connection.execute(f"SELECT * FROM [{name}]")]
                    for name in NEEDED if name in names}
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        raise CurationError(f"{path} is not an SQLite database — give two databases written by etl build, or "
                            "datapackage.json") from None


def _package_tables(path: Path) -> dict[str, list[dict]]:
    try:
        package = json.loads(path.read_text(encoding="utf-8"))
        tables = {}
        for resource in package.get("resources", []):
            if resource.get("name") in NEEDED:
                with open(path.parent / resource["path"], encoding="utf-8", newline="") as handle:
                    tables[resource["name"]] = list(csv.DictReader(handle))
        return tables
    except (OSError, ValueError, AttributeError, KeyError, TypeError) as error:
        raise CurationError(f"{path} is not a readable data package ({error}) — give datapackage.json as "
                            "etl build writes it") from None


def diff_builds(old: Path, new: Path) -> Diff:
    before, after = read_build(old), read_build(new)
    tables = {table: _diff_rows(before[table], after[table]) for table in COMPARED}
    schema = [table for table in NEEDED if before["_columns"][table] and after["_columns"][table]
              and before["_columns"][table] != after["_columns"][table]]
    return Diff(tables, schema)


def _diff_rows(before: dict[str, dict], after: dict[str, dict]) -> TableDiff:
    diff = TableDiff(sorted(set(after) - set(before)), sorted(set(before) - set(after)))
    for key in sorted(set(before) & set(after)):
        fields = {name: (before[key].get(name), after[key].get(name))
                  for name in sorted(set(before[key]) | set(after[key]))
                  if before[key].get(name) != after[key].get(name)}
        if fields:
            diff.changed[key] = fields
    return diff
