"""The phrase tables in etl/normalise/lookups/: every entry has a reason and a value the vocabularies allow."""
from __future__ import annotations

import pytest
import yaml

from etl.normalise import lookups
from etl.normalise.money import parse_money
from etl.schema.vocab import CURRENCIES, ROUND_STATUSES


def test_every_currency_entry_has_an_iso_4217_code_and_a_reason():
    for table in (lookups.currency_marks(), lookups.currency_words()):
        assert table
        for written, (code, reason) in table.items():
            assert code in CURRENCIES and reason.strip(), written


def test_every_status_phrase_has_a_status_and_a_reason():
    assert lookups.status_phrases()
    for words, (status, reason) in lookups.status_phrases().items():
        assert status in ROUND_STATUSES and reason.strip(), words


def test_the_iso_4217_list_is_the_maintained_one():
    assert {"USD", "CNY", "EUR", "HKD", "KPW", "XAU"} <= CURRENCIES
    assert "ZZZ" not in CURRENCIES
    assert parse_money("300 million HKD").currency == "HKD"


def test_an_entry_without_a_reason_is_refused(tmp_path, monkeypatch):
    (tmp_path / "status_phrases.yml").write_text(yaml.safe_dump({"closed": {"status": "completed"}}))
    monkeypatch.setattr(lookups, "FOLDER", tmp_path)
    lookups.status_phrases.cache_clear()
    try:
        with pytest.raises(ValueError, match="'closed' needs a status"):
            lookups.status_phrases()
    finally:
        lookups.status_phrases.cache_clear()
