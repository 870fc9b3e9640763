"""The served site in-process: tables, canned queries, downloads, pages and refused writes."""
from __future__ import annotations

import hashlib
import json
import mimetypes
import sqlite3

import pytest

from etl.schema.tables import DATA_TABLES, TABLES
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve
from etl.site.queries import QUERIES
from tests import corpus
from tests.conftest import count

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_every_table_answers_json_with_its_documented_columns(served, database, table):
    page = served.json(f"/{DB}/{table.name}.json?_shape=objects&_size=max")
    assert page["columns"] == table.column_names
    assert page["filtered_table_rows_count"] == count(database, table.name) == len(page["rows"])
    assert all(list(row) == table.column_names for row in page["rows"])
    rows = served.json(f"/{DB}/{table.name}.json?_shape=array&_size=max")
    assert rows == page["rows"]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_canned_query_answers_json_with_its_documented_columns(served, query):
    example = "&".join(f"{param.name}={param.example}" for param in query.params)
    page = served.json(f"/{DB}/{query.name}.json?_shape=objects&{example}")
    assert page["columns"] == query.column_names
    assert all(list(row) == query.column_names for row in page["rows"])
    assert page["rows"], f"{query.name} finds nothing for its documented example"


def test_labels_turn_foreign_keys_into_names(served):
    rows = served.json(f"/{DB}/funding_rounds.json?_shape=array&_labels=on&round_id=moonshot-2024")
    assert rows[0]["company_id"] == {"value": "moonshot", "label": "Moonshot AI"}


def test_pagination_follows_next_to_every_row(served, database):
    seen, url = [], f"/{DB}/claims.json?_shape=objects&_size=50"
    while url:
        page = served.json(url)
        seen += [row["claim_id"] for row in page["rows"]]
        url = page["next_url"] and page["next_url"].replace("http://localhost", "")
    assert len(seen) == len(set(seen)) == count(database, "claims")


def test_portfolio_of_alibaba_names_its_role_and_stated_amount(served):
    rows = served.json(f"/{DB}/investor_portfolio.json?_shape=array&investor=Alibaba")
    moonshot = [row for row in rows if row["company_id"] == "moonshot"]
    assert [(r["round_id"], r["role"], r["amount_usd"]) for r in moonshot] == [("moonshot-2024", "lead", 800e6)]
    assert {row["company_id"] for row in rows} >= {"moonshot", "minimax", "zhipu", "baichuan", "01-ai"}


def test_rounds_are_ranked_by_valuation_in_usd(served):
    rows = served.json(f"/{DB}/rounds_by_valuation.json?_shape=array&min_valuation_usd=")
    valued = [row["valuation_usd"] for row in rows if row["valuation_usd"] is not None]
    assert valued == sorted(valued, reverse=True) and rows[0]["rank"] == 1
    assert rows[-1]["valuation_usd"] is None and rows[-1]["rank"] is None


def test_conflicting_claims_stand_side_by_side(served):
    rows = served.json(f"/{DB}/conflicting_claims.json?_shape=array&status=")
    assert rows and all(row["claim_a"] < row["claim_b"] and row["quote_a"] and row["quote_b"] for row in rows)


def test_search_over_quotes_finds_the_phrase_and_tolerates_quotes(served):
    rows = served.json(f"/{DB}/search_quotes.json?_shape=array&q=at+least")
    assert rows and all("at least" in row["quote"].lower() for row in rows)
    assert served.json(f"/{DB}/search_quotes.json?_shape=array&q=%22unbalanced") == []


def test_last_validation_run_lists_every_rule_of_the_latest_run(served):
    rows = served.json(f"/{DB}/last_validation_run.json?_shape=array&table=")
    runs = served.json(f"/{DB}/validation_runs.json?_shape=array&_sort_desc=run_id")
    assert rows and {row["run_id"] for row in rows} == {runs[0]["run_id"]}
    assert len(rows) == rows[0]["rule_count"]
    assert sum(1 - row["success"] for row in rows) == rows[0]["failed_count"]


def test_metadata_is_served(served):
    served_meta = served.json("/-/metadata.json")
    for query in served_meta["databases"][DB]["queries"].values():
        query.pop("name", None)
    assert served_meta == json.loads(json.dumps(site_metadata.metadata()))
    assert served.json(f"/{DB}/claims.json?_shape=objects&_size=0")["table"] == "claims"


def package_paths() -> list[str]:
    return ["datapackage.json", *(f"data/{table.name}.csv" for table in DATA_TABLES)]


