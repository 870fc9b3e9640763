"""Anchor quotes in their source text: match forgiving whitespace and typography, store exact offsets."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from etl import memos

TYPOGRAPHY = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\n": " ", "\r": " ",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
})


# What TYPOGRAPHY changes, as (character, replacement): in ASCII text only tab and line breaks. No replacement is
# itself replaced, so one replace after another gives what translate gives.
_FOLDS = tuple((chr(code), replacement) for code, replacement in TYPOGRAPHY.items())
_ASCII_FOLDS = tuple((char, replacement) for char, replacement in _FOLDS if char.isascii())


def typography(text: str) -> str:
    """text.translate(TYPOGRAPHY) by str.replace: translate looks every character up in a dictionary (a synthetic
    article in ASCII: 1.2 µs against 9; one with a curly quote: 3.5 µs against 120), for every quote and article
    of a million claims."""
    for char, replacement in _ASCII_FOLDS if text.isascii() else _FOLDS:
        if char in text:
            text = text.replace(char, replacement)
    return text


@dataclass(frozen=True)
class FoldedText:
    """Text folded for matching, and where each folded character stands in the original text.

    Folding maps characters one to one except that a run of spaces keeps only its first, so the position in
    the original is the folded position plus the characters dropped before it: a step function stored by its
    steps (a few per article), not one integer per character.
    """

    folded: str
    steps: tuple[int, ...]  # folded positions from which the original is further ahead …
    shifts: tuple[int, ...]  # … by this many characters
    length: int
    step_origins: tuple[int, ...] = ()  # where each step's character stands in the original

    @classmethod
    def of(cls, text: str) -> "FoldedText":
        translated = typography(text)
        if "  " not in translated:  # no run of spaces: nothing to fold
            return cls(translated, (), (), len(text))
        # The runs found by str.find (an article has a few, from its paragraph breaks: 3 µs, against 12 for a
        # pattern tried at each of its hundred spaces); the folded text is made from the same runs.
        steps, shifts, kept, dropped, last = [], [], [], 0, 0
        start = translated.find("  ")
        while start >= 0:
            end = start + 2
            while translated.startswith(" ", end):
                end += 1
            kept.append(translated[last:start + 1])
            last = end
            dropped += end - start - 1
            steps.append(end - dropped)
            shifts.append(dropped)
            start = translated.find("  ", end)
        kept.append(translated[last:])
        return cls("".join(kept), tuple(steps), tuple(shifts), len(text),
                   tuple(step + shift for step, shift in zip(steps, shifts)))

    def origin(self, index: int) -> int:
        """Position in the original text of the folded character at index."""
        step = bisect_right(self.steps, index) - 1
        return index + (self.shifts[step] if step >= 0 else 0)

    def contains(self, phrase: str) -> bool:
        """Whether phrase occurs anywhere: bool(find_all(phrase)), without finding every occurrence."""
        needle = fold(phrase)
        return bool(needle) and needle in self.folded

    def find_all(self, phrase: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Original (start, end) spans of every occurrence of phrase within [start, end)."""
        needle = fold(phrase)
        if not needle:
            return []
        folded, spans, width = self.folded, [], len(needle)
        found = folded.find(needle, self._folded_index(start) if start else 0)
        if not self.steps:  # no run of spaces was folded: positions are the original's
            while found >= 0 and (end is None or found + width <= end):
                spans.append((found, found + width))
                found = folded.find(needle, found + 1)
            return spans
        while found >= 0:
            span = (self.origin(found), self.origin(found + width - 1) + 1)
            if end is not None and span[1] > end:
                break
            spans.append(span)
            found = folded.find(needle, found + 1)
        return spans

    def _folded_index(self, original: int) -> int:
        """The first folded position whose original position is at or after original (inside a dropped run of
        spaces, the character after the run)."""
        step = bisect_right(self.step_origins, original) - 1
        index = original - (self.shifts[step] if step >= 0 else 0)
        if step + 1 < len(self.steps) and index > self.steps[step + 1]:
            index = self.steps[step + 1]
        return min(index, len(self.folded))


