"""Safe with any input: the parsers and the claims loader end in a result or the project's own error, never a traceback."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.errors import InputError
from etl.inputs.files import read_checked
from etl.normalise.claims import normalise_claims
from etl.normalise.dates import DateError, PartialDate, parse_iso, resolve_phrase
from etl.normalise.lookups import currency_marks, currency_words
from etl.normalise.money import MoneyError, parse_money
from etl.normalise.quotes import FoldedText, anchor_quote, fold
from etl.normalise.reference import read_reference

MANY = settings(max_examples=1000, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def pieces(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


# Text that looks like what curators write, with the corner cases mixed in.
NUMBER = st.one_of(st.integers(-10, 10 ** 30).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str),
                   st.from_regex(r"\d{1,4}(,\d{3}){0,8}(\.\d{1,3})?", fullmatch=True), st.just("9" * 400))
MONEY = st.builds(
    lambda hedge, mark, sign, number, scale, word, paren: f"{hedge}{mark}{sign}{number}{scale}{word}{paren}",
    pieces("", "about ", "at least ", "more than ", "nearly ", "up to ", "over ", "about at least "),
    st.sampled_from(["", *currency_marks()]), pieces("", "-", "−"), NUMBER,
    pieces("", " million", " billion", "bn", " trillion", "k", " m", " zillion"),
    st.sampled_from(["", *(f" {word}" for word in currency_words()), " zorkmids", " dollars dollars"]),
    pieces("", " ($691 million)", " (5 billion yuan)", " ()", " ((1))", " ($1e309)"),
)
DATE = st.one_of(
    st.from_regex(r"-?\d{1,6}(-\d{1,3}){0,2}", fullmatch=True),
    st.builds(lambda lead, day, month, year: f"{lead}{day}{month}{year}",
              pieces("", "in ", "on ", "since ", "early ", "late "),
              pieces("", "1 ", "29 ", "30 ", "31 ", "0 ", "99 "),
              pieces("", "January ", "February ", "Feb. ", "Smarch "),
              st.integers(-5, 100000).map(str)),
    st.builds(lambda count, unit, tail: f"{count} {unit}{tail}",
              st.one_of(st.integers(-10, 10 ** 12).map(str), pieces("a", "one", "two", "several", "")),
              pieces("days", "day", "weeks", "months", "years", "year-old", "hours"),
              pieces(" ago", "", " earlier", " later")),
    pieces("recently", "last month", "this year", "last year", "earlier this year", "year-old", "", " "),
)
PUBLISHED = st.sampled_from([None, PartialDate("2024-02-27", "day"), PartialDate("2024", "year"),
                             PartialDate("0001-01-01", "day"), PartialDate("9999-12", "month")])


def assert_own_error(error: Exception) -> None:
    """The project's own error: says what is wrong and how to fix it."""
    assert error.problem and error.fix, error


@MANY
@given(st.one_of(MONEY, st.text()))
def test_the_money_parser_reads_or_refuses_any_phrase(phrase):
    try:
        money = parse_money(phrase)
    except MoneyError as error:
        assert_own_error(error)
        return
    assert math.isfinite(money.amount) and len(money.currency) == 3
    assert money.stated_usd is None or math.isfinite(money.stated_usd)


@MANY
@given(st.one_of(DATE, st.text()), PUBLISHED)
def test_the_date_parser_reads_or_refuses_any_phrase(phrase, published):
    try:
        date = resolve_phrase(phrase, published)
    except DateError as error:
        assert_own_error(error)
        return
    if date is not None and date.precision == "range":  # some day between iso and latest, both whole days
        assert parse_iso(date.iso).precision == parse_iso(date.latest).precision == "day"
        assert date.iso <= date.latest
    elif date is not None:
        assert parse_iso(date.iso).precision == date.precision


ARTICLE = ("Alibaba\u2019s \u201cStrategic\u201d Investment in Moonshot AI  Marks a $2.5 Billion Milestone.\n"
           "It led a US$1 billion round. It led a US$1 billion round.\u00a0The end \u2014 fin.")


@MANY
@given(st.one_of(st.text(), st.builds(lambda start, length: ARTICLE[start:start + length],
                                      st.integers(0, len(ARTICLE)), st.integers(0, 80))),
       st.one_of(st.none(), st.integers(-3, 5)), st.text(max_size=300))
