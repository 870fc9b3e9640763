"""Every rule can fail alone: one corruption of a good database per rule breaks that rule and no other.

A corruption names the tables it changes; the runner re-runs every rule that reads one of them (the others
read unchanged tables and pass, as test_every_rule_holds_on_the_real_dataset shows).
"""
from __future__ import annotations

import copy
import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from etl.schema.tables import DATA_TABLES, TABLES_BY_NAME
from etl.validation.files import read_baseline, read_suites
from etl.validation.runner import Runner

VICTIMS = {
    "sources": "source_id = 'rana-alibaba-bets-big-2024'",
    "entities": "entity_id = 'daniel-zhang'",
    "entity_aliases": "alias = 'Wu'",
    "predicates": "predicate_id = 'growth_rate'",
    "fx_rates": "fx_rate_id = 'CNY-USD-2024-year-mean'",
    "funding_rounds": "round_id = 'zhipu-2023'",
    "claims": "claim_id = 'bz-keypoint-alibaba-qwen'",
    "round_investors": "round_id = 'zhipu-2023' AND investor_id = 'tencent'",
    "claim_conflicts": "conflict_id = 'bbg-alibaba-restructuring--rana-alibaba-restructuring'",
    "external_evidence": "evidence_id = 'ev-zhipu-2023-raise-scmp'",
}