# Names, value and date phrases, and the quotes of neighbouring claims repeat: each spelling is folded once
# (the quotes of a source's claims sit together, so a few thousand recent spellings are enough).
@memos.memo(maxsize=1 << 13)
def fold(phrase: str) -> str:
    return " ".join(typography(phrase).split())


@dataclass(frozen=True)
class Anchor:
    start: int
    end: int
    occurrence: int
    occurrences: int


def anchor_quote(text: FoldedText, quote: str, occurrence: int | None) -> Anchor | None:
    """Where the quote stands; None when absent or when the wanted occurrence does not exist."""
    spans = text.find_all(quote)
    wanted = occurrence or 1
    if not spans or not 1 <= wanted <= len(spans):
        return None
    start, end = spans[wanted - 1]
    return Anchor(start, end, wanted, len(spans))


def anchor_phrase(text: FoldedText, phrase: str, quote: Anchor) -> tuple[int, int] | None:
    """First span of phrase inside the quote's span."""
    spans = text.find_all(phrase, quote.start, quote.end)
    return spans[0] if spans else None


@dataclass(frozen=True)
class NearMiss:
    """The passage of the text closest to a quote that is not there, and where the two first part."""

    passage: str
    start: int
    quote_char: str
    text_char: str
    quote_word: str
    text_word: str
    at: int

    def describe(self) -> str:
        if self.quote_word != self.text_word and not _typographic(self.quote_char, self.text_char):
            difference = f"the quote has '{self.quote_word}' where the text has '{self.text_word}'"
        else:
            difference = f"the quote has {_char_name(self.quote_char)} where the text has {_char_name(self.text_char)}"
        return f"closest passage \"{self.passage}\"; first difference at character {self.at + 1}: {difference}"


def _typographic(first: str, second: str) -> bool:
    return not (first.isalnum() and second.isalnum())


def _char_name(char: str) -> str:
    import unicodedata

    if not char:
        return "nothing (the text ends)"
    return f"'{char}' ({unicodedata.name(char, f'U+{ord(char):04X}')})"


def _word_at(text: str, index: int) -> str:
    if index >= len(text):
        return ""
    left, right = index, index
    while left > 0 and not text[left - 1].isspace():
        left -= 1
    while right < len(text) and not text[right].isspace():
        right += 1
    return text[left:right]


def closest_passage(text: str, folded: FoldedText, quote: str) -> NearMiss | None:
    """Where the quote nearly stands: aligned on the longest run it shares with the text."""
    from difflib import SequenceMatcher

    needle = FoldedText.of(quote.strip())
    if not needle.folded or not folded.folded:
        return None
    match = SequenceMatcher(None, folded.folded, needle.folded, autojunk=False).find_longest_match(
        0, len(folded.folded), 0, len(needle.folded))
    if match.size == 0:
        return None
    begin = max(0, match.a - match.b)
    window = folded.folded[begin:begin + len(needle.folded)]
    at = next((i for i, (a, b) in enumerate(zip(needle.folded, window)) if a != b), min(len(window), len(needle.folded)))
    start = folded.origin(begin)
    last = folded.origin(min(begin + len(needle.folded), len(folded.folded)) - 1) + 1
    while last < len(text) and text[last].isalnum():
        last += 1
    quote_index = needle.origin(at) if at < len(needle.folded) else len(quote.strip())
    text_index = folded.origin(begin + at) if begin + at < len(folded.folded) else len(text)
    stripped = quote.strip()
    return NearMiss(" ".join(text[start:last].split()), start, stripped[quote_index:quote_index + 1],
                    text[text_index:text_index + 1], _word_at(stripped, quote_index), _word_at(text, text_index), at)
