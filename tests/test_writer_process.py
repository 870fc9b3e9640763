"""The database writer in its own process: the same file as in-process, and its errors come back as they were."""
from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import threading
import time

import pytest

from etl import beside
from etl.publish.write import DatabaseWriter
from etl.publish import writer_process
from etl.publish.writer_process import WriterProcess, WriterStopped
from tests.test_database_writer import PREDICATE

OTHER = {**PREDICATE, "predicate_id": "round_date", "label": "Round date", "value_kind": "date"}


def dump(path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def write(writer_class, path, index_early: bool = False) -> None:
    with writer_class(path) as writer:
        writer.insert("predicates", [OTHER, PREDICATE])
        if index_early:
            writer.index("predicates")
        writer.finish()


def test_the_writer_process_writes_what_the_writer_writes(tmp_path):
    write(DatabaseWriter, tmp_path / "here.db")
    write(WriterProcess, tmp_path / "there.db")
    assert dump(tmp_path / "there.db") == dump(tmp_path / "here.db")


def test_a_table_indexed_early_is_indexed_once(tmp_path):
    write(WriterProcess, tmp_path / "early.db", index_early=True)
    write(DatabaseWriter, tmp_path / "late.db")
    assert sorted(dump(tmp_path / "early.db")) == sorted(dump(tmp_path / "late.db"))


def test_a_failed_check_in_the_writer_is_raised_by_finish(tmp_path):
    with WriterProcess(tmp_path / "bad.db") as writer:
        writer.insert("predicates", [{**PREDICATE, "round_use": "sometimes"}])
        with pytest.raises(sqlite3.IntegrityError, match=r"^CHECK constraint failed: predicates \(rowids \[1\]\)$"):
            writer.finish()


def test_a_folder_the_writer_cannot_write_fails_the_next_insert(tmp_path):
    writer = WriterProcess(tmp_path / "missing" / "x.db")
    try:
        writer._process.join(30)  # it has failed to open the file and ended
        with pytest.raises(sqlite3.OperationalError, match="^unable to open database file$"):
            writer.insert("predicates", [PREDICATE])
    finally:
        writer.close()


def test_a_killed_writer_is_a_clear_error(tmp_path):
    with WriterProcess(tmp_path / "killed.db") as writer:
        writer.insert("predicates", [PREDICATE])
        os.kill(writer._process.pid, signal.SIGKILL)
        writer._process.join(30)
        with pytest.raises(WriterStopped, match=r"^the database writer process ended without an answer \(exit code "
                                                r"-9\) — run etl build again"):
            writer.finish()


def test_the_writer_ends_with_the_build(tmp_path):
    writer = WriterProcess(tmp_path / "ends.db")
    writer.insert("predicates", [PREDICATE])
    writer.close()
    assert writer._process.exitcode == 0


def many_predicates(count: int = 2000) -> list[dict]:
    """More than the pipe holds: about 2 MB pickled (each description its own string: pickle writes a shared
    one once)."""
    return [{**PREDICATE, "predicate_id": f"p{number:05}", "description": f"{number:05}" * 200}
            for number in range(count)]


def test_after_an_index_request_the_build_goes_on_while_the_writer_does_not_read(tmp_path):
    with WriterProcess(tmp_path / "busy.db") as writer:
        writer.index("entities")
        os.kill(writer._process.pid, signal.SIGSTOP)  # as busy as a long index sort: it reads nothing
        resume = threading.Timer(20, os.kill, (writer._process.pid, signal.SIGCONT))
        resume.start()
        try:
            started = time.monotonic()
            writer.insert("predicates", many_predicates())
            assert time.monotonic() - started < 10
        finally:
            resume.cancel()
            resume.join()
            os.kill(writer._process.pid, signal.SIGCONT)
        writer.finish()
    with DatabaseWriter(tmp_path / "here.db") as here:
        here.index("entities")
        here.insert("predicates", many_predicates())
        here.finish()
    assert dump(tmp_path / "busy.db") == dump(tmp_path / "here.db")


def test_a_writer_killed_while_messages_wait_to_be_sent_is_a_clear_error(tmp_path):
    with WriterProcess(tmp_path / "killed-later.db") as writer:
        writer.index("entities")
        os.kill(writer._process.pid, signal.SIGKILL)
        with pytest.raises(WriterStopped, match=r"^the database writer process ended without an answer \(exit code "
                                                r"-9\)"):
            writer.insert("predicates", many_predicates())  # raises here if the writer is already gone
            writer.finish()


def test_beside_other_threads_the_writer_is_spawned_and_writes_the_same(tmp_path):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with WriterProcess(tmp_path / "spawned.db") as writer:
            assert type(writer._process).__name__ == "SpawnProcess"
            writer.insert("predicates", [OTHER, PREDICATE])
            writer.finish()
    finally:
        stop.set()
        other.join()
    write(DatabaseWriter, tmp_path / "here.db")
    assert dump(tmp_path / "spawned.db") == dump(tmp_path / "here.db")


def test_a_process_is_forked_while_this_one_has_one_thread_else_spawned(monkeypatch):
    monkeypatch.setattr(beside.threading, "active_count", lambda: 1)
    assert beside.process_start_method() == "fork"
    monkeypatch.setattr(beside.threading, "active_count", lambda: 2)
    assert beside.process_start_method() == "spawn"


def test_the_pipe_to_the_writer_holds_a_megabyte(tmp_path):
    with WriterProcess(tmp_path / "wide.db") as writer:
        assert fcntl.fcntl(writer._requests.fileno(), fcntl.F_GETPIPE_SZ) == writer_process.PIPE_BYTES


class TwoArgumentError(Exception):
    def __init__(self, table, problem):
        super().__init__(f"{table}: {problem}")


def test_an_error_that_cannot_travel_comes_back_as_its_name_and_message():
    assert isinstance(writer_process._portable(sqlite3.IntegrityError("CHECK constraint failed")),
                      sqlite3.IntegrityError)
    error = writer_process._portable(TwoArgumentError("claims", "no rows"))
    assert type(error) is RuntimeError and str(error) == "TwoArgumentError: claims: no rows"
