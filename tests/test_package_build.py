"""The package in the build: `etl package`, the build step, atomic publishing, committed files up to date."""
import datetime as dt
import errno
import json
import shutil
import sqlite3
import threading
import time
import zipfile
from pathlib import Path

import pytest
from frictionless import Package

from etl import paths
from etl.cli import build_steps
from etl.errors import PackageError
from etl.publish.package import files as package_files
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.files import build_files, read_previous
from etl.publish.package.stage import check_package, package_step, stage
from etl.publish.pipeline import build
from etl.publish.versions import Layout, new_version, publish_version
from etl.schema.dataset import ZIP_NAME
from etl.schema.tables import DATA_TABLES
from etl.validation import validation_step
from tests.conftest import INPUT_DIRS, run_etl

DB_NAME = paths.DATABASE.name
CSV_NAMES = sorted(f"{t.name}.csv" for t in DATA_TABLES)


def package_bytes(root: Path) -> dict[str, bytes]:
    files = {f"data/{p.name}": p.read_bytes() for p in sorted((root / "data").glob("*.csv"))}
    return {**files, DESCRIPTOR: (root / DESCRIPTOR).read_bytes(),
            ZIP_NAME: (root / "build" / ZIP_NAME).read_bytes()}


def publish_package(root: Path, database: Path, now: dt.datetime) -> None:
    """Publish database with a package written at now as a new version of root (what `etl package` does)."""
    layout = Layout(root / DB_NAME)
    folder = new_version(layout)
    shutil.copyfile(database, folder / DB_NAME)
    stage(folder / DB_NAME, now=now)
    publish_version(layout, folder)


def version_folders(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "build" / "versions").iterdir())


@pytest.fixture
def package_root(tmp_path, monkeypatch, built_database) -> Path:
    """A root with a package_root package, the paths of the package pointed at it."""
    monkeypatch.setattr(paths, "DATAPACKAGE", tmp_path / DESCRIPTOR)
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    publish_package(tmp_path, built_database, dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
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


def test_the_package_is_staged_beside_validation_and_before_the_changelog():
    steps = build_steps()
    names = [getattr(step, "__name__", "") for step in steps]
    validation = next(index for index, step in enumerate(steps) if getattr(step, "func", None) is validation_step)
    assert steps[validation].keywords["beside"].__name__ == "package_step_after_diff"
    assert names.index("coverage_step") < validation < names.index("changelog"), \
        "the changelog reads the version the package got"


def test_the_build_publishes_a_valid_package(project):
    result = run_etl(project, "build")
    assert result.returncode == 0, result.stderr
    assert "staged data package china-ai-investments 1.0.0: 10 CSV files, valid for frictionless" in result.stderr
    assert sorted(p.name for p in (project / "data").iterdir()) == CSV_NAMES
    assert (project / "build" / ZIP_NAME).is_file()
    assert list((project / "build").glob(".package-*")) == []
    assert Package(str(project / DESCRIPTOR)).validate().valid


def test_a_failing_later_step_leaves_the_previous_package(package_root, built_database):
    before = package_bytes(package_root)
    versions = version_folders(package_root)

    def fail(database, say):
        raise RuntimeError("a later step failed")

    with pytest.raises(RuntimeError):
        build(package_root / DB_NAME, steps=[package_step, fail])
    assert package_bytes(package_root) == before
    assert version_folders(package_root) == versions
    left = sorted(p.name for p in (package_root / "build").iterdir() if p.name != "cache")  # checks that passed
    assert left == [ZIP_NAME, "current", "versions"]


def test_a_failing_check_leaves_the_previous_package_and_no_staging(package_root, built_database):
    before = package_bytes(package_root)
    versions = version_folders(package_root)

    def check(path):
        raise PackageError("invalid")

    with pytest.raises(PackageError):
        build(package_root / DB_NAME, steps=[lambda database, say: stage(database, check=check)])
    assert package_bytes(package_root) == before
    assert version_folders(package_root) == versions


def _staged_folder(tmp_path: Path, built_database: Path) -> Path:
    folder = tmp_path / "version"
    folder.mkdir()
    shutil.copyfile(built_database, folder / DB_NAME)
    return folder


def test_the_zip_is_written_while_the_package_is_checked(package_root, built_database, tmp_path, monkeypatch):
    zipping, checking = threading.Event(), threading.Event()
    write_zip = package_files.write_package_zip

    def zip_when_checking(folder, package):
        zipping.set()
        assert checking.wait(10), "the check did not start while the zip was being written"
        write_zip(folder, package)

    def check(path):
        assert zipping.wait(10), "the zip was not being written while the package was checked"
        checking.set()

    monkeypatch.setattr(package_files, "write_package_zip", zip_when_checking)
    folder = _staged_folder(tmp_path, built_database)
    now = dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc)
    stage(folder / DB_NAME, now=now, check=check)
    made = build_files(built_database, read_previous(paths.DATAPACKAGE), now)
    assert (folder / "build" / ZIP_NAME).read_bytes() == made[ZIP_NAME]


