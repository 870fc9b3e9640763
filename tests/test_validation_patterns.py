"""The rules' fast SQL forms mean what they stand for: GLOB for regular expressions, comparisons for typeof."""
from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl.schema import vocab
from etl.schema.tables import DATA_TABLES
from etl.schema.model import Column
from etl.validation.rules import GLOB_OF_PATTERN, STORAGE, column_expectations, wrong_storage

# Letters, digits and punctuation the patterns name, and some they do not (upper case, accents, space, dots).
ALPHABET = "abcdefghpstvwxyzDMPWYAZ0123456789-_:/. é"


def glob_matches(pattern: str, value: str) -> bool:
    connection = sqlite3.connect(":memory:")
    try:
        condition = GLOB_OF_PATTERN[pattern].format(c="v")
        return connection.execute(f"SELECT ({condition}) FROM (SELECT ? AS v)", (value,)).fetchone()[0] == 1
    finally:
        connection.close()


def regex_matches(pattern: str, value: str) -> bool:
    return re.search(pattern, value) is not None


def examples(pattern: str) -> list[str]:
    """Values near each pattern's edges: empty, a lone separator, doubled separators, each part missing."""
    return ["", "-", "a", "ab", "AB", "aB", "a-b", "a--b", "-a", "a-", "a_b", "_a", "1a", "a1", "ev-", "ev-a",
            "ev-a-1", "ev--a", "ev-a-", "P", "P1", "P1D", "P12W", "PD", "P1X", "p1D", "P1DD", "0" * 64, "f" * 64,
            "F" * 64, "0" * 63, "0" * 65, "g" * 64, "http://", "https://x", "http:/x", "xhttp://a", "ftp://a"]


@pytest.mark.parametrize("pattern", sorted(GLOB_OF_PATTERN))
def test_the_glob_condition_agrees_with_the_regex_near_its_edges(pattern):
    assert {value: glob_matches(pattern, value) for value in examples(pattern)} == {
        value: regex_matches(pattern, value) for value in examples(pattern)}


@pytest.mark.parametrize("pattern", sorted(GLOB_OF_PATTERN))
@settings(max_examples=300, deadline=None)
@given(value=st.text(alphabet=ALPHABET, max_size=12))
def test_the_glob_condition_agrees_with_the_regex_on_any_value(pattern, value):
    assert glob_matches(pattern, value) == regex_matches(pattern, value)


@pytest.mark.parametrize("pattern, value", [(r"^[a-z]{2}$", "ab\n"), (vocab.ID_PATTERN, "a-b\n")])
def test_a_trailing_newline_fails_the_glob_though_the_regex_dollar_accepts_it(pattern, value):
    assert regex_matches(pattern, value) and not glob_matches(pattern, value)


def test_only_ascii_digits_are_digits():
    assert regex_matches(r"^P\d+[DWMY]$", "P\u0663D") and not glob_matches(r"^P\d+[DWMY]$", "P\u0663D")


def test_every_pattern_of_the_tables_is_checked_by_glob():
    """A new pattern would fall back to a regex run in Python for every row: add its GLOB form."""
    kinds = {item["meta"]["rule"]: item["type"] for table in DATA_TABLES for column in table.columns
             for item in column_expectations(table, column) if item["meta"]["rule"].endswith(".pattern")}
    assert kinds and set(kinds.values()) == {"unexpected_rows_expectation"}


@pytest.mark.parametrize("kind", sorted(STORAGE))
def test_the_storage_test_of_each_type_is_the_typeof_test(kind):
    column = Column("v", kind, "A value.")
    allowed = ("null", *STORAGE[kind])
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE TABLE t (v)")  # no type: every value keeps its storage class
        connection.executemany("INSERT INTO t VALUES (?)", [(value,) for value in (
            None, 0, 1, -5, 2.0, 1.5, -0.25, float("inf"), "", "x", "1", "2.5", "zz", b"", b"x", b"\x00")])
        found = connection.execute(f"SELECT typeof(v), ({wrong_storage(column)}) IS 1 FROM t").fetchall()
    finally:
        connection.close()
    assert [(stored, wrong) for stored, wrong in found] == [(stored, stored not in allowed) for stored, _ in found]


@pytest.mark.parametrize("count", [0, 1, 600])
def test_the_acknowledgements_rule_runs_with_more_ids_than_a_compound_select_allows(count):
    """SQLite refuses a compound SELECT of more than 500 terms; the listed ids go in one VALUES list."""
    from etl.schema.tables import TABLES_BY_NAME
    from etl.validation.rules import table_suite

    table = TABLES_BY_NAME["claim_conflicts"]
    ids = [f"made-up-{number}" for number in range(count)] + (["it's-quoted"] if count else [])
    rule = next(item for item in table_suite(table, 0, ids)["expectations"]
                if item["meta"]["rule"] == "claim_conflicts.acknowledgements_name_existing_conflicts")
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE TABLE claim_conflicts (conflict_id TEXT)")
    connection.execute("INSERT INTO claim_conflicts VALUES ('made-up-0')")
    query = rule["kwargs"]["unexpected_rows_query"].replace("{batch}", "claim_conflicts")
    missing = {row[0] for row in connection.execute(query)}
    assert missing == set(ids) - {"made-up-0"}
