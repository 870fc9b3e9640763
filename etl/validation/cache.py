"""Local build state that skips checks whose inputs have not changed: keyed by content, only passes are kept."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import sys
from contextlib import contextmanager, suppress
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterable, Iterator

from etl import paths
from etl.validation.runner import RuleResult, Unit

FORMAT = 1
OFF_VARIABLE = "ETL_NO_CACHE"
# The code whose behaviour a cached result stands for: a change to any of them is a change of every key.
CODE = (Path(__file__).with_name("runner.py"), Path(__file__))
_turned_off: list[bool] = []
# A table of more pages than this is keyed by the bytes of its pages (page_digest), not by its rows read back
# into Python: at 1M claims the rows took 20 s, the 86k pages of the claims table 1 s.
PAGE_DIGEST_PAGES = 1000


def cache_dir() -> Path:
    return paths.BUILD_DIR / "cache"


def enabled() -> bool:
    """Off for `etl build --no-cache` (turned_off) and when ETL_NO_CACHE is set to anything but 0."""
    return not _turned_off and os.environ.get(OFF_VARIABLE, "0") in ("", "0")


@contextmanager
def turned_off() -> Iterator[None]:
    _turned_off.append(True)
    try:
        yield
    finally:
        _turned_off.pop()


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "absent"


def gx_version() -> str:
    """The version of Great Expectations, read without importing it."""
    return _version("great_expectations")


def environment(distributions: Iterable[str], code: Iterable[Path] = CODE) -> dict:
    """What a check's outcome depends on besides its inputs: library versions and our code."""
    return {"format": FORMAT, "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
            **{name: _version(name) for name in distributions},
            "code": [hashlib.sha256(path.read_bytes()).hexdigest() for path in code]}


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def table_digest(connection: sqlite3.Connection, table: str) -> str:
    """SHA-256 of a table as a rule sees it: its definition, its indexes and every row, with types, in storage
    order (which decides the order of unexpected rows in a result); raises sqlite3.Error for an unknown table."""
    hasher = hashlib.sha256()
    for row in connection.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? ORDER BY type, name",
                                  (table,)):
        hasher.update(repr(row).encode() + b"\n")
    quoted = '"' + table.replace('"', '""') + '"'
    try:
        cursor = connection.execute(f"SELECT * FROM {quoted} ORDER BY rowid")
    except sqlite3.OperationalError:  # a WITHOUT ROWID table: stored, and scanned, in primary-key order
        cursor = connection.execute(f"SELECT * FROM {quoted}")
    hasher.update(repr([column[0] for column in cursor.description]).encode() + b"\n")
    for row in cursor:
        hasher.update(repr(row).encode() + b"\n")
    return hasher.hexdigest()


def page_digest(database: Path, table: str) -> str | None:
    """SHA-256 of a table's definition, its indexes and the bytes of every page of its b-tree in page order; None
    for a table of at most PAGE_DIGEST_PAGES pages, or where SQLite cannot list a table's pages (no dbstat) or a
    page may not be in the file yet (a write-ahead log).

    Equal pages hold equal rows, with their types, in equal order: equal digests mean the content a rule sees is
    the same. The converse does not hold (a row rewritten in place may move within its page): that costs a run of
    the rules, never a wrong hit. The same inputs build the same pages. The pages are read inside a read
    transaction of a connection of its own, so no writer can change them meanwhile."""
    connection = sqlite3.connect(paths.sqlite_uri(database, mode="ro"), uri=True)
    try:
        connection.execute("BEGIN")
        if connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return None
        pages = [page for (page,) in connection.execute(
            "SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno", (table,))]
        if len(pages) <= PAGE_DIGEST_PAGES:
            return None
        size = connection.execute("PRAGMA page_size").fetchone()[0]
        hasher = hashlib.sha256(f"pages of {size} bytes\n".encode())
        for row in connection.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? "
                                      "ORDER BY type, name", (table,)):
            hasher.update(repr(row).encode() + b"\n")
        with database.open("rb") as handle:
            for page in pages:
                handle.seek((page - 1) * size)
                hasher.update(handle.read(size))
        return hasher.hexdigest()
    except sqlite3.OperationalError:  # no dbstat in this SQLite
        return None
    finally:
        connection.close()


def tables_read(connection: sqlite3.Connection, unit: Unit) -> frozenset[str]:
    """Every table a unit's rules read, as SQLite itself reports them while preparing each rule's query
    (joins, sub-queries and views included), besides the unit's own table."""
    found: set[str] = {unit.table}

    def note(action, first, second, database, trigger):
        if action == sqlite3.SQLITE_READ and first:
            found.add(first)
        return sqlite3.SQLITE_OK

    connection.set_authorizer(note)
    try:
        for item in unit.expectations:
            query = item["kwargs"].get("unexpected_rows_query")
            if query:
                connection.execute("EXPLAIN " + query.replace("{batch}", unit.table))
    finally:
        connection.set_authorizer(None)
    return frozenset(found)


