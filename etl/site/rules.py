"""What the guard refuses and how it words it: bad paths, bad table arguments, SQLite's text turned into advice."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

from datasette.utils import tilde_decode, urlsafe_components

from etl.schema.model import Table
from etl.schema.tables import TABLES
from etl.site import metadata
from etl.site.limits import VALUE_BYTES
from etl.site.queries import QUERIES
from etl.site.serve import DATABASE_NAME, SETTINGS

READ_ONLY = ("This site is read-only: only GET, HEAD and OPTIONS are answered — "
             "download the data package or the database to change a copy")
NOT_FOUND = "No such page — the home page / lists what this site serves"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ENCODED_SEPARATOR = re.compile(rb"%(2f|5c)", re.IGNORECASE)
TABLE_ROUTE = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)(\.(?P<format>\w+))?$")
SQLITE_TEXT = re.compile(r"syntax error|no such (column|table|function)|near \"|fts5|misuse|mismatch|"
                         r"unrecognized token|malformed|incomplete input|bad parameter|unterminated|sqlite", re.IGNORECASE)
TIME_LIMIT = f"The query ran longer than the {SETTINGS['sql_time_limit_ms']} ms limit and was stopped — " \
             "make it simpler or download the database"
TOO_BIG = f"A value of the result would be longer than {VALUE_BYTES:,} bytes — select less, or download the database"
PHRASES = (
    (re.compile(r"too long|interrupted", re.IGNORECASE), TIME_LIMIT),
    (re.compile(r"string or blob too big", re.IGNORECASE), TOO_BIG),
    (re.compile(r"too many attached databases", re.IGNORECASE), "ATTACH is refused: this site is read-only"),
    (re.compile(r"fts5: syntax error", re.IGNORECASE),
     "The search is not FTS5 query syntax (as _searchmode=raw expects) — drop _searchmode=raw to find the words"),
    (re.compile(r"user-defined function raised exception", re.IGNORECASE),
     f"printf() and format() take widths and precisions up to {VALUE_BYTES:,} — use a smaller one"),
)


def _forms(text: str) -> list[str]:
    """The text and what it decodes to, percent-decoded up to three times (as a handler further in might)."""
    forms = [text]
    for _ in range(3):
        decoded = unquote(forms[-1])
        if decoded == forms[-1]:
            break
        forms.append(decoded)
    return forms


def path_problem(path: str, raw_path: bytes | None) -> tuple[int, str] | None:
    """Refuse control characters, backslashes, '//' at the start (an open redirect) and '.' or '..' segments."""
    texts = [path] + ([raw_path.decode("latin-1")] if raw_path else [])
    forms = [form for text in texts for form in _forms(text)]
    if any(CONTROL.search(form) for form in forms):  # no table, row or file has one in its name
        return 404, NOT_FOUND
    if any("\\" in form or form.startswith("//") for form in forms):
        return 404, NOT_FOUND
    if raw_path and ENCODED_SEPARATOR.search(raw_path):  # only ever a way round a check; rows use ~2F
        return 404, NOT_FOUND
    if any(segment in (".", "..") for form in forms for segment in form.split("/")):
        return 404, NOT_FOUND
    return None


DATABASE_JSON = f"/{DATABASE_NAME}.json"


SHAPES = ("objects", "array", "arrays")


def _search_text(value: str) -> str:
    return CONTROL.sub(" ", value)


def cleaned_args(path: str, args: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query without what means nothing: control characters in a search, a search without a word (not an
    FTS5 syntax error), and `_shape` on the database's table list, which has no rows to shape."""
    kept = []
    for key, value in args:
        if key.startswith("_search"):
            value = _search_text(value)
            if not value.replace('"', " ").strip():
                continue
        kept.append((key, value))
    if path == DATABASE_JSON and not any(key == "sql" and value.strip() for key, value in kept):
        kept = [(key, value) for key, value in kept if key not in ("_shape", "sql")]
    return kept


def shape_problem(path: str, args) -> str | None:
    """_shape and _size of a JSON answer: one of the documented shapes; a whole number or max."""
    if not path.endswith(".json"):
        return None
    if any(value not in SHAPES for value in _values(args, "_shape")):
        return f"_shape takes {', '.join(SHAPES)}"
    if any(not (re.fullmatch(r"[0-9]+", value) or value == "max") for value in _values(args, "_size")):
        return f"_size takes a whole number up to {SETTINGS['max_returned_rows']}, or max"
    return None


def _table(path: str) -> Table | None:
    match = TABLE_ROUTE.match(path)
    if not match or tilde_decode(match["database"]) != DATABASE_NAME:
        return None
    name = tilde_decode(match["table"])
    return next((table for table in TABLES if table.name == name), None)


ROW_ROUTE = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)/(?P<keys>[^/]+?)(?P<format>\.\w+)?$")
PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def row_raw_path(raw_path: bytes | None) -> bytes | None:
    """A row URL whose key a client percent-encoded (':' as %3A), in Datasette's tilde encoding: Datasette routes
    on the raw path and would look up the key with '%3A' in it, then redirect to a mangled URL."""
    if not raw_path:
        return None
    text = raw_path.decode("latin-1")
    match = ROW_ROUTE.match(text)
    if not match or "%" not in match["keys"] or _table(f"/{match['database']}/{match['table']}") is None:
        return None
    keys = PERCENT.sub(lambda found: "~" + found[1].upper(), match["keys"])
    return f"/{match['database']}/{match['table']}/{keys}{match['format'] or ''}".encode("latin-1")


