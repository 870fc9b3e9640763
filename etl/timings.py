"""Seconds spent in each build stage (nested stages counted once, in the innermost) and the peak memory."""
from __future__ import annotations

import json
import resource
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

STAGES = ("read", "normalise", "reconcile", "write", "validate", "package", "data_docs")
_seconds: dict[str, float] = {}
_since = [time.perf_counter()]
_adding = threading.Lock()
# Each thread nests its own stages: the rules and the package run at once (validation_step in etl/validation/),
# and their seconds overlap in the wall time.
_threads = threading.local()


def _open() -> list[list]:
    """The stages open in this thread, innermost last: [name, started, seconds spent in nested stages]."""
    if not hasattr(_threads, "open"):
        _threads.open = []
    return _threads.open


def reset() -> None:
    with _adding:
        _seconds.clear()
    _since[0] = time.perf_counter()
    _open().clear()


@contextmanager
def stage(name: str) -> Iterator[None]:
    entry = [name, time.perf_counter(), 0.0]
    _open().append(entry)
    try:
        yield
    finally:
        _open().pop()
        spent = time.perf_counter() - entry[1]
        _add(name, spent - entry[2])
        if _open():
            _open()[-1][2] += spent


def record(name: str, spent: float) -> None:
    """Seconds spent in a stage elsewhere (a child process), counted as if nested in the stage open here."""
    _add(name, spent)
    if _open():
        _open()[-1][2] += spent


def _add(name: str, spent: float) -> None:
    with _adding:
        _seconds[name] = _seconds.get(name, 0.0) + spent


def seconds() -> dict[str, float]:
    with _adding:
        return {name: round(_seconds.get(name, 0.0), 4) for name in (*STAGES, *sorted(set(_seconds) - set(STAGES)))}


def peak_rss_mib() -> float:
    """Largest resident set so far of this process or of a child it waited for, such as the validation's
    (Linux reports KiB, macOS bytes)."""
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def write(path: Path, **extra) -> dict:
    """The stages' seconds, their sum (total: stages of two threads overlap, so it can be more than the wall
    time), the wall time since reset() and the peak memory, as JSON."""
    report = {"stages": seconds(), "total": round(sum(_seconds.values()), 4),
              "wall": round(time.perf_counter() - _since[0], 4), "peak_rss_mib": peak_rss_mib(), **extra}
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report
