"""Normalise external evidence: facts from other public reports, read like claim values but never claims."""
from __future__ import annotations

from etl import paths
from etl.errors import InputError
from etl.inputs.load import Node
from etl.normalise.claims import ClaimError, known_entity, known_predicate
from etl.normalise.dates import DateError, parse_iso
from etl.normalise.money import MoneyError, parse_money
from etl.normalise.numbers import QuantityError, parse_quantity
from etl.normalise.reference import Reference

QUANTITY_KINDS = ("count", "fraction", "percent", "multiple", "ordinal")


def normalise_evidence(items: list[Node], reference: Reference, errors: list[InputError]) -> list[dict]:
    rows, seen = [], set()
    file = paths.relative(paths.EXTERNAL_EVIDENCE)
    for item in items:
        if item["id"] in seen:
            errors.append(InputError(file, item.line_of("id"), "id", f"duplicate evidence id '{item['id']}'",
                                     "give each row its own id"))
            continue
        seen.add(item["id"])
        try:
            rows.append(_row(item, reference))
        except ClaimError as problem:
            errors.append(InputError(file, item.line_of(problem.field), problem.field, problem.problem, problem.fix))
    return rows


def _row(item: Node, reference: Reference) -> dict:
    predicate = known_predicate(item, reference)
    row = {"evidence_id": item["id"], "subject_id": known_entity(item, "subject", reference),
           "predicate_id": predicate["predicate_id"],
           "object_id": known_entity(item, "object", reference) if item.get("object") else None,
           "round_id": item.get("round"), "value_phrase": item["value"], "url": item["url"],
           "outlet": item["outlet"], "outlet_date": item.get("outlet_date"), "note": item.get("note"),
           "in_headline": 0, "quote": "", "value_text": None}
    row.update(_value(item["value"], predicate["value_kind"]))
    row.update(_date(item.get("date")))
    return row


def _value(phrase: str, kind: str) -> dict:
    """Money in US dollars only where the report gives a US-dollar figure: no exchange rate is applied."""
    empty = {"amount": None, "currency": None, "amount_usd": None, "usd_rule": None, "comparator": None,
             "value_number": None, "value_unit": None}
    try:
        if kind == "money":
            money = parse_money(phrase)
            usd = money.amount if money.currency == "USD" else money.stated_usd
            rule = "usd" if money.currency == "USD" else "stated_in_text" if usd is not None else None
            return {**empty, "amount": money.amount, "currency": money.currency, "amount_usd": usd,
                    "usd_rule": rule, "comparator": money.comparator}
        if kind in QUANTITY_KINDS:
            quantity = parse_quantity(phrase, kind)
            return {**empty, "value_number": quantity.number, "value_unit": quantity.unit,
                    "comparator": quantity.comparator}
    except (MoneyError, QuantityError) as error:
        raise ClaimError("value", error.problem, error.fix) from None
    return empty


def _date(text: str | None) -> dict:
    if not text:
        return {"date": None, "date_precision": None, "date_latest": None}
    try:
        date = parse_iso(text)
    except DateError as error:
        raise ClaimError("date", error.problem, error.fix) from None
    return {"date": date.iso, "date_precision": date.precision, "date_latest": date.last_day.isoformat()}
