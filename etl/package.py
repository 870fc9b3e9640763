"""The Frictionless data package: data/<table>.csv, datapackage.json and a zip, generated from the database."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import tempfile
import weakref
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from etl import paths
from etl.model import Table
from etl.table_schema import schema_signature, table_schema
from etl.tables import DATA_TABLES

NAME = "china-ai-investments"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
DESCRIPTOR = "datapackage.json"
DATA_FOLDER = "data"
ZIP_NAME = f"{NAME}.zip"
FIRST_VERSION = "1.0.0"
TITLE = "Alibaba's 2024 investments in Chinese AI start-ups: sourced claims"
DESCRIPTION = (
    "A small open dataset of claims about Alibaba's 2024 investments in Chinese AI start-ups (Moonshot AI, "
    "MiniMax, Zhipu AI, Baichuan and others), taken from five news articles. Every claim carries the "
    "verbatim quote that states it and its character offsets in the article; funding rounds and round "
    "investors are reconciled from the claims and name the claim each value came from, and conflicting "
    "claims are kept side by side. Dates of varying precision are ISO 8601 text (YYYY, YYYY-MM or "
    "YYYY-MM-DD) with a precision column beside each. The data is published under CC-BY-4.0; the quoted "
    "excerpts remain their publishers' and are used as short quotations. The full article texts are not "
    "included."
)
KEYWORDS = [
    "Alibaba", "China", "artificial intelligence", "start-ups", "venture capital", "funding rounds",
    "investments", "claims", "provenance", "quotations",
]
LICENSES = [{
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}]
CONTRIBUTORS = [{"title": "The china-ai-investments maintainers", "roles": ["creator"]}]
RESOURCE_FORMAT = {"scheme": "file", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"}
RELEASE_KEYS = ("version", "created")
MAX_PROBLEMS = 20


class PackageError(Exception):
    """A package that cannot be made or published: the message says what is wrong and how to fix it."""


def read_rows(connection: sqlite3.Connection, table: Table) -> list[tuple]:
    """Every row of a table in its stable order (NULLs last, as the build inserts them)."""
    columns = ", ".join(f"[{name}]" for name in table.column_names)
    order = ", ".join(f"[{name}] IS NULL, [{name}]" for name in table.order_by)
    return connection.execute(f"SELECT {columns} FROM [{table.name}] ORDER BY {order}").fetchall()


def csv_cell(value: object) -> str:
    """A cell as text: NULL empty, integers without a decimal point, floats as Python's shortest repr."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        if value == "":
            raise PackageError("an empty string cannot be told from NULL in the CSV — store NULL instead")
        return value
    raise PackageError(f"cannot write a {type(value).__name__} to CSV — store text or numbers")


