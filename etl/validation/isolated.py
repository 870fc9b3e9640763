"""Great Expectations in a process of its own: GX and the memory-mapped database go when the rules are done."""
from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from etl import memos, paths, timings
from etl.faults import fault_point
from etl.validation.runner import RuleResult


@dataclass(frozen=True)
class Outcome:
    """What a run of the rules gives back: GX's version, each rule's result, and the GX records asked for."""
    version: str
    results: list[RuleResult]
    records: dict[str, dict] = field(default_factory=dict)


class ValidationProcessError(Exception):
    """The process running the rules ended without an answer (killed, or out of memory)."""


def run_rules(runner, database: Path, units: set[str], restored: Iterable[dict], keep_records: bool) -> Outcome:
    """The units' rules on database with a runner of this process; their GX records when keep_records."""
    results = runner.run(database, units=units, restored=restored)
    records = {name: runner.records[name] for name in runner.records} if keep_records else {}
    return Outcome(runner.version, results, records)


def run_rules_apart(suites: list[dict], docs: Path | None, database: Path, units: set[str],
                    restored: list[dict], keep_records: bool) -> Outcome:
    """run_rules in a fresh child process, its Data Docs written to docs; its stage seconds counted here.

    The build process has already grown to hold the inputs; GX (about 150 MiB once imported) and the pages
    of the memory-mapped database (up to its size) would come on top of that. A child returns them all to the
    system when it ends. The build process first gives back what it no longer needs (etl/memos.py): both run at
    once, and their sum is what the machine must hold."""
    spawn = multiprocessing.get_context("spawn")  # a fork would copy the build's memory, and its threads' locks
    memos.give_back()
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
            outcome, seconds = pool.submit(_child, suites, docs, database, units, restored, keep_records).result()
    except BrokenProcessPool as error:
        raise ValidationProcessError(
            f"{paths.relative(database)}: the process running the validation rules ended without an answer "
            f"({error}) — it may have run out of memory; free some and run the command again") from None
    for stage, spent in seconds.items():
        timings.record(stage, spent)
    return outcome


def _child(suites: list[dict], docs: Path | None, database: Path, units: set[str], restored: list[dict],
           keep_records: bool) -> tuple[Outcome, dict[str, float]]:
    from etl.validation.runner import Runner

    timings.reset()
    fault_point("validation-process")
    outcome = run_rules(Runner(suites, docs), database, units, restored, keep_records)
    return outcome, {stage: spent for stage, spent in timings.seconds().items() if spent}
