"""The package's CSV files: every table's rows in their stable order, written as the Table Schemas read them."""
from __future__ import annotations

import csv
import io
import sqlite3
from typing import Iterable

from etl.errors import PackageError
from etl.schema.model import Table


def read_rows(connection: sqlite3.Connection, table: Table) -> list[tuple]:
    """Every row of a table in its stable order (NULLs last, as the build inserts them)."""
    columns = ", ".join(f"[{name}]" for name in table.column_names)
    order = ", ".join(f"[{name}] IS NULL, [{name}]" for name in table.order_by)
    return connection.execute(f"SELECT {columns} FROM [{table.name}] ORDER BY {order}").fetchall()


def csv_cell(value: object) -> str:
    """A cell as text: NULL empty, integers without a decimal point, floats as Python's shortest repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if value == "":
            raise PackageError("an empty string cannot be told from NULL in the CSV — store NULL instead")
        return value
    raise PackageError(f"cannot write a {type(value).__name__} to CSV — store text or numbers")


def csv_bytes(table: Table, rows: Iterable[tuple]) -> bytes:
    """UTF-8 CSV with a header row and "\\n" line endings."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
