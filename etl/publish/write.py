"""Write the tables into a SQLite file with sqlite-utils."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from etl.faults import fault_point
from etl.schema.model import Table, create_table_sql
from etl.schema.tables import TABLES


def write_database(path: Path, rows: dict[str, list[dict]], tables: tuple[Table, ...] = TABLES) -> None:
    """Create every table from its definition and insert its rows in their stable order."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA foreign_keys = ON")
        db = sqlite_utils.Database(connection)
        with connection:
            for table in tables:
                connection.execute(create_table_sql(table))
                for columns in table.all_indexes:
                    db[table.name].create_index(columns, find_unique_name=True)
            for table in tables:
                _insert(connection, table, rows.get(table.name, []))
                fault_point("insert-rows")
        for table in tables:
            if table.fts:
                db[table.name].enable_fts(table.fts, create_triggers=False, replace=True)
        problems = connection.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key check failed: {problems[:5]}")
        connection.execute("VACUUM")
    finally:
        connection.close()


def _insert(connection: sqlite3.Connection, table: Table, rows: list[dict]) -> None:
    ordered = sorted(rows, key=lambda row: _sort_key(table, row))
    records = [[row.get(name) for name in table.column_names] for row in ordered]
    names = ", ".join(f"[{name}]" for name in table.column_names)
    placeholders = ", ".join("?" for _ in table.column_names)
    connection.executemany(f"INSERT INTO [{table.name}] ({names}) VALUES ({placeholders})", records)


def _sort_key(table: Table, row: dict) -> tuple:
    return tuple((row.get(name) is None, row.get(name) if row.get(name) is not None else "")
                 for name in table.order_by)
