"""Write the tables into a SQLite file with sqlite-utils."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from etl.faults import fault_point
from etl.schema.model import Table, create_table_sql
from etl.schema.tables import TABLES


def write_database(path: Path, rows: dict[str, list[dict]], tables: tuple[Table, ...] = TABLES) -> None:
    """Create every table from its definition and insert its rows in their stable order.

    Secondary indexes are built after the inserts (one sort each instead of a B-tree update per row), and
    the file is written in one transaction without a journal: it is a fresh temporary file, thrown away on
    any error, so there is nothing to roll back to.
    """
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA cache_size = -262144")
        db = sqlite_utils.Database(connection)
        with connection:
            for table in tables:
                connection.execute(create_table_sql(table))
            for table in tables:
                _insert(connection, table, rows.get(table.name, []))
                fault_point("insert-rows")
            for table in tables:
                for columns in table.all_indexes:
                    db[table.name].create_index(columns, find_unique_name=True)
        for table in tables:
            if table.fts:
                db[table.name].enable_fts(table.fts, create_triggers=False, replace=True)
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed: {problems[:5]}")
    finally:
        connection.close()


def _insert(connection: sqlite3.Connection, table: Table, rows: list[dict]) -> None:
    """Rows as tuples in the table's stable order: no dictionary look-ups in the sort or the insert."""
    names = table.column_names
    records = sorted((tuple(map(row.get, names)) for row in rows), key=_sort_key(table))
    columns = ", ".join(f"[{name}]" for name in names)
    placeholders = ", ".join("?" for _ in names)
    connection.executemany(f"INSERT INTO [{table.name}] ({columns}) VALUES ({placeholders})", records)


def _sort_key(table: Table):
    """NULLs last, then by value, on each order_by column (positions in the tuple, not dictionary look-ups)."""
    positions = [table.column_names.index(name) for name in table.order_by]
    return lambda record: tuple((record[i] is None, "" if record[i] is None else record[i]) for i in positions)

