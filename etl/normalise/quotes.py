"""Anchor quotes in their source text: match forgiving whitespace and typography, store exact offsets."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

TYPOGRAPHY = str.maketrans({
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\t": " ", "\n": " ", "\r": " ",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2012": "-", "\u2212": "-",
})


_SPACE_RUN = re.compile(" {2,}")


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
        translated = text.translate(TYPOGRAPHY)
        steps, shifts, dropped = [], [], 0
        for run in _SPACE_RUN.finditer(translated):
            dropped += run.end() - run.start() - 1
            steps.append(run.end() - dropped)
            shifts.append(dropped)
        return cls(_SPACE_RUN.sub(" ", translated), tuple(steps), tuple(shifts), len(text),
                   tuple(step + shift for step, shift in zip(steps, shifts)))

    def origin(self, index: int) -> int:
        """Position in the original text of the folded character at index."""
        step = bisect_right(self.steps, index) - 1
        return index + (self.shifts[step] if step >= 0 else 0)

    def find_all(self, phrase: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
        """Original (start, end) spans of every occurrence of phrase within [start, end)."""
        needle = fold(phrase)
        if not needle:
            return []
        spans, position = [], self._folded_index(start)
        while (found := self.folded.find(needle, position)) >= 0:
            span = (self.origin(found), self.origin(found + len(needle) - 1) + 1)
            if end is not None and span[1] > end:
                break
            spans.append(span)
            position = found + 1
        return spans

    def _folded_index(self, original: int) -> int:
        """The first folded position whose original position is at or after original (inside a dropped run of
        spaces, the character after the run)."""
        step = bisect_right(self.step_origins, original) - 1
        index = original - (self.shifts[step] if step >= 0 else 0)
        if step + 1 < len(self.steps) and index > self.steps[step + 1]:
            index = self.steps[step + 1]
        return min(index, len(self.folded))



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
