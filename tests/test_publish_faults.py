"""Publishing under faults: a build killed at any moment, a full disk or a read-only folder leaves one whole version."""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from etl import paths
from etl.publish.package.csv_files import csv_bytes, read_rows
from etl.schema.dataset import ZIP_NAME
from etl.schema.tables import DATA_TABLES
from tests.conftest import INPUT_DIRS, run_etl

DB = paths.DATABASE.name
MARKER = "Checked again after the kill test."
# Every moment of a build at which tests/… kill it; "validate" and "validated" run Great Expectations.
KILL_POINTS = ["write-database", "insert-rows", "write-csv", "write-json", "write-zip", "check-package",
               "stage-mirror", "before-switch", "after-switch", "mirror"]
VALIDATION_POINTS = ["validate", "validated"]
# The build of the fault tests: the real steps, or the package alone where Great Expectations is not the subject.
BUILD_SCRIPT = """
import sys
from etl.cli import build_steps
from etl.publish.package.stage import package_step
from etl.publish.pipeline import build
from etl import paths
build(paths.DATABASE, steps=build_steps() if sys.argv[1] == "all" else [package_step])
"""


def run_build(root: Path, steps: str = "package", **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False", **env}
    return subprocess.run([sys.executable, "-c", BUILD_SCRIPT, steps], cwd=root, env=environment,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def old_build(tmp_path_factory) -> Path:
    """Inputs with a published build (every step), to copy for each fault."""
    root = tmp_path_factory.mktemp("old")
    for name in INPUT_DIRS:
        shutil.copytree(paths.ROOT / name, root / name)
    for name in ("datapackage.json", "data"):
        (shutil.copytree if (paths.ROOT / name).is_dir() else shutil.copyfile)(paths.ROOT / name, root / name)
    result = run_build(root, "all")
    assert result.returncode == 0, result.stderr
    return root


def copy_with_new_input(old_build: Path, into: Path) -> Path:
    """A copy of the published project whose inputs would publish a different version."""
    shutil.copytree(old_build, into, symlinks=True)
    claims = into / "claims" / "bt-minimax-2024-03-05.yml"
    text = claims.read_text(encoding="utf-8")
    assert text.count("      Headline; it does not") == 1
    claims.write_text(text.replace("      Headline; it does not", f"      {MARKER} Headline; it does not"),
                      encoding="utf-8")
    return into


def version_state(root: Path) -> dict:
    """The published version as users reach it: database, package, zip; checked to agree with each other."""
    current = (root / "build" / "current").resolve()
    assert (root / DB).resolve() == current / DB
    descriptor = json.loads((current / "datapackage.json").read_text(encoding="utf-8"))
    connection = sqlite3.connect(paths.sqlite_uri(current / DB, mode="ro"), uri=True)
    try:
        from_database = {f"data/{table.name}.csv": csv_bytes(table, read_rows(connection, table))
                         for table in DATA_TABLES}
    finally:
        connection.close()
    files = {f"data/{p.name}": p.read_bytes() for p in sorted((current / "data").glob("*.csv"))}
    assert files == from_database, "the published CSVs are not the published database's"
    for resource in descriptor["resources"]:
        data = files[resource["path"]]
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert resource["bytes"] == len(data)
    with zipfile.ZipFile(io.BytesIO((root / "build" / ZIP_NAME).read_bytes())) as archive:
        assert {name: archive.read(name) for name in archive.namelist() if name.startswith("data/")} == files
        assert archive.read("datapackage.json") == (current / "datapackage.json").read_bytes()
    docs = root / "build" / "data-docs"
    assert not docs.exists() or docs.resolve().is_relative_to(current), "Data Docs of another version"
    return {"version": current.name, "files": files, "descriptor": (current / "datapackage.json").read_bytes()}


def top_level(root: Path) -> dict[str, bytes]:
    return {"datapackage.json": (root / "datapackage.json").read_bytes(),
            **{f"data/{p.name}": p.read_bytes() for p in sorted((root / "data").glob("*.csv"))}}


def leftovers(root: Path) -> list[str]:
    """Anything a build writes on the way and must not leave."""
    found = [*root.glob(".china_ai_investments-*"), *root.glob(".datapackage.json-*"), *root.glob("data/.*"),
             *root.glob("build/.*"), *root.glob("build/versions/.*")]
    versions = list((root / "build" / "versions").iterdir())
    return [str(path.relative_to(root)) for path in found] + (["more than two versions"] if len(versions) > 2 else [])


def run_etl_failing_at(root: Path, point: str, *args: str) -> subprocess.CompletedProcess:
    """An etl command whose writing fails at a fault point as on a full disk."""
    return subprocess.run([sys.executable, "-m", "etl", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "ETL_ROOT": str(root), "ETL_FAIL_AT": point})


def assert_full_disk_error(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2].endswith(
        ": no space left on the device — free some space and run etl build again"), result.stderr
    assert result.stderr.splitlines()[-1] == "Nothing was published."


@pytest.mark.parametrize("point", KILL_POINTS + VALIDATION_POINTS)
def test_a_build_killed_at_any_moment_leaves_the_old_or_the_new_version_whole(old_build, tmp_path, point):
    root = copy_with_new_input(old_build, tmp_path / "project")
    old = version_state(root)
    old_top = top_level(root)
    killed = run_build(root, "all" if point in VALIDATION_POINTS else "package", ETL_KILL_AT=point)
    assert killed.returncode == -signal.SIGKILL, f"the build did not reach {point}: {killed.stderr}"
    after = version_state(root)
    is_new = after["version"] != old["version"]
    assert after == old if not is_new else MARKER.encode() in after["files"]["data/claims.csv"]
    assert is_new == (point in ("after-switch", "mirror")), point
    for name, data in top_level(root).items():  # each top-level copy is a whole file of one of the two versions
        assert data in (old_top.get(name), after["files"].get(name), after["descriptor"]), name
    again = run_build(root)
    assert again.returncode == 0, again.stderr
    final = version_state(root)
    assert MARKER.encode() in final["files"]["data/claims.csv"]
    assert top_level(root) == {"datapackage.json": final["descriptor"], **final["files"]}
    assert leftovers(root) == []


@pytest.mark.parametrize("point, message", [
    ("validation-process", f"{DB}: the process running the validation rules ended without an answer (A process in "
     "the process pool was terminated abruptly while the future was running or pending.) — it may have run out of "
     "memory; free some and run the command again"),
    ("database-writer", "the database writer process ended without an answer (exit code -9) — run etl build again; "
     "if it ends again, look for a lack of memory (dmesg)"),
], ids=["validation", "writer"])
def test_a_child_process_that_dies_fails_the_build_and_leaves_the_old_version(old_build, tmp_path, point, message):
    root = copy_with_new_input(old_build, tmp_path / "project")
    old = version_state(root)
    environment = {**os.environ, "ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False", "ETL_KILL_AT": point}
    result = subprocess.run([sys.executable, "-m", "etl", "build"], cwd=root, env=environment, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.endswith(f"{message}\nNothing was published.\n")
    assert version_state(root) == old
    assert leftovers(root) == []


@contextlib.contextmanager
def mounted(target: Path, *options: str):
    """A mount for the test's lifetime (the tests run as root); None when this machine does not allow one."""
    result = subprocess.run(["mount", *options, str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        yield None
        return
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def fill(folder: Path, leave: int) -> None:
    """Fill the file system of folder until only `leave` bytes are free."""
    free = shutil.disk_usage(folder).free - leave
    with open(folder / "filler", "wb") as handle:
        while free > 0:
            chunk = min(free, 1 << 20)
            try:
                handle.write(b"\0" * chunk)
                handle.flush()
            except OSError:
                break
            free -= chunk


def test_a_full_disk_gives_a_clear_error_and_leaves_the_old_build(old_build, tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    with mounted(disk, "-t", "tmpfs", "-o", "size=48m", "tmpfs") as on_tmpfs:
        root = copy_with_new_input(old_build, disk / "project")
        old = version_state(root)
        if on_tmpfs:
            fill(disk, leave=64 * 1024)
            result = run_etl(root, "build")
        else:  # no tmpfs here: the same failure, injected where the CSVs are written
            result = run_etl_failing_at(root, "write-csv", "build")
        assert_full_disk_error(result)
        assert "Traceback" not in result.stderr
        assert version_state(root) == old
        (disk / "filler").unlink(missing_ok=True)
        assert run_build(root).returncode == 0
        assert leftovers(root) == []


def test_a_read_only_data_folder_fails_before_anything_is_published(old_build, tmp_path):
    root = copy_with_new_input(old_build, tmp_path / "project")
    old, old_top = version_state(root), top_level(root)
    with mounted(root / "data", "--bind", str(root / "data")) as bound:
        if bound:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(bound)], check=True)
            result = run_build(root)
        else:
            result = run_build(root, ETL_FAIL_AT="stage-mirror")
    assert result.returncode == 1
    expected = ("data: cannot write here (Read-only file system) — make it writable" if bound
                else "no space left on the device — free some space")
    assert f"etl.errors.PackageError: {expected}" in result.stderr, result.stderr
    assert version_state(root) == old
    assert top_level(root) == old_top


def test_the_next_build_removes_what_killed_builds_left(old_build, tmp_path):
    root = copy_with_new_input(old_build, tmp_path / "project")
    planted = [root / ".china_ai_investments-x1y2.db", root / "build" / ".package-abc" / "datapackage.json",
               root / "build" / ".data-docs-staged" / "index.html", root / "build" / "versions" / ".building-1-ab" / DB]
    for path in planted:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"left by a killed build")
    assert run_build(root).returncode == 0
    assert leftovers(root) == []
    assert not any(path.exists() for path in planted)


def test_a_read_only_build_folder_is_a_clear_error_of_etl_build(old_build, tmp_path):
    root = copy_with_new_input(old_build, tmp_path / "project")
    old = version_state(root)
    with mounted(root / "build", "--bind", str(root / "build")) as bound:
        if bound:
            subprocess.run(["mount", "-o", "remount,ro,bind", str(bound)], check=True)
            result = run_etl(root, "build")
            expected = "cannot write here (Read-only file system) — make it writable (chmod u+w, or a file system " \
                       "that is not read-only) and run etl build again"
        else:
            result = run_etl_failing_at(root, "new-version", "build")
            expected = "no space left on the device — free some space and run etl build again"
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-2:] == [f"build/versions: {expected}", "Nothing was published."]
    assert version_state(root) == old


def test_etl_package_publishes_the_same_database_with_a_new_package(old_build, tmp_path):
    root = copy_with_new_input(old_build, tmp_path / "project")
    old = version_state(root)
    database = (root / DB).read_bytes()
    result = run_etl(root, "package")
    assert result.returncode == 0, result.stderr
    new = version_state(root)
    assert new["version"] != old["version"]
    assert new["files"] == old["files"]
    assert (root / DB).read_bytes() == database
    assert leftovers(root) == []


def test_etl_package_that_cannot_copy_the_database_publishes_nothing(old_build, tmp_path):
    root = copy_with_new_input(old_build, tmp_path / "project")
    old, old_top = version_state(root), top_level(root)
    assert_full_disk_error(run_etl_failing_at(root, "copy-database", "package"))
    assert version_state(root) == old
    assert top_level(root) == old_top
    assert leftovers(root) == []