CORRUPTIONS = {
    "claim_conflicts.acknowledged": "UPDATE claim_conflicts SET status = 'open', reason = NULL WHERE {claim_conflicts}",
    "claim_conflicts.acknowledgements_name_existing_conflicts":
        "UPDATE claim_conflicts SET conflict_id = 'bbg-alibaba-restructuring--bt-alibaba-restructuring', "
        "claim_a = 'bbg-alibaba-restructuring', claim_b = 'bt-alibaba-restructuring', "
        "description = 'bbg-alibaba-restructuring and bt-alibaba-restructuring' "
        "WHERE conflict_id = 'bbg-alibaba-restructuring--rana-alibaba-restructuring'",
    "claim_conflicts.description_names_both_claims": "UPDATE claim_conflicts SET description = 'they differ' "
        "WHERE {claim_conflicts}",
    "claim_conflicts.pair_matches_claims":
        "UPDATE claim_conflicts SET claim_a = claim_b, claim_b = claim_a WHERE {claim_conflicts}",
    "claim_conflicts.storage_types": "UPDATE claim_conflicts SET gap_unit = 42 WHERE {claim_conflicts}",
    "claims.amount.range": "UPDATE claims SET amount = 0 WHERE claim_id = 'bz-alibaba-share-price'",
    "claims.amount_only_for_money_predicates":
        "UPDATE claims SET predicate_id = 'statistic' WHERE claim_id = 'bz-alibaba-share-price'",
    "claims.amount_usd.range": "UPDATE claims SET amount_usd = 0 WHERE claim_id = 'bz-alibaba-share-price'",
    "claims.amount_usd_derivation": "UPDATE claims SET amount_usd = 90 WHERE claim_id = 'bz-alibaba-share-price'",
    "claims.currency.iso_4217": "UPDATE claims SET currency = 'XYZ' WHERE claim_id = 'bbg-baichuan-valuation'",
    "claims.date.date_range":
        "UPDATE claims SET date = '1989' WHERE claim_id = 'rana-cloud-growth'",
    "claims.date.valid_date": "UPDATE claims SET date = '2024-02' WHERE claim_id = 'bz-alibaba-qwen-launch'",
    "claims.date_basis.in_set": "UPDATE claims SET date_basis = 'guessed' WHERE claim_id = 'bz-alibaba-qwen-launch'",
    "claims.date_not_after_source_published":
        "UPDATE claims SET date = '2024-04', date_precision = 'month', date_latest = '2024-04-30' "
        "WHERE claim_id = 'bt-minimax-deal-sequence'",
    "claims.date_precision.in_set":
        "UPDATE claims SET date_precision = 'decade' WHERE claim_id = 'bz-alibaba-qwen-launch'",
    "claims.fx_rate_date_matches_claim_date":
        "UPDATE claims SET date = '2023', date_latest = '2023-12-31' WHERE claim_id = 'bbg-baichuan-valuation'",
    "claims.quote_end.range": "UPDATE claims SET quote_end = 0 WHERE {claims}",
    "claims.quote_not_blank": "UPDATE claims SET quote = printf('%*s', quote_end - quote_start, '') WHERE {claims}",
    "claims.quote_offsets_match_length": "UPDATE claims SET quote_end = quote_end - 1 WHERE {claims}",
    "claims.quote_start.range": "UPDATE claims SET quote_start = -1 WHERE {claims}",
    "claims.quote_within_source":
        "UPDATE claims SET quote_start = quote_start + 10000, quote_end = quote_end + 10000 WHERE {claims}",
    "claims.round_company_is_subject_or_object":
        "UPDATE claims SET round_id = 'moonshot-2024' WHERE claim_id = 'bt-minimax-round-status'",
    "claims.round_id.references":
        "UPDATE claims SET round_id = 'no-such-round' WHERE claim_id = 'bt-minimax-round-status'",
    "claims.round_money_usd_plausible":
        "UPDATE claims SET amount = 5000, amount_usd = 5000 WHERE claim_id = 'mm-moonshot-round-amount'",
    "claims.round_use_respected": "UPDATE claims SET round_id = NULL WHERE claim_id = 'bt-minimax-round-status'",
    "claims.stated_usd_agrees_with_ecb":
        "UPDATE claims SET amount_usd = 800000000 WHERE claim_id = 'bbg-baichuan-round-amount'",
    "claims.storage_types": "UPDATE claims SET note = 42 WHERE {claims}",
    "claims.usd_rule.in_set": "UPDATE claims SET usd_rule = 'guessed' WHERE claim_id = 'bbg-baichuan-valuation'",
    "claims.value_end.range": "UPDATE claims SET value_end = 0 WHERE claim_id = 'bt-minimax-round-amount'",
    "claims.value_phrase_in_quote":
        "UPDATE claims SET value_phrase = 'at most US$600 million' WHERE claim_id = 'bt-minimax-round-amount'",
    "claims.value_start.range": "UPDATE claims SET value_start = -1 WHERE claim_id = 'bt-minimax-round-amount'",
    "entities.founded.date_range": "UPDATE entities SET founded = '1989-04' WHERE entity_id = 'baichuan'",
    "entities.founded.valid_date": "UPDATE entities SET founded = '2023-13' WHERE entity_id = 'baichuan'",
    "entities.founded_basis.in_set": "UPDATE entities SET founded_basis = 'guessed' WHERE entity_id = 'baichuan'",
    "entities.founded_claim_id.references":
        "UPDATE entities SET founded_claim_id = 'no-such-claim' WHERE entity_id = 'baichuan'",
    "entities.founded_claim_matches":
        "UPDATE entities SET founded_claim_id = 'mm-moonshot-founded' WHERE entity_id = 'baichuan'",
    "entities.founded_precision.in_set":
        "UPDATE entities SET founded_precision = 'decade' WHERE entity_id = 'baichuan'",
    "entities.storage_types": "UPDATE entities SET note = 42 WHERE {entities}",
    "entities.used_by_claims": "INSERT INTO entities SELECT * FROM entities WHERE {entities}; "
        "UPDATE entities SET entity_id = 'nobody' WHERE rowid = (SELECT max(rowid) FROM entities)",
    "entity_aliases.storage_types": "UPDATE entity_aliases SET alias = 42 WHERE {entity_aliases}",
    "funding_rounds.announced.date_range": "UPDATE funding_rounds SET announced = '1989' WHERE {funding_rounds}",
    "funding_rounds.announced.valid_date": "UPDATE funding_rounds SET announced = '2023-1' WHERE {funding_rounds}",
    "funding_rounds.announced_not_before_company_founded":
        "UPDATE funding_rounds SET announced = '2022' WHERE round_id = 'baichuan-2024'",
    "funding_rounds.announced_precision.in_set":
        "UPDATE funding_rounds SET announced_precision = 'decade' WHERE {funding_rounds}",
    "funding_rounds.company_id.references":
        "UPDATE funding_rounds SET company_id = 'no-such-entity' WHERE {funding_rounds}",
    "funding_rounds.company_is_a_company": "UPDATE entities SET kind = 'investment_firm' WHERE entity_id = 'zhipu'",
    "funding_rounds.first_reported.date_range":
        "UPDATE funding_rounds SET first_reported = '1989-02-27' WHERE {funding_rounds}",
    "funding_rounds.first_reported.valid_date":
        "UPDATE funding_rounds SET first_reported = '2024-02-30' WHERE {funding_rounds}",
    "funding_rounds.has_amount_or_valuation_claim":
        "UPDATE claims SET predicate_id = 'investor_amount' WHERE claim_id = 'mm-zhipu-round-amount'; "
        "UPDATE funding_rounds SET amount = NULL, amount_currency = NULL, amount_comparator = NULL, amount_usd = NULL, "
        "amount_claim_id = NULL, amount_usd_rule = NULL, amount_usd_claim_id = NULL, amount_modality = NULL "
        "WHERE {funding_rounds}",
    "funding_rounds.has_investor":
        "UPDATE round_investors SET round_id = 'minimax-2024', investor_id = CASE investor_id "
        "WHEN 'alibaba' THEN 'monolith-management' ELSE investor_id END WHERE round_id = 'zhipu-2023'",
    "funding_rounds.storage_types": "UPDATE funding_rounds SET claim_count = '3' WHERE {funding_rounds}",
    "funding_rounds.usd_plausible": "UPDATE funding_rounds SET amount_usd = 5000 WHERE {funding_rounds}",
    "funding_rounds.valuation.range": "UPDATE funding_rounds SET valuation = 0 WHERE round_id = 'moonshot-2024'",
    "funding_rounds.valuation_claim_id.references":
        "UPDATE funding_rounds SET valuation_claim_id = 'no-such-claim' WHERE round_id = 'moonshot-2024'",
    "funding_rounds.valuation_not_below_amount":
        "UPDATE funding_rounds SET valuation_usd = 500000000 WHERE round_id = 'moonshot-2024'",
    "funding_rounds.valuation_usd.range":
        "UPDATE funding_rounds SET valuation_usd = 0 WHERE round_id = 'moonshot-2024'",
    "funding_rounds.value_claims_match_round":
        "UPDATE funding_rounds SET amount_claim_id = 'mm-moonshot-valuation' WHERE round_id = 'moonshot-2024'",
    "fx_rates.method_columns_consistent": "UPDATE fx_rates SET period_end = NULL WHERE {fx_rates}",
    "fx_rates.period_end.date_range": "UPDATE fx_rates SET period_end = '2099-12-31' WHERE {fx_rates}",
    "fx_rates.period_end.valid_date": "UPDATE fx_rates SET period_end = '2024-12-32' WHERE {fx_rates}",
    "fx_rates.rate_date.date_range": "UPDATE fx_rates SET rate_date = '1989-01-01' WHERE {fx_rates}",
    "fx_rates.rate_date.valid_date": "UPDATE fx_rates SET rate_date = '2023-02-29' WHERE {fx_rates}",
    "fx_rates.storage_types": "UPDATE fx_rates SET provider = 42 WHERE {fx_rates}",
    "fx_rates.used_by_claims": "INSERT INTO fx_rates SELECT * FROM fx_rates WHERE {fx_rates}; "
        "UPDATE fx_rates SET fx_rate_id = 'EUR-USD-2024-year-mean' WHERE rowid = (SELECT max(rowid) FROM fx_rates)",
    "predicates.storage_types": "UPDATE predicates SET label = 42 WHERE {predicates}",
    "round_investors.amount.range":
        "UPDATE round_investors SET amount = 0 WHERE round_id = 'moonshot-2024' AND investor_id = 'alibaba'",
    "round_investors.amount_claim_id.references": "UPDATE round_investors SET amount_claim_id = 'no-such-claim' "
        "WHERE round_id = 'moonshot-2024' AND investor_id = 'alibaba'",
    "round_investors.amount_claim_matches": "UPDATE round_investors SET amount_claim_id = 'mm-moonshot-round-amount' "
        "WHERE round_id = 'moonshot-2024' AND investor_id = 'alibaba'",
    "round_investors.amount_not_above_round_amount":
        "UPDATE round_investors SET amount_usd = 2000000000 "
        "WHERE round_id = 'moonshot-2024' AND investor_id = 'alibaba'",
    "round_investors.investor_is_not_the_company":
        "UPDATE round_investors SET investor_id = 'zhipu' WHERE {round_investors}",
    "round_investors.storage_types": "UPDATE round_investors SET form = 42 WHERE {round_investors}",
    "round_investors.usd_plausible":
        "UPDATE round_investors SET amount_usd = 5000 WHERE round_id = 'moonshot-2024' AND investor_id = 'alibaba'",
    "sources.has_claims": "INSERT INTO sources SELECT * FROM sources WHERE {sources}; "
        "UPDATE sources SET source_id = 'orphan-source' WHERE rowid = (SELECT max(rowid) FROM sources)",
    "sources.published.date_range": "UPDATE sources SET published = '2099' WHERE {sources}",
    "sources.published.valid_date":
        "UPDATE sources SET published = '2024-02-30' WHERE source_id = 'bt-minimax-2024-03-05'",
    "sources.published_precision.in_set":
        "UPDATE sources SET published_precision = 'decade' WHERE source_id = 'bt-minimax-2024-03-05'",
    "sources.storage_types": "UPDATE sources SET seed_file = 42 WHERE {sources}",
    "sources.text_length.range": "UPDATE sources SET text_length = 0 WHERE {sources}",
    # Attribution: a claim passed on from a named outlet or unnamed people is never plain stated.
    "claims.attribution_matches_modality": "UPDATE claims SET modality = 'stated' WHERE claim_id = 'bz-investor-moonshot'",
    # Date basis carried through: relative to an inferred publication date is inferred.
    "claims.basis_of_inferred_publication_date":
        "UPDATE claims SET date_basis = 'relative' WHERE claim_id = 'bz-alibaba-qwen-launch'",
    # Ages are ranges, "since" starts a period.
    "claims.date_range_columns_consistent": "UPDATE claims SET date_kind = 'point' WHERE claim_id = 'bt-minimax-founded'",
    "claims.date_kind.in_set": "UPDATE claims SET date_kind = 'sometime' WHERE claim_id = 'rana-cloud-growth'",
    "claims.date_latest.date_range": "UPDATE claims SET date_latest = '2099-12-31' WHERE claim_id = 'rana-cloud-growth'",
    "claims.date_latest.valid_date": "UPDATE claims SET date_latest = '2024-02-30' WHERE claim_id = 'rana-cloud-growth'",
    "claims.amount_usd_digits.range": "UPDATE claims SET amount_usd_digits = 0 WHERE claim_id = 'bz-alibaba-share-price'",
    "entities.founded_latest.date_range": "UPDATE entities SET founded_latest = '2099-12-31' WHERE entity_id = 'minimax'",
    "entities.founded_latest.valid_date": "UPDATE entities SET founded_latest = '2022-02-30' WHERE entity_id = 'minimax'",
    "sources.published_latest.date_range": "UPDATE sources SET published_latest = '2099-12-31' WHERE {sources}",
    "sources.published_latest.valid_date": "UPDATE sources SET published_latest = '2024-12-32' WHERE {sources}",
    "sources.copy_published.date_range":
        "UPDATE sources SET copy_published = '2099' WHERE source_id = 'bt-minimax-2024-03-05'",
    "sources.copy_published.valid_date":
        "UPDATE sources SET copy_published = '2024-02-30' WHERE source_id = 'bt-minimax-2024-03-05'",
    "funding_rounds.announced_latest.date_range":
        "UPDATE funding_rounds SET announced_latest = '2099-12-31' WHERE {funding_rounds}",
    "funding_rounds.announced_latest.valid_date":
        "UPDATE funding_rounds SET announced_latest = '2023-12-32' WHERE {funding_rounds}",
    # Status is a value with a date: the latest source's.
    "funding_rounds.status_as_of.date_range":
        "UPDATE funding_rounds SET status_as_of = '2099' WHERE round_id = 'minimax-2024'",
    "funding_rounds.status_as_of.valid_date":
        "UPDATE funding_rounds SET status_as_of = '2024-13' WHERE round_id = 'minimax-2024'",
    "funding_rounds.status_is_latest": "UPDATE funding_rounds SET status = 'in_progress', "
        "status_claim_id = 'bt-minimax-round-status' WHERE round_id = 'minimax-2024'",
    "funding_rounds.status_claim_id.references":
        "UPDATE funding_rounds SET status_claim_id = 'no-such-claim' WHERE round_id = 'minimax-2024'",
    # The article's own US-dollar figure wins over the ECB conversion.
    "funding_rounds.usd_claim_matches":
        "UPDATE funding_rounds SET valuation_usd = 2779732523.39 WHERE round_id = 'baichuan-2024'",
    "funding_rounds.valuation_usd_claim_id.references":
        "UPDATE funding_rounds SET valuation_usd_claim_id = 'no-such-claim' WHERE round_id = 'moonshot-2024'",
    # Alibaba is an existing investor of baichuan-2024 (BT: "previously provided funding").
    "round_investors.existing_claim_matches": "UPDATE round_investors SET is_existing_investor = 0 "
        "WHERE round_id = 'baichuan-2024' AND investor_id = 'alibaba'",
    "round_investors.existing_claim_id.references": "UPDATE round_investors SET existing_claim_id = 'no-such-claim' "
        "WHERE round_id = 'baichuan-2024' AND investor_id = 'alibaba'",
    "external_evidence.storage_types": "UPDATE external_evidence SET note = 42 WHERE {external_evidence}",
    "external_evidence.date.date_range": "UPDATE external_evidence SET date = '1989' WHERE {external_evidence}",
    "external_evidence.date.valid_date": "UPDATE external_evidence SET date = '2023-13' WHERE {external_evidence}",
    "external_evidence.date_latest.date_range":
        "UPDATE external_evidence SET date_latest = '2099-12-31' WHERE {external_evidence}",
    "external_evidence.date_latest.valid_date":
        "UPDATE external_evidence SET date_latest = '2023-12-32' WHERE {external_evidence}",
    "external_evidence.outlet_date.date_range":
        "UPDATE external_evidence SET outlet_date = '2099' WHERE evidence_id = 'ev-zhipu-2023-raise-dmr'",
    "external_evidence.outlet_date.valid_date":
        "UPDATE external_evidence SET outlet_date = '2023-10-32' WHERE evidence_id = 'ev-zhipu-2023-raise-dmr'",
    "external_evidence.claim_id.references":
        "UPDATE external_evidence SET claim_id = 'no-such-claim', description = 'no-such-claim' WHERE {external_evidence}",
    "external_evidence.relation_names_claim":
        "UPDATE external_evidence SET claim_id = NULL WHERE {external_evidence}",
}

