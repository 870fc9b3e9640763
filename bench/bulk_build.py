"""Benchmark: build synthetic projects of N claims and compare the write with what a user could do instead."""
from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

STAGES = ("read", "normalise", "reconcile", "write", "validate", "package", "data_docs")
BUILD_STAGES = ("read", "normalise", "reconcile", "write")
# The linear target: time per claim at 1M within 1.3x of that at 10k, every stage.
LINEAR_BASE = 10_000
LINEAR_LIMIT = 1.3
# The build without the validation and package steps, in a fresh process: stage seconds and peak memory.
BUILD = """
import json, os, sys
from pathlib import Path
from etl import timings
from etl.publish.pipeline import build
cpu = sum(os.times()[:2])
build(Path(sys.argv[1]))
print(json.dumps({"stages": timings.seconds(), "peak_rss_mib": timings.peak_rss_mib(),
                  "build_cpu_seconds": sum(os.times()[:2]) - cpu}))
"""


def etl(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False"}
    result = subprocess.run([sys.executable, "-m", "etl", *args], cwd=root, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise click.ClickException(f"etl {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result


def final_rows(database: Path) -> dict[str, tuple[str, list[tuple]]]:
    """Every data table's CREATE TABLE statement and rows, as the build left them."""
    connection = sqlite3.connect(database)
    try:
        tables = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                    "'%_fts%' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'validation_%'").fetchall()
        return {name: (sql, connection.execute(f"SELECT * FROM [{name}]").fetchall()) for name, sql in tables}
    finally:
        connection.close()


def executemany_floor(rows: dict, folder: Path) -> float:
    """The same CREATE TABLEs and rows with sqlite3.executemany in one transaction: the floor for writing."""
    target = folder / "floor.db"
    target.unlink(missing_ok=True)
    started = time.perf_counter()
    connection = sqlite3.connect(target)
    with connection:
        for name, (sql, records) in rows.items():
            connection.execute(sql)
            if records:
                marks = ", ".join("?" * len(records[0]))
                connection.executemany(f"INSERT INTO [{name}] VALUES ({marks})", records)
    connection.close()
    return time.perf_counter() - started


def sqlite_utils_route(rows: dict, folder: Path) -> float:
    """`sqlite-utils insert --csv` of the same rows, one table at a time (CSV writing not timed)."""
    target = folder / "sqlite-utils.db"
    target.unlink(missing_ok=True)
    files = {}
    for name, (sql, records) in rows.items():
        columns = [column[1] for column in _columns(name, sql)]
        path = folder / f"{name}.csv"
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            writer.writerows(records)
        files[name] = path
    command = Path(sys.executable).with_name("sqlite-utils")
    started = time.perf_counter()
    for name, path in files.items():
        subprocess.run([str(command), "insert", str(target), name, str(path), "--csv"], check=True,
                       capture_output=True)
    return time.perf_counter() - started


def _columns(name: str, sql: str) -> list[tuple]:
    connection = sqlite3.connect(":memory:")
    connection.execute(sql)
    return connection.execute(f"PRAGMA table_info([{name}])").fetchall()


def build_without_checks(root: Path, database: Path) -> dict:
    env = {**os.environ, "ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False"}
    result = subprocess.run([sys.executable, "-c", BUILD, str(database)], cwd=root, env=env, capture_output=True,
                            text=True)
    if result.returncode != 0:
        raise click.ClickException(f"build failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


def measure(claims: int, folder: Path, seed: int, full: bool, sqlite_utils_up_to: int,
            full_package_check: bool = False) -> dict:
    """Synthesize; build without checks (build stages, peak memory, the database the floors take their rows
    from); with full, also the whole `etl build --timings` for the validation, package and Data Docs stages, and
    with full_package_check then `etl package --full-check` (every row checked by frictionless), timed whole."""
    root = folder / f"project-{claims}"
    started = time.perf_counter()
    if not (root / "sources" / "sources.yml").exists():  # a kept project is built again, not written again
        etl(folder, "synth", "--claims", str(claims), "--out", str(root), "--seed", str(seed))
    synth_seconds = time.perf_counter() - started
    database = root / "china_ai_investments.db"
    report = build_without_checks(root, database)
    report["synth_seconds"] = synth_seconds
    if full:
        timings_file = folder / f"timings-{claims}.json"
        etl(root, "build", "--timings", str(timings_file))
        whole = json.loads(timings_file.read_text())
        report["stages"].update({stage: whole["stages"][stage] for stage in STAGES if stage not in BUILD_STAGES})
        report["full_build_peak_rss_mib"] = whole["peak_rss_mib"]
        report["full_build_stages"] = whole["stages"]
        if full_package_check:
            check_started = time.perf_counter()
            etl(root, "package", "--full-check")
            report["full_package_check"] = time.perf_counter() - check_started
    rows = final_rows(database)
    report["floor"] = executemany_floor(rows, folder)
    report["sqlite_utils"] = sqlite_utils_route(rows, folder) if claims <= sqlite_utils_up_to else None
    del rows
    report["db_mib"] = database.stat().st_size / 2**20
    package = [*(root / "data").glob("*.csv"), root / "datapackage.json", *(root / "build").glob("*.zip")]
    report["package_mib"] = sum(path.stat().st_size for path in package if path.exists()) / 2**20 if full else None
    with sqlite3.connect(database) as connection:
        report["claims"] = connection.execute("SELECT count(*) FROM claims").fetchone()[0]
    return report


def table(reports: list[dict]) -> str:
    checked = any("full_package_check" in r for r in reports)
    lines = ["| claims | " + " | ".join(f"{s} s (claims/s)" for s in STAGES) + " | build w/o validation s | "
             "build CPU s | executemany floor s (build ×) | sqlite-utils s (build ×) | peak RSS MiB (build / full) | DB MiB | "
             "package MiB |" + (" `etl package --full-check` s |" if checked else ""),
             "|---" * (len(STAGES) + 8 + checked) + "|"]
    for r in reports:
        n, stages = r["claims"], r["stages"]
        build = sum(stages[s] for s in BUILD_STAGES)
        cells = [f"{stages[s]:.2f} ({n / stages[s]:,.0f})" if stages.get(s) else "–" for s in STAGES]
        lines.append(f"| {n:,} | " + " | ".join(cells) + f" | {build:.2f} | {r['build_cpu_seconds']:.2f} "
                     f"| {r['floor']:.2f} ({build / r['floor']:.1f}×) "
                     f"| {_route(r['sqlite_utils'], build)} | {r['peak_rss_mib']:.0f}"
                     f"{' / ' + format(r['full_build_peak_rss_mib'], '.0f') if 'full_build_peak_rss_mib' in r else ''} "
                     f"| {r['db_mib']:.1f} | {'–' if r['package_mib'] is None else format(r['package_mib'], '.1f')} |"
                     + (f" {_seconds(r.get('full_package_check'))} |" if checked else ""))
    return "\n".join(lines)


def per_claim_table(reports: list[dict]) -> str:
    """Each build stage's wall time per claim, and the build's CPU time per claim, as a multiple of the row
    nearest 10k claims; empty with fewer than two rows."""
    if len(reports) < 2:
        return ""
    base = min(reports, key=lambda r: abs(math.log(r["claims"] / LINEAR_BASE)))
    columns = (*BUILD_STAGES, "build", "build CPU")
    lines = [f"time per claim against {base['claims']:,} claims (= 1.00; the linear target: at most {LINEAR_LIMIT} "
             "at 1M, every stage)", "",
             "| claims | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    base_per_claim = _per_claim(base)
    for r in reports:
        per_claim = _per_claim(r)
        lines.append(f"| {r['claims']:,} | " + " | ".join(_ratio(per_claim[c], base_per_claim[c]) for c in columns)
                     + " |")
    return "\n".join(lines)


def _per_claim(report: dict) -> dict[str, float]:
    seconds = {stage: report["stages"][stage] for stage in BUILD_STAGES}
    seconds["build"] = sum(seconds.values())
    seconds["build CPU"] = report["build_cpu_seconds"]
    return {name: value / report["claims"] for name, value in seconds.items()}


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "–"


def _seconds(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f}"


def _route(seconds: float | None, build: float) -> str:
    return "not run" if seconds is None else f"{seconds:.2f} ({build / seconds:.2f}×)"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--claims", "sizes", multiple=True, type=int, default=(1_000, 10_000, 100_000), show_default=True,
              help="Project sizes to build (repeat the option); 1000000 takes minutes and a few GB.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic projects.")
@click.option("--full/--build-only", default=True, show_default=True,
              help="Also run the whole `etl build` (validation, package, Data Docs) on each project.")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Build the projects in this folder and keep them (e.g. for bench/serve.py).")
@click.option("--sqlite-utils-up-to", default=100_000, show_default=True,
              help="Time the sqlite-utils route only up to this many claims (it needs about an hour at 1M here).")
@click.option("--full-package-check", is_flag=True,
              help="Also time `etl package --full-check` (frictionless reads every row) after each whole build.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every figure as JSON here.")
def main(sizes: tuple[int, ...], seed: int, full: bool, keep: Path | None, sqlite_utils_up_to: int,
         full_package_check: bool, json_file: Path | None) -> None:
    """Build synthetic projects (`etl synth`) of each size with `etl build --timings` and print one table.

    Each row also writes the same final rows the plain ways, in the same run: sqlite3.executemany in one
    transaction (the floor) and `sqlite-utils insert --csv`, with the ratio of our build to each.

    \b
    Example:
        .venv/bin/python bench/bulk_build.py --claims 1000 --claims 10000 --claims 100000
        .venv/bin/python bench/bulk_build.py --claims 1000000 --full-package-check
    """
    if full_package_check and not full:
        raise click.UsageError("--full-package-check times the package of the whole build — leave out --build-only")
    reports = []
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        folder = keep or Path(name)
        folder.mkdir(parents=True, exist_ok=True)
        for claims in sizes:
            click.echo(f"building {claims:,} claims …", err=True)
            reports.append(measure(claims, folder, seed, full, sqlite_utils_up_to, full_package_check))
            for path in folder.glob("*.csv"):
                path.unlink()
            (folder / "floor.db").unlink(missing_ok=True)
            (folder / "sqlite-utils.db").unlink(missing_ok=True)
            if json_file:
                json_file.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")
    load = os.getloadavg()
    click.echo(table(reports))
    if per_claim := per_claim_table(reports):
        click.echo("\n" + per_claim)
    click.echo(f"\nload average during the run (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
               f"on {os.cpu_count()} cores")
    if json_file:
        json_file.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
