"""The fast reader of flat YAML gives what the YAML loader gives, lines included, or leaves the text to it."""
from __future__ import annotations

import json

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from etl.inputs.flat_yaml import read_flat
from etl.inputs.load import _items, _LineLoader, _node, read_yaml

KEYS = st.sampled_from(["id", "name", "kind", "aliases", "on", "note", "x_1", "Name", "a b"])
TEXT = st.text(st.characters(codec="utf-8"), max_size=8)
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(allow_nan=False), TEXT,
                   st.lists(TEXT, max_size=3), st.lists(st.integers(), max_size=2))
RAW = st.one_of(st.builds(json.dumps, VALUES), st.builds(lambda v: json.dumps(v, ensure_ascii=False), VALUES),
                st.sampled_from(["", "yes", "~", "plain words", "'single'", '"a" # note', "0x1F", "012", "1e3",
                                 '"\\ud83d\\ude00"', "[a, b]", '{"k": 1}', '"\\/"', "&anchor x", "*anchor"]))
EXTRA = st.sampled_from(["", "# a comment", "  # indented comment", "   ", "---", "-", "\t- id: \"x\"",
                         "    deeper: 1", "key: 1", "- [1]"])


@st.composite
def documents(draw) -> str:
    lines = []
    for _ in range(draw(st.integers(0, 3))):
        fields = draw(st.lists(st.tuples(KEYS, RAW), min_size=1, max_size=4))
        for index, (key, raw) in enumerate(fields):
            lines.append(f"{'- ' if index == 0 else '  '}{key}: {raw}{draw(st.sampled_from(['', '  ']))}")
            if draw(st.integers(0, 5)) == 0:
                lines.append(draw(EXTRA))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


def loaded(text: str):
    try:
        return yaml.load(text, Loader=_LineLoader)
    except Exception as error:  # noqa: BLE001 - any refusal of the YAML loader
        return error


def lines(value) -> object:
    """The lines the loaders attach: the list's, and each mapping's own and of its keys."""
    return getattr(value, "line", None), [(item.line, item.key_lines, [getattr(v, "line", None) for v in item.values()])
                                         for item in value if hasattr(item, "line")]


@settings(max_examples=600, deadline=None)
@given(documents())
@example('- id: "a"\n  aliases: ["A", "B"]\n\n- id: "b"\n  aliases: []\n')
@example('- on: "a"\n')
@example('- id: "\\ud83d\\ude00"\n')
@example('- id: "a"\n  id: "b"\n')
@example('- id: ""\n  name: "a\\"b"  \n  note: "x # y"\n')
@example('- id: "a"b"\n')
def test_flat_yaml_reads_what_yaml_reads_or_nothing(text: str):
    flat = read_flat(text, _node, _items)
    if flat is None:
        return
    full = loaded(text)
    assert not isinstance(full, Exception), f"flat read text YAML refuses: {full}"
    assert flat == full
    assert lines(flat) == lines(full)
    assert [[type(v) for v in item.values()] for item in flat] == [[type(v) for v in item.values()] for item in full]


def test_what_synth_writes_is_read_flat():
    text = ('- id: "acme"\n  name: "Acme \\u00e9"\n  country: null\n  aliases: ["Acme AI"]\n  count: 3\n\n'
            '- id: "beta"\n  name: "Beta"\n  country: "CN"\n  aliases: []\n  count: -1\n')
    flat = read_flat(text, _node, _items)
    assert flat == [{"id": "acme", "name": "Acme é", "country": None, "aliases": ["Acme AI"], "count": 3},
                    {"id": "beta", "name": "Beta", "country": "CN", "aliases": [], "count": -1}]
    assert flat.line == 1 and [item.line for item in flat] == [1, 7]
    assert flat[1].key_lines == {"id": 7, "name": 8, "country": 9, "aliases": 10, "count": 11}


def test_anything_else_is_left_to_the_yaml_loader():
    for text in ['id: "a"\n', '- id: a\n', '- id: "a"\n  id: "b"\n', '- id: "a" # c\n', '- id: "a"\r\n',
                 '- yes: "a"\n', '- id: 1.5\n', '- id: "\\ud83d\\ude00"\n', "- id: \"a\"\n    deep: 1\n",
                 '- id: "a"\n  note: "' + "x" * 70_000 + '"\n']:
        assert read_flat(text, _node, _items) is None, text


def test_a_big_flat_file_is_read_and_a_big_other_one_refused(tmp_path):
    """Flat files may exceed the YAML limit (a million claims' sources.yml is about 31 MB); others may not."""
    from etl.inputs import load

    item = '- id: "{}"\n  note: "' + "x" * 200 + '"\n\n'
    flat = tmp_path / "flat.yml"
    flat.write_text("".join(item.format(f"e{n}") for n in range(2000)), encoding="utf-8")
    other = tmp_path / "other.yml"
    other.write_text("".join(item.replace('"', "").format(f"e{n}") for n in range(2000)), encoding="utf-8")
    limit = flat.stat().st_size // 2
    errors: list = []
    original = load.MAX_FILE_BYTES
    load.MAX_FILE_BYTES = limit
    try:
        assert len(read_yaml(flat, errors).data) == 2000
        assert read_yaml(other, errors) is None
    finally:
        load.MAX_FILE_BYTES = original
    assert [error.problem for error in errors] == [f"larger than {limit // 1024 // 1024} MB"]
