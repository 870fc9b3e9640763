"""Normalise curated claims: resolve names, anchor quotes, read values and dates, convert money."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from etl import memos, paths
from etl.errors import InputError
from etl.inputs.load import Loaded, Node
from etl.normalise.dates import DateError, PartialDate, resolve_phrase
from etl.normalise.fx import FxError, FxRate, usd_rate
from etl.normalise.lookups import object_kinds, plan_states, status_phrases
from etl.normalise.money import MoneyError, parse_money
from etl.normalise.numbers import QuantityError, parse_quantity
from etl.normalise.quotes import (
    Anchor,
    anchor_phrase,
    anchor_quote,
    closest_passage,
    fold,
)
from etl.normalise.reference import Reference, Source

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# Value and date phrases repeat across claims ("$50 million", "last week" in one article): each distinct one is
# read once. The results are frozen dataclasses, safe to share; errors are not cached and are raised every time.
_parse_money = memos.memo(maxsize=1 << 16)(parse_money)
_parse_quantity = memos.memo(maxsize=1 << 16)(parse_quantity)
_resolve_phrase = memos.memo(maxsize=1 << 16)(resolve_phrase)
QUANTITY_UNITS = {"count": "count", "fraction": "fraction", "percent": "percent", "multiple": "multiple",
                  "ordinal": "ordinal", "quantity": None}


class ClaimError(ValueError):
    def __init__(self, field_name: str, problem: str, fix: str):
        super().__init__(problem)
        self.field, self.problem, self.fix = field_name, problem, fix


@dataclass
class Normalised:
    claims: list[dict] = field(default_factory=list)
    fx_rates: dict[str, FxRate] = field(default_factory=dict)


def normalise_claims(documents: Iterable[Loaded], reference: Reference, errors: list[InputError],
                     each_document: Callable[[list[dict]], None] | None = None) -> Normalised:
    """The claims' rows and exchange rates; with each_document, each document's rows go to it as soon as they
    are normalised instead of into the result's claims (a million of them need not be held)."""
    result, seen, names = Normalised(), {}, []
    for document in documents:
        source = _document_source(document, reference, errors)
        if source is None:
            continue
        name = document.name
        names.append(name)
        rows = []
        for claim in document.data["claims"]:
            if claim["id"] in seen:
                first = seen[claim["id"]]
                errors.append(InputError(document.name, claim.line_of("id"), "id",
                                         f"duplicate claim id '{claim['id']}' (first at {names[first >> 32]}:"
                                         f"{first & 0xFFFFFFFF})", "give each claim its own id"))
                continue
            seen[claim["id"]] = (len(names) - 1) << 32 | claim.line  # file and line in one integer, not a string
            try:
                row, rate = _claim_row(claim, source, reference, f"{name}:{claim.line}")
            except ClaimError as error:
                errors.append(InputError(document.name, claim.line_of(error.field), error.field, error.problem,
                                         error.fix))
                continue
            rows.append(row)
            if rate:
                result.fx_rates[rate.fx_rate_id] = rate
        if each_document is None:
            result.claims.extend(rows)
        else:
            each_document(rows)
    return result


def _document_source(document: Loaded, reference: Reference, errors: list[InputError]) -> Source | None:
    data: Node = document.data
    source_id = data["source_id"]
    if source_id in reference.rejected:
        return None
    if source_id not in reference.sources:
        errors.append(InputError(document.name, data.line_of("source_id"), "source_id",
                                 f"no source '{source_id}' in {paths.relative(paths.SOURCES_FILE)}",
                                 "add the source's metadata there, or correct the id"))
        return None
    if document.path.stem != source_id:
        errors.append(InputError(document.name, data.line_of("source_id"), "source_id",
                                 f"the file of source '{source_id}' is named {document.path.name}",
                                 f"rename it to {source_id}{document.path.suffix}"))
        return None
    return reference.sources[source_id]


