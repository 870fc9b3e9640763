"""The package as consumers meet it: the frictionless command, broken copies, frictionless and pandas readers."""
import csv
import datetime as dt
import decimal
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from frictionless import Package
from frictionless.resources.table import TableResource

from etl import paths
from etl.errors import PackageError
from etl.publish.package import lookups, stage
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.stage import check_package
from etl.schema.dataset import ZIP_NAME
from etl.schema.tables import DATA_TABLES, TABLES_BY_NAME
from etl.validation.files import read_suites
from tests.package_support import check_problems, edit_cell, first_cell, table_problems

FRICTIONLESS = Path(sys.executable).parent / "frictionless"
WINDOW = 100
pytest_plugins = ["tests.package_support"]


@pytest.fixture(scope="module")
def db(built_database):
    connection = sqlite3.connect(built_database)
    yield connection
    connection.close()


def validate(folder: Path, target: str = DESCRIPTOR) -> tuple[int, dict]:
    result = subprocess.run([str(FRICTIONLESS), "validate", "--json", target], cwd=folder,
                            capture_output=True, text=True, timeout=300)
    return result.returncode, json.loads(result.stdout)


def error_types(report: dict) -> set[tuple[str, str]]:
    return {(task["name"], error["type"]) for task in report["tasks"] for error in task["errors"]}


def test_the_frictionless_command_validates_the_package_and_its_hashes(package_dir):
    code, report = validate(package_dir)
    assert (code, report["valid"], report["errors"]) == (0, True, [])
    descriptor = json.loads((package_dir / DESCRIPTOR).read_text())
    expected = {r["name"]: (r["hash"], r["bytes"]) for r in descriptor["resources"]}
    checked = {t["name"]: ("sha256:" + t["stats"]["sha256"], t["stats"]["bytes"]) for t in report["tasks"]}
    assert checked == expected


@pytest.mark.parametrize("table, column, change, rehash, expected", [
    ("claims", "source_id", lambda v: "missing-source", True, "foreign-key"),
    ("entities", "parent_id", lambda v: "no-such-entity", True, "foreign-key"),
    ("claims", "quote", lambda v: v.swapcase(), False, "hash-count"),
    ("claims", "amount", lambda v: "-" + v, True, "constraint-error"),
    ("claims", "date", lambda v: v[:4] + "-3", True, "constraint-error"),
    ("claims", "in_headline", lambda v: "true", True, "type-error"),
], ids=["missing-source", "missing-parent", "changed-byte", "negative-amount", "bad-partial-date",
        "boolean-word"])
def test_a_broken_copy_fails_with_the_matching_error(broken, table, column, change, rehash, expected):
    edit_cell(broken, table, column, change, rehash, where=lambda v: v != "")
    code, report = validate(broken)
    assert code == 1
    assert error_types(report) == {(table, expected)}


def test_the_build_check_names_file_row_and_error(broken):
    edit_cell(broken, "claims", "source_id", lambda v: "missing-source")
    with pytest.raises(PackageError) as error:
        check_package(broken / DESCRIPTOR)
    assert str(error.value) == (
        'data/claims.csv:2: foreign-key: for "source_id": values "missing-source" not found in the lookup '
        'table "sources" as "source_id"\n'
        "the data package is not valid (1 problem(s)) — fix the table definitions in etl/schema/tables.py or the "
        "inputs the rows come from, then run etl build again")


def _as_stored(value):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _db_cell(value):
    return decimal.Decimal(repr(value)) if isinstance(value, float) else value


def test_frictionless_reads_every_table_exactly_as_the_database_holds_it(package_dir, db):
    package = Package(str(package_dir / DESCRIPTOR))
    for table in DATA_TABLES:
        rows = package.get_resource(table.name).read_rows()
        names = ", ".join(f"[{name}]" for name in table.column_names)
        stored = db.execute(f"SELECT {names} FROM [{table.name}] ORDER BY rowid").fetchall()
        assert [tuple(_as_stored(row[name]) for name in table.column_names) for row in rows] == [
            tuple(_db_cell(value) for value in row) for row in stored], table.name


