"""About 1,000 requests of bench/load.py in the suite: it asserts what must hold under load, never a timing."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from etl import paths

pytest_plugins = ["tests.site_support"]

LOAD = paths.ROOT / "bench" / "load.py"


def test_under_load_no_5xx_no_dropped_connection_slow_queries_cut_memory_flat(published_project):
    command = [sys.executable, str(LOAD), "--database", str(published_project / paths.DATABASE.name), "--requests", "1000",
               "--concurrency", "16", "--slow", "3", "--no-plain", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900,
                            env={**os.environ, "GX_ANALYTICS_ENABLED": "False"})
    assert result.returncode in (0, 1), result.stderr[-3000:]
    (report,) = json.loads(result.stdout)
    assert report["requests"] == 1000
    assert report["server_errors"] == 0 and report["dropped"] == 0, report["errors_by_status"]
    assert report["errors_by_status"] == {}, "every URL of the mix is valid: each must be answered 2xx or 3xx"
    assert report["slow_queries"] >= 1 and set(report["slow_statuses"]) == {"400"}
    assert report["memory_growth_mb"] < 50
