"""The database writer in a process of its own, so that SQLite's inserts and index sorts run on another core."""
from __future__ import annotations

import collections
import fcntl
import multiprocessing
import pickle
import queue
import signal
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Iterable

from etl.beside import process_start_method
from etl.errors import PackageError
from etl.faults import fault_point
from etl.publish.write import EARLY_INDEX_CACHE_KIB, DatabaseWriter, records_of
from etl.schema.model import Table
from etl.schema.tables import TABLES

STOP_WAIT = 60.0  # seconds for the writer to end once told to
# A pipe holds 64 KiB: a few sources' claims. When the writer falls behind for a moment (an index sort, another
# process on its core) the build would wait on every write; a wider pipe lets it go on normalising meanwhile.
PIPE_BYTES = 1 << 20
# Rows inserted in order (the claims, a source at a time) go down the pipe a few thousand at a time: a message per
# source was 79,016 of them at a million claims, about 26 µs each beside their pickling. Each source's rows are
# pickled at once and held as bytes, so that its tuples are let go as soon as before.
BATCH_ROWS = 2000
# What the writer reads ahead of SQLite: while it checks or indexes a chunk of claims (a quarter of a second at a
# million), the pipe is emptied into memory, so the build does not wait for it.
READ_AHEAD_BYTES = 16 << 20


class WriterStopped(PackageError):
    """The writer process ended without an answer (killed, or out of memory)."""


class WriterProcess:
    """DatabaseWriter's interface, with the writer in a forked process: the rows go down a pipe as tuples in
    their table's column order (those in order a batch at a time), and the build goes on normalising while
    SQLite inserts them; the writer reads the pipe ahead of SQLite (ReadAhead). An error in the
    writer (a full disk, a read-only folder, a failed CHECK) comes back as the same exception at the next call.

    Once the writer is asked to index a table (a sort of a million rows takes seconds), later messages go down
    the pipe from a thread of their own: the build goes on reconciling instead of waiting for the writer to
    read the next table (megabytes; the pipe holds one). Before that the writer keeps up, and a direct send is
    cheaper than a thread's turn for each of the claims' many small batches.

    Forked, not spawned: the child needs no imports of its own, starts in milliseconds, and the five-article
    build stays as fast as it was. It reads nothing but the pipe, and ends when the pipe closes (its parent
    ended, killed or not) or when told to. A process with other threads (a test run beside a served site)
    spawns it instead: a fork copies a lock another thread holds (SQLite's, the import lock) as held for good.
    """

    def __init__(self, path: Path, tables: tuple[Table, ...] = TABLES):
        self.tables = {table.name: table for table in tables}
        self.counts = {table.name: 0 for table in tables}
        context = multiprocessing.get_context(process_start_method())
        self._answers, answer = context.Pipe(duplex=False)
        request, self._requests = context.Pipe(duplex=False)
        _widen(self._requests)
        self._process = context.Process(target=_serve, args=(path, tables, request, answer,
                                                             (self._answers, self._requests)),
                                        name="database-writer", daemon=True)
        self._process.start()
        request.close()
        answer.close()
        self._outbox: Outbox | None = None
        self._held_table: str | None = None
        self._held: list[bytes] = []
        self._held_rows = 0

    def insert(self, name: str, rows: Iterable[dict], in_order: bool = False) -> None:
        """Rows to insert; rows in their table's order are held until BATCH_ROWS of them (or another message)."""
        records = records_of(self.tables[name], rows)
        self.counts[name] += len(records)
        if in_order and self._held_table in (None, name):
            self._held_table = name
            self._held.append(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))
            self._held_rows += len(records)
            if self._held_rows >= BATCH_ROWS:
                self._send_held()
            return
        self._send_held()
        self._send(("insert", name, records, in_order))

    def index(self, name: str) -> None:
        """Build the table's indexes in the writer now, while this process goes on (its last row is in)."""
        self._send_held()
        self._send(("index", name, EARLY_INDEX_CACHE_KIB))
        if self._outbox is None:
            self._outbox = Outbox(self._requests)

    def finish(self) -> None:
        self._send_held()
        self._send(("finish",))
        self._empty_outbox()
        self._answer()

    def close(self) -> None:
        if self._outbox is not None:
            self._outbox.discard()
            self._outbox.drain()
            self._outbox = None
        if self._process.is_alive():
            try:
                self._requests.send_bytes(pickle.dumps(("close",)))
            except OSError:
                pass
        self._requests.close()
        self._process.join(STOP_WAIT)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._answers.close()

    def __enter__(self) -> "WriterProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _send_held(self) -> None:
        if self._held_table is not None:
            message = ("insert_pickled", self._held_table, self._held)
            self._held_table, self._held, self._held_rows = None, [], 0
            self._send(message)

    def _send(self, message: tuple) -> None:
        if self._answers.poll():  # the writer failed: say why now, not after the rest of the claims
            self._answer()
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        if self._outbox is not None and self._outbox.failed:
            self._empty_outbox()  # raises the writer's answer
        if self._outbox is not None:
            self._outbox.put(data)
            return
        try:
            self._requests.send_bytes(data)
        except OSError:
            self._answer()
            raise

    def _empty_outbox(self) -> None:
        """Every message put in the outbox sent, and its thread ended: later ones go straight down the pipe."""
        outbox, self._outbox = self._outbox, None
        if outbox is not None:
            outbox.drain()
            if outbox.failed:
                self._answer()
                raise outbox.failed

    def _answer(self) -> None:
        """The writer's answer: nothing when it is done, its exception raised here when it failed."""
        try:
            kind, detail = pickle.loads(self._answers.recv_bytes())
        except (EOFError, OSError):
            self._process.join(STOP_WAIT)
            raise WriterStopped(f"the database writer process ended without an answer (exit code "
                                f"{self._process.exitcode}) — run etl build again; if it ends again, look "
                                "for a lack of memory (dmesg)") from None
        if kind == "error":
            raise detail


