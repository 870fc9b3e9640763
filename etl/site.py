"""The Datasette site: its settings and command line, and metadata.yml generated from the table definitions."""
from __future__ import annotations

from pathlib import Path

import yaml

from etl import paths
from etl.model import Table
from etl.site_queries import QUERIES, Query
from etl.tables import TABLES

CODE_DIR = paths.PACKAGE_DIR.parent
TEMPLATES_DIR = CODE_DIR / "templates"
PLUGINS_DIR = CODE_DIR / "plugins"
STATIC_DIR = CODE_DIR / "static"
STATIC_MOUNT = "assets"
HOST = "127.0.0.1"
PORT = 8001
DATABASE_NAME = paths.DATABASE.stem

# Every setting is chosen for a small, read-only database that a rebuild replaces as a whole.
SETTINGS: dict[str, str | int] = {
    "sql_time_limit_ms": 1500,  # every page and canned query answers in milliseconds; stops runaway ?sql=
    "facet_time_limit_ms": 500,  # facets over at most a few hundred rows
    "facet_suggest_time_limit_ms": 200,
    "max_returned_rows": 1000,  # above every table's size: a JSON or CSV export is never cut short
    "default_page_size": 100,  # one page of claims is readable; `next` pages through the rest
    "default_cache_ttl": 300,  # immutable between builds, so caching helps; short so a rebuild shows soon
    "allow_download": "on",  # the whole SQLite file at /china_ai_investments.db
    "allow_csv_stream": "on",  # ?_stream=on exports every row of a table as CSV
    "max_csv_mb": 50,
    "allow_facet": "on",
    "default_allow_sql": "on",  # ?sql= is part of the JSON API; the database is opened read-only
    "suggest_facets": "off",  # the facets worth having are set per table in metadata.yml
    "truncate_cells_html": 0,  # quotes are evidence: never cut them in HTML
    "num_sql_threads": 3,
}

TITLE = "Alibaba's 2024 investments in Chinese AI start-ups: sourced claims"
DESCRIPTION = (
    "Every fact five 2024 news articles state about Alibaba's investments in Chinese AI start-ups "
    "(Moonshot AI, MiniMax, Baichuan, Zhipu, 01.AI), one row per claim with the verbatim quote, its offsets "
    "in the article and its normalised value. Funding rounds, investors and conflicts are derived from the "
    "claims, and every derived value names the claim it came from."
)
LICENSE = "CC-BY-4.0 (quotes are short excerpts, © their publishers)"
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "Five 2024 news articles (BT, Bloomberg, Benzinga and two uncredited sites), listed in the sources table"
SOURCE_URL = f"/{DATABASE_NAME}/sources"
ABOUT = "Data package, validation report and JSON API"
ABOUT_URL = "/"
PROVENANCE = {
    "license": LICENSE, "license_url": LICENSE_URL, "source": SOURCE, "source_url": SOURCE_URL,
    "about": ABOUT, "about_url": ABOUT_URL,
}
SORTABLE_TYPES = ("integer", "number", "boolean", "date", "partial_date", "datetime")


def table_metadata(table: Table) -> dict:
    meta: dict = {"title": table.title, "description": table.description, **PROVENANCE}
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
    """Keys, labels, enumerations and every number or date: what a reader would order by."""
    keep = set(table.primary_key) | set(table.order_by) | {table.label_column}
    return [c.name for c in table.columns
            if c.name in keep or c.enum or c.references or c.type in SORTABLE_TYPES]


def query_metadata(query: Query) -> dict:
    return {
        "title": query.title,
        "description": query.description,
        "sql": query.sql,
        "params": [param.name for param in query.params],
    }


def metadata() -> dict:
    database = {
        "title": TITLE, "description": DESCRIPTION, **PROVENANCE,
        "tables": {table.name: table_metadata(table) for table in TABLES},
        "queries": {query.name: query_metadata(query) for query in QUERIES},
    }
    return {
        "title": TITLE, "description": DESCRIPTION, **PROVENANCE,
        "extra_css_urls": [f"/{STATIC_MOUNT}/site.css"],
        "databases": {DATABASE_NAME: database},
    }


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

HEADER = "# Generated by `etl metadata` from etl/tables.py, etl/site_queries.py and etl/site.py: do not edit.\n"


def metadata_yaml() -> str:
    return HEADER + yaml.dump(metadata(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def write_metadata(target: Path = paths.METADATA) -> bool:
    """Write metadata.yml; True when it changed."""
    text = metadata_yaml()
    if target.exists() and target.read_text(encoding="utf-8") == text:
        return False
    target.write_text(text, encoding="utf-8")
    return True


def inspect_file(database: Path) -> Path:
    return database.resolve().parent / "build" / "inspect.json"


def serve_args(database: Path = paths.DATABASE, host: str = HOST, port: int = PORT) -> list[str]:
    """Arguments of `datasette` that serve the site: the one place `make serve` and the tests take them from."""
    args = [
        "serve", "-i", str(database), "--inspect-file", str(inspect_file(database)), "--cors",
        "--metadata", str(paths.METADATA), "--template-dir", str(TEMPLATES_DIR),
        "--plugins-dir", str(PLUGINS_DIR), "--static", f"{STATIC_MOUNT}:{STATIC_DIR}",
        "--host", host, "--port", str(port),
    ]
    for name, value in SETTINGS.items():
        args += ["--setting", name, str(value)]
    return args


def write_inspect_file(database: Path = paths.DATABASE) -> Path:
    """Datasette's own `datasette inspect`: table counts and hash of the immutable database."""
    from datasette.cli import inspect

    target = inspect_file(database)
    target.parent.mkdir(parents=True, exist_ok=True)
    inspect.main([str(database), "--inspect-file", str(target)], standalone_mode=False)
    return target
