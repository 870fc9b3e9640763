"""bench/bulk_build.py's tables: the time per claim is a multiple of the row nearest 10k claims; the full package
check has a column when it was timed."""
from __future__ import annotations

import importlib.util

import pytest

from etl import paths


@pytest.fixture(scope="module")
def bulk_build():
    spec = importlib.util.spec_from_file_location("bulk_build", paths.ROOT / "bench" / "bulk_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(claims: int, read: float, normalise: float, reconcile: float, write: float, cpu: float) -> dict:
    return {"claims": claims, "stages": {"read": read, "normalise": normalise, "reconcile": reconcile, "write": write},
            "build_cpu_seconds": cpu}


def test_each_stage_per_claim_is_a_multiple_of_the_row_nearest_10k(bulk_build):
    reports = [report(1_000, 0.02, 0.2, 0.01, 0.03, 0.2), report(10_000, 0.1, 0.4, 0.05, 0.05, 0.6),
               report(1_000_000, 13.0, 20.0, 8.0, 5.0, 48.0)]
    lines = bulk_build.per_claim_table(reports).splitlines()
    assert lines[0].startswith("time per claim against 10,000 claims")
    assert lines[2] == "| claims | read | normalise | reconcile | write | build | build CPU |"
    assert lines[4] == "| 1,000 | 2.00 | 5.00 | 2.00 | 6.00 | 4.33 | 3.33 |"
    assert lines[5] == "| 10,000 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 |"
    assert lines[6] == "| 1,000,000 | 1.30 | 0.50 | 1.60 | 1.00 | 0.77 | 0.80 |"


def test_the_base_is_the_size_nearest_10k_by_ratio(bulk_build):
    reports = [report(2_000, 0.1, 0.1, 0.1, 0.1, 0.4), report(40_000, 0.4, 0.4, 0.4, 0.4, 1.6)]  # 5x and 4x away
    assert bulk_build.per_claim_table(reports).startswith("time per claim against 40,000 claims")


def test_one_row_has_no_table_and_a_stage_of_no_time_no_ratio(bulk_build):
    assert bulk_build.per_claim_table([report(10_000, 0.1, 0.4, 0.05, 0.05, 0.6)]) == ""
    lines = bulk_build.per_claim_table([report(1_000, 0.0, 0.1, 0.1, 0.1, 0.3),
                                        report(10_000, 0.0, 1.0, 1.0, 1.0, 3.0)]).splitlines()
    assert lines[4] == "| 1,000 | – | 1.00 | 1.00 | 1.00 | 1.00 | 1.00 |"


def whole(claims: int, **extra) -> dict:
    stages = {"read": 1.0, "normalise": 1.0, "reconcile": 1.0, "write": 1.0, "validate": 2.0, "package": 3.0,
              "data_docs": 0.5}
    return {"claims": claims, "stages": stages, "build_cpu_seconds": 4.0, "floor": 1.0, "sqlite_utils": None,
            "peak_rss_mib": 100.0, "db_mib": 1.0, "package_mib": 0.5, **extra}


def test_the_full_package_check_has_a_column_only_when_it_was_timed(bulk_build):
    header, rule, row = bulk_build.table([whole(1_000)]).splitlines()
    assert "full-check" not in header and header.count("|") == rule.count("|") == row.count("|")
    header, rule, timed, untimed = bulk_build.table([whole(1_000, full_package_check=91.25), whole(10)]).splitlines()
    assert header.endswith("| `etl package --full-check` s |")
    assert header.count("|") == rule.count("|") == timed.count("|") == untimed.count("|")
    assert timed.endswith("| 0.5 | 91.25 |") and untimed.endswith("| 0.5 | – |")


def test_the_full_package_check_needs_the_whole_build(bulk_build):
    from click.testing import CliRunner

    result = CliRunner().invoke(bulk_build.main, ["--claims", "1000", "--build-only", "--full-package-check"])
    assert result.exit_code == 2
    assert result.output.endswith("Error: --full-package-check times the package of the whole build — leave out "
                                  "--build-only\n")