_WRITES = re.compile(r"\b(?:UPDATE|INSERT INTO|DELETE FROM|ALTER TABLE)\s+([a-z_]+)", re.I)


def rules_of(suites: list[dict]) -> list[dict]:
    return [item for suite in suites for item in suite["expectations"]]


def generic_corruption(item: dict) -> str | None:
    """The obvious corruption for a generated column rule, on the table's victim row."""
    meta, kwargs = item["meta"], item["kwargs"]
    table, column, kind = meta["table"], meta.get("column"), meta["rule"].rsplit(".", 1)[-1]
    where = VICTIMS[table]
    if kind == "columns":
        return f"ALTER TABLE {table} ADD COLUMN extra_column"
    if kind == "not_null" and column in TABLES_BY_NAME[table].primary_key:
        return (f"INSERT INTO {table} SELECT * FROM {table} WHERE {where}; "
                f"UPDATE {table} SET {column} = NULL WHERE rowid = (SELECT max(rowid) FROM {table})")
    if kind == "not_null":
        return f"UPDATE {table} SET {column} = NULL WHERE {where}"
    if kind in ("unique", "primary_key_unique"):
        return f"INSERT INTO {table} SELECT * FROM {table} WHERE {where}"
    if kind == "in_set":
        bad = 2 if kwargs["value_set"] == [0, 1] else "'not-in-vocabulary'"
        return f"UPDATE {table} SET {column} = {bad} WHERE {where}"
    if kind == "iso_4217":
        return f"UPDATE {table} SET {column} = 'XYZ' WHERE {where}"
    if kind == "pattern":
        return "; ".join([*(f"UPDATE {other.name} SET {name} = 'Not Valid' WHERE {name} = "
                            f"(SELECT {column} FROM {table} WHERE {where})"
                            for other in DATA_TABLES for name, *target in other.foreign_keys
                            if target == [table, column]),
                          f"UPDATE {table} SET {column} = 'Not Valid' WHERE {where}"])
    if kind == "range":
        low, high = kwargs["min_value"], kwargs["max_value"]
        bad = high + 1 if low is None else low if kwargs["strict_min"] else low - 1
        return f"UPDATE {table} SET {column} = {bad} WHERE {where}"
    if kind == "references":
        return f"UPDATE {table} SET {column} = 'no-such-id' WHERE {where}"
    return None


