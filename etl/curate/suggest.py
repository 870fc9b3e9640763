"""Draft claims/<source_id>.yml from an article: one claim per figure and date, rule-based and deterministic."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from etl import paths
from etl.curate import CurationError
from etl.errors import InputError
from etl.normalise.dates import MONTHS, WEEKDAYS
from etl.normalise.mentions import (
    Mention,
    find_mentions,
    line_and_column,
    sentence_around,
)
from etl.normalise.reference import Reference, read_reference

MAX_QUOTE = 200
MIN_CLAUSE = 60
FOUNDED_WORDS = r"\bfounded\b|\bestablished\b|\bset up\b|year-old\b"
# Predicates a sentence makes plain, tried in order: (kind of figure, words of the sentence, predicate).
PREDICATE_RULES = (
    ("money", r"\bvalu(?:ation|ed|es|ing)\b|\bworth\b", "valuation"),
    ("money", r"\bshares?\b|\bstock\b|\btrading\b|\bpremarket\b", "share_price"),
    ("money", r"\bround\b|\bfund(?:ing|raising|s)?\b|\bfinancing\b|\brais(?:ed|es|ing)\b|\binvest", "round_amount"),
    ("percent", r"\bshares?\b|\bstock\b", "share_price_change"),
    ("percent", r"\bgr(?:ew|owth|owing)\b", "growth_rate"),
    ("multiple", r".", "valuation_multiple"),
    ("count", r"\bmodels?\b", "models_released"),
    ("date", FOUNDED_WORDS, "founded"),
)
# How the sentence attributes what it says, tried in order; stated when none fits.
MODALITY_RULES = (
    (r"\bpeople (?:familiar|with knowledge)\b|\bthe people said\b|\breportedly\b|\breports?\b", "reported"),
    (r"\bsaid in a statement\b|\bthe (?:company|startup|start-up) said\b|\baccording to the statement\b",
     "company_statement"),
    (r"\bclaims? to\b|\bclaimed\b", "claimed"),
    (r"\bis (?:leading|raising|in talks)\b|\bin talks\b", "in_progress"),
)
DEFAULT_PREDICATE = {"money": "round_amount", "percent": "statistic", "multiple": "valuation_multiple",
                     "count": "statistic", "date": "distinction"}
ROUND_PREDICATES = ("round_amount",)
NOT_NAMES = {"the", "a", "an", "in", "on", "it", "its", "this", "that", "these", "those", "and", "but", "for", "with",
             "as", "at", "by", "of", "to", "from", "published", "posted", "updated", "according", "also", "read",
             "however", "despite", "founded", "image", "photo", "comments", "price", "action", "disclaimer", "ai",
             "ceo", "us", "u.s", "he", "she", "they", "we", "i", "image", "new", "ago", "is", "was", "has", "after",
             *MONTHS, *WEEKDAYS}
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9]*(?:[.'’-][A-Za-z0-9]+)*(?:\s+[A-Z][A-Za-z0-9]*(?:[.'’-][A-Za-z0-9]+)*)*")


@dataclass
class Draft:
    claim_id: str
    mention: Mention
    quote: str
    quote_start: int
    occurrence: int | None
    subject: str
    predicate: str
    obj: str | None
    value: str | None
    date: str | None
    round_key: str | None
    checks: list[str] = field(default_factory=list)


def source_text(source_id: str, reference: Reference) -> str:
    if source_id not in reference.sources:
        known = ", ".join(sorted(reference.sources)) or "none yet"
        raise CurationError(f"no source '{source_id}' in {paths.relative(paths.SOURCES_FILE)} (known: {known}) — "
                            "run etl add-source FILE first, or check the id")
    return reference.sources[source_id].text


def claims_path(source_id: str) -> Path:
    return paths.CLAIMS_DIR / f"{source_id}.yml"


def suggest(source_id: str) -> str:
    """The draft claims file of a listed source, as YAML text with # check: comments."""
    errors: list[InputError] = []
    reference = read_reference(errors)
    text = source_text(source_id, reference)
    names = _name_pattern(reference)
    year = (reference.sources[source_id].published.iso[:4] if reference.sources[source_id].published else None)
    unknown = _unknown_names(text, names)
    drafts = _drafts(source_id, text, reference, names, year, [name for name, _ in unknown])
    return _render(source_id, text, drafts, unknown)


