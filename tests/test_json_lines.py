"""The one-pass reader of JSON-lines claims reads exactly what the line-by-line reader reads, and leaves every
line it cannot read alone to it (which names the problem); a file that cannot be read is named as people see
it (relative to the project, as pathlib would give it)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from etl import paths
from etl.inputs import load
from etl.inputs.load import MAX_LINE_BYTES, _json_line, _parsed_lines, read_json_lines

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


def test_a_claims_file_over_the_limit_is_named_with_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 16)
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "a-1"}\n' * 100)  # 1,400 bytes, the limit 16 x 64 = 1,024
    errors: list = []
    assert read_json_lines(path, errors) is None
    assert [(error.line, error.field, error.problem) for error in errors] == [(0, "file", "larger than 0 MB")]


def test_a_claims_file_that_cannot_be_read_is_named_with_the_reason(tmp_path):
    (tmp_path / "a.jsonl").mkdir()
    errors: list = []
    assert read_json_lines(tmp_path / "a.jsonl", errors) is None
    assert [(error.file, error.field, error.problem) for error in errors] == [
        (paths.relative(tmp_path / "a.jsonl"), "file", "cannot read: Is a directory")]


def test_a_bad_line_is_reported_with_the_file_and_line_the_good_ones_kept(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "a-1"}\n["a-2"]\n{"id": "a-3"}\n')
    errors: list = []
    loaded = read_json_lines(path, errors)
    assert [claim["id"] for claim in loaded.data["claims"]] == ["a-1", "a-3"]
    assert [(error.file, error.line) for error in errors] == [(paths.relative(path), 2)]


@pytest.mark.parametrize("inside", ["claims/a.jsonl", "claims/../sources/sources.yml", "claims//a.jsonl",
                                    "claims/./a.jsonl", ".", "..", "../other/a.jsonl", "../project2/a.jsonl", "/"])
def test_paths_are_shown_relative_to_the_project_as_pathlib_would(tmp_path, monkeypatch, inside):
    """The string test that relative() makes first gives what pathlib's relative_to gives, and falls back to it."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.setattr(paths, "ROOT", root)
    paths.relative.cache_clear()
    path = root / inside if not inside.startswith("/") else Path(inside)
    try:
        expected = str(Path(os.path.abspath(path)).relative_to(root))
    except ValueError:
        expected = str(path)
    try:
        assert paths.relative(path) == expected
    finally:
        paths.relative.cache_clear()
