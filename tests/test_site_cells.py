"""The HTML table's cells made faster than Datasette makes them, and the same: etl/site/cells.py against Datasette's
own display_columns_and_rows on every table and row page, render.rows_html against the template loop it replaces,
and the guard's shortcut for JSON answers that are not errors."""
from __future__ import annotations

import json
import sqlite3

import jinja2
import pytest
from datasette import hookimpl
from datasette.plugins import pm
from datasette.utils import tilde_encode, to_css_class
from datasette.views import row as row_view
from datasette.views import table as table_view
from markupsafe import Markup

from etl.schema.tables import TABLES
from etl.site import cells, guard, render, rules
from etl.site import serve as site_serve

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME
# The loop of Datasette's _table.html that render.rows_html replaces, as Datasette renders it (async, autoescape).
TEMPLATE_LOOP = """{% for row in display_rows %}<tr>{% for cell in row %}<td class="col-{{ cell.column|to_css_class }} \
type-{{ cell.value_type }}">{{ cell.value }}</td>{% endfor %}</tr>{% endfor %}"""


def comparable(columns, rows) -> tuple:
    """Columns and cells with each value's type, so that a str where Datasette gives Markup counts as a difference."""
    return (columns, [[{key: (type(value).__name__, value) for key, value in cell.items()} for cell in row]
                      for row in rows])


@pytest.fixture()
def both(served, monkeypatch):
    """Every display_columns_and_rows call of the pages asked during the test, answered by ours and by Datasette's
    with the same arguments: a list of (ours, Datasette's, the call's arguments)."""
    assert table_view.display_columns_and_rows is cells.display_columns_and_rows  # the plugin installed it
    calls = []

    async def compare(*args, **kwargs):
        ours = await cells.display_columns_and_rows(*args, **kwargs)
        theirs = await cells.display_columns_and_rows.original(*args, **kwargs)
        calls.append((ours, theirs, args))
        return ours

    monkeypatch.setattr(table_view, "display_columns_and_rows", compare)
    monkeypatch.setattr(row_view, "display_columns_and_rows", compare)
    return calls


def pages(database) -> list[str]:
    """The HTML page of every table, and the row page of its first row."""
    found = [f"/{DB}/{table.name}?_size=50" for table in TABLES]
    connection = sqlite3.connect(database)
    try:
        for table in TABLES:
            key = connection.execute(f"select {', '.join(table.primary_key)} from [{table.name}] limit 1").fetchone()
            if key:
                found.append(f"/{DB}/{table.name}/{','.join(tilde_encode(str(part)) for part in key)}")
    finally:
        connection.close()
    return found


def test_every_table_and_row_page_gets_the_cells_datasette_would_make(served, database, both):
    for path in pages(database):
        assert served.get(path).status_code == 200, path
    assert len(both) == len(pages(database))
    for ours, theirs, args in both:
        assert comparable(*ours) == comparable(*theirs), args[2]
    rendered = [cell for ours, _, _ in both for row in ours[1] for cell in row]
    assert any(isinstance(cell["value"], Markup) and "entity-link" in cell["value"] for cell in rendered)
    assert any(isinstance(cell["raw"], dict) for cell in rendered)  # an expanded foreign key the plugin linked
    assert any(cell["value_type"] == "pk" for cell in rendered)  # the link column of a table page


def test_a_hook_wrapper_leaves_the_cells_to_datasette(served):
    class Wrapper:
        @hookimpl(hookwrapper=True)
        def render_cell(self, value):
            yield

    assert cells._hook_functions() is not None
    plugin = Wrapper()
    pm.register(plugin, name="test-render-cell-wrapper")
    try:
        assert cells._hook_functions() is None
        assert served.get(f"/{DB}/claims?_size=5").status_code == 200  # Datasette's own function answered
    finally:
        pm.unregister(plugin)


def test_rows_html_is_the_template_loop_it_replaces(served, both):
    served.get(f"/{DB}/claims?_size=50")
    served.get(f"/{DB}/entities?_size=50")
    environment = jinja2.Environment(autoescape=True, enable_async=True)
    environment.filters["to_css_class"] = to_css_class
    loop = environment.from_string(TEMPLATE_LOOP)
    for (_, display_rows), _, _ in both:
        expected = served.loop.run_until_complete(loop.render_async(display_rows=display_rows))
        assert str(render.rows_html(display_rows)) == expected
    tricky = [[{"column": "a b<", "value": "<b>&'\"", "value_type": "str"},
               {"column": "_x", "value": Markup("<em>kept</em>"), "value_type": "none"}]]
    expected = served.loop.run_until_complete(loop.render_async(display_rows=tricky))
    assert str(render.rows_html(tricky)) == expected


def test_the_table_page_shows_every_row_and_cell(served, database):
    html = served.get(f"/{DB}/claims?_size=50").text
    connection = sqlite3.connect(database)
    try:
        count = min(50, connection.execute("select count(*) from claims").fetchone()[0])
        width = len(connection.execute("select * from claims limit 1").description)
    finally:
        connection.close()
    body = html.split("<tbody>")[1].split("</tbody>")[0]
    assert body.count("<tr>") == count and body.count("<td ") == count * width


def exchange(path: str) -> guard.Exchange:
    class SettingsOnly:
        databases: dict = {}

        def setting(self, name: str):
            return site_serve.SETTINGS[name]

    return guard.Exchange({"path": path, "query_string": b"", "method": "GET", "headers": []},
                          rules.Context(SettingsOnly()))


@pytest.mark.parametrize("body", [
    b'{"ok": false, "error": "no such column: x", "status": 400, "title": null}',
    b'{"ok":false,"error":"no such column: x","status":400,"title":null}',
    b'{"database": "x", "ok"  :  false, "error": "no such column: x"}',
])
def test_a_200_json_error_is_still_corrected_however_it_is_spaced(body):
    status, answer = exchange(f"/{DB}/claims.json").corrected(200, body)
    assert status == 400 and json.loads(answer)["ok"] is False


def test_a_200_json_answer_that_is_no_error_is_passed_on_unparsed(monkeypatch):
    quoted = json.dumps({"query_ms": 1.5, "ok": True, "rows": [['"ok": false', "ok: false"]]}).encode()
    assert b'\\"ok\\": false' in quoted
    monkeypatch.setattr(guard.json, "loads", lambda *_: pytest.fail("an answer that is no error was parsed"))
    status, answer = exchange(f"/{DB}/claims.json").corrected(200, quoted)
    assert status == 200 and answer == quoted.replace(b'"query_ms": 1.5, ', b"")
