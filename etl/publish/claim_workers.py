"""The claims files normalised in worker processes, a batch of sources each, merged in the sources' order."""
from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import pickle
import signal
import sys
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from etl.errors import InputError, PackageError
from etl.faults import fault_point
from etl.normalise.claims import normalise_claims
from etl.normalise.fx import FxRate
from etl.normalise.reference import Reference
from etl.publish.claim_stream import ClaimStream, claim_documents
from etl.publish.write import records_of
from etl.publish.writer_process import insert_message, start_method
from etl.reconcile.facts import ClaimFacts
from etl.schema.tables import TABLES_BY_NAME

# Sources per batch: a few thousand claims at the synthetic corpus' density, a message of a megabyte or two.
BATCH_SOURCES = 256
# Below two batches a worker has nothing to overlap with: the five-article build starts no process.
MIN_SOURCES = 2 * BATCH_SOURCES
WORKERS_VARIABLE = "ETL_WORKERS"
PR_SET_PDEATHSIG = 1


class WorkerStopped(PackageError):
    """A worker process ended without an answer (killed, or out of memory)."""


@dataclass
class Merged:
    facts: list[ClaimFacts] = field(default_factory=list)
    fx_rates: dict[str, FxRate] = field(default_factory=dict)
    claims: int = 0


def worker_count() -> int:
    """Worker processes to normalise in: ETL_WORKERS if set, else one per core (at most two: the database writer
    and the build process need their share)."""
    written = os.environ.get(WORKERS_VARIABLE, "").strip()
    if written:
        try:
            return max(0, int(written))
        except ValueError:
            raise PackageError(f"{WORKERS_VARIABLE}={written!r} is not a number — set it to 0 to normalise in one "
                               "process, or to how many worker processes to use") from None
    return min(2, os.cpu_count() or 1)


def can_use_workers(groups: list[list[Path]]) -> bool:
    """Workers pay when there are enough sources for several batches and more than one worker; they are forked
    (they share the reference read here), so never beside another thread, whose locks a fork copies as held."""
    return (len(groups) >= MIN_SOURCES and worker_count() > 1 and sys.platform == "linux"
            and start_method() == "fork")


def normalise_in_workers(groups: list[list[Path]], reference: Reference,
                         send_claims: Callable[[bytes, int], None]) -> Merged | None:
    """Each batch of sources normalised in a worker, its claims sent on (already encoded as the writer's message)
    and its facts kept, in the sources' order; None when some batch found a problem or two batches share a claim
    id: the caller then reads every file again in one process, which reports every problem in its order."""
    gc.freeze()  # the reference stays shared with the workers: a collection would write to every object of it
    executor = ProcessPoolExecutor(worker_count(), mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker, initargs=(reference, os.getpid()))
    try:
        merged, seen = Merged(), set()
        for result in _in_order(executor, _batches(groups), worker_count() * 2):
            if result is None:
                return None
            message, count, facts, fx_rates = result
            seen.update(fact.claim_id for fact in facts)
            if len(seen) != merged.claims + count:
                return None
            send_claims(message, count)
            fault_point("claims-sent")
            merged.facts.extend(facts)
            merged.fx_rates.update(fx_rates)
            merged.claims += count
        return merged
    except BrokenProcessPool:
        raise WorkerStopped("a worker process normalising claims ended without an answer — run etl build again; "
                            f"if it ends again, look for a lack of memory (dmesg), or set {WORKERS_VARIABLE}=0 to "
                            "normalise in one process") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


def _batches(groups: list[list[Path]]) -> Iterator[list[list[Path]]]:
    for start in range(0, len(groups), BATCH_SOURCES):
        yield groups[start:start + BATCH_SOURCES]


def _in_order(executor: ProcessPoolExecutor, batches: Iterator[list[list[Path]]], ahead: int) -> Iterator:
    """Each batch's result in the batches' order, with at most `ahead` batches submitted and not yet taken:
    the results wait here while the writer catches up, and a megabyte or two each is all they may hold."""
    pending: deque = deque()
    for batch in batches:
        pending.append(executor.submit(_normalise_batch, batch))
        if len(pending) >= ahead:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


_reference: Reference | None = None


def _start_worker(reference: Reference, parent: int) -> None:
    global _reference
    _reference = reference
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the build, which stops its workers
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # die with the build, even killed
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def _normalise_batch(groups: list[list[Path]]) -> tuple | None:
    """In a worker: a batch's claims as the writer's insert message, their count, facts and rates; None on
    any problem (the errors themselves are found again by the build, in one process)."""
    fault_point("claims-worker")
    errors: list[InputError] = []
    rows: list[dict] = []
    stream = ClaimStream(rows.extend)
    normalised = normalise_claims(claim_documents(groups, errors, _reference), _reference, errors, stream.add)
    stream.flush()
    if errors:
        return None
    message = insert_message("claims", records_of(TABLES_BY_NAME["claims"], rows), in_order=True)
    return message, len(rows), stream.facts, normalised.fx_rates
