"""Date phrases: every one the five articles use, resolved against their publication dates."""
import pytest

from etl.normalise.dates import DateError, PartialDate, parse_iso, resolve_phrase

DAY = PartialDate("2024-03-05", "day")  # BT, "Published Tue, Mar 5, 2024"
YEAR = PartialDate("2024", "year", "inferred")  # Rana, Benzinga, Bloomberg: the year only


ARTICLE_PHRASES = [
    ("March 2023", DAY, ("2023-03", "month", "stated")),
    ("April 2023", YEAR, ("2023-04", "month", "stated")),
    ("2024", DAY, ("2024", "year", "stated")),
    ("in 2023", DAY, ("2023", "year", "stated")),
    ("earlier in 2023", DAY, ("2023", "year", "stated")),
    ("since 2022", YEAR, ("2022", "year", "stated")),
    ("In February", YEAR, ("2024-02", "month", "relative")),
    ("in May", YEAR, ("2024-05", "month", "relative")),
    ("this year", DAY, ("2024", "year", "relative")),
    ("earlier this year", YEAR, ("2024", "year", "relative")),
    ("now", YEAR, ("2024", "year", "relative")),
    ("so far", YEAR, ("2024", "year", "relative")),
    ("in the last 12 months", YEAR, ("2024", "year", "relative")),
    ("on Monday", YEAR, ("2024", "year", "relative")),
    ("Last week", YEAR, ("2024", "year", "relative")),
    ("year-old", DAY, ("2023", "year", "inferred")),
    ("two-year-old", DAY, ("2022", "year", "inferred")),
]


@pytest.mark.parametrize("phrase,published,expected", ARTICLE_PHRASES)
def test_article_phrases(phrase, published, expected):
    date = resolve_phrase(phrase, published)
    assert (date.iso, date.precision, date.basis) == expected


UNDATED_PHRASES = ["in recent months", "recently", "in past years"]


@pytest.mark.parametrize("phrase", UNDATED_PHRASES)
def test_phrases_that_name_no_date_stay_null(phrase):
    assert resolve_phrase(phrase, DAY) is None


@pytest.mark.parametrize("phrase,published,expected", [
    ("February 27, 2024", None, ("2024-02-27", "day", "stated")),
    ("Tue, Mar 5, 2024", None, ("2024-03-05", "day", "stated")),
    ("in May", DAY, ("2023-05", "month", "relative")),
    ("in February", DAY, ("2024-02", "month", "relative")),
    ("last week", DAY, ("2024-02-26", "week", "relative")),
    ("on Thursday", DAY, ("2024-02-29", "day", "relative")),
    ("on Tuesday", DAY, ("2024-03-05", "day", "relative")),
    ("last year", DAY, ("2023", "year", "relative")),
    ("2024-02-29", None, ("2024-02-29", "day", "stated")),
])
def test_edge_cases(phrase, published, expected):
    date = resolve_phrase(phrase, published)
    assert (date.iso, date.precision, date.basis) == expected


def test_relative_dates_say_how_they_were_resolved():
    assert resolve_phrase("In February", YEAR).note == (
        "'In February' taken in the publication year (the publication date is known to the year only)")
    assert resolve_phrase("two-year-old", DAY).note == (
        "'two-year-old' in a source of 2024-03-05: founded about 2 year(s) earlier")


def test_a_year_is_never_a_first_of_january():
    date = parse_iso("2024")
    assert (date.iso, date.precision) == ("2024", "year")
    assert (str(date.first_day), str(date.last_day)) == ("2024-01-01", "2024-12-31")


@pytest.mark.parametrize("phrase,published,problem", [
    ("2024-02-30", None, "'2024-02-30' is not a real date (day is out of range for month)"),
    ("February 30, 2024", None, "'February 30, 2024' is not a real date (day is out of range for month)"),
    ("Smarch 3, 2024", None, "unknown month 'Smarch' in 'Smarch 3, 2024'"),
    ("sometime soon", DAY, "cannot read the date phrase 'sometime soon'"),
    ("last week", None, "'last week' is relative but the source has no publication date"),
])
def test_bad_dates(phrase, published, problem):
    with pytest.raises(DateError) as caught:
        resolve_phrase(phrase, published)
    assert caught.value.problem == problem


def test_iso_must_be_iso():
    with pytest.raises(DateError) as caught:
        parse_iso("5 March 2024")
    assert caught.value.problem == "'5 March 2024' is not an ISO 8601 date"
