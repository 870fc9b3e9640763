"""SQL threads: a client's own `?sql=` runs on threads of its own, so it never waits behind the site's pages."""
from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import sqlite3
import time

# Datasette runs every query on one pool (num_sql_threads) and starts the time limit only when a query leaves the
# queue. Under load a client's over-long query first waited there behind page queries, then ran its 1.5 s: it
# was cut at 2× the limit and more. Its own pool has no page queries in front of it; and it may wait there a
# third of the limit at most (other clients' SQL in front of it), so that it is always answered within 1.5×.
CLIENT_SQL_THREADS = 2
MAX_WAIT_SHARE = 1 / 3
BUSY = "Every thread for clients' SQL is busy with other queries — try again in a moment"

_client_sql: contextvars.ContextVar[bool] = contextvars.ContextVar("client_sql", default=False)


class Busy(sqlite3.OperationalError):
    """A DatabaseError, so Datasette answers it as an SQL error; the guard makes it a 429."""


class SplitExecutor(concurrent.futures.Executor):
    """Datasette's executor, and beside it the threads for clients' SQL, chosen by the request being served.

    `loop.run_in_executor` calls submit() in the request's own task, so the context variable set by the guard
    for that request is the one seen here."""

    def __init__(self, site: concurrent.futures.Executor, client: concurrent.futures.Executor, max_wait: float):
        self.site = site
        self.client = client
        self.max_wait = max_wait

    def submit(self, fn, /, *args, **kwargs):
        if not _client_sql.get():
            return self.site.submit(fn, *args, **kwargs)
        queued = time.perf_counter()

        def started_in_time():
            if time.perf_counter() - queued > self.max_wait:
                raise Busy(BUSY)
            return fn(*args, **kwargs)

        return self.client.submit(started_in_time)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.site.shutdown(wait, cancel_futures=cancel_futures)
        self.client.shutdown(wait, cancel_futures=cancel_futures)


@contextlib.contextmanager
def serving_client_sql(active: bool):
    """While a request is served: are its queries the client's own SQL?"""
    token = _client_sql.set(active)
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
    datasette.executor = SplitExecutor(datasette.executor, client, limit * MAX_WAIT_SHARE)
