"""The validation cache: a unit is skipped only when its rules, the tables they read, the versions and the code
are those of a run that passed; everything else runs again, and the results are those of a fresh run."""
from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import asdict
from pathlib import Path

import pytest

from etl.publish.pipeline import build
from etl.validation import cache, validate
from etl.validation.cache import ValidationCache, table_digest, unit_keys
from etl.validation.report import record
from etl.validation.runner import Runner, reads, units_of
from tests.conftest import validation_results
from tests.test_validation_rules import RULES, SUITES, corrupt, corruption_of

UNITS = units_of(SUITES)


class Spy:
    """A Runner that notes which units each run was asked to run."""

    def __init__(self, suites: list[dict] = SUITES):
        self.runner = Runner(suites)
        self.units, self.version, self.ran = self.runner.units, self.runner.version, []

    @property
    def records(self):
        return self.runner.records

    def run(self, database, **options):
        self.ran.append(set(options.get("units") or ()))
        return self.runner.run(database, **options)


@pytest.fixture(scope="module")
def warm(built_database, tmp_path_factory) -> dict:
    """A copy of the real database, its fresh run without a cache, and a cache filled by a first run."""
    folder = tmp_path_factory.mktemp("warm")
    database = folder / "warm.db"
    shutil.copyfile(built_database, database)
    spy = Spy()
    fresh = validate(database, runner=spy)
    cache = ValidationCache(folder / "cache")
    first = validate(database, runner=spy, cache=cache)
    return {"database": database, "fresh": fresh, "first": first, "cache": cache, "folder": folder}


def copied_cache(warm: dict, tmp_path: Path) -> ValidationCache:
    shutil.copytree(warm["cache"].folder, tmp_path / "cache")
    return ValidationCache(tmp_path / "cache")


def recorded(database: Path, run) -> list[tuple]:
    """The rows record() writes for a run, without its id: what a user finds in validation_results."""
    target = database.with_name(f"recorded-{id(run)}.db")
    shutil.copyfile(database, target)
    record(target, run)
    return validation_results(target)


def test_a_cached_run_records_exactly_what_a_fresh_run_records(warm, tmp_path, monkeypatch):
    def no_gx(*args, **kwargs):
        raise AssertionError("every unit passed before: Great Expectations must not run")

    monkeypatch.setattr("etl.validation.runner.Runner", no_gx)
    cached = validate(warm["database"], cache=copied_cache(warm, tmp_path))
    assert cached.reused == len(UNITS) and warm["first"].reused == 0
    assert cached.success and len(cached.results) == len(RULES)
    assert cached.gx_version == warm["fresh"].gx_version
    assert recorded(warm["database"], cached) == recorded(warm["database"], warm["fresh"])
    assert [asdict(result) for result in cached.results] == [asdict(result) for result in warm["first"].results]


def tables_of(unit) -> set[str]:
    """What a unit reads, from the rules' text (independent of the cache's own SQLite authorizer)."""
    return {table for item in unit.expectations for table in reads(item)}


@pytest.mark.parametrize(("table", "change"), [
    ("sources", "UPDATE sources SET title = title || ' ' WHERE rowid = 1"),
    ("funding_rounds", "UPDATE funding_rounds SET amount = coalesce(amount, 0) + 1 WHERE rowid = 1")])
def test_changing_one_table_reruns_exactly_the_units_that_read_it(table, change, warm, tmp_path):
    database = tmp_path / "changed.db"
    shutil.copyfile(warm["database"], database)
    connection = sqlite3.connect(database)
    with connection:
        connection.execute(change)
    connection.close()
    spy = Spy()
    run = validate(database, runner=spy, cache=copied_cache(warm, tmp_path))
    expected = {unit.name for unit in UNITS if table in tables_of(unit)}
    assert spy.ran == [expected]
    assert 0 < len(expected) < len(UNITS)
    assert run.reused == len(UNITS) - len(expected)