def corruption_of(item: dict) -> str:
    rule = item["meta"]["rule"]
    found = CORRUPTIONS[rule].format(**VICTIMS) if rule in CORRUPTIONS else generic_corruption(item)
    assert found, f"no corruption for rule {rule}: add one to CORRUPTIONS"
    return found


def loosen(connection: sqlite3.Connection, table: str) -> None:
    """Rebuild table without types or constraints, so that a corruption can break what the DDL forbids."""
    columns = ", ".join(f"[{row[1]}]" for row in connection.execute(f"PRAGMA table_info([{table}])"))
    connection.execute(f"CREATE TABLE [loose_{table}] ({columns})")
    connection.execute(f"INSERT INTO [loose_{table}] SELECT * FROM [{table}]")
    connection.execute(f"DROP TABLE [{table}]")
    connection.execute(f"ALTER TABLE [loose_{table}] RENAME TO [{table}]")


def corrupt(good: Path, target: Path, sql: str) -> set[str]:
    """A copy of good with sql applied (foreign keys off); returns the tables whose content changed."""
    shutil.copyfile(good, target)
    connection = sqlite3.connect(target, isolation_level=None)
    try:
        connection.execute("PRAGMA foreign_keys = OFF")
        for table in sorted({name for name in _WRITES.findall(sql)}):
            loosen(connection, table)
        connection.executescript(sql)
    finally:
        connection.close()
    return {table for table, digest in digests(target).items() if digest != digests(good)[table]}