def _claim_row(claim: Node, source: Source, reference: Reference, where: str) -> tuple[dict, FxRate | None]:
    predicate = known_predicate(claim, reference)
    subject = known_entity(claim, "subject", reference)
    object_id = known_entity(claim, "object", reference) if claim.get("object") else None
    _check_shape(claim, predicate, object_id)
    quote = _anchor(claim, source)
    if object_id:
        _check_object(claim, predicate, object_id, reference, source)
    attribution, attributed_to = _attribution(claim, source)
    row = {
        "claim_id": claim["id"], "source_id": source.row["source_id"], "subject_id": subject,
        "subject_as_written": claim["subject"], "predicate_id": predicate["predicate_id"], "object_id": object_id,
        "object_as_written": claim.get("object"), "round_id": claim.get("round"),
        "value_phrase": claim.get("value"), "modality": claim.get("modality") or "stated",
        "attribution": attribution, "attributed_to": attributed_to,
        "quote": source.text[quote.start:quote.end], "quote_start": quote.start, "quote_end": quote.end,
        "quote_occurrence": quote.occurrence, "in_headline": int(source.in_headline(quote.start, quote.end)),
        "note": claim.get("note"), "curated_in": where,
    }
    value_span = _span(claim, "value", source, quote)
    if value_span:
        row["value_start"], row["value_end"] = value_span
        row["value_phrase"] = source.text[value_span[0]:value_span[1]]
    date_key = "value" if predicate["value_kind"] == "date" else "date"
    date_span = _span(claim, date_key, source, quote)
    date = _date(claim, predicate, date_key, source)
    row.update(_date_columns(source.text[date_span[0]:date_span[1]] if date_span else None, date))
    values, rate = _value(claim, predicate, date or source.published)
    row.update(values)
    return row, rate


def known_predicate(claim: Node, reference: Reference) -> dict:
    """The predicate a claim (or an evidence row) names, or ClaimError saying where the list is."""
    predicate = reference.predicates.get(claim["predicate"])
    if predicate is None:
        raise ClaimError("predicate", f"unknown predicate '{claim['predicate']}'",
                         f"use one of {paths.relative(paths.PREDICATES_FILE)} or add it there with a description")
    return predicate


def known_entity(claim: Node, key: str, reference: Reference) -> str:
    """The entity id a name, alias or id stands for, or ClaimError saying where the list is."""
    entity_id = reference.entity_id(claim[key])
    if entity_id is None:
        raise ClaimError(key, f"unknown entity or alias '{claim[key]}'",
                         f"use an id, name or alias of {paths.relative(paths.ENTITIES_FILE)}, or add it there")
    return entity_id


def _check_shape(claim: Node, predicate: dict, object_id: str | None) -> None:
    kind, round_use = predicate["value_kind"], predicate["round_use"]
    if kind == "entity" and object_id is None and not claim.get("value"):
        raise ClaimError("object", f"predicate '{predicate['predicate_id']}' needs an object",
                         "name the entity as object, or quote the unnamed thing as value")
    if kind != "entity" and not claim.get("value"):
        raise ClaimError("value", f"predicate '{predicate['predicate_id']}' needs a value ({kind})",
                         "copy the value phrase from the quote")
    if round_use == "required" and not claim.get("round"):
        raise ClaimError("round", f"predicate '{predicate['predicate_id']}' needs a round key",
                         "add round: <company id>-<year>")
    if round_use == "forbidden" and claim.get("round"):
        raise ClaimError("round", f"predicate '{predicate['predicate_id']}' takes no round key", "remove round")


