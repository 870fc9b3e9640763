"""Write the package into the version folder of its database and check it with frictionless."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from etl import paths, timings
from etl.curate import CurationError
from etl.curate.changelog import previous_build
from etl.curate.diff import diff_builds
from etl.errors import PackageError
from etl.faults import fault_point
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.files import build_files, read_previous
from etl.publish.versions import write_error
from etl.schema.dataset import NAME, ZIP_NAME
from etl.validation.cache import passed_before

MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Staged:
    """A package written into a version folder beside its database; published with that version."""

    folder: Path
    package: dict


def package_target(folder: Path, name: str) -> Path:
    """Where a package file stands in a version folder: as at the top of the project, the zip under build/."""
    return folder / "build" / ZIP_NAME if name == ZIP_NAME else folder / name


def target_of(name: str) -> Path:
    """Where a package file is found at the top of the project (the zip through build/current)."""
    return package_target(paths.ROOT, name)


def stage(database: Path, now: dt.datetime | None = None,
          check: Callable[[Path], None] | None = None, data_level: str = "minor") -> Staged:
    """Write the package from database into the folder of that database (its version), then check it."""
    files = build_files(database, read_previous(paths.DATAPACKAGE), now or dt.datetime.now(dt.timezone.utc),
                        data_level)
    folder = database.parent
    try:
        for name, data in files.items():
            target = package_target(folder, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            fault_point(f"write-{Path(name).suffix.lstrip('.')}")
            target.write_bytes(data)
    except OSError as error:
        raise write_error(folder, error) from None
    if check:
        fault_point("check-package")
        check(folder / DESCRIPTOR)
    return Staged(folder, json.loads(files[DESCRIPTOR]))


def check_package(path: Path) -> None:
    """Validate a descriptor and its files with frictionless (types, constraints, keys, hashes, bytes)."""
    from frictionless import Package

    # From the parsed descriptor with its folder as base: frictionless reads a path with '?', '#' or '%' as a URL.
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    report = Package(descriptor, basepath=str(path.parent)).validate()
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


def check_package_once(path: Path) -> None:
    """check_package, skipped when a package of the same bytes passed it before (see etl/validation/cache.py)."""
    resources = json.loads(path.read_text(encoding="utf-8")).get("resources", [])
    files = [resource.get("path") for resource in resources]
    if not all(isinstance(name, str) and "://" not in name and (path.parent / name).is_file() for name in files):
        check_package(path)  # a URL, a multi-file resource or a missing file: nothing local to key on
        return
    passed_before("package", path.parent, [path.name, *files], lambda: check_package(path),
                  ("frictionless",), (Path(__file__),))


def package_step(database: Path, say: Callable[[str], None], data_level: str = "minor") -> None:
    """Build step: write and validate the package of the unpublished version; published with the database."""
    with timings.stage("package"):
        staged = stage(database, check=check_package_once, data_level=data_level)
    say(f"staged data package {NAME} {staged.package['version']}: {len(staged.package['resources'])} "
        "CSV files, valid for frictionless")


def versioned_package_step(published: Path) -> Callable:
    """package_step with the version level from `etl diff` against the last build: a change that only fixes
    existing values is a patch, rows added or removed a minor version."""
    def package_step_after_diff(database: Path, say: Callable[[str], None]) -> None:
        previous = previous_build(published)
        try:
            level = diff_builds(previous, database).level if previous else None
        except CurationError:
            level = None
        return package_step(database, say, data_level="patch" if level == "patch" else "minor")

    return package_step_after_diff
