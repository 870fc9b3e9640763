"""A claim's facts read like its row: the same value for every column reconciliation reads, None where absent."""
from __future__ import annotations

from etl.reconcile.facts import FACT_KEYS, ClaimFacts

ROW = {"claim_id": "a-1", "source_id": "a", "subject_id": "acme", "predicate_id": "round_amount", "object_id": None,
       "round_id": "acme-2024", "value_phrase": "$5 million", "comparator": "exact", "amount": 5e6,
       "currency": "USD", "amount_usd": 5e6, "usd_rule": "usd", "amount_usd_digits": 1, "modality": "stated",
       "in_headline": 0, "quote": "Acme raised $5 million", "curated_in": "claims/a.jsonl:12", "note": "n"}


def test_facts_read_like_the_row():
    facts = ClaimFacts(ROW)
    for key in FACT_KEYS:
        assert facts[key] == ROW.get(key) and facts.get(key) == ROW.get(key), key
    assert facts.curated_in == facts["curated_in"] == "claims/a.jsonl:12"
    assert facts.get("date_period") is None and facts.get("no_such_column", "default") == "default"


def test_the_quote_is_kept_only_where_reconciliation_reads_it():
    assert ClaimFacts(ROW)["quote"] is None
    form = {**ROW, "predicate_id": "investment_form"}
    assert ClaimFacts(form)["quote"] == ROW["quote"]


def test_a_file_name_is_held_once_for_all_its_claims():
    first = ClaimFacts({**ROW, "curated_in": "claims/" + "a.jsonl:1"})
    second = ClaimFacts({**ROW, "curated_in": "claims/" + "a.jsonl:2"})
    assert first._file is second._file and (first._line, second._line) == (1, 2)


def test_every_fact_lands_in_its_own_slot():
    row = {**ROW, **{key: f"value of {key}" for key in FACT_KEYS}}
    facts = ClaimFacts(row)
    assert [facts[key] for key in FACT_KEYS] == [row[key] for key in FACT_KEYS]


def test_claims_are_written_a_source_at_a_time_in_the_tables_order():
    """Two files of one source are written together, sorted by quote start and id; facts are kept for all."""
    import pytest

    from etl.publish.rows import ClaimStream

    def claim(source: str, start: int, claim_id: str) -> dict:
        return {**ROW, "source_id": source, "quote_start": start, "claim_id": claim_id}

    written: list[list[str]] = []
    stream = ClaimStream(lambda rows: written.append([row["claim_id"] for row in rows]))
    stream.add([claim("a", 9, "a-1"), claim("a", 2, "a-3")])
    stream.add([claim("a", 2, "a-2")])
    stream.add([])
    stream.add([claim("b", 0, "b-1")])
    stream.flush()
    assert written == [["a-2", "a-3", "a-1"], ["b-1"]]
    assert [facts["claim_id"] for facts in stream.facts] == ["a-2", "a-3", "a-1", "b-1"]
    with pytest.raises(RuntimeError, match="out of source order"):
        stream.add([claim("a", 0, "a-9")])
