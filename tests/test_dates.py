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
    ("in 2020", DAY, ("2020", "year", "stated")),
    ("earlier in 2023", DAY, ("2023", "year", "stated")),
    ("since 2022", YEAR, ("2022", "year", "stated")),
    # Resolved against an inferred publication year: the result is inferred too.
    ("In February", YEAR, ("2024-02", "month", "inferred")),
    ("in May", YEAR, ("2024-05", "month", "inferred")),
    ("this year", DAY, ("2024", "year", "relative")),
    ("earlier this year", YEAR, ("2024", "year", "inferred")),
    ("now", YEAR, ("2024", "year", "inferred")),
    ("so far", YEAR, ("2024", "year", "inferred")),
    ("in the last 12 months", YEAR, ("2024", "year", "inferred")),
    ("on Monday", YEAR, ("2024", "year", "inferred")),
    ("Last week", YEAR, ("2024", "year", "inferred")),
    # An age is a range of founding days, not a year.
    ("year-old", DAY, ("2022-03-06", "range", "inferred")),
    ("two-year-old", DAY, ("2021-03-06", "range", "inferred")),
]


@pytest.mark.parametrize("phrase,published,expected", ARTICLE_PHRASES)
def test_article_phrases(phrase, published, expected):
    date = resolve_phrase(phrase, published)
    assert (date.iso, date.precision, date.basis) == expected


UNDATED_PHRASES = ["in recent months", "recently", "in past years", "previously"]


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
        "'In February' taken in the publication year (the publication date is known to the year only); "
        "the publication date 2024 is itself inferred")
    assert resolve_phrase("two-year-old", DAY).note == (
        "'two-year-old' in a source of 2024-03-05: 2 full year(s) old, so founded between 2021-03-06 and 2022-03-05")


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


@pytest.mark.parametrize("phrase,published,earliest,latest", [
    ("two-year-old", DAY, "2021-03-06", "2022-03-05"),  # BT of 2024-03-05 on MiniMax: mostly 2021, not "2022"
    ("year-old", DAY, "2022-03-06", "2023-03-05"),  # BT on Moonshot AI, founded March 2023: inside the range
    ("two-year-old", YEAR, "2021-01-02", "2022-12-31"),  # a source dated to the year only widens the range
    ("two-year-old", PartialDate("2024-02-29", "day"), "2021-03-01", "2022-02-28"),
])
def test_an_age_is_a_range_of_founding_days(phrase, published, earliest, latest):
    date = resolve_phrase(phrase, published)
    assert (date.iso, date.precision, date.kind, date.last_day.isoformat()) == (earliest, "range", "range", latest)


def test_since_starts_a_period_that_runs_to_the_source_date():
    date = resolve_phrase("since 2022", YEAR)
    assert (date.iso, date.basis, date.kind, date.last_day.isoformat()) == ("2022", "stated", "since", "2024-12-31")


def test_a_plain_year_is_a_point():
    assert resolve_phrase("in 2022", YEAR).kind == "point"


@pytest.mark.parametrize("phrase,period", [
    ("in the last 12 months", "P12M"), ("on Monday", "P1D"), ("last week", "P1W"), ("this year", None),
])
def test_the_period_a_change_is_measured_over(phrase, period):
    assert resolve_phrase(phrase, YEAR).period == period


def test_a_stated_publication_date_keeps_relative_basis():
    assert resolve_phrase("In February", DAY).basis == "relative"
