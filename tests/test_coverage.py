"""The coverage gate: every figure and date of an article is in a claim's quote or ignored with a reason."""
from __future__ import annotations

import random

import pytest

from etl import paths
from etl.normalise import mentions
from etl.normalise.mentions import find_mentions, line_and_column, sentence_around
from etl.validation.coverage import (
    check_coverage,
    check_source,
    ignore_path,
    read_ignore,
)
from tests.conftest import run_etl

TEXT = ("Lumenpeak Raises $300 Million-Plus\n\n"
        "Alibaba led a round of at least US$600 million in Lumenpeak in March 2023, valuing it at 20 billion yuan "
        "($2.8 billion). Its valuation rose eightfold since last year. Shares fell 3.50% on Monday.\n")


@pytest.mark.parametrize("kind, phrase", [
    ("money", "$300 Million-Plus"), ("money", "at least US$600 million"),
    ("money", "20 billion yuan ($2.8 billion)"), ("date", "March 2023"), ("multiple", "eightfold"),
    ("date", "last year"), ("percent", "fell 3.50%"), ("date", "on Monday"),
])
def test_every_kind_of_figure_is_found_with_its_hedge(kind, phrase):
    assert (kind, phrase) in {(m.kind, m.phrase) for m in find_mentions(TEXT)}


@pytest.mark.parametrize("text", ["Qwen2.5 beats GPT-4.", "It may rise.", "Call 555-2023 now.", "a 2024-06-04 stamp"])
def test_words_that_only_look_like_figures_are_not_found(text):
    assert [m.phrase for m in find_mentions(text, ("money", "percent", "multiple", "date"))] == []


DATE_PIECES = ["Monday, March 3, 2024", "Sept. 12, 2024", "sept 9 2023", "March 2024", "in March", "March on", "May",
               "may", "earlier this year", "later this month", "last week", "next year", "on Friday", "Thursday,",
               "in the past three weeks", "the last 2 days", "two years ago", "20-year-old", "five-year-old",
               "year-old", "1999", "2024s", "20245", "x2024", "2023-24", "$2024", "3.2024", "٣ days ago", "ſept 1 2024",
               "Ｍay", "K", "é", "the", "in", "on", "-", ",", ".", "$", "%", "\n", " ", "  "]


def test_dates_tried_only_where_one_can_start_are_every_date_the_pattern_finds():
    """mentions._date_matches skips the positions where no date can start; it must give what finditer gives."""
    rng = random.Random(7)
    texts = [path.read_text(encoding="utf-8") for path in sorted(paths.ARTICLES_DIR.glob("*.txt"))]
    texts += ["".join(rng.choice(DATE_PIECES) + rng.choice(["", " ", ", "]) for _ in range(rng.randint(1, 30)))
              for _ in range(3000)]
    spans = [[m.span() for m in mentions._DATE.finditer(text)] for text in texts]
    assert sum(map(len, spans)) > 3000
    assert [[m.span() for m in mentions._date_matches(text)] for text in texts] == spans


def test_positions_are_one_based_and_sentences_end_at_a_full_stop():
    start = TEXT.index("3.50%")
    assert line_and_column(TEXT, start) == (3, start - TEXT.index("Alibaba") + 1)
    assert line_and_column(TEXT, 0) == (1, 1)
    left, right = sentence_around(TEXT, start, start + 5)
    assert TEXT[left:right] == "Shares fell 3.50% on Monday."


def quoted(*quotes: str) -> list[tuple[int, int]]:
    return [(TEXT.index(quote), TEXT.index(quote) + len(quote)) for quote in quotes]


def test_a_figure_in_no_quote_is_reported_with_file_line_column_phrase_and_sentence():
    spans = quoted("Lumenpeak Raises $300 Million-Plus", "Alibaba led a round of at least US$600 million in "
                   "Lumenpeak in March 2023, valuing it at 20 billion yuan ($2.8 billion).",
                   "Its valuation rose eightfold since last year.")
    found = check_source("x", TEXT, spans, [], "sources/articles/x.txt")
    column = TEXT.index("fell 3.50%") - TEXT.index("Alibaba") + 1
    assert [str(p) for p in found.unaccounted] == [
        f"sources/articles/x.txt:3:{column}: percent 'fell 3.50%' is in no claim's quote, in \"Shares fell 3.50% on "
        "Monday.\" — quote it in a claim (etl suggest x --stdout drafts one) or list it in claims/ignore/x.yml "
        "with the reason",
        f"sources/articles/x.txt:3:{column + 11}: date 'on Monday' is in no claim's quote, in \"Shares fell 3.50% "
        "on Monday.\" — quote it in a claim (etl suggest x --stdout drafts one) or list it in claims/ignore/x.yml "
        "with the reason"]
    ignored = check_source("x", TEXT, spans, [{"phrase": "fell 3.50% on Monday", "reason": "a share price"}],
                           "sources/articles/x.txt")
    assert (ignored.unaccounted, ignored.stale) == ([], [])


def test_an_ignore_entry_that_matches_nothing_is_stale():
    found = check_source("x", TEXT, quoted(TEXT.strip()), [{"phrase": "3.50%", "reason": "a share price"},
                                                           {"phrase": "not in the text", "reason": "none"}],
                         "sources/articles/x.txt")
    assert found.unaccounted == []
    assert [p.text.split(" matches")[0] for p in found.stale] == ["ignore entry '3.50%'",
                                                                  "ignore entry 'not in the text'"]


def test_the_real_corpus_is_covered_and_no_ignore_entry_is_stale(built_database):
    coverage = check_coverage(built_database)
    assert [str(p) for p in coverage.unaccounted] == []
    assert [str(p) for p in coverage.stale] == []


def test_every_ignore_entry_needs_a_phrase_and_a_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CLAIMS_DIR", tmp_path)
    (tmp_path / "ignore").mkdir()
    ignore_path("x").write_text("source_id: x\nignore:\n  - phrase: 3.50%\n    note: a share price\n"
                                "  - phrase: on Monday\n    reason: the day of the share price\n", encoding="utf-8")
    problems: list = []
    entries = read_ignore("x", problems)
    assert [entry["phrase"] for entry in entries] == ["on Monday"]
    assert [p.text for p in problems] == ["entry 1 needs a phrase and a reason — say why the figure is not a claim"]


def test_the_build_fails_on_an_unaccounted_figure_and_publishes_nothing(project):
    path = project / "claims" / "ignore" / "bloomberg-baichuan-2024.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("  - phrase: ©2024 Bloomberg")], encoding="utf-8")
    result = run_etl(project, "build")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == [
        "sources/articles/bloomberg-baichuan-2024.txt:33:2: date '2024' is in no claim's quote, in \"©2024 "
        "Bloomberg L.P.\" — quote it in a claim (etl suggest bloomberg-baichuan-2024 --stdout drafts one) or list "
        "it in claims/ignore/bloomberg-baichuan-2024.yml with the reason",
        "1 figure of the articles in no claim and no ignore file: nothing was published."]
    assert not (project / "china_ai_investments.db").exists()


def test_the_sources_are_read_as_yaml_reads_them():
    """The coverage step reads sources.yml with the build's fast loader: the same ids and articles as PyYAML."""
    import yaml

    from etl import paths
    from etl.validation.coverage import _sources

    items = yaml.safe_load(paths.SOURCES_FILE.read_text(encoding="utf-8"))
    assert items and _sources() == [(item["source_id"], paths.ARTICLES_DIR / item["file"]) for item in items]
