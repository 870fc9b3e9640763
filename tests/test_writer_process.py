"""The database writer in its own process: the same file as in-process, and its errors come back as they were."""
from __future__ import annotations

import fcntl
import multiprocessing
import os
import pickle
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



def watch_messages(writer: WriterProcess, monkeypatch) -> list[tuple]:
    """What goes down the pipe: (kind, table, number of rows) for an insert, (kind, table) or (kind,) else."""
    sent, send = [], writer._send

    def watched(message: tuple) -> None:
        if message[0] == "insert":
            sent.append((*message[:2], len(message[2])))
        elif message[0] == "insert_pickled":
            sent.append((*message[:2], sum(len(pickle.loads(part)) for part in message[2])))
        else:
            sent.append(message[:2])
        send(message)

    monkeypatch.setattr(writer, "_send", watched)
    return sent


def test_rows_in_order_go_to_the_writer_a_batch_at_a_time_and_write_the_same(tmp_path, monkeypatch):
    """A source's claims would be a message each: they are held, pickled, until BATCH_ROWS, or another message."""
    monkeypatch.setattr(writer_process, "BATCH_ROWS", 500)
    rows = many_predicates(1500)
    with WriterProcess(tmp_path / "batched.db") as writer:
        sent = watch_messages(writer, monkeypatch)
        for start in range(0, len(rows), 300):
            writer.insert("predicates", rows[start:start + 300], in_order=True)
        writer.index("predicates")
        writer.insert("entities", [])
        writer.finish()
    assert sent == [("insert_pickled", "predicates", 600), ("insert_pickled", "predicates", 600),
                    ("insert_pickled", "predicates", 300), ("index", "predicates"), ("insert", "entities", 0),
                    ("finish",)]
    with DatabaseWriter(tmp_path / "here.db") as here:
        here.insert("predicates", rows, in_order=True)
        here.index("predicates")
        here.finish()
    assert dump(tmp_path / "batched.db") == dump(tmp_path / "here.db")


def test_held_rows_go_before_a_message_about_another_table(tmp_path, monkeypatch):
    with WriterProcess(tmp_path / "two.db") as writer:
        sent = watch_messages(writer, monkeypatch)
        writer.insert("predicates", [PREDICATE], in_order=True)
        writer.insert("entities", [])
        writer.insert("predicates", [OTHER], in_order=True)
        writer.finish()
    assert sent == [("insert_pickled", "predicates", 1), ("insert", "entities", 0), ("insert_pickled", "predicates", 1),
                    ("finish",)]


@pytest.mark.parametrize("limit, sender_finishes", [(16 << 20, True), (256 << 10, False)])
def test_the_writer_reads_the_pipe_ahead_of_sqlite_up_to_its_limit(limit, sender_finishes):
    """While SQLite works, a thread of the writer empties the pipe: a build sending three times what the pipe
    holds does not wait for the writer, unless the writer is its limit behind; nothing is lost or reordered."""
    receiving, sending = multiprocessing.Pipe(duplex=False)
    ahead = writer_process.ReadAhead(receiving, limit)
    messages = [bytes([number]) * 100_000 for number in range(30)]
    sender = threading.Thread(target=lambda: [sending.send_bytes(message) for message in messages])
    sender.start()
    sender.join(10 if sender_finishes else 1)
    assert sender.is_alive() is not sender_finishes
    got = [ahead.get() for _ in messages]
    sender.join()
    sending.close()
    assert got == messages
    assert ahead.get() is None