def _values(args, key: str) -> list[str]:
    return [value for name, value in args if name == key]


def _named(value: str) -> str:
    """A name the client sent, repeated only when it is a plain identifier (never markup back at them)."""
    return value if re.fullmatch(r"\w{1,64}", value) else "that"


def sort_problem(table: Table, args) -> str | None:
    chosen = [(key, value) for key, value in args if key in ("_sort", "_sort_desc") and value]
    if len(chosen) > 1:
        return "Give one of _sort and _sort_desc, once"
    sortable = metadata.sortable_columns(table)
    if chosen and chosen[0][1] not in sortable:
        offered = f"sort by one of {', '.join(sortable)}" if sortable else "it is listed in primary-key order only"
        return (f"{table.name} cannot be sorted by {_named(chosen[0][1])} — {offered} (the sorts that page "
                "every row exactly once)")
    return None


def next_problem(table: Table, args) -> str | None:
    """`_next` must be a token of a previous page: the sort value (when sorted) then every primary key."""
    tokens = _values(args, "_next")
    if not tokens or not tokens[0]:
        return None
    sorted_by = any(value for key, value in args if key in ("_sort", "_sort_desc")) or \
        "sort" in metadata.table_metadata(table)
    expected = len(table.primary_key) + (1 if sorted_by else 0)
    if len(urlsafe_components(tokens[0])) != expected:
        return "_next is not a token of this listing — follow next_url of the previous page"
    return None


def through_problem(table: Table, args) -> str | None:
    for text in _values(args, "_through"):
        try:
            through = json.loads(text)
        except ValueError:
            through = None
        other = next((t for t in TABLES if isinstance(through, dict) and t.name == through.get("table")), None)
        if (other is None or through.get("column") not in other.column_names
                or not isinstance(through.get("value"), (str, int, float))
                or not any(c.references and c.references[0] == table.name for c in other.columns)):
            return ('_through must be JSON {"table": …, "column": …, "value": …} naming a table with a foreign '
                    f"key to {table.name} and one of its columns")
    return None


SWITCH = ("on", "off", "true", "false", "1", "0")


def facet_problem(table: Table, args) -> str | None:
    unknown = [value for value in _values(args, "_facet") if value not in table.column_names]
    if unknown:
        return f"{table.name} has no column {_named(unknown[0])} to facet by"
    return None


def labels_problem(table: Table, args) -> str | None:
    if any(value.lower() not in SWITCH for value in _values(args, "_labels")):
        return "_labels takes on or off"
    return None


def canned_problem(path: str, args) -> str | None:
    """A canned query answered as JSON needs each of its parameters (blank is allowed: it means 'any')."""
    match = TABLE_ROUTE.match(path)
    if not match or match["format"] != "json" or tilde_decode(match["database"]) != DATABASE_NAME:
        return None
    query = next((q for q in QUERIES if q.name == tilde_decode(match["table"])), None)
    given = {key for key, _ in args}
    missing = [param for param in (query.params if query else ()) if param.name not in given]
    if missing:
        return f"{query.name} needs " + " and ".join(f"{p.name}= ({p.description} e.g. {p.name}={p.example})"
                                                      for p in missing)
    return None


def table_problem(path: str, args) -> str | None:
    table = _table(path)
    problem = shape_problem(path, args)
    if problem or table is None:
        return problem or canned_problem(path, args)
    for check in (sort_problem, next_problem, through_problem, labels_problem, facet_problem):
        problem = check(table, args)
        if problem:
            return problem
    return None


def client_message(text: str, path: str, args: dict) -> str | None:
    """Datasette's error text as advice; None where it is SQLite's text about SQL the site wrote itself."""
    for pattern, advice in PHRASES:
        if pattern.search(text):
            return advice
    if SQLITE_TEXT.search(text) and not args.get("sql"):
        return None
    return text[:500] or None


SERVER_ERROR = "The site failed to answer this request — a bug of the site, not of the request: please report the URL"


def client_sql(args) -> bool:
    """Does the request carry SQL of the client's own (`?sql=`), rather than asking for the site's pages?"""
    return any(key == "sql" and value.strip() for key, value in args)


def fallback_message(path: str) -> str:
    return "This request cannot be answered as asked — check its parameters against /-/openapi.json"


def content_addressed(path: str, args: list[tuple[str, str]]) -> bool:
    """A package file asked for by its SHA-256 (the handler answers 404 unless the file has that digest)."""
    return path.startswith("/-/package/") and any(key == "sha256" for key, _ in args)


class Context:
    """What the guard needs of the running Datasette."""

    def __init__(self, datasette):
        self.datasette = datasette

    @property
    def ttl(self) -> int:
        return self.datasette.setting("default_cache_ttl")

    def query_problem(self, path: str, args) -> tuple[int, str] | None:
        problem = table_problem(path, args)
        return (400, problem) if problem else None

    def scrub_paths(self, body: bytes) -> bytes:
        """Introspection pages name each database file, never the directory it is in on this machine."""
        for db in self.datasette.databases.values():
            if db.path:
                for form in {str(Path(db.path)), str(Path(db.path).resolve())}:
                    body = body.replace(form.encode(), Path(db.path).name.encode())
        return body
