"""The Great Expectations gate: the rules of expectations/ run on a built database before it is published."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path
from typing import Callable

from etl import paths, timings
from etl.faults import fault_point
from etl.validation.files import ExpectationFileError, read_suites
from etl.validation.offline import check_vendored, make_offline
from etl.validation.report import Run, ValidationFailed, failure_report, record

__all__ = ["ExpectationFileError", "Run", "ValidationFailed", "data_docs_dir", "failure_report", "validate",
           "validation_step"]


def data_docs_dir() -> Path:
    return paths.BUILD_DIR / "data-docs"


def failed_docs_dir() -> Path:
    return paths.BUILD_DIR / "data-docs-failed"


def validate(database: Path, docs: Path | None = None, runner=None) -> Run:
    """Run every rule on database (GX is imported here, on first use); offline Data Docs go to docs when given."""
    started = time.perf_counter()
    if docs is not None:
        check_vendored()
    if runner is None:
        from etl.validation.runner import Runner

        runner = Runner(read_suites(), docs)
    results = runner.run(database)
    if docs is not None:
        with timings.stage("data_docs"):
            make_offline(docs)
    now = dt.datetime.now(dt.timezone.utc)
    return Run(run_id=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), run_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
               gx_version=runner.version, seconds=time.perf_counter() - started, results=tuple(results))


def validation_step(database: Path, say: Callable[[str], None]) -> Callable[[], None]:
    """Build step: validate the unpublished database, record the run in it, write Data Docs into its version;
    raise on failure."""
    docs = database.parent / "build" / "data-docs"
    shutil.rmtree(docs, ignore_errors=True)
    fault_point("validate")
    with timings.stage("validate"):
        run = validate(database, docs=docs)
        record(database, run)
    fault_point("validated")
    if not run.success:
        _replace(docs, failed_docs_dir())
        raise ValidationFailed(run, f"{paths.relative(failed_docs_dir())}/index.html")
    say(f"validated: {run.summary} in {run.seconds:.1f} s")

    def published() -> None:
        shutil.rmtree(failed_docs_dir(), ignore_errors=True)
        say(f"Data Docs: {paths.relative(data_docs_dir())}/index.html")

    return published


def _replace(staged: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    if staged.exists():
        os.replace(staged, target)
