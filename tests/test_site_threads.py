"""Clients' SQL on threads of its own: it never queues behind the site's pages, and never waits past its share."""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sqlite3
import time
import threading
from urllib.parse import urlencode

import pytest

from etl.site import guard, limits, rules, threads
from etl.site import serve as site_serve

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME


@pytest.fixture
def pools():
    site = concurrent.futures.ThreadPoolExecutor(1)
    client = concurrent.futures.ThreadPoolExecutor(1)
    yield threads.SplitExecutor(site, client, max_wait=0.2, limit=1.0)
    site.shutdown(wait=False, cancel_futures=True)
    client.shutdown(wait=False, cancel_futures=True)


def thread_name():
    return threading.current_thread()


def test_a_clients_sql_runs_while_every_site_thread_is_busy(pools):
    release = threading.Event()
    pools.submit(release.wait, 10)  # the only site thread is held
    with threads.serving_client_sql(True):
        answer = pools.submit(lambda: "answered").result(timeout=5)
    assert answer == "answered"
    release.set()


def test_site_queries_and_client_sql_run_on_their_own_threads(pools):
    with threads.serving_client_sql(True):
        client_thread = pools.submit(thread_name).result(timeout=5)
    site_thread = pools.submit(thread_name).result(timeout=5)
    assert client_thread is not site_thread


def test_client_sql_that_waited_past_its_share_of_the_limit_is_refused_as_busy(pools):
    release = threading.Event()
    with threads.serving_client_sql(True):
        pools.submit(release.wait, 10)  # the only client thread is held
        waiting = pools.submit(lambda: "too late")
    threading.Timer(0.5, release.set).start()  # longer than max_wait
    with pytest.raises(threads.Busy):
        waiting.result(timeout=5)


def test_the_flag_is_the_requests_own_and_is_reset_after_it(pools):
    async def request(flag: bool):
        with threads.serving_client_sql(flag):
            await asyncio.sleep(0)
            return threads._client_sql.get()

    async def both():
        return await asyncio.gather(request(True), request(False))

    client, site = asyncio.run(both())
    assert isinstance(client, float) and site is None
    assert threads._client_sql.get() is None


def test_the_served_site_has_the_threads_for_client_sql(served):
    assert isinstance(served.datasette.executor, threads.SplitExecutor)
    body = served.json(f"/{DB}.json?" + urlencode({"sql": "select 1 as one", "_shape": "array"}))
    assert body == [{"one": 1}]


def test_a_busy_answer_is_a_429():
    exchange = guard.Exchange({"path": f"/{DB}.json", "query_string": b"sql=select+1", "method": "GET",
                               "headers": []}, rules.Context(None))
    status, body = exchange.corrected(400, guard.error_body(400, threads.BUSY))
    assert status == 429 and json.loads(body) == {"ok": False, "error": threads.BUSY, "status": 429, "title": None}


def test_a_clients_query_is_interrupted_at_the_limit_counted_from_the_requests_arrival(pools):
    def run_forever():
        connection = sqlite3.connect(":memory:", check_same_thread=False)
        limits.limit_connection(connection)
        started = time.perf_counter()
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            connection.execute("with recursive r(x) as (select 1 union all select x + 1 from r) "
                               "select count(*) from r").fetchone()
        return time.perf_counter() - started

    with threads.serving_client_sql(True):
        time.sleep(0.4)  # as if the request had waited before its query started
        ran = pools.submit(run_forever).result(timeout=10)
    assert ran < 1.0  # the limit of the fixture is 1 s from arrival, and 0.4 s of it had gone


def test_a_deadline_that_ended_never_interrupts_a_later_query():
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    limits.limit_connection(connection)
    with threads.Deadline(time.perf_counter() + 0.05):
        pass
    time.sleep(0.1)
    assert connection.execute("select count(*) from (with recursive r(x) as (select 1 union all select x + 1 "
                              "from r where x < 200000) select x from r)").fetchone()[0] == 200000
