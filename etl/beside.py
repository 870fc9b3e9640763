"""Work beside the caller's: on a thread of its own (what it returned or raised, once the caller waits for it), or
in a process, started the way this process can start one."""
from __future__ import annotations

import threading
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Beside(threading.Thread, Generic[T]):
    """work() on a thread of its own, started at once; wait() ends it and gives what it raised, result what it
    returned. The caller raises the error in its own thread, where the build's error handling is."""

    def __init__(self, work: Callable[[], T], name: str):
        super().__init__(name=name, daemon=True)
        self.work = work
        self.result: T | None = None
        self.error: Exception | None = None
        self.start()

    def run(self) -> None:
        try:
            self.result = self.work()
        except Exception as error:  # noqa: BLE001 — any failure goes to the caller, which raises it
            self.error = error

    def wait(self) -> Exception | None:
        self.join()
        return self.error


def process_start_method() -> str:
    """fork while this process has one thread (the child needs no imports and starts in milliseconds); else spawn:
    a fork copies a lock another thread holds (SQLite's, the import lock) as held for good."""
    return "fork" if threading.active_count() == 1 else "spawn"
