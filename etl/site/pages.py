"""What the site's plugin serves besides Datasette's pages: package files, Data Docs, provenance of a claim."""
from __future__ import annotations

import datetime as dt
import json
import mimetypes
import re
from pathlib import Path
from urllib.parse import urlencode

from markdown_it import MarkdownIt
from markupsafe import Markup

from etl import paths
from etl.schema.dataset import ZIP_NAME

PACKAGE_ZIP = ZIP_NAME
PACKAGE_PATH = re.compile(r"^(datapackage\.json|CHANGELOG\.md|data/[a-z0-9_]+\.csv|" + re.escape(PACKAGE_ZIP) + r")$")
DATA_DOCS = Path("build") / "data-docs"
TEXT_TYPES = ("text/", "application/json", "application/javascript")

COMPARATOR_WORDS = {
    "exact": "", "about": "about", "at_least": "at least", "more_than": "more than", "nearly": "nearly",
    "at_most": "at most", "less_than": "less than",
}


def package_file(root: Path, path: str) -> Path | None:
    """The file of the data package at a URL path (datapackage.json, data/<table>.csv, the zip), if present."""
    if not PACKAGE_PATH.match(path):
        return None
    found = root / ("build/" + path if path == PACKAGE_ZIP else path)
    return found if found.is_file() else None


_DIGESTS: dict[tuple[str, int, int], str] = {}


def sha256_of(path: Path) -> str:
    """The file's SHA-256, computed once per version of the file (path, size, modification time)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        import hashlib

        _DIGESTS[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _DIGESTS[key]


def data_docs_file(root: Path, path: str) -> Path | None:
    """A file of the Great Expectations Data Docs under build/data-docs, never outside it."""
    base = (root / DATA_DOCS).resolve()
    found = (base / path).resolve()
    if found != base and base not in found.parents:
        return None
    if found.is_dir():
        found = found / "index.html"
    return found if found.is_file() else None


def content_type(path: Path) -> str:
    if path.suffix == ".csv":
        return "text/csv; charset=utf-8"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith(TEXT_TYPES):
        return f"{guessed}; charset=utf-8"
    return guessed


def package_descriptor(root: Path) -> dict:
    try:
        return json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def package_links(root: Path, table_names: list[str]) -> dict:
    """Version and downloads of the data package for the home page."""
    descriptor = package_descriptor(root)
    resources = [(r.get("name"), r.get("path")) for r in descriptor.get("resources", []) if r.get("path")]
    if not resources:
        resources = [(name, f"data/{name}.csv") for name in table_names]
    return {
        "version": descriptor.get("version") or "unknown",
        "descriptor": "datapackage.json",
        "csvs": [{"name": name, "path": path} for name, path in resources if isinstance(path, str)],
        "zip": PACKAGE_ZIP,
        "has_zip": package_file(root, PACKAGE_ZIP) is not None,
        "has_data_docs": data_docs_file(root, "") is not None,
    }


def built_at(last_run_at: str | None, database: Path) -> dict:
    """When the database was built: its last validation run, else the file's modification time."""
    if last_run_at:
        return {"at": last_run_at, "basis": "last validation run"}
    modified = dt.datetime.fromtimestamp(database.stat().st_mtime, dt.timezone.utc)
    return {"at": modified.isoformat(timespec="seconds"), "basis": "database file written, not validated"}


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 or value == int(value) else f"{value:g}"


def _hedged(comparator: str | None, text: str) -> str:
    word = COMPARATOR_WORDS.get(comparator or "exact", comparator or "")
    return f"{word} {text}".strip()


def normalised_value(claim: dict) -> str:
    """The claim's value as the database holds it, in words: '≥ 600,000,000 USD', 'Alibaba (entity)'."""
    parts = []
    if claim.get("amount") is not None:
        money = _hedged(claim.get("comparator"), f"{_number(claim['amount'])} {claim.get('currency') or ''}")
        if claim.get("currency") != "USD" and claim.get("amount_usd") is not None:
            money += f" = {_number(claim['amount_usd'])} USD ({claim.get('usd_rule')})"
        parts.append(money.strip())
    if claim.get("value_number") is not None:
        parts.append(_hedged(claim.get("comparator"), f"{claim['value_number']:g} {claim.get('value_unit') or ''}")
                     .strip())
    if claim.get("object_id"):
        parts.append(f"{claim.get('object_name') or claim['object_id']} ({claim['object_id']})")
    if claim.get("value_text"):
        parts.append(claim["value_text"])
    if claim.get("date"):
        parts.append(f"date {claim['date']} ({claim.get('date_precision')}, {claim.get('date_basis')})")
    return "; ".join(parts) or "no value beyond the statement itself"


