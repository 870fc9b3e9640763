"""The package in the build: `etl package`, the build step, atomic publishing, committed files up to date."""
import datetime as dt
import gc
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from frictionless import Package

from etl import paths
from etl.cli import build_steps
from etl.errors import PackageError
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.files import build_files, read_previous
from etl.publish.package.stage import package_step, stage
from etl.publish.pipeline import build
from etl.schema.dataset import ZIP_NAME
from etl.schema.tables import DATA_TABLES
from tests.conftest import run_etl

CSV_NAMES = sorted(f"{t.name}.csv" for t in DATA_TABLES)


def package_bytes(root: Path) -> dict[str, bytes]:
    files = {f"data/{p.name}": p.read_bytes() for p in sorted((root / "data").glob("*.csv"))}
    return {**files, DESCRIPTOR: (root / DESCRIPTOR).read_bytes(),
            ZIP_NAME: (root / "build" / ZIP_NAME).read_bytes()}


@pytest.fixture
def published(tmp_path, monkeypatch, built_database) -> Path:
    """A root with a published package, the paths of the package pointed at it."""
    monkeypatch.setattr(paths, "DATAPACKAGE", tmp_path / DESCRIPTOR)
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    stage(built_database, now=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))()
    return tmp_path


def test_the_committed_package_is_what_the_build_makes(built_database):
    made = build_files(built_database, read_previous(paths.DATAPACKAGE), dt.datetime.now(dt.timezone.utc))
    committed = {name: (paths.ROOT / name).read_bytes() if (paths.ROOT / name).exists() else None
                 for name in made if name != ZIP_NAME}
    stale = [name for name in committed if committed[name] != made[name]]
    assert stale == [], f"{stale} differ from the build: run `etl build` and commit datapackage.json and data/"
    assert sorted(p.name for p in paths.DATA_DIR.glob("*.csv")) == CSV_NAMES


def test_regeneration_is_byte_identical(built_database):
    first = build_files(built_database, None, dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
    again = build_files(built_database, json.loads(first[DESCRIPTOR]), dt.datetime(2026, 5, 6, tzinfo=dt.timezone.utc))
    assert again == first


def test_the_package_is_staged_after_validation_and_before_the_changelog():
    names = [getattr(step, "__name__", "") for step in build_steps()]
    package = names.index("package_step_after_diff")
    assert package > names.index("validation_step") > names.index("coverage_step")
    assert names.index("changelog") > package, "the changelog reads the version the package got"


def test_the_build_publishes_a_valid_package(project):
    result = run_etl(project, "build")
    assert result.returncode == 0, result.stderr
    assert "staged data package china-ai-investments 1.0.0: 9 CSV files, valid for frictionless" in result.stderr
    assert sorted(p.name for p in (project / "data").iterdir()) == CSV_NAMES
    assert (project / "build" / ZIP_NAME).is_file()
    assert list((project / "build").glob(".package-*")) == []
    assert Package(str(project / DESCRIPTOR)).validate().valid


def test_a_failing_later_step_leaves_the_previous_package(published, built_database, tmp_path):
    before = package_bytes(published)

    def fail(database, say):
        raise RuntimeError("a later step failed")

    target = tmp_path / "china_ai_investments.db"
    with pytest.raises(RuntimeError):
        build(target, steps=[package_step, fail])
    gc.collect()
    assert package_bytes(published) == before
    assert [p.name for p in (published / "build").iterdir()] == [ZIP_NAME]


def test_a_failing_check_leaves_the_previous_package_and_no_staging(published, built_database):
    before = package_bytes(published)

    def check(path):
        raise PackageError("invalid")

    with pytest.raises(PackageError):
        stage(built_database, check=check)
    assert package_bytes(published) == before
    assert [p.name for p in (published / "build").iterdir()] == [ZIP_NAME]


def test_new_data_publishes_a_minor_version(published, built_database, tmp_path):
    changed = tmp_path / "changed.db"
    shutil.copy(built_database, changed)
    with sqlite3.connect(changed) as connection:
        connection.execute("UPDATE claims SET note = 'Checked again.' WHERE rowid = 1")
    later = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)
    stage(changed, now=later)()
    descriptor = json.loads((published / DESCRIPTOR).read_text())
    assert (descriptor["version"], descriptor["created"]) == ("1.1.0", "2025-03-04T05:06:07Z")
    assert b"Checked again." in (published / "data" / "claims.csv").read_bytes()


def test_publishing_removes_csv_files_of_tables_that_are_gone(published, built_database):
    (published / "data" / "old_table.csv").write_text("a\n1\n")
    stage(built_database)()
    assert sorted(p.name for p in (published / "data").iterdir()) == CSV_NAMES


def test_etl_package_writes_the_package_from_the_published_database(project):
    assert run_etl(project, "build").returncode == 0
    (project / DESCRIPTOR).unlink()
    shutil.rmtree(project / "data")
    result = run_etl(project, "package")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == ("Published datapackage.json 1.0.0 with 9 CSV files in data/ and "
                             "build/china-ai-investments.zip\n")
    assert Package(str(project / DESCRIPTOR)).validate().valid


def test_etl_package_without_a_database(project):
    result = run_etl(project, "package")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "china_ai_investments.db does not exist — run: etl build\n"


def test_etl_package_with_a_broken_descriptor_keeps_it(project):
    assert run_etl(project, "build").returncode == 0
    (project / DESCRIPTOR).write_text("{")
    result = run_etl(project, "package")
    assert result.returncode == 1
    assert result.stderr == (
        "datapackage.json is not valid JSON (Expecting property name enclosed in double quotes: line 1 "
        "column 2 (char 1)) — restore it with `git checkout datapackage.json` or delete it to start again "
        "at 1.0.0\nNothing was published.\n")
    assert (project / DESCRIPTOR).read_text() == "{"


def test_etl_package_help_has_an_example(project):
    result = run_etl(project, "package", "--help")
    assert result.returncode == 0
    assert "  Example:\n      etl package && frictionless validate datapackage.json\n" in result.stdout
