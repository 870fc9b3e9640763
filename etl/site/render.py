"""Values as people write them, for the HTML pages only: money, hedges, intervals, yes/no, linked ids."""
from __future__ import annotations

import math
import re
import weakref

from datasette.utils import tilde_encode, to_css_class
from markupsafe import Markup, escape

from etl.schema.tables import TABLES
from etl.site.queries import QUERIES

COMPARATOR_WORDS = {
    "exact": "", "about": "about", "at_least": "at least", "more_than": "more than", "nearly": "nearly",
    "at_most": "at most", "less_than": "less than",
}
# How an English-language article writes each currency: a symbol before the figure, or a word after it.
CURRENCY_PREFIX = {"USD": "US$", "HKD": "HK$", "EUR": "€", "GBP": "£", "JPY": "¥"}
CURRENCY_WORD = {"CNY": "yuan", "RMB": "yuan"}
SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
INTERVAL = re.compile(r"^\s*([\[(])\s*([^,]+?)\s*,\s*([^\])]+?)\s*([\])])\s*$")
INFINITE = {"inf", "+inf", "∞", "+∞", "infinity"}
NEGATIVE_INFINITE = {"-inf", "-∞", "−∞", "-infinity"}


def number_words(value: float) -> str:
    """1e9 → '1 billion', 2779732523.39 → '2.78 billion', 12500 → '12,500', 0.5 → '0.5'."""
    size = abs(value)
    for scale, word in SCALES:
        if size >= scale:
            return f"{_significant(value / scale)} {word}"
    if size >= 1000 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _significant(value: float) -> str:
    text = f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return text


def money(amount: float | None, currency: str | None) -> str:
    """'US$1 billion', '5 billion yuan', '300 million SGD'."""
    if amount is None:
        return ""
    figure = number_words(float(amount))
    code = (currency or "").upper()
    if code in CURRENCY_PREFIX:
        return CURRENCY_PREFIX[code] + figure
    if code in CURRENCY_WORD:
        return f"{figure} {CURRENCY_WORD[code]}"
    return f"{figure} {code}".strip()


def hedged(comparator: str | None, text: str) -> str:
    word = COMPARATOR_WORDS.get(comparator or "exact", (comparator or "").replace("_", " "))
    return f"{word} {text}".strip()


def money_phrase(amount: float | None, currency: str | None, comparator: str | None = None,
                 amount_usd: float | None = None) -> str:
    """'at least US$600 million', '5 billion yuan (≈ US$691 million)'."""
    if amount is None:
        return ""
    text = hedged(comparator, money(amount, currency))
    if (currency or "").upper() != "USD" and amount_usd is not None:
        text += f" (≈ {money(amount_usd, 'USD')})"
    return text


def _bound(text: str) -> float | None:
    cleaned = text.strip().lower()
    if cleaned in INFINITE:
        return math.inf
    if cleaned in NEGATIVE_INFINITE:
        return -math.inf
    try:
        return float(cleaned.replace("−", "-"))
    except ValueError:
        return None


def _unit_value(value: float, unit: str | None) -> str:
    if (unit or "").upper() == "USD":
        return money(value, "USD")
    if unit == "percent":
        return f"{value:g}%"
    if unit in (None, "", "count", "fraction", "multiple", "ordinal"):
        return number_words(value)
    if unit == "days":
        return f"{number_words(value)} days"
    return f"{number_words(value)} {unit}"


def interval_words(text: str | None, unit: str | None = None) -> str | None:
    """'[2.5e+09, 2.5e+09]' → 'exactly US$2.5 billion', '(-∞, -9)' → 'less than -9%'; None when not an interval."""
    match = INTERVAL.match(text or "")
    if not match:
        return None
    opening, low_text, high_text, closing = match.groups()
    low, high = _bound(low_text), _bound(high_text)
    if low is None or high is None:
        return None
    if low == high:
        return f"exactly {_unit_value(low, unit)}"
    if math.isinf(high) and math.isinf(low):
        return "any value"
    if math.isinf(high):
        return f"{'at least' if opening == '[' else 'more than'} {_unit_value(low, unit)}"
    if math.isinf(low):
        return f"{'at most' if closing == ']' else 'less than'} {_unit_value(high, unit)}"
    lower = "from" if opening == "[" else "above"
    upper = "to" if closing == "]" else "to just under"
    return f"{lower} {_unit_value(low, unit)} {upper} {_unit_value(high, unit)}"


