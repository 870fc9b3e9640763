"""metadata.yml, canned queries and serve settings: generated from the table definitions and in step with them."""
from __future__ import annotations

import dataclasses
import json
import re
import sqlite3

import yaml
from click.testing import CliRunner
from datasette.cli import serve

from etl import paths
from etl.cli import main
from etl.schema import dataset
from etl.schema.tables import TABLES
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve
from etl.site.queries import QUERIES
from tests import corpus

PROVENANCE_KEYS = ("license", "license_url", "source", "source_url", "about", "about_url")


def database_columns(database) -> dict[str, list[str]]:
    connection = sqlite3.connect(database)
    try:
        tables = [name for (name,) in connection.execute(
            "select name from sqlite_master where type = 'table' and name not like '%\\_fts%' escape '\\' "
            "and name not like 'sqlite\\_%' escape '\\'")]
        return {table: [row[1] for row in connection.execute(f"pragma table_info([{table}])")] for table in tables}
    finally:
        connection.close()


def tables_meta(meta: dict) -> dict:
    return meta["databases"][site_serve.DATABASE_NAME]["tables"]


def test_committed_metadata_is_what_generation_gives():
    assert paths.METADATA.read_text(encoding="utf-8") == site_metadata.metadata_yaml()


def test_a_build_describes_the_corpus_as_sources_yml_does(built_database):
    # The build's metadata step reads the corpus from the new sources table instead of parsing sources.yml again.
    assert site_metadata.database_corpus(built_database) == dataset.read_corpus()
    assert site_metadata.metadata_yaml(site_metadata.database_corpus(built_database)) == site_metadata.metadata_yaml()


def test_metadata_and_the_package_name_the_publishers_in_one_order():
    package = json.loads(paths.DATAPACKAGE.read_text(encoding="utf-8"))
    assert f"({dataset.corpus().publishers_phrase()})" in package["description"]
    assert f"({dataset.corpus().publishers_phrase()})" in site_metadata.provenance()["source"]


def test_etl_metadata_check_passes_on_the_committed_file():
    result = CliRunner().invoke(main, ["metadata", "--check"])
    assert result.exit_code == 0, result.output
    assert "metadata.yml is up to date" in result.output


def test_metadata_yaml_parses_to_the_generated_metadata():
    assert yaml.safe_load(paths.METADATA.read_text(encoding="utf-8")) == site_metadata.metadata()


def test_every_column_of_the_database_has_a_description_and_nothing_else_is_described(built_database):
    columns = database_columns(built_database)
    assert set(columns) == {table.name for table in TABLES}
    assert site_metadata.description_problems(yaml.safe_load(paths.METADATA.read_text(encoding="utf-8")), columns) == []


def test_description_problems_names_a_missing_and_an_unknown_column(built_database):
    meta = site_metadata.metadata()
    claims = tables_meta(meta)["claims"]["columns"]
    del claims["quote"]
    claims["invented"] = "Not a column."
    tables_meta(meta)["entities"]["columns"]["name"] = " "
    assert site_metadata.description_problems(meta, database_columns(built_database)) == [
        "claims.quote: no description in metadata.yml",
        "claims.invented: described in metadata.yml but not in the database",
        "entities.name: no description in metadata.yml",
    ]


def test_provenance_is_repeated_on_the_instance_the_database_and_every_table():
    meta = site_metadata.metadata()
    database = meta["databases"][site_serve.DATABASE_NAME]
    for level in (meta, database, *database["tables"].values()):
        assert {key: level[key] for key in PROVENANCE_KEYS} == site_metadata.PROVENANCE
    assert meta["license"].startswith("CC-BY-4.0")
    assert "excerpts" in meta["license"]


def test_table_settings_hold_on_the_built_database(built_database):
    """Properties of the settings against the data, not a second copy of the generator."""
    columns = database_columns(built_database)
    connection = sqlite3.connect(built_database)
    try:
        for name, meta in tables_meta(site_metadata.metadata()).items():
            assert meta["title"] and meta["description"], name
            assert set(meta.get("facets", [])) <= set(columns[name]), name
            assert set(meta["sortable_columns"]) <= set(columns[name]), name
            for column in [*meta["sortable_columns"], *([meta["sort"]] if "sort" in meta else [])]:
                rows, distinct = connection.execute(
                    f"select count(*), count(distinct [{column}]) from [{name}]").fetchone()
                assert rows == distinct, f"{name}.{column}: a sort on repeated values would skip rows when paging"
            if "fts_table" in meta:
                assert connection.execute("select 1 from sqlite_master where name = ?",
                                          (meta["fts_table"],)).fetchone(), name
    finally:
        connection.close()


