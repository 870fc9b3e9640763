"""The package's CSV files: every table's rows in their stable order, written as the Table Schemas read them."""
from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import operator
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from etl.beside import process_start_method
from etl.errors import PackageError
from etl.faults import fault_point
from etl.schema.model import Table

CHUNK_ROWS = 5000
# A table of more rows than twice this is written in two halves at once (write_halves), the second half by a process
# of its own: worth its start from a few hundred thousand rows (docs/performance.md, "The eighteenth pass").
HALF_ROWS = 100_000
EMPTY_STRING = "an empty string cannot be told from NULL in the CSV — store NULL instead"


def rows_query(table: Table) -> str:
    """Every row of a table in its stable order (NULLs last, as the build inserts them)."""
    order = ", ".join(f"[{name}] IS NULL, [{name}]" for name in table.order_by)
    return f"{_select(table)} ORDER BY {order}"


def read_rows(connection: sqlite3.Connection, table: Table) -> list[tuple]:
    return connection.execute(rows_query(table)).fetchall()


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
            raise PackageError(EMPTY_STRING)
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


def unwritable_cell(connection: sqlite3.Connection, table: Table) -> str | None:
    """Why a cell of the table cannot be written, found by SQLite in one pass: an empty string or a blob.

    SQLite hands Python only None, int, float, str and bytes, and csv.writer writes None as "", an int with
    str and a float with repr, as csv_cell does; so only these two cases need a look at each cell."""
    tests = " OR ".join(f"[{name}] = '' OR typeof([{name}]) = 'blob'" for name in table.column_names)
    checks = ", ".join(f"[{name}] = '', typeof([{name}]) = 'blob'" for name in table.column_names)
    found = connection.execute(f"SELECT {checks} FROM [{table.name}] WHERE {tests} LIMIT 1").fetchone()
    if found is None:
        return None
    column = table.column_names[found.index(1) // 2]
    problem = EMPTY_STRING if found.index(1) % 2 == 0 else "cannot write a bytes to CSV — store text or numbers"
    return f"{table.name}.{column}: {problem}"


def unwritable_cells(database_uri: str, tables: Iterable[Table]) -> str | None:
    """unwritable_cell of each table in turn, on a connection of its own (for a thread beside the writing: SQLite
    lets go of the interpreter while it scans); the first problem, or None."""
    connection = sqlite3.connect(database_uri, uri=True)
    try:
        return next(filter(None, (unwritable_cell(connection, table) for table in tables)), None)
    finally:
        connection.close()


def write_csv(connection: sqlite3.Connection, table: Table, target: Path, scanned: bool = False,
              database_uri: str | None = None) -> tuple[int, str]:
    """Stream a table from SQLite to a CSV file (a few thousand rows in memory at a time); its bytes and SHA-256.
    Its cells are checked by unwritable_cell first, unless the caller has them checked (scanned). With the
    database's URI, a table of more than 2 × HALF_ROWS rows is written in two halves at once (write_halves).

    The file is byte for byte csv_bytes(table, read_rows(connection, table)). The build inserts every table in
    its order, so the rows are read as stored, without SQLite's sort (a quarter of reading the claims), as long as
    each row's order key is above the last; if one is not, the file is written again from the sorted query."""
    problem = None if scanned else unwritable_cell(connection, table)
    if problem:
        raise PackageError(problem)
    written = write_halves(connection, database_uri, table, target) if database_uri else None
    if written is None:
        stored = connection.execute(stored_rows_query(table))
        try:
            written = _write_rows(stored, table, target, _order_key(table))
        finally:
            stored.close()
    return written or _write_rows(connection.execute(rows_query(table)), table, target)


def write_halves(connection: sqlite3.Connection, database_uri: str, table: Table, target: Path) -> tuple[int, str] | None:
    """A table of more than 2 × HALF_ROWS rows: the first half as stored written here while a process writes the
    rest beside the target, then appended; the bytes of one writer in a little more than half its time. None for a
    smaller table, when the rows are not stored in their order (as _write_rows finds it, in each half and across
    the two), or when the second writer died: the caller writes it another way."""
    lowest, highest = connection.execute(f"SELECT min(rowid), max(rowid) FROM [{table.name}]").fetchone()
    if lowest is None or highest - lowest < 2 * HALF_ROWS:
        return None
    middle = (lowest + highest) // 2
    rest = target.with_name(f"{target.name}.second-half")
    start = multiprocessing.get_context(process_start_method())
    try:
        with ProcessPoolExecutor(1, mp_context=start) as pool:
            second = pool.submit(write_stored_after, database_uri, table, rest, middle)
            digest = hashlib.sha256()
            stored = connection.execute(f"{_select(table)} WHERE rowid <= ? ORDER BY rowid", (middle,))
            with target.open("wb") as handle:
                try:
                    first = _copy_rows(stored, handle, digest, table.column_names, _order_key(table))
                finally:
                    stored.close()
                after = second.result()
                if first is None or after is None or _rising(list(after[1]), first[2]) is None:
                    return None
                with rest.open("rb") as source:
                    while chunk := source.read(1 << 20):
                        handle.write(chunk)
                        digest.update(chunk)
            return first[0] + after[0], digest.hexdigest()
    except BrokenProcessPool:
        return None  # the second writer ended without an answer (out of memory, say): one writer does it all
    finally:
        rest.unlink(missing_ok=True)


def write_stored_after(database_uri: str, table: Table, target: Path, after: int) -> tuple[int, tuple, tuple] | None:
    """In a child process: the rows stored after rowid `after`, as CSV without a header (_copy_rows)."""
    fault_point("write-second-half")
    connection = sqlite3.connect(database_uri, uri=True)
    try:
        with target.open("wb") as handle:
            cursor = connection.execute(f"{_select(table)} WHERE rowid > ? ORDER BY rowid", (after,))
            return _copy_rows(cursor, handle, hashlib.sha256(), None, _order_key(table))
    finally:
        connection.close()


def stored_rows_query(table: Table) -> str:
    return f"{_select(table)} ORDER BY rowid"


def _select(table: Table) -> str:
    return f"SELECT {', '.join(f'[{name}]' for name in table.column_names)} FROM [{table.name}]"


def _order_key(table: Table) -> Callable[[tuple], object]:
    return operator.itemgetter(*(table.column_names.index(name) for name in table.order_by))


def _write_rows(cursor: sqlite3.Cursor, table: Table, target: Path,
                order_key: Callable[[tuple], object] | None = None) -> tuple[int, str] | None:
    """The rows of cursor as CSV into target, its bytes and SHA-256; None as _copy_rows finds them out of order."""
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        written = _copy_rows(cursor, handle, digest, table.column_names, order_key)
    return None if written is None else (written[0], digest.hexdigest())


def _copy_rows(cursor: sqlite3.Cursor, handle: BinaryIO, digest, header: list[str] | None,
               order_key: Callable[[tuple], object] | None) -> tuple[int, tuple, tuple] | None:
    """The header and the rows of cursor as CSV into handle and digest: the bytes, the first and the last row's
    key (one-tuples, () without rows). With order_key, None as soon as a row's key is not above the last (equal,
    lower, or not comparable in Python: NULL or text against a number), where SQLite's order is not proven to be
    the stored one."""
    size, first, last = 0, None, ()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(header)
    while True:
        rows = cursor.fetchmany(CHUNK_ROWS)
        if order_key is not None:
            keys = list(map(order_key, rows))
            first = tuple(keys[:1]) if first is None else first
            last = _rising(keys, last)
            if last is None:
                return None
        writer.writerows(rows)
        data = buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
        handle.write(data)
        digest.update(data)
        size += len(data)
        if not rows:
            return size, first or (), last


def _rising(keys: list, last: tuple) -> tuple | None:
    """The last key as a one-tuple (last, if keys is empty) if each of last + keys is above the one before it;
    else None. last is the previous chunk's last key, or () for the first chunk."""
    keys = [*last, *keys]
    try:
        if all(map(operator.lt, keys, keys[1:])):
            return tuple(keys[-1:])
    except TypeError:
        pass
    return None
