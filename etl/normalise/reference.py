"""Check and normalise the reference inputs: sources (with their texts), entities, aliases, predicates."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from etl import paths
from etl.errors import InputError, Unusable
from etl.inputs.files import read_checked
from etl.inputs.load import MAX_FILE_BYTES, Node, read_bounded
from etl.normalise.dates import DateError, PartialDate, parse_iso
from etl.normalise.quotes import FoldedText, fold

_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass
class Source:
    row: dict
    text: str | None  # None once its claims are normalised (let_go_of_text)
    folded: FoldedText | None
    published: PartialDate | None

    def in_headline(self, start: int, end: int) -> bool:
        title = self.title_span
        return title is not None and title[0] <= start and end <= title[1]

    @cached_property
    def title_span(self) -> tuple[int, int] | None:
        """Where the headline first stands in the text (searched once per source, not once per claim)."""
        found = self.folded.find_all(self.row["title"])
        return found[0] if found else None

    def let_go_of_text(self) -> None:
        """Nothing after normalisation reads the article: at a million claims the texts of all sources and
        their folded copies are over a hundred megabytes held to the end of the build for nothing."""
        self.text = self.folded = None


@dataclass
class Reference:
    sources: dict[str, Source] = field(default_factory=dict)
    entities: dict[str, dict] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    name_lines: dict[str, int] = field(default_factory=dict)
    aliases: list[dict] = field(default_factory=list)
    alias_names: set[str] = field(default_factory=set)
    aliases_of: dict[str, list[str]] = field(default_factory=dict)
    predicates: dict[str, dict] = field(default_factory=dict)
    rejected: set[str] = field(default_factory=set)
    all_sources_read: bool = True
    evidence_found: dict[str, bool] = field(default_factory=dict)
    named_in: dict[str, dict[str, bool]] = field(default_factory=dict)  # source id → entity id → named in it

    def names_of(self, entity_id: str) -> list[str]:
        """Every name the entity is known by: id, name and aliases."""
        row = self.entities[entity_id]
        return [entity_id, row["name"], *self.aliases_of.get(entity_id, ())]

    def entity_id(self, written: str) -> str | None:
        return self.names.get(written) or self.names.get(fold(written).lower())

    def done_with(self, source_id: str) -> None:
        """A source whose claims are all normalised: its text, and what was searched in it, are let go."""
        source = self.sources.get(source_id)
        if source is not None:
            source.let_go_of_text()
        self.named_in.pop(source_id, None)


def read_sources(items: list[Node], file: str, errors: list[InputError]) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    first_line: dict[str, int] = {}
    base = paths.ARTICLES_DIR.resolve()
    for item in items:
        source_id = item["source_id"]
        if source_id in sources or source_id in first_line:
            errors.append(InputError(file, item.line_of("source_id"), "source_id",
                                     f"duplicate source id '{source_id}' (first at line {first_line[source_id]})",
                                     "give each source its own id"))
            continue
        first_line[source_id] = item.line_of("source_id")
        source = _read_source(item, file, errors, base)
        if source:
            sources[source_id] = source
    return sources


def article_path(written: object, base: Path | None = None) -> Path:
    """The article a source's `file:` names, which must be a plain file inside sources/articles/; else Unusable.

    base is sources/articles/ resolved (given by a caller that checks many files, so that it is resolved once)."""
    fix = "give the file name of a copy of the article in sources/articles/, such as name-2024.txt"
    if not isinstance(written, str) or not written or _CONTROL.search(written):
        raise Unusable("the file name is empty or has control characters (a NUL?)", fix)
    plain_name = "/" not in written and written not in (".", "..")  # no path to parse (every article of synth)
    if "\\" in written or not plain_name and (Path(written).is_absolute() or ".." in Path(written).parts):
        raise Unusable(f"'{written}' leads outside sources/articles/", fix)
    path = paths.ARTICLES_DIR / written
    if os.path.islink(path) or not plain_name and path.resolve().parent != (base or paths.ARTICLES_DIR.resolve()):
        raise Unusable(f"'{written}' is a link or leads outside sources/articles/",
                       "copy the article itself into sources/articles/ (byte for byte), not a link to it")
    return path


def _read_source(item: Node, file: str, errors: list[InputError], base: Path) -> Source | None:
    try:
        path = article_path(item["file"], base)
    except Unusable as error:
        errors.append(InputError(file, item.line_of("file"), "file", error.problem, error.fix))
        return None
    try:
        data = read_bounded(path, MAX_FILE_BYTES)
        if data is None:
            raise Unusable(f"{paths.relative(path)} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
                           "keep the article's text only (no images or markup)")
    except Unusable as error:
        errors.append(InputError(file, item.line_of("file"), "file", error.problem, error.fix))
        return None
    except OSError:
        errors.append(InputError(file, item.line_of("file"), "file", f"{paths.relative(path)} does not exist",
                                 "copy the article there byte-for-byte or fix the file name"))
        return None
    digest = hashlib.sha256(data).hexdigest()
    if digest != item["sha256"]:
        errors.append(InputError(file, item.line_of("sha256"), "sha256",
                                 f"{paths.relative(path)} has sha256 {digest[:12]}…, the metadata says "
                                 f"{item['sha256'][:12]}…",
                                 "restore the original article (sources are never edited); for a new snapshot "
                                 "update sha256 and re-check every quote"))
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        errors.append(InputError(paths.relative(path), data[:error.start].count(b"\n") + 1, "encoding",
                                 f"byte {data[error.start]:#04x} is not UTF-8",
                                 "save the article as UTF-8 and update its sha256 in sources/sources.yml"))
        return None
    failures = len(errors)
    published = _published(item, file, errors)
    if len(errors) > failures:
        return None
    latest = published.last_day.isoformat() if published else None
    row = {
        "source_id": item["source_id"], "title": item["title"], "publisher": item["publisher"],
        "author": item["author"], "published": item["published"],
        "published_precision": item["published_precision"], "published_basis": item["published_basis"],
        "published_latest": latest, "published_note": item.get("note"), "publisher_name": item.get("publisher_name"), "url": item["url"], "url_match": item.get("url_match"),
        "copy_published": item.get("copy_published"), "language": item["language"],
        "sha256": digest, "text_length": len(text), "seed_file": item.get("seed_file"),
    }
    return Source(row, text, FoldedText.of(text), published)


def _published(item: Node, file: str, errors: list[InputError]) -> PartialDate | None:
    if item["published"] is None:
        return None
    line = item.line_of("published")
    try:
        date = parse_iso(item["published"])
    except DateError as error:
        errors.append(InputError(file, line, "published", error.problem, error.fix))
        return None
    if date.precision != item["published_precision"]:
        errors.append(InputError(file, item.line_of("published_precision"), "published_precision",
                                 f"'{item['published']}' has {date.precision} precision, not "
                                 f"{item['published_precision']}", f"write published_precision: {date.precision}"))
    return PartialDate(date.iso, date.precision, item["published_basis"] or "stated", item.get("note"))


def read_entities(items: list[Node], file: str, errors: list[InputError], reference: Reference) -> None:
    for item in items:
        entity_id = item["id"]
        if entity_id in reference.entities:
            errors.append(InputError(file, item.line_of("id"), "id", f"duplicate entity id '{entity_id}'",
                                     "give each entity its own id, or merge the two"))
            continue
        reference.entities[entity_id] = _entity_row(item)
        names = [("id", entity_id), ("name", item["name"]), *(("aliases", alias) for alias in item.get("aliases", []))]
        clashes: set[str] = set()
        for field_name, name in names:
            _add_name(reference, name, entity_id, (file, item, field_name), errors, clashes)
        _check_country(item, file, reference, errors)
    for item in items:
        parent = item.get("parent")
        if parent and parent not in reference.entities:
            errors.append(InputError(file, item.line_of("parent"), "parent", f"unknown parent entity '{parent}'",
                                     "name the id of an entity listed in this file"))


def _entity_row(item: Node) -> dict:
    return {
        "entity_id": item["id"], "name": item["name"], "kind": item["kind"], "country": item.get("country"),
        "country_evidence": item.get("country_evidence"), "parent_id": item.get("parent"),
        "note": item.get("note"),
    }


def _add_name(reference: Reference, name: str, entity_id: str, where: tuple[str, Node, str],
              errors: list[InputError], clashes: set[str]) -> None:
    """Register a spelling of an entity; a spelling another entity owns is reported once per entity."""
    file, item, field_name = where
    if name != name.strip() or "  " in name or _CONTROL.search(name):
        errors.append(InputError(file, item.line_of(field_name), field_name,
                                 f"'{name}' has spaces at its ends, doubled spaces or control characters",
                                 "write the name as the article does, with single spaces and nothing around it"))
        return
    key = fold(name).lower()
    owner = reference.names.get(key)
    if owner and owner != entity_id:
        if key not in clashes:
            clashes.add(key)
            errors.append(InputError(file, item.line_of(field_name), field_name,
                                     f"'{name}' already names entity '{owner}' (line {reference.name_lines[key]})",
                                     "an alias names one entity only: remove it from one of them"))
        return
    reference.names[key] = entity_id
    reference.name_lines.setdefault(key, item.line_of(field_name))
    if name != entity_id and name not in reference.alias_names:
        reference.alias_names.add(name)
        reference.aliases.append({"alias": name, "entity_id": entity_id})
        reference.aliases_of.setdefault(entity_id, []).append(name)


def _check_country(item: Node, file: str, reference: Reference, errors: list[InputError]) -> None:
    """The evidence must stand in some article; not judged while a listed source is rejected."""
    evidence = item.get("country_evidence")
    if evidence and reference.all_sources_read and not _in_some_source(evidence, reference):
        errors.append(InputError(file, item.line_of("country_evidence"), "country_evidence",
                                 f"'{evidence}' is in no source text",
                                 "copy the words that give the country from an article"))


def _in_some_source(evidence: str, reference: Reference) -> bool:
    """Many entities share their evidence ("Chinese AI start-up"): each phrase is searched for once."""
    if evidence not in reference.evidence_found:
        reference.evidence_found[evidence] = any(source.folded.contains(evidence)
                                                 for source in reference.sources.values())
    return reference.evidence_found[evidence]


def read_predicates(items: list[Node], file: str, errors: list[InputError], reference: Reference) -> None:
    for item in items:
        if item["id"] in reference.predicates:
            errors.append(InputError(file, item.line_of("id"), "id", f"duplicate predicate '{item['id']}'",
                                     "define each predicate once"))
            continue
        reference.predicates[item["id"]] = {
            "predicate_id": item["id"], "label": item["label"], "description": item["description"],
            "value_kind": item["value_kind"], "round_use": item["round"],
        }


def read_reference(errors: list[InputError]) -> Reference:
    reference = Reference()
    sources = read_checked(paths.SOURCES_FILE, "sources", errors)
    if sources:
        reference.sources = read_sources(sources.data, sources.name, errors)
        listed = [item.get("source_id") for item in [*sources.data, *sources.dropped] if isinstance(item, dict)]
        reference.rejected = set(listed) - set(reference.sources)
        reference.all_sources_read = len(listed) == len(reference.sources)
    entities = read_checked(paths.ENTITIES_FILE, "entities", errors)
    if entities:
        read_entities(entities.data, entities.name, errors, reference)
    predicates = read_checked(paths.PREDICATES_FILE, "predicates", errors)
    if predicates:
        read_predicates(predicates.data, predicates.name, errors, reference)
    return reference