def write_suggestion(source_id: str) -> Path:
    target = claims_path(source_id)
    if target.exists():
        raise CurationError(f"{paths.relative(target)} exists — suggest never overwrites a curated file; use "
                            f"etl suggest {source_id} --stdout to see the draft")
    draft = suggest(source_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(draft, encoding="utf-8")
    return target


def _drafts(source_id: str, text: str, reference: Reference, names: re.Pattern, year: str | None,
            unknown: list[str]) -> list[Draft]:
    """Figures first; a date inside a figure's quote becomes that claim's date, unless it dates a founding."""
    from etl.normalise.quotes import FoldedText

    folded = FoldedText.of(text)
    mentions = find_mentions(text)

    def draft_of(mention: Mention) -> Draft:
        start, end = _quote_span(text, mention)
        quote = text[start:end]
        spans = folded.find_all(quote)
        occurrence = next((i for i, span in enumerate(spans, 1) if span[0] == start), 1) if len(spans) > 1 else None
        return _draft(mention, quote, start, occurrence, reference, names, unknown)

    drafts = [draft_of(mention) for mention in mentions if mention.kind != "date"]
    for mention in (m for m in mentions if m.kind == "date"):
        founding = re.search(FOUNDED_WORDS, text[max(0, mention.start - 25):mention.end], re.I)
        holder = next((d for d in drafts if d.date is None and d.mention.kind != "date"
                       and mention.inside(d.quote_start, d.quote_start + len(d.quote))), None)
        if holder and not founding:
            holder.date = mention.phrase
        else:
            drafts.append(draft_of(mention))
    counters: dict[str, int] = {}
    for draft in sorted(drafts, key=lambda d: d.mention.start):
        counters[draft.mention.kind] = counters.get(draft.mention.kind, 0) + 1
        draft.claim_id = f"{source_id}-{draft.mention.kind}-{counters[draft.mention.kind]}"
        _add_round(draft, reference, year)
    return sorted(drafts, key=lambda d: d.mention.start)


def _add_round(draft: Draft, reference: Reference, year: str | None) -> None:
    if reference.predicates.get(draft.predicate, {}).get("round_use") != "required":
        return
    stated = re.search(r"\b(?:19|20)\d{2}\b", draft.date or "")
    draft.round_key = f"{_slug(reference.entity_id(draft.subject) or draft.subject)}-" \
                      f"{stated.group(0) if stated else year or 'YEAR'}"
    draft.checks.insert(0, f"round key {draft.round_key}: same key as other articles' claims about this round")


def _draft(mention: Mention, quote: str, start: int, occurrence: int | None, reference: Reference,
           names: re.Pattern, new_names: list[str]) -> Draft:
    predicate = _predicate(mention, quote, start)
    entities = [match.group(0) for match in names.finditer(quote)]
    unknown = [name for name in new_names if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", quote)]
    investor_ids = {"alibaba"}
    companies = [name for name in entities if reference.entity_id(name) not in investor_ids]
    checks = []
    if companies:
        subject = companies[0]
    elif unknown:
        subject = unknown[0]
        checks.append(f"'{subject}' is not in reference/entities.yml: add it (or pick the subject)")
    elif entities:
        subject = entities[0]
    else:
        subject = "(name the subject)"
        checks.append("no known entity in the quote: name the subject")
    obj = None
    is_date = predicate == "founded"
    value = mention.phrase if mention.kind != "date" or is_date or predicate == "distinction" else None
    date = mention.phrase if mention.kind == "date" and not is_date else None
    if predicate == "distinction":
        value, date = mention.phrase, mention.phrase
        checks.append("a date alone: say what it dates (predicate, value), or list it in the ignore file")
    checks.append(f"predicate '{predicate}' guessed from the sentence: confirm it")
    if mention.kind == "money" and any(word in quote.lower() for word in ("led", "leading", "lead ")):
        checks.append("the sentence names a lead investor: add a lead_investor claim with the investor as object")
    return Draft("", mention, quote, start, occurrence, subject, predicate, obj, value, date, None, checks)


def _predicate(mention: Mention, quote: str, start: int) -> str:
    """The predicate whose words stand nearest the figure in its quote."""
    at = mention.start - start
    found = []
    for rule_kind, words, predicate in PREDICATE_RULES:
        if rule_kind == mention.kind:
            distances = [min(abs(m.start() - at), abs(m.end() - at)) for m in re.finditer(words, quote, re.I)]
            if distances:
                found.append((min(distances), predicate))
    return min(found)[1] if found else DEFAULT_PREDICATE[mention.kind]


def _reported_from(quote: str) -> str:
    """The words naming who a reported claim comes from, as the quote writes them."""
    found = re.search(r"\b(?:people (?:familiar|with knowledge)[a-z ]*?(?= said|[,.]|$)|the people)", quote, re.I)
    return found.group(0) if found else "the people the text names"


def _modality(quote: str) -> str:
    return next((modality for words, modality in MODALITY_RULES if re.search(words, quote, re.I)), "stated")


def _quote_span(text: str, mention: Mention) -> tuple[int, int]:
    """The sentence around the mention, or its clause when the sentence is long."""
    start, end = sentence_around(text, mention.start, mention.end)
    while start < end and text[start] in " \u00a0\t•*-":
        start += 1
    if end - start <= MAX_QUOTE:
        return start, end
    cuts = [m.end() for m in re.finditer(r"[,;:]\s|\s[-–—]\s", text[start:end])]
    left = max([start + c for c in cuts if start + c <= mention.start] or [start])
    right = min([start + c - 2 for c in cuts if start + c - 2 >= mention.end] or [end])
    while right - left < MIN_CLAUSE and (left > start or right < end):
        left = max([start + c for c in cuts if start + c < left] or [start])
        right = min([start + c - 2 for c in cuts if start + c - 2 > right] or [end])
    return left, right


def _slug(text: str) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())) or "todo"