def quote_parts(claim: dict) -> dict:
    """The quote split around the value phrase, by its offsets relative to the quote's start."""
    quote = claim["quote"]
    start, end = claim.get("value_start"), claim.get("value_end")
    if start is None or end is None:
        return {"before": quote, "value": "", "after": ""}
    start, end = start - claim["quote_start"], end - claim["quote_start"]
    if not 0 <= start <= end <= len(quote):
        return {"before": quote, "value": "", "after": ""}
    return {"before": quote[:start], "value": quote[start:end], "after": quote[end:]}


PROVENANCE_SQL = """select c.*, s.title as source_title, s.publisher as source_publisher, s.author as source_author,
  s.published as source_published, s.published_precision as source_published_precision,
  s.url as source_url, subj.name as subject_name, obj.name as object_name, p.label as predicate_label
from claims c
join sources s on s.source_id = c.source_id
join entities subj on subj.entity_id = c.subject_id
join predicates p on p.predicate_id = c.predicate_id
left join entities obj on obj.entity_id = c.object_id
where c.claim_id = :claim_id"""


def provenance(claim: dict) -> dict:
    return {**claim, "quote_parts": quote_parts(claim), "normalised_value": normalised_value(claim)}


README = paths.PACKAGE_DIR.parent / "README.md"
API_HEADING = "## JSON API"


def api_examples(document: dict) -> list[dict]:
    """Every path of the OpenAPI document with a link that calls it with its documented examples."""
    found = []
    for path, item in document["paths"].items():
        operation = item["get"]
        parameters = operation.get("parameters", [])
        names = {p["name"] for p in parameters}
        query = {"_shape": "array"} if "_shape" in names and "sql" not in names else {}
        query.update({p["name"]: p["example"] for p in parameters
                      if p["in"] == "query" and p.get("required") and "example" in p})
        found.append({
            "path": path, "summary": operation.get("summary", ""), "tag": operation["tags"][0],
            "url": None if "{" in path else path + ("?" + urlencode(query) if query else ""),
        })
    return found


async def row_examples(db, tables) -> dict[str, dict]:
    """Primary-key values of each table's first row, tilde-encoded as they go in a row URL."""
    from datasette.utils import escape_sqlite, tilde_encode

    found = {}
    for table in tables:
        keys = ", ".join(escape_sqlite(key) for key in table.primary_key)
        row = (await db.execute(f"select {keys} from {escape_sqlite(table.name)} order by {keys} limit 1")).first()
        if row is not None:
            found[table.name] = {key: tilde_encode(str(row[key])) for key in table.primary_key}
    return found


README_HOST = "http://127.0.0.1:8001"


def api_guide_html(base_url: str) -> Markup:
    """The README's JSON API section as HTML, every example calling the host the page was served from."""
    text = api_guide().replace(README_HOST, base_url.rstrip("/"))
    text = text.split("\n", 1)[1] if text.startswith(API_HEADING) else text  # the page has its own heading
    return Markup(MarkdownIt("commonmark", {"html": False}).enable("table").render(text))


def api_guide() -> str:
    """The README's JSON API section (one text for the README and the /api page)."""
    text = README.read_text(encoding="utf-8") if README.is_file() else ""
    if API_HEADING not in text:
        return ""
    section = text.split(API_HEADING, 1)[1]
    return API_HEADING + section.split("\n## ", 1)[0]


CHANGELOG = "CHANGELOG.md"
CHANGELOG_ENTRY = re.compile(r"^##\s+\S+\s+[—–-]+\s+(\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
UNCHANGED_DATA = "No change to the data"  # how etl/curate/changelog.py opens an entry that changed no row


def data_changed(root: Path, descriptor: dict) -> dict:
    """The last date the data changed: the newest dated CHANGELOG.md entry, else the package's `created`."""
    try:
        text = (root / CHANGELOG).read_text(encoding="utf-8")
    except OSError:
        text = ""
    entries = CHANGELOG_ENTRY.split(text)[1:]  # date, body, date, body, …
    dates = [day for day, body in zip(entries[::2], entries[1::2]) if not body.strip().startswith(UNCHANGED_DATA)]
    if dates:
        return {"date": max(dates), "basis": "CHANGELOG.md"}
    created = descriptor.get("created")
    if isinstance(created, str) and created:
        return {"date": created[:10], "basis": "the data package's created date"}
    return {"date": None, "basis": "no changelog and no data package yet"}
