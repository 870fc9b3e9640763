"""Add an article to the corpus: copy it byte for byte, hash it, propose its id and metadata, list it."""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from etl import paths
from etl.curate import CurationError
from etl.normalise.dates import MONTHS, DateError, parse_iso

STOPWORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "for", "to", "with", "at", "by", "its", "is", "as",
             "from", "into", "new", "major", "backs", "bets", "big", "marks", "ai", "alibaba", "alibaba's", "joins",
             "leads", "round", "million", "billion", "funding", "startup", "start-up", "firm", "deal", "raises",
             "investment", "investments", "chinese", "china", "china's", "says", "after", "than", "plus", "start"}
_PUBLISHED = re.compile(
    r"\b(?:Published|Posted|Updated)(?:\s+on)?\s*:?\s*(?:[A-Za-z]{3,9},?\s+)?"
    r"(?:(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})|(?P<iso>\d{4}-\d{2}-\d{2}))")
MIN_TITLE_WORDS = 5
MAX_ID_WORDS = 2


@dataclass(frozen=True)
class Metadata:
    title: str
    publisher: str | None
    author: str | None
    published: str | None
    url: str | None
    note: str


def read_article(file: Path) -> tuple[bytes, str]:
    """The file's bytes and its text; refuses what is not a non-empty UTF-8 text."""
    name = str(file)
    try:
        data = file.read_bytes()
    except OSError as error:
        raise CurationError(f"{name}: cannot read ({error.strerror}) — give the path of the article's text file")
    if not data.strip():
        raise CurationError(f"{name} is empty — save the article's text into it first")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CurationError(f"{name} is not UTF-8 text (byte {error.start}) — save the article as plain UTF-8 "
                            "text (not a PDF, a web page archive or another encoding)") from None
    if "\x00" in text:
        raise CurationError(f"{name} is not text (it holds NUL bytes) — save the article as plain UTF-8 text")
    return data, text


def guess_title(text: str) -> str | None:
    """The first line that reads like a headline (at least five words)."""
    for line in text.splitlines():
        words = line.split()
        if len(words) >= MIN_TITLE_WORDS:
            return " ".join(words)
    return None


def stated_date(text: str) -> tuple[str, str] | None:
    """(ISO date, the words that state it) from a 'Published …' line, when the text has one."""
    for match in _PUBLISHED.finditer(text):
        if match.group("iso"):
            iso = match.group("iso")
        else:
            month = MONTHS.get(match.group("month").lower())
            if month is None:
                continue
            iso = f"{match.group('year')}-{month:02d}-{int(match.group('day')):02d}"
        try:
            parse_iso(iso)
        except DateError:
            continue
        return iso, " ".join(match.group(0).split())
    return None


def slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))


def propose_source_id(metadata: Metadata) -> str:
    """publisher (or author's last name) - two words of the title - date: bt-minimax-2024-03-05."""
    who = metadata.publisher or (metadata.author.split()[-1] if metadata.author else "article")
    words = [w for w in re.findall(r"[a-z0-9][a-z0-9.']*", metadata.title.lower())
             if w not in STOPWORDS and not re.fullmatch(r"[\d.']+|us\$?", w) and len(w) > 2]
    parts = [slug(who), *(slug(w) for w in words[:MAX_ID_WORDS]), metadata.published or ""]
    return "-".join(part for part in parts if part)


def metadata_of(text: str, title: str | None, publisher: str | None, author: str | None,
                published: str | None, url: str | None) -> Metadata:
    """What the options give, else what the text states; the note says where each value came from."""
    notes = []
    if title is None:
        title = guess_title(text)
        if title is None:
            raise CurationError("no line of the article reads like a headline — give one with --title")
        notes.append("title from the text's first headline-like line")
    if published is None:
        found = stated_date(text)
        if found:
            published = found[0]
            notes.append(f"the text gives '{found[1]}'")
        else:
            notes.append("the text states no publication date")
    else:
        try:
            parse_iso(published)
        except DateError as error:
            raise CurationError(f"--published {published}: {error.problem} — {error.fix}") from None
    if url is not None and not re.match(r"^https?://", url):
        raise CurationError(f"--url {url} is not an http(s) address — give the article's real URL or leave it out")
    note = "; ".join(notes) + ". Added by etl add-source: check title, publisher, author and date against the text."
    return Metadata(title, publisher, author, published, url, note[0].upper() + note[1:])


def source_entry(source_id: str, file_name: str, seed_file: str, metadata: Metadata, digest: str) -> CommentedMap:
    published = parse_iso(metadata.published) if metadata.published else None
    entry = CommentedMap()
    for key, value in (("source_id", source_id), ("file", file_name), ("seed_file", seed_file),
                       ("title", metadata.title), ("publisher", metadata.publisher), ("author", metadata.author),
                       ("published", DoubleQuotedScalarString(metadata.published) if published else None),
                       ("published_precision", published.precision if published else None),
                       ("published_basis", "stated" if published else None), ("url", metadata.url),
                       ("language", "en"), ("sha256", digest), ("note", metadata.note)):
        entry[key] = value
    return entry


def _yaml() -> YAML:
    yaml = YAML()
    yaml.indent(mapping=2, sequence=2, offset=0)
    yaml.width = 110
    yaml.preserve_quotes = True
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer, _value):
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


@dataclass(frozen=True)
class Added:
    source_id: str
    article: Path
    metadata: Metadata


def add_source(file: Path, title: str | None = None, publisher: str | None = None, author: str | None = None,
               published: str | None = None, url: str | None = None, source_id: str | None = None) -> Added:
    """Check everything first, then copy the article and append its entry to sources/sources.yml."""
    data, text = read_article(file)
    digest = hashlib.sha256(data).hexdigest()
    yaml = _yaml()
    listed = yaml.load(paths.SOURCES_FILE.read_text(encoding="utf-8")) if paths.SOURCES_FILE.exists() else None
    listed = listed if listed is not None else CommentedSeq()
    for item in listed:
        if item.get("sha256") == digest:
            raise CurationError(f"{file} is already in the corpus as '{item['source_id']}' (same SHA-256) — "
                                "nothing to add")
    metadata = metadata_of(text, title, publisher, author, published, url)
    source_id = source_id or propose_source_id(metadata)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", source_id):
        raise CurationError(f"source id '{source_id}' is not lower-case words joined by '-' — give one with "
                            "--source-id")
    target = paths.ARTICLES_DIR / f"{source_id}.txt"
    if any(item.get("source_id") == source_id for item in listed) or target.exists():
        raise CurationError(f"source id '{source_id}' is already in {paths.relative(paths.SOURCES_FILE)} — give "
                            "another with --source-id")
    entry = CommentedSeq([source_entry(source_id, target.name, file.name, metadata, digest)])
    buffer = io.StringIO()
    yaml.dump(entry, buffer)
    # Appended as text: the entries already listed keep every byte, comments and line breaks included.
    existing = paths.SOURCES_FILE.read_text(encoding="utf-8") if paths.SOURCES_FILE.exists() else ""
    separator = "" if not existing else ("\n" if existing.endswith("\n") else "\n\n")
    paths.ARTICLES_DIR.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    paths.SOURCES_FILE.write_text(existing + separator + buffer.getvalue(), encoding="utf-8")
    return Added(source_id, target, metadata)
