"""The package's files from the database: CSVs, the descriptor with its release, and a reproducible zip."""
from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import zipfile
from pathlib import Path

from etl import paths
from etl.errors import PackageError
from etl.publish.package.csv_files import csv_bytes, read_rows
from etl.publish.package.descriptor import (
    DATA_FOLDER,
    DESCRIPTOR,
    descriptor,
    descriptor_bytes,
    package_sources,
    resource,
)
from etl.publish.package.release import FIRST_VERSION, release
from etl.schema.dataset import ZIP_NAME
from etl.schema.tables import DATA_TABLES


def zip_bytes(files: dict[str, bytes], created: str) -> bytes:
    """A zip of the package files with fixed names, order, times and permissions (reproducible)."""
    stamp = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


def read_previous(path: Path) -> dict | None:
    """The published descriptor, whose version and created time the next one continues."""
    if not path.exists():
        return None
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PackageError(f"{paths.relative(path)} is not valid JSON ({error}) — restore it with "
                           f"`git checkout {DESCRIPTOR}` or delete it to start again at {FIRST_VERSION}")
    if not isinstance(previous, dict):
        raise PackageError(f"{paths.relative(path)} is not a JSON object — restore it with "
                           f"`git checkout {DESCRIPTOR}` or delete it to start again at {FIRST_VERSION}")
    return previous


def package_files(database: Path, previous: dict | None, now: dt.datetime,
                  data_level: str = "minor") -> dict[str, bytes]:
    """Every file of the package by its path relative to the descriptor, descriptor last."""
    try:
        connection = sqlite3.connect(paths.sqlite_uri(database, mode="ro"), uri=True)
        try:
            tables = [(table, csv_bytes(table, read_rows(connection, table))) for table in DATA_TABLES]
            sources = package_sources(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise PackageError(f"{paths.relative(database)}: {error} — run etl build to rebuild the database") from error
    resources = [resource(table, data) for table, data in tables]
    unreleased = descriptor(resources, sources, FIRST_VERSION, "")
    version, created = release(unreleased, previous, now, data_level)
    files = {f"{DATA_FOLDER}/{table.name}.csv": data for table, data in tables}
    files[DESCRIPTOR] = descriptor_bytes(descriptor(resources, sources, version, created))
    return files


def build_files(database: Path, previous: dict | None, now: dt.datetime,
                data_level: str = "minor") -> dict[str, bytes]:
    """The package files and the zip of them (under ZIP_NAME)."""
    files = package_files(database, previous, now, data_level)
    created = json.loads(files[DESCRIPTOR])["created"]
    contents = {DESCRIPTOR: files[DESCRIPTOR], **files}
    return {**files, ZIP_NAME: zip_bytes(contents, created)}


