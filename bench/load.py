"""Load test: the site under concurrent requests on loopback, ours and plain `datasette -i` side by side."""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

import click
import httpx

from etl import paths
from etl.publish.versions import Layout
from etl.schema.dataset import ZIP_NAME
from etl.schema.tables import TABLES
from etl.site.local import LocalServer, etl_serve
from etl.site.queries import QUERIES
from etl.site.serve import DATABASE_NAME, SETTINGS

DB = DATABASE_NAME
INPUT_DIRS = ("sources", "reference", "claims", "expectations")
PROJECT_FILES = ("metadata.yml", "datapackage.json", "CHANGELOG.md")
SLOW_SQL = "with recursive r(x) as (select 1 union all select x + 1 from r) select count(*) from r"
BUILD_MARK_SQL = "select max(run_id) from validation_runs"  # a new build has a new validation run
COMPANY_ROUTES = ("/entity/{id}",)
MEMORY_GROWTH_MB = 50
CUT_FACTOR = 1.5
REBUILD_AFTER = 2.0  # seconds into the load
SWAP_WAIT = 30.0  # seconds after a build for the served version to change (the site looks every 0.5 s)
LOAD_AFTER_SWAP = 3.0  # seconds the load goes on once the new version is served
REBUILD_NICENESS = 19  # a publish on the serving machine runs at the lowest priority (docs/deploy.md): pages first
SERVER_TROUBLE = re.compile(r"Traceback|Exception in ASGI|returned without|answered 5\d\d|Invalid HTTP|MemoryError|"
                            r"can't start new thread|Killed|ERROR")


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
        if not table.packaged:
            continue  # the validation tables: a rebuild gives each row a new key (its run), so no row URL lasts
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


class Run:
    """What one load run saw: every answer, every dropped request with its exception, the over-long queries."""

    def __init__(self):
        self.started = time.perf_counter()
        self.results: list[tuple[str, int | str, float]] = []  # kind, status or "dropped: Type", seconds
        self.drops: list[dict] = []
        self.cuts: list[tuple[int | str, float]] = []  # status, seconds
        self.rebuild: dict | None = None
        self.load_done = threading.Event()
        self.more_load = threading.Event()  # set while a rebuild wants the load to go on past the count
        self.elapsed = 0.0

    def at(self) -> float:
        return round(time.perf_counter() - self.started, 2)

    def dropped(self, kind: str, url: str, error: Exception, seconds: float) -> None:
        self.results.append((kind, f"dropped: {type(error).__name__}", seconds))
        self.drops.append({"kind": kind, "url": url, "error": type(error).__name__,
                           "message": str(error)[:200], "at_s": self.at(), "after_s": round(seconds, 2)})


async def _load(base: str, mix: list, count: int, concurrency: int, run: Run) -> None:
    """`count` requests from `concurrency` workers, each waiting for its answer; more while a rebuild runs."""
    numbers = itertools.count()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def worker():
            while (index := next(numbers)) < count or run.more_load.is_set():
                kind, url = mix[index % len(mix)]
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    await response.aread()
                    run.results.append((kind, response.status_code, time.perf_counter() - started))
                except httpx.HTTPError as error:
                    run.dropped(kind, url, error, time.perf_counter() - started)
        await asyncio.gather(*(worker() for _ in range(concurrency)))


def _slow(base: str, run: Run, limit: int) -> None:
    """Over-long queries one after another while the load runs: how soon each is cut. A thread with a client of its
    own, so that the time measured is the server's and not the wait for the load generator's event loop."""
    with httpx.Client(base_url=base, timeout=60) as client:
        while not run.load_done.is_set() and len(run.cuts) < limit:
            started = time.perf_counter()
            try:
                response = client.get(f"/{DB}.json", params={"sql": SLOW_SQL})
                run.cuts.append((response.status_code, time.perf_counter() - started))
            except httpx.HTTPError as error:
                run.dropped("over-long query", f"/{DB}.json?sql=…", error, time.perf_counter() - started)
                run.cuts.append((f"dropped: {type(error).__name__}", time.perf_counter() - started))
            run.load_done.wait(0.5)


def served_build(base: str) -> str | None:
    """The validation run of the version the server answers from now."""
    response = httpx.get(f"{base}/{DB}.json", params={"sql": BUILD_MARK_SQL, "_shape": "arrays"}, timeout=30)
    return response.json()["rows"][0][0] if response.status_code == 200 else None


