"""What one request may cost the served process: SQLite limits, a byte budget per query, a memory ceiling."""
from __future__ import annotations

import re
import resource
import sqlite3
import threading
import weakref

# SQLite checks these inside the VM, so a one-step function such as zeroblob(9e8), randomblob(1e9) or
# printf('%.*c', 1e9, 'x') fails at once with "string or blob too big" instead of allocating gigabytes
# between two checks of the time limit.
VALUE_BYTES = 1_000_000  # the longest value in the data is a few kilobytes (a quote, an article's title)
SQLITE_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: VALUE_BYTES,
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,  # a URL is shorter still
    sqlite3.SQLITE_LIMIT_COLUMN: 200,  # the widest table has a few dozen columns
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 200,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 100,
    sqlite3.SQLITE_LIMIT_FUNCTION_ARG: 100,
    sqlite3.SQLITE_LIMIT_ATTACHED: 0,  # nothing may be attached: no second file is ever opened by a query
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 10_000,
    sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER: 1_000,
    sqlite3.SQLITE_LIMIT_TRIGGER_DEPTH: 10,
}
# Rows are turned into Python objects between two checks of the time limit too: 1,001 rows of 200 values of
# 1 MB each would still be 200 GB. The row factory counts what one cursor has returned and stops it here.
RESULT_BYTES = 16_000_000
# The address space of the whole server: what is left after Python, Datasette and its threads (about 1 GB of
# mostly unused thread arenas) for every query at once. Beyond it an allocation fails with MemoryError and the
# request that made it gets an error; the process lives on.
MEMORY_CEILING = 3 * 1024**3


class ResultTooLarge(sqlite3.DataError):
    """A DatabaseError, so Datasette answers it as an SQL error (400) with this message."""


TOO_LARGE = (f"The result is larger than {RESULT_BYTES:,} bytes — select fewer rows or columns "
             "(?_size=, LIMIT) or download the database")


def budgeted_rows(connection: sqlite3.Connection):
    """A row factory giving sqlite3.Row that raises ResultTooLarge once one cursor has returned RESULT_BYTES."""
    spent: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def row(cursor, values):
        # a text or blob counts its length, anything else 8 bytes; inline, as it runs for every value of every row
        total = spent.get(cursor, 0) + sum(len(value) if isinstance(value, (str, bytes)) else 8 for value in values)
        spent[cursor] = total
        if total > RESULT_BYTES:
            raise ResultTooLarge(TOO_LARGE)
        return sqlite3.Row(cursor, values)

    return row


# SQLite 3.40's printf repeats a character `precision` times one by one, even past the length limit:
# printf('%.*c', 1e9, 'x') holds a thread for 15 s in one step, out of reach of the time limit.
CONVERSION = re.compile(r"%([-+ 0#!,]*)(\*|\d+)?(?:\.(\*|\d*))?(?:ll|l)?(.)", re.DOTALL)
_private = threading.local()
TOO_BIG_VALUE = bytes(VALUE_BYTES + 1)


def _widths(template: str, args: tuple) -> list[int]:
    """Every width and precision a printf template asks for, literal or taken from the arguments."""
    found, index = [], 0
    for match in CONVERSION.finditer(template):
        for part in (match[2], match[3]):
            if part == "*":
                value = args[index] if index < len(args) else 0
                index += 1
                found.append(abs(int(value)) if isinstance(value, (int, float)) else 0)
            elif part:
                found.append(int(part))
        if match[4] != "%":
            index += 1
    return found


def bounded_printf(template, *args):
    """SQLite's own printf, asked of a private connection once no width or precision exceeds VALUE_BYTES."""
    if template is None:
        return None
    if any(width > VALUE_BYTES for width in _widths(str(template), args)):
        return TOO_BIG_VALUE  # SQLite refuses it with its own "string or blob too big", as for zeroblob(9e8)
    if not hasattr(_private, "connection"):
        _private.connection = sqlite3.connect(":memory:", check_same_thread=False)
        _private.connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_BYTES)
    placeholders = ", ".join("?" * (len(args) + 1))
    return _private.connection.execute(f"select printf({placeholders})", (template, *args)).fetchone()[0]


_opened = threading.local()


def thread_connections() -> list[sqlite3.Connection]:
    """The connections opened (and limited) on this thread, one list that grows as they are opened: what a
    deadline of the work on this thread may interrupt, even a connection opened after the deadline was set."""
    if not hasattr(_opened, "connections"):
        _opened.connections = []
    return _opened.connections


def limit_connection(connection: sqlite3.Connection) -> None:
    """Apply SQLITE_LIMITS, the bounded printf and the result budget to a connection Datasette opened."""
    thread_connections().append(connection)
    for limit, value in SQLITE_LIMITS.items():
        connection.setlimit(limit, value)
    for name in ("printf", "format"):
        connection.create_function(name, -1, bounded_printf, deterministic=True)
    connection.row_factory = budgeted_rows(connection)


def cap_memory(ceiling: int = MEMORY_CEILING) -> None:
    """Set the address-space ceiling of this process (and what it execs), never above an existing one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        ceiling = min(ceiling, hard)
    if soft == resource.RLIM_INFINITY or soft > ceiling:
        resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
