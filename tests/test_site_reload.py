"""A running site follows a rebuild: database, package and Data Docs of the new version, no failed request."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import httpx
from markupsafe import escape

from etl import paths
from etl.publish.package.stage import stage
from etl.publish.versions import Layout, new_version, publish_version
from etl.schema import dataset
from etl.site import metadata as site_metadata
from etl.site import openapi, reload
from etl.site.local import LocalServer

pytest_plugins = ["tests.site_support"]
DB = paths.DATABASE.name
CLAIMS = "/china_ai_investments/claims.json?_shape=array&_col=note&rowid=1"


def publish_with_note(root: Path, note: str) -> None:
    """Publish a new version whose first claim carries note, with its own package (as a rebuild would)."""
    publish_changed(root, "UPDATE claims SET note = ? WHERE rowid = 1", [note])


def publish_changed(root: Path, sql: str, params: list) -> None:
    """Publish a new version changed by one statement, with its own package (as a rebuild would)."""
    current = (root / DB).resolve()
    layout = Layout(root / DB)
    folder = new_version(layout)
    shutil.copyfile(current, folder / DB)
    with sqlite3.connect(folder / DB) as connection:
        connection.execute(sql, params)
    connection.close()
    shutil.copytree(current.parent / "build" / "data-docs", folder / "build" / "data-docs")
    stage(folder / DB, now=dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc))
    publish_version(layout, folder)


def wait(serving, seconds: float) -> None:
    time.sleep(seconds)  # the plugin looks for a new version in a thread of its own


def test_the_site_serves_the_published_version(site):
    serving, root = site
    db = serving.datasette.get_database("china_ai_investments")
    assert isinstance(db, reload.VersionDatabase)
    assert Path(db.path) == (root / "build" / "current" / DB).resolve()


def test_a_rebuild_is_served_without_a_restart_and_with_its_own_package(site):
    serving, root = site
    assert serving.json(CLAIMS)[0]["note"] != "Rebuilt while serving."
    publish_with_note(root, "Rebuilt while serving.")
    wait(serving, reload.INTERVAL * 3)
    assert serving.json(CLAIMS)[0]["note"] == "Rebuilt while serving."
    assert "Rebuilt while serving." in serving.get("/-/package/data/claims.csv").text
    download = serving.get("/china_ai_investments.db")
    assert download.status_code == 200 and download.content == (root / DB).read_bytes()


def test_datasettes_catalogue_of_schemas_follows_a_rebuild(site):
    """Datasette refreshes its catalogue (its _internal database) when another version is swapped in."""
    serving, root = site
    internal = serving.datasette.databases["_internal"]

    def catalogued(table: str) -> bool:
        found = internal.execute("select 1 from tables where database_name = ? and table_name = ?",
                                 ["china_ai_investments", table])
        return bool(serving.loop.run_until_complete(found).rows)

    serving.json(CLAIMS)
    assert catalogued("claims") and not catalogued("catalogued")
    publish_changed(root, "CREATE TABLE catalogued (id INTEGER PRIMARY KEY)", [])
    wait(serving, reload.INTERVAL * 3)
    serving.json(CLAIMS)
    assert catalogued("catalogued")


def test_no_request_fails_while_versions_are_switched(site):
    serving, root = site
    notes = [f"Version {number}." for number in range(4)]
    original = serving.json(CLAIMS)[0]["note"]
    seen = []
    for note in notes:
        publish_with_note(root, note)
        for _ in range(5):
            for path in (CLAIMS, "/china_ai_investments/claims.json?_size=5", "/", "/-/package/datapackage.json"):
                response = serving.get(path)
                assert response.status_code == 200, (path, response.status_code, response.text[:300])
            seen.append(serving.json(CLAIMS)[0]["note"])
            wait(serving, reload.INTERVAL / 2)
    assert seen[-1] == notes[-1]
    assert set(seen) <= {original, *notes}


def test_a_new_version_is_counted_before_it_is_served(site):
    """Datasette would count each table on first use within 10 ms; under load FTS5 fails that limit."""
    serving, root = site
    publish_with_note(root, "Counted.")
    wait(serving, reload.INTERVAL * 3)
    db = serving.datasette.get_database("china_ai_investments")
    with sqlite3.connect(db.path) as connection:
        tables = [name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        expected = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in tables}
    connection.close()
    assert "entities_fts" in expected
    assert db.cached_table_counts == expected


def test_the_site_names_the_corpus_of_the_version_it_serves_never_parsing_sources_yml(site, monkeypatch):
    """sources.yml may be ahead of the served version, and took 19 s to parse at a million claims."""
    serving, root = site

    def unread():
        raise AssertionError("the site parsed sources.yml")

    for module in (dataset, site_metadata, openapi):
        monkeypatch.setattr(module, "corpus", unread)
    publish_changed(root, "UPDATE sources SET published = '2031-05-01' WHERE rowid = 1", [])
    wait(serving, reload.INTERVAL * 3)
    served = site_metadata.database_corpus(root / DB)
    assert "2031" in served.title
    assert serving.json("/-/openapi.json")["info"]["title"] == served.title
    assert str(escape(served.title)) in serving.get("/").text  # the citation on the home page
    for path in ("/api", "/china_ai_investments/claims", "/search?q=cloud"):
        assert serving.get(path).status_code == 200, path


def test_refresh_leaves_a_plain_database_file_alone(built_database, make_site, tmp_path):
    plain = tmp_path / DB
    shutil.copyfile(built_database, plain)
    serving = make_site(plain)
    try:
        assert reload.refresh(serving.datasette) == []
        assert serving.json(CLAIMS)
    finally:
        serving.close()


def test_etl_serve_follows_a_rebuild_without_a_failed_request(published_project, tmp_path):
    """The real `etl serve` (uvicorn runs the startup hooks on another loop than the one it serves on)."""
    root = tmp_path / "project"
    shutil.copytree(published_project, root, symlinks=True)
    shutil.copyfile(paths.METADATA, root / paths.METADATA.name)
    server = LocalServer([sys.executable, "-m", "etl", "serve"], tmp_path / "serve.log", cwd=root,
                         env={**os.environ, "ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False"})
    try:
        with httpx.Client(base_url=server.base, timeout=10) as client:
            statuses, notes = [], []
            publish_with_note(root, "Rebuilt under a running server.")
            for _ in range(60):
                response = client.get(CLAIMS)
                statuses.append(response.status_code)
                notes.append(response.json()[0]["note"] if response.status_code == 200 else None)
                if notes[-1] == "Rebuilt under a running server.":
                    break
                time.sleep(0.1)
            assert set(statuses) == {200}
            assert notes[-1] == "Rebuilt under a running server."
            assert "Rebuilt under a running server." in client.get("/-/package/data/claims.csv").text
    finally:
        server.stop()
