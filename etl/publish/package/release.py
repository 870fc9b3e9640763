"""Semantic versions of the package: major for a schema change, minor for new data, patch for documentation."""
from __future__ import annotations

import datetime as dt

from etl.errors import PackageError
from etl.publish.package.descriptor import DESCRIPTOR
from etl.schema.table_schema import schema_signature

FIRST_VERSION = "1.0.0"
RELEASE_KEYS = ("version", "created")


def release(current: dict, previous: dict | None, now: dt.datetime, data_level: str = "minor") -> tuple[str, str]:
    """Version and created of a descriptor given the published one.

    A schema change (resources, fields, types, constraints, keys) bumps the major version, a data
    change (any resource's bytes) the minor, or the patch when data_level says the change only fixes
    existing values (`etl diff` finds no row added or removed); any other change (documentation) the
    patch; an unchanged package keeps both its version and its created time.
    """
    created = now.astimezone(dt.timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if previous is None:
        return FIRST_VERSION, created
    major, minor, patch = _version(previous.get("version"))
    if _structure(current) != _structure(previous):
        return f"{major + 1}.0.0", created
    if _data(current) != _data(previous) and data_level != "patch":
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