def etl_build(project: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ETL_ROOT": str(project), "GX_ANALYTICS_ENABLED": "False"}
    return subprocess.run(["nice", "-n", str(REBUILD_NICENESS), sys.executable, "-m", "etl", "build"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=3600)


def rebuild_under_load(base: str, project: Path, run: Run) -> None:
    """`etl build` of the served project, as a publish does it while the site serves; then wait for the swap."""
    try:
        before = served_build(base)
        started = run.at()
        result = etl_build(project)
        built = run.at()
        swapped = None
        while result.returncode == 0 and run.at() - built < SWAP_WAIT:
            if served_build(base) not in (before, None):
                swapped = run.at()
                break
            time.sleep(0.2)
        run.rebuild = {"exit": result.returncode, "niceness": REBUILD_NICENESS, "started_at_s": started,
                       "built_at_s": built, "build_seconds": round(built - started, 1), "swapped_at_s": swapped,
                       "swap_after_build_s": round(swapped - built, 2) if swapped else None,
                       "served_before": before, "served_after": served_build(base),
                       "stderr_tail": result.stderr.strip().splitlines()[-3:] if result.returncode else []}
        time.sleep(LOAD_AFTER_SWAP if swapped else 0)
    finally:
        run.more_load.clear()


async def _run(server: LocalServer, mix: list, count: int, concurrency: int, slow_limit: int,
               project: Path | None) -> Run:
    run = Run()
    slow = asyncio.create_task(asyncio.to_thread(_slow, server.base, run, slow_limit))
    rebuild = None
    if project:
        run.more_load.set()
        load = asyncio.create_task(_load(server.base, mix, count, concurrency, run))
        await asyncio.sleep(REBUILD_AFTER)
        rebuild = asyncio.create_task(asyncio.to_thread(rebuild_under_load, server.base, project, run))
        await load
    else:
        await _load(server.base, mix, count, concurrency, run)
    run.elapsed = time.perf_counter() - run.started
    run.load_done.set()
    await slow
    if rebuild:
        await rebuild
    return run


def log_trouble(log: Path) -> dict:
    """Lines of the server's output that tell of an error, a traceback or a closed connection, counted."""
    found = Counter(line.strip()[:160] for line in log.read_text(errors="replace").splitlines()
                    if SERVER_TROUBLE.search(line))
    return dict(found.most_common(20))


def distribution(seconds: list[float]) -> dict:
    ms = [value * 1000 for value in seconds]
    return {"n": len(ms), "min": round(min(ms, default=0), 1), "p50": round(percentile(ms, 0.5), 1),
            "p95": round(percentile(ms, 0.95), 1), "max": round(max(ms, default=0), 1)}


def summary(name: str, run: Run, memory: tuple[float, float], notes: list[str], log: Path) -> dict:
    results, cuts = run.results, run.cuts
    latencies = [seconds for _, status, seconds in results if isinstance(status, int)]
    statuses = Counter(str(status) for _, status, _ in results)
    failed = {status: n for status, n in statuses.items() if not status.startswith(("2", "3"))}
    limit = SETTINGS["sql_time_limit_ms"] / 1000 if name == "ours" else 1.0
    cut_seconds = [seconds for status, seconds in cuts if isinstance(status, int)]
    report = {
        "server": name, "requests": len(results), "seconds": round(run.elapsed, 2),
        "throughput_rps": round(len(results) / run.elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": dict(sorted(statuses.items())), "errors_by_status": failed,
        "server_errors": sum(n for status, n in statuses.items() if status.startswith("5")),
        "dropped": len(run.drops),
        "dropped_by_error": dict(Counter(drop["error"] for drop in run.drops)),
        "drops": run.drops[:20],
        "slow_queries": len(cuts), "slow_statuses": dict(Counter(str(status) for status, _ in cuts)),
        "slow_cut_ms": distribution(cut_seconds),
        "slow_max_ms": round(max(cut_seconds, default=0) * 1000, 1),
        "slow_limit_ms": int(limit * 1000),
        "memory_before_mb": round(memory[0], 1), "memory_after_mb": round(memory[1], 1),
        "memory_growth_mb": round(memory[1] - memory[0], 1),
        "rebuild": run.rebuild, "server_log_trouble": log_trouble(log), "notes": notes,
    }
    report["problems"] = problems(report, limit)
    return report


def problems(report: dict, limit: float) -> list[str]:
    found = []
    if report["server_errors"]:
        found.append(f"{report['server_errors']} answers 5xx")
    if report["dropped"]:
        found.append(f"{report['dropped']} dropped connections: {report['dropped_by_error']}")
    if report["slow_max_ms"] > CUT_FACTOR * limit * 1000:
        found.append(f"an over-long query took {report['slow_max_ms']} ms, over {CUT_FACTOR}× the limit")
    if any(not status.startswith("4") for status in report["slow_statuses"]):
        found.append(f"over-long queries answered {report['slow_statuses']}, not a 4xx")
    if report["memory_growth_mb"] > MEMORY_GROWTH_MB:
        found.append(f"memory grew {report['memory_growth_mb']} MB")
    rebuild = report["rebuild"]
    if rebuild is not None and (rebuild["exit"] != 0 or rebuild["swapped_at_s"] is None):
        found.append(f"the rebuild did not publish and swap in a new version: {rebuild}")
    return found


def plain_command(database: Path) -> list[str]:
    return [sys.executable, "-m", "datasette", "serve", "-i", str(database), "--host", "127.0.0.1"]


def measure(name: str, command: list[str], database: Path, log: Path, count: int, concurrency: int,
            slow_limit: int, project: Path | None = None, say=lambda text: None) -> dict:
    env = {**os.environ, "GX_ANALYTICS_ENABLED": "False", **({"ETL_ROOT": str(project)} if project else {})}
    server = LocalServer(command, log, cwd=project or paths.ROOT, env=env, name=name)
    try:
        mix = request_mix(database)
        extra, note = company_urls(server.base, database)
        mix += extra
        asyncio.run(_run(server, mix, min(200, count), min(concurrency, 8), 0, None))  # caches, threads: not measured
        before = server.memory_kb() / 1024
        say(f"{name}: {count} requests at concurrency {concurrency} over {len(mix)} URLs"
            + (", the project rebuilt under load" if project else ""))
        run = asyncio.run(_run(server, mix, count, concurrency, slow_limit, project))
        return summary(name, run, (before, server.memory_kb() / 1024), [note], log)
    finally:
        server.stop()


def copy_project(database: Path, target: Path) -> bool:
    """The inputs and the published version of the project that serves `database`, copied into target, so that a
    rebuild switches the copy's build/current and never the original's. False when the database is not a
    published version (a plain file): the copy then needs a first build."""
    root = database.parent
    missing = [name for name in INPUT_DIRS if not (root / name).is_dir()]
    if missing:
        raise click.UsageError(f"--rebuild needs the project around {database} and it has no {', '.join(missing)}/"
                               " — give the --database of a project folder (as `etl build` writes it)")
    for name in (*INPUT_DIRS, "data"):
        if (root / name).is_dir():
            shutil.copytree(root / name, target / name)
    for name in PROJECT_FILES:
        if (root / name).is_file():
            shutil.copy2(root / name, target / name)
    layout = Layout(database)
    current = layout.current_version()
    if not database.is_symlink() or current is None:
        return False
    shutil.copytree(current, target / "build" / "versions" / current.name)
    for link in (layout.current, layout.database, layout.build / ZIP_NAME, layout.build / "data-docs"):
        if link.is_symlink():
            os.symlink(os.readlink(link), target / link.relative_to(root))
    return True


def table(reports: list[dict]) -> str:
    keys = ("requests", "seconds", "throughput_rps", "p50_ms", "p95_ms", "p99_ms", "errors_by_status",
            "server_errors", "dropped", "slow_queries", "slow_statuses", "slow_max_ms", "slow_limit_ms",
            "memory_before_mb", "memory_after_mb", "memory_growth_mb")
    lines = [f"{'':20}" + "".join(f"{r['server']:>40}" for r in reports)]
    for key in keys:
        lines.append(f"{key:20}" + "".join(f"{json.dumps(r[key], default=str)[:40]:>40}" for r in reports))
    for report in reports:  # the long ones in full
        for key in ("slow_cut_ms", "dropped_by_error", "drops", "rebuild", "server_log_trouble", "problems",
                    "notes"):
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
@click.option("--rebuild", is_flag=True,
              help="Serve a copy of the project around --database and run `etl build` of it two seconds into the "
                   "load: the new version must be swapped in without a failed request (the load goes on until it is).")
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def main(database: Path, count: int, concurrency: int, slow_limit: int, plain: bool, rebuild: bool,
         as_json: bool) -> None:
    """Load the site on loopback (servers started and stopped here) and print throughput, latency, errors, memory.

    Exit status 1 when a check fails: a 5xx, a dropped connection, an over-long query not cut within 1.5× the
    time limit, memory growth over 50 MB, or a rebuild that was not swapped in.

    \b
    Example:
        python bench/load.py --requests 20000 --concurrency 32 --rebuild
    """
    say = (lambda text: None) if as_json else (lambda text: click.echo(text, err=True))
    with tempfile.TemporaryDirectory(prefix="load-") as scratch:
        project = Path(scratch) / "project"
        project.mkdir()
        served = project / database.name
        if rebuild:
            if not copy_project(database.absolute(), project):
                say("the database is not a published version: a first `etl build` of the copy")
                first = etl_build(project)
                if first.returncode != 0:
                    raise click.ClickException(f"the first build of the copy failed: {first.stderr[-2000:]}")
        else:
            shutil.copy2(database, served)
        reports = [measure("ours", etl_serve(served), served, Path(scratch) / "ours.log", count, concurrency,
                           slow_limit, project if rebuild else None, say)]
        if plain:
            copy = Path(scratch) / "plain" / database.name
            copy.parent.mkdir()
            shutil.copy2(database, copy)
            reports.append(measure("plain", plain_command(copy), copy, Path(scratch) / "plain.log", count,
                                   concurrency, slow_limit, None, say))
        click.echo(json.dumps(reports, indent=2, default=str) if as_json else table(reports))
    if reports[0]["problems"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
