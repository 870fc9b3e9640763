"""metadata.yml for Datasette, generated from the table definitions and the canned queries."""
from __future__ import annotations

import sqlite3
from functools import cache, lru_cache
from pathlib import Path
from typing import Callable

import yaml

from etl import paths
from etl.schema.dataset import Corpus, corpus
from etl.schema.model import Table
from etl.schema.tables import TABLES
from etl.site.queries import QUERIES, Query
from etl.site.serve import (
    DATABASE_NAME,
    DATASETTE_1,
    STATIC_MOUNT,
    config_file,
    write_inspect_file,
)

LICENSE = "CC-BY-4.0 (quotes are short excerpts, © their publishers)"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE_URL = f"/{DATABASE_NAME}/sources"
ABOUT = "Data package, validation report and JSON API"
ABOUT_URL = "/"


def description(of: Corpus | None = None) -> str:
    """The database's description; of: the corpus (else as sources.yml lists it)."""
    return _description(of or corpus())


@cache
def _description(of: Corpus) -> str:
    articles = of.articles_phrase()
    return (f"Every fact {articles} state about Alibaba's investments in Chinese AI start-ups, "
            "one row per claim with the verbatim quote, its offsets in the article and its normalised value. "
            "Funding rounds, investors and conflicts are derived from the claims, and every derived value names "
            "the claim it came from.")


def provenance(of: Corpus | None = None) -> dict:
    """Licence and source of every table and query (each HTML page shows it); of: as for description."""
    return _provenance(of or corpus())


@cache
def _provenance(of: Corpus) -> dict:
    articles = of.articles_phrase()
    source = f"{articles[:1].upper()}{articles[1:]} ({of.publishers_phrase()}), listed in the sources table"
    return {"license": LICENSE, "license_url": LICENSE_URL, "source": source, "source_url": SOURCE_URL,
            "about": ABOUT, "about_url": ABOUT_URL}


def __getattr__(name: str):
    """DESCRIPTION and PROVENANCE name the corpus, read on first use (see etl.schema.dataset)."""
    if name == "DESCRIPTION":
        return description()
    if name == "PROVENANCE":
        return provenance()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def table_metadata(table: Table, of: Corpus | None = None) -> dict:
    meta: dict = {"title": table.title, "description": table.description, **provenance(of)}
    if stable_sort(table):
        meta["sort"] = table.order_by[0]
    if table.facets:
        meta["facets"] = list(table.facets)
    if table.label_column:
        meta["label_column"] = table.label_column
    meta["sortable_columns"] = sortable_columns(table)
    if table.fts:
        meta["fts_table"] = f"{table.name}_fts"
        meta["fts_pk"] = "rowid"
    meta["columns"] = {column.name: column.description for column in table.columns}
    return meta


def stable_sort(table: Table) -> bool:
    """Whether the table's first order column is unique: Datasette 0.65 breaks ties by the primary key only
    from the second page on, so `next` skips rows under a default sort on a column with repeated values."""
    first = table.order_by[0]
    return table.primary_key == (first,) or table.column(first).unique


def sortable_columns(table: Table) -> list[str]:
    """Only columns that page exactly: Datasette 0.65 adds the primary-key tie-break to ORDER BY from the second
    page on, so a sort on a column with repeated values (or NULLs) skips and repeats rows across pages."""
    return [c.name for c in table.columns if table.primary_key == (c.name,) or (c.unique and c.required)]


def query_metadata(query: Query, of: Corpus | None = None) -> dict:
    """A canned query: the question and its answer first, the SQL folded away (hide_sql), the licence kept."""
    return {
        "title": query.title,
        "description": query.description,
        "sql": query.sql,
        "params": [param.name for param in query.params],
        "hide_sql": True,
        **provenance(of),
    }


def metadata(of: Corpus | None = None) -> dict:
    """Datasette's metadata; of: the corpus (else as sources.yml lists it)."""
    of = of or corpus()
    about = {"title": of.title, "description": description(of), **provenance(of)}
    database = {
        **about,
        "tables": {table.name: table_metadata(table, of) for table in TABLES},
        "queries": {query.name: query_metadata(query, of) for query in QUERIES},
    }
    return {
        **about,
        "extra_css_urls": [f"/{STATIC_MOUNT}/site.css"],
        "databases": {DATABASE_NAME: database},
    }


def datasette1_config() -> dict:
    """Datasette 1.0's configuration: the canned queries, which it no longer reads from metadata.yml."""
    queries = {query.name: query_metadata(query) for query in QUERIES}
    return {"extra_css_urls": [f"/{STATIC_MOUNT}/site.css"], "databases": {DATABASE_NAME: {"queries": queries}}}


def write_config(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.dump(datasette1_config(), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                                width=110), encoding="utf-8")
    return target


def write_serve_files(database: Path) -> None:
    """What `datasette serve` reads besides the database and metadata.yml: the inspect file, and on Datasette
    1.0 the configuration file serve_args names."""
    write_inspect_file(database)
    if DATASETTE_1:
        write_config(config_file(database))


def description_problems(meta: dict, columns: dict[str, list[str]]) -> list[str]:
    """Database columns without a description in the metadata, and described columns the database lacks."""
    tables = meta["databases"][DATABASE_NAME]["tables"]
    problems = []
    for table, names in sorted(columns.items()):
        described = tables.get(table, {}).get("columns", {})
        problems += [f"{table}.{name}: no description in metadata.yml" for name in names
                     if not str(described.get(name) or "").strip()]
        problems += [f"{table}.{name}: described in metadata.yml but not in the database" for name in described
                     if name not in names]
    problems += [f"{table}: described in metadata.yml but not in the database" for table in tables
                 if table not in columns]
    return problems


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)

HEADER = "# Generated by `etl metadata` from etl/schema/tables.py, etl/site/queries.py and etl/site/metadata.py: do not edit.\n"


def metadata_yaml(of: Corpus | None = None) -> str:
    return HEADER + yaml.dump(metadata(of), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def metadata_step(database: Path, say) -> Callable[[], None]:
    """Build step: once the build is published, write metadata.yml (its corpus description follows the sources,
    as the new database has them: at a million claims, parsing sources.yml again took 14 s and 290 MiB)."""
    of = database_corpus(database)

    def publish() -> None:
        if write_metadata(paths.METADATA, of):
            say(f"wrote {paths.relative(paths.METADATA)} — commit it with the build")

    return publish


def write_metadata(target: Path = paths.METADATA, of: Corpus | None = None) -> bool:
    """Write metadata.yml; True when it changed."""
    text = metadata_yaml(of)
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.write_text(text, encoding="utf-8")
    return True


def database_corpus(database: Path) -> Corpus:
    """The corpus as a build wrote it into the sources table: the same as sources.yml gives, read in a query."""
    connection = sqlite3.connect(paths.sqlite_uri(database, mode="ro"), uri=True)
    try:
        rows = connection.execute("SELECT publisher, published FROM sources ORDER BY source_id").fetchall()
    finally:
        connection.close()
    return Corpus.of([{"publisher": publisher, "published": published} for publisher, published in rows])


@lru_cache(maxsize=8)
def served_corpus(database: Path) -> Corpus:
    """database_corpus of a served version, read once: a version never changes (a rebuild is a new file). A site
    describes what it serves, and parsing sources.yml on the event loop held every request of a new server for
    19 s at a million claims."""
    return database_corpus(database)
