"""One build, one version: every file of a build in its own folder, published by one atomic symlink switch.

Layout beside the published database (ROOT for `etl build`):

    build/versions/<id>/china_ai_investments.db      the database of that build
    build/versions/<id>/datapackage.json, data/*.csv the data package
    build/versions/<id>/build/china-ai-investments.zip, build/data-docs/
    build/current -> versions/<id>                    the published version: the one rename that publishes
    china_ai_investments.db -> build/current/china_ai_investments.db
    build/china-ai-investments.zip -> current/build/china-ai-investments.zip
    build/data-docs -> current/build/data-docs

datapackage.json and data/*.csv at the top are committed to git, so they stay plain files: copies of the
current version's, refreshed (each by an atomic rename) right after the switch and again at the start of
every build, so that a build killed between the switch and the copies is repaired by the next one.
"""
from __future__ import annotations

import datetime as dt
import errno
import filecmp
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from etl.errors import PackageError
from etl.faults import fault_point
from etl.schema.dataset import ZIP_NAME

BUILDING = ".building-"
DESCRIPTOR = "datapackage.json"
DATA = "data"
BUILD = "build"


@dataclass(frozen=True)
class Layout:
    """Where the versions of one published database live."""

    database: Path

    @property
    def root(self) -> Path:
        return self.database.parent

    @property
    def build(self) -> Path:
        return self.root / BUILD

    @property
    def versions(self) -> Path:
        return self.build / "versions"

    @property
    def current(self) -> Path:
        return self.build / "current"

    def current_version(self) -> Path | None:
        """The folder of the published version, or None before the first versioned build."""
        if not self.current.is_symlink():
            return None
        folder = self.versions / Path(os.readlink(self.current)).name
        return folder if folder.is_dir() else None


def new_version(layout: Layout) -> Path:
    """A private folder for one build, invisible to readers until published."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    folder = layout.versions / f"{BUILDING}{stamp}-{secrets.token_hex(3)}"
    try:
        fault_point("new-version")
        folder.mkdir(parents=True)
    except OSError as error:
        raise write_error(layout.versions, error) from None
    return folder


def publish_version(layout: Layout, folder: Path) -> Path:
    """Publish a complete version folder: name it, stage the top-level copies, then switch build/current.

    Everything that can fail for want of space or permission happens before the switch; after it only
    renames remain, so a failure leaves the previous version published and whole.
    """
    final = folder.with_name(folder.name[len(BUILDING):])
    previous = layout.current_version()
    mirror = None
    try:
        _sync_tree(folder)
        mirror = stage_mirror(layout, folder)
        os.replace(folder, final)
        fault_point("before-switch")
        _point(layout.current, f"versions/{final.name}")
        fault_point("after-switch")
        _stable_links(layout)
        finish_mirror(layout, mirror)
    except OSError as error:
        for temporary in mirror or {}:
            if temporary != mirror[temporary]:
                temporary.unlink(missing_ok=True)
        raise write_error(layout.build, error) from None
    remove_leftovers(layout, previous)
    return final


def _point(link: Path, target: str) -> None:
    """Make link point at target with one atomic rename (never a moment without link)."""
    if os.path.islink(link) and os.readlink(link) == target:
        return
    temporary = link.with_name(f".{link.name}-{secrets.token_hex(4)}")
    os.symlink(target, temporary)
    if link.is_dir() and not link.is_symlink():
        shutil.rmtree(link)  # a copy of build/ that followed the links: the versions are the truth
    os.replace(temporary, link)
    _sync_dir(link.parent)


def _stable_links(layout: Layout) -> None:
    """The links that never change: each resolves through build/current, so they switch with it."""
    _point(layout.database, f"{BUILD}/current/{layout.database.name}")
    current = layout.current_version()
    for name in (ZIP_NAME, "data-docs"):
        if current is not None and (current / BUILD / name).exists():
            _point(layout.build / name, f"current/{BUILD}/{name}")


def sync_mirror(layout: Layout) -> None:
    """Make the top-level copies of the package equal to the current version's (repairs a killed build)."""
    current = layout.current_version()
    if current is not None:
        finish_mirror(layout, stage_mirror(layout, current))


