"""Load test: the site under concurrent requests on loopback, ours and plain `datasette -i` side by side."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

import click
import httpx

from etl import paths
from etl.schema.tables import TABLES
from etl.site.queries import QUERIES
from etl.site.serve import DATABASE_NAME, SETTINGS

DB = DATABASE_NAME
INPUT_DIRS = ("sources", "reference", "claims", "expectations")
SLOW_SQL = "with recursive r(x) as (select 1 union all select x + 1 from r) select count(*) from r"
COMPANY_ROUTES = ("/entity/{id}",)
MEMORY_GROWTH_MB = 50
CUT_FACTOR = 1.5
DROPPED_AT: list[float] = []  # when each dropped request failed (perf_counter), to tell a rebuild's from others


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process on loopback, stopped by its PID."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict | None = None):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([*argv, "--port", str(self.port)], cwd=paths.ROOT, env=env,
                                        stdout=log.open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(self.base + "/-/versions.json", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not answer on {self.base} — see {log}")

    def memory_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _rows(database: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def tilde(value: str) -> str:
    from datasette.utils import tilde_encode

    return tilde_encode(value)


def request_mix(database: Path) -> list[tuple[str, str]]:
    """(kind, URL) pairs taken from the database itself: every table, facet, canned query, search, export, row."""
    mix = []
    for table in TABLES:
        mix.append(("table json", f"/{DB}/{table.name}.json?_size=50&_shape=objects"))
        for facet in table.facets:
            mix.append(("facet", f"/{DB}/{table.name}.json?_size=0&_facet={facet}"))
        if table.fts:
            word = _rows(database, f"select {table.fts[0]} from [{table.name}] where {table.fts[0]} is not null "
                                   "limit 1")
            if word:
                first = next((w for w in str(word[0][0]).split() if w.isalpha() and len(w) > 3), None)
                if first:
                    mix.append(("search", f"/{DB}/{table.name}.json?_search={quote(first)}"))
        key = table.primary_key
        rows = _rows(database, f"select {', '.join(key)} from [{table.name}] limit 3")
        for row in rows:
            path = ",".join(tilde(str(value)) for value in row)
            mix.append(("row json", f"/{DB}/{table.name}/{path}.json"))
            mix.append(("row page", f"/{DB}/{table.name}/{path}"))
    for query in QUERIES:
        arguments = {param.name: param.example for param in query.params}
        mix.append(("canned query", f"/{DB}/{query.name}.json?{urlencode(arguments)}"))
    mix.append(("csv export", f"/{DB}/claims.csv?_stream=on&_size=max"))
    mix.append(("table page", f"/{DB}/claims"))
    mix.append(("home page", "/"))
    return mix


def company_urls(base: str, database: Path) -> tuple[list[tuple[str, str]], str]:
    """Company pages if the site has them (issue 12 adds them), else none and a note saying so."""
    companies = _rows(database, "select entity_id from entities where kind = 'company' limit 3") \
        if any(t.name == "entities" for t in TABLES) else []
    for route in COMPANY_ROUTES:
        for (company,) in companies[:1]:
            url = route.format(id=tilde(company))
            if httpx.get(base + url, timeout=10).status_code == 200:
                return [("company page", route.format(id=tilde(c))) for (c,) in companies], f"company pages: {route}"
    return [], "company pages: none of " + ", ".join(COMPANY_ROUTES) + " answers — skipped"


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _load(base: str, mix: list, count: int, concurrency: int, results: list) -> None:
    queue = iter(range(count))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def worker():
            for index in queue:
                kind, url = mix[index % len(mix)]
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    results.append((kind, response.status_code, time.perf_counter() - started))
                except httpx.HTTPError as error:
                    results.append((kind, f"dropped: {type(error).__name__}", time.perf_counter() - started))
                    DROPPED_AT.append(time.perf_counter())
        await asyncio.gather(*(worker() for _ in range(concurrency)))


async def _slow(base: str, done: asyncio.Event, cuts: list, limit: int) -> None:
    """Queries over the time limit, one after another while the load runs: how soon each is cut."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        while not done.is_set() and len(cuts) < limit:
            started = time.perf_counter()
            try:
                response = await client.get(f"/{DB}.json", params={"sql": SLOW_SQL})
                cuts.append((response.status_code, time.perf_counter() - started, response.text[:200]))
            except httpx.HTTPError as error:
                cuts.append((f"dropped: {type(error).__name__}", time.perf_counter() - started, ""))
            await asyncio.sleep(0.5)


