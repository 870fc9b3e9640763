"""Money phrases: every one the five articles use, plus the edge cases."""
import pytest

from etl.normalise.money import Money, MoneyError, parse_money

ARTICLE_PHRASES = [
    ("$1 billion", Money(1e9, "USD", "exact")),
    ("US$1 billion", Money(1e9, "USD", "exact")),
    ("$2.5 Billion", Money(2.5e9, "USD", "exact")),
    ("$2.5 billion", Money(2.5e9, "USD", "exact")),
    ("US$2.5 billion", Money(2.5e9, "USD", "exact")),
    ("$2.8 Billion", Money(2.8e9, "USD", "exact")),
    ("$800 million", Money(8e8, "USD", "exact")),
    ("$82.84", Money(82.84, "USD", "exact")),
    ("$300 million-plus", Money(3e8, "USD", "more_than")),
    ("at least US$600 million", Money(6e8, "USD", "at_least")),
    ("more than $2.5 billion", Money(2.5e9, "USD", "more_than")),
    ("about US$2.5 billion", Money(2.5e9, "USD", "about")),
    ("past $2 billion", Money(2e9, "USD", "more_than")),
    ("20 billion yuan", Money(2e10, "CNY", "exact")),
    ("5 billion yuan ($691 million)", Money(5e9, "CNY", "exact", stated_usd=6.91e8)),
]


@pytest.mark.parametrize("phrase,expected", ARTICLE_PHRASES)
def test_article_phrases(phrase, expected):
    assert parse_money(phrase) == expected


@pytest.mark.parametrize("phrase,expected", [
    ("nearly $1 billion", Money(1e9, "USD", "nearly")),
    ("up to €50 million", Money(5e7, "EUR", "at_most")),
    ("RMB 3.5 bn", Money(3.5e9, "CNY", "exact")),
    ("1,200 million yuan", Money(1.2e9, "CNY", "exact")),
    ("HK$10m", Money(1e7, "HKD", "exact")),
    ("$5bn+", Money(5e9, "USD", "more_than")),
    ("250 JPY", Money(250, "JPY", "exact")),
])
def test_edge_cases(phrase, expected):
    assert parse_money(phrase) == expected


def test_usd_of_a_yuan_amount_is_the_stated_figure():
    assert parse_money("5 billion yuan ($691 million)").usd == 6.91e8
    assert parse_money("20 billion yuan").usd is None


@pytest.mark.parametrize("phrase,problem", [
    ("lots of money", "cannot read an amount in 'lots of money'"),
    ("5 billion zorkmids", "unknown currency 'zorkmids' in '5 billion zorkmids'"),
    ("5 XXQ", "unknown currency 'XXQ' in '5 XXQ'"),
    ("-$5 million", "negative amount in '-$5 million'"),
    ("$0", "zero amount in '$0'"),
    ("5 million", "no currency in '5 million'"),
    ("US$5 million dollars", "'US$5 million dollars' names its currency twice"),
    ("5 billion yuan (6 billion yuan)", "the amount in parentheses in '5 billion yuan (6 billion yuan)' is not in US dollars"),
    ("at least $5 million-plus", "'at least $5 million-plus' has two hedges, both 'at least' and '-plus'"),
])
def test_bad_phrases(phrase, problem):
    with pytest.raises(MoneyError) as caught:
        parse_money(phrase)
    assert caught.value.problem == problem