def digests(database: Path) -> dict[str, str]:
    connection = sqlite3.connect(database)
    try:
        found = {}
        for table in DATA_TABLES:
            names = [row[1] for row in connection.execute(f"PRAGMA table_info([{table.name}])")]
            rows = connection.execute(f"SELECT * FROM [{table.name}] ORDER BY 1, 2").fetchall()
            found[table.name] = hashlib.sha256(repr((names, rows)).encode()).hexdigest()
        return found
    finally:
        connection.close()


# The suite files as committed: a missing or broken suite stops the collection with its message.
SUITES = read_suites()
RULES = {item["meta"]["rule"]: item for item in rules_of(SUITES)}


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner(SUITES)


def test_every_rule_holds_on_the_real_dataset(runner, built_database):
    results = runner.run(built_database)
    assert [result.rule for result in results if not result.success] == []
    assert sorted(result.rule for result in results) == sorted(RULES)


@pytest.mark.parametrize("rule", sorted(rule for rule in RULES if not rule.endswith(".row_count_not_below_baseline")))
def test_a_corruption_breaks_exactly_its_rule(rule, runner, built_database, tmp_path):
    changed = corrupt(built_database, tmp_path / "corrupt.db", corruption_of(RULES[rule]))
    assert changed, "the corruption changed nothing"
    results = runner.run(tmp_path / "corrupt.db", tables=changed, result_format="BOOLEAN_ONLY")
    assert [result.rule for result in results if not result.success] == [rule]


