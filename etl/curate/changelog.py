"""CHANGELOG.md: one entry per published version, written by `etl build` from the diff against the last build."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Callable

from etl import paths
from etl.curate import CurationError
from etl.curate.diff import Diff, diff_builds

HEADER = """# Changelog

Every published version of the china-ai-investments data package, newest first. `etl build` writes each
entry from `etl diff` between the previous build and the new one; the version follows the package's rule
(major: schema change, minor: new data, patch: other changes). Commit this file with the build.
"""
_ENTRY = re.compile(r"^## (\S+)", re.M)
MAX_LISTED = 12


def changelog_path() -> Path:
    return paths.ROOT / "CHANGELOG.md"


def entry(version: str, day: str, diff: Diff | None) -> str:
    if diff is None:
        return f"## {version} — {day}\n\nFirst published build.\n"
    summary = diff.summary() if not diff.empty else "no change to the data; the package's description changed"
    lines = [f"## {version} — {day}", "", summary[0].upper() + summary[1:] + ".", ""]
    for table, table_diff in diff.tables.items():
        for change, keys in (("added", table_diff.added), ("removed", table_diff.removed),
                             ("changed", list(table_diff.changed))):
            if keys:
                shown = ", ".join(keys[:MAX_LISTED]) + (f" and {len(keys) - MAX_LISTED} more"
                                                       if len(keys) > MAX_LISTED else "")
                lines.append(f"- {table} {change}: {shown}")
    for table in diff.schema_changed:
        lines.append(f"- {table}: columns changed")
    return "\n".join(lines).rstrip() + "\n"


def versions(text: str) -> list[str]:
    return _ENTRY.findall(text)


def append_entry(version: str, diff: Diff | None, day: str) -> bool:
    """Add the entry of version under the header (newest first); False when the version already has one."""
    path = changelog_path()
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if version in versions(text):
        return False
    first = _ENTRY.search(text)
    at = first.start() if first else len(text)
    head = text[:at].rstrip("\n") + "\n\n"
    rest = text[at:]
    path.write_text(head + entry(version, day, diff) + ("\n" + rest if rest else ""), encoding="utf-8")
    return True


def previous_build(published: Path) -> Path | None:
    """What the new build is compared with: the published database, else the committed package."""
    if published.is_file():
        return published
    return paths.DATAPACKAGE if paths.DATAPACKAGE.is_file() else None


def changelog_step(published: Path) -> Callable:
    """Build step: diff the unpublished database against the last build; once published, add the changelog entry."""
    def changelog(database: Path, say: Callable[[str], None]) -> Callable[[], None]:
        previous = previous_build(published)
        before = _version()
        try:
            diff = diff_builds(previous, database) if previous else None
        except CurationError as error:
            say(f"cannot compare with the previous build ({error}); the changelog entry lists no changes")
            diff = None
        if diff is not None:
            say(f"changes since {paths.relative(previous)}: {diff.summary()}")

        def publish() -> None:
            version = _version()
            if version is None or version == before:
                return
            day = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
            if append_entry(version, diff, day):
                say(f"{paths.relative(changelog_path())}: entry for version {version} — commit it with the build")

        return publish

    return changelog


def _version() -> str | None:
    try:
        return json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError, AttributeError):
        return None
