"""Shared fixtures: a built copy of the real dataset, and a private copy of the inputs to break."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from etl import paths
from etl.publish.pipeline import build

INPUT_DIRS = ("sources", "reference", "claims", "expectations")
# Plugin modules that test files also import: pytest rewrites their asserts only if told before the import.
pytest.register_assert_rewrite("tests.live_site", "tests.site_support", "tests.package_support")


@pytest.fixture(scope="session")
def built_database(tmp_path_factory) -> Path:
    """The real dataset built once per session, without the validation gate (tests corrupt copies)."""
    target = tmp_path_factory.mktemp("built") / "china_ai_investments.db"
    build(target)
    return target


@pytest.fixture(scope="session")
def published_project(tmp_path_factory) -> Path:
    """A copy of the inputs published by `etl build` with every step: database, package, validation report."""
    root = tmp_path_factory.mktemp("published")
    for name in INPUT_DIRS:
        shutil.copytree(paths.ROOT / name, root / name)
    result = run_etl(root, "build")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def project(tmp_path) -> Path:
    """A private copy of every input, for tests that break one thing."""
    for name in INPUT_DIRS:
        shutil.copytree(paths.ROOT / name, tmp_path / name)
    return tmp_path


def run_etl(project: Path, *args: str) -> subprocess.CompletedProcess:
    """The real `etl` command on a project copy: exit status, stdout and stderr as a user sees them."""
    env = {**os.environ, "ETL_ROOT": str(project), "GX_ANALYTICS_ENABLED": "False"}
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=project, env=env, capture_output=True,
                          text=True, timeout=300)


def count(database: Path, table: str) -> int:
    """Rows of a table in a built database."""
    connection = sqlite3.connect(database)
    try:
        return connection.execute(f"select count(*) from [{table}]").fetchone()[0]
    finally:
        connection.close()


def validation_results(database: Path) -> list[tuple]:
    """The rows of validation_results without the run id: what a user finds there, by rule."""
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT rule, suite, table_name, column_name, expectation_type, success, "
                                  "unexpected_count, unexpected_sample FROM validation_results ORDER BY rule").fetchall()
    finally:
        connection.close()
