"""The Data Package v2 descriptor: resources with Table Schemas, sources, licences and contributors."""
from __future__ import annotations

import json
import sqlite3

from etl.schema.dataset import AUTHORS, NAME, Corpus, citation
from etl.schema.model import Table
from etl.schema.table_schema import table_schema

PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
DESCRIPTOR = "datapackage.json"
DATA_FOLDER = "data"
DESCRIPTION = (
    "A small open dataset of claims about Alibaba's investments in Chinese AI start-ups, taken from {articles} "
    "({publishers}). Every claim carries the "
    "verbatim quote that states it and its character offsets in the article; funding rounds and round "
    "investors are reconciled from the claims and name the claim each value came from, and conflicting "
    "claims are kept side by side. Dates of varying precision are ISO 8601 text (YYYY, YYYY-MM or "
    "YYYY-MM-DD) with a precision column beside each. The data is published under CC-BY-4.0; the quoted "
    "excerpts remain their publishers' and are used as short quotations. The full article texts are not "
    "included. What changed in each version: {changelog}."
)
CHANGELOG = "CHANGELOG.md"
# A descriptor is read whole, by every tool, before any row: 79,016 articles listed in it made it 13.5 MB, and
# frictionless took seconds to check it each time it opened the package. Past this many articles the sources
# table (every article's title, publisher, author, date and address) lists them instead.
SOURCES_LISTED = 1000


KEYWORDS = [
    "Alibaba", "China", "artificial intelligence", "start-ups", "venture capital", "funding rounds",
    "investments", "claims", "provenance", "quotations",
]


LICENSES = [{
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}]


CONTRIBUTORS = [{"title": AUTHORS, "roles": ["creator"]}]
RESOURCE_FORMAT = {"scheme": "file", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8"}


def resource(table: Table, size: int, sha256: str) -> dict:
    """A table's resource given its CSV file's size in bytes and SHA-256 (hex)."""
    return {
        "name": table.name,
        "type": "table",
        "path": f"{DATA_FOLDER}/{table.name}.csv",
        **RESOURCE_FORMAT,
        "title": table.title,
        "description": table.description,
        "bytes": size,
        "hash": "sha256:" + sha256,
        "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"'},
        "schema": table_schema(table),
    }


def package_sources(connection: sqlite3.Connection) -> list[dict]:
    """The articles as package sources: title, publisher, author and date where the text gives them."""
    rows = connection.execute(
        "SELECT title, publisher, author, published, url FROM sources ORDER BY source_id").fetchall()
    sources = []
    for title, publisher, author, published, url in rows:
        item = {"title": title, "publisher": publisher, "author": author, "date": published, "path": url}
        sources.append({key: value for key, value in item.items() if value is not None})
    return sources


def listed_sources(sources: list[dict]) -> list[dict]:
    """The descriptor's sources: every article while they are at most SOURCES_LISTED, else one source that
    names the sources table, where each of them is a row."""
    if len(sources) <= SOURCES_LISTED:
        return sources
    return [{"title": f"{len(sources):,} news articles, each a row of the sources table (title, publisher, author, "
                      "date and address)", "path": f"{DATA_FOLDER}/sources.csv"}]


def descriptor(resources: list[dict], sources: list[dict], version: str, created: str) -> dict:
    corpus = Corpus.of(sources)
    return {
        "$schema": PROFILE,
        "name": NAME,
        "title": corpus.title,
        "description": DESCRIPTION.format(articles=corpus.articles_phrase(), publishers=corpus.publishers_phrase(),
                                          changelog=CHANGELOG),
        "version": version,
        "created": created,
        "keywords": list(KEYWORDS),
        "licenses": [dict(item) for item in LICENSES],
        # Without the version, which the descriptor carries beside it: a citation naming it would change with
        # every release and make each build a new documentation release.
        "citation": citation(title=corpus.title),
        "sources": listed_sources(sources),
        "changelog": CHANGELOG,
        "contributors": [dict(item) for item in CONTRIBUTORS],
        "resources": resources,
    }


def descriptor_bytes(package: dict) -> bytes:
    return (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
