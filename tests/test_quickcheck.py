"""The fast schema test never passes a document that the JSON Schema validator rejects."""
from __future__ import annotations

import json

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import paths
from etl.inputs import quickcheck
from etl.inputs.load import quick_check, schema_validator
from etl.inputs.quickcheck import compile_schema

GOOD = {"id": "a-1", "subject": "MiniMax", "predicate": "round_amount", "object": None, "value": "$600 million",
        "date": None, "round": "minimax-2024", "modality": "stated", "quote": "raised $600 million", "occurrence": 1,
        "note": None}
ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.floats(allow_nan=False, width=16),
                       st.sampled_from(["", "x", "A B", "a-b", "a--b", "stated", "round_amount", "Round"]),
                       st.lists(st.just("x"), max_size=1), st.dictionaries(st.just("k"), st.just(1), max_size=1))


@st.composite
def documents(draw) -> dict:
    claims = []
    for _ in range(draw(st.integers(0, 3))):
        claim = dict(GOOD)
        for key in draw(st.lists(st.sampled_from([*GOOD, "extra"]), max_size=3)):
            if draw(st.booleans()):
                claim.pop(key, None)
            else:
                claim[key] = draw(ODD_VALUES)
        claims.append(claim)
    document = {"source_id": draw(st.sampled_from(["bt-1", "BT", 3])), "claims": claims}
    if draw(st.booleans()):
        document["more"] = 1
    return document


@settings(max_examples=500, deadline=None)
@given(documents())
def test_quick_check_never_passes_an_invalid_document(document: dict):
    """It may send a valid document to the validator (e.g. 1.0 as an integer), never pass an invalid one."""
    if quick_check("claims")(document):
        assert not list(schema_validator("claims").iter_errors(document))


def test_a_good_claims_document_passes_the_quick_check():
    assert quick_check("claims")({"source_id": "bt-1", "claims": [GOOD, {**GOOD, "id": "a-2"}]})


def test_every_input_schema_is_either_compiled_or_left_to_the_validator():
    for path in sorted(paths.SCHEMAS_DIR.glob("*.schema.json")):
        check = compile_schema(json.loads(path.read_text(encoding="utf-8")))
        assert check is None or callable(check), path.name


def test_an_unknown_keyword_leaves_the_decision_to_the_validator():
    assert compile_schema({"type": "string", "format": "date"}) is None


ENTITY = {"id": "acme", "name": "Acme", "kind": "company", "country": "CN", "country_evidence": "Chinese",
          "parent": None, "aliases": ["Acme AI"], "note": None}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*ENTITY, "extra"]), max_size=3), st.lists(ODD_VALUES, min_size=3, max_size=3))
def test_quick_check_never_passes_an_invalid_entity(keys: list[str], values: list):
    entity = dict(ENTITY)
    for key, value in zip(keys, values):
        if value == "x":
            entity.pop(key, None)
        else:
            entity[key] = value
    if quick_check("entities")([entity]):
        assert not list(schema_validator("entities").iter_errors([entity]))


def test_a_country_without_its_evidence_fails_the_quick_check():
    """dependentRequired is checked, so entities.yml need not go to the full validator on every build."""
    without = {key: value for key, value in ENTITY.items() if key != "country_evidence"}
    assert quick_check("entities")([ENTITY])
    assert not quick_check("entities")([without])
    assert list(schema_validator("entities").iter_errors([without]))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from([0.0, 1.0, 2.5]),
                    st.sampled_from(["", "a", "ab", "a-b", "A", "1", "-a"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3)), max_leaves=6)


