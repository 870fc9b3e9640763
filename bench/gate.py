"""Benchmark: the build's gate on one database — seconds of each validation rule, of the package and its check."""
from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import click

from etl.validation.files import read_suites
from etl.validation.runner import Runner, load_suite, sqlalchemy_url


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rule_seconds(runner: Runner, database: Path, result_format: str) -> list[tuple[float, str, bool]]:
    """Each rule run alone on database (its own one-rule suite), slowest first."""
    source = runner.context.data_sources.add_sqlite("bench", connection_string=sqlalchemy_url(database))
    timed = []
    batches = {}
    for unit in runner.units:
        if unit.table not in batches:
            batches[unit.table] = source.add_table_asset(unit.table, table_name=unit.table) \
                .add_batch_definition_whole_table("whole_table")
        for number, item in enumerate(unit.expectations):
            suite = runner.context.suites.add(load_suite(runner.gx, f"{unit.name}#{number}", [item]))
            definition = runner.context.validation_definitions.add(runner.gx.ValidationDefinition(
                name=f"bench:{unit.name}#{number}", data=batches[unit.table], suite=suite))
            started = time.perf_counter()
            outcome = definition.run(result_format={"result_format": result_format, "partial_unexpected_count": 20})
            timed.append((time.perf_counter() - started, item["meta"]["rule"], bool(outcome.success)))
    return sorted(timed, reverse=True)


@click.command()
@click.option("--database", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--rules", "per_rule", is_flag=True, help="Also time every rule alone (slow: one run per rule).")
@click.option("--top", default=25, show_default=True, help="How many of the slowest rules to print.")
@click.option("--package/--no-package", default=True, show_default=True, help="Also write and check the package.")
@click.option("--result-format", default="COMPLETE", show_default=True)
@click.option("--full-check", is_flag=True, help="Check every row of the package with frictionless.")
@click.option("--validate/--no-validate", default=True, show_default=True, help="Run the validation rules.")
def main(database: Path, per_rule: bool, top: int, package: bool, result_format: str, full_check: bool,
         validate: bool) -> None:
    """Print the seconds of validation (all rules, as etl build runs them), of the package and of its check.

    Example:
        python bench/gate.py --database /tmp/synth/china_ai_investments.db --rules
    """
    figures: dict = {}
    if validate or per_rule:
        started = time.perf_counter()
        runner = Runner(read_suites())
        figures["gx_setup_seconds"] = round(time.perf_counter() - started, 2)
    if validate:
        started = time.perf_counter()
        results = runner.run(database, result_format=result_format)
        figures["validate_seconds"] = round(time.perf_counter() - started, 2)
        figures["rules"] = len(results)
        figures["failed"] = [result.rule for result in results if not result.success]
    if per_rule:
        timed = rule_seconds(runner, database, result_format)
        figures["rule_seconds_total"] = round(sum(seconds for seconds, _, _ in timed), 2)
        for seconds, rule, success in timed[:top]:
            print(f"{seconds:8.3f}  {rule}{'' if success else '  (failed)'}", file=sys.stderr)
    if package:
        from etl.publish.package.files import write_package
        from etl.publish.package.stage import check_package

        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            write_package(database, Path(folder), None, dt.datetime.now(dt.timezone.utc))
            figures["package_files_seconds"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            check_package(Path(folder) / "datapackage.json", full=full_check or None)
            figures["package_check_seconds"] = round(time.perf_counter() - started, 2)
    figures["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
