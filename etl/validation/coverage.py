"""The coverage gate: every figure and date of every article is in some claim's quote, or ignored with a reason."""
from __future__ import annotations

import multiprocessing
import sqlite3
from bisect import bisect_right
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import Callable

import yaml

from etl import memos, paths
from etl.beside import process_start_method
from etl.errors import InputError, InputErrors
from etl.faults import fault_point
from etl.inputs.load import read_yaml
from etl.normalise.mentions import (
    GATED_KINDS,
    Mention,
    find_mentions,
    line_and_column,
    sentence_around,
)
from etl.normalise.quotes import FoldedText, fold

MAX_SENTENCE = 160
# From this many articles the check shares them with a second process: each article is checked on its own, and
# at a million claims (79,016 articles) one process took 38 s while the build's other core was idle.
APART_FROM = 2_000


def ignore_dir() -> Path:
    return paths.CLAIMS_DIR / "ignore"


def ignore_path(source_id: str) -> Path:
    return ignore_dir() / f"{source_id}.yml"


@dataclass(frozen=True, order=True)
class Problem:
    """One line of the report: where, what is wrong — how to fix it."""

    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


class CoverageFailed(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} figure(s) unaccounted for")

    def report(self) -> str:
        count = len(self.problems)
        return "\n".join([*map(str, self.problems),
                          f"{count} figure{'s' if count != 1 else ''} of the articles in no claim and no ignore "
                          "file: nothing was published."])


@dataclass(frozen=True)
class Coverage:
    unaccounted: list[Problem]
    stale: list[Problem]


def _sources() -> list[tuple[str, Path]]:
    """Each listed source's id and article, read with the build's loader (flat YAML read fast, else YAML): at a
    million claims PyYAML's safe_load of sources.yml took minutes and more than half a gigabyte."""
    errors: list[InputError] = []
    loaded = read_yaml(paths.SOURCES_FILE, errors)
    if loaded is None:
        raise InputErrors(errors)
    items = loaded.data if isinstance(loaded.data, list) else []
    return [(item["source_id"], paths.ARTICLES_DIR / item["file"]) for item in items
            if isinstance(item, dict) and item.get("source_id") and item.get("file")]


def _quoted_spans(connection: sqlite3.Connection, source_id: str) -> list[tuple[int, int]]:
    """The spans the source's claims quote, found by the claims' source_id index: at a million claims, every span
    read at once held a few hundred megabytes of tuples, and much of it stayed with the build to its end."""
    return connection.execute("SELECT quote_start, quote_end FROM claims WHERE source_id = ?", (source_id,)).fetchall()


