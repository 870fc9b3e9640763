"""The pipeline runner: rows into a new version folder, each build step on it, then publish it in one switch."""
from __future__ import annotations

import shutil
import sqlite3
from functools import partial
from pathlib import Path
from typing import Callable, Protocol, Sequence

from etl import memos, paths, timings
from etl.beside import Beside
from etl.errors import PackageError
from etl.faults import fault_point
from etl.publish.package.stage import Staged, check_package, stage
from etl.publish.rows import collect_rows
from etl.publish.versions import (
    Layout,
    new_version,
    publish_version,
    remove_leftovers,
    sync_mirror,
    write_error,
)
from etl.publish.writer_process import WriterProcess


class Step(Protocol):
    def __call__(self, database: Path, say: Callable[[str], None]) -> Callable[[], None] | None: ...


def build(target: Path = paths.DATABASE, steps: Sequence[Step] = (),
          say: Callable[[str], None] = lambda message: None) -> dict[str, int]:
    """Build a new version beside target, run each step on it, and only then publish it (see versions.py).

    A step checks the unpublished database or writes files of its version beside it (database.parent);
    it raises to stop the build, and may return a function to call once the version is published.
    """
    layout = Layout(target)
    prepare(layout)
    folder = new_version(layout)
    try:
        database = folder / target.name
        fault_point("write-database")
        counts = _write(database)
        say(f"read {counts['claims']} claims from {counts['sources']} sources")
        say(f"wrote {sum(counts.values())} rows to a new version")
        after = _run_steps(steps, database, say)
        publish_version(layout, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for then in after:
        then()
    return counts


def _run_steps(steps: Sequence[Step], database: Path, say: Callable[[str], None]) -> list[Callable[[], None]]:
    """Each step on the new version; a disk that fills or a folder that turns read-only becomes a PackageError."""
    try:
        return [then for step in steps if (then := step(database, say))]
    except OSError as error:
        raise write_error(database.parent, error) from None
    except sqlite3.OperationalError as error:
        if "full" in str(error) or "readonly" in str(error):
            raise _sqlite_error(database, error) from None
        raise


def prepare(layout: Layout) -> None:
    """Before a build: remove what killed builds left, and repair the top-level copies of the package."""
    try:
        remove_leftovers(layout)
        sync_mirror(layout)
    except OSError as error:
        raise write_error(layout.root, error) from None


def _write(database: Path) -> dict[str, int]:
    """The rows of the inputs into the new database, the claims as they are normalised; the row counts."""
    try:
        with memos.no_collections(), WriterProcess(database) as writer:
            rows = collect_rows(partial(writer.insert, "claims", in_order=True), partial(_insert, writer),
                                partial(writer.index, "claims"))
            with timings.stage("write"):
                writer.finish()
            return {name: writer.counts[name] for name in rows}
    except sqlite3.OperationalError as error:
        raise _sqlite_error(database, error) from None
    except OSError as error:
        raise write_error(database.parent, error) from None


def _insert(writer: WriterProcess, name: str, rows: list[dict]) -> None:
    """A table's rows as soon as they are made (in the table's order: the writer sorts them), all at once: the
    writer checks and indexes the table, and its keys once its parents are in, while the build goes on."""
    with timings.stage("write"):
        writer.insert(name, rows)
        writer.index(name)
        fault_point("insert-rows")


def _sqlite_error(database: Path, error: sqlite3.OperationalError) -> PackageError:
    if "full" in str(error):
        return PackageError(f"{paths.relative(database.parent)}: no space left on the device — free some space "
                            "and run etl build again")
    return PackageError(f"{paths.relative(database)}: cannot write the database ({error}) — make the folder "
                        "writable and run etl build again")


def repackage(target: Path = paths.DATABASE, full_check: bool = False) -> Staged:
    """A new version with the published database, its Data Docs and a freshly written package (`etl package`)."""
    layout = Layout(target)
    prepare(layout)
    current = layout.current_version()
    folder = new_version(layout)
    published = target.resolve()
    copying = Beside(lambda: _copy_database(published, folder / target.name), "database-copy")
    try:
        try:
            docs = (current or layout.root) / "build" / "data-docs"
            if docs.is_dir():
                shutil.copytree(docs, folder / "build" / "data-docs")
        except OSError as error:
            raise write_error(folder, error) from None
        # The package is written from the published database while the copy is made (the kernel's work): the
        # two take a core each.
        staged = stage(published, check=partial(check_package, full=True if full_check else None), folder=folder)
        copy_error = copying.wait()
        if copy_error is not None:
            raise (write_error(folder, copy_error) if isinstance(copy_error, OSError) else copy_error) from None
        publish_version(layout, folder)
    finally:
        copying.wait()
        shutil.rmtree(folder, ignore_errors=True)
    return staged


def _copy_database(published: Path, target: Path) -> None:
    fault_point("copy-database")
    shutil.copyfile(published, target)
