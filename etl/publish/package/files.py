"""The package's files from the database: CSVs, the descriptor with its release, and a reproducible zip."""
from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO

from etl import paths
from etl.beside import Beside
from etl.errors import PackageError
from etl.faults import fault_point
from etl.publish.package.csv_files import unwritable_cells, write_csv
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


ZIP_LEVEL = 6  # zlib's default: a third of level 9's time on these CSVs for a file a few percent larger
COPY_CHUNK = 1 << 20


def _zip_member(archive: zipfile.ZipFile, name: str, source: BinaryIO, size: int, stamp: tuple) -> None:
    info = zipfile.ZipInfo(name, date_time=stamp)
    info.create_system = 3
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = ZIP_LEVEL  # ZipInfo.compress_level from Python 3.13; this name still works there
    info.file_size = size
    with archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)


def _stamp(created: str) -> tuple:
    return dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").timetuple()[:6]


def zip_bytes(files: dict[str, bytes], created: str) -> bytes:
    """A zip of the package files with fixed names, order, times and permissions (reproducible)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            _zip_member(archive, name, io.BytesIO(data), len(data), _stamp(created))
    return buffer.getvalue()


def write_zip(target: Path, folder: Path, names: list[str], created: str) -> None:
    """The zip of the files of folder named by names (relative paths), streamed from disk; as zip_bytes."""
    with zipfile.ZipFile(target, "w") as archive:
        for name in names:
            with (folder / name).open("rb") as source:
                _zip_member(archive, name, source, (folder / name).stat().st_size, _stamp(created))


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


def write_package(database: Path, folder: Path, previous: dict | None, now: dt.datetime,
                  data_level: str = "minor") -> dict:
    """Write the package of database into folder: data/<table>.csv streamed from SQLite, the descriptor, and
    the zip under build/; returns the descriptor. No table is held in memory whole."""
    package = write_files(database, folder, previous, now, data_level)
    fault_point("write-zip")
    write_package_zip(folder, package)
    return package


def write_files(database: Path, folder: Path, previous: dict | None, now: dt.datetime,
                data_level: str = "minor") -> dict:
    """The package's CSV files and its descriptor, without the zip; the descriptor."""
    (folder / DATA_FOLDER).mkdir(parents=True, exist_ok=True)
    uri = paths.sqlite_uri(database, mode="ro")
    try:
        scan = Beside(lambda: unwritable_cells(uri, DATA_TABLES), "package-cells")
        try:
            resources, sources = _write_tables(uri, folder)
        finally:
            scan.wait()
        if scan.error:
            raise scan.error
        if scan.result:
            raise PackageError(scan.result)
    except sqlite3.Error as error:
        raise PackageError(f"{paths.relative(database)}: {error} — run etl build to rebuild the database") from error
    unreleased = descriptor(resources, sources, FIRST_VERSION, "")
    version, created = release(unreleased, previous, now, data_level)
    package = descriptor(resources, sources, version, created)
    fault_point("write-json")
    (folder / DESCRIPTOR).write_bytes(descriptor_bytes(package))
    return package


def _write_tables(uri: str, folder: Path) -> tuple[list[dict], list[dict]]:
    """Each table's CSV file, its cells checked beside (write_files); the resources and the package's sources."""
    connection = sqlite3.connect(uri, uri=True)
    try:
        resources = []
        for table in DATA_TABLES:
            fault_point("write-csv")
            size, digest = write_csv(connection, table, folder / DATA_FOLDER / f"{table.name}.csv", scanned=True,
                                     database_uri=uri)
            resources.append(resource(table, size, digest))
        return resources, package_sources(connection)
    finally:
        connection.close()


def write_package_zip(folder: Path, package: dict) -> None:
    """The zip of the descriptor and the CSV files written by write_files, under build/."""
    zipped = folder / "build" / ZIP_NAME
    zipped.parent.mkdir(parents=True, exist_ok=True)
    write_zip(zipped, folder, [DESCRIPTOR, *(item["path"] for item in package["resources"])], package["created"])


def zip_beside(folder: Path, package: dict) -> Beside[None]:
    """write_package_zip on a thread of its own, started at once. zlib lets go of the interpreter while it
    compresses, so the zip (13 s of a 1M package) takes the other core while this one checks the package."""
    return Beside(lambda: write_package_zip(folder, package), "package-zip")


def build_files(database: Path, previous: dict | None, now: dt.datetime,
                data_level: str = "minor") -> dict[str, bytes]:
    """The package files (descriptor last) and the zip of them (under ZIP_NAME), as write_package writes them."""
    with tempfile.TemporaryDirectory() as folder:
        package = write_package(database, Path(folder), previous, now, data_level)
        names = [item["path"] for item in package["resources"]] + [DESCRIPTOR]
        files = {name: (Path(folder) / name).read_bytes() for name in names}
        return {**files, ZIP_NAME: (Path(folder) / "build" / ZIP_NAME).read_bytes()}
