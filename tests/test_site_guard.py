"""The guard: no request takes the server down, every client mistake is a JSON 4xx, every offered sort pages exactly."""
from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from urllib.parse import quote, urlencode

import pytest
from datasette.utils import tilde_encode

from etl.schema.tables import TABLES
from etl.site import guard, limits, rules
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve
from etl.site.queries import QUERIES

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME
SQLITE_WORDS = re.compile(r"syntax error|no such column|near \"|fts5|unterminated|sqlite|Traceback", re.IGNORECASE)


def sql_url(sql: str) -> str:
    return f"/{DB}.json?" + urlencode({"sql": sql})


def client_error(response, status: int = 400) -> dict:
    """A JSON answer whose `status` is the HTTP status, with no HTML and no SQLite text in its message."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False and body["status"] == response.status_code
    assert "<" not in body["error"] and not SQLITE_WORDS.search(body["error"]), body["error"]
    return body


HUGE = [
    "select zeroblob(900000000) as b",
    "select length(randomblob(1e9))",
    "select randomblob(1e8)",
    "select printf('%.*c', 1e9, 'x')",
    "select printf('%.999999999c', 'x')",
    "select format('%*d', 1000000000, 1)",
    "select group_concat(zeroblob(100000)) from claims a, claims b",
    f"select zeroblob({limits.VALUE_BYTES // 2}) from claims a, claims b",
]


@pytest.mark.parametrize("sql", HUGE)
def test_a_query_that_would_allocate_too_much_is_a_400(served, sql):
    body = client_error(served.get(sql_url(sql)))
    assert body["error"] in (rules.TOO_BIG, limits.TOO_LARGE)
    assert served.json(f"/{DB}/sources.json?_shape=array&_size=1"), "the next request is answered"


def test_a_query_over_the_time_limit_is_a_400_in_plain_words(served):
    body = client_error(served.get(sql_url("with recursive r(x) as (select 1 union all select x + 1 from r) "
                                            "select count(*) from r")))
    assert body["error"] == rules.TIME_LIMIT


def test_limits_hold_on_a_connection_and_printf_still_formats():
    connection = sqlite3.connect(":memory:")
    limits.limit_connection(connection)
    assert connection.getlimit(sqlite3.SQLITE_LIMIT_LENGTH) == limits.VALUE_BYTES
    assert connection.getlimit(sqlite3.SQLITE_LIMIT_ATTACHED) == 0
    row = connection.execute("select printf('%5.2f|%s|%-3d|%%|%*d', 3.14159, 'a', 7, 4, 9)").fetchone()
    assert row[0] == " 3.14|a|7  |%|   9"
    with pytest.raises(sqlite3.DataError):
        connection.execute("select zeroblob(?)", [limits.VALUE_BYTES + 1]).fetchone()


BAD_TABLE_ARGUMENTS = [
    "_sort=no_such_column", "_sort_desc=no_such_column", "_sort=<script>alert(1)</script>",
    "_sort_desc=<script>alert(1)</script>", '_through=<script>alert(1)</script>', '_through={"table": 1}',
    "_next=abc,def,ghi", "_shape=y", "_labels=maybe", "_facet=<script>", "_size=-1", "_size=abc",
]


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
@pytest.mark.parametrize("argument", BAD_TABLE_ARGUMENTS)
def test_a_bad_table_argument_is_a_json_400(served, table, argument):
    client_error(served.get(f"/{DB}/{table.name}.json?{argument}"))
    page = served.get(f"/{DB}/{table.name}?{argument}")  # HTML ignores _shape; the rest is refused as in JSON
    assert page.status_code in (200, 400) and "<script>alert" not in page.text


@pytest.mark.parametrize("table", [t for t in TABLES if site_metadata.sortable_columns(t)], ids=lambda t: t.name)
def test_sort_and_sort_desc_together_or_a_short_next_is_a_400(served, table):
    column = site_metadata.sortable_columns(table)[0]
    client_error(served.get(f"/{DB}/{table.name}.json?_sort={column}&_sort_desc={column}"))
    client_error(served.get(f"/{DB}/{table.name}.json?_sort={column}&_next=abc"))


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_a_canned_query_with_a_bad_shape_or_a_missing_parameter_is_a_real_400(served, query):
    example = {param.name: param.example for param in query.params}
    client_error(served.get(f"/{DB}/{query.name}.json?" + urlencode({**example, "_shape": "y"})))
    if query.params:
        client_error(served.get(f"/{DB}/{query.name}.json?_shape=array"))


@pytest.mark.parametrize("path", ["/-/data-docs/%00", "/a/b/c/d", "/a/b/c/d.json", f"/{DB}/no_such_table.json",
                                  f"/{DB}/claims/no-such-claim.json", "/-/package/../../etc/passwd"])
def test_what_does_not_exist_is_a_404_not_a_500(served, path):
    response = served.get(path)
    assert response.status_code == 404, (path, response.status_code, response.text[:200])


def test_the_database_listing_ignores_shape_and_hides_the_directory(served, database):
    listing = served.json(f"/{DB}.json?_shape=array")
    assert {t["name"] for t in listing["tables"]} >= {t.name for t in TABLES}
    for url in ("/-/databases.json", "/-/databases", f"/{DB}.json", "/-/metadata.json", "/-/settings.json",
                "/-/plugins.json", "/-/versions.json", "/-/inspect.json"):
        assert str(database.resolve().parent) not in served.get(url).text, url


def test_a_blank_search_is_no_search_and_a_quoted_phrase_finds_its_rows(served, database):
    everything = served.json(f"/{DB}/claims.json?_shape=objects&_size=1")["filtered_table_rows_count"]
    for blank in ("", "%20", "%22", "%00"):
        assert served.json(f"/{DB}/claims.json?_shape=objects&_size=1&_search={blank}")[
            "filtered_table_rows_count"] == everything
    connection = sqlite3.connect(database)
    claim_id, quote_text = connection.execute("select claim_id, quote from claims order by claim_id").fetchone()
    connection.close()
    words = re.findall(r"[A-Za-z]{3,}", quote_text)[:3]
    phrase = quote('"' + " ".join(words) + '"')
    found = served.json(f"/{DB}/claims.json?_shape=array&_size=max&_search={phrase}")
    assert claim_id in {row["claim_id"] for row in found}
    assert not served.json(f"/{DB}/claims.json?_shape=array&_search=" + quote('"' + " ".join(reversed(words)) + '"'))


def pages(served, url: str) -> list:
    seen = []
    while url:
        page = served.json(url)
        seen += [tuple(row[key] for key in page["primary_keys"]) for row in page["rows"]]
        url = page["next_url"] and page["next_url"].replace("http://localhost", "")
    return seen


SORTS = [(table, column, direction) for table in TABLES for column in site_metadata.sortable_columns(table)
         for direction in ("_sort", "_sort_desc")] + [(table, None, None) for table in TABLES]


@pytest.mark.parametrize("table,column,direction", SORTS,
                         ids=[f"{t.name}-{d or 'default'}-{c or ''}" for t, c, d in SORTS])
@pytest.mark.parametrize("size", [1, 3, 50])
def test_every_offered_sort_pages_every_row_exactly_once(served, database, table, column, direction, size):
    connection = sqlite3.connect(database)
    expected = connection.execute(f"select count(*) from [{table.name}]").fetchone()[0]
    connection.close()
    sort = f"&{direction}={column}" if column else ""
    seen = pages(served, f"/{DB}/{table.name}.json?_shape=objects&_size={size}{sort}")
    assert len(seen) == len(set(seen)) == expected


def test_a_percent_encoded_row_key_finds_its_row(served):
    rows = [(table, row) for table in TABLES for row in served.json(f"/{DB}/{table.name}.json?_shape=array&_size=max")
            if any(":" in str(row[key]) for key in table.primary_key)]
    assert rows, "no row key with ':' in the data to try"
    for table, row in rows[:5]:
        keys = ",".join(quote(tilde_encode(str(row[key])).replace("~3A", ":"), safe="") for key in table.primary_key)
        assert served.json(f"/{DB}/{table.name}/{keys}.json?_shape=array") == [row]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_write_method_is_a_405_with_allow(served, method):
    response = served.loop.run_until_complete(getattr(served.datasette.client, method)(f"/{DB}/claims.json"))
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert json.loads(response.text)["status"] == 405


def test_answers_carry_cache_and_safety_headers(served):
    page = served.get(f"/{DB}/claims.json?_size=1")
    assert page.headers["cache-control"] == f"public, max-age={site_serve.SETTINGS['default_cache_ttl']}"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert served.get(f"/{DB}/claims.json?_sort=nope").headers["cache-control"] == "no-store"


class SettingsOnly:
    """What the guard asks of Datasette outside a request: a setting."""

    databases: dict = {}

    def setting(self, name: str):
        return site_serve.SETTINGS[name]


def exchange(path: str, query: bytes = b"") -> guard.Exchange:
    return guard.Exchange({"path": path, "query_string": query, "method": "GET", "headers": []},
                          rules.Context(SettingsOnly()))


@pytest.mark.parametrize("status,body", [
    (500, b'{"ok": false, "error": "boom at /srv/site", "status": 500, "title": null}'),
    (500, b"<html>Internal Server Error: boom at /srv/site</html>"),
    (200, b'{"ok": false, "error": "boom at /srv/site", "status": 500, "title": null}'),
])
def test_an_unexpected_500_stays_a_500_and_is_logged_with_its_error(capsys, status, body):
    corrected, answer = exchange(f"/{DB}/claims.json").corrected(status, body)
    assert corrected == 500
    assert json.loads(answer) == {"ok": False, "error": rules.SERVER_ERROR, "status": 500, "title": None}
    assert f"guard: /{DB}/claims.json answered 500: " in capsys.readouterr().err and "boom" not in answer.decode()


def test_a_client_mistake_keeps_its_4xx():
    corrected, answer = exchange(f"/{DB}/claims.json").corrected(
        400, b'{"ok": false, "error": "no such column: x", "status": 400, "title": null}')
    assert corrected == 400 and json.loads(answer)["status"] == 400


def relay(headers: list, chunks: int) -> tuple[int, bool]:
    """Bytes that reach the client, and whether the answer ended, for a body sent in 1 MB chunks through the guard."""
    sent = []

    async def send(message):
        sent.append(message)

    async def run():
        forward = guard.respond(exchange(f"/{DB}.db"), send)
        await forward({"type": "http.response.start", "status": 200, "headers": headers})
        piece = bytes(1_000_000)
        for number in range(chunks):
            await forward({"type": "http.response.body", "body": piece, "more_body": number < chunks - 1})

    asyncio.run(run())
    bodies = [m for m in sent if m["type"] == "http.response.body"]
    return sum(len(m["body"]) for m in bodies), bodies[-1].get("more_body", False) is False


def test_a_file_of_known_size_is_sent_whole_and_a_stream_is_cut_at_the_response_cap():
    chunks = guard.RESPONSE_BYTES // 1_000_000 + 3
    length = str(chunks * 1_000_000).encode()
    sized = [(b"content-type", b"application/octet-stream"), (b"content-length", length)]
    assert relay(sized, chunks) == (chunks * 1_000_000, True)  # the database download at a million claims
    streamed, ended = relay([(b"content-type", b"text/csv")], chunks)
    assert ended and guard.RESPONSE_BYTES <= streamed < guard.RESPONSE_BYTES + 1_000_000