def test_changing_a_rules_kwargs_reruns_its_unit_only(warm, tmp_path):
    suites = json.loads(json.dumps(SUITES))
    item = next(item for suite in suites for item in suite["expectations"]
                if item["type"] == "expect_column_values_to_be_between" and item["kwargs"].get("max_value"))
    item["kwargs"]["max_value"] += 1
    spy = Spy(suites)
    unit = next(unit for unit in spy.units if item in [dict(entry) for entry in unit.expectations])
    run = validate(warm["database"], runner=spy, cache=copied_cache(warm, tmp_path))
    assert spy.ran == [{unit.name}]
    assert run.success and run.reused == len(UNITS) - 1


def test_a_damaged_or_partial_cache_file_is_run_again(warm, tmp_path):
    cache = copied_cache(warm, tmp_path)
    files = sorted((cache.folder / "units").glob("*.json"))
    keys = unit_keys(warm["database"], UNITS)
    damaged = {name for name, key in keys.items() if key in (files[0].stem, files[1].stem, files[2].stem)}
    files[0].write_bytes(files[0].read_bytes()[: files[0].stat().st_size // 2])
    files[1].write_text("not json", encoding="utf-8")
    entry = json.loads(files[2].read_text(encoding="utf-8"))
    entry["results"] = entry["results"][1:] or [{"rule": "unknown"}]
    files[2].write_text(json.dumps(entry), encoding="utf-8")
    spy = Spy()
    run = validate(warm["database"], runner=spy, cache=cache)
    assert spy.ran == [damaged] and len(damaged) == 3
    assert recorded(warm["database"], run) == recorded(warm["database"], warm["fresh"])
    assert json.loads(files[0].read_text(encoding="utf-8"))["key"] == files[0].stem, "the run stored it again"


def test_a_stored_failure_is_never_a_hit(warm, tmp_path):
    cache = copied_cache(warm, tmp_path)
    unit = UNITS[0]
    key = unit_keys(warm["database"], [unit])[unit.name]
    entry = json.loads(cache._path(key).read_text(encoding="utf-8"))
    entry["results"][0]["success"] = False
    cache._path(key).write_text(json.dumps(entry), encoding="utf-8")
    assert cache.get(unit, key) is None


@pytest.mark.parametrize("keyed_by", ["rows", "pages"])
@pytest.mark.parametrize("rule", sorted(rule for rule in RULES if not rule.endswith(".row_count_not_below_baseline")))
def test_the_corruption_that_breaks_a_rule_changes_its_units_key(rule, keyed_by, built_database, warm, tmp_path,
                                                                 monkeypatch):
    """So a failing rule can never be answered from the cache of a run that passed, whether a table is keyed by
    its rows or (a big one) by its pages."""
    monkeypatch.setattr(cache, "PAGE_DIGEST_PAGES", 0 if keyed_by == "pages" else 10**9)
    unit = next(unit for unit in UNITS if rule in [item["meta"]["rule"] for item in unit.expectations])
    corrupt(built_database, tmp_path / "corrupt.db", corruption_of(RULES[rule]))
    assert unit_keys(tmp_path / "corrupt.db", [unit]) != unit_keys(warm["database"], [unit])


def test_a_failing_rule_fails_again_with_a_warm_cache(warm, built_database, tmp_path):
    rule = "claims.quote_not_blank" if "claims.quote_not_blank" in RULES else sorted(RULES)[0]
    corrupt(built_database, tmp_path / "corrupt.db", corruption_of(RULES[rule]))
    cache = copied_cache(warm, tmp_path)
    for _ in range(2):
        run = validate(tmp_path / "corrupt.db", runner=Spy(), cache=cache)
        assert rule in [result.rule for result in run.failed]


def test_the_table_digest_sees_types_order_and_indexes(tmp_path):
    connection = sqlite3.connect(tmp_path / "t.db")
    connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n)")
    connection.executemany("INSERT INTO t VALUES (?, ?)", [("a", 1), ("b", 2)])
    first = table_digest(connection, "t")
    connection.execute("UPDATE t SET n = '1' WHERE id = 'a'")
    as_text = table_digest(connection, "t")
    connection.execute("UPDATE t SET n = 1 WHERE id = 'a'")
    assert table_digest(connection, "t") == first
    connection.execute("CREATE INDEX t_n ON t (n)")
    indexed = table_digest(connection, "t")
    connection.execute("DELETE FROM t WHERE id = 'a'")
    connection.execute("INSERT INTO t VALUES ('a', 1)")
    reordered = table_digest(connection, "t")
    assert len({first, as_text, indexed, reordered}) == 4


def test_a_big_table_is_keyed_by_its_pages_and_every_change_changes_the_key(tmp_path, monkeypatch):
    monkeypatch.setattr(cache, "PAGE_DIGEST_PAGES", 2)
    database = tmp_path / "t.db"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY, n)")
    with connection:
        connection.executemany("INSERT INTO t VALUES (?, ?)", [(f"row {i:05}", i) for i in range(2000)])
    first = cache.page_digest(database, "t")
    shutil.copyfile(database, tmp_path / "copy.db")
    assert first is not None and cache.page_digest(tmp_path / "copy.db", "t") == first
    changes = ["UPDATE t SET n = '7' WHERE n = 7", "UPDATE t SET n = 8 WHERE id = 'row 00007'",
               "CREATE INDEX t_n ON t (n)", "DELETE FROM t WHERE n = 5"]
    seen = {first}
    for change in changes:
        with connection:
            connection.execute(change)
        seen.add(cache.page_digest(database, "t"))
    connection.close()
    assert len(seen) == len(changes) + 1 and None not in seen
    monkeypatch.setattr(cache, "PAGE_DIGEST_PAGES", 10**9)
    assert cache.page_digest(database, "t") is None, "a small table is keyed by its rows"


