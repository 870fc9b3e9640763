"""`etl synth`: a deterministic synthetic project that covers what the normalisers read and builds cleanly."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from etl import paths
from etl.normalise.hedges import PREFIXES, SUFFIXES
from etl.schema.vocab import COMPARATORS, MODALITIES
from tests.conftest import run_etl

CLAIMS = 1_000


def digest(root: Path) -> str:
    files = sorted(path for path in root.rglob("*") if path.is_file())
    return hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()


def claims_of(root: Path) -> list[dict]:
    return [json.loads(line) for path in sorted((root / "claims").glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "project"
    result = run_etl(root.parent, "synth", "--claims", str(CLAIMS), "--out", str(root))
    assert result.returncode == 0, result.stderr
    return root


def test_the_same_seed_writes_the_same_project(synthetic, tmp_path):
    again = tmp_path / "again"
    assert run_etl(tmp_path, "synth", "--claims", str(CLAIMS), "--out", str(again)).returncode == 0
    assert digest(again) == digest(synthetic)


def test_at_least_the_claims_asked_for(synthetic):
    assert len(claims_of(synthetic)) >= CLAIMS


def test_every_predicate_and_modality_is_used(synthetic):
    predicates = {item["id"] for item in yaml.safe_load(paths.PREDICATES_FILE.read_text(encoding="utf-8"))}
    claims = claims_of(synthetic)
    assert {claim["predicate"] for claim in claims} == predicates
    assert {claim["modality"] for claim in claims} == set(MODALITIES)


def test_a_not_empty_folder_is_refused(synthetic):
    result = run_etl(synthetic.parent, "synth", "--claims", "10", "--out", str(synthetic))
    assert result.returncode == 1
    assert result.stderr.strip() == f"{synthetic} is not empty — give a new folder, or remove it first"


def test_it_builds_validates_and_packages_with_every_planted_conflict_found(synthetic):
    """The whole `etl build`: every rule holds, so every conflict found is one of the planted, acknowledged ones."""
    result = run_etl(synthetic, "build")
    assert result.returncode == 0, result.stderr
    acknowledged = yaml.safe_load((synthetic / "expectations" / "acknowledged_conflicts.yml").read_text()) or []
    connection = sqlite3.connect(synthetic / "china_ai_investments.db")
    found = {row[0] for row in connection.execute("SELECT conflict_id FROM claim_conflicts")}
    comparators = {row[0] for row in connection.execute("SELECT DISTINCT comparator FROM claims")}
    currencies = {row[0] for row in connection.execute("SELECT DISTINCT currency FROM claims")}
    rules = {row[0] for row in connection.execute("SELECT DISTINCT usd_rule FROM claims")}
    precisions = {row[0] for row in connection.execute("SELECT DISTINCT date_precision FROM claims")}
    bases = {row[0] for row in connection.execute("SELECT DISTINCT date_basis FROM claims")}
    connection.close()
    assert found == {item["conflict_id"] for item in acknowledged} and found
    assert set(COMPARATORS) <= comparators
    assert {"USD", "CNY", "HKD", "EUR", "GBP", "SGD", "JPY"} <= currencies
    assert {"usd", "stated_in_text", "ecb_rate"} <= rules
    assert {"day", "week", "month", "year"} <= precisions and {"stated", "relative", "inferred"} <= bases


def test_every_hedge_word_is_written(synthetic):
    values = " ".join(claim["value"] or "" for claim in claims_of(synthetic)).lower()
    assert [word for word in PREFIXES if f"{word} " not in values] == []
    assert [word for word in SUFFIXES if word not in values] == []
