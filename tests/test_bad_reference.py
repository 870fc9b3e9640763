"""Errors in the reference lists and round keys: each names its file, line and field, and nothing is published."""
from __future__ import annotations

import json

import yaml

from tests.conftest import run_etl
from tests.test_bad_input import BT, edit, set_field

ENTITIES = "reference/entities.yml"
SOURCES = "sources/sources.yml"


def errors_of(project) -> list[str]:
    result = run_etl(project, "build")
    assert result.returncode == 1, result.stderr
    assert not (project / "china_ai_investments.db").exists()
    lines = result.stderr.splitlines()
    assert lines[-1].endswith("in the inputs: nothing was published.")
    return lines[:-1]


def test_an_alias_owned_by_two_entities(project):
    alias = edit(project, ENTITIES, "aliases: [Moonshot]", "aliases: [Moonshot, Minimax]")
    own_id = _line(project, ENTITIES, "- id: minimax")
    assert errors_of(project) == [f"{ENTITIES}:{own_id}: id: 'minimax' already names entity 'moonshot' (line {alias}) "
                                  "— an alias names one entity only: remove it from one of them"]


def test_country_evidence_that_is_in_no_text(project):
    line = edit(project, ENTITIES, "country_evidence: China's e-commerce titan",
                "country_evidence: China's biggest shop")
    assert errors_of(project) == [f"{ENTITIES}:{line}: country_evidence: 'China's biggest shop' is in no source "
                                  "text — copy the words that give the country from an article"]


def test_a_missing_article_file(project):
    (project / "sources" / "articles" / "rana-alibaba-bets-big-2024.txt").unlink()
    line = _line(project, SOURCES, "file: rana-alibaba-bets-big-2024.txt")
    assert errors_of(project) == [f"{SOURCES}:{line}: file: sources/articles/rana-alibaba-bets-big-2024.txt does "
                                  "not exist — copy the article there byte-for-byte or fix the file name"]


def test_a_round_key_a_predicate_requires(project):
    line = set_field(project, BT, "bt-minimax-lead-investor", "round", "null")
    assert errors_of(project) == [f"{BT}:{line}: round: predicate 'lead_investor' needs a round key — "
                                  "add round: <company id>-<year>"]


def test_a_round_key_a_predicate_forbids(project):
    line = _add_field(project, BT, "bt-minimax-founded", "round: minimax-2024")
    assert errors_of(project) == [f"{BT}:{line}: round: predicate 'founded' takes no round key — remove round"]


def test_json_lines_claims_build_like_yaml(project):
    """The bulk format the README offers: one JSON object a line, same schema and checks as YAML."""
    document = yaml.safe_load((project / BT).read_text(encoding="utf-8"))
    (project / BT).unlink()
    jsonl = project / "claims" / "bt-minimax-2024-03-05.jsonl"
    jsonl.write_text("".join(json.dumps(claim) + "\n" for claim in document["claims"]), encoding="utf-8")
    result = run_etl(project, "build")
    assert result.returncode == 0, result.stderr
    assert f"read {_claim_count(project)} claims" in result.stderr


def test_a_bad_json_line_is_reported_at_its_line(project):
    document = yaml.safe_load((project / BT).read_text(encoding="utf-8"))
    (project / BT).unlink()
    lines = [json.dumps(claim) for claim in document["claims"]]
    lines[2] = lines[2][:-1]
    (project / "claims" / "bt-minimax-2024-03-05.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = errors_of(project)
    assert len(found) == 1
    assert found[0].startswith("claims/bt-minimax-2024-03-05.jsonl:3: json: cannot parse JSON: ")
    assert found[0].endswith(" — write one JSON object per line")


def _line(project, relative, needle) -> int:
    lines = (project / relative).read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if needle in line)


def _add_field(project, relative, claim_id, text) -> int:
    """Add a field right after a claim's id line; returns its line number."""
    path = project / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    index = lines.index(f"  - id: {claim_id}") + 1
    lines.insert(index, f"    {text}")
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def _claim_count(project) -> int:
    count = 0
    for path in (project / "claims").iterdir():
        if path.suffix == ".yml":
            count += len(yaml.safe_load(path.read_text(encoding="utf-8"))["claims"])
        elif path.suffix == ".jsonl":
            count += sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return count

