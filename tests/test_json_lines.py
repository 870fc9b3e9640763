"""The one-pass reader of JSON-lines claims reads exactly what the line-by-line reader reads, and leaves every
line it cannot read alone to it (which names the problem)."""
from __future__ import annotations

import pytest

from etl.inputs.load import MAX_LINE_BYTES, _json_line, _parsed_lines

GOOD = [
    b'{"id": "a-1", "quote": "raised \\u00a350 million", "occurrence": 2}\n{"id": "a-2", "note": null}\n',
    b'\n  {"id": "a-1"}  \r\n\n\t{"id": "a-2", "value": "\xe2\x80\x9c$5\xe2\x80\x9d"}\t',
    b'{"id": "a-1", "nested": {"k": [1, 2.5, true]}}',
    b"",
]
NOT_ONE_OBJECT_A_LINE = [
    b'\xef\xbb\xbf{"id": "a-1"}\n',  # byte order mark
    b'{"id": "a-1"} {"id": "a-2"}\n',  # two objects on a line
    b'{"id": "a-1",\n"quote": "x"}\n',  # one object over two lines
    b'["a-1"]\n',  # not an object
    b'{"amount": NaN}\n',  # no JSON number
    b'{"id": "\xff"}\n',  # not UTF-8
    b'{"id": "a-1"} x\n',  # trailing text
    b'{"id": "a-1"}\x0c\n',  # a form feed after the object: no JSON whitespace
    b'{"note": "' + b"x" * MAX_LINE_BYTES + b'"}\n',  # too long
]


@pytest.mark.parametrize("data", GOOD)
def test_one_pass_reads_what_the_line_reader_reads(data: bytes):
    errors: list = []
    by_line = [claim for number, raw in enumerate(data.split(b"\n"), start=1)
               if (claim := _json_line(raw, number, "claims/x.jsonl", errors)) is not None]
    fast = _parsed_lines(data)
    assert not errors
    assert fast == by_line
    assert [claim.line for claim in fast] == [claim.line for claim in by_line]
    assert all(claim.key_lines == {} for claim in fast)


@pytest.mark.parametrize("data", NOT_ONE_OBJECT_A_LINE)
def test_one_pass_leaves_every_other_line_to_the_line_reader(data: bytes):
    assert _parsed_lines(data) is None
    errors: list = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        _json_line(raw, number, "claims/x.jsonl", errors)
    assert errors  # the line reader reports it, at its line
