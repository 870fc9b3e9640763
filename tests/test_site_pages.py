"""The plugin's pure helpers: quote highlighting, values in words, which files may be served and as what."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from etl.site import openapi
from etl.site.pages import (
    api_examples,
    built_at,
    content_type,
    data_docs_file,
    normalised_value,
    package_file,
    package_links,
    quote_parts,
)

CLAIM = {"quote": "leading a round of at least US$600 million for MiniMax", "quote_start": 100,
         "value_start": 119, "value_end": 142}


def test_quote_parts_cut_the_value_phrase_out_by_offsets_relative_to_the_quote():
    assert quote_parts(CLAIM) == {"before": "leading a round of ", "value": "at least US$600 million",
                                  "after": " for MiniMax"}


@pytest.mark.parametrize("start,end", [(None, None), (90, 95), (119, 999)])
def test_quote_parts_without_usable_offsets_keep_the_whole_quote(start, end):
    parts = quote_parts({**CLAIM, "value_start": start, "value_end": end})
    assert parts == {"before": CLAIM["quote"], "value": "", "after": ""}


@pytest.mark.parametrize("claim,words", [
    ({"amount": 6e8, "currency": "USD", "amount_usd": 6e8, "comparator": "at_least"}, "at least 600,000,000 USD"),
    ({"amount": 5e9, "currency": "CNY", "amount_usd": 6.91e8, "comparator": "exact", "usd_rule": "stated_in_text"},
     "5,000,000,000 CNY = 691,000,000 USD (stated_in_text)"),
    ({"value_number": 0.5, "value_unit": "fraction", "comparator": "nearly"}, "nearly 0.5 fraction"),
    ({"value_number": -9.0, "value_unit": "percent", "comparator": "more_than"}, "more than -9 percent"),
    ({"object_id": "alibaba", "object_name": "Alibaba Group Holding"}, "Alibaba Group Holding (alibaba)"),
    ({"value_text": "in_progress"}, "in_progress"),
    ({"date": "2023-03", "date_precision": "month", "date_basis": "stated"}, "date 2023-03 (month, stated)"),
    ({}, "no value beyond the statement itself"),
])
def test_normalised_value_in_words(claim, words):
    assert normalised_value(claim) == words


@pytest.fixture
def root(tmp_path) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "claims.csv").write_text("claim_id\n")
    (tmp_path / "datapackage.json").write_text('{"version": "1.2.0", "resources": [{"name": "claims", '
                                               '"path": "data/claims.csv"}]}')
    (tmp_path / "build" / "data-docs" / "static").mkdir(parents=True)
    (tmp_path / "build" / "data-docs" / "index.html").write_text("<html></html>")
    (tmp_path / "build" / "data-docs" / "static" / "style.css").write_text("body {}")
    (tmp_path / "build" / "china-ai-investments.zip").write_bytes(b"PK")
    (tmp_path / "secret.txt").write_text("no")
    return tmp_path


def test_package_files_are_the_descriptor_the_csvs_and_the_zip(root):
    assert package_file(root, "datapackage.json") == root / "datapackage.json"
    assert package_file(root, "data/claims.csv") == root / "data" / "claims.csv"
    assert package_file(root, "china-ai-investments.zip") == root / "build" / "china-ai-investments.zip"
    for refused in ("secret.txt", "data/../secret.txt", "data/missing.csv", "build/china-ai-investments.zip"):
        assert package_file(root, refused) is None, refused


def test_data_docs_files_stay_inside_build_data_docs(root):
    docs = root / "build" / "data-docs"
    assert data_docs_file(root, "") == docs / "index.html"
    assert data_docs_file(root, "static") is None
    assert data_docs_file(root, "static/style.css") == docs / "static" / "style.css"
    for refused in ("../../secret.txt", "../china-ai-investments.zip", "/etc/passwd", "missing.html"):
        assert data_docs_file(root, refused) is None, refused


@pytest.mark.parametrize("name,expected", [
    ("x.csv", "text/csv; charset=utf-8"), ("datapackage.json", "application/json; charset=utf-8"),
    ("x.zip", "application/zip"), ("index.html", "text/html; charset=utf-8"), ("x.css", "text/css; charset=utf-8"),
    ("x.png", "image/png"), ("x.unknown-kind", "application/octet-stream"),
])
def test_content_types(name, expected):
    assert content_type(Path(name)) == expected


def test_package_links_read_the_version_and_csvs_from_the_descriptor(root):
    links = package_links(root, ["sources", "claims"])
    assert links["version"] == "1.2.0"
    assert links["csvs"] == [{"name": "claims", "path": "data/claims.csv"}]
    assert links["has_zip"] and links["has_data_docs"]


def test_package_links_without_a_descriptor_fall_back_to_the_tables(tmp_path):
    links = package_links(tmp_path, ["sources"])
    assert links["version"] == "unknown"
    assert links["csvs"] == [{"name": "sources", "path": "data/sources.csv"}]
    assert not links["has_zip"] and not links["has_data_docs"]


def test_built_at_is_the_last_validation_run_else_the_file_time(tmp_path):
    database = tmp_path / "x.db"
    database.write_bytes(b"")
    os.utime(database, (1_700_000_000, 1_700_000_000))
    assert built_at("2024-11-24T10:00:00Z", database) == {"at": "2024-11-24T10:00:00Z",
                                                          "basis": "last validation run"}
    assert built_at(None, database) == {"at": "2023-11-14T22:13:20+00:00",
                                        "basis": "database file written, not validated"}


def test_api_examples_link_every_path_without_a_template():
    examples = {example["path"]: example for example in api_examples(openapi.document())}
    portfolio = examples["/china_ai_investments/investor_portfolio.json"]
    assert portfolio["url"] == "/china_ai_investments/investor_portfolio.json?_shape=array&investor=alibaba"
    assert examples["/china_ai_investments/claims/{claim_id}.json"]["url"] is None
    assert examples["/china_ai_investments/claims.json"]["url"] == "/china_ai_investments/claims.json?_shape=array"