def yes_no(value) -> str | None:
    if value in (1, True, "1"):
        return "yes"
    if value in (0, False, "0"):
        return "no"
    return None


ENTITY_COLUMNS = frozenset({"entity_id", "subject_id", "object_id", "company_id", "investor_id", "parent_id"})
# Id columns of canned-query results (no foreign keys there): which table's row page each one names.
ROW_COLUMNS = {
    "claim_id": "claims", "claim_a": "claims", "claim_b": "claims", "amount_claim_id": "claims",
    "valuation_claim_id": "claims", "founded_claim_id": "claims", "round_id": "funding_rounds",
    "source_id": "sources", "source_a": "sources", "source_b": "sources", "conflict_id": "claim_conflicts",
    "predicate_id": "predicates", "fx_rate_id": "fx_rates", "run_id": "validation_runs",
}


def as_dict(row) -> dict:
    """A sqlite3.Row, a Datasette Row or a dict as a plain dict."""
    if isinstance(row, dict):
        return row
    try:
        return {key: row[key] for key in row.keys()}
    except (AttributeError, TypeError):
        return {}


def money_cell(row: dict, column: str, value) -> str | None:
    """A money column of any table or query in words, hedged as its row says; None when it is not money."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if f"{column}_currency" in row:
        return money_phrase(value, row[f"{column}_currency"], row.get(f"{column}_comparator"),
                            row.get(f"{column}_usd"))
    if column == "amount" and "currency" in row:
        return money_phrase(value, row["currency"], row.get("comparator"), row.get("amount_usd"))
    if column.endswith("_usd"):
        prefix = column[:-4]
        comparator = row.get(f"{prefix}_comparator")
        if comparator is None and prefix == "amount" and "currency" in row:
            comparator = row.get("comparator")
        return hedged(comparator, money(value, "USD"))
    if column == "gap" and "gap_unit" in row:
        return _unit_value(value, row["gap_unit"])
    return None


def plain_cell(row: dict, column: str, value, boolean_columns: frozenset[str]) -> str | None:
    """Text of a cell that is money, an interval or a yes/no flag; None to leave the cell to Datasette."""
    if column in boolean_columns:
        return yes_no(value)
    if column.startswith("interval") and isinstance(value, str):
        return interval_words(value, row.get("gap_unit"))
    if column.endswith("comparator") and value in COMPARATOR_WORDS:
        return COMPARATOR_WORDS[value] or "exactly"
    return money_cell(row, column, value)


def cell_markup(row, value, column: str, table: str | None, links, boolean_columns: frozenset[str]):
    """HTML of a cell, or None to leave it to Datasette. `links` has entity(id) and row(table, id) paths."""
    if isinstance(value, dict) and "value" in value:  # a foreign key Datasette expanded to its label
        if column in ENTITY_COLUMNS and value["value"] is not None:
            return _link(links.entity(value["value"]), value.get("label") or value["value"], "entity-link")
        return None
    if table is None and isinstance(value, str) and value:
        if column in ENTITY_COLUMNS:
            return _link(links.entity(value), value, "entity-link")
        if column in ROW_COLUMNS:
            return _link(links.row(ROW_COLUMNS[column], value), value, "row-link")
    if table == "entities" and column == "entity_id" and isinstance(value, str):
        return _link(links.entity(value), value, "entity-link")
    if value is None or (isinstance(value, str) and not _words_for_text(column, boolean_columns)):
        return None  # most cells of a page: nothing to say in words, so the row need not be read
    text = plain_cell(_row_dict(row), column, value, boolean_columns)
    if text is None:
        return None
    return Markup(f'<span class="readable" title="{escape(_stored(value))}">{escape(text)}</span>')


def _words_for_text(column: str, boolean_columns: frozenset[str]) -> bool:
    """Whether plain_cell can put a text value of this column in words (a flag, an interval, a hedge)."""
    return column in boolean_columns or column.startswith("interval") or column.endswith("comparator")


_last_row: list = [None, {}]  # the row of the cell rendered last and its dict: cells come row by row


def _row_dict(row) -> dict:
    """as_dict(row), made once per row rather than once per cell (a page of claims has 39 cells a row)."""
    if _last_row[0] is not row:
        _last_row[:] = [row, as_dict(row)]
    return _last_row[1]


def _stored(value) -> str:
    return f"stored value: {value!r}" if not isinstance(value, str) else f"stored value: {value}"


def _link(href: str, text: str, css_class: str):
    return Markup(f'<a class="{escape(css_class)}" href="{escape(href)}">{escape(text)}</a>')  # Markup.format, faster


def rows_html(display_rows) -> Markup:
    """The body rows of templates/_table.html in one call: Datasette renders templates with async Jinja, where
    each piece of output of a loop passes through every enclosing block, so 50 rows of 39 cells cost far more in
    the template than the cells' text itself. Each column's CSS class is computed once, not once per cell."""
    classes: dict[tuple[str, str], str] = {}
    parts = []
    for row in display_rows:
        parts.append("<tr>")
        for cell in row:
            key = (cell["column"], cell["value_type"])
            css = classes.get(key)
            if css is None:
                css = classes[key] = str(escape(f"col-{to_css_class(key[0])} type-{key[1]}"))
            value = cell["value"]
            parts.append(f'<td class="{css}">{value if isinstance(value, Markup) else escape(value)}</td>')
        parts.append("</tr>")
    return Markup("".join(parts))


ENTITY_PAGE = "/entity/"


SAFE_KEY = re.compile(r"[A-Za-z0-9_-]*")  # what tilde_encode leaves as it is


def key_path(key) -> str:
    """tilde_encode(str(key)), without its character-by-character work for the usual id that it leaves as it is."""
    text = str(key)
    return text if SAFE_KEY.fullmatch(text) else tilde_encode(text)


class Links:
    """Paths of the pages an id names, from Datasette's `urls` (so a base_url setting is kept). A page links
    a hundred claims and entities: each table's path is made once."""

    def __init__(self, urls, database: str):
        self.urls, self.database = urls, database
        self._paths: dict[str | None, str] = {}

    def _path(self, table: str | None) -> str:
        if table not in self._paths:
            self._paths[table] = str(self.urls.path(ENTITY_PAGE) if table is None else
                                     self.urls.table(self.database, table) + "/")
        return self._paths[table]

    def entity(self, entity_id: str) -> str:
        return self._path(None) + key_path(entity_id)

    def row(self, table: str, key: str) -> str:
        return self._path(table) + key_path(key)

    def table(self, table: str) -> str:
        return self._path(table)[:-1]


_last_links: list = [None, None, None]  # the Datasette, database and Links of the cell rendered last


def links_of(datasette, database: str) -> Links:
    """The Links of a database, made once per page rather than once per cell (`datasette.urls` is a new object on
    every use); the Datasette is held weakly."""
    owner, name, links = _last_links
    if name != database or owner is None or owner() is not datasette:
        links = Links(datasette.urls, database)
        _last_links[:] = [weakref.ref(datasette), database, links]
    return links


def boolean_columns() -> frozenset[str]:
    """Names of the yes/no columns of every table and canned query."""
    columns = [column for table in TABLES for column in table.columns]
    columns += [column for query in QUERIES for column in query.columns]
    return frozenset(column.name for column in columns if column.type == "boolean")
