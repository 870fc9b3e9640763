"""SQL threads: a client's own `?sql=` runs on threads of its own, so it never waits behind the site's pages."""
from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import sqlite3
import threading
import time

from etl.site.limits import thread_connections

# Datasette runs every query on one pool (num_sql_threads) and starts the time limit only when a query leaves the
# queue. Under load a client's over-long query first waited there behind page queries, then ran its 1.5 s, then
# waited again for the busy event loop: it was cut at 2× the limit and more. Its own pool has no page queries in
# front of it; it may wait there a third of the limit at most (other clients' SQL in front of it); and the limit
# counts from the request's arrival, so that the answer leaves well within 1.5× the limit.
CLIENT_SQL_THREADS = 2
MAX_WAIT_SHARE = 1 / 3
BUSY = "Every thread for clients' SQL is busy with other queries — try again in a moment"

_client_sql: contextvars.ContextVar[float | None] = contextvars.ContextVar("client_sql", default=None)


class Busy(sqlite3.OperationalError):
    """A DatabaseError, so Datasette answers it as an SQL error; the guard makes it a 429."""


class Deadline:
    """Interrupts the queries of this thread at `at` (perf_counter), unless the work ended before."""

    def __init__(self, at: float):
        self.connections = thread_connections()
        self.lock = threading.Lock()
        self.running = True
        self.timer = threading.Timer(max(0.0, at - time.perf_counter()), self.interrupt)
        self.timer.daemon = True

    def interrupt(self) -> None:
        with self.lock:  # never interrupt the next request's query on this thread
            if not self.running:
                return
            for connection in self.connections:
                with contextlib.suppress(sqlite3.ProgrammingError):  # closed: a version swapped out
                    connection.interrupt()

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.running = False
        self.timer.cancel()


class SplitExecutor(concurrent.futures.Executor):
    """Datasette's executor, and beside it the threads for clients' SQL, chosen by the request being served.

    `loop.run_in_executor` calls submit() in the request's own task, so the context variable set by the guard
    for that request is the one seen here."""

    def __init__(self, site: concurrent.futures.Executor, client: concurrent.futures.Executor, max_wait: float,
                 limit: float):
        self.site = site
        self.client = client
        self.max_wait = max_wait
        self.limit = limit

    def submit(self, fn, /, *args, **kwargs):
        arrived = _client_sql.get()
        if arrived is None:
            return self.site.submit(fn, *args, **kwargs)
        queued = time.perf_counter()

        def in_time():
            if time.perf_counter() - queued > self.max_wait:
                raise Busy(BUSY)
            with Deadline(arrived + self.limit):  # SQLite answers "interrupted", Datasette the time-limit error
                return fn(*args, **kwargs)

        return self.client.submit(in_time)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.site.shutdown(wait, cancel_futures=cancel_futures)
        self.client.shutdown(wait, cancel_futures=cancel_futures)


@contextlib.contextmanager
def serving_client_sql(active: bool):
    """While a request is served: when it arrived if its queries are the client's own SQL, else None."""
    token = _client_sql.set(time.perf_counter() if active else None)
    try:
        yield
    finally:
        _client_sql.reset(token)


def install(datasette, threads: int = CLIENT_SQL_THREADS) -> None:
    """Give a threaded Datasette (num_sql_threads > 0) the threads for clients' SQL; once."""
    if datasette.executor is None or isinstance(datasette.executor, SplitExecutor):
        return
    limit = datasette.setting("sql_time_limit_ms") / 1000
    client = concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="client-sql")
    datasette.executor = SplitExecutor(datasette.executor, client, limit * MAX_WAIT_SHARE, limit)