@pytest.mark.parametrize("path", package_paths())
def test_package_files_download_byte_for_byte(served, published_project, path):
    response = served.get(f"/-/package/{path}")
    assert response.status_code == 200
    assert response.content == (published_project / path).read_bytes()
    expected = "application/json" if path.endswith(".json") else "text/csv"
    assert response.headers["content-type"] == f"{expected}; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_zip_downloads_byte_for_byte(served, published_project):
    response = served.get("/-/package/china-ai-investments.zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.content == (published_project / "build" / "china-ai-investments.zip").read_bytes()


def test_every_data_docs_file_downloads_byte_for_byte(served, published_project):
    base = published_project / "build" / "data-docs"
    files = sorted(path for path in base.rglob("*") if path.is_file())
    assert base / "index.html" in files
    for path in files:
        response = served.get("/-/data-docs/" + path.relative_to(base).as_posix())
        assert response.status_code == 200, path
        assert response.content == path.read_bytes(), path
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        assert response.headers["content-type"].split(";")[0] == guessed, path
    index = served.get("/-/data-docs/")
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert index.content == (base / "index.html").read_bytes()
    assert served.get("/-/data-docs").status_code == 302


@pytest.mark.parametrize("path", [
    "/-/data-docs/%2e%2e/%2e%2e/china_ai_investments.db", "/-/data-docs/..%2fdatapackage.json",
    "/-/package/data/..%2f..%2fchina_ai_investments.db", "/-/package/claims/x.yml", "/-/package/data/missing.csv",
])
def test_nothing_outside_the_package_and_the_data_docs_is_served(served, path):
    assert served.get(path).status_code == 404


def test_the_whole_database_downloads(served, database):
    response = served.get(f"/{DB}.db")
    assert response.status_code == 200
    assert response.content == database.read_bytes()


@pytest.mark.parametrize("sql", [
    "delete from claims", "update claims set quote = 'x'", "insert into fx_rates (fx_rate_id) values ('x')",
    "drop table claims", "create table t (x)", "attach database 'x.db' as x", "pragma writable_schema = 1",
    "select 1; delete from claims",
])
def test_write_sql_is_refused(served, database, sql):
    before = sha256(database)
    response = served.get(f"/{DB}.json", params={"sql": sql})
    assert response.status_code in (400, 403)
    assert response.json()["ok"] is False
    assert sha256(database) == before


def test_posts_are_refused_and_change_nothing(served, database):
    before = sha256(database)
    for path in (f"/{DB}/claims", f"/{DB}/claims/-/insert", f"/{DB}/-/create", f"/{DB}/claims/bz-investor-minimax",
                 f"/{DB}/search_quotes?q=x", f"/{DB}", "/-/messages"):
        response = served.post(path, json={"row": {"claim_id": "x"}})
        assert response.status_code == 405, path
        assert response.headers["allow"] == "GET, HEAD, OPTIONS"
        assert response.json()["error"].startswith("This site is read-only")
    assert sha256(database) == before
    assert served.json(f"/{DB}/claims.json?_shape=objects&_size=0")["filtered_table_rows_count"] == len(corpus.claims())


def test_home_page_says_what_it_is_and_links_everything(served, published_project):
    html = served.get("/").text
    descriptor = json.loads((published_project / "datapackage.json").read_text(encoding="utf-8"))
    assert f'<strong class="dataset-version">{descriptor["version"]}</strong>' in html
    last_run = served.json(f"/{DB}/validation_runs.json?_shape=array&_sort_desc=run_id")[0]["run_at"]
    assert f'datetime="{last_run}"' in html and "(last validation run)" in html
    links = ["/-/package/datapackage.json", "/-/package/china-ai-investments.zip", "/-/data-docs/", "/api",
             "/-/openapi.json", "/charts", *(f"/-/package/{r['path']}" for r in descriptor["resources"])]
    for link in links:
        assert f'href="{link}"' in html, link
        assert served.get(link).status_code == 200, link
    assert site_metadata.DESCRIPTION.replace("'", "&#39;") in html


def test_api_page_lists_every_table_and_query_and_its_links_answer(served):
    html = served.get("/api").text
    for name in [table.name for table in TABLES] + [query.name for query in QUERIES]:
        assert f"/{DB}/{name}.json" in html, name
    assert "curl" in html


def test_charts_page_points_at_queries_that_answer(served):
    html = served.get("/charts").text
    for query in ("rounds_by_valuation", "investor_portfolio"):
        assert f'data-src="/{DB}/{query}.json?_shape=array&amp;' in html
    assert served.get("/assets/charts.js").status_code == 200


def test_claim_page_shows_the_quote_with_the_value_highlighted_and_its_source(served):
    html = served.get(f"/{DB}/claims/bbg-baichuan-round-amount").text
    claim = served.json(f"/{DB}/claims/bbg-baichuan-round-amount.json?_shape=array")[0]
    source = served.json(f"/{DB}/sources/{claim['source_id']}.json?_shape=array")[0]
    start, end = claim["value_start"] - claim["quote_start"], claim["value_end"] - claim["quote_start"]
    assert f'<mark class="value-phrase">{claim["quote"][start:end]}</mark>' in html
    assert claim["quote"][start:end] == claim["value_phrase"]
    assert source["title"] in html and source["publisher"] in html and source["published"] in html
    assert "5,000,000,000 CNY = 691,000,000 USD (stated_in_text)" in html


def test_text_from_the_data_is_escaped_on_the_claim_page(database, tmp_path, make_site):
    hostile = tmp_path / database.name
    hostile.write_bytes(database.read_bytes())
    prefix = "<script>alert(1)</script> at least "
    connection = sqlite3.connect(hostile)
    with connection:
        connection.execute("update claims set quote = :prefix || quote, value_start = value_start + length(:prefix), "
                           "value_end = value_end + length(:prefix) where claim_id = 'bt-minimax-round-amount'",
                           {"prefix": prefix})
        connection.execute("update sources set title = '<b>bold</b>' where source_id = 'bt-minimax-2024-03-05'")
    connection.close()
    serving = make_site(hostile)
    try:
        html = serving.get(f"/{DB}/claims/bt-minimax-round-amount").text
    finally:
        serving.close()
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert '<mark class="value-phrase">at least US$600 million</mark>' in html