def test_only_a_unique_first_sort_column_becomes_the_default_sort():
    claims = next(table for table in TABLES if table.name == "claims")
    by_source = dataclasses.replace(claims, sort=("source_id", "claim_id"))
    by_id = dataclasses.replace(claims, sort=("claim_id",))
    assert (site_metadata.stable_sort(by_source), site_metadata.stable_sort(by_id)) == (False, True)
    assert "sort" not in site_metadata.table_metadata(by_source)
    assert site_metadata.table_metadata(by_id)["sort"] == "claim_id"


def test_entities_and_sources_show_names_through_their_label_column():
    tables = tables_meta(site_metadata.metadata())
    assert tables["entities"]["label_column"] == "name"
    assert tables["sources"]["label_column"] == "title"


def named_parameters(sql: str) -> set[str]:
    return set(re.findall(r"(?<![:\w]):([a-z_]+)", sql))


def test_every_canned_query_is_titled_described_and_declares_the_parameters_its_sql_uses():
    queries = site_metadata.metadata()["databases"][site_serve.DATABASE_NAME]["queries"]
    assert list(queries) == [query.name for query in QUERIES]
    for query in QUERIES:
        meta = queries[query.name]
        assert meta["title"] and meta["description"] and meta["sql"] == query.sql
        assert set(meta["params"]) == named_parameters(query.sql) != set()
        assert all(column.description for column in query.columns)


def test_the_required_questions_have_canned_queries():
    assert {query.name for query in QUERIES} >= {
        "investor_portfolio", "company_timeline", "rounds_by_valuation", "source_claims", "conflicting_claims",
        "search_quotes", "last_validation_run",
    }


def test_named_parameters_finds_each_parameter_and_skips_casts():
    assert named_parameters("select :a, :b, :a, x::text") == {"a", "b"}


def test_serve_args_are_read_only_immutable_with_cors_metadata_templates_and_plugins():
    args = site_serve.serve_args()
    assert args[:3] == ["serve", "-i", str(paths.DATABASE)]
    for flag in ("--inspect-file", "--cors", "--metadata", "--template-dir", "--plugins-dir", "--static"):
        assert flag in args
    assert args[args.index("--host") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "8001"
    assert args[args.index("--inspect-file") + 1] == str(paths.ROOT / "build" / "inspect.json")


def test_datasette_takes_every_setting_from_the_serve_args(built_database, tmp_path):
    database = tmp_path / "china_ai_investments.db"
    database.write_bytes(built_database.read_bytes())
    site_metadata.write_serve_files(database)
    context = serve.make_context("serve", site_serve.serve_args(database)[1:])
    datasette = serve.callback(**context.params, return_instance=True)
    for name, value in site_serve.SETTINGS.items():
        expected = {"on": True, "off": False}.get(value, value)
        assert datasette.setting(name) == expected, name
    assert datasette.cors is True
    assert datasette.databases[site_serve.DATABASE_NAME].is_mutable is False
    assert datasette.inspect_data[site_serve.DATABASE_NAME]["tables"]["claims"]["count"] == len(corpus.claims())
    assert {"sql_time_limit_ms", "facet_time_limit_ms", "max_returned_rows", "default_cache_ttl", "allow_download",
            "allow_csv_stream"} <= set(site_serve.SETTINGS)


def test_max_returned_rows_exceeds_every_table(built_database):
    connection = sqlite3.connect(built_database)
    try:
        largest = max(connection.execute(f"select count(*) from [{table.name}]").fetchone()[0] for table in TABLES)
    finally:
        connection.close()
    assert largest < site_serve.SETTINGS["max_returned_rows"]


def test_etl_serve_refuses_a_missing_database(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--database", str(tmp_path / "missing.db")])
    assert result.exit_code == 1
    assert "does not exist — run: etl build" in result.output


def test_etl_serve_refuses_a_file_that_is_not_a_database(tmp_path):
    damaged = tmp_path / "china_ai_investments.db"
    damaged.write_bytes(b"not a database")
    result = CliRunner().invoke(main, ["serve", "--database", str(damaged)])
    assert result.exit_code == 1
    assert "cannot be read (file is not a database) — rebuild it: etl build" in result.output
