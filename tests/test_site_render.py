"""Values as people write them (HTML only), the search query a typed text becomes, and the valuation chart."""
from __future__ import annotations

import sqlite3

import pytest

from etl.site import chart, render
from etl.site.search import fts_query, like_pattern, marked, near_query


@pytest.mark.parametrize("amount,currency,comparator,usd,words", [
    (1e9, "USD", "exact", 1e9, "US$1 billion"),
    (6e8, "USD", "at_least", 6e8, "at least US$600 million"),
    (5e9, "CNY", "exact", 6.91e8, "5 billion yuan (≈ US$691 million)"),
    (2e10, "CNY", None, 2779732523.393194, "20 billion yuan (≈ US$2.78 billion)"),
    (2.5e9, "USD", "more_than", 2.5e9, "more than US$2.5 billion"),
    (12500, "EUR", "about", None, "about €12,500"),
    (3e8, "SGD", "nearly", None, "nearly 300 million SGD"),
    (None, "USD", "exact", None, ""),
])
def test_money_phrase(amount, currency, comparator, usd, words):
    assert render.money_phrase(amount, currency, comparator, usd) == words


@pytest.mark.parametrize("text,unit,words", [
    ("[2.5e+09, 2.5e+09]", "USD", "exactly US$2.5 billion"),
    ("[600000000.0, inf)", "USD", "at least US$600 million"),
    ("(2500000000.0, ∞)", "USD", "more than US$2.5 billion"),
    ("(-∞, -9)", "percent", "less than -9%"),
    ("[-inf, 3]", "percent", "at most 3%"),
    ("[0.45, 0.5)", "fraction", "from 0.45 to just under 0.5"),
    ("[10, 20]", "days", "from 10 days to 20 days"),
    ("not an interval", "USD", None),
    (None, None, None),
])
def test_interval_words(text, unit, words):
    assert render.interval_words(text, unit) == words


def test_money_cells_follow_their_row_hedge_currency_and_us_dollar_figure():
    rounds = {"amount": 5e9, "amount_currency": "CNY", "amount_comparator": "exact", "amount_usd": 6.91e8,
              "valuation": 2.5e9, "valuation_currency": "USD", "valuation_comparator": "more_than",
              "valuation_usd": 2.5e9}
    assert render.money_cell(rounds, "amount", 5e9) == "5 billion yuan (≈ US$691 million)"
    assert render.money_cell(rounds, "valuation_usd", 2.5e9) == "more than US$2.5 billion"
    claim = {"amount": 6e8, "currency": "USD", "comparator": "at_least", "amount_usd": 6e8}
    assert render.money_cell(claim, "amount_usd", 6e8) == "at least US$600 million"
    assert render.money_cell({"gap": 0.125, "gap_unit": "percent"}, "gap", 12.5) == "12.5%"
    assert render.money_cell(claim, "quote_start", 12) is None
    assert render.money_cell(rounds, "amount_currency", "CNY") is None


class Links:
    def entity(self, entity_id):
        return f"/entity/{entity_id}"

    def row(self, table, key):
        return f"/db/{table}/{key}"


FLAGS = frozenset({"in_headline"})


def test_cells_in_html_flags_ids_and_stored_values():
    assert render.cell_markup({"in_headline": 1}, 1, "in_headline", "claims", Links(), FLAGS) \
        == '<span class="readable" title="stored value: 1">yes</span>'
    assert "no" in render.cell_markup({}, 0, "in_headline", "claims", Links(), FLAGS)
    label = {"value": "moonshot", "label": "Moonshot <AI>"}
    assert render.cell_markup({}, label, "company_id", "funding_rounds", Links(), FLAGS) \
        == '<a class="entity-link" href="/entity/moonshot">Moonshot &lt;AI&gt;</a>'
    assert render.cell_markup({}, {"value": "x", "label": "x"}, "source_id", "claims", Links(), FLAGS) is None
    assert render.cell_markup({}, "c-1", "claim_a", None, Links(), FLAGS) \
        == '<a class="row-link" href="/db/claims/c-1">c-1</a>'
    assert render.cell_markup({}, "moonshot", "investor_id", None, Links(), FLAGS) \
        == '<a class="entity-link" href="/entity/moonshot">moonshot</a>'
    assert render.cell_markup({}, "text", "quote", None, Links(), FLAGS) is None


def test_rows_of_sqlite_become_dicts():
    connection = sqlite3.connect(":memory:")
    connection.row_factory = sqlite3.Row
    row = connection.execute("select 1 as a, 'x' as b").fetchone()
    assert render.as_dict(row) == {"a": 1, "b": "x"}


@pytest.mark.parametrize("typed,exact,near", [
    ("cloud credits", '"cloud" "credits"', None),
    ('"cloud credits"', '"cloud credits"', 'NEAR("cloud" "credits", 3)'),
    ('"cloud credits" alibaba', '"cloud credits" "alibaba"', 'NEAR("cloud" "credits", 3) "alibaba"'),
    ('a"b OR NEAR(', '"a""b" "OR" "NEAR("', None),
    ("", None, None), ("   ", None, None), ('""', None, None),
])
def test_typed_text_becomes_a_valid_fts5_query(typed, exact, near):
    assert fts_query(typed) == exact
    assert near_query(typed) == near
    connection = sqlite3.connect(":memory:")
    connection.execute("create virtual table t using fts5(quote)")
    connection.execute("insert into t values ('offering cloud computing credits instead of cash')")
    for query in filter(None, (exact, near)):
        connection.execute("select * from t where t match ?", [query]).fetchall()  # no syntax error


def test_phrase_search_finds_the_exact_phrase_and_near_words_only_as_a_fallback():
    connection = sqlite3.connect(":memory:")
    connection.execute("create virtual table t using fts5(quote)")
    connection.execute("insert into t values ('offering cloud computing credits instead of cash')")
    count = "select count(*) from t where t match ?"
    assert connection.execute(count, [fts_query('"cloud credits"')]).fetchone()[0] == 0
    assert connection.execute(count, [near_query('"cloud credits"')]).fetchone()[0] == 1
    assert connection.execute(count, [fts_query('"cloud computing"')]).fetchone()[0] == 1


def test_like_pattern_and_marked_snippets_escape_what_they_must():
    assert like_pattern('"100%_a"') == "%100\\%\\_a%"
    assert like_pattern('  "" ') is None
    assert marked("a <b> \x02cloud\x03") == "a &lt;b&gt; <mark>cloud</mark>"


def test_valuation_chart_marks_every_point_with_its_hedge():
    points = [{"date": "2024-02", "amount_usd": 2.5e9, "comparator": "exact", "claim_id": "a", "href": "/a"},
              {"date": "2024", "amount_usd": 2.5e9, "comparator": "more_than", "claim_id": "b", "href": "/b"},
              {"date": "2023-06-30", "amount_usd": 1e9, "comparator": "nearly", "claim_id": "c", "href": "/c"}]
    svg = chart.valuation_svg(points)
    assert svg.count('class="mark ') == 3
    assert svg.count("hedge-lower") == 1 and svg.count("hedge-upper") == 1 and svg.count("hedge-exact") == 1
    assert ">2023<" in svg and ">2024<" in svg and 'href="/b"' in svg
    assert chart.valuation_svg([]) is None


@pytest.mark.parametrize("date,year", [("2024", 2024.5), ("2024-01-01", 2024.0)])
def test_year_fraction(date, year):
    assert chart.year_fraction(date) == year
