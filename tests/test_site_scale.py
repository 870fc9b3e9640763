"""The site's settings for a million claims, served in-process: which facets are on, that the indexes they need
exist, and that the pages' queries read those indexes (EXPLAIN QUERY PLAN: without ANALYZE statistics SQLite
plans the same at any size, so the small corpus shows the plan of the large one). Timing is bench/serve.py's."""
from __future__ import annotations

import asyncio
import sqlite3
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import pytest
from datasette.app import Datasette

from etl.schema.tables import TABLES, TABLES_BY_NAME
from etl.site import caching, entity, render, serve as site_serve
from etl.site.queries import (
    COMPANY_TIMELINE,
    INVESTOR_PORTFOLIO,
    PORTFOLIO_OF_ID_SQL,
    TIMELINE_OF_ID_SQL,
    entity_match,
)

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME
# Tables whose rows grow with the claims (a million claims: ~80k sources, ~100k entities, ~60k rounds); the
# others hold a vocabulary, exchange rates, planted conflicts or validation rules.
GROWING = ("sources", "entities", "entity_aliases", "funding_rounds", "claims", "round_investors")


def plan(served, sql: str, **params) -> str:
    """SQLite's plan of a query, asked through the site's own ?sql= like any reader would."""
    rows = served.json(f"/{DB}.json?" + urlencode({"sql": f"explain query plan {sql}", "_shape": "array",
                                                     **params}))
    return "\n".join(row["detail"] for row in rows)


def index_columns(database) -> dict[str, set[tuple[str, ...]]]:
    connection = sqlite3.connect(database)
    try:
        found: dict[str, set[tuple[str, ...]]] = {}
        for table in TABLES:
            for _, name, *_ in connection.execute(f"pragma index_list([{table.name}])"):
                columns = tuple(row[2] for row in connection.execute(f"pragma index_info([{name}])"))
                found.setdefault(table.name, set()).add(columns)
        return found
    finally:
        connection.close()


def test_every_declared_index_is_in_the_built_database(database):
    found = index_columns(database)
    for table in TABLES:
        for columns in table.all_indexes:
            assert tuple(columns) in found.get(table.name, set()), (table.name, columns)


def test_every_default_facet_of_a_growing_table_is_counted_from_an_index(served):
    tables = served.json("/-/metadata.json")["databases"][DB]["tables"]
    for name in GROWING:
        indexed = {columns[0] for columns in TABLES_BY_NAME[name].all_indexes}
        assert set(tables[name].get("facets", [])) <= indexed, name


def test_no_default_facet_on_claims_or_on_one_value_per_entity(served):
    tables = served.json("/-/metadata.json")["databases"][DB]["tables"]
    assert "facets" not in tables["claims"] and "facets" not in tables["entity_aliases"]
    assert "company_id" not in tables["funding_rounds"]["facets"]
    assert "investor_id" not in tables["round_investors"]["facets"]
    page = served.json(f"/{DB}/claims.json?_size=1")
    assert page["facet_results"] == {}


def test_a_facet_asked_for_on_a_filtered_page_answers_in_full(served, database):
    page = served.json(f"/{DB}/claims.json?predicate_id=round_amount&_facet=currency&_size=5")
    connection = sqlite3.connect(database)
    try:
        expected = dict(connection.execute("select currency, count(*) from claims where predicate_id = "
                                           "'round_amount' and currency is not null group by currency").fetchall())
    finally:
        connection.close()
    assert {item["value"]: item["count"] for item in page["facet_results"]["currency"]["results"]} == expected
    assert expected  # the corpus has round amounts, so the facet is not trivially empty (a timed-out one is)


def test_a_page_of_one_predicate_reads_the_index_in_key_order(served):
    found = plan(served, "select * from claims where predicate_id = :p order by claim_id limit 51", p="round_amount")
    assert "USING INDEX idx_claims_predicate_id_claim_id (predicate_id=?)" in found
    assert "TEMP B-TREE" not in found