def _check_object(claim: Node, predicate: dict, object_id: str, reference: Reference, source: Source) -> None:
    """The object fits the predicate, is an entity of a kind it takes, and the text names it (or a note says why)."""
    allowed = object_kinds().get(predicate["predicate_id"])
    if allowed is None:
        raise ClaimError("object", f"predicate '{predicate['predicate_id']}' takes no object",
                         "remove object (the value is the whole claim), or choose a predicate about the object")
    kind = reference.entities[object_id]["kind"]
    if kind not in allowed[0]:
        raise ClaimError("object", f"'{claim['object']}' is a {kind}, and {predicate['predicate_id']} takes a "
                         f"{' or '.join(sorted(allowed[0]))} ({allowed[1]})",
                         "name the right entity as object, or choose the predicate that fits")
    named_in = reference.named_in.setdefault(source.row["source_id"], {})
    if object_id not in named_in:
        named_in[object_id] = any(map(source.folded.contains, reference.names_of(object_id)))
    if not named_in[object_id] and not claim.get("note"):
        raise ClaimError("object", f"'{claim['object']}' is named neither in the quote nor in its article",
                         "name an entity the article speaks of, or say in note why the quote means it")


def _anchor(claim: Node, source: Source) -> Anchor:
    anchor = anchor_quote(source.folded, claim["quote"], claim.get("occurrence"))
    if anchor is not None and (anchor.occurrences == 1 or claim.get("occurrence")):
        return anchor
    file = paths.relative(paths.ARTICLES_DIR / source.row["source_id"]) + ".txt"
    if anchor is None:
        count = len(source.folded.find_all(claim["quote"]))
        if count:
            raise ClaimError("occurrence", f"the quote occurs {count} time(s), not {claim['occurrence']}",
                             f"give an occurrence from 1 to {count}")
        near = closest_passage(source.text, source.folded, claim["quote"])
        found = f"; {near.describe()}" if near else ""
        raise ClaimError("quote", f"quote not found in {file}{found}",
                         "copy the words exactly from the article (whitespace and curly quotes are forgiven)")
    if anchor.occurrences > 1 and not claim.get("occurrence"):
        raise ClaimError("quote", f"the quote occurs {anchor.occurrences} times in {file}",
                         f"add occurrence: 1 to {anchor.occurrences} to say which")
    return anchor


def _span(claim: Node, key: str, source: Source, quote: Anchor) -> tuple[int, int] | None:
    """Where the claim's value or date phrase stands inside its quote."""
    phrase = claim.get(key)
    if not phrase:
        return None
    span = anchor_phrase(source.folded, phrase, quote)
    if span is None:
        raise ClaimError(key, f"'{phrase}' is not inside the quote",
                         f"copy the {key} phrase from the quote as written, or widen the quote")
    return span


def _date(claim: Node, predicate: dict, key: str, source: Source) -> PartialDate | None:
    if predicate["value_kind"] == "date" and claim.get("date"):
        raise ClaimError("date", "a date-valued claim keeps its date phrase in value", "remove date")
    if not claim.get(key):
        return None
    try:
        return _resolve_phrase(claim[key], source.published)
    except DateError as error:
        raise ClaimError(key, error.problem, error.fix) from None


@memos.memo(maxsize=1 << 16)  # date phrases repeat; the result is only ever copied into a row, never changed
def _date_columns(phrase: str | None, date: PartialDate | None) -> dict:
    """The resolved date beside the phrase exactly as the text writes it."""
    if date is None:
        note = f"'{phrase}' names no date" if phrase else None
        return {"date": None, "date_precision": None, "date_basis": None, "date_latest": None, "date_kind": None,
                "date_period": None, "date_phrase": phrase, "date_note": note}
    return {"date": date.iso, "date_precision": date.precision, "date_basis": date.basis,
            "date_latest": date.last_day.isoformat(), "date_kind": date.kind, "date_period": date.period,
            "date_phrase": phrase, "date_note": date.note}