def test_a_failing_check_returns_once_the_zip_is_written(package_root, built_database, tmp_path, monkeypatch):
    write_zip = package_files.write_package_zip

    def slow_zip(folder, package):
        time.sleep(0.5)
        write_zip(folder, package)

    def check(path):
        raise PackageError("invalid")

    monkeypatch.setattr(package_files, "write_package_zip", slow_zip)
    folder = _staged_folder(tmp_path, built_database)
    with pytest.raises(PackageError, match="invalid"):
        stage(folder / DB_NAME, check=check)
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("package-zip")]
    with zipfile.ZipFile(folder / "build" / ZIP_NAME) as archive:
        assert archive.testzip() is None


def test_a_zip_that_cannot_be_written_fails_the_stage_after_the_check(package_root, built_database, tmp_path,
                                                                      monkeypatch):
    checked = []

    def full_disk(folder, package):
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "build" / ZIP_NAME))

    monkeypatch.setattr(package_files, "write_package_zip", full_disk)
    folder = _staged_folder(tmp_path, built_database)
    with pytest.raises(PackageError) as raised:
        stage(folder / DB_NAME, check=checked.append)
    assert str(raised.value) == (f"{paths.relative(folder / 'build' / ZIP_NAME)}: no space left on the device — free "
                                 "some space and run etl build again")
    assert checked == [folder / DESCRIPTOR]


def test_new_data_publishes_a_minor_version(package_root, built_database, tmp_path):
    changed = tmp_path / "changed.db"
    shutil.copy(built_database, changed)
    with sqlite3.connect(changed) as connection:
        connection.execute("UPDATE claims SET note = 'Checked again.' WHERE rowid = 1")
    later = dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)
    publish_package(package_root, changed, later)
    descriptor = json.loads((package_root / DESCRIPTOR).read_text())
    assert (descriptor["version"], descriptor["created"]) == ("1.1.0", "2025-03-04T05:06:07Z")
    assert b"Checked again." in (package_root / "data" / "claims.csv").read_bytes()
    assert (package_root / DB_NAME).resolve().parent == (package_root / "build" / "current").resolve()


def test_publishing_removes_csv_files_of_tables_that_are_gone(package_root, built_database):
    (package_root / "data" / "old_table.csv").write_text("a\n1\n")
    publish_package(package_root, built_database, dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
    assert sorted(p.name for p in (package_root / "data").iterdir()) == CSV_NAMES


def test_publishing_keeps_the_current_and_the_previous_version_only(package_root, built_database):
    first = version_folders(package_root)
    for day in (3, 4):
        publish_package(package_root, built_database, dt.datetime(2025, 1, day, tzinfo=dt.timezone.utc))
    kept = version_folders(package_root)
    assert len(kept) == 2 and first[0] not in kept
    assert (package_root / "build" / "current").resolve().name == kept[-1]


def test_etl_package_writes_the_package_from_the_published_database(project):
    assert run_etl(project, "build").returncode == 0
    (project / DESCRIPTOR).unlink()
    shutil.rmtree(project / "data")
    result = run_etl(project, "package")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == ("Published datapackage.json 1.0.0 with 10 CSV files in data/ and "
                             "build/china-ai-investments.zip\n")
    assert Package(str(project / DESCRIPTOR)).validate().valid


def test_etl_package_without_a_database(project):
    result = run_etl(project, "package")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "china_ai_investments.db does not exist — run: etl build\n"


def test_a_build_repairs_the_top_level_copy_of_the_published_package(project):
    assert run_etl(project, "build").returncode == 0
    package_root = (project / "build" / "current" / DESCRIPTOR).read_bytes()
    (project / DESCRIPTOR).write_text("{")
    (project / "data" / "claims.csv").unlink()
    result = run_etl(project, "package")
    assert result.returncode == 0, result.stderr
    assert (project / DESCRIPTOR).read_bytes() == package_root
    assert sorted(p.name for p in (project / "data").iterdir()) == CSV_NAMES


def test_etl_package_with_a_broken_descriptor_keeps_it(project, built_database):
    """Without a package_root version (a fresh checkout) the committed datapackage.json is the previous release."""
    shutil.copyfile(built_database, project / DB_NAME)
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
    assert "  Example:\n      etl package --full-check && frictionless validate datapackage.json\n" in result.stdout


def test_etl_package_full_check_checks_every_row_and_key(project, built_database):
    """--full-check runs frictionless on every row with the foreign keys (the sampled check leaves keys to the
    validation gate); a database whose claim names a missing source is refused and nothing is published."""
    broken = project / DB_NAME
    shutil.copyfile(built_database, broken)
    connection = sqlite3.connect(broken)
    with connection:
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("UPDATE claims SET source_id = 'missing-source' WHERE rowid = (SELECT min(rowid) "
                           "FROM claims)")
    connection.close()
    result = run_etl(project, "package", "--full-check")
    assert result.returncode == 1
    assert 'foreign-key: for "source_id": values "missing-source" not found' in result.stderr
    assert result.stderr.endswith("then run etl build again\nNothing was published.\n")


def test_a_checkout_path_with_a_hash_or_question_mark_builds_inside_it(tmp_path):
    parent = tmp_path / "work#1?x=%41"
    for name in INPUT_DIRS:
        shutil.copytree(paths.ROOT / name, parent / "project" / name)
    result = run_etl(parent / "project", "build")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [parent.name], "a file was written outside the checkout"
    check_package(parent / "project" / DESCRIPTOR)  # raises when frictionless finds the package invalid
    assert (parent / "project" / "build" / "data-docs" / "index.html").is_file()