def _name_pattern(reference: Reference) -> re.Pattern:
    spellings = {reference.entities[e]["name"] for e in reference.entities} | {a["alias"] for a in reference.aliases}
    ordered = sorted((s for s in spellings if len(s) > 1), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, ordered)) + r")(?![\w])")


def _capitalised(text: str) -> list[str]:
    found = []
    for match in _CAPITALISED.finditer(text):
        words = [w for w in match.group(0).split() if w.lower().rstrip("'’s") not in NOT_NAMES]
        name = " ".join(words)
        if name and name.lower() not in NOT_NAMES and name not in found and not name.isupper():
            found.append(name)
    return found


def _unknown_names(text: str, names: re.Pattern) -> list[tuple[str, int]]:
    """Capitalised names inside running sentences (not headlines, not sentence starts) that no alias covers."""
    seen, found = set(), []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if len(words) < 6 or sum(w[:1].isupper() for w in words) > len(words) / 2:
            continue
        for sentence in re.split(r"(?<=[.!?])\s+", names.sub(" , ", line)):
            for match in _CAPITALISED.finditer(sentence):
                name = re.sub(r"[’']s$", "", match.group(0))
                if match.start() == 0 and " " not in name:
                    continue
                name = " ".join(w for w in name.split() if w.lower() not in NOT_NAMES)
                if name and name not in seen and not name.isupper() and len(name) > 2:
                    seen.add(name)
                    found.append((name, number))
    return found


def _scalar(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _render(source_id: str, text: str, drafts: list[Draft], unknown: list[tuple[str, int]]) -> str:
    lines = [f"# Draft claims of sources/articles/{source_id}.txt, written by `etl suggest {source_id}`.",
             "# Every quote, value and date below is copied from the article. Check each claim: keep, correct or",
             "# delete it, then run `etl build`; figures that are not deal facts go to",
             f"# claims/ignore/{source_id}.yml with a reason.",
             ]
    if unknown:
        lines.append("# check: possible new entities (add to reference/entities.yml when they are one):")
        lines += [f"#   {name} (line {line})" for name, line in unknown]
    lines += [f"source_id: {source_id}", "claims:" if drafts else "claims: []"]
    for draft in drafts:
        line, column = line_and_column(text, draft.mention.start)
        lines.append(f"  # {draft.mention.kind} '{draft.mention.phrase}' at line {line}, column {column}")
        lines += [f"  # check: {check}" for check in draft.checks]
        lines.append(f"  - id: {draft.claim_id}")
        lines.append(f"    subject: {_scalar(draft.subject)}")
        lines.append(f"    predicate: {draft.predicate}")
        lines.append(f"    object: {_scalar(draft.obj)}")
        lines.append(f"    value: {_scalar(draft.value)}")
        lines.append(f"    date: {_scalar(draft.date)}")
        if draft.round_key:
            lines.append(f"    round: {draft.round_key}")
        modality = _modality(draft.quote)
        lines.append(f"    modality: {modality}")
        if modality == "reported":
            lines.append("    attribution: unnamed_sources  # check: or named_outlet, for an outlet the text names")
            lines.append(f"    attributed_to: {_scalar(_reported_from(draft.quote))}  # check: the party as the text names it")
        lines.append(f"    quote: {_scalar(draft.quote)}")
        if draft.occurrence:
            lines.append(f"    occurrence: {draft.occurrence}")
        lines.append("    note: null")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
