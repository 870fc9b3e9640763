"""About 1,000 requests of bench/load.py in the suite, with a rebuild swapped in under them: it asserts what must
hold under load, never a timing."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

from etl import paths
from etl.site import guard

pytest_plugins = ["tests.site_support", "tests.live_site"]

LOAD = paths.ROOT / "bench" / "load.py"
HTTPX_KEEP_ALIVE = 5.0  # httpx's default pool expiry, and uvicorn's own default keep-alive timeout


def test_under_load_and_a_rebuild_no_5xx_no_dropped_connection_slow_queries_cut_memory_flat(published_project):
    command = [sys.executable, str(LOAD), "--database", str(published_project / paths.DATABASE.name),
               "--requests", "1000", "--concurrency", "16", "--slow", "3", "--no-plain", "--rebuild", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1800,
                            env={**os.environ, "GX_ANALYTICS_ENABLED": "False"})
    assert result.returncode in (0, 1), result.stderr[-3000:]
    (report,) = json.loads(result.stdout)
    assert report["requests"] >= 1000
    assert report["server_errors"] == 0 and report["dropped"] == 0, (report["errors_by_status"], report["drops"])
    assert report["errors_by_status"] == {}, "every URL of the mix is valid: each must be answered 2xx or 3xx"
    assert report["slow_queries"] >= 1 and set(report["slow_statuses"]) == {"400"}
    assert report["memory_growth_mb"] < 50
    rebuild = report["rebuild"]
    assert rebuild["exit"] == 0 and rebuild["swapped_at_s"] is not None, rebuild
    assert rebuild["served_after"] != rebuild["served_before"], "the site serves the new build"
    assert report["server_log_trouble"] == {}, report["server_log_trouble"]


def read_answer(connection: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        assert chunk, f"the server closed the connection: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += connection.recv(65536)
    return head


def test_an_idle_connection_stays_open_longer_than_a_clients_pool_keeps_it(live_site):
    """The server, not the client, must be the last to close: else it closes under a request already sent."""
    assert guard.KEEP_ALIVE_SECONDS > HTTPX_KEEP_ALIVE
    request = b"GET /-/versions.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    with socket.create_connection(("127.0.0.1", live_site.port), timeout=30) as connection:
        connection.sendall(request)
        assert read_answer(connection).startswith(b"HTTP/1.1 200")
        time.sleep(HTTPX_KEEP_ALIVE + 1.5)
        connection.sendall(request)
        assert read_answer(connection).startswith(b"HTTP/1.1 200")
