"""Data that carries HTML or script shows as text on every page, in Debian's chromium: nothing of it executes."""
from __future__ import annotations

import shutil
import sqlite3
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import sync_playwright

from etl import paths
from etl.schema.tables import TABLES
from etl.site import serve as site_serve
from etl.site.queries import QUERIES
from tests.live_site import LiveSite

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PAYLOAD = (' <script>window.__xss = 1; alert("xss")</script><img src="x-missing" onerror="window.__xss = 2">'
           '"\'><svg onload="window.__xss = 3"></svg>{{ 7 * 7 }}')
RELEASE = (paths.DATABASE.name, "datapackage.json", "data", "build")


def free_text_columns(table) -> list[str]:
    """Columns a source could put any text in: not keys, references, vocabularies or patterned values."""
    return [c.name for c in table.columns if c.type == "string" and not (c.enum or c.references or c.pattern)
            and c.name not in table.primary_key]


@pytest.fixture(scope="module")
def hostile_site(published_project, tmp_path_factory):
    """A copy of the release whose free-text values all end in markup and script, served by `etl serve`."""
    root = tmp_path_factory.mktemp("hostile")
    for item in RELEASE:
        source = published_project / item
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / item)
    connection = sqlite3.connect(root / paths.DATABASE.name)
    with connection:
        for table in TABLES:
            for column in free_text_columns(table):
                connection.execute(f"update [{table.name}] set [{column}] = [{column}] || ? where [{column}] is not null",
                                   [PAYLOAD])
    connection.close()
    site = LiveSite(root / paths.DATABASE.name, root / "serve.log")
    yield site
    site.stop()


def pages(base: str) -> list[str]:
    found = ["/", f"/{DB}", "/api", "/charts", f"/{DB}/claims?_search=alibaba", f"/{DB}/claims?_facet=subject_id"]
    for table in TABLES:
        found.append(f"/{DB}/{table.name}")
        page = httpx.get(f"{base}/{DB}/{table.name}.json?_size=1", timeout=30).json()
        if page["rows"]:
            from datasette.utils import tilde_encode

            row = dict(zip(page["columns"], page["rows"][0]))
            found.append(f"/{DB}/{table.name}/" + ",".join(tilde_encode(str(row[k])) for k in table.primary_key))
    found += [f"/{DB}/{query.name}?" + urlencode({p.name: p.example for p in query.params}) for query in QUERIES]
    return found


def test_markup_in_the_data_is_shown_as_text_and_never_runs(hostile_site):
    shown_as_text, executed = 0, []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.on("dialog", lambda dialog: (executed.append(f"{page.url}: dialog {dialog.message}"),
                                              dialog.dismiss()))
            page.goto("data:text/html," + PAYLOAD.replace("#", "%23"))  # the payload, unescaped, does run here
            assert page.evaluate("window.__xss") is not None and executed, "the detector must see script run"
            executed.clear()
            for url in pages(hostile_site.base):
                response = page.goto(hostile_site.base + url)
                assert response.status == 200, url
                page.wait_for_load_state("load")
                if page.evaluate("window.__xss") is not None:
                    executed.append(f"{url}: window.__xss = {page.evaluate('window.__xss')}")
                text = page.inner_text("body")
                shown_as_text += "<script>window.__xss" in text and "{{ 7 * 7 }}" in text  # data, not a template
        finally:
            browser.close()
    assert executed == []
    assert shown_as_text >= len(TABLES), "the payload should be visible as text on the pages that show it"
