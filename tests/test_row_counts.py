"""`etl expectations --raise-row-counts`: the baseline follows a grown database and never drops."""
from __future__ import annotations

import json

import yaml

from tests.conftest import count, run_etl


def minimum_rows(project) -> dict[str, int]:
    return yaml.safe_load((project / "expectations" / "row_counts.yml").read_text(encoding="utf-8"))["minimum_rows"]


def suite_minimum(project, table: str) -> int:
    suite = json.loads((project / "expectations" / f"{table}.json").read_text(encoding="utf-8"))
    rule = next(item for item in suite["expectations"] if item["meta"]["rule"].endswith("row_count_not_below_baseline"))
    return rule["kwargs"]["min_value"]


def test_raise_row_counts_takes_the_database_counts_and_regenerates_the_suites(project, built_database):
    path = project / "expectations" / "row_counts.yml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        f"  claims: {minimum_rows(project)['claims']}\n", "  claims: 3\n"), encoding="utf-8")
    claims = count(built_database, "claims")
    result = run_etl(project, "expectations", "--raise-row-counts", "--database", str(built_database))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"claims: minimum rows 3 → {claims}"
    assert minimum_rows(project)["claims"] == claims == suite_minimum(project, "claims")


def test_raise_row_counts_never_lowers_a_baseline(project, built_database):
    path = project / "expectations" / "row_counts.yml"
    high = count(built_database, "sources") + 10
    path.write_text(path.read_text(encoding="utf-8").replace(
        f"  sources: {minimum_rows(project)['sources']}\n", f"  sources: {high}\n"), encoding="utf-8")
    result = run_etl(project, "expectations", "--raise-row-counts", "--database", str(built_database))
    assert result.returncode == 0, result.stderr
    assert "sources:" not in result.stdout
    assert minimum_rows(project)["sources"] == high


def test_raise_row_counts_without_a_database_says_to_build(project):
    result = run_etl(project, "expectations", "--raise-row-counts", "--database", str(project / "none.db"))
    assert (result.returncode, result.stderr) == (1, "none.db does not exist — run: etl build\n")
