"""Stage the package in a private folder under build/, check it with frictionless, move it into place."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Callable

from etl import paths
from etl.curate import CurationError
from etl.curate.changelog import previous_build
from etl.curate.diff import diff_builds
from etl.errors import PackageError
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.files import build_files, read_previous
from etl.schema.dataset import NAME, ZIP_NAME

MAX_PROBLEMS = 20


class Staged:
    """Files written to a private folder, moved into place when called; the folder goes when this does."""

    def __init__(self, folder: Path, targets: dict[Path, Path], package: dict):
        self.folder = folder
        self.targets = targets
        self.package = package
        self._cleanup = weakref.finalize(self, shutil.rmtree, folder, True)

    def __call__(self) -> None:
        for staged, target in self.targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
        csvs = {target for target in self.targets.values() if target.suffix == ".csv"}
        for folder in {target.parent for target in csvs}:
            for stale in sorted(set(folder.glob("*.csv")) - csvs):
                stale.unlink()
        self.discard()

    def discard(self) -> None:
        self._cleanup()


def target_of(name: str) -> Path:
    if name == ZIP_NAME:
        return paths.BUILD_DIR / ZIP_NAME
    return paths.DATAPACKAGE.parent / name


def stage(database: Path, now: dt.datetime | None = None,
          check: Callable[[Path], None] | None = None, data_level: str = "minor") -> Staged:
    """Write the package from database into a folder under build/, check it, and return its publisher."""
    files = build_files(database, read_previous(paths.DATAPACKAGE), now or dt.datetime.now(dt.timezone.utc),
                        data_level)
    paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=".package-", dir=paths.BUILD_DIR))
    staged = Staged(folder, {folder / name: target_of(name) for name in files}, json.loads(files[DESCRIPTOR]))
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    if check:
        try:
            check(folder / DESCRIPTOR)
        except BaseException:
            staged.discard()
            raise
    return staged


def check_package(path: Path) -> None:
    """Validate a descriptor and its files with frictionless (types, constraints, keys, hashes, bytes)."""
    from frictionless import Package

    report = Package(str(path)).validate()
    if report.valid:
        return
    problems = [f"{DESCRIPTOR}: {error.type}: {error.note}" for error in report.errors]
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            place = f"{task.place}:{row}" if row else task.place
            problems.append(f"{place}: {error.type}: {error.note}")
    shown = problems[:MAX_PROBLEMS] + ([f"… and {len(problems) - MAX_PROBLEMS} more"]
                                       if len(problems) > MAX_PROBLEMS else [])
    raise PackageError("\n".join([*shown, f"the data package is not valid ({len(problems)} problem(s)) — fix "
                                  "the table definitions in etl/schema/tables.py or the inputs the rows come from, "
                                  "then run etl build again"]))


def package_step(database: Path, say: Callable[[str], None], data_level: str = "minor") -> Staged:
    """Build step: stage and validate the package from the unpublished database; publish it with the database."""
    staged = stage(database, check=check_package, data_level=data_level)
    say(f"staged data package {NAME} {staged.package['version']}: {len(staged.package['resources'])} "
        "CSV files, valid for frictionless")
    return staged


def versioned_package_step(published: Path) -> Callable:
    """package_step with the version level from `etl diff` against the last build: a change that only fixes
    existing values is a patch, rows added or removed a minor version."""
    def package_step_after_diff(database: Path, say: Callable[[str], None]) -> Staged:
        previous = previous_build(published)
        try:
            level = diff_builds(previous, database).level if previous else None
        except CurationError:
            level = None
        return package_step(database, say, data_level="patch" if level == "patch" else "minor")

    return package_step_after_diff
