"""Compare two builds (databases, or a database and the published package): sources, claims, rounds, conflicts."""
from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
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


def diff_builds(old: Path, new: Path) -> Diff:
    """What changed from old to new, each a database or a data package; the same files are compared once."""
    return _diff(old, new, _stamp(old), _stamp(new))


def _stamp(path: Path) -> tuple:
    try:
        status = path.stat()
    except OSError:
        return ()
    return status.st_ino, status.st_size, status.st_mtime_ns


@lru_cache(maxsize=2)
def _diff(old: Path, new: Path, old_stamp: tuple, new_stamp: tuple) -> Diff:
    """Both builds attached to one connection and compared in SQL, key by key, without reading them into memory:
    at a million claims two builds as Python rows would take gigabytes. SQL finds the rows that may differ
    (a value is not the same SQL value); Python reads only those and compares them as the text of a CSV would."""
    with tempfile.TemporaryDirectory(prefix="etl-diff-") as folder:
        connection = sqlite3.connect(":memory:", uri=True)
        try:
            for alias, path in (("old", old), ("new", new)):
                database = _package_database(path, Path(folder) / f"{alias}.db") if path.suffix == ".json" else path
                _attach(connection, alias, database, path)
            columns = {alias: {table: _columns(connection, alias, table) for table in NEEDED}
                       for alias in ("old", "new")}
            for alias in ("old", "new"):
                _investors(connection, alias)
            tables = {table: _diff_table(connection, table, columns) for table in COMPARED}
        finally:
            connection.close()
    schema = [table for table in NEEDED if columns["old"][table] and columns["new"][table]
              and columns["old"][table] != columns["new"][table]]
    return Diff(tables, schema)


def _attach(connection: sqlite3.Connection, alias: str, database: Path, given: Path) -> None:
    if not database.is_file():
        raise CurationError(f"{given} does not exist — give two databases written by etl build")
    try:
        connection.execute(f"ATTACH DATABASE ? AS {alias}", (paths.sqlite_uri(database, mode="ro"),))
        names = {row[0] for row in connection.execute(f"SELECT name FROM {alias}.sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError:
        raise CurationError(f"{given} is not an SQLite database — give two databases written by etl build, or "
                            "datapackage.json") from None
    missing = [name for name in NEEDED if name not in names]
    if missing:
        raise CurationError(f"{given} is not a china-ai-investments build (no table {missing[0]}) — give two "
                            "databases written by etl build, or datapackage.json")


def _columns(connection: sqlite3.Connection, alias: str, table: str) -> list[str]:
    """A table's columns, sorted; none for an empty table, whose columns say nothing of a change of schema."""
    if connection.execute(f"SELECT 1 FROM {alias}.[{table}] LIMIT 1").fetchone() is None:
        return []
    return sorted(row[1] for row in connection.execute(f"PRAGMA {alias}.table_info([{table}])"))


def _investors(connection: sqlite3.Connection, alias: str) -> None:
    """Each round's investors as one text (compared as a field of the round): "<investor_id> (<role>), …"."""
    found: dict[str, list[str]] = {}
    for round_id, investor, role in connection.execute(
            f"SELECT round_id, investor_id, role FROM {alias}.round_investors"):
        found.setdefault(round_id, []).append(f"{investor} ({role})")
    connection.execute(f"CREATE TEMP TABLE {alias}_investors (round_id TEXT PRIMARY KEY, investors TEXT)")
    connection.executemany(f"INSERT INTO {alias}_investors VALUES (?, ?)",
                           ((round_id, ", ".join(sorted(entries))) for round_id, entries in found.items()))


def _diff_table(connection: sqlite3.Connection, table: str, columns: dict) -> TableDiff:
    key = COMPARED[table][0]
    old_columns, new_columns = (_compared(columns[alias][table], alias, table) for alias in ("old", "new"))
    names = sorted(set(old_columns) | set(new_columns))
    keys = f"SELECT [{key}] FROM {{}}.[{table}] EXCEPT SELECT [{key}] FROM {{}}.[{table}] ORDER BY 1"
    added = [row[0] for row in connection.execute(keys.format("new", "old"))]
    removed = [row[0] for row in connection.execute(keys.format("old", "new"))]
    differs = " OR ".join(f"{old_columns.get(name, 'NULL')} IS NOT {new_columns.get(name, 'NULL')}" for name in names)
    chosen = ", ".join([*(old_columns.get(name, "NULL") for name in names),
                        *(new_columns.get(name, "NULL") for name in names)])
    joined = (f"SELECT {chosen} FROM old.[{table}] AS o JOIN new.[{table}] AS n ON o.[{key}] = n.[{key}]"
              + "".join(f" LEFT JOIN {alias}_investors AS {alias[0]}i ON {alias[0]}i.round_id = {alias[0]}.round_id"
                        for alias in ("old", "new") if table == "funding_rounds")
              + f" WHERE {differs or '0'} ORDER BY o.[{key}]")
    changed = {}
    for row in connection.execute(joined):
        before, after = row[:len(names)], row[len(names):]
        fields = {name: (_cell(a), _cell(b)) for name, a, b in zip(names, before, after) if _cell(a) != _cell(b)}
        if fields:
            changed[before[names.index(key)]] = fields
    return TableDiff(added, removed, changed)


def _compared(columns: list[str], alias: str, table: str) -> dict[str, str]:
    """Each compared column of a table as an SQL expression of the joined row (o or n), the round's investors too."""
    ignored = COMPARED[table][1]
    found = {name: f"{alias[0]}.[{name}]" for name in columns if name not in ignored}
    if table == "funding_rounds" and columns:
        found["investors"] = f"{alias[0]}i.investors"
    return found


def _package_database(descriptor: Path, database: Path) -> Path:
    """The compared tables of a data package in a scratch SQLite file, each key indexed; empty cells NULL.
    Columns other than ids take SQLite's NUMERIC affinity, so that "1.5" and 1.5 are the same SQL value, as
    for _cell."""
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8"))
        with sqlite3.connect(database) as connection:
            for resource in package.get("resources", []):
                if resource.get("name") in NEEDED:
                    _load_csv(connection, resource["name"], descriptor.parent / resource["path"])
        connection.close()
        return database
    except (OSError, ValueError, AttributeError, KeyError, TypeError, StopIteration, csv.Error,
            sqlite3.DatabaseError) as error:
        raise CurationError(f"{descriptor} is not a readable data package ({error}) — give datapackage.json as "
                            "etl build writes it") from None


def _load_csv(connection: sqlite3.Connection, table: str, path: Path) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        types = ", ".join(f"[{name}] {'TEXT' if name.endswith('_id') else 'NUMERIC'}" for name in header)
        connection.execute(f"CREATE TABLE [{table}] ({types})")
        marks = ", ".join("?" * len(header))
        connection.executemany(f"INSERT INTO [{table}] VALUES ({marks})",
                               ([cell if cell != "" else None for cell in row] for row in rows))
    key = COMPARED.get(table, ("round_id",))[0]
    if key in header:
        connection.execute(f"CREATE INDEX [{table}_key] ON [{table}] ([{key}])")


