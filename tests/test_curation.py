"""add-source, suggest and diff: what they write, and bad input refused with one line and nothing written."""
from __future__ import annotations

import shutil
import sqlite3

import pytest
import yaml

from etl.curate.add_source import Metadata, guess_title, propose_source_id, stated_date
from etl.curate.changelog import append_entry, entry, versions
from etl.curate.diff import diff_builds
from etl.inputs.load import Loaded, check_schema
from etl.normalise.quotes import FoldedText, anchor_phrase, anchor_quote
from tests import corpus
from tests.conftest import run_etl

ARTICLE = "Example Co Raises Money in a Round Led by Alibaba\n\nPublished Tue, Mar 5, 2024\n\nText.\n"


def snapshot(root) -> dict:
    return {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


@pytest.mark.parametrize("text, expected", [
    ("Published February 27, 2024\n", ("2024-02-27", "Published February 27, 2024")),
    ("Published Tue, Mar 5, 2024 · 03:42 PM", ("2024-03-05", "Published Tue, Mar 5, 2024")),
    ("Updated: 2024-06-04 10:00", ("2024-06-04", "Updated: 2024-06-04")),
    ("Published Febtember 30, 2024", None),
    ("It was founded in March 5, 2023.", None),
])
def test_a_stated_publication_date_is_read_from_the_text(text, expected):
    assert stated_date(text) == expected


def test_the_title_is_the_first_headline_like_line():
    assert guess_title("Image created by AI\n\nAlibaba's Strategic Investment in Moonshot AI Marks a Milestone\n") == (
        "Alibaba's Strategic Investment in Moonshot AI Marks a Milestone")


def test_a_source_id_is_proposed_from_publisher_title_and_date():
    metadata = Metadata("Alibaba backs US$2.5 billion MiniMax in second major 2024 deal", "BT", None, "2024-03-05",
                        None, "")
    assert propose_source_id(metadata) == "bt-minimax-second-2024-03-05"
    assert propose_source_id(Metadata("Alibaba Bets Big on AI", None, "Aqsa Younas Rana", "2024", None, "")) == (
        "rana-2024")


@pytest.mark.parametrize("content, message", [
    (b"", "is empty — save the article's text into it first"),
    (b"  \n\n", "is empty — save the article's text into it first"),
    (b"%PDF-1.7\n\xff\xfe\x00\x01", "is not UTF-8 text (byte 9) — save the article as plain UTF-8 text (not a PDF, a "
                                    "web page archive or another encoding)"),
    (b"Some words\x00 more words here today", "is not text (it holds NUL bytes) — save the article as plain UTF-8 "
                                              "text"),
])
def test_add_source_refuses_what_is_not_an_article(project, content, message):
    article = project / "incoming.txt"
    article.write_bytes(content)
    before = snapshot(project)
    result = run_etl(project, "add-source", str(article))
    assert (result.returncode, result.stdout, result.stderr) == (1, "", f"Error: {article} {message}\n")
    assert snapshot(project) == before


def test_add_source_refuses_an_article_already_in_the_corpus(project):
    article = project / "copy.txt"
    article.write_bytes((project / "sources" / "articles" / "bt-minimax-2024-03-05.txt").read_bytes())
    before = snapshot(project)
    result = run_etl(project, "add-source", str(article))
    assert (result.returncode, result.stderr) == (
        1, f"Error: {article} is already in the corpus as 'bt-minimax-2024-03-05' (same SHA-256) — nothing to add\n")
    assert snapshot(project) == before


def test_add_source_refuses_an_existing_source_id(project):
    article = project / "new.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    before = snapshot(project)
    result = run_etl(project, "add-source", str(article), "--source-id", "bt-minimax-2024-03-05")
    assert (result.returncode, result.stderr) == (
        1, "Error: source id 'bt-minimax-2024-03-05' is already in sources/sources.yml — give another with "
           "--source-id\n")
    assert snapshot(project) == before


def test_add_source_appends_the_entry_and_keeps_comments_and_order(project):
    listed = project / "sources" / "sources.yml"
    listed.write_text("# The corpus.\n" + listed.read_text(encoding="utf-8"), encoding="utf-8")
    before = listed.read_text(encoding="utf-8")
    article = project / "new.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    result = run_etl(project, "add-source", str(article), "--publisher", "Example News")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Added sources/articles/example-news-example-money-2024-03-05.txt as "
                                    "example-news-example-money-2024-03-05 to sources/sources.yml")
    after = listed.read_text(encoding="utf-8")
    assert after.startswith(before)
    entry = yaml.safe_load(after)[-1]
    assert {key: entry[key] for key in ("source_id", "title", "publisher", "author", "published",
                                        "published_precision", "published_basis", "url", "seed_file")} == {
        "source_id": "example-news-example-money-2024-03-05",
        "title": "Example Co Raises Money in a Round Led by Alibaba", "publisher": "Example News", "author": None,
        "published": "2024-03-05", "published_precision": "day", "published_basis": "stated", "url": None,
        "seed_file": "new.txt"}
    assert "the text gives 'Published Tue, Mar 5, 2024'" in entry["note"]


