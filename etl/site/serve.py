"""How Datasette serves the site: its settings, each with its reason, and its command line."""
from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from etl import paths

CODE_DIR = paths.PACKAGE_DIR.parent
TEMPLATES_DIR = CODE_DIR / "templates"
PLUGINS_DIR = CODE_DIR / "plugins"
STATIC_DIR = CODE_DIR / "static"
STATIC_MOUNT = "assets"
HOST = "127.0.0.1"
PORT = 8001
DATABASE_NAME = paths.DATABASE.stem
# Datasette 1.0 reads canned queries from its configuration file (-c), no longer from metadata.yml.
DATASETTE_1 = int(version("datasette").split(".")[0]) >= 1


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


def inspect_file(database: Path) -> Path:
    return database.absolute().parent / "build" / "inspect.json"  # not resolved: beside the link, not in a version


def config_file(database: Path) -> Path:
    """Datasette 1.0's configuration (the canned queries), written beside the inspect file."""
    return database.resolve().parent / "build" / "datasette.yaml"


def serve_args(database: Path = paths.DATABASE, host: str = HOST, port: int = PORT) -> list[str]:
    """Arguments of `datasette` that serve the site: the one place `make serve` and the tests take them from."""
    args = [
        "serve", "-i", str(database), "--inspect-file", str(inspect_file(database)), "--cors",
        "--metadata", str(paths.METADATA), "--template-dir", str(TEMPLATES_DIR),
        "--plugins-dir", str(PLUGINS_DIR), "--static", f"{STATIC_MOUNT}:{STATIC_DIR}",
        "--host", host, "--port", str(port),
    ]
    if DATASETTE_1:
        args += ["--config", str(config_file(database))]
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