def schema_keywords(inner):
    """A schema node of any mix of the keywords quickcheck compiles, its sub-schemas drawn from inner."""
    return st.fixed_dictionaries({}, optional={
        "type": st.one_of(st.sampled_from(["string", "integer", "null", "boolean", "object", "array"]),
                          st.lists(st.sampled_from(["string", "integer", "null", "boolean"]), min_size=1, max_size=3)),
        "enum": st.lists(SCALARS, min_size=1, max_size=3),
        "pattern": st.sampled_from(["^[a-z]+$", "-", "^a"]),
        "minLength": st.integers(0, 2),
        "minimum": st.integers(-1, 2),
        "required": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True),
        "additionalProperties": st.booleans(),
        "properties": st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=2),
        "dependentRequired": st.dictionaries(st.sampled_from(["a", "b"]), st.lists(st.sampled_from(["b", "c"]),
                                                                                max_size=2), max_size=1),
        "items": inner,
    })


SCHEMAS = st.recursive(st.just({}), schema_keywords, max_leaves=4)


@settings(max_examples=1500, deadline=None)
@given(SCHEMAS, JSON_VALUES)
def test_a_compiled_schema_never_passes_what_the_validator_rejects(schema: dict, value):
    """Any mix of the keywords it compiles, on any JSON value: True only where the validator finds nothing."""
    check = compile_schema(schema)
    assert check is not None
    if check(value):
        assert not list(jsonschema.Draft202012Validator(schema).iter_errors(value)), (schema, value)


@pytest.mark.parametrize("schema, good, bad", [
    ({"type": "string", "pattern": "^[a-z]+$", "minLength": 2}, "ab", "a"),
    ({"type": ["integer", "null"], "minimum": 1}, None, 0),
    ({"enum": [1, "one"]}, "one", True),
    ({"enum": [[1], "x"]}, [1], [2]),
    ({"type": "object", "required": ["a"], "additionalProperties": False, "properties": {"a": {"type": "integer"}}},
     {"a": 1}, {"a": 1, "b": 2}),
    ({"dependentRequired": {"a": ["b"]}}, {"a": 1, "b": 2}, {"a": 1}),
    ({"type": "array", "items": {"type": "boolean"}}, [True, False], [True, 1]),
])
def test_a_compiled_schema_passes_the_good_value_and_fails_the_bad(schema: dict, good, bad):
    check = compile_schema(schema)
    assert check(good) and not check(bad)


def test_a_ref_may_point_back_to_its_own_definition():
    schema = {"$ref": "#/$defs/tree", "$defs": {"tree": {
        "type": "object", "additionalProperties": False,
        "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/tree"}}}}}}
    check = compile_schema(schema)
    assert check({"name": "a", "children": [{"name": "b", "children": []}]})
    assert not check({"name": "a", "children": [{"name": 1}]})


def test_keys_and_patterns_are_values_of_the_compiled_function_never_its_source():
    odd = 'a"]\nimport os #'
    check = compile_schema({"type": "object", "required": [odd], "properties": {odd: {"pattern": '"\n1/0 #'}}})
    assert check({odd: 'x"\n1/0 #'}) and not check({odd: "x"}) and not check({})


def test_a_pattern_python_cannot_compile_is_left_to_the_validator():
    assert compile_schema({"pattern": "("}) is None


def test_a_subclass_of_str_is_left_to_the_validator():
    class Text(str):
        pass
    assert compile_schema({"type": "string"})("a") and not compile_schema({"type": "string"})(Text("a"))


def test_texts_that_match_are_remembered_up_to_a_bound_and_others_never(monkeypatch):
    monkeypatch.setattr(quickcheck, "KNOWN_TEXTS", 3)
    known, searched = set(), []

    def search(text):
        searched.append(text)
        return text.startswith("a") or None
    assert [quickcheck._matches(known, search, text) for text in ("a1", "b", "a2", "a3")] == [True, False, True, True]
    assert known == {"a1", "a2", "a3"}
    assert quickcheck._matches(known, search, "a4") and known == {"a4"}
    check = compile_schema({"pattern": "^a"})
    assert [check(text) for text in ("a", "a", "b", "b")] == [True, True, False, False]
