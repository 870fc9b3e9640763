"""The Great Expectations gate: the rules of expectations/ run on a built database before it is published."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from functools import partial
from pathlib import Path
from typing import Callable

from etl import paths, timings
from etl.beside import Beside
from etl.faults import fault_point
from etl.validation.cache import ValidationCache, gx_version, unit_keys
from etl.validation.cache import enabled as cache_enabled
from etl.validation.files import ExpectationFileError, read_suites
from etl.validation.isolated import ValidationProcessError, run_rules, run_rules_apart
from etl.validation.offline import check_vendored, make_offline
from etl.validation.report import Run, ValidationFailed, failure_report, record
from etl.validation.runner import unit_name, units_of

__all__ = ["ExpectationFileError", "Run", "ValidationFailed", "ValidationProcessError", "data_docs_dir",
           "failure_report", "validate", "validated_beside", "validation_step"]


# A build step (see etl/publish/pipeline.py): checks or writes beside the database, may return what to do once
# it is published.
Step = Callable[[Path, Callable[[str], None]], "Callable[[], None] | None"]


def data_docs_dir() -> Path:
    return paths.BUILD_DIR / "data-docs"


def failed_docs_dir() -> Path:
    return paths.BUILD_DIR / "data-docs-failed"


def validate(database: Path, docs: Path | None = None, runner=None, cache: ValidationCache | None = None) -> Run:
    """Run every rule on database; offline Data Docs go to docs when given. Without a runner, GX is imported and
    the rules run in a child process (see isolated.py), so that its memory goes with it.

    With cache, a unit whose key (its rules, the content of the tables they read, the versions and our code)
    passed before is not run again: its stored results stand, and its stored GX result is rendered in the
    Data Docs again. When every unit passed before, GX is not imported and the Data Docs of that same run
    are copied."""
    started = time.perf_counter()
    if docs is not None:
        check_vendored()
    suites = read_suites() if runner is None else None
    units = units_of(suites) if runner is None else runner.units
    keys = unit_keys(database, units) if cache is not None else {}
    hits = {unit.name: entry for unit in units
            if unit.name in keys and (entry := cache.get(unit, keys[unit.name])) is not None}
    results = {name: entry["results"] for name, entry in hits.items()}
    missed = {unit.name for unit in units} - set(hits)
    version = gx_version()
    if missed or (docs is not None and not _restored_docs(cache, keys, docs)):
        restored = [entry["gx"] for entry in hits.values()]
        if runner is None:
            outcome = run_rules_apart(suites, docs, database, missed, restored, keep_records=bool(keys))
        else:
            outcome = run_rules(runner, database, missed, restored, keep_records=bool(keys))
        version = outcome.version
        for unit in units:
            if unit.name in missed:
                results[unit.name] = [result for result in outcome.results if unit_name(result) == unit.name]
                if unit.name in keys:
                    cache.put(keys[unit.name], results[unit.name], outcome.records[unit.name])
        if docs is not None:
            with timings.stage("data_docs"):
                make_offline(docs)
                if cache is not None and len(hits) + len(missed) == len(keys) and all(
                        result.success for found in results.values() for result in found):
                    cache.put_docs(keys, docs)
    now = dt.datetime.now(dt.timezone.utc)
    return Run(run_id=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), run_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
               gx_version=version, seconds=time.perf_counter() - started,
               results=tuple(result for unit in units for result in results[unit.name]), reused=len(hits))


def _restored_docs(cache: ValidationCache | None, keys: dict[str, str], docs: Path) -> bool:
    if cache is None:
        return False
    with timings.stage("data_docs"):
        return cache.restore_docs(keys, docs)


def validation_step(database: Path, say: Callable[[str], None], beside: Step | None = None) -> Callable[[], None]:
    """Build step: validate the unpublished database, record the run in it, write Data Docs into its version;
    raise on failure.

    beside, a step that only reads the database (the package), runs in this thread while the rules run in
    theirs: both only read the file, and the run is recorded in it once both are done. A rule that fails is
    reported before anything beside raised (the rows it wrote from are not valid); what beside says is said
    after the validation's summary, in the order it said it."""
    docs = database.parent / "build" / "data-docs"
    shutil.rmtree(docs, ignore_errors=True)
    fault_point("validate")
    rules = Beside(partial(_validate_timed, database, docs), "validation")
    heard: list[str] = []
    try:
        then = beside(database, heard.append) if beside else None
    except Exception as error:  # noqa: BLE001 — raised below, unless the rules failed
        beside_error: Exception | None = error
    else:
        beside_error = None
    finally:
        rules_error = rules.wait()
    if rules_error is not None:
        raise rules_error
    run = rules.result
    with timings.stage("validate"):
        record(database, run)
    fault_point("validated")
    if not run.success:
        _replace(docs, failed_docs_dir())
        raise ValidationFailed(run, f"{paths.relative(failed_docs_dir())}/index.html")
    if beside_error is not None:
        raise beside_error
    reused = f" ({run.reused} suite parts passed before on the same content)" if run.reused else ""
    say(f"validated: {run.summary} in {run.seconds:.1f} s{reused}")
    for message in heard:
        say(message)

    def published() -> None:
        shutil.rmtree(failed_docs_dir(), ignore_errors=True)
        say(f"Data Docs: {paths.relative(data_docs_dir())}/index.html")
        if then:
            then()

    return published


def validated_beside(step: Step) -> Step:
    """validation_step with step run while the rules run (see there)."""
    return partial(validation_step, beside=step)


def _validate_timed(database: Path, docs: Path) -> Run:
    with timings.stage("validate"):
        return validate(database, docs=docs, cache=ValidationCache() if cache_enabled() else None)


def _replace(staged: Path, target: Path) -> None:
    shutil.rmtree(target, ignore_errors=True)
    if staged.exists():
        os.replace(staged, target)