def rebuild(project: Path, database: Path) -> dict:
    """`etl build` on the served copy, as a publish would do it while the site is serving."""
    env = {**os.environ, "ETL_ROOT": str(project), "GX_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "etl", "build", "--database", str(database)], cwd=project,
                            env=env, capture_output=True, text=True, timeout=600)
    return {"exit": result.returncode, "seconds": round(time.perf_counter() - started, 1),
            "stderr_tail": result.stderr.strip().splitlines()[-1:] if result.returncode else []}


async def _run(server: Server, mix: list, count: int, concurrency: int, slow_limit: int,
               rebuild_at: tuple[Path, Path] | None) -> dict:
    results, cuts = [], []
    done = asyncio.Event()
    started = time.perf_counter()
    slow = asyncio.create_task(_slow(server.base, done, cuts, slow_limit))
    rebuilt = None
    if rebuild_at:
        load = asyncio.create_task(_load(server.base, mix, count, concurrency, results))
        await asyncio.sleep(2)
        window = time.perf_counter()
        rebuilt = await asyncio.to_thread(rebuild, *rebuild_at)
        rebuilt["requests_before_and_during"] = len(results)
        rebuilt["dropped_during"] = sum(1 for moment in DROPPED_AT if window <= moment <= time.perf_counter())
        await load
    else:
        await _load(server.base, mix, count, concurrency, results)
    elapsed = time.perf_counter() - started
    done.set()
    await slow
    return {"results": results, "cuts": cuts, "elapsed": elapsed, "rebuild": rebuilt}


