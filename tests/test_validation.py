"""The gate: suite files load whole and are up to date, failures name their rows, nothing broken is published."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest

from etl import paths
from etl.schema import vocab
from etl.schema.tables import DATA_TABLES, TABLES_BY_NAME
from etl.validation import files
from etl.validation.files import ExpectationFileError
from etl.validation.report import failure_text, table_text
from etl.validation.runner import SAMPLE_SIZE, RuleResult, Runner, import_gx, load_suite
from tests.conftest import run_etl
from tests.test_validation_rules import corrupt

DB = "china_ai_investments.db"
SUITE_FILES = sorted(paths.EXPECTATIONS_DIR.glob("*.json"))


def entries(path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["expectations"]


ALL = [item for path in SUITE_FILES for item in entries(path)]


def test_there_is_one_suite_per_data_table_and_one_for_cross_table_rules():
    assert [path.stem for path in SUITE_FILES] == sorted([table.name for table in DATA_TABLES] + ["cross_table"])


@pytest.mark.parametrize("path", SUITE_FILES, ids=[path.stem for path in SUITE_FILES])
def test_each_suite_file_loads_with_every_entry(path):
    gx = import_gx()
    suite = gx.ExpectationSuite(name=path.stem, expectations=entries(path))
    assert len(suite.expectations) == len(entries(path)) > 0


def test_an_entry_gx_rejects_is_an_error_not_a_silent_drop():
    gx = import_gx()
    good = entries(paths.EXPECTATIONS_DIR / "claims.json")[0]
    bad = {"type": "expect_column_values_to_be_purple", "kwargs": {"column": "quote"},
           "meta": {"rule": "claims.quote.purple", "table": "claims"}}
    with pytest.raises(ExpectationFileError) as raised:
        load_suite(gx, "claims", [good, bad])
    assert str(raised.value) == ("expectations/claims.json: Great Expectations rejected claims.quote.purple — fix "
                                 "the expectation type or its kwargs")


def test_generated_suites_are_up_to_date():
    assert files.stale_files() == []


def test_every_rule_has_a_unique_name_and_names_a_real_table_and_column():
    names = [item["meta"]["rule"] for item in ALL]
    assert len(names) == len(set(names))
    for item in ALL:
        table = TABLES_BY_NAME[item["meta"]["table"]]
        assert item["meta"]["rule"].startswith(f"{table.name}.")
        assert item["meta"].get("column", table.column_names[0]) in table.column_names


def test_hand_written_rules_say_what_they_check():
    cross = entries(paths.EXPECTATIONS_DIR / "cross_table.json")
    assert {item["type"] for item in cross} == {"unexpected_rows_expectation"}
    assert all(len(item["description"]) > 30 for item in cross)


def test_queries_alias_the_batch_only_when_they_join():
    """GX substitutes {batch} as '(…)' in a query with a JOIN and as '(…) AS subselect' in one without."""
    for item in ALL:
        query = item["kwargs"].get("unexpected_rows_query")
        if query:
            assert "{batch}" in query
            assert bool(re.search(r"\{batch\} AS \w", query)) == bool(re.search(r"\bJOIN\b", query)), query


def _rules(kind: str) -> dict[str, dict]:
    return {item["meta"]["rule"]: item for item in ALL if item["meta"]["rule"].endswith(f".{kind}")}


def test_column_rules_follow_the_table_definitions():
    not_null, in_set, references = _rules("not_null"), _rules("in_set"), _rules("references")
    for table in DATA_TABLES:
        for column in table.columns:
            rule = f"{table.name}.{column.name}"
            assert (f"{rule}.not_null" in not_null) == (column.required or column.name in table.primary_key)
            assert (f"{rule}.references" in references) == bool(column.references)
            if column.enum:
                assert in_set[f"{rule}.in_set"]["kwargs"]["value_set"] == list(column.enum)
            if column.type in ("date", "partial_date"):
                assert {f"{rule}.valid_date", f"{rule}.date_range"} <= {item["meta"]["rule"] for item in ALL}
    assert _rules("iso_4217").keys() == {
        f"{table.name}.{column.name}.iso_4217" for table in DATA_TABLES for column in table.columns
        if column.pattern == vocab.CURRENCY_PATTERN}


@pytest.fixture
def expectations_copy(tmp_path, monkeypatch):
    target = tmp_path / "expectations"
    shutil.copytree(paths.EXPECTATIONS_DIR, target)
    monkeypatch.setattr(paths, "EXPECTATIONS_DIR", target)
    monkeypatch.setattr(paths, "ACKNOWLEDGED_CONFLICTS", target / "acknowledged_conflicts.yml")
    return target


@pytest.mark.parametrize("text,message", [
    ("minimum_rows:\n  claimz: 3\n",
     "expectations/row_counts.yml: minimum_rows names unknown table 'claimz' — use one of claim_conflicts, claims, "
     "entities, entity_aliases, external_evidence, funding_rounds, fx_rates, predicates, round_investors, sources"),
    ("minimum_rows:\n  claims: -1\n",
     "expectations/row_counts.yml: minimum_rows.claims is -1 — write a whole number ≥ 0"),
    ("minimum_rows:\n  claims: 100\nchange_notes:\n  - table: claims\n    minimum_rows: 100\n",
     "expectations/row_counts.yml: change note 1 needs a known table, minimum_rows and a reason — say which table "
     "was lowered, to what and why"),
])
def test_a_malformed_baseline_says_what_to_fix(expectations_copy, text, message):
    (expectations_copy / "row_counts.yml").write_text(text, encoding="utf-8")
    with pytest.raises(ExpectationFileError) as raised:
        files.read_baseline()
    assert str(raised.value).replace(str(expectations_copy.parent) + "/", "") == message


def test_raising_row_counts_never_lowers_and_keeps_the_change_notes(expectations_copy, built_database):
    note = {"table": "entities", "minimum_rows": 30, "reason": "two duplicates merged"}
    text = files.ROW_COUNTS_HEADER + json.dumps({"minimum_rows": {"claims": 100, "entities": 1000},
                                                 "change_notes": [note]})
    (expectations_copy / "row_counts.yml").write_text(text, encoding="utf-8")
    changes = files.raise_row_counts(built_database)
    baseline = files.read_baseline()
    assert changes["claims"] == (100, baseline.minimum_rows["claims"]) and baseline.minimum_rows["claims"] > 100
    assert "entities" not in changes and baseline.minimum_rows["entities"] == 1000
    assert baseline.change_notes == [note]
    assert set(baseline.minimum_rows) == {table.name for table in DATA_TABLES}


def test_a_changed_baseline_makes_the_generated_suites_stale(expectations_copy):
    path = expectations_copy / "row_counts.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  claims: ", "  claims: 1"), encoding="utf-8")
    assert files.stale_files() == [expectations_copy / "claims.json"]
    with pytest.raises(ExpectationFileError) as raised:
        files.read_suites()
    assert str(raised.value).endswith(": out of date with etl/schema/tables.py, expectations/row_counts.yml or "
                                      "expectations/acknowledged_conflicts.yml — run `etl expectations` and commit "
                                      "the result")
    assert files.write_generated() == [expectations_copy / "claims.json"]
    assert files.stale_files() == []


def test_a_failure_table_shows_ids_and_values_and_how_many_more():
    rows = [{"claim_id": f"claim-{n}", "quote": "a very long quote " * 5, "amount": None} for n in range(12)]
    lines = table_text(rows, 15).splitlines()
    assert lines[0] == "  claim_id | quote                                    | amount"
    assert lines[2] == "  claim-0  | a very long quote a very long quote a v… | NULL"
    assert len(lines) == 2 + 10 + 1 and lines[-1] == "  … and 5 more"


def test_a_rule_that_cannot_run_says_why():
    result = RuleResult("claims.broken", "cross_table", "claims", None, "unexpected_rows_expectation", False, None,
                        error="(sqlite3.OperationalError) no such column: nope")
    assert failure_text(result) == ("FAILED claims.broken (claims): the rule could not run: "
                                    "(sqlite3.OperationalError) no such column: nope")


def test_validate_prints_each_failed_rule_with_its_rows_and_exits_1(built_database, project, tmp_path):
    broken = tmp_path / "broken.db"
    corrupt(built_database, broken, "UPDATE claims SET quote_end = quote_end - 1 "
                                    "WHERE claim_id = 'bz-keypoint-alibaba-qwen'")
    result = run_etl(project, "validate", "--database", str(broken))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        "FAILED claims.quote_offsets_match_length (claims.quote) — 1 offending row\n"
        "  claim_id                 | quote_start | quote_end | quote_length\n"
        "  -------------------------+-------------+-----------+-------------\n"
        "  bz-keypoint-alibaba-qwen | 227         | 257       | 31\n\n"
        f"1 of {len(ALL)} rules failed on broken.db — fix the inputs or the ETL and build again.\n")


def test_a_published_build_records_its_validation_run(published_project):
    connection = sqlite3.connect(published_project / DB)
    runs = connection.execute("SELECT gx_version, success, rule_count, failed_count FROM validation_runs").fetchall()
    results = connection.execute("SELECT rule, suite, success, unexpected_count, unexpected_sample "
                                 "FROM validation_results").fetchall()
    connection.close()
    assert runs == [(import_gx().__version__, 1, len(ALL), 0)]
    assert sorted(row[0] for row in results) == sorted(item["meta"]["rule"] for item in ALL)
    assert {row[2:] for row in results} == {(1, 0, None), (1, None, None)}
    assert ("claims.quote_offsets_match_length", "cross_table") in {row[:2] for row in results}
    index = (published_project / "build" / "data-docs" / "index.html").read_text(encoding="utf-8")
    assert "expectations/cross_table/claims.html" in index


def test_a_build_that_breaks_a_rule_publishes_nothing(published_project, tmp_path):
    root = tmp_path / "project"
    shutil.copytree(published_project, root)
    before = {name: (root / name).read_bytes() for name in (DB, "build/data-docs/index.html")}
    acknowledged = root / "expectations" / "acknowledged_conflicts.yml"
    text = acknowledged.read_text(encoding="utf-8")
    acknowledged.write_text(text[:text.index("- conflict_id: rana-moonshot-cloud-credit-share--rana-summary-form-moonshot")], encoding="utf-8")
    assert run_etl(root, "expectations").returncode == 0
    result = run_etl(root, "build")
    assert result.returncode == 1
    assert ("rows to a new version\ncoverage: every figure and date of the articles is quoted by a claim or "
            "ignored with a reason\nFAILED claim_conflicts.acknowledged ") in result.stderr
    assert result.stderr.endswith(
        "FAILED claim_conflicts.acknowledged (claim_conflicts.status) — 1 offending row\n"
        "  conflict_id                              | status | reason\n"
        "  -----------------------------------------+--------+-------\n"
        "  rana-moonshot-cloud-credit-share--rana-… | open   | NULL\n\n"
        f"1 of {len(ALL)} rules failed on the new database: nothing was published — fix the inputs or the ETL and "
        "build again (Data Docs: build/data-docs-failed/index.html).\n")
    assert {name: (root / name).read_bytes() for name in before} == before
    assert (root / "build" / "data-docs-failed" / "index.html").is_file()
    assert not list(root.glob(".china_ai_investments-*")), "a temporary database was left behind"
    assert not list(root.glob("build/versions/.building-*")), "an unpublished version was left behind"


def test_expectations_check_names_the_stale_suite(project):
    path = project / "expectations" / "row_counts.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("  sources: ", "  sources: 9"), encoding="utf-8")
    result = run_etl(project, "expectations", "--check")
    assert (result.returncode, result.stderr) == (
        1, "expectations/sources.json: out of date — run: etl expectations\n")


def test_a_failed_column_rule_runs_again_to_show_its_rows_and_count(built_database, tmp_path):
    """The quick pass gives verdicts and counts; a failed rule is run again to show its rows, passing ones not."""
    broken = tmp_path / "broken.db"
    corrupt(built_database, broken, "UPDATE claims SET modality = 'rumoured', currency = 'XYZ' "
                                    "WHERE claim_id = 'bbg-baichuan-valuation'")
    results = Runner(files.read_suites()).run(broken, tables={"claims"})
    failed = {result.rule: (result.unexpected_count, result.sample) for result in results if not result.success}
    assert failed == {"claims.modality.in_set": (1, [{"claim_id": "bbg-baichuan-valuation", "modality": "rumoured"}]),
                      "claims.currency.iso_4217": (1, [{"claim_id": "bbg-baichuan-valuation", "currency": "XYZ"}])}
    assert {result.unexpected_count for result in results if result.success} == {0, None}


def test_a_rule_counts_every_offending_row_below_at_and_beyond_the_rows_gx_fetches(built_database, tmp_path):
    """An unexpected-rows rule's count is the number of its fetched rows only when GX fetched fewer than its fetch
    limit (the query ran to its end); from the limit on, the database counts them."""
    from great_expectations.constants import MAX_RESULT_RECORDS

    runner = Runner(files.read_suites())
    found = {}
    for unused in (3, MAX_RESULT_RECORDS - 1, MAX_RESULT_RECORDS, MAX_RESULT_RECORDS + 50):
        broken = tmp_path / f"unused-{unused}.db"
        corrupt(built_database, broken,
                "INSERT INTO entities SELECT e.* FROM entities AS e JOIN (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                f"SELECT i + 1 FROM n WHERE i < {unused}) SELECT i FROM n) WHERE e.entity_id = 'daniel-zhang'; "
                "UPDATE entities SET entity_id = 'unused-' || rowid WHERE entity_id = 'daniel-zhang' "
                "AND rowid > (SELECT min(rowid) FROM entities WHERE entity_id = 'daniel-zhang')")
        result = next(result for result in runner.run(broken, tables={"entities"})
                      if result.rule == "entities.used_by_claims")
        found[unused] = (result.success, result.unexpected_count, len(result.sample))
    assert found == {unused: (False, unused, min(unused, SAMPLE_SIZE)) for unused in found}


def test_the_rules_hold_the_database_mapped_one_unit_at_a_time(built_database, monkeypatch):
    """Each unit reads the file through a memory map, and its pages are let go before the next unit maps them."""
    from etl.validation import runner

    mapped_file = str(built_database.resolve())

    def is_mapped() -> bool:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            return any(line.rstrip("\n").endswith(" " + mapped_file) for line in maps)

    seen = []
    let_go = runner.MappedFile.let_go

    def watched(self):
        before = is_mapped()
        let_go(self)
        seen.append((before, is_mapped()))

    monkeypatch.setattr(runner.MappedFile, "let_go", watched)
    results = Runner(files.read_suites()).run(built_database)
    assert all(result.success for result in results)
    assert seen == [(True, False)] * len(runner.units_of(files.read_suites()))