def unit_keys(database: Path, units: Iterable[Unit]) -> dict[str, str]:
    """The cache key of each unit; a unit whose queries do not prepare (it will fail) gets none."""
    keys: dict[str, str] = {}
    digests: dict[str, str] = {}
    where = environment(("great_expectations", "sqlalchemy"))
    connection = sqlite3.connect(paths.sqlite_uri(database, mode="ro"), uri=True)
    try:
        for unit in units:
            try:
                tables = sorted(tables_read(connection, unit))
                for table in tables:
                    if table not in digests:
                        digests[table] = page_digest(database, table) or table_digest(connection, table)
            except sqlite3.Error:
                continue
            keys[unit.name] = digest({"unit": unit.name, "suite": unit.suite, "table": unit.table,
                                      "expectations": list(unit.expectations),
                                      "tables": {table: digests[table] for table in tables}, "environment": where})
    finally:
        connection.close()
    return keys


class ValidationCache:
    """Passed units of a validation, each in one JSON file named by its key; Data Docs by the keys of a run."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or cache_dir() / "validation"

    def _path(self, key: str) -> Path:
        return self.folder / "units" / f"{key}.json"

    def get(self, unit: Unit, key: str) -> dict | None:
        """The stored entry of a unit (results and GX record), or None when missing, damaged or not a pass."""
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
            results = [RuleResult(**result) for result in entry["results"]]
            rules = [item["meta"]["rule"] for item in unit.expectations]
            if (entry["key"] != key or sorted(result.rule for result in results) != sorted(rules)
                    or not all(result.success and result.error is None for result in results)
                    or not isinstance(entry["gx"], dict)):
                return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return {"results": results, "gx": entry["gx"]}

    def put(self, key: str, results: list[RuleResult], gx_record: dict) -> None:
        """Keep a unit's results if every rule passed: a failure is always checked again."""
        if not results or not all(result.success and result.error is None for result in results):
            return
        entry = {"key": key, "results": [asdict(result) for result in results], "gx": gx_record}
        write_atomic(self._path(key), json.dumps(entry, ensure_ascii=False, default=str).encode())

    def docs(self, keys: dict[str, str]) -> Path:
        return self.folder / "data-docs" / digest(sorted(keys.items()))

    def restore_docs(self, keys: dict[str, str], target: Path) -> bool:
        """Copy the Data Docs of a run with exactly these unit keys to target; False when there are none."""
        stored = self.docs(keys)
        if not (stored / "index.html").is_file():
            return False
        shutil.rmtree(target, ignore_errors=True)
        try:
            shutil.copytree(stored, target)
        except OSError:  # removed by a build running beside this one: render them instead
            shutil.rmtree(target, ignore_errors=True)
            return False
        return True

    def put_docs(self, keys: dict[str, str], docs: Path) -> None:
        """Keep the Data Docs of a passed run (only the newest: they are 9 MB of mostly the same files)."""
        stored = self.docs(keys)
        staging = stored.with_name(f".{stored.name}-{secrets.token_hex(3)}")
        try:
            shutil.copytree(docs, staging)
            for old in stored.parent.iterdir():
                if old != staging:
                    shutil.rmtree(old, ignore_errors=True)
            os.replace(staging, stored)
        except OSError:  # the cache only saves time: a build never fails for want of it
            shutil.rmtree(staging, ignore_errors=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a cache file whole or not at all; a failure (full disk, read-only folder) only costs time later."""
    temporary = path.with_name(f".{path.name}-{secrets.token_hex(3)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        with suppress(OSError):
            temporary.unlink()


def passed_before(kind: str, folder: Path, names: Iterable[str], check: Callable[[], None],
                  distributions: Iterable[str], code: Iterable[Path]) -> bool:
    """Run check unless it passed before on files of exactly these names and bytes (in folder), with the same
    libraries and code; remember a pass. Returns whether the check was skipped: a failure is never remembered."""
    if not enabled():
        check()
        return False
    hasher = hashlib.sha256(digest(environment(distributions, code)).encode())
    for name in sorted(set(names)):
        with (folder / name).open("rb") as handle:  # in chunks: a 1M claims.csv is 336 MB
            hasher.update(name.encode() + b"\0" + hashlib.file_digest(handle, "sha256").digest())
    marker = cache_dir() / kind / hasher.hexdigest()
    if marker.is_file():
        return True
    check()
    write_atomic(marker, b"passed\n")
    return False