def test_pandas_reads_every_table_with_the_databases_counts_and_values(package_dir, db):
    frames = {t.name: pd.read_csv(package_dir / "data" / f"{t.name}.csv", keep_default_na=False,
                                  na_values=[""]) for t in DATA_TABLES}
    for table in DATA_TABLES:
        assert len(frames[table.name]) == db.execute(f"SELECT count(*) FROM [{table.name}]").fetchone()[0]
    rounds = frames["funding_rounds"].set_index("round_id")
    assert rounds.loc["baichuan-2024", "amount"] == 5e9
    assert rounds.loc["baichuan-2024", "valuation_usd"] == db.execute(
        "SELECT valuation_usd FROM funding_rounds WHERE round_id = 'baichuan-2024'").fetchone()[0]
    claims = frames["claims"].set_index("claim_id")
    claim_id, quote, start, headline = db.execute(
        "SELECT claim_id, quote, quote_start, in_headline FROM claims ORDER BY rowid LIMIT 1").fetchone()
    assert (claims.loc[claim_id, "quote"], claims.loc[claim_id, "quote_start"],
            claims.loc[claim_id, "in_headline"]) == (quote, start, headline)
    assert list(claims.index) == [r[0] for r in db.execute("SELECT claim_id FROM claims ORDER BY rowid")]