def stage_mirror(layout: Layout, folder: Path) -> dict[Path, Path] | None:
    """Write a temporary copy beside each top-level package file that differs from folder's; None: no package."""
    if not (folder / DESCRIPTOR).is_file():
        return None
    staged = {}
    (layout.root / DATA).mkdir(exist_ok=True)
    for source in [*sorted((folder / DATA).glob("*.csv")), folder / DESCRIPTOR]:
        target = layout.root / source.relative_to(folder)
        if target.is_file() and not target.is_symlink() and filecmp.cmp(source, target, shallow=False):
            staged[target] = target
            continue
        temporary = target.with_name(f".{target.name}-{secrets.token_hex(4)}")
        staged[temporary] = target
        try:
            fault_point("stage-mirror")
            shutil.copyfile(source, temporary)
        except OSError:
            for written in staged:
                if written != staged[written]:
                    written.unlink(missing_ok=True)
            raise
    return staged


def finish_mirror(layout: Layout, staged: dict[Path, Path] | None) -> None:
    """Rename the staged copies into place, descriptor last, and remove CSVs of tables that are gone."""
    if staged is None:
        return
    for temporary, target in staged.items():
        if temporary != target:
            fault_point("mirror")
            os.replace(temporary, target)
    wanted = set(staged.values())
    for stale in (layout.root / DATA).glob("*.csv"):
        if stale not in wanted:
            stale.unlink()


def remove_leftovers(layout: Layout, previous: Path | None = None) -> list[Path]:
    """Remove what killed or failed builds left: temporary databases, staging folders, unpublished versions.

    Keeps the current version and the previous one (or, not knowing it, the newest other), which a
    running server may still be reading."""
    root, build = layout.root, layout.build
    stem, suffix = layout.database.stem, layout.database.suffix
    found = [*root.glob(f".{stem}-*{suffix}"), *root.glob(f"{DATA}/.*.csv-*"), *root.glob(f".{DESCRIPTOR}-*"),
             *root.glob(f".{layout.database.name}-*"), build / ".data-docs-staged", *build.glob(".package-*"),
             *build.glob(".current-*"), *build.glob(".data-docs-*"), *build.glob(".china-ai-investments.zip-*")]
    if layout.versions.is_dir():
        current = layout.current_version()
        finished = sorted(p for p in layout.versions.iterdir() if not p.name.startswith(BUILDING))
        others = [p for p in finished if p != current]
        keep = {current, previous if previous else (others[-1] if others else None)} if current else set()
        found += [p for p in layout.versions.iterdir() if p.name.startswith(BUILDING)]
        found += [p for p in finished if p not in keep and p != current]
    removed = []
    for path in found:
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            continue
        removed.append(path)
    return removed


def write_error(where: Path, error: OSError) -> PackageError:
    """An OS error while publishing as what is wrong — how to fix it; the published version is untouched."""
    from etl import paths

    place = Path(error.filename) if error.filename else where
    place = paths.relative(place.parent if place.name.startswith(".") else place)  # not a temporary name
    if error.errno == errno.ENOSPC:
        return PackageError(f"{place}: no space left on the device — free some space and run etl build again")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return PackageError(f"{place}: cannot write here ({error.strerror}) — make it writable "
                            "(chmod u+w, or a file system that is not read-only) and run etl build again")
    return PackageError(f"{place}: {error.strerror or error} — fix the folder and run etl build again")


def _sync_tree(folder: Path) -> None:
    """Flush every file of a version to disk before it is published, so a power cut cannot publish holes."""
    for directory, _, files in os.walk(folder):
        for name in files:
            descriptor = os.open(os.path.join(directory, name), os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        _sync_dir(Path(directory))


def _sync_dir(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
