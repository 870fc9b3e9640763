"""Benchmark: build synthetic projects of N claims and compare the write with what a user could do instead."""
from __future__ import annotations

import csv
import json
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


def measure(claims: int, folder: Path, seed: int) -> dict:
    root = folder / f"project-{claims}"
    etl(folder, "synth", "--claims", str(claims), "--out", str(root), "--seed", str(seed))
    timings_file = folder / f"timings-{claims}.json"
    etl(root, "build", "--timings", str(timings_file))
    report = json.loads(timings_file.read_text())
    database = root / "china_ai_investments.db"
    rows = final_rows(database)
    report["floor"] = executemany_floor(rows, folder)
    report["sqlite_utils"] = sqlite_utils_route(rows, folder)
    report["db_mib"] = database.stat().st_size / 2**20
    package = [*(root / "data").glob("*.csv"), root / "datapackage.json", *(root / "build").glob("*.zip")]
    report["package_mib"] = sum(path.stat().st_size for path in package) / 2**20
    report["claims"] = report["rows"]["claims"]
    return report


def table(reports: list[dict]) -> str:
    lines = ["| claims | " + " | ".join(f"{s} s (claims/s)" for s in STAGES) + " | build w/o validation s | "
             "executemany floor s (build ×) | sqlite-utils s (build ×) | peak RSS MiB | DB MiB | package MiB |",
             "|---" * (len(STAGES) + 8) + "|"]
    for r in reports:
        n, stages = r["claims"], r["stages"]
        build = sum(stages[s] for s in BUILD_STAGES)
        cells = [f"{stages[s]:.2f} ({n / stages[s]:,.0f})" if stages[s] else "0" for s in STAGES]
        lines.append(f"| {n:,} | " + " | ".join(cells) + f" | {build:.2f} | {r['floor']:.2f} ({build / r['floor']:.1f}×) "
                     f"| {r['sqlite_utils']:.2f} ({build / r['sqlite_utils']:.2f}×) | {r['peak_rss_mib']:.0f} "
                     f"| {r['db_mib']:.1f} | {r['package_mib']:.1f} |")
    return "\n".join(lines)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--claims", "sizes", multiple=True, type=int, default=(1_000, 10_000, 100_000), show_default=True,
              help="Project sizes to build (repeat the option); 1000000 takes minutes and a few GB.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic projects.")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write every figure as JSON here.")
def main(sizes: tuple[int, ...], seed: int, json_file: Path | None) -> None:
    """Build synthetic projects (`etl synth`) of each size with `etl build --timings` and print one table.

    Each row also writes the same final rows the plain ways, in the same run: sqlite3.executemany in one
    transaction (the floor) and `sqlite-utils insert --csv`, with the ratio of our build to each.

    \b
    Example:
        .venv/bin/python bench/bulk_build.py --claims 1000 --claims 10000 --claims 100000
    """
    reports = []
    with tempfile.TemporaryDirectory(prefix="bench-") as name:
        for claims in sizes:
            click.echo(f"building {claims:,} claims …", err=True)
            reports.append(measure(claims, Path(name), seed))
            for path in Path(name).glob("*.csv"):
                path.unlink()
    load = os.getloadavg()
    click.echo(table(reports))
    click.echo(f"\nload average during the run (1, 5, 15 min): {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
               f"on {os.cpu_count()} cores")
    if json_file:
        json_file.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
