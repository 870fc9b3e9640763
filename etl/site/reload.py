"""A running site follows rebuilds: when build/current moves, the new version's database is swapped in, no restart."""
from __future__ import annotations

import asyncio
import copy
import itertools
import threading
import weakref
from pathlib import Path

from datasette.database import Database
from datasette.utils import escape_sqlite

from etl.site.kept import KeptAnswers
from etl.site.metadata import served_corpus

INTERVAL = 0.5  # seconds between looks at the published link: one readlink, so cheap
CLOSE_AFTER = 60.0  # seconds a replaced version stays open for the requests that are still reading it
_connections = threading.local()
_numbers = itertools.count()
# Datasette's questions about a table's schema, each a trip to a SQL thread, asked again on every page (a table
# page asks a dozen). Their answers depend on the file alone, and the label column on the metadata as well, which
# is read once when the site starts.
SCHEMA_METHODS = ("table_exists", "table_names", "view_names", "table_columns", "table_column_details",
                  "primary_keys", "fts_table", "label_column_for_table", "foreign_keys_for_table",
                  "get_all_foreign_keys", "get_table_definition", "get_view_definition")
SCHEMA_ANSWERS = 1_000  # table names come from URLs: made-up ones must not grow the answers kept without bound


class VersionDatabase(Database):
    """One published version, opened immutable; `link` is the published path that points at it."""

    def __init__(self, datasette, link: Path, version: Path):
        super().__init__(datasette, path=str(version), is_mutable=False)
        self.link = link
        # Datasette keeps one connection per thread under the database's name; a version needs its own.
        self._connection_key = f"version-{next(_numbers)}"
        self.kept = KeptAnswers()
        self.schema: dict = {}

    async def execute(self, sql, params=None, *positional, **options):
        """As Datasette's, but a count, a facet or a schema lookup is answered once per version (see kept.py): the
        file is opened immutable and never changes while it is served; a new build is a new VersionDatabase."""
        key = None if positional else self.kept.key(sql, params, options)
        if key is None:
            return await super().execute(sql, params, *positional, **options)
        answer = self.kept.get(key)
        if answer is None:
            answer = await super().execute(sql, params, **options)
            self.kept.put(key, answer)
        return answer

    async def execute_fn(self, fn):
        if self.ds.executor is None:
            return await super().execute_fn(fn)

        def in_thread():
            connection = getattr(_connections, self._connection_key, None)
            if connection is None:
                connection = self.connect()
                self.ds._prepare_connection(connection, self.name)
                setattr(_connections, self._connection_key, connection)
            return fn(connection)

        return await asyncio.get_event_loop().run_in_executor(self.ds.executor, in_thread)

    def count_tables(self) -> None:
        """Count every table now, with no time limit, so that pages never count them under one.

        Datasette counts a table on first use within 10 ms; on a busy machine that limit interrupts
        FTS5 while it opens its table, which SQLite reports as "vtable constructor failed", and the
        table's count stays unknown for the life of the version."""
        connection = self.connect()  # Datasette's own: immutable, as the pages will read it
        try:
            names = [name for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            self._cached_table_counts = {
                name: connection.execute(f"SELECT count(*) FROM {escape_sqlite(name)}").fetchone()[0] for name in names}
        finally:
            connection.close()


def _kept_schema(name: str):
    """Database.<name>, answered once per version; each caller gets its own copy, free to change it."""
    original = getattr(Database, name)

    async def answer(self, *args, **kwargs):
        key = (name, args, tuple(sorted(kwargs.items())))
        if key in self.schema:
            return copy.deepcopy(self.schema[key])
        found = await original(self, *args, **kwargs)
        if len(self.schema) < SCHEMA_ANSWERS:
            self.schema[key] = copy.deepcopy(found)
        return found

    answer.__name__ = answer.__qualname__ = name
    return answer


for _name in SCHEMA_METHODS:
    if hasattr(Database, _name):  # Datasette 1.0 may drop one; the others are still kept
        setattr(VersionDatabase, _name, _kept_schema(_name))


def published(link: Path) -> Path | None:
    """The database file the link points at now, or None while there is none."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return target if target.is_file() else None


def refresh(datasette) -> list[str]:
    """Swap every served database whose published link now points at another version; returns their names."""
    swapped = []
    for name, db in list(datasette.databases.items()):
        link = getattr(db, "link", None) or (Path(db.path) if db.path and not db.is_memory else None)
        if link is None or not link.is_symlink():
            continue
        target = published(link)
        if target is None or (isinstance(db, VersionDatabase) and Path(db.path) == target):
            continue
        new = VersionDatabase(datasette, link, target)
        new.count_tables()  # also proves the new file readable before anyone is sent to it
        served_corpus(target)  # here, not in the first request that names it
        _swap(datasette, name, db, new)
        swapped.append(name)
    return swapped


def _swap(datasette, name: str, old: Database, new: Database) -> None:
    new.name, new.route = name, old.route
    if isinstance(old, VersionDatabase) and datasette.inspect_data:
        # the inspect file describes the version served at start: counts of a new version are taken live
        datasette.inspect_data = {key: value for key, value in datasette.inspect_data.items() if key != name}
    # one assignment: a request sees the old or the new database, never none (as Datasette's add_database does)
    datasette.databases = {key: (new if key == name else value) for key, value in datasette.databases.items()}
    closing = threading.Timer(CLOSE_AFTER, old.close)
    closing.daemon = True
    closing.start()


def follow(datasette, interval: float = INTERVAL):
    """Startup hook body: serve the published version, then look for a new one every `interval` seconds.

    The watch is a thread, not a task: `datasette serve` runs the startup hooks on a loop of their own and
    then serves on uvicorn's. It ends when the Datasette instance is gone."""
    async def start() -> None:
        refresh(datasette)
        threading.Thread(target=_watch, args=(weakref.ref(datasette), interval), daemon=True,
                         name="china-ai-reload").start()

    return start


def _watch(datasette_ref, interval: float) -> None:
    stop = threading.Event()
    while not stop.wait(interval):
        datasette = datasette_ref()
        if datasette is None:
            return
        try:
            refresh(datasette)
        except Exception:  # a half-written link or a vanished file: look again next time
            pass
        del datasette
