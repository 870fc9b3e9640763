"""The package is written while the rules run: both only read the new database, and the run is recorded after."""
from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import etl.validation as validation
from etl import paths, timings
from etl.errors import PackageError
from etl.validation import Run, ValidationFailed, ValidationProcessError, validated_beside
from etl.validation.runner import RuleResult
from tests.conftest import count, run_etl

DB = paths.DATABASE.name
WAIT = 10  # seconds a side waits for the other before the test calls them serial


def rule(success: bool, name: str = "claims.quote_is_verbatim") -> RuleResult:
    return RuleResult(rule=name, suite="claims", table="claims", column="quote",
                      expectation_type="expect_column_values_to_not_be_null", success=success,
                      unexpected_count=0 if success else 1)


def run_of(*results: RuleResult) -> Run:
    return Run(run_id="2026-12-03T10:00:00.000000Z", run_at="2026-12-03T10:00:00Z", gx_version="1.0",
               seconds=0.5, results=results)


def recorded_runs(database: Path) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT count(*) FROM validation_runs").fetchone()[0]
    finally:
        connection.close()


@pytest.fixture
def database(built_database, tmp_path, monkeypatch) -> Path:
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    copy = tmp_path / "version" / built_database.name
    copy.parent.mkdir()
    shutil.copyfile(built_database, copy)
    return copy


def rules_that(monkeypatch, outcome) -> None:
    """The rules' thread runs outcome() instead of Great Expectations (its own tests are test_validation*.py)."""
    monkeypatch.setattr(validation, "_validate_timed", lambda database, docs: outcome())


def test_the_package_is_written_while_the_rules_run(database, monkeypatch):
    ruling, packaging = threading.Event(), threading.Event()

    def rules() -> Run:
        ruling.set()
        assert packaging.wait(WAIT), "the rules ran after the package, not beside it"
        return run_of(rule(True))

    def package(database: Path, say) -> None:
        packaging.set()
        assert ruling.wait(WAIT), "the package was written after the rules, not beside them"

    rules_that(monkeypatch, rules)
    validated_beside(package)(database, lambda message: None)
    assert recorded_runs(database) == 1


def test_the_run_is_recorded_once_the_package_has_read_the_database(database, monkeypatch):
    rules_done = threading.Event()

    def rules() -> Run:
        rules_done.set()
        return run_of(rule(True))

    def package(database: Path, say) -> None:
        assert rules_done.wait(WAIT)
        time.sleep(0.2)  # the rules' thread has returned: a write by it would be in the file now
        assert recorded_runs(database) == 0

    rules_that(monkeypatch, rules)
    validated_beside(package)(database, lambda message: None)
    assert recorded_runs(database) == 1


def test_the_validation_speaks_first_and_the_package_after_it_in_its_order(database, monkeypatch):
    said: list[str] = []
    published: list[str] = []

    def package(database: Path, say):
        say("staged data package")
        say("second message")
        return lambda: published.append("package published")

    rules_that(monkeypatch, lambda: run_of(rule(True)))
    then = validated_beside(package)(database, said.append)
    assert said == ["validated: 1 rules held in 0.5 s", "staged data package", "second message"]
    then()
    assert said[-1].startswith("Data Docs: ") and published == ["package published"]


def test_a_failing_rule_is_reported_before_what_the_package_raised(database, monkeypatch):
    def package(database: Path, say) -> None:
        raise PackageError("data/claims.csv: not valid")

    rules_that(monkeypatch, lambda: run_of(rule(True), rule(False, "claims.quote_is_not_null")))
    with pytest.raises(ValidationFailed, match="1 of 2 rules failed"):
        validated_beside(package)(database, lambda message: None)


def test_a_package_error_fails_the_step_once_the_rules_are_done(database, monkeypatch):
    rules_done = threading.Event()

    def rules() -> Run:
        time.sleep(0.3)
        rules_done.set()
        return run_of(rule(True))

    def package(database: Path, say) -> None:
        raise PackageError("data/claims.csv: not valid")

    rules_that(monkeypatch, rules)
    with pytest.raises(PackageError, match="data/claims.csv: not valid"):
        validated_beside(package)(database, lambda message: None)
    assert rules_done.is_set(), "the step returned while the rules still ran"
    assert not [thread for thread in threading.enumerate() if thread.name == "validation"]


def test_rules_that_cannot_run_fail_the_step_whatever_the_package_did(database, monkeypatch):
    said: list[str] = []

    def rules() -> Run:
        raise ValidationProcessError("the process running the validation rules ended without an answer")

    rules_that(monkeypatch, rules)
    with pytest.raises(ValidationProcessError, match="ended without an answer"):
        validated_beside(lambda database, say: say("staged data package"))(database, said.append)
    assert said == [] and recorded_runs(database) == 0


def test_stages_of_two_threads_at_once_are_each_counted_whole():
    timings.reset()
    both = threading.Barrier(2, timeout=WAIT)

    def other() -> None:
        with timings.stage("validate"):
            both.wait()
            time.sleep(0.2)

    thread = threading.Thread(target=other)
    with timings.stage("package"):
        thread.start()
        both.wait()
        time.sleep(0.2)
        thread.join()
    spent = timings.seconds()
    assert spent["package"] >= 0.2 and spent["validate"] >= 0.2, spent
    timings.reset()


def test_etl_build_timings_give_every_stage_and_the_wall_time(project, tmp_path):
    result = run_etl(project, "build", "--no-cache", "--timings", str(tmp_path / "timings.json"))
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "timings.json").read_text())
    stages = report["stages"]
    assert list(stages)[:len(timings.STAGES)] == list(timings.STAGES)
    assert all(stages[name] > 0 for name in ("read", "normalise", "write", "validate", "package")), stages
    rows = sum(stages[name] for name in ("read", "normalise", "reconcile", "write"))
    assert report["wall"] >= rows + max(stages["validate"], stages["package"]), report
    assert report["total"] == pytest.approx(sum(stages.values()), abs=0.01)
    assert report["peak_rss_mib"] > 0 and report["rows"]["claims"] == count(project / DB, "claims")
