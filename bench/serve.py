"""Benchmark: serve one database with our configuration and with plain `datasette -i`, same client, same run."""
from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import click
import httpx

HOST = "127.0.0.1"  # loopback only


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start(command: list[str], port: int, env: dict, log) -> subprocess.Popen:
    """A server whose output goes to a file (a pipe nobody reads would stall it once full)."""
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 300  # `etl serve` first hashes and counts the database (datasette inspect)
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://{HOST}:{port}/-/versions.json", timeout=2)
            return server
        except httpx.HTTPError:
            if server.poll() is not None:
                log.seek(0)
                raise click.ClickException(f"{command[0]} exited: {log.read().decode()[-2000:]}")
            time.sleep(0.5)
    stop(server)
    raise click.ClickException("server did not answer within 300 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min) on {os.cpu_count()} cores"


def samples(database: Path) -> dict[str, str]:
    """Real values to ask for: a claim id, a company with claims, a word that occurs in quotes."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        claim = connection.execute("SELECT claim_id FROM claims ORDER BY rowid LIMIT 1 OFFSET "
                                   "(SELECT count(*) / 2 FROM claims)").fetchone()[0]
        company = connection.execute("SELECT company_id FROM funding_rounds ORDER BY rowid LIMIT 1").fetchone()[0]
        timeline = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'claims'").fetchone()
    finally:
        connection.close()
    return {"claim": claim, "company": company, "word": "credits", "has_claims": bool(timeline)}


def endpoints(db: str, found: dict[str, str], ours: bool) -> dict[str, str]:
    """The same question to both servers; a canned query is asked as ?sql= of plain Datasette."""
    from etl.site.queries import QUERIES

    timeline = next(query for query in QUERIES if query.name == "company_timeline")
    canned = (f"/{db}/company_timeline.json?company={found['company']}" if ours else
              f"/{db}.json?sql={quote(timeline.sql)}&company={found['company']}")
    return {
        "table page JSON": f"/{db}/claims.json?_size=50",
        "table page HTML": f"/{db}/claims?_size=50",
        "filtered page + facet": f"/{db}/claims.json?predicate_id=round_amount&_facet=currency&_size=50",
        "canned query (company_timeline)": canned,
        "FTS search": f"/{db}/claims.json?_search={found['word']}&_size=50",
        "row page": f"/{db}/claims/{found['claim']}.json",
        # Plain Datasette has no company page: the nearest a reader gets there is the entity's row page.
        "company page": f"/entity/{found['company']}" if ours else f"/{db}/entities/{found['company']}",
    }


ENDPOINTS = tuple(endpoints("", {"claim": "", "company": "", "word": ""}, True))  # their names, for --endpoint


async def hammer(base: str, path: str, concurrency: int, requests: int, seconds: float) -> dict:
    """requests GETs (or as many as fit in seconds) with concurrency workers: latencies, wall time, errors."""
    latencies: list[float] = []
    errors = {"5xx": 0, "other": 0}  # other: a 4xx (the guard answers a Datasette 5xx as a JSON 400) or no answer
    budget = {"left": requests}
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        async def worker() -> None:
            while budget["left"] > 0 and time.perf_counter() < stop_at:
                budget["left"] -= 1
                started = time.perf_counter()
                try:
                    response = await client.get(path)
                    if response.status_code >= 500:
                        errors["5xx"] += 1
                    elif response.status_code >= 400:
                        errors["other"] += 1
                except httpx.HTTPError:
                    errors["other"] += 1
                latencies.append(time.perf_counter() - started)
        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - began
    return {"latencies": latencies, "wall": wall, **errors}


def server_cpu(pid: int) -> float:
    """CPU seconds (user and system) of a server process and every process under it, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        process = todo.pop()
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        todo.extend(children.get(process, []))
    return total / os.sysconf("SC_CLK_TCK")


def summary(runs: list[dict]) -> dict:
    """Rounds of one server together: requests over their wall time, p50 and p99 of every latency, errors, and
    the server's CPU per request (a server held to one core by the GIL serves at the rate of its CPU)."""
    latencies = sorted(latency for run in runs for latency in run["latencies"])
    wall = sum(run["wall"] for run in runs)
    return {"n": len(latencies), "rate": len(latencies) / wall, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000,
            "5xx": sum(run["5xx"] for run in runs), "other": sum(run["other"] for run in runs),
            "cpu_ms": 1000 * sum(run["cpu"] for run in runs) / max(1, len(latencies))}


def interleaved(ours: tuple[str, str, int], plain: tuple[str, str, int], concurrency: int, requests: int,
                seconds: float, rounds: int) -> tuple[dict, dict]:
    """Both servers in alternating rounds (ours, plain, plain, ours, …), each with its share of the requests and
    the time: on a shared machine a change of load falls on both alike, so the ratio holds from run to run."""
    runs: dict[str, list[dict]] = {"ours": [], "plain": []}
    for turn in range(rounds):
        order = ("ours", "plain") if turn % 2 == 0 else ("plain", "ours")
        for name in order:
            base, path, pid = ours if name == "ours" else plain
            share = max(1, requests // rounds + (turn < requests % rounds))
            before = server_cpu(pid)
            run = asyncio.run(hammer(base, path, concurrency, share, seconds / rounds))
            runs[name].append({**run, "cpu": server_cpu(pid) - before})
    return summary(runs["ours"]), summary(runs["plain"])


HEADER = ("| endpoint | c | ours req/s | ours p50 / p99 ms | plain req/s | plain p50 / p99 ms | ours / plain | "
          "server CPU ms / request, ours / plain | 5xx ours / plain | 4xx or failed ours / plain |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def row(name: str, concurrency: int, ours: dict, plain: dict) -> str:
    """One line of the table docs/performance.md shows."""
    return (f"| {name} | {concurrency} | {ours['rate']:.1f} | {ours['p50']:,.0f} / {ours['p99']:,.0f} | "
            f"{plain['rate']:.1f} | {plain['p50']:,.0f} / {plain['p99']:,.0f} | {ours['rate'] / plain['rate']:.2f} | "
            f"{ours['cpu_ms']:.1f} / {plain['cpu_ms']:.1f} | {ours['5xx']} / {plain['5xx']} | "
            f"{ours['other']} / {plain['other']} |")


def first_answer(base: str, path: str) -> str | None:
    """Ask once before timing (both servers alike): the status when it is not 200, else None."""
    try:
        status = httpx.get(base + path, timeout=120).status_code
    except httpx.HTTPError as error:
        return f"no answer ({error.__class__.__name__})"
    return None if status == 200 else str(status)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A built project (ETL_ROOT) whose china_ai_investments.db is served.")
@click.option("--requests", default=200, show_default=True, help="At most this many requests per endpoint and setting.")
@click.option("--seconds", default=20.0, show_default=True, help="At most this long per endpoint and setting.")
@click.option("--rounds", default=4, show_default=True, type=click.IntRange(1),
              help="Alternate ours and plain this many times per endpoint and setting (ours, plain, plain, ours, …).")
@click.option("--concurrency", "concurrencies", multiple=True, type=int, default=(1, 16), show_default=True,
              help="Concurrent clients (repeat the option).")
@click.option("--endpoint", "chosen", multiple=True, type=click.Choice(ENDPOINTS),
              help="Time only this endpoint (repeat the option); every endpoint by default.")
def main(project: Path, requests: int, seconds: float, rounds: int, concurrencies: tuple[int, ...],
         chosen: tuple[str, ...]) -> None:
    """Requests/s, p50 and p99 of each endpoint, ours (`etl serve`) against plain `datasette -i` on the same
    file, at concurrency 1 and 16, bounded in count and time, on 127.0.0.1 only, the two servers timed in
    alternating rounds, with each server's CPU per request. Prints one Markdown table
    (the one docs/performance.md shows) and the load average before and after; stops both servers itself.

    \b
    Example:
        .venv/bin/python bench/serve.py --project /tmp/synth-1m --requests 200 --seconds 20
        .venv/bin/python bench/serve.py --project /tmp/synth-1m --endpoint "company page"
    """
    project = project.resolve()
    database = project / "china_ai_investments.db"
    env = {**os.environ, "ETL_ROOT": str(project)}
    subprocess.run([sys.executable, "-m", "etl", "metadata"], env=env, check=True, capture_output=True)
    found = samples(database)
    ours_port, plain_port = free_port(), free_port()
    ours_base, plain_base = f"http://{HOST}:{ours_port}", f"http://{HOST}:{plain_port}"
    servers = []
    with tempfile.TemporaryFile() as ours_log, tempfile.TemporaryFile() as plain_log:
        try:
            servers.append(start([sys.executable, "-m", "etl", "serve", "--database", str(database), "--port",
                                  str(ours_port)], ours_port, env, ours_log))
            servers.append(start([str(Path(sys.executable).with_name("datasette")), "serve", "-i", str(database),
                                  "--host", HOST, "--port", str(plain_port)], plain_port, env, plain_log))
            ours, plain = endpoints(database.stem, found, True), endpoints(database.stem, found, False)
            click.echo(f"load average before: {load_average()}")
            click.echo(HEADER)
            notes = []
            for name in chosen or ours:
                for base, path in ((ours_base, ours[name]), (plain_base, plain[name])):
                    status = first_answer(base, path)
                    if status:
                        notes.append(f"{name}: {base}{path} answered {status} before timing")
                for concurrency in concurrencies:
                    a, b = interleaved((ours_base, ours[name], servers[0].pid),
                                       (plain_base, plain[name], servers[1].pid), concurrency, requests, seconds,
                                       rounds)
                    click.echo(row(name, concurrency, a, b))
            click.echo(f"load average after: {load_average()}")
            for note in notes:
                click.echo(note)
        finally:
            for server in servers:
                stop(server)


if __name__ == "__main__":
    main()
