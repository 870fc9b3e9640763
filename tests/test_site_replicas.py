"""Two replicas of the same build answer byte-identical JSON, with headers that let a shared cache sit in front."""
from __future__ import annotations

import json
import shutil
from urllib.parse import urlencode

import httpx
import pytest

from etl import paths
from etl.schema.tables import TABLES
from etl.site import serve as site_serve
from etl.site.queries import QUERIES
from tests.live_site import LiveSite

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME
RELEASE = (paths.DATABASE.name, "datapackage.json", "data", "build")


@pytest.fixture(scope="module")
def replicas(published_project, tmp_path_factory):
    """The same release (database, package, reports) copied to two places, each served by its own `etl serve`."""
    sites = []
    for name in ("a", "b"):
        root = tmp_path_factory.mktemp(f"replica-{name}")
        for item in RELEASE:
            source = published_project / item
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, root / item)
        sites.append(LiveSite(root / paths.DATABASE.name, root / "serve.log"))
    yield sites
    for site in sites:
        site.stop()


def urls(base: str) -> list[str]:
    found = [f"/{DB}.json", "/-/openapi.json", "/-/package/datapackage.json"]
    for table in TABLES:
        found += [f"/{DB}/{table.name}.json", f"/{DB}/{table.name}.json?_shape=objects&_labels=on&_size=5"]
        found += [f"/{DB}/{table.name}.json?_size=0&_facet={facet}" for facet in table.facets]
        rows = httpx.get(base + f"/{DB}/{table.name}.json?_size=2", timeout=30).json()
        found += [f"/{DB}/{table.name}/" + ",".join(str(key) for key in url_keys) + ".json"
                  for url_keys in ([row_key(table, row, rows["columns"]) for row in rows["rows"]])]
    found += [f"/{DB}/{query.name}.json?" + urlencode({p.name: p.example for p in query.params}) for query in QUERIES]
    return found


def row_key(table, row, columns) -> list[str]:
    from datasette.utils import tilde_encode

    return [tilde_encode(str(row[columns.index(key)])) for key in table.primary_key]


PUBLIC_HOST = {"host": "data.example.org"}  # what a cache in front sends every replica: absolute URLs agree


def test_two_replicas_answer_the_same_bytes_and_etags(replicas):
    first, second = replicas
    checked = 0
    for url in urls(first.base):
        a, b = (httpx.get(site.base + url, headers=PUBLIC_HOST, timeout=30) for site in (first, second))
        assert a.status_code == b.status_code == 200, (url, a.status_code, b.status_code)
        assert a.content == b.content, url
        assert a.headers.get("etag") == b.headers.get("etag"), url
        assert str(first.port) not in a.text and "query_ms" not in a.text
        checked += 1
    assert checked > len(TABLES) * 2


def test_a_cache_may_revalidate_json_by_its_etag(replicas):
    site = replicas[0]
    answer = httpx.get(site.base + f"/{DB}/claims.json?_size=3", timeout=30)
    assert answer.headers["cache-control"] == f"public, max-age={site_serve.SETTINGS['default_cache_ttl']}"
    again = httpx.get(site.base + f"/{DB}/claims.json?_size=3", headers={"if-none-match": answer.headers["etag"]},
                      timeout=30)
    assert again.status_code == 304 and again.content == b""


def test_package_files_named_by_their_digest_are_cached_for_ever_and_others_briefly(replicas):
    site = replicas[0]
    descriptor = httpx.get(site.base + "/-/package/datapackage.json", timeout=30).json()
    resource = descriptor["resources"][0]
    digest = resource["hash"].removeprefix("sha256:")
    pinned = httpx.get(site.base + f"/-/package/{resource['path']}?sha256={digest}", timeout=30)
    assert pinned.status_code == 200 and "immutable" in pinned.headers["cache-control"]
    assert "max-age=31536000" in pinned.headers["cache-control"]
    plain = httpx.get(site.base + f"/-/package/{resource['path']}", timeout=30)
    assert plain.content == pinned.content and "immutable" not in plain.headers["cache-control"]
    stale = httpx.get(site.base + f"/-/package/{resource['path']}?sha256={'0' * 64}", timeout=30)
    assert stale.status_code == 404 and stale.headers["cache-control"] == "no-store"
    assert json.loads(stale.text)["status"] == 404
