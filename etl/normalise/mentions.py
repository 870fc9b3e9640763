"""Find the figures an article states (money, percentages, multiples, counts, dates) with their hedges."""
from __future__ import annotations

import re
from dataclasses import dataclass

from etl.normalise.dates import MONTHS, WEEKDAYS
from etl.normalise.hedges import PREFIXES
from etl.normalise.lookups import currency_marks, currency_words
from etl.normalise.numbers import DIRECTIONS, WORD_NUMBERS

# The kinds the coverage gate requires a claim (or an ignore entry with a reason) for; counts are only suggested.
GATED_KINDS = ("money", "percent", "multiple", "date")

_HEDGE = r"(?:(?:" + "|".join(sorted(map(re.escape, PREFIXES), key=len, reverse=True)) + r")\s+)?"
_MARK = "|".join(sorted(map(re.escape, currency_marks()), key=len, reverse=True))
_WORD = "|".join(sorted(map(re.escape, currency_words()), key=len, reverse=True))
_DIRECTION = (r"(?:(?:" + "|".join(sorted(map(re.escape, DIRECTIONS), key=len, reverse=True)) + r")\s+)?")
_NUMBER = r"\d[\d,]*(?:\.\d+)?"
_SCALE = r"(?:\s*(?:thousand|million|billion|trillion|mn|bn|tn)\b|[kmb]\b)"
_MONTH = r"(?:" + "|".join(sorted((m for m in MONTHS if len(m) > 3 or m == "may"), key=len, reverse=True)) + r")"
_MONTH_ABBR = r"(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.?"
_WEEKDAY = r"(?:" + "|".join(WEEKDAYS) + r")"
_WORDS = "|".join(sorted((w for w in WORD_NUMBERS if " " not in w), key=len, reverse=True))

PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("money", re.compile(
        rf"(?<![\w$]){_HEDGE}(?:{_MARK})\s?{_NUMBER}{_SCALE}?(?:-plus|\+)?"
        rf"|(?<![\w$]){_HEDGE}{_NUMBER}{_SCALE}?\s+(?:{_WORD})\b(?:\s*\((?:{_MARK})\s?{_NUMBER}{_SCALE}?\))?",
        re.I)),
    ("percent", re.compile(rf"(?<![\w.]){_DIRECTION}{_HEDGE}{_NUMBER}\s?(?:%|per ?cent\b|percent\b)", re.I)),
    ("multiple", re.compile(rf"\b{_HEDGE}(?:\d+(?:\.\d+)?|{_WORDS})-?fold\b", re.I)),
    ("date", re.compile(
        rf"\b(?:{_WEEKDAY},?\s+)?(?:{_MONTH}|{_MONTH_ABBR})\s+\d{{1,2}},?\s+\d{{4}}\b"
        rf"|\b(?:{_MONTH}|{_MONTH_ABBR})\s+\d{{4}}\b"
        rf"|\b(?:(?:earlier|later)\s+)?(?:this|last|next)\s+(?:year|month|week)\b"
        rf"|\b(?:on\s+)?{_WEEKDAY}\b"
        rf"|\b(?:in\s+)?the\s+(?:last|past)\s+(?:\d+|{_WORDS})\s+(?:day|week|month|year)s\b"
        rf"|\b(?:\d+|{_WORDS})\s+(?:day|week|month|year)s?\s+ago\b"
        rf"|\b(?:(?:{_WORDS}|\d+)-)?year-old\b"
        rf"|\b{_MONTH}\b(?!\s+\d)"
        rf"|(?<![\w$.,-])(?:19|20)\d{{2}}(?![\w%.,]\d|\w|-\d)",
        re.I)),
    ("count", re.compile(rf"(?<![\w$.,-]){_HEDGE}(?!(?:19|20)\d\d\b)\d+(?:,\d{{3}})*[ \u00a0]+(?!(?:in|on|at|to|of|than|and|or|is|are|was|were|said|the|a)\b)"
        rf"(?:[a-z-]+[ \u00a0]+){{0,2}}[a-z]+s\b", re.I)),
)


def _first_words(*phrases: str) -> frozenset[str]:
    """The first word of each phrase (a pattern's alternatives, split on |), lower case."""
    return frozenset(re.match(r"\W*(\w*)", phrase).group(1).lower()
                     for phrase in "|".join(phrases).split("|")) - {""}


