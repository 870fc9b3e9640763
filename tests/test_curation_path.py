"""Acceptance: a further article goes add-source → suggest → a person's edits → etl build, and nothing else changes.

On a copy of the project: the real-corpus tests then pass on the copy with no test file touched, `etl diff`
reports exactly the added source, claims and round, the version goes up one minor step and CHANGELOG.md
gains one entry.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from etl import paths
from tests.conftest import INPUT_DIRS, run_etl

FIXTURES = Path(__file__).parent / "fixtures" / "curation"
ARTICLE = FIXTURES / "lumenpeak-article.txt"
EDITS = FIXTURES / "lumenpeak-edits.yml"
PACKAGE_FILES = ("datapackage.json", "data", "CHANGELOG.md", "metadata.yml")
# The tests of the real corpus: each derives what it expects from the inputs of the project it runs on.
REAL_CORPUS_TESTS = ("tests/test_dataset.py", "tests/test_package.py", "tests/test_site_api.py",
                     "tests/test_site_metadata.py", "tests/test_coverage.py", "tests/test_validation.py",
                     "tests/test_validation_rules.py::test_every_rule_holds_on_the_real_dataset",
                     "tests/test_validation_rules.py::test_the_row_count_baseline_is_the_count_of_the_last_build",
                     "tests/test_validation_rules.py::test_a_raised_baseline_breaks_exactly_its_row_count_rule")


def apply_edits(root: Path, source_id: str, edits: dict) -> None:
    """What the person does by hand: add the new entities, keep and correct some drafts, add claims, ignore."""
    with open(root / "reference" / "entities.yml", "a", encoding="utf-8") as handle:
        handle.write("\n" + yaml.safe_dump(edits["entities"], sort_keys=False, allow_unicode=True))
    path = root / "claims" / f"{source_id}.yml"
    draft = yaml.safe_load(path.read_text(encoding="utf-8"))
    kept = []
    for claim in draft["claims"]:
        suffix = claim["id"][len(source_id) + 1:]
        if suffix in edits["keep"]:
            kept.append({**claim, **edits["keep"][suffix]})
    draft["claims"] = kept + edits["add"]
    path.write_text(yaml.safe_dump(draft, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
    ignore = {"source_id": source_id, "ignore": edits["ignore"]}
    (root / "claims" / "ignore" / f"{source_id}.yml").write_text(yaml.safe_dump(ignore, sort_keys=False),
                                                                 encoding="utf-8")


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """A copy of the project with the committed package, grown by one article through the curation path."""
    root = tmp_path_factory.mktemp("grown")
    for name in INPUT_DIRS:
        shutil.copytree(paths.ROOT / name, root / name)
    before = root / "before"
    before.mkdir()
    for name in PACKAGE_FILES:
        source = paths.ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name)
            shutil.copytree(source, before / name)
        elif source.is_file():
            shutil.copy(source, root / name)
            shutil.copy(source, before / name)
    added = run_etl(root, "add-source", str(ARTICLE), "--publisher", "Example Wire")
    assert added.returncode == 0, added.stderr
    source_id = re.search(r" as (\S+) to sources/sources.yml", added.stdout).group(1)
    suggested = run_etl(root, "suggest", source_id)
    assert suggested.returncode == 0, suggested.stderr
    edits = yaml.safe_load(EDITS.read_text(encoding="utf-8"))
    apply_edits(root, source_id, edits)
    built = run_etl(root, "build")
    assert built.returncode == 0, built.stderr
    return {"root": root, "before": before, "source_id": source_id, "edits": edits, "build": built}


def test_add_source_proposes_the_id_from_publisher_title_and_date(grown):
    assert grown["source_id"] == "example-wire-hangzhou-lumenpeak-2024-06-04"
    listed = yaml.safe_load((grown["root"] / "sources" / "sources.yml").read_text(encoding="utf-8"))[-1]
    assert (listed["title"], listed["publisher"], listed["published"], listed["published_precision"]) == (
        "Alibaba Leads $300 Million-Plus Round in Hangzhou Start-up Lumenpeak", "Example Wire", "2024-06-04", "day")
    assert (grown["root"] / "sources" / "articles" / f"{grown['source_id']}.txt").read_bytes() == ARTICLE.read_bytes()


def test_the_build_raises_the_baseline_and_says_so(grown):
    assert "expectations/row_counts.yml: minimum rows raised (sources " in grown["build"].stderr
    assert "commit it with the build" in grown["build"].stderr


def test_diff_reports_exactly_the_added_source_claims_and_round(grown):
    root, edits = grown["root"], grown["edits"]
    result = run_etl(root, "diff", "before/datapackage.json", "china_ai_investments.db")
    assert result.returncode == 0, result.stderr
    claims = len(edits["keep"]) + len(edits["add"])
    assert result.stdout.splitlines()[0] == f"sources: 1 added; claims: {claims} added; rounds: 1 added."
    rows = [line.split(" | ") for line in result.stdout.splitlines()[3:]]
    changes = {(cells[0].strip(), cells[1].strip(), cells[2].strip()) for cells in rows}
    assert changes == {("sources", grown["source_id"], "added"), ("funding_rounds", "lumenpeak-2024", "added"),
                       *(("claims", f"{grown['source_id']}-{suffix}", "added") for suffix in edits["keep"]),
                       *(("claims", claim["id"], "added") for claim in edits["add"])}


def test_the_version_goes_up_one_minor_step_and_the_changelog_gains_one_entry(grown):
    root, before = grown["root"], grown["before"]
    old = json.loads((before / "datapackage.json").read_text(encoding="utf-8"))["version"]
    new = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["version"]
    major, minor, _patch = map(int, old.split("."))
    assert new == f"{major}.{minor + 1}.0"
    old_log = (before / "CHANGELOG.md").read_text(encoding="utf-8")
    new_log = (root / "CHANGELOG.md").read_text(encoding="utf-8")
    assert len(re.findall(r"^## ", new_log, re.M)) == len(re.findall(r"^## ", old_log, re.M)) + 1
    assert new_log.count(f"## {new} — ") == 1
    assert f"- sources added: {grown['source_id']}" in new_log


def test_the_real_corpus_tests_pass_on_the_grown_copy(grown):
    env = {**os.environ, "ETL_ROOT": str(grown["root"]), "GX_ANALYTICS_ENABLED": "False"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                             *REAL_CORPUS_TESTS], cwd=paths.PACKAGE_DIR.parent, env=env, capture_output=True,
                            text=True, timeout=1800)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