def read_ignore(source_id: str, problems: list[Problem]) -> list[dict]:
    """The entries of a source's ignore file, each with a phrase and a reason (bad entries reported)."""
    path = ignore_path(source_id)
    if not path.exists():
        return []
    where = paths.relative(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        problems.append(Problem(where, f"not valid YAML ({error}) — fix the syntax"))
        return []
    if not isinstance(data, dict) or data.get("source_id") != source_id:
        problems.append(Problem(where, f"needs source_id: {source_id} and an ignore list — see docs/curation.md"))
        return []
    entries = []
    for number, item in enumerate(data.get("ignore") or [], 1):
        if not isinstance(item, dict) or not str(item.get("phrase") or "").strip() \
                or not str(item.get("reason") or "").strip():
            problems.append(Problem(where, f"entry {number} needs a phrase and a reason — say why the figure is "
                                           "not a claim"))
            continue
        entries.append(item)
    return entries


def check_source(source_id: str, text: str, quoted: list[tuple[int, int]], entries: list[dict],
                 file: str) -> Coverage:
    mentions = unquoted(find_mentions(text, GATED_KINDS), quoted)
    folded = FoldedText.of(text) if mentions and entries else None
    used = [False] * len(entries)
    unaccounted = []
    for mention in mentions:
        holder = _ignored_by(mention, entries, folded) if folded else None
        if holder is None:
            unaccounted.append(_unaccounted(mention, text, file, source_id))
        else:
            used[holder] = True
    where = paths.relative(ignore_path(source_id)) if entries else ""
    stale = [Problem(where, f"ignore entry '{fold(entry['phrase'])}' matches no unquoted figure of {file} — remove "
                            "it (a claim quotes it now, or the phrase is not in the text)")
             for entry, is_used in zip(entries, used) if not is_used]
    return Coverage(unaccounted, stale)


def unquoted(mentions: list[Mention], quoted: list[tuple[int, int]]) -> list[Mention]:
    """The mentions inside no quoted span: of the spans that start at or before a mention, the furthest end
    must reach its end."""
    spans = sorted(quoted)
    starts = [start for start, _ in spans]
    reach = list(accumulate((end for _, end in spans), max))
    return [mention for mention in mentions
            if (before := bisect_right(starts, mention.start)) == 0 or reach[before - 1] < mention.end]


def _ignored_by(mention: Mention, entries: list[dict], folded: FoldedText) -> int | None:
    for index, entry in enumerate(entries):
        if any(mention.inside(start, end) for start, end in folded.find_all(str(entry["phrase"]))):
            return index
    return None


def _unaccounted(mention: Mention, text: str, file: str, source_id: str) -> Problem:
    line, column = line_and_column(text, mention.start)
    start, end = sentence_around(text, mention.start, mention.end)
    sentence = " ".join(text[start:end].split())
    if len(sentence) > MAX_SENTENCE:
        sentence = sentence[:MAX_SENTENCE - 1] + "…"
    return Problem(f"{file}:{line}:{column}",
                   f"{mention.kind} '{' '.join(mention.phrase.split())}' is in no claim's quote, in \"{sentence}\" — "
                   f"quote it in a claim (etl suggest {source_id} --stdout drafts one) or list it in "
                   f"{paths.relative(ignore_path(source_id))} with the reason")


def check_coverage(database: Path) -> Coverage:
    sources = _sources()
    if len(sources) >= APART_FROM:
        first_half, second_half = _check_in_two_processes(database, sources)
    else:
        first_half, second_half = Coverage([], []), check_articles(database, sources)
    return Coverage(first_half.unaccounted + second_half.unaccounted + _unlisted_ignore_files(sources),
                    first_half.stale + second_half.stale)


def check_articles(database: Path, sources: list[tuple[str, Path]]) -> Coverage:
    """The coverage of each listed article (ids without an article are reported by the build)."""
    unaccounted: list[Problem] = []
    stale: list[Problem] = []
    connection = sqlite3.connect(paths.sqlite_uri(database, mode="ro"), uri=True)
    try:
        for source_id, article in sources:
            if not article.is_file():
                continue
            entries = read_ignore(source_id, unaccounted)
            text = article.read_text(encoding="utf-8")
            found = check_source(source_id, text, _quoted_spans(connection, source_id), entries,
                                 paths.relative(article))
            unaccounted += found.unaccounted
            stale += found.stale
    finally:
        connection.close()
    return Coverage(unaccounted, stale)


def _check_in_two_processes(database: Path, sources: list[tuple[str, Path]]) -> tuple[Coverage, Coverage]:
    """The first half of the articles checked in a second process while this one checks the second half. A
    process that dies without an answer (killed, out of memory) leaves its articles to be checked here."""
    half = len(sources) // 2
    memos.give_back()  # a forked child's resident pages count in both processes
    context = multiprocessing.get_context(process_start_method())
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        checked = pool.submit(_check_articles_apart, database, sources[:half])
        second_half = check_articles(database, sources[half:])
        try:
            first_half = checked.result()
        except BrokenProcessPool:
            first_half = check_articles(database, sources[:half])
    return first_half, second_half


def _check_articles_apart(database: Path, sources: list[tuple[str, Path]]) -> Coverage:
    fault_point("coverage-process")
    return check_articles(database, sources)


def _unlisted_ignore_files(sources: list[tuple[str, Path]]) -> list[Problem]:
    if not ignore_dir().is_dir():
        return []
    listed = {source_id for source_id, _ in sources}
    return [Problem(paths.relative(path), f"no source '{path.stem}' in {paths.relative(paths.SOURCES_FILE)} — remove "
                                          "the file or correct its name")
            for path in sorted(ignore_dir().glob("*.yml")) if path.stem not in listed]


def coverage_step(database: Path, say: Callable[[str], None]) -> None:
    """Build step: fail on any figure left unaccounted; report stale ignore entries."""
    coverage = check_coverage(database)
    for problem in coverage.stale:
        say(f"stale: {problem}")
    if coverage.unaccounted:
        raise CoverageFailed(coverage.unaccounted)
    say("coverage: every figure and date of the articles is quoted by a claim or ignored with a reason")