def test_suggest_refuses_an_unknown_source_id(project):
    before = snapshot(project)
    result = run_etl(project, "suggest", "no-such-article")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: no source 'no-such-article' in sources/sources.yml (known: "
                                    "benzinga-cloud-credits-2024, ")
    assert result.stderr.endswith(") — run etl add-source FILE first, or check the id\n")
    assert snapshot(project) == before


def test_suggest_never_overwrites_a_curated_file(project):
    before = snapshot(project)
    result = run_etl(project, "suggest", "bt-minimax-2024-03-05")
    assert (result.returncode, result.stderr) == (
        1, "Error: claims/bt-minimax-2024-03-05.yml exists — suggest never overwrites a curated file; use etl "
           "suggest bt-minimax-2024-03-05 --stdout to see the draft\n")
    assert snapshot(project) == before


@pytest.mark.parametrize("source", [source["source_id"] for source in corpus.sources()])
def test_every_draft_passes_the_schema_and_the_quote_checks(source, project):
    result = run_etl(project, "suggest", source, "--stdout")
    assert result.returncode == 0, result.stderr
    draft = yaml.safe_load(result.stdout)
    errors: list = []
    check_schema(Loaded(project / "draft.yml", draft), "claims", errors)
    assert errors == []
    text = (project / "sources" / "articles" / f"{source}.txt").read_text(encoding="utf-8")
    folded = FoldedText.of(text)
    for claim in draft["claims"]:
        anchor = anchor_quote(folded, claim["quote"], claim.get("occurrence"))
        assert anchor is not None and (anchor.occurrences == 1 or claim.get("occurrence")), claim["id"]
        for key in ("value", "date"):
            if claim.get(key):
                assert anchor_phrase(folded, claim[key], anchor), (claim["id"], key)
    again = run_etl(project, "suggest", source, "--stdout")
    assert again.stdout == result.stdout


def test_a_draft_keeps_the_hedge_and_guesses_the_round_and_predicate(project):
    draft = yaml.safe_load(run_etl(project, "suggest", "bt-minimax-2024-03-05", "--stdout").stdout)
    claim = next(c for c in draft["claims"] if c["value"] == "at least US$600 million")
    assert (claim["subject"], claim["predicate"], claim["round"], claim["modality"]) == (
        "MiniMax", "round_amount", "minimax-2024", "in_progress")
    founded = next(c for c in draft["claims"] if c["value"] == "two-year-old")
    assert founded["predicate"] == "founded"


def test_diff_of_two_equal_builds_is_empty(built_database):
    found = diff_builds(built_database, built_database)
    assert (found.empty, found.level, found.summary()) == (True, None, "no change")


def test_diff_names_every_changed_field_and_the_level(built_database, tmp_path):
    changed = tmp_path / "changed.db"
    shutil.copy(built_database, changed)
    with sqlite3.connect(changed) as connection:
        removed = connection.execute("SELECT min(conflict_id) FROM claim_conflicts").fetchone()[0]
        connection.execute("UPDATE claims SET note = 'Checked again.', modality = 'stated' "
                           "WHERE claim_id = 'bt-minimax-valuation'")
        connection.execute("DELETE FROM claim_conflicts WHERE conflict_id = ?", (removed,))
    found = diff_builds(built_database, changed)
    assert found.summary() == "claims: 1 changed; conflicts: 1 removed"
    assert found.level == "minor"
    assert found.rows() == [
        ("claims", "bt-minimax-valuation", "changed", "modality: 'reported' → 'stated'"),
        ("claims", "bt-minimax-valuation", "changed",
         "note: 'The text does not say pre- or post-money.' → 'Checked again.'"),
        ("claim_conflicts", removed, "removed", "")]