# Every pattern opens with \b or with a lookbehind that refuses a word character before it, and its first piece
# is a hedge, direction, currency, number or date word, a digit, or a currency sign. So a figure starts only at a
# token (a run of letters, a run of word characters opening with a digit, or a sign): at one whose word opens a
# phrase of its kind (see _STARTS; "tenfold" is one word), that opens with a digit or holds a letter other than
# ASCII (which case folding may match), or at a sign. Each pattern is tried there alone, not at every character:
# trying every pattern at every character took 0.7 ms of an article's coverage check at a million claims (56 s
# of the build); a pattern tried at more tokens than needed finds the same (tests/test_coverage.py).
_SIGNS = "".join(sorted({mark[0] for mark in currency_marks() if not re.match(r"\w", mark)}))
_NUMBER_WORDS = [word for word in WORD_NUMBERS if " " not in word]
_STARTS = {
    "money": _first_words(*PREFIXES, *currency_marks()) | set(_SIGNS),
    "percent": _first_words(*DIRECTIONS, *PREFIXES),
    "multiple": _first_words(*PREFIXES, *_NUMBER_WORDS) | {f"{word}fold" for word in _NUMBER_WORDS},
    "date": _first_words(_MONTH, _MONTH_ABBR, _WEEKDAY, _WORDS, "earlier|later|this|last|next|on|in|the|year"),
    "count": _first_words(*PREFIXES),
}
_PATTERN = dict(PATTERNS)
_KINDS_STARTED_BY = {word: tuple(kind for kind in _PATTERN if word in _STARTS[kind])
                     for word in set().union(*_STARTS.values())}
# Letters apart from the digits after them: a currency mark may open a run of word characters ("USD20").
_TOKEN = re.compile(r"[^\W\d]+|\d\w*|[" + re.escape(_SIGNS) + "]")
# Capitalised month names that are usually other words.
_NOT_MONTHS = {"may", "march"}


@dataclass(frozen=True, order=True)
class Mention:
    start: int
    end: int
    kind: str
    phrase: str

    def inside(self, start: int, end: int) -> bool:
        return start <= self.start and self.end <= end


def find_mentions(text: str, kinds: tuple[str, ...] = (*GATED_KINDS, "count")) -> list[Mention]:
    """Every figure of the wanted kinds, longest first where two overlap, in text order."""
    matches = pattern_matches(text, kinds)
    found = [Mention(match.start(), match.end(), kind, match.group(0))
             for kind, _ in PATTERNS for match in matches.get(kind, ())
             if kind != "date" or _is_date(match.group(0), text, match.start())]
    kept: list[Mention] = []
    for mention in sorted(found, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(mention.start < other.end and other.start < mention.end for other in kept):
            kept.append(mention)
    return sorted(kept)


def pattern_matches(text: str, kinds: tuple[str, ...]) -> dict[str, list[re.Match]]:
    """What each kind's pattern.finditer(text) gives, each pattern tried only where its figure can start (see
    _STARTS)."""
    found: dict[str, list[re.Match]] = {kind: [] for kind, _ in PATTERNS if kind in kinds}
    ends = dict.fromkeys(found, 0)
    for token in _TOKEN.finditer(text):
        word = token.group()
        if word.isascii() and not word[0].isdigit():
            started = _KINDS_STARTED_BY.get(word.lower())
            if started is None:
                continue
        else:
            started = _PATTERN
        start = token.start()
        for kind in started:
            if kind in found and start >= ends[kind]:
                match = _PATTERN[kind].match(text, start)
                if match:
                    ends[kind] = match.end()
                    found[kind].append(match)
    return found


def _is_date(phrase: str, text: str, start: int) -> bool:
    """A lone month name counts only when it is capitalised and not a verb ('May', 'March on')."""
    word = phrase.strip()
    if word.lower() in MONTHS and " " not in word:
        return word[0].isupper() and word.lower() not in _NOT_MONTHS or _after_preposition(text, start)
    return True


def _after_preposition(text: str, start: int) -> bool:
    before = text[max(0, start - 12):start].lower().split()
    return bool(before) and before[-1] in ("in", "since", "by", "until", "from", "of")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence (or line) holding [start, end): from after the previous full stop or line break."""
    stop = text.rfind(". ", 0, start)
    left = max(stop + 2 if stop >= 0 else 0, text.rfind("\n", 0, start) + 1)
    stops = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    right = min(stops) + 1 if stops else len(text)
    if text[right - 1:right] == "\n":
        right -= 1
    return left, right
