"""Quote anchoring: tolerant matching, exact offsets into the untouched text."""
from etl.normalise.quotes import FoldedText, anchor_phrase, anchor_quote

TEXT = "Alibaba\u2019s cloud\u00a0unit \u2013 the \u201cbig\u201d one.\nAlibaba\u2019s cloud unit again."


def test_quote_typed_plainly_is_found_and_stored_exactly():
    text = FoldedText.of(TEXT)
    anchor = anchor_quote(text, "Alibaba's cloud unit - the \"big\" one.", None)
    assert TEXT[anchor.start:anchor.end] == "Alibaba\u2019s cloud\u00a0unit \u2013 the \u201cbig\u201d one."
    assert (anchor.start, anchor.occurrence, anchor.occurrences) == (0, 1, 1)


def test_line_breaks_and_runs_of_spaces_are_forgiven():
    text = FoldedText.of("one  two\n   three")
    anchor = anchor_quote(text, "one two three", None)
    assert (anchor.start, anchor.end) == (0, 17)


def test_the_claim_says_which_occurrence():
    text = FoldedText.of(TEXT)
    second = anchor_quote(text, "Alibaba's cloud unit", 2)
    assert TEXT[second.start:second.end] == "Alibaba\u2019s cloud unit"
    assert second.start > 30
    assert anchor_quote(text, "Alibaba's cloud unit", 3) is None


def test_words_are_not_forgiven():
    assert anchor_quote(FoldedText.of(TEXT), "Alibaba's cloud division", None) is None


def test_phrase_must_lie_inside_the_quote():
    text = FoldedText.of(TEXT)
    quote = anchor_quote(text, "the \"big\" one.", None)
    assert anchor_phrase(text, "big", quote) is not None
    assert anchor_phrase(text, "again", quote) is None