def test_the_quote_finder_anchors_or_misses_any_quote(quote, occurrence, article):
    for text in (ARTICLE, article):
        folded = FoldedText.of(text)
        anchor = anchor_quote(folded, quote, occurrence)
        if anchor is not None:
            assert 0 <= anchor.start <= anchor.end <= len(text)
            assert fold(text[anchor.start:anchor.end]).lower() == fold(quote).lower()


YAML_BITS = pieces("source_id: ", "claims:", "\n", "  - ", "    ", "\t", "id: ", "subject: ", "predicate: ",
                   "object: ", "quote: ", "value: ", "note: ", "&a ", "*a", "[", "]", "{", "}", ": ", "- ", "\"",
                   "'", "#", "\ufeff", "\0", "\r\n", "? ", "!!python/object ", ".nan", "~", "2024-02-30", "<<: *a",
                   "moonshot-milestone-2024-02-27", "Moonshot AI", "investor", "Alibaba", "x" * 70)


@pytest.fixture(scope="module")
def claims_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "claims"


def assert_located(errors: list[InputError], name: str) -> None:
    for error in errors:
        assert isinstance(error, InputError) and error.file.endswith(name) and error.line >= 0
        assert error.problem and error.fix


@MANY
@given(st.one_of(st.lists(YAML_BITS, max_size=40).map("".join).map(lambda text: text.encode("utf-8")),
                 st.binary(max_size=200)),
       st.sampled_from([".yml", ".jsonl"]))
def test_the_claims_loader_reads_or_locates_the_problem_of_any_file(claims_file, content, suffix):
    path = claims_file.with_suffix(suffix)
    path.write_bytes(content)
    errors: list[InputError] = []
    read_checked(path, "claims", errors, ("claims",))
    assert_located(errors, path.name)


@pytest.fixture(scope="module")
def reference():
    errors: list = []
    found = read_reference(errors)
    assert errors == []
    return found


CLAIM = st.fixed_dictionaries(
    {"id": st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,4}){0,2}", fullmatch=True),
     "subject": st.sampled_from(["Moonshot AI", "MiniMax", "Alibaba", "Kimi", "moonshot ai ", "Nobody"]),
     "predicate": st.sampled_from(["investor", "lead_investor", "valuation", "round_amount", "founded",
                                   "round_status", "statistic", "deal_sequence", "nope"]),
     "quote": st.one_of(st.sampled_from([
         "Alibaba's Strategic Investment in Moonshot AI Marks a $2.5 Billion Milestone",
         "The company has headed the largest financing efforts for a Chinese AI startup"]), st.text(max_size=40))},
    optional={"object": st.one_of(st.none(), st.sampled_from(["Alibaba", "Kimi", "Tencent", "Beijing"])),
              "value": st.one_of(st.none(), MONEY, st.sampled_from(["$2.5 Billion", "Milestone", "2.5"])),
              "date": st.one_of(st.none(), DATE), "round": st.sampled_from(["moonshot-2024", "x-1", None]),
              "occurrence": st.integers(-1, 3), "note": st.text(max_size=20),
              "modality": st.sampled_from(["stated", "claimed", "bogus"])},
)


@MANY
@given(st.lists(CLAIM, min_size=1, max_size=4))
def test_the_claims_loader_normalises_or_reports_any_claims(claims_file, reference, claims):
    path = claims_file.with_name("moonshot-milestone-2024-02-27.jsonl")
    path.write_text("".join(json.dumps(claim) + "\n" for claim in claims), encoding="utf-8")
    errors: list[InputError] = []
    loaded = read_checked(path, "claims", errors, ("claims",))
    normalised = normalise_claims([loaded] if loaded else [], reference, errors)
    assert_located(errors, path.name)
    published = {int(row["curated_in"].rsplit(":", 1)[1]) for row in normalised.claims}
    refused = {error.line for error in errors}
    assert published | refused == set(range(1, len(claims) + 1)) and not published & refused
    for row in normalised.claims:
        for value in row.values():
            assert not isinstance(value, float) or math.isfinite(value)