def summary(name: str, run: dict, memory: tuple[float, float], notes: list[str]) -> dict:
    results, cuts = run["results"], run["cuts"]
    latencies = [seconds for _, status, seconds in results if isinstance(status, int)]
    statuses = Counter(str(status) for _, status, _ in results)
    failed = {status: n for status, n in statuses.items() if not status.startswith(("2", "3"))}
    limit = SETTINGS["sql_time_limit_ms"] / 1000 if name == "ours" else 1.0
    report = {
        "server": name, "requests": len(results), "seconds": round(run["elapsed"], 2),
        "throughput_rps": round(len(results) / run["elapsed"], 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": dict(sorted(statuses.items())), "errors_by_status": failed,
        "server_errors": sum(n for status, n in statuses.items() if status.startswith("5")),
        "dropped": sum(n for status, n in statuses.items() if status.startswith("dropped")),
        "dropped_by_kind": dict(Counter(kind for kind, status, _ in results if str(status).startswith("dropped"))),
        "slow_queries": len(cuts), "slow_statuses": dict(Counter(str(status) for status, _, _ in cuts)),
        "slow_max_ms": round(max((seconds for _, seconds, _ in cuts), default=0) * 1000, 1),
        "slow_limit_ms": int(limit * 1000),
        "memory_before_mb": round(memory[0], 1), "memory_after_mb": round(memory[1], 1),
        "memory_growth_mb": round(memory[1] - memory[0], 1),
        "rebuild": run["rebuild"], "notes": notes,
    }
    report["problems"] = problems(report, limit)
    return report


def problems(report: dict, limit: float) -> list[str]:
    found = []
    if report["server_errors"]:
        found.append(f"{report['server_errors']} answers 5xx")
    if report["dropped"]:
        found.append(f"{report['dropped']} dropped connections")
    if report["slow_max_ms"] > CUT_FACTOR * limit * 1000:
        found.append(f"an over-long query took {report['slow_max_ms']} ms, over {CUT_FACTOR}× the limit")
    if any(not status.startswith("4") for status in report["slow_statuses"]):
        found.append(f"over-long queries answered {report['slow_statuses']}, not a 4xx")
    if report["memory_growth_mb"] > MEMORY_GROWTH_MB:
        found.append(f"memory grew {report['memory_growth_mb']} MB")
    return found


def our_command(database: Path) -> list[str]:
    return [sys.executable, "-m", "etl", "serve", "--database", str(database)]


def plain_command(database: Path) -> list[str]:
    return [sys.executable, "-m", "datasette", "serve", "-i", str(database), "--host", "127.0.0.1"]


def measure(name: str, command: list[str], database: Path, log: Path, count: int, concurrency: int,
            slow_limit: int, rebuild_at=None, env=None, say=lambda text: None) -> dict:
    server = Server(name, command, log, env)
    try:
        mix = request_mix(database)
        extra, note = company_urls(server.base, database)
        mix += extra
        warm = min(200, count)
        asyncio.run(_run(server, mix, warm, min(concurrency, 8), 0, None))  # caches and threads, not measured
        before = server.memory_mb()
        say(f"{name}: {count} requests at concurrency {concurrency} over {len(mix)} URLs")
        run = asyncio.run(_run(server, mix, count, concurrency, slow_limit, rebuild_at))
        return summary(name, run, (before, server.memory_mb()), [note])
    finally:
        server.stop()


def table(reports: list[dict]) -> str:
    keys = ("requests", "seconds", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors_by_status",
            "server_errors", "dropped", "slow_queries", "slow_statuses", "slow_max_ms", "slow_limit_ms",
            "memory_before_mb", "memory_after_mb", "memory_growth_mb")
    lines = [f"{'':20}" + "".join(f"{r['server']:>40}" for r in reports)]
    for key in keys:
        lines.append(f"{key:20}" + "".join(f"{json.dumps(r[key], default=str)[:40]:>40}" for r in reports))
    for report in reports:  # the long ones in full
        for key in ("dropped_by_kind", "rebuild", "problems", "notes"):
            lines.append(f"{report['server']} {key}: {json.dumps(report[key], default=str)}")
    return "\n".join(lines)


@click.command()
@click.option("--database", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=paths.DATABASE,
              show_default="china_ai_investments.db", help="The built database (copied; the copy is served).")
@click.option("--requests", "count", type=click.IntRange(1, 200_000), default=20_000, show_default=True)
@click.option("--concurrency", type=click.IntRange(1, 256), default=32, show_default=True)
@click.option("--slow", "slow_limit", type=click.IntRange(0, 1000), default=20, show_default=True,
              help="At most this many over-long queries, one at a time during the load.")
@click.option("--plain/--no-plain", default=True, show_default=True, help="Also measure plain `datasette -i`.")
@click.option("--rebuild", is_flag=True, help="Run `etl build` on the served copy two seconds into the load.")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def main(database: Path, count: int, concurrency: int, slow_limit: int, plain: bool, rebuild: bool,
         as_json: bool) -> None:
    """Load the site on loopback (servers started and stopped here) and print throughput, latency, errors, memory.

    Exit status 1 when a check fails: a 5xx, a dropped connection, an over-long query not cut within 1.5× the
    time limit, or memory growth over 50 MB.

    \b
    Example:
        python bench/load.py --requests 20000 --concurrency 32
    """
    say = (lambda text: None) if as_json else (lambda text: click.echo(text, err=True))
    with tempfile.TemporaryDirectory(prefix="load-") as scratch:
        project = Path(scratch)
        served = project / database.name
        if rebuild:
            for name in INPUT_DIRS:
                shutil.copytree(paths.ROOT / name, project / name)
        shutil.copy2(database, served)
        env = {**os.environ, "GX_ANALYTICS_ENABLED": "False"}
        reports = [measure("ours", our_command(served), served, project / "ours.log", count, concurrency,
                           slow_limit, (project, served) if rebuild else None, env, say)]
        if plain:
            copy = project / "plain" / database.name
            copy.parent.mkdir()
            shutil.copy2(database, copy)
            reports.append(measure("plain", plain_command(copy), copy, project / "plain.log", count, concurrency,
                                   slow_limit, None, env, say))
        click.echo(json.dumps(reports, indent=2, default=str) if as_json else table(reports))
    if reports[0]["problems"] or (rebuild and reports[0]["rebuild"]["exit"] != 0):
        sys.exit(1)


if __name__ == "__main__":
    main()