def csv_bytes(table: Table, rows: Iterable[tuple]) -> bytes:
    """UTF-8 CSV with a header row and "\\n" line endings."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")


def resource(table: Table, data: bytes) -> dict:
    return {
        "name": table.name,
        "type": "table",
        "path": f"{DATA_FOLDER}/{table.name}.csv",
        **RESOURCE_FORMAT,
        "title": table.title,
        "description": table.description,
        "bytes": len(data),
        "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
        "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"'},
        "schema": table_schema(table),
    }


def package_sources(connection: sqlite3.Connection) -> list[dict]:
    """The articles as package sources: title, publisher, author and date where the text gives them."""
    rows = connection.execute(
        "SELECT title, publisher, author, published, url FROM sources ORDER BY source_id").fetchall()
    sources = []
    for title, publisher, author, published, url in rows:
        item = {"title": title, "publisher": publisher, "author": author, "date": published, "path": url}
        sources.append({key: value for key, value in item.items() if value is not None})
    return sources


def descriptor(resources: list[dict], sources: list[dict], version: str, created: str) -> dict:
    return {
        "$schema": PROFILE,
        "name": NAME,
        "title": TITLE,
        "description": DESCRIPTION,
        "version": version,
        "created": created,
        "keywords": list(KEYWORDS),
        "licenses": [dict(item) for item in LICENSES],
        "sources": sources,
        "contributors": [dict(item) for item in CONTRIBUTORS],
        "resources": resources,
    }


def release(current: dict, previous: dict | None, now: dt.datetime) -> tuple[str, str]:
    """Version and created of a descriptor given the published one.

    A schema change (resources, fields, types, constraints, keys) bumps the major version, a data
    change (any resource's bytes) the minor, any other change (documentation) the patch; an unchanged
    package keeps both its version and its created time.
    """
    created = now.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if previous is None:
        return FIRST_VERSION, created
    major, minor, patch = _version(previous.get("version"))
    if _structure(current) != _structure(previous):
        return f"{major + 1}.0.0", created
    if _data(current) != _data(previous):
        return f"{major}.{minor + 1}.0", created
    if _without_release(current) != _without_release(previous):
        return f"{major}.{minor}.{patch + 1}", created
    return previous["version"], previous.get("created") or created


def _version(text: object) -> tuple[int, int, int]:
    parts = text.split(".") if isinstance(text, str) else []
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise PackageError(f"{DESCRIPTOR}: version {text!r} is not MAJOR.MINOR.PATCH — restore the "
                           f"published {DESCRIPTOR} (git checkout {DESCRIPTOR}) and run the build again")
    major, minor, patch = (int(part) for part in parts)
    return major, minor, patch


def _structure(package: dict) -> list:
    return [(item.get("name"), item.get("path"), item.get("format"), item.get("encoding"),
             item.get("dialect"), schema_signature(item.get("schema") or {"fields": []}))
            for item in package.get("resources", [])]


def _data(package: dict) -> list:
    return [(item.get("name"), item.get("hash")) for item in package.get("resources", [])]


def _without_release(package: dict) -> dict:
    return {key: value for key, value in package.items() if key not in RELEASE_KEYS}


def descriptor_bytes(package: dict) -> bytes:
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


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


def package_files(database: Path, previous: dict | None, now: dt.datetime) -> dict[str, bytes]:
    """Every file of the package by its path relative to the descriptor, descriptor last."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            tables = [(table, csv_bytes(table, read_rows(connection, table))) for table in DATA_TABLES]
            sources = package_sources(connection)
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise PackageError(f"{paths.relative(database)}: {error} — run etl build to rebuild the database") from error
    resources = [resource(table, data) for table, data in tables]
    unreleased = descriptor(resources, sources, FIRST_VERSION, "")
    version, created = release(unreleased, previous, now)
    files = {f"{DATA_FOLDER}/{table.name}.csv": data for table, data in tables}
    files[DESCRIPTOR] = descriptor_bytes(descriptor(resources, sources, version, created))
    return files


def build_files(database: Path, previous: dict | None, now: dt.datetime) -> dict[str, bytes]:
    """The package files and the zip of them (under ZIP_NAME)."""
    files = package_files(database, previous, now)
    created = json.loads(files[DESCRIPTOR])["created"]
    contents = {DESCRIPTOR: files[DESCRIPTOR], **files}
    return {**files, ZIP_NAME: zip_bytes(contents, created)}


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
          check: Callable[[Path], None] | None = None) -> Staged:
    """Write the package from database into a folder under build/, check it, and return its publisher."""
    files = build_files(database, read_previous(paths.DATAPACKAGE), now or dt.datetime.now(dt.timezone.utc))
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
                                  "the table definitions in etl/tables.py or the inputs the rows come from, "
                                  "then run etl build again"]))


def package_step(database: Path, say: Callable[[str], None]) -> Staged:
    """Build step: stage and validate the package from the unpublished database; publish it with the database."""
    staged = stage(database, check=check_package)
    say(f"staged data package {NAME} {staged.package['version']}: {len(staged.package['resources'])} "
        "CSV files, valid for frictionless")
    return staged
