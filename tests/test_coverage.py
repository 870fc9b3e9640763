"""The coverage gate: every figure and date of an article is in a claim's quote or ignored with a reason."""
from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from etl import paths
from etl.faults import FAIL, KILL
from etl.normalise import mentions
from etl.normalise.mentions import Mention, find_mentions, line_and_column, sentence_around
from etl.validation import coverage
from etl.validation.coverage import (
    _sources,
    check_coverage,
    check_source,
    ignore_path,
    read_ignore,
    unquoted,
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


PIECES = ["Monday, March 3, 2024", "Sept. 12, 2024", "sept 9 2023", "March 2024", "in March", "March on", "May",
          "may", "earlier this year", "later this month", "last week", "next year", "on Friday", "Thursday,",
          "in the past three weeks", "the last 2 days", "two years ago", "20-year-old", "five-year-old",
          "year-old", "1999", "2024s", "20245", "x2024", "2023-24", "$2024", "3.2024", "٣ days ago", "ſept 1 2024",
          "Ｍay", "K", "é", "the", "in", "on", "-", ",", ".", "$", "%", "\n", " ", "  ",
          "at least US$600 million", "$300 Million-Plus", "20 billion yuan ($2.8 billion)", "HK$1.5bn", "S$ 2m",
          "£40m", "€1.2 billion", "RMB 5 billion", "5 billion renminbi", "US$", "us dollars", "USD", "upwards of",
          "close to", "no less than", "up to", "fell 3.50%", "down by 12 per cent", "lower by 4 percent", "rose",
          "nearly 40%", "eightfold", "ten-fold", "2.5-fold", "about 10fold", "TENFOLD", "1,200 employees",
          "over 300 engineers", "some 40 start-ups", "ﬁve", "ＵＳ$5", "¥5"]


def test_each_pattern_tried_only_where_its_figure_can_start_finds_what_finditer_finds():
    """mentions.pattern_matches skips the positions where no figure of a kind can start; it must give what each
    pattern's finditer gives, kind by kind."""
    rng = random.Random(7)
    texts = [path.read_text(encoding="utf-8") for path in sorted(paths.ARTICLES_DIR.glob("*.txt"))]
    texts += ["".join(rng.choice(PIECES) + rng.choice(["", " ", ", ", "\n"]) for _ in range(rng.randint(1, 30)))
              for _ in range(3000)]
    kinds = tuple(kind for kind, _ in mentions.PATTERNS)
    expected = [{kind: [m.span() for m in pattern.finditer(text)] for kind, pattern in mentions.PATTERNS}
                for text in texts]
    assert all(sum(map(len, (found[kind] for found in expected))) > 500 for kind in kinds)
    assert [{kind: [m.span() for m in matches] for kind, matches in mentions.pattern_matches(text, kinds).items()}
            for text in texts] == expected


def test_a_mention_is_quoted_when_some_quote_holds_it_whole():
    rng = random.Random(3)
    for _ in range(2000):
        spans = [(start, start + rng.randint(1, 40)) for start in rng.sample(range(100), rng.randint(0, 6))]
        found = [Mention(start, start + rng.randint(1, 20), "money", "x") for start in range(0, 110, 3)]
        assert unquoted(found, spans) == [m for m in found if not any(m.inside(s, e) for s, e in spans)]


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

    items = yaml.safe_load(paths.SOURCES_FILE.read_text(encoding="utf-8"))
    assert items and _sources() == [(item["source_id"], paths.ARTICLES_DIR / item["file"]) for item in items]


def _without_claims_of(database: Path, copy: Path, *source_ids: str) -> Path:
    shutil.copyfile(database, copy)
    connection = sqlite3.connect(copy)
    with connection:
        connection.executemany("DELETE FROM claims WHERE source_id = ?", [(source_id,) for source_id in source_ids])
    connection.close()
    return copy


def test_a_second_process_checks_the_first_half_of_the_articles_and_finds_the_same(built_database, tmp_path,
                                                                                   monkeypatch):
    listed = _sources()
    database = _without_claims_of(built_database, tmp_path / "uncovered.db", listed[0][0], listed[-1][0])
    alone = check_coverage(database)
    assert {problem.where.split(":")[0] for problem in alone.unaccounted} == {
        paths.relative(listed[0][1]), paths.relative(listed[-1][1])}
    monkeypatch.setattr(coverage, "APART_FROM", 2)
    assert check_coverage(database) == alone
    monkeypatch.setenv(FAIL, "coverage-process")
    with pytest.raises(OSError):
        check_coverage(database)
    monkeypatch.setattr(coverage, "APART_FROM", len(listed) + 1)
    assert check_coverage(database) == alone


def test_the_articles_of_a_second_process_that_dies_are_checked_in_the_first(built_database, tmp_path,
                                                                             monkeypatch):
    listed = _sources()
    database = _without_claims_of(built_database, tmp_path / "uncovered.db", listed[0][0])
    alone = check_coverage(database)
    assert alone.unaccounted
    monkeypatch.setattr(coverage, "APART_FROM", 2)
    monkeypatch.setenv(KILL, "coverage-process")
    assert check_coverage(database) == alone
