"""The fast schema test never passes a document that the JSON Schema validator rejects."""
from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from etl import paths
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
