"""The build skips checks that passed before on the same content — the package check by its bytes — and
`etl build --no-cache` (or ETL_NO_CACHE=1) runs every check again."""
from __future__ import annotations

import datetime as dt
import shutil
import tracemalloc
from pathlib import Path

import pytest

from etl import paths
from etl.errors import PackageError
from etl.publish.package import stage as package_stage
from etl.publish.package.descriptor import DESCRIPTOR
from etl.validation import cache
from tests.conftest import run_etl, validation_results

DB = "china_ai_investments.db"


@pytest.fixture
def staged(built_database, tmp_path, monkeypatch) -> tuple[Path, list[Path]]:
    """A package written beside a copy of the real database, and the list of the paths check_package saw."""
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    monkeypatch.delenv(cache.OFF_VARIABLE, raising=False)
    folder = tmp_path / "version"
    folder.mkdir()
    shutil.copyfile(built_database, folder / DB)
    package_stage.stage(folder / DB, now=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
    checked: list[Path] = []
    real = package_stage.check_package

    def counting(path: Path) -> None:
        checked.append(path)
        real(path)

    monkeypatch.setattr(package_stage, "check_package", counting)
    return folder / DESCRIPTOR, checked


def test_a_package_of_the_same_bytes_is_checked_once(staged):
    descriptor, checked = staged
    package_stage.check_package_once(descriptor)
    package_stage.check_package_once(descriptor)
    assert checked == [descriptor]


def test_a_changed_file_is_checked_again_and_a_failure_is_never_remembered(staged):
    descriptor, checked = staged
    package_stage.check_package_once(descriptor)
    csv = sorted((descriptor.parent / "data").glob("*.csv"))[0]
    good = csv.read_bytes()
    csv.write_bytes(good.replace(b"\n", b"\r\n", 1) if b"\r\n" not in good else good + b"\n")
    for _ in range(2):
        with pytest.raises(PackageError):
            package_stage.check_package_once(descriptor)
    assert len(checked) == 3
    csv.write_bytes(good)
    package_stage.check_package_once(descriptor)
    assert len(checked) == 3, "the bytes that passed before pass without a new check"


def test_etl_no_cache_checks_every_time(staged, monkeypatch):
    descriptor, checked = staged
    monkeypatch.setenv(cache.OFF_VARIABLE, "1")
    package_stage.check_package_once(descriptor)
    package_stage.check_package_once(descriptor)
    with cache.turned_off():
        monkeypatch.setenv(cache.OFF_VARIABLE, "0")
        package_stage.check_package_once(descriptor)
        assert not cache.enabled()
    assert len(checked) == 3 and cache.enabled()


def test_the_key_of_a_package_reads_its_files_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "BUILD_DIR", tmp_path / "build")
    monkeypatch.delenv(cache.OFF_VARIABLE, raising=False)
    big = tmp_path / "claims.csv"
    big.write_bytes(b"claim_id,quote\n" * (2 << 20))  # 30 MiB
    tracemalloc.start()
    try:
        cache.passed_before("package", tmp_path, [big.name], lambda: None, (), ())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20, f"hashing a 30 MiB file took {peak / 2**20:.0f} MiB: it was read whole"
    assert cache.passed_before("package", tmp_path, [big.name], lambda: None, (), ()), "the same bytes: a pass"


def test_a_second_build_reuses_what_passed_and_no_cache_runs_everything(published_project, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(published_project, project, symlinks=True)
    warm = run_etl(project, "build")
    assert warm.returncode == 0, warm.stderr
    assert "suite parts passed before on the same content" in warm.stderr
    reused = validation_results(project / DB)
    full = run_etl(project, "build", "--no-cache")
    assert full.returncode == 0, full.stderr
    assert "passed before" not in full.stderr
    assert validation_results(project / DB) == reused == validation_results(published_project / DB)