def test_the_currency_facet_of_a_predicate_is_counted_from_the_index_alone(served):
    found = plan(served, "select currency as value, count(*) as count from (select * from claims where "
                 "predicate_id = :p) where currency is not null group by currency", p="round_amount")
    assert "COVERING INDEX idx_claims_predicate_id_currency" in found


def test_the_count_of_a_search_reads_only_the_matching_rows(served):
    found = plan(served, "select count(*) from claims where rowid in (select rowid from claims_fts where "
                 "claims_fts match :q)", q="credits")
    assert "SCAN claims_fts VIRTUAL TABLE" in found and "SCAN claims\n" not in found + "\n"


ENTITY_QUERIES = {
    "ENTITY_SQL": entity.ENTITY_SQL, "ALIASES_SQL": entity.ALIASES_SQL, "ROUNDS_SQL": entity.ROUNDS_SQL,
    "ROUND_INVESTORS_SQL": entity.ROUND_INVESTORS_SQL, "VALUATIONS_SQL": entity.VALUATIONS_SQL,
    "CLAIMS_SQL": entity.CLAIMS_SQL, "TIMELINE_OF_ID_SQL": TIMELINE_OF_ID_SQL, "CONFLICTS_SQL": entity.CONFLICTS_SQL,
}


@pytest.mark.parametrize("name", sorted(ENTITY_QUERIES))
def test_each_query_of_a_company_page_reads_no_growing_table_whole(served, name):
    found = plan(served, ENTITY_QUERIES[name], entity_id="alibaba", company="alibaba")
    scans = [line for line in found.splitlines() if line.startswith("SCAN ")]
    assert scans == [], (name, found)


def test_the_investor_part_of_a_company_page_reads_that_investor_only(served):
    found = plan(served, PORTFOLIO_OF_ID_SQL, investor="alibaba")
    assert [line for line in found.splitlines() if line.startswith("SCAN ")] == [], found
    assert "idx_round_investors_investor_id (investor_id=?)" in found
    assert "idx_claims_object_id_predicate_id (object_id=? AND predicate_id=?)" in found


def test_a_valuation_of_a_company_is_found_by_company_and_predicate_together(served):
    found = plan(served, entity.VALUATIONS_SQL, entity_id="alibaba")
    assert "idx_claims_subject_id_predicate_id (subject_id=? AND predicate_id=?)" in found


def test_the_company_page_queries_by_id_give_the_canned_queries_rows(served, database):
    """The page compares the exact id; the canned queries also take a name or an alias: same rows for an id."""
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    try:
        ids = [row[0] for row in connection.execute("select entity_id from entities")]
        for entity_id in ids:
            for by_id, canned, param in ((TIMELINE_OF_ID_SQL, COMPANY_TIMELINE.sql, "company"),
                                         (PORTFOLIO_OF_ID_SQL, INVESTOR_PORTFOLIO.sql, "investor")):
                exact = [tuple(row) for row in connection.execute(by_id, {param: entity_id})]
                assert exact == [tuple(row) for row in connection.execute(canned, {param: entity_id})], entity_id
        assert any(connection.execute(PORTFOLIO_OF_ID_SQL, {"investor": entity_id}).fetchone() for entity_id in ids)
    finally:
        connection.close()


def test_the_conflicts_of_a_company_page_are_those_about_it_or_naming_it_first(database):
    """CONFLICTS_SQL finds them by two index searches; the plain condition says which they are."""
    plain = entity.CONFLICTS_SQL.split("where cc.conflict_id in")[0] + \
        "where cc.subject_id = :entity_id or ca.object_id = :entity_id\norder by cc.status, cc.conflict_id"
    connection = sqlite3.connect(database)
    try:
        ids = [row[0] for row in connection.execute("select entity_id from entities")]
        found = 0
        for entity_id in ids:
            rows = connection.execute(entity.CONFLICTS_SQL, {"entity_id": entity_id}).fetchall()
            assert rows == connection.execute(plain, {"entity_id": entity_id}).fetchall(), entity_id
            found += len(rows)
        assert found >= connection.execute("select count(*) from claim_conflicts").fetchone()[0] > 0
    finally:
        connection.close()


