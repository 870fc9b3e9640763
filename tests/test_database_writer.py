"""The database writer: the CHECK constraints hold for every row, checked once a table's rows are all in."""
from __future__ import annotations

import sqlite3

import pytest

from etl.publish import write
from etl.publish.write import EARLY_INDEX_CACHE_KIB, INDEX_CACHE_KIB, INSERT_CACHE_KIB, DatabaseWriter
from etl.schema.model import Column, Table, check_expressions
from etl.schema.tables import PREDICATES, TABLES

PREDICATE = {"predicate_id": "round_amount", "label": "Round amount", "description": "How much a round raised.",
             "value_kind": "money", "round_use": "required"}


def test_a_row_that_breaks_a_check_constraint_stops_the_write(tmp_path):
    assert any("round_use" in check for check in check_expressions(PREDICATES))
    with DatabaseWriter(tmp_path / "bad.db") as writer:
        writer.insert("predicates", [{**PREDICATE, "round_use": "sometimes"}])
        with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed: predicates"):
            writer.finish()


def test_a_table_indexed_early_is_checked_then_not_after_the_last_table(tmp_path):
    with DatabaseWriter(tmp_path / "early-bad.db") as writer:
        writer.insert("predicates", [{**PREDICATE, "round_use": "sometimes"}])
        with pytest.raises(sqlite3.IntegrityError, match=r"^CHECK constraint failed: predicates \(rowids \[1\]\)$"):
            writer.index("predicates", cache_kib=EARLY_INDEX_CACHE_KIB)
        assert "predicates" not in writer.indexed


def test_a_tables_keys_are_checked_once_it_and_its_parents_are_in_and_at_the_end_otherwise(tmp_path):
    alias = {"alias": "Kimi", "entity_id": "no-such-entity"}
    with DatabaseWriter(tmp_path / "keys-early.db") as writer:
        writer.insert("entity_aliases", [alias])
        writer.index("entity_aliases")  # its parent, entities, may still get rows: not checked yet
        assert "entity_aliases" not in writer.keys_checked
        unknown = r"^foreign key check failed: \[\('entity_aliases', 1, 'entities', 0\)\]$"
        with pytest.raises(RuntimeError, match=unknown):
            writer.index("entities")
    with DatabaseWriter(tmp_path / "keys-late.db", tuple(t for t in TABLES if t.name == "entity_aliases")) as writer:
        writer.insert("entity_aliases", [alias])
        with pytest.raises(RuntimeError, match="foreign key check failed"):
            writer.finish()


def test_good_rows_are_written_and_the_constraints_stay_in_the_schema(tmp_path):
    path = tmp_path / "good.db"
    with DatabaseWriter(path) as writer:
        writer.insert("predicates", [PREDICATE])
        writer.finish()
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT round_use FROM predicates").fetchall() == [("required",)]
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        connection.execute("INSERT INTO predicates VALUES ('x', 'X', 'x', 'money', 'sometimes')")
    assert len(connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()) >= len(TABLES)


def test_the_page_cache_is_small_while_rows_go_in_and_large_for_the_index_sorts(tmp_path):
    def cache_kib(writer: DatabaseWriter) -> int:
        return -writer.connection.execute("PRAGMA cache_size").fetchone()[0]

    assert INSERT_CACHE_KIB < INDEX_CACHE_KIB
    with DatabaseWriter(tmp_path / "cache.db") as writer:
        writer.insert("predicates", [PREDICATE])
        assert cache_kib(writer) == INSERT_CACHE_KIB
        writer.finish()
        assert cache_kib(writer) == INDEX_CACHE_KIB


def test_a_table_indexed_early_uses_the_cache_it_is_given(tmp_path):
    with DatabaseWriter(tmp_path / "early.db") as writer:
        writer.index("entities", cache_kib=EARLY_INDEX_CACHE_KIB)
        assert -writer.connection.execute("PRAGMA cache_size").fetchone()[0] == EARLY_INDEX_CACHE_KIB
        assert writer.connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'index' "
                                         "AND tbl_name = 'entities' AND sql IS NOT NULL").fetchone()[0] > 0
        writer.finish()


NOTES = Table("notes", "Notes", "Words to search.", (Column("note_id", "string", "Id."), Column("text", "string", "Text.")),
              ("note_id",), fts=("text",))


def note_rows(first: int, last: int) -> list[dict]:
    return [{"note_id": f"n{number:03}", "text": f"word{number % 4} note {number}"} for number in range(first, last)]


def searched(path, term: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        connection.execute("INSERT INTO notes_fts (notes_fts) VALUES ('integrity-check')")
        return connection.execute("SELECT rowid, text FROM notes_fts WHERE notes_fts MATCH ? ORDER BY rowid",
                                  (term,)).fetchall()
    finally:
        connection.close()


def terms(path) -> list[tuple]:
    """Each word of the full-text index, the rows it is in and how often: a row indexed twice counts twice."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, notes_fts, 'row')")
        return connection.execute("SELECT term, doc, cnt FROM vocabulary ORDER BY term").fetchall()
    finally:
        connection.close()


def test_rows_given_in_order_are_searchable_as_if_indexed_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "CHUNK_ROWS", 4)
    with DatabaseWriter(tmp_path / "chunks.db", (NOTES,)) as writer:
        for first in range(0, 33, 3):  # indexed after every second insert (6 rows pending), the last at the end
            writer.insert("notes", note_rows(first, first + 3), in_order=True)
        assert writer.caught_up["notes"] == 30
        writer.finish()
    with DatabaseWriter(tmp_path / "once.db", (NOTES,)) as writer:
        writer.insert("notes", note_rows(0, 33))
        assert "notes" not in writer.caught_up
        writer.finish()
    for term in ("word1", "note", "31", "32"):
        assert searched(tmp_path / "chunks.db", term) == searched(tmp_path / "once.db", term)
    assert len(searched(tmp_path / "chunks.db", "note")) == 33
    assert terms(tmp_path / "chunks.db") == terms(tmp_path / "once.db")


def test_rows_given_in_order_are_checked_a_chunk_at_a_time_as_they_come(tmp_path, monkeypatch):
    monkeypatch.setattr(write, "CHUNK_ROWS", 4)
    rows = [{**PREDICATE, "predicate_id": f"p{number}"} for number in range(6)]
    with DatabaseWriter(tmp_path / "chunk.db") as writer:
        writer.insert("predicates", rows[:3], in_order=True)
        with pytest.raises(sqlite3.IntegrityError, match=r"^CHECK constraint failed: predicates \(rowids \[5\]\)$"):
            writer.insert("predicates", [rows[3], {**rows[4], "round_use": "sometimes"}], in_order=True)
    with DatabaseWriter(tmp_path / "rest.db") as writer:
        writer.insert("predicates", rows[:5], in_order=True)
        assert writer.caught_up["predicates"] == 5
        writer.insert("predicates", [{**rows[5], "value_kind": "colour"}], in_order=True)
        with pytest.raises(sqlite3.IntegrityError, match=r"^CHECK constraint failed: predicates \(rowids \[6\]\)$"):
            writer.index("predicates")
