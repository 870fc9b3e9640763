"""Anchor quotes in their source text: match forgiving whitespace and typography, store exact offsets."""
from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

TYPOGRAPHY = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\n": " ", "\r": " ",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
})


@dataclass(frozen=True)
class FoldedText:
    """Text folded for matching, with the index in the original text of every folded character."""

    folded: str
    origin: tuple[int, ...]
    length: int

    @classmethod
    def of(cls, text: str) -> "FoldedText":
        chars, origin = [], []
        for index, char in enumerate(text.translate(TYPOGRAPHY)):
            if char == " " and chars and chars[-1] == " ":
                continue
            chars.append(char)
            origin.append(index)
        return cls("".join(chars), tuple(origin), len(text))

    def find_all(self, phrase: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Original (start, end) spans of every occurrence of phrase within [start, end)."""
        needle = fold(phrase)
        if not needle:
            return []
        spans, position = [], self._folded_index(start)
        while (found := self.folded.find(needle, position)) >= 0:
            span = (self.origin[found], self.origin[found + len(needle) - 1] + 1)
            if end is not None and span[1] > end:
                break
            spans.append(span)
            position = found + 1
        return spans

    def _folded_index(self, original: int) -> int:
        return bisect_left(self.origin, original)


def fold(phrase: str) -> str:
    return " ".join(phrase.translate(TYPOGRAPHY).split())


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
