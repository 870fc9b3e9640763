"""Clients' SQL on threads of its own: it never queues behind the site's pages, and never waits past its share."""
from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from urllib.parse import urlencode

import pytest

from etl.site import guard, rules, threads
from etl.site import serve as site_serve

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME


@pytest.fixture
def pools():
    site = concurrent.futures.ThreadPoolExecutor(1)
    client = concurrent.futures.ThreadPoolExecutor(1)
    yield threads.SplitExecutor(site, client, max_wait=0.2)
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

    assert asyncio.run(both()) == [True, False]
    assert threads._client_sql.get() is False


def test_the_served_site_has_the_threads_for_client_sql(served):
    assert isinstance(served.datasette.executor, threads.SplitExecutor)
    body = served.json(f"/{DB}.json?" + urlencode({"sql": "select 1 as one", "_shape": "array"}))
    assert body == [{"one": 1}]


def test_a_busy_answer_is_a_429_with_retry_after():
    exchange = guard.Exchange({"path": f"/{DB}.json", "query_string": b"sql=select+1", "method": "GET",
                               "headers": []}, rules.Context(None))
    status, body = exchange.corrected(400, guard.error_body(400, threads.BUSY))
    assert status == 429 and b'"status": 429' in body and threads.BUSY.encode() in body