def row_counts(database: Path) -> dict[str, int]:
    connection = sqlite3.connect(database)
    try:
        return {table.name: connection.execute(f"SELECT count(*) FROM [{table.name}]").fetchone()[0]
                for table in DATA_TABLES}
    finally:
        connection.close()


def test_the_row_count_baseline_is_the_count_of_the_last_build(built_database):
    """The baseline catches a table that shrinks; growth is accepted by raising it, which etl build does."""
    baseline = read_baseline().minimum_rows
    grown = {table: f"{baseline.get(table, 0)} → {count}" for table, count in row_counts(built_database).items()
             if count > baseline.get(table, 0)}
    assert grown == {}, ("tables grew past expectations/row_counts.yml — run: etl expectations --raise-row-counts "
                         "(etl build does it when it publishes) and commit expectations/")


@pytest.mark.parametrize("table", [table.name for table in DATA_TABLES])
def test_a_raised_baseline_breaks_exactly_its_row_count_rule(table, built_database):
    suites = copy.deepcopy(SUITES)
    count = row_counts(built_database)[table]
    for item in rules_of(suites):
        if item["meta"]["rule"] == f"{table}.row_count_not_below_baseline":
            item["kwargs"]["min_value"] = count + 1
    results = Runner(suites).run(built_database, tables={table}, result_format="BOOLEAN_ONLY")
    assert [result.rule for result in results if not result.success] == [f"{table}.row_count_not_below_baseline"]
