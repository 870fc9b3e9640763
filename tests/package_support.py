"""Fixtures and helpers of the package tests: the real package written to a folder, broken copies of it, and
frictionless's lookups counted."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from frictionless import Package
from frictionless.resources.table import TableResource

from etl.errors import PackageError
from etl.publish.package import lookups, stage
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.files import build_files
from etl.publish.package.stage import check_package

NOW = dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def package_dir(built_database, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package")
    for name, data in build_files(built_database, None, NOW).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture
def broken(package_dir, tmp_path) -> Path:
    copy = tmp_path / "package"
    shutil.copytree(package_dir, copy)
    return copy


@pytest.fixture
def read_lookups(monkeypatch) -> list[list[str]]:
    """frictionless's own lookup reading, counted: the tables each call read; restored after the test, as is the
    shared lookups' memory."""
    read = getattr(TableResource, lookups.OPEN_LOOKUP)
    calls = []

    def counted(resource):
        calls.append([foreign_key["reference"]["resource"] for foreign_key in resource.schema.foreign_keys])
        return read(resource)

    monkeypatch.setattr(TableResource, lookups.OPEN_LOOKUP, counted)
    monkeypatch.setattr(lookups, "_read", {})
    monkeypatch.setattr(lookups, "_preloaded", set())
    return calls


def first_cell(folder: Path, table: str, column: str) -> str:
    with (folder / "data" / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return next(row[column] for row in csv.DictReader(handle) if row[column])


def table_problems(folder: Path, names: list[str]) -> dict[str, list[str]]:
    descriptor = json.loads((folder / DESCRIPTOR).read_text())
    return {name: stage._problems(Package(descriptor, basepath=str(folder)).validate(name=name)) for name in names}


def edit_cell(folder: Path, table: str, column: str, change, rehash: bool = True, where=lambda v: True) -> None:
    """Change the first cell of a column that `where` accepts; update hash and bytes unless told not to."""
    path = folder / "data" / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    index = rows[0].index(column)
    row = next(row for row in rows[1:] if where(row[index]))
    row[index] = change(row[index])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    if rehash:
        descriptor = json.loads((folder / DESCRIPTOR).read_text())
        resource = next(r for r in descriptor["resources"] if r["name"] == table)
        data = path.read_bytes()
        resource.update(bytes=len(data), hash="sha256:" + hashlib.sha256(data).hexdigest())
        (folder / DESCRIPTOR).write_text(json.dumps(descriptor, indent=2))


def check_problems(folder: Path, full: bool | None) -> list[str]:
    try:
        check_package(folder / DESCRIPTOR, full=full)
    except PackageError as error:
        return str(error).splitlines()[:-1]
    return []