def test_the_zip_opens_as_a_package_and_validates(package_dir):
    package = Package(str(package_dir / ZIP_NAME))
    assert [r.name for r in package.resources] == [t.name for t in DATA_TABLES]
    assert package.validate().valid
    code, report = validate(package_dir, ZIP_NAME)
    assert (code, report["valid"]) == (0, True)


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def published_strings(folder: Path) -> list[str]:
    """Every value the package publishes: each CSV cell and each string of the descriptor."""
    values = _strings(json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8")))
    for path in sorted((folder / "data").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            values.extend(cell for row in csv.reader(handle) for cell in row)
    return values


def test_no_article_text_beyond_the_quotes_and_headlines(package_dir, db):
    windows = {value[i:i + WINDOW] for value in published_strings(package_dir)
               for i in range(len(value) - WINDOW + 1)}
    for source_id, title in db.execute("SELECT source_id, title FROM sources"):
        text = (paths.ARTICLES_DIR / f"{source_id}.txt").read_bytes().decode("utf-8")
        allowed = set()
        for start, end in db.execute("SELECT quote_start, quote_end FROM claims WHERE source_id = ?",
                                     (source_id,)):
            allowed.update(range(start, end))
        at = text.find(title)
        allowed.update(range(at, at + len(title)) if at >= 0 else ())
        leaked = [i for i in range(len(text) - WINDOW + 1)
                  if text[i:i + WINDOW] in windows and not set(range(i, i + WINDOW)) <= allowed]
        assert leaked == [], f"{source_id}: text at {leaked[:3]} is published outside any quote"


def test_the_partial_dates_are_declared_strings(package_dir):
    descriptor = json.loads((package_dir / DESCRIPTOR).read_text())
    partial = {(r["name"], f["name"]) for r in descriptor["resources"] for f in r["schema"]["fields"]
               if f.get("constraints", {}).get("pattern") == r"\d{4}(-\d{2}(-\d{2})?)?"}
    expected = {(t.name, c.name) for t in DATA_TABLES for c in t.columns if c.type == "partial_date"}
    assert partial == expected and ("claims", "date") in partial
    assert TABLES_BY_NAME["sources"].column("published").type == "partial_date"


full_check_apart = stage._full_check_apart  # the real one, for tests that wrap the module's name


def test_a_small_package_is_checked_in_full_by_default(package_dir):
    total = sum(r["bytes"] for r in json.loads((package_dir / DESCRIPTOR).read_text())["resources"])
    assert total <= stage.FULL_CHECK_BYTES


@pytest.mark.parametrize("full", [True, False], ids=["full", "sampled"])
def test_both_checks_pass_the_package_and_catch_a_changed_byte_anywhere(package_dir, broken, full):
    assert check_problems(package_dir, full) == []
    edit_cell(broken, "claims", "quote", lambda v: v.swapcase(), rehash=False,
              where=lambda v: v == v.swapcase().swapcase() and v != v.swapcase())
    problems = check_problems(broken, full)
    assert problems and all(problem.startswith("data/claims.csv") and "hash-count" in problem for problem in problems)


@pytest.mark.parametrize("full", [True, False], ids=["full", "sampled"])
def test_both_checks_catch_a_bad_cell_among_the_sampled_rows(broken, full):
    edit_cell(broken, "claims", "in_headline", lambda v: "true")
    assert check_problems(broken, full) == [
        'data/claims.csv:2: type-error: type is "boolean/default"']


def test_foreign_keys_are_left_to_the_validation_gate_by_the_sampled_check_only(broken):
    """The sampled check reads no referenced table: the rule claims.source_id.references holds the key in the
    database the CSV is written from (tests/test_validation_rules.py breaks it)."""
    edit_cell(broken, "claims", "source_id", lambda v: "missing-source")
    assert check_problems(broken, False) == []
    assert [problem.split(": ")[1] for problem in check_problems(broken, True)] == ["foreign-key"]
    assert "claims.source_id.references" in {item["meta"]["rule"] for suite in read_suites()
                                             for item in suite["expectations"]}


def test_a_package_above_the_threshold_is_checked_by_sample(broken, monkeypatch):
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    monkeypatch.setattr(stage, "SAMPLE_ROWS", 1)
    seen = iter(range(1 << 30))
    edit_cell(broken, "claims", "in_headline", lambda v: "true", where=lambda v: next(seen) == 1)
    assert check_problems(broken, None) == []
    assert check_problems(broken, True) == ['data/claims.csv:3: type-error: type is "boolean/default"']


def test_a_big_package_is_checked_fully_in_processes_as_one_process_checks_it(broken, monkeypatch):
    """Above the threshold, --full-check runs each table in a process of its own (frictionless uses one core):
    the same problems, in the same order, from several tables, foreign keys included."""
    edit_cell(broken, "claims", "in_headline", lambda v: "true")
    edit_cell(broken, "claims", "source_id", lambda v: "missing-source", where=lambda v: v != "missing-source")
    edit_cell(broken, "entities", "entity_id", lambda v: "renamed-entity")
    edit_cell(broken, "funding_rounds", "status", lambda v: "rumoured")
    one = check_problems(broken, True)
    apart = []
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    monkeypatch.setattr(stage, "_full_check_apart", lambda *args: apart.append(args) or full_check_apart(*args))
    assert check_problems(broken, True) == one and apart
    assert {problem.split(":")[0] for problem in one} >= {"data/claims.csv", "data/funding_rounds.csv"}
    assert {problem.split(": ")[1] for problem in one} >= {"type-error", "foreign-key", "constraint-error"}


def test_a_broken_descriptor_is_reported_as_in_one_process(broken, monkeypatch):
    descriptor = json.loads((broken / DESCRIPTOR).read_text())
    descriptor["resources"][-1]["schema"]["fields"][0]["constraints"] = {"maxLength": "long"}
    (broken / DESCRIPTOR).write_text(json.dumps(descriptor))
    one = check_problems(broken, True)
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    monkeypatch.setenv("ETL_KILL_AT", "package-check-process")  # no table is checked: no process is started
    assert check_problems(broken, True) == one == [
        f"{DESCRIPTOR}: field-error: 'long' is not of type 'integer' at property 'constraints/maxLength'"]


def test_a_check_process_that_dies_is_a_clear_error(package_dir, monkeypatch):
    monkeypatch.setattr(stage, "FULL_CHECK_BYTES", 0)
    monkeypatch.setenv("ETL_KILL_AT", "package-check-process")
    with pytest.raises(PackageError, match=r"^datapackage\.json: a process checking the package's tables ended "
                                           r"without an answer \(.*\) — it may have run out of memory; free some and "
                                           r"run the command again$"):
        check_package(package_dir / DESCRIPTOR, full=True)


REFER_TO_CLAIMS = ["round_investors", "funding_rounds", "claim_conflicts"]


def test_shared_lookups_read_each_referenced_table_once_per_process(package_dir, read_lookups):
    table_problems(package_dir, REFER_TO_CLAIMS)
    assert sum("claims" in call for call in read_lookups) == len(REFER_TO_CLAIMS)
    read_lookups.clear()
    assert lookups.share_lookups() and lookups.share_lookups()
    table_problems(package_dir, REFER_TO_CLAIMS)
    assert sum(call.count("claims") for call in read_lookups) == 1
    assert all(len(call) == 1 for call in read_lookups)


def test_shared_lookups_find_the_same_missing_keys(broken, read_lookups):
    """A renamed company and a renamed claim that an investor's ticket cites: every table that refers to them finds
    it, as without sharing."""
    company, ticket = first_cell(broken, "funding_rounds", "company_id"), first_cell(broken, "round_investors",
                                                                                      "amount_claim_id")
    edit_cell(broken, "entities", "entity_id", lambda v: "renamed-entity", where=lambda v: v == company)
    edit_cell(broken, "claims", "claim_id", lambda v: "renamed-claim", where=lambda v: v == ticket)
    names = [table.name for table in DATA_TABLES]
    alone = table_problems(broken, names)
    assert lookups.share_lookups()
    assert table_problems(broken, names) == alone
    assert {name for name, problems in alone.items() if any("foreign-key" in p for p in problems)} >= {
        "claims", "entity_aliases", "funding_rounds", "round_investors"}


def test_without_the_private_method_the_lookups_are_read_as_frictionless_reads_them(monkeypatch):
    monkeypatch.delattr(TableResource, lookups.OPEN_LOOKUP)
    assert lookups.share_lookups() is False
    assert not hasattr(TableResource, lookups.OPEN_LOOKUP)


def test_shared_lookups_are_kept_apart_by_referenced_table_and_key(tmp_path, read_lookups):
    tables = {"a": "id,code\n1,x\n2,y\n", "b": "id\n3\n",
              "c": "a_id,a_code,b_id,parent\n1,y,3,\n2,x,4,1\n1,z,3,9\n"}
    fields = {"a": ["id", "code"], "b": ["id"], "c": ["a_id", "a_code", "b_id", "parent"]}
    refer = [("a_id", "a", "id"), ("a_code", "a", "code"), ("b_id", "b", "id"), ("parent", "", "a_id")]
    for name, text in tables.items():
        (tmp_path / f"{name}.csv").write_text(text)
    descriptor = {"resources": [{"name": name, "path": f"{name}.csv", "schema": {
        "fields": [{"name": field, "type": "string"} for field in fields[name]],
        "foreignKeys": [{"fields": [field], "reference": {"resource": source, "fields": [key]}}
                        for field, source, key in refer if name == "c"]}} for name in tables]}
    (tmp_path / DESCRIPTOR).write_text(json.dumps(descriptor))
    alone = table_problems(tmp_path, ["c"])
    assert lookups.share_lookups()
    assert table_problems(tmp_path, ["c", "c"]) == alone
    assert [problem.split(": ", 1)[1].split(' not found')[0] for problem in alone["c"]] == [
        'foreign-key: for "b_id": values "4"', 'foreign-key: for "a_code": values "z"',
        'foreign-key: for "parent": values "9"']