def test_a_package_compares_as_the_database_it_was_made_from(published_project, tmp_path):
    database = (published_project / "china_ai_investments.db").resolve()
    changed = tmp_path / "changed.db"
    shutil.copy(database, changed)
    with sqlite3.connect(changed) as connection:
        connection.execute("UPDATE claims SET amount = amount * 2, note = NULL "
                           "WHERE claim_id = (SELECT min(claim_id) FROM claims WHERE amount IS NOT NULL AND note IS NOT NULL)")
        connection.execute("DELETE FROM round_investors WHERE rowid = (SELECT min(rowid) FROM round_investors)")
    package = published_project / "datapackage.json"
    assert diff_builds(package, database).summary() == "no change"
    from_database = diff_builds(database, changed)
    assert from_database.summary() == "claims: 1 changed; rounds: 1 changed"
    assert diff_builds(package, changed).rows() == from_database.rows()


def test_a_package_with_an_empty_csv_is_refused(published_project, tmp_path):
    from etl.curate import CurationError

    package = tmp_path / "package"
    package.mkdir()
    shutil.copy(published_project / "datapackage.json", package / "datapackage.json")
    shutil.copytree(published_project / "data", package / "data")
    (package / "data" / "claims.csv").write_text("", encoding="utf-8")
    with pytest.raises(CurationError) as error:
        diff_builds(package / "datapackage.json", published_project / "china_ai_investments.db")
    assert str(error.value).startswith(f"{package / 'datapackage.json'} is not a readable data package (")
    assert str(error.value).endswith(") — give datapackage.json as etl build writes it")


def test_a_build_changed_in_place_is_compared_again(built_database, tmp_path):
    changed = tmp_path / "changed.db"
    shutil.copy(built_database, changed)
    assert diff_builds(built_database, changed).empty
    with sqlite3.connect(changed) as connection:
        connection.execute("UPDATE sources SET title = title || ' (corrected)' WHERE rowid = 1")
    assert diff_builds(built_database, changed).summary() == "sources: 1 changed"


def test_diff_refuses_files_that_are_not_builds(project, tmp_path, built_database):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE claims (id)")
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just some words", encoding="utf-8")
    result = run_etl(project, "diff", str(other), str(built_database))
    assert (result.returncode, result.stdout, result.stderr) == (
        1, "", f"Error: {other} is not a china-ai-investments build (no table sources) — give two databases written "
               "by etl build, or datapackage.json\n")
    result = run_etl(project, "diff", str(text), str(built_database))
    assert (result.returncode, result.stderr) == (
        1, f"Error: {text} is not an SQLite database — give two databases written by etl build, or "
           "datapackage.json\n")


def test_a_changelog_entry_is_added_once_newest_first(tmp_path, monkeypatch, built_database):
    from etl import paths

    monkeypatch.setattr(paths, "ROOT", tmp_path)
    assert append_entry("1.0.0", None, "2024-06-01")
    found = diff_builds(built_database, built_database)
    assert append_entry("1.1.0", found, "2024-07-01")
    assert not append_entry("1.1.0", found, "2024-07-02")
    text = (tmp_path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert versions(text) == ["1.1.0", "1.0.0"]
    assert entry("1.1.0", "2024-07-01", found) in text


def test_a_fix_to_existing_values_is_a_patch_and_new_rows_a_minor_version():
    import datetime as dt

    from etl.publish.package.release import release

    previous = {"version": "1.4.2", "created": "2024-01-01T00:00:00Z",
                "resources": [{"name": "claims", "path": "data/claims.csv", "hash": "sha256:old"}]}
    current = {**previous, "resources": [{"name": "claims", "path": "data/claims.csv", "hash": "sha256:new"}]}
    now = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)
    assert release(current, previous, now, data_level="patch")[0] == "1.4.3"
    assert release(current, previous, now, data_level="minor")[0] == "1.5.0"
    assert release(current, previous, now)[0] == "1.5.0"