def _attribution(claim: Node, source: Source) -> tuple[str, str]:
    """Who asserts the claim: as curated, else the company for its statement, else the article itself."""
    default = {"company_statement": "company", "claimed": "company"}.get(claim.get("modality"), "article")
    attribution = claim.get("attribution") or default
    named = claim.get("attributed_to")
    if claim.get("modality") == "reported" and attribution not in ("named_outlet", "unnamed_sources"):
        raise ClaimError("attribution", "a reported claim must say whom it is reported from",
                         "add attribution: unnamed_sources (people familiar, the people said) or named_outlet, "
                         "with attributed_to: the party as the text names it")
    if attribution == "article" and not named:
        named = source.row["publisher"]
    if attribution != "article" and not named:
        raise ClaimError("attributed_to", f"attribution '{attribution}' needs the party the text names",
                         "add attributed_to: the party as the text names it, e.g. the Financial Times")
    return attribution, named


def _value(claim: Node, predicate: dict, when: PartialDate | None) -> tuple[dict, FxRate | None]:
    kind, phrase = predicate["value_kind"], claim.get("value")
    if kind == "money":
        return _money(phrase, when)
    if kind in QUANTITY_UNITS:
        try:
            quantity = _parse_quantity(phrase, QUANTITY_UNITS[kind])
        except QuantityError as error:
            raise ClaimError("value", error.problem, error.fix) from None
        return {"value_number": quantity.number, "value_unit": quantity.unit,
                "comparator": quantity.comparator}, None
    if kind == "status":
        return {"value_text": _status(phrase)}, None
    if kind == "state":
        return {"value_text": _plan_state(phrase)}, None
    if kind in ("text", "entity") and phrase:
        return {"value_text": fold(phrase)}, None
    return {}, None


def _money(phrase: str, when: PartialDate | None) -> tuple[dict, FxRate | None]:
    try:
        money = _parse_money(phrase)
    except MoneyError as error:
        raise ClaimError("value", error.problem, error.fix) from None
    row = {"amount": money.amount, "currency": money.currency, "comparator": money.comparator}
    numbers = _NUMBER.findall(phrase)
    if money.currency == "USD":
        return {**row, "amount_usd": money.amount, "usd_rule": "usd", "amount_usd_digits": _digits(numbers[0])}, None
    if when is None:
        raise ClaimError("value", f"'{phrase}' needs a date for its exchange rate",
                         "give the claim a date phrase or its source a publication date")
    try:
        rate = usd_rate(money.currency, PartialDate(when.iso, when.precision))
    except FxError as error:
        raise ClaimError("value", error.problem, error.fix) from None
    if money.stated_usd is not None:
        return {**row, "amount_usd": money.stated_usd, "usd_rule": "stated_in_text", "fx_rate_id": rate.fx_rate_id,
                "amount_usd_digits": _digits(numbers[-1])}, rate
    digits = _digits(numbers[0])
    return {**row, "amount_usd": round_significant(money.amount * rate.rate, digits), "usd_rule": "ecb_rate",
            "fx_rate_id": rate.fx_rate_id, "amount_usd_digits": digits}, rate


def _digits(number: str) -> int:
    """Significant digits of a number as written: '20' → 2, '2.8' → 2, '691' → 3, '0.5' → 1."""
    return max(1, len(number.replace(",", "").replace(".", "").lstrip("0")))


def round_significant(value: float, digits: int) -> float:
    """A converted figure never carries more digits than the figure it was converted from."""
    return float(f"{value:.{digits}g}")


def _status(phrase: str) -> str:
    for words, (status, _reason) in status_phrases().items():
        if words in fold(phrase).lower():
            return status
    raise ClaimError("value", f"cannot read a round status in '{phrase}'",
                     "quote the words that give the status, or add them to etl/normalise/lookups/status_phrases.yml with the reason")


def _plan_state(phrase: str) -> str:
    for words, (state, _reason) in plan_states().items():
        if words in fold(phrase).lower():
            return state
    raise ClaimError("value", f"cannot read where the plan stands in '{phrase}'",
                     "quote the words that give its state, or add them to etl/normalise/lookups/plan_states.yml with the reason")