def test_company_page_answers_for_every_entity_with_rounds(served, database):
    connection = sqlite3.connect(database)
    try:
        companies = [row[0] for row in connection.execute("select distinct company_id from funding_rounds")]
    finally:
        connection.close()
    for company in companies:
        assert served.get(f"/entity/{quote(company)}").status_code == 200, company


def test_table_permissions_are_kept_per_table_and_follow_new_metadata(database):
    """The cached permissions still refuse what the metadata refuses, and a new metadata object is read again."""
    denied = {"databases": {DB: {"tables": {"claims": {"allow": {"id": "nobody-here"}}}}}}
    datasette = Datasette([], immutables=[str(database)], metadata=denied, plugins_dir=str(site_serve.PLUGINS_DIR))
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(datasette.invoke_startup())
        assert getattr(datasette._table_permission_allows, "cached", False)

        def status(path: str) -> int:
            return loop.run_until_complete(datasette.client.get(path)).status_code

        assert status(f"/{DB}/claims.json?_size=1") == 403
        assert status(f"/{DB}/claims.json?_size=1") == 403  # the second answer comes from the cache
        assert status(f"/{DB}/sources.json?_size=1") == 200
        datasette._metadata_local = {}
        assert status(f"/{DB}/claims.json?_size=1") == 200
    finally:
        loop.close()


def test_the_catalogue_of_schemas_is_refreshed_only_when_the_databases_served_change():
    refreshed: list[dict] = []

    async def refresh():
        refreshed.append(datasette.databases)

    def requests(count: int) -> None:
        for _ in range(count):
            asyncio.run(datasette._refresh_schemas())

    internal, immutable = SimpleNamespace(is_mutable=True), SimpleNamespace(is_mutable=False)
    datasette = SimpleNamespace(databases={"_internal": internal, DB: immutable}, _refresh_schemas=refresh)
    assert caching.refresh_schemas_when_databases_change(datasette)
    assert not caching.refresh_schemas_when_databases_change(datasette)  # once
    requests(3)
    assert len(refreshed) == 1
    datasette.databases = {**datasette.databases, DB: SimpleNamespace(is_mutable=False)}  # another version
    requests(3)
    assert len(refreshed) == 2
    datasette.databases = {**datasette.databases, "notes": SimpleNamespace(is_mutable=True)}
    requests(3)
    assert len(refreshed) == 5


def test_rendering_a_cell_reads_its_own_row_when_rows_alternate():
    """Cells come row by row, and each row is turned into a dict once: a cell never sees another row's values."""
    usd = {"amount": 5e9, "currency": "USD", "comparator": "at_least", "amount_usd": 5e9}
    cny = {"amount": 5e9, "currency": "CNY", "comparator": None, "amount_usd": 6.91e8}
    links = render.Links(type("Urls", (), {"path": staticmethod(str), "table": staticmethod(
        lambda db, table: f"/{db}/{table}")})(), DB)
    for row, words in [(usd, "at least US$5 billion"), (cny, "5 billion yuan (≈ US$691 million)"),
                       (usd, "at least US$5 billion")]:
        markup = render.cell_markup(row, row["amount"], "amount", "claims", links, frozenset())
        assert f">{words}<" in str(markup)
    assert render.cell_markup(usd, None, "note", "claims", links, frozenset()) is None
    assert render.cell_markup(usd, "a note", "note", "claims", links, frozenset()) is None
    assert ">yes<" in str(render.cell_markup(usd, "1", "in_headline", "claims", links, frozenset({"in_headline"})))


@pytest.mark.parametrize("match", ["alibaba", "ALIBABA GROUP", "no such entity"])
def test_the_canned_queries_find_an_entity_by_name_or_alias_from_indexes(served, match):
    found = plan(served, "select * from claims c where " + entity_match("company", "c.subject_id"), company=match)
    assert "idx_entities_name_nocase (name=?)" in found and "idx_entity_aliases_alias_nocase (alias=?)" in found
    assert [line for line in found.splitlines() if line.startswith("SCAN ")] == [], found
