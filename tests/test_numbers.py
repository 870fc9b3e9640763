"""Non-money figures: every one the five articles use, plus the edge cases."""
import pytest

from etl.normalise.numbers import Quantity, QuantityError, parse_quantity

ARTICLE_PHRASES = [
    ("12 large language models", "count", Quantity(12, "count", "exact")),
    ("nearly half", "fraction", Quantity(0.5, "fraction", "nearly")),
    ("half", None, Quantity(0.5, "fraction", "exact")),
    ("eightfold", "multiple", Quantity(8, "multiple", "exact")),
    ("second", "ordinal", Quantity(2, "ordinal", "exact")),
    ("Third", "ordinal", Quantity(3, "ordinal", "exact")),
    ("third", "ordinal", Quantity(3, "ordinal", "exact")),
    ("higher by 3.50%", "percent", Quantity(3.5, "percent", "exact")),
    ("lost over 9%", "percent", Quantity(-9, "percent", "more_than")),
    ("single-digit", "percent", Quantity(10, "percent", "less_than")),
    ("about 80%", None, Quantity(80, "percent", "about")),
    ("about 80 per cent", None, Quantity(80, "percent", "about")),
]


@pytest.mark.parametrize("phrase,unit,expected", ARTICLE_PHRASES)
def test_article_phrases(phrase, unit, expected):
    assert parse_quantity(phrase, unit) == expected


@pytest.mark.parametrize("phrase,expected", [
    ("twelve", Quantity(12, "count", "exact")),
    ("1,024", Quantity(1024, "count", "exact")),
    ("8-fold", Quantity(8, "multiple", "exact")),
    ("two-thirds", Quantity(2 / 3, "fraction", "exact")),
    ("21st", Quantity(21, "ordinal", "exact")),
    ("down 2.5 percent", Quantity(-2.5, "percent", "exact")),
    ("at least 3 models", Quantity(3, "count", "at_least")),
])
def test_edge_cases(phrase, expected):
    assert parse_quantity(phrase) == expected


def test_wrong_unit_is_reported():
    with pytest.raises(QuantityError) as caught:
        parse_quantity("about 80%", "fraction")
    assert caught.value.problem == "'about 80%' reads as a percent, not a fraction"


def test_unreadable_figure_is_reported():
    with pytest.raises(QuantityError) as caught:
        parse_quantity("a great many")
    assert caught.value.problem == "cannot read a figure in 'a great many'"
