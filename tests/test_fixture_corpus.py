"""The pipeline on the fixture corpus (tests/fixtures/corpus): two made-up articles whose every value is known.

Hedges, currencies (stated US-dollar figure, ECB rates), date forms (stated, relative, inferred ages), rounds,
conflicts and coverage, with expectations written down here because the fixture never grows.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from etl import paths
from tests.conftest import run_etl

CORPUS = Path(__file__).parent / "fixtures" / "corpus"
BUILD = """
import json, sys
from pathlib import Path
from etl.errors import InputErrors
from etl.publish.pipeline import build
from etl.validation.coverage import check_coverage
target = Path(sys.argv[1])
try:
    build(target)
except InputErrors as failure:
    print(json.dumps({"errors": [str(error) for error in failure.errors]}))
    sys.exit(0)
coverage = check_coverage(target)
print(json.dumps({"errors": [], "coverage": [str(p) for p in coverage.unaccounted + coverage.stale]}))
"""


def fixture_copy(root: Path) -> Path:
    shutil.copytree(CORPUS, root)
    shutil.copy(paths.PREDICATES_FILE, root / "reference" / "predicates.yml")
    return root


def build_fixture(root: Path) -> dict:
    env = {"ETL_ROOT": str(root), "GX_ANALYTICS_ENABLED": "False", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", BUILD, str(root / "fixture.db")], env=env, capture_output=True,
                            text=True, timeout=300, cwd=paths.PACKAGE_DIR.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    root = fixture_copy(tmp_path_factory.mktemp("fixture") / "corpus")
    outcome = build_fixture(root)
    assert outcome == {"errors": [], "coverage": []}
    connection = sqlite3.connect(root / "fixture.db")
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def claim(db, claim_id: str) -> dict:
    return dict(db.execute("SELECT * FROM claims WHERE claim_id = ?", (claim_id,)).fetchone())


@pytest.mark.parametrize("claim_id, amount, currency, comparator, usd_rule", [
    ("alpha-headline-amount", 2e8, "USD", "more_than", "usd"),            # -Plus
    ("alpha-round-amount", 2e8, "USD", "more_than", "usd"),               # more than
    ("alpha-valuation", 1e10, "CNY", "exact", "stated_in_text"),          # yuan with the text's own dollars
    ("beta-round-amount", 1.5e8, "EUR", "at_least", "ecb_rate"),          # at least, euro sign
    ("beta-seed-amount", 5e8, "HKD", "exact", "ecb_rate"),                # HK$
    ("beta-valuation", 1.5e9, "USD", "more_than", "usd"),
])
def test_money_keeps_its_hedge_and_currency(fixture_db, claim_id, amount, currency, comparator, usd_rule):
    row = claim(fixture_db, claim_id)
    assert (row["amount"], row["currency"], row["comparator"], row["usd_rule"]) == (amount, currency, comparator,
                                                                                   usd_rule)


def test_us_dollars_come_from_the_text_or_from_an_ecb_rate(fixture_db):
    assert claim(fixture_db, "alpha-valuation")["amount_usd"] == 1.4e9
    euro = fixture_db.execute("SELECT c.amount_usd, c.amount_usd_digits, f.rate FROM claims c JOIN fx_rates f "
                              "USING (fx_rate_id) WHERE claim_id = 'beta-round-amount'").fetchone()
    # "€150 million" has three significant digits, and so has its conversion: never more than the source gives.
    assert (euro["amount_usd"], euro["amount_usd_digits"]) == (float(f"{1.5e8 * euro['rate']:.3g}"), 3)
    assert 1.0 < euro["rate"] < 1.2


@pytest.mark.parametrize("claim_id, number, unit, comparator", [
    ("alpha-cloud-credit-share", 0.5, "fraction", "nearly"),
    ("alpha-valuation-multiple", 8.0, "multiple", "about"),
    ("alpha-models-released", 3.0, "count", "exact"),
    ("alpha-growth-rate", 80.0, "percent", "about"),
    ("beta-engineers", 200.0, "count", "nearly"),
    ("beta-alibaba-shares", -2.5, "percent", "exact"),
])
def test_figures_keep_their_hedge_and_direction(fixture_db, claim_id, number, unit, comparator):
    row = claim(fixture_db, claim_id)
    assert (row["value_number"], row["value_unit"], row["comparator"]) == (number, unit, comparator)


@pytest.mark.parametrize("claim_id, date, precision, basis", [
    ("alpha-founded", "2021-03", "month", "stated"),             # March 2021
    ("alpha-round-amount", "2024-05-14", "day", "relative"),     # on Tuesday, published on a Tuesday
    ("alpha-valuation-multiple", "2023", "year", "relative"),    # last year
    ("alpha-models-released", "2024", "year", "relative"),       # this year
    ("alpha-growth-rate", "2024-05-14", "day", "relative"),      # in the last 12 months
    ("beta-seed-amount", "2023-02", "month", "stated"),          # February 2023
    ("beta-engineers", "2024-02", "month", "inferred"),          # In February, in a source whose year is inferred
    ("beta-founded", "2021-01-02", "range", "inferred"),         # two-year-old in 2024: 2021-01-02 to 2022-12-31
    ("beta-alibaba-shares", "2024", "year", "inferred"),         # last week, in a source whose year is inferred
])
def test_every_date_form_resolves_with_precision_and_basis(fixture_db, claim_id, date, precision, basis):
    row = claim(fixture_db, claim_id)
    assert (row["date"], row["date_precision"], row["date_basis"]) == (date, precision, basis)


def test_rounds_are_reconciled_from_every_article(fixture_db):
    rounds = {row["round_id"]: dict(row) for row in fixture_db.execute("SELECT * FROM funding_rounds")}
    assert sorted(rounds) == ["orbitwave-2023", "orbitwave-2024"]
    assert (rounds["orbitwave-2024"]["amount_usd"], rounds["orbitwave-2024"]["amount_comparator"]) == (2e8,
                                                                                                      "more_than")
    lead = fixture_db.execute("SELECT investor_id, role FROM round_investors WHERE round_id = 'orbitwave-2024'")
    assert [tuple(row) for row in lead] == [("alibaba", "lead")]


def test_disagreements_are_kept_as_conflicts(fixture_db):
    conflicts = {row[0] for row in fixture_db.execute("SELECT conflict_id FROM claim_conflicts")}
    # The headline's "Tops $1.5 Billion" is approximate and the two-year-old's founding range holds March 2021:
    # only the body figures disagree.
    assert conflicts == {"alpha-valuation--beta-valuation"}


@pytest.mark.parametrize("edit, expected", [
    (("claims/beta-orbitwave-2024.yml", "value: HK$500 million", "value: 500 million zorkmids"),
     "value: '500 million zorkmids' is not inside the quote"),
    (("claims/alpha-orbitwave-2024-05-14.yml", "quote: roughly eightfold its valuation last year",
      "quote: roughly eightfold its value last year"),
     "quote: quote not found in sources/articles/alpha-orbitwave-2024-05-14.txt; closest passage \"roughly "
     "eightfold its valuation last year\"; first difference at character 27: the quote has 'value' where the "
     "text has 'valuation'"),
    (("claims/alpha-orbitwave-2024-05-14.yml", "predicate: models_released", "predicate: models_shipped"),
     "predicate: unknown predicate 'models_shipped'"),
])
def test_bad_input_is_reported_at_its_line(tmp_path, edit, expected):
    root = fixture_copy(tmp_path / "corpus")
    relative, old, new = edit
    path = root / relative
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    errors = build_fixture(root)["errors"]
    assert len(errors) == 1 and expected in errors[0], errors
    assert errors[0].startswith(f"{relative}:")
    assert not (root / "fixture.db").exists()


def test_a_figure_left_out_fails_the_coverage_gate(tmp_path):
    root = fixture_copy(tmp_path / "corpus")
    (root / "claims" / "ignore" / "alpha-orbitwave-2024-05-14.yml").unlink()
    assert build_fixture(root)["coverage"] == [
        "sources/articles/alpha-orbitwave-2024-05-14.txt:3:11: date 'May 14, 2024' is in no claim's quote, in "
        "\"Published May 14, 2024\" — quote it in a claim (etl suggest alpha-orbitwave-2024-05-14 --stdout drafts "
        "one) or list it in claims/ignore/alpha-orbitwave-2024-05-14.yml with the reason"]


def test_suggest_drafts_every_figure_of_a_fixture_article(tmp_path):
    root = fixture_copy(tmp_path / "corpus")
    (root / "claims" / "beta-orbitwave-2024.yml").unlink()
    result = run_etl(root, "suggest", "beta-orbitwave-2024", "--stdout")
    assert result.returncode == 0, result.stderr
    draft = yaml.safe_load(result.stdout)["claims"]
    assert [(c["predicate"], c["value"], c["date"], c.get("round")) for c in draft] == [
        ("valuation", "$1.5 Billion", None, None),
        ("valuation", "more than $1.5 billion", None, None),
        ("round_amount", "at least €150 million", None, "orbitwave-2024"),
        ("founded", "two-year-old", None, None),
        ("round_amount", "HK$500 million", "February 2023", "orbitwave-2023"),
        ("statistic", "nearly 200 engineers", "February", None),
        ("share_price_change", "fell 2.5%", "last week", None)]
    assert [c["modality"] for c in draft[:3]] == ["stated", "reported", "reported"]