def test_a_rebuild_of_the_same_inputs_keeps_the_keys_of_tables_keyed_by_pages(built_database, tmp_path,
                                                                              monkeypatch):
    monkeypatch.setattr(cache, "PAGE_DIGEST_PAGES", 0)
    again = tmp_path / built_database.name
    build(again)
    assert cache.page_digest(again, "claims") == cache.page_digest(built_database, "claims") is not None
    assert unit_keys(again, UNITS) == unit_keys(built_database, UNITS)


def test_the_data_docs_of_a_partial_run_show_every_unit_and_a_full_hit_copies_them(warm, tmp_path):
    database = tmp_path / "changed.db"
    shutil.copyfile(warm["database"], database)
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("UPDATE sources SET title = title || ' ' WHERE rowid = 1")
    connection.close()
    cache = copied_cache(warm, tmp_path)
    partial = validate(database, docs=tmp_path / "partial", cache=cache)
    assert 0 < partial.reused < len(UNITS)
    pages = sorted(path.relative_to(tmp_path / "partial").parts[1:-3]
                   for path in (tmp_path / "partial" / "validations").rglob("*.html"))
    assert pages == sorted(tuple(unit.name.split(".")) for unit in UNITS)
    again = validate(database, docs=tmp_path / "again", cache=cache)
    assert again.reused == len(UNITS)
    assert files_of(tmp_path / "again") == files_of(tmp_path / "partial")
    other = validate(warm["database"], docs=tmp_path / "other", cache=cache)
    assert other.reused == len(UNITS) and files_of(tmp_path / "other") != files_of(tmp_path / "partial")


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_a_cache_that_cannot_be_written_only_costs_time(warm, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    unit = UNITS[0]
    key = unit_keys(warm["database"], [unit])[unit.name]
    entry = warm["cache"].get(unit, key)
    assert entry is not None
    unwritable = ValidationCache(blocker / "validation")
    unwritable.put(key, entry["results"], entry["gx"])
    unwritable.put_docs({unit.name: key}, tmp_path)
    assert unwritable.get(unit, key) is None
    assert not unwritable.restore_docs({unit.name: key}, tmp_path / "docs")