class Outbox:
    """Messages sent down a pipe, in order, by a thread of their own; a failed send ends the sending (the
    writer has ended, and its answer says why) and the rest is thrown away."""

    def __init__(self, pipe: Connection):
        self.pipe = pipe
        self.failed: OSError | None = None
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send_each, name="database-writer-outbox", daemon=True)
        self._thread.start()

    def put(self, data: bytes) -> None:
        self._queue.put(data)

    def discard(self) -> None:
        """Throw away what is not sent yet (the build stopped: the writer need not insert it first)."""
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def drain(self) -> None:
        """Send everything put so far and end the thread. It waits for the writer to read, as a send would; a
        writer that ended makes the send fail at once (no reader left), so it never waits for good."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _send_each(self) -> None:
        while (data := self._queue.get()) is not None:
            if self.failed is None:
                try:
                    self.pipe.send_bytes(data)
                except OSError as error:
                    self.failed = error


def _widen(pipe: Connection) -> None:
    try:
        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:  # above the system's pipe-max-size: the pipe keeps its size, which only costs waiting
        pass


def _serve(path: Path, tables: tuple[Table, ...], requests: Connection, answers: Connection,
           parent_ends: tuple[Connection, ...]) -> None:
    """The writer process: each request in order, until "close" or the end of the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the build, which closes the pipe
    for end in parent_ends:
        end.close()
    try:
        with DatabaseWriter(path, tables) as writer:
            ahead = ReadAhead(requests, READ_AHEAD_BYTES)
            while (data := ahead.get()) is not None:
                message = pickle.loads(data)
                kind = message[0]
                if kind == "insert":
                    fault_point("database-writer")
                    writer.insert_records(*message[1:])
                elif kind == "insert_pickled":
                    fault_point("database-writer")
                    writer.insert_records(message[1], [row for part in message[2] for row in pickle.loads(part)],
                                          True)
                elif kind == "index":
                    writer.index(*message[1:])
                elif kind == "finish":
                    writer.finish()
                    answers.send_bytes(pickle.dumps(("done", None)))
                elif kind == "close":
                    return
    except Exception as error:  # noqa: BLE001 — every failure goes back to the build, which reports it
        answers.send_bytes(pickle.dumps(("error", _portable(error))))


class ReadAhead:
    """The messages of a pipe, read by a thread of their own up to a number of bytes ahead of the reader (one
    message more, whatever its size); None at the end of the pipe. SQLite lets go of the interpreter while it
    works, so the thread reads the pipe meanwhile."""

    def __init__(self, pipe: Connection, limit: int):
        self.pipe, self.limit = pipe, limit
        self.waiting: collections.deque[bytes | None] = collections.deque()
        self.size = 0
        self.changed = threading.Condition()
        threading.Thread(target=self._read_each, name="database-writer-read-ahead", daemon=True).start()

    def get(self) -> bytes | None:
        with self.changed:
            while not self.waiting:
                self.changed.wait()
            data = self.waiting.popleft()
            self.size -= len(data or b"")
            self.changed.notify()
            return data

    def _read_each(self) -> None:
        while True:
            try:
                data = self.pipe.recv_bytes()
            except (EOFError, OSError):
                data = None
            with self.changed:
                while self.size >= self.limit:
                    self.changed.wait()
                self.waiting.append(data)
                self.size += len(data or b"")
                self.changed.notify()
            if data is None:
                return


def _portable(error: Exception) -> Exception:
    """The exception itself when it survives pickling (sqlite3's, OSError's), else a RuntimeError saying it
    (an exception whose __init__ takes other arguments than its args fails to unpickle with a TypeError)."""
    try:
        return pickle.loads(pickle.dumps(error))
    except (pickle.PicklingError, TypeError, AttributeError):
        return RuntimeError(f"{type(error).__name__}: {error}")
