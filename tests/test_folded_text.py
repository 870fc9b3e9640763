"""Folded text keeps its map to the original as steps; it must equal one position per character."""
from __future__ import annotations

from bisect import bisect_left

from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.normalise.quotes import TYPOGRAPHY, FoldedText, typography


def per_character(text: str) -> tuple[str, list[int]]:
    """The definition: drop a space that follows a space, remember where every kept character was."""
    chars, origin = [], []
    for index, char in enumerate(text.translate(TYPOGRAPHY)):
        if char == " " and chars and chars[-1] == " ":
            continue
        chars.append(char)
        origin.append(index)
    return "".join(chars), origin


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab \n\t\u00a0\u2019\u201c-", max_size=40))
@example("  a  ")
@example("a   b\n\n\nc \t")
def test_steps_give_the_same_positions_as_one_per_character(text: str):
    folded, origin = per_character(text)
    found = FoldedText.of(text)
    assert found.folded == folded
    assert [found.origin(index) for index in range(len(folded))] == origin
    assert [found._folded_index(i) for i in range(len(text) + 1)] == [bisect_left(origin, i) for i in range(len(text) + 1)]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(st.characters(max_codepoint=127)), st.text(alphabet="ab \r\n\t\u00a0\u2019\u2014"),
                 st.text(alphabet="a" + "".join(map(chr, TYPOGRAPHY)))))
def test_typography_is_translate_with_the_table_for_ascii_text_and_any_other(text: str):
    assert typography(text) == text.translate(TYPOGRAPHY)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab \n\u00a0\u2019", max_size=30), st.text(alphabet="ab \n\u2019'", max_size=4))
def test_contains_says_whether_find_all_finds_any(text: str, phrase: str):
    assert FoldedText.of(text).contains(phrase) == bool(FoldedText.of(text).find_all(phrase))
