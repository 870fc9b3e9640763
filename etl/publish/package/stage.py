"""Write the package into the version folder of its database and check it with frictionless."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
from etl.publish.package.files import read_previous, write_files, zip_beside
from etl.publish.package import parts
from etl.publish.package.lookups import share_lookups
from etl.publish.versions import write_error
from etl.schema.dataset import NAME, ZIP_NAME
from etl.validation.cache import passed_before

MAX_PROBLEMS = 20
# frictionless checks about 10,000 rows a second: a package up to this size is checked row by row in full
# (the real corpus, the tests); a bigger one by the sampled check (docs/performance.md, "The package check").
FULL_CHECK_BYTES = 16 * 1024 * 1024
SAMPLE_ROWS = 10_000
# A full check of a package bigger than FULL_CHECK_BYTES (etl package --full-check) runs its tables in this many
# processes: one per core, at most two (the biggest table is cut into two row ranges, parts.check_apart).
CHECK_PROCESSES = min(2, os.cpu_count() or 1)
# The share of the biggest table's rows in the first of its two ranges, checked at once in two processes: the second
# range's process also reads the rows before it (docs/performance.md, "The eighteenth pass").
BIGGEST_FIRST_SHARE = 0.52


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
          check: Callable[[Path], None] | None = None, data_level: str = "minor", folder: Path | None = None) -> Staged:
    """Write the package from database into the folder of that database (its version), or into folder, the version
    a copy of that database is on its way to; then check it."""
    folder = folder or database.parent
    previous = read_previous(paths.DATAPACKAGE)
    try:
        package = write_files(database, folder, previous, now or dt.datetime.now(dt.timezone.utc), data_level)
        fault_point("write-zip")
    except OSError as error:
        raise write_error(folder, error) from None
    zipping = zip_beside(folder, package)
    try:
        if check:
            fault_point("check-package")
            check(folder / DESCRIPTOR)
    finally:
        zip_error = zipping.wait()  # the zip is written into the folder whatever the check found
    if isinstance(zip_error, OSError):
        raise write_error(folder, zip_error) from None
    if zip_error is not None:
        raise zip_error
    return Staged(folder, package)


def check_package(path: Path, full: bool | None = None) -> None:
    """Validate a descriptor and its files with frictionless (types, constraints, keys, hashes, bytes).

    full=None checks a package of at most FULL_CHECK_BYTES of CSV fully and a bigger one by sample (see
    docs/performance.md): every byte's hash and count, the descriptor, each file's header and its first
    SAMPLE_ROWS rows; the rest of a row check is the validation gate's, run on the database the rows come from."""
    # From the parsed descriptor with its folder as base: frictionless reads a path with '?', '#' or '%' as a URL.
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    if full is None:
        full = _csv_bytes(descriptor) <= FULL_CHECK_BYTES
    problems = _full_check(descriptor, path.parent) if full else _sampled_check(descriptor, path.parent)
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS] + ([f"… and {len(problems) - MAX_PROBLEMS} more"]
                                       if len(problems) > MAX_PROBLEMS else [])
    raise PackageError("\n".join([*shown, f"the data package is not valid ({len(problems)} problem(s)) — fix "
                                  "the table definitions in etl/schema/tables.py or the inputs the rows come from, "
                                  "then run etl build again"]))


def _problems(report) -> list[str]:
    return [text for *_, text in parts.problems(report)]


def _full_check(descriptor: dict, folder: Path) -> list[str]:
    """Every row and key; a descriptor frictionless cannot read is its problems, as validation reports them."""
    from frictionless import FrictionlessException, Package, Report

    try:
        package = Package(descriptor, basepath=str(folder))
        package.to_descriptor(validate=True)
    except FrictionlessException as exception:
        return _problems(Report.from_validation(errors=exception.to_errors()))
    resources = [resource.name for resource in package.resources]
    if _csv_bytes(descriptor) <= FULL_CHECK_BYTES or CHECK_PROCESSES < 2 or len(resources) < 2:
        return _problems(package.validate())
    return _full_check_apart(descriptor, folder, resources)


def _full_check_apart(descriptor: dict, folder: Path, resources: list[str]) -> list[str]:
    """The full check of a big package in CHECK_PROCESSES processes (frictionless is one core's Python): the
    biggest table in two row ranges at once, the other tables beside and after them (parts.check_apart); each
    process reads a foreign key's lookup once (lookups.py). The problems come in the tables' order, as one process
    reports them."""
    spawn = multiprocessing.get_context("spawn")  # a fork would copy the build's memory, and its threads' locks
    try:
        with ProcessPoolExecutor(CHECK_PROCESSES, mp_context=spawn, initializer=share_lookups) as pool, \
                tempfile.TemporaryDirectory(prefix="package-check-") as scratch:
            found = parts.check_apart(pool, descriptor, folder, Path(scratch), BIGGEST_FIRST_SHARE)
    except BrokenProcessPool as error:
        raise PackageError(f"{DESCRIPTOR}: a process checking the package's tables ended without an answer "
                           f"({error}) — it may have run out of memory; free some and run the command again") from None
    return [problem for name in resources for problem in found[name]]


def _csv_bytes(descriptor: dict) -> int:
    return sum(item.get("bytes", 0) for item in descriptor.get("resources", []))


def _sampled_check(descriptor: dict, folder: Path) -> list[str]:
    """Hashes and byte counts of whole files, then frictionless on each file's first SAMPLE_ROWS rows."""
    from frictionless import Package

    metadata = Package.validate_descriptor(descriptor, basepath=str(folder))
    if metadata.errors:
        return _problems(metadata)
    problems = []
    for item in descriptor["resources"]:
        size, digest = file_digest(folder / item["path"])
        if size != item["bytes"]:
            problems.append(f"{item['path']}: byte-count: expected {item['bytes']} bytes, the file has {size}")
        if f"sha256:{digest}" != item["hash"]:
            problems.append(f"{item['path']}: hash-count: expected {item['hash']}, the file has sha256:{digest}")
    sample = {**descriptor, "resources": [
        {**{key: value for key, value in item.items() if key not in ("bytes", "hash")},
         "schema": {key: value for key, value in item["schema"].items() if key != "foreignKeys"}}
        for item in descriptor["resources"]]}
    return problems + _problems(Package(sample, basepath=str(folder)).validate(limit_rows=SAMPLE_ROWS))


def file_digest(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


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
