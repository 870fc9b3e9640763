"""Write the tables into a SQLite file with sqlite-utils."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterable

import sqlite_utils

from etl.faults import fault_point
from etl.schema.model import Table, check_expressions, create_table_sql
from etl.schema.tables import TABLES


# SQLite's page cache while rows are inserted, and while indexes and full-text search are built. Rows are appended
# in rowid order, which needs only the right edge of each table's B-tree; what must stay cached is the primary
# keys' unique index, which takes ids in any order (about 40 MB for a million claim ids). A bigger cache only
# keeps pages already written: at a million claims it was 256 MiB held beside the claims' facts through
# reconciliation. The sorts that build the indexes use as much memory as the cache (less and they spill to
# temporary files), and by then the facts are gone.
INSERT_CACHE_KIB = 64 * 1024
INDEX_CACHE_KIB = 256 * 1024
# A table indexed while the build still holds the claims' facts (in a build, every table: the writer process
# indexes the claims during reconciliation and each reconciled table as it comes) gets the inserts' cache: the
# larger one would sit beside the facts at the build's peak.
EARLY_INDEX_CACHE_KIB = INSERT_CACHE_KIB
# A table given in order (the claims, in the writer process while the build still normalises) has its CHECKs
# run and its full-text index filled a chunk of rows at a time as they come, not all at its end, where a million
# claims' took 9-10 s of the build's last seconds (2 s the CHECKs, 7 s the index). The chunks cost about 10 s
# more of inserting then, at a time when the writer waits for the build. Chunks of 16,384 rows cost 2 s more
# in all; of 65,536 no more than one pass; much smaller ones far more (the full-text index of 13 rows at a time
# took 2.3 times as long).
CHUNK_ROWS = 65_536


class DatabaseWriter:
    """A new database: every table created from its definition, rows inserted table by table (or, for a table
    given in order, a batch at a time as they are made), then the indexes, full-text search and key check.

    Secondary indexes are built after the inserts (one sort each instead of a B-tree update per row), and
    the file is written in one transaction without a journal and without syncing: it is a fresh temporary file
    in an unpublished version folder, thrown away on any error and validated before it is published, so there is
    nothing to roll back to and nothing to keep across a crash.
    """

    def __init__(self, path: Path, tables: tuple[Table, ...] = TABLES):
        self.tables = {table.name: table for table in tables}
        self.counts = {table.name: 0 for table in tables}
        self.indexed: set[str] = set()
        self.keys_checked: set[str] = set()
        self.caught_up: dict[str, int] = {}  # the last rowid whose CHECKs ran and which is in the full-text index
        self.pending = {table.name: 0 for table in tables}  # rows inserted since
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute(f"PRAGMA cache_size = -{INSERT_CACHE_KIB}")
        for table in tables:
            self.connection.execute(create_table_sql(table))
        # Each insert statement would evaluate every CHECK anew (an IN list is set up again for every row, more
        # than half the cost of the claims' insert); one query per table checks them all once the rows are in.
        self.connection.execute("PRAGMA ignore_check_constraints = ON")

    def insert(self, name: str, rows: Iterable[dict], in_order: bool = False) -> None:
        """Rows as tuples in the table's stable order (rows already in it with in_order)."""
        self.insert_records(name, records_of(self.tables[name], rows), in_order)

    def insert_records(self, name: str, records: list[tuple], in_order: bool = False) -> None:
        """Rows already as tuples in the table's column order (records_of)."""
        table = self.tables[name]
        if not in_order:
            records.sort(key=_sort_key(table))
        columns = ", ".join(f"[{name}]" for name in table.column_names)
        placeholders = ", ".join("?" for _ in table.column_names)
        self.connection.executemany(f"INSERT INTO [{table.name}] ({columns}) VALUES ({placeholders})", records)
        self.counts[name] += len(records)
        self.pending[name] += len(records)
        if in_order and self.pending[name] >= CHUNK_ROWS:
            self.catch_up(table)

    def index(self, name: str, cache_kib: int = INDEX_CACHE_KIB) -> None:
        """The table's CHECKs, indexes and full-text search now, once its last row is in (finish does the
        others'), and the foreign keys of each table whose rows and whose parents' rows are all in: the
        claims' while the build reconciles, not after its last table. A table indexed already is left as it is."""
        if name in self.indexed:
            return
        table = self.tables[name]
        self.connection.execute(f"PRAGMA cache_size = -{cache_kib}")
        self.catch_up(table)
        db = sqlite_utils.Database(self.connection)
        with self.connection:
            for columns in table.all_indexes:
                db[table.name].create_index(columns, find_unique_name=True)
            for column in table.nocase_indexes:
                self.connection.execute(f"CREATE INDEX [idx_{table.name}_{column}_nocase] "
                                        f"ON [{table.name}] ([{column}] COLLATE NOCASE)")
        self.indexed.add(name)
        self.check_keys()

    def catch_up(self, table: Table) -> None:
        """The CHECKs of the rows inserted since the last catch-up, and those rows into the full-text index (made
        first, with every row in). Rows only ever come after the last (a new table, and no key of ours is an
        integer), so they are those above the last rowid caught up."""
        after = self.caught_up.get(table.name)
        if after is not None and not self.pending[table.name]:
            return
        self.check_constraints(table, after or 0)
        if table.fts and after is None:
            sqlite_utils.Database(self.connection)[table.name].enable_fts(table.fts, create_triggers=False,
                                                                          replace=True)
        elif table.fts:
            columns = ", ".join(f"[{column}]" for column in table.fts)
            self.connection.execute(f"INSERT INTO [{table.name}_fts] (rowid, {columns}) SELECT rowid, {columns} "
                                    f"FROM [{table.name}] WHERE rowid > ?", (after,))
        last = self.connection.execute(f"SELECT max(rowid) FROM [{table.name}]").fetchone()[0]
        self.caught_up[table.name], self.pending[table.name] = last or 0, 0

    def finish(self) -> None:
        for name in self.tables:
            self.index(name)
        self.check_keys(every_table=True)
        self.connection.execute("PRAGMA ignore_check_constraints = OFF")

    def check_keys(self, every_table: bool = False) -> None:
        """The foreign keys of every table whose rows, and whose parent tables' rows, are all in (indexed);
        with every_table, of every table not checked yet."""
        for name, table in self.tables.items():
            parents = {other for _, other, _ in table.foreign_keys}
            if name in self.keys_checked or not every_table and not {name, *parents} <= self.indexed:
                continue
            problems = self.connection.execute(f"PRAGMA foreign_key_check([{name}])").fetchall()
            if problems:
                raise RuntimeError(f"foreign key check failed: {problems[:5]}")
            self.keys_checked.add(name)

    def check_constraints(self, table: Table, after: int = 0) -> None:
        """Every row (above rowid after) against the table's CHECK constraints in one query; IntegrityError as an
        insert gives."""
        checks = check_expressions(table)
        if not checks:
            return
        failing = " OR ".join(f"NOT ({check})" for check in checks)
        bad = self.connection.execute(f"SELECT rowid FROM [{table.name}] WHERE rowid > ? AND ({failing}) LIMIT 5",
                                      (after,)).fetchall()
        if bad:
            raise sqlite3.IntegrityError(f"CHECK constraint failed: {table.name} (rowids {[r[0] for r in bad]})")

    def close(self) -> None:
        self.connection.close()

    def __enter__(self) -> "DatabaseWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def write_database(path: Path, rows: dict[str, list[dict]], tables: tuple[Table, ...] = TABLES) -> None:
    """Create every table from its definition and insert its rows in their stable order."""
    with DatabaseWriter(path, tables) as writer:
        for table in tables:
            writer.insert(table.name, rows.get(table.name, []))
            fault_point("insert-rows")
        writer.finish()


def records_of(table: Table, rows: Iterable[dict]) -> list[tuple]:
    """Rows as tuples in the table's column order, a missing column as NULL."""
    names = table.column_names
    return [tuple(map(row.get, names)) for row in rows]


def _sort_key(table: Table):
    """NULLs last, then by value, on each order_by column (positions in the tuple, not dictionary look-ups)."""
    positions = [table.column_names.index(name) for name in table.order_by]
    return lambda record: tuple((record[i] is None, "" if record[i] is None else record[i]) for i in positions)
