"""Read-only, proven on a real server: every way of writing is refused, the file is unchanged, no path escapes."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest

from etl.schema.tables import TABLES
from etl.site import serve as site_serve
from etl.site.queries import QUERIES

pytest_plugins = ["tests.site_support", "tests.live_site"]

DB = site_serve.DATABASE_NAME


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def writes(escape_dir: str) -> list[str]:
    """Every kind of statement that would change a database or reach another file."""
    target = f"{escape_dir}/vacuumed.db"
    return [
        "insert into sources (source_id) values ('x')",
        "update claims set quote = 'x'",
        "delete from claims",
        "replace into predicates (predicate_id) values ('x')",
        "drop table claims",
        "create table x (a)",
        "create temp table x (a)",
        "alter table claims add column x",
        "alter table claims rename to x",
        f"attach database '{escape_dir}/other.db' as other",
        "attach database ':memory:' as other",
        "detach database main",
        "pragma journal_mode = delete",
        "pragma user_version = 7",
        "pragma writable_schema = on",
        "select * from pragma_user_version(7)",
        "vacuum",
        f"vacuum into '{target}'",
        "reindex",
        "analyze",
        "select load_extension('libsqlite3_mod_spatialite')",
        "select 1; delete from claims",
        "with doomed as (select claim_id from claims) delete from claims where claim_id in (select * from doomed)",
        "with x as (select 1) insert into sources (source_id) values ('x')",
        "begin; delete from claims; commit",
        "savepoint a",
        "create index x on claims(quote)",
        "create trigger x after insert on claims begin delete from claims; end",
        "create view x as select 1",
        "create virtual table x using fts5(a)",
    ]


def test_every_way_of_writing_is_refused_and_the_file_is_unchanged(live_site, published_project, tmp_path):
    database = published_project / f"{DB}.db"
    before = sha256(database)
    answers = {}
    for sql in writes(str(tmp_path)):
        response = httpx.get(live_site.base + f"/{DB}.json?" + urlencode({"sql": sql}), timeout=30)
        answers[sql] = response.status_code
        assert 400 <= response.status_code < 500, (sql, response.status_code, response.text[:200])
        assert response.json()["status"] == response.status_code
    assert sha256(database) == before
    assert list(tmp_path.iterdir()) == [], "VACUUM INTO or ATTACH wrote a file"
    assert httpx.get(live_site.base + f"/{DB}/claims.json?_size=0", timeout=30).json()[
        "filtered_table_rows_count"] > 0


def routes(published_project) -> list[str]:
    paths = ["/", f"/{DB}", f"/{DB}.json", f"/{DB}.db", "/-/openapi.json", "/-/package/datapackage.json",
             "/-/data-docs/", "/assets/site.css", "/-/databases.json", "/api", "/charts"]
    paths += [f"/{DB}/{table.name}" for table in TABLES] + [f"/{DB}/{table.name}.json" for table in TABLES]
    paths += [f"/{DB}/{query.name}.json" for query in QUERIES] + [f"/{DB}/-/query", f"/{DB}/claims/-/insert"]
    return paths


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_every_write_method_on_every_route_is_a_405(live_site, published_project, method):
    database = published_project / f"{DB}.db"
    before = sha256(database)
    for path in routes(published_project):
        status, headers, body = live_site.raw(method, path)
        assert status == 405, (method, path, status)
        assert headers["allow"] == "GET, HEAD, OPTIONS" and json.loads(body)["status"] == 405
    assert sha256(database) == before


TRAVERSALS = ["../etc/passwd", "..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd", "%252e%252e%252fetc%252fpasswd",
              "..%5c..%5cetc%5cpasswd", "..\\..\\etc\\passwd", "/etc/passwd", "%2fetc%2fpasswd",
              "....//....//etc/passwd", "%00../etc/passwd", "~2E~2E/etc/passwd", ".%2e/.%2e/etc/passwd"]
MOUNTS = ["/assets/", "/static/", "/-/static/", "/-/package/", "/-/package/data/", "/-/data-docs/",
          "/-/static-plugins/china_ai_site/"]


@pytest.mark.parametrize("mount", MOUNTS)
def test_static_and_package_routes_refuse_traversal(live_site, mount):
    for attempt in TRAVERSALS:
        status, headers, body = live_site.raw("GET", mount + attempt)
        assert status in (400, 404), (mount + attempt, status, body[:200])
        assert b"root:" not in body and b"import " not in body and "location" not in headers


@pytest.mark.parametrize("path", ["/\\example.com/", "//example.com/", "/%5Cexample.com/", "/%2F%2Fexample.com/",
                                  "/\\\\example.com", "/%09/example.com/"])
def test_no_redirect_leaves_the_site(live_site, path):
    status, headers, _ = live_site.raw("GET", path)
    location = headers.get("location", "")
    assert not location.lstrip("/\\").startswith("example.com") and "//example.com" not in location, (path, status,
                                                                                                     location)
    assert status < 500


def test_a_row_url_with_a_percent_encoded_colon_answers_the_row(live_site):
    runs = httpx.get(live_site.base + f"/{DB}/validation_runs.json?_shape=array&_size=1", timeout=30).json()
    run_id = runs[0]["run_id"]
    status, _, body = live_site.raw("GET", f"/{DB}/validation_runs/{quote(run_id, safe='')}.json?_shape=array")
    assert status == 200 and json.loads(body) == runs


def test_the_served_process_has_the_memory_ceiling(live_site):
    from etl.site.limits import MEMORY_CEILING

    limits = Path(f"/proc/{live_site.process.pid}/limits").read_text()
    line = next(line for line in limits.splitlines() if line.startswith("Max address space"))
    assert int(line.split()[3]) <= MEMORY_CEILING
