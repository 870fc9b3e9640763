"""A served version answers each count, facet and schema lookup once: its file never changes, a new build is a new
version."""
from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from datasette.database import Database

from etl import paths
from etl.site import reload
from etl.site.kept import KEPT_ROWS, KeptAnswers
from tests.test_site_reload import publish_with_note

pytest_plugins = ["tests.site_support"]
FILTERED = "/china_ai_investments/claims.json?predicate_id=round_amount&_facet=currency&_size=5"
NOTED = "/china_ai_investments/claims.json?note=Counted+again.&_size=5"
PAGES = ["/china_ai_investments/claims/{claim}.json", "/china_ai_investments/claims.json?_size=5", FILTERED,
         "/china_ai_investments/claims.json?_search=Alibaba&_size=5"]


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """Every SQL text that reaches SQLite through Datasette's Database.execute."""
    seen: list[str] = []
    original = Database.execute

    async def spy(self, sql, *args, **kwargs):
        seen.append(" ".join(sql.split()))
        return await original(self, sql, *args, **kwargs)

    monkeypatch.setattr(Database, "execute", spy)
    return seen


@pytest.fixture
def trips(served, monkeypatch) -> list:
    """Every function the served site sends to a SQL thread, for any database (Datasette's own as well)."""
    seen: list = []
    executor = served.datasette.executor
    original = executor.submit

    def counted(fn, *args, **kwargs):
        seen.append(fn)
        return original(fn, *args, **kwargs)

    monkeypatch.setattr(executor, "submit", counted)
    return seen


def counts_and_facets(seen: list[str]) -> list[str]:
    return [sql for sql in seen if sql.startswith("select count(*) from") or " as value, count(*) as count " in sql]


def test_a_filtered_page_with_a_facet_counts_once(site, asked):
    serving, _ = site
    first = serving.json(FILTERED)
    asked_first = counts_and_facets(asked)
    assert any(" as value, count(*) as count " in sql for sql in asked_first)
    assert any(sql.startswith("select count(*) from claims where") for sql in asked_first)
    asked.clear()
    again = serving.json(FILTERED)
    assert counts_and_facets(asked) == []
    assert any(sql.startswith("select claim_id") or "from claims where" in sql for sql in asked)  # the rows, anew
    assert again["filtered_table_rows_count"] == first["filtered_table_rows_count"]
    assert again["facet_results"] == first["facet_results"]
    assert again["rows"] == first["rows"]


@pytest.mark.parametrize("page", PAGES)
def test_a_page_asked_again_goes_to_sqlite_for_its_rows_only(served, page, asked, trips):
    claim = served.json("/china_ai_investments/claims.json?_size=1&_shape=array")[0]["claim_id"]
    path = page.format(claim=claim)
    first = served.json(path)
    asked.clear()
    trips.clear()
    again = served.json(path)
    assert asked and all(" from claims" in sql for sql in asked)
    assert len(trips) == len(asked)  # no trip for the schema, the catalogue, a permission, a count or a facet
    assert again["rows"] == first["rows"]


def test_a_schema_answer_is_the_callers_own_copy(served):
    db = served.datasette.get_database("china_ai_investments")
    run = served.loop.run_until_complete
    keys = run(db.primary_keys("claims"))
    keys.append("changed")
    assert run(db.primary_keys("claims")) == keys[:-1]
    foreign = run(db.get_all_foreign_keys())
    foreign["claims"]["outgoing"].clear()
    assert run(db.get_all_foreign_keys())["claims"]["outgoing"]


def test_schema_answers_kept_are_bounded(served, monkeypatch):
    monkeypatch.setattr(reload, "SCHEMA_ANSWERS", 3)
    served_db = served.datasette.get_database("china_ai_investments")
    db = reload.VersionDatabase(served.datasette, paths.DATABASE, Path(served_db.path))
    run = served.loop.run_until_complete
    assert [run(db.table_exists(f"made-up-{number}")) for number in range(10)] == [False] * 10
    assert run(db.table_exists("claims")) is True
    assert len(db.schema) == 3
    db.close()


def test_a_new_version_is_counted_afresh(site):
    serving, root = site
    assert serving.json(NOTED)["filtered_table_rows_count"] == 0
    publish_with_note(root, "Counted again.")
    deadline = time.monotonic() + 30
    while serving.json(NOTED)["filtered_table_rows_count"] == 0 and time.monotonic() < deadline:
        time.sleep(reload.INTERVAL)
    assert serving.json(NOTED)["filtered_table_rows_count"] == 1


@pytest.mark.parametrize("sql", [
    "select count(*) from claims where predicate_id = :p0",
    "\n    select [currency] as value, count(*) as count from (\n  select * from claims\n)"
    " where [currency] is not null",
    "select date([published]) as value, count(*) as count from (select * from sources)",
    "select name from sqlite_master where type in ('table', 'view') and name = ? collate nocase",
])
def test_counts_facets_and_schema_lookups_are_kept(sql):
    assert KeptAnswers().key(sql, {"p0": "round_amount"}, {}) is not None


@pytest.mark.parametrize("sql", [
    "select claim_id, quote from claims where predicate_id = :p0 limit 51",
    "select count(*), sum(amount) from claims",
    "select * from claims where note = 'select count(*) from claims'",
    "PRAGMA schema_version",
    "select sql from sqlite_master where name = :n",
])
def test_other_queries_are_not_kept(sql):
    assert KeptAnswers().key(sql, {"p0": "round_amount"}, {}) is None


def test_parameters_and_options_are_part_of_the_key():
    kept = KeptAnswers()
    sql = "select count(*) from claims where predicate_id = :p0"
    assert kept.key(sql, {"p0": "a"}, {}) != kept.key(sql, {"p0": "b"}, {})
    assert kept.key(sql, {"p0": "a"}, {}) != kept.key(sql, {"p0": "a"}, {"custom_time_limit": 5})
    assert kept.key(sql, {"p0": ["not", "hashable"]}, {}) is None


def test_the_least_recently_used_answer_goes_first():
    kept = KeptAnswers(size=2)
    answer = SimpleNamespace(rows=[(1,)], truncated=False)
    for key in ("a", "b"):
        kept.put((key,), answer)
    kept.get(("a",))
    kept.put(("c",), answer)
    assert list(kept.answers) == [("a",), ("c",)]


def test_a_truncated_or_long_answer_is_not_kept():
    kept = KeptAnswers()
    kept.put(("truncated",), SimpleNamespace(rows=[(1,)], truncated=True))
    kept.put(("long",), SimpleNamespace(rows=[(1,)] * (KEPT_ROWS + 1), truncated=False))
    assert kept.answers == {}
