"""The site's pages for people, served in-process: company and investor pages, values in words, search, /api,
canned queries, citation and licences."""
from __future__ import annotations

import html
import json
import re
import sqlite3

import pytest
import yaml
from datasette.utils import tilde_encode

from etl import paths
from etl.schema import dataset
from etl.site import serve as site_serve
from etl.site.pages import data_changed

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME


def rows(database, sql: str, *params) -> list[dict]:
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def page(served, path: str) -> str:
    response = served.get(path)
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return html.unescape(response.text)


def companies_and_investors(database) -> list[str]:
    return [row["entity_id"] for row in rows(
        database, "select company_id as entity_id from funding_rounds union select investor_id from round_investors "
        "union select object_id from claims where predicate_id = 'investor' union "
        "select entity_id from entities where kind = 'company'")]


def test_every_company_and_investor_has_a_page_linked_from_home_and_from_its_row(served, database):
    home = page(served, "/")
    for entity_id in companies_and_investors(database):
        name = rows(database, "select name from entities where entity_id = ?", entity_id)[0]["name"]
        assert f'href="/entity/{entity_id}"' in home, entity_id
        assert f"<h1>{name}</h1>" in page(served, f"/entity/{entity_id}")
        assert f'href="/entity/{entity_id}"' in page(served, f"/{DB}/entities/{entity_id}")


def test_unknown_entity_is_a_404_that_says_where_to_look(served):
    response = served.get("/entity/no-such-company")
    assert response.status_code == 404 and "see the entities table" in response.text


def test_company_page_has_its_rounds_investors_founding_quote_and_every_claim(served, database):
    company = rows(database, "select company_id from funding_rounds order by round_id limit 1")[0]["company_id"]
    text = page(served, f"/entity/{company}")
    for round_row in rows(database, "select * from funding_rounds where company_id = ?", company):
        assert f'id="round-{round_row["round_id"]}"' in text
    for investor in rows(database, "select e.name from round_investors ri join funding_rounds fr using (round_id) "
                                   "join entities e on e.entity_id = ri.investor_id where fr.company_id = ?", company):
        assert investor["name"] in text
    founded = rows(database, "select c.quote from entities e join claims c on c.claim_id = e.founded_claim_id "
                             "where e.entity_id = ?", company)
    assert all(f"“{row['quote']}”" in text for row in founded)
    claims = rows(database, "select claim_id, quote from claims where subject_id = ? or object_id = ?", company, company)
    assert claims and all(f'href="/{DB}/claims/{claim["claim_id"]}"' in text for claim in claims)
    valuations = rows(database, "select count(*) as n from claims c join sources s using (source_id) where "
                                "c.subject_id = ? and c.predicate_id = 'valuation' and c.amount_usd is not null "
                                "and coalesce(c.date, s.published) is not null", company)[0]["n"]
    assert text.count('<g class="mark ') == valuations


def test_company_page_links_each_claims_source_other_entity_and_round(served, database):
    """The links the page makes in Python (entity.linked) rather than in the template."""
    company = rows(database, "select company_id from funding_rounds order by round_id limit 1")[0]["company_id"]
    text = page(served, f"/entity/{company}")
    claims = rows(database, "select * from claims where subject_id = ? or object_id = ?", company, company)
    for claim in claims:
        assert f'href="/{DB}/sources/{tilde_encode(claim["source_id"])}"' in text
        other = claim["subject_id"] if claim["subject_id"] != company else claim["object_id"]
        assert other is None or f'href="/entity/{tilde_encode(other)}"' in text
    in_timeline = [claim["round_id"] for claim in claims if claim["subject_id"] == company and claim["round_id"]]
    assert in_timeline and all(f'href="/{DB}/funding_rounds/{tilde_encode(round_id)}"' in text
                               for round_id in in_timeline)


def test_investor_page_lists_what_it_backed(served, database):
    investor = rows(database, "select investor_id from round_investors order by round_id limit 1")[0]["investor_id"]
    text = page(served, f"/entity/{investor}")
    for row in rows(database, "select distinct e.name from round_investors ri join funding_rounds fr using (round_id) "
                              "join entities e on e.entity_id = fr.company_id where ri.investor_id = ?", investor):
        assert row["name"] in text
    assert "Investments" in text


def test_html_shows_money_in_words_and_json_csv_keep_the_stored_values(served, database):
    stored = rows(database, "select round_id, amount, amount_usd from funding_rounds where amount_comparator = "
                            "'at_least' limit 1")
    assert stored, "no hedged round to check"
    round_id = stored[0]["round_id"]
    text = page(served, f"/{DB}/funding_rounds/{round_id}")
    assert re.search(r">at least US\$[\d.]+ (million|billion)<", text)
    assert "e+09" not in text and ".0<" not in text
    assert served.json(f"/{DB}/funding_rounds/{round_id}.json?_shape=array")[0]["amount"] == stored[0]["amount"]
    csv = served.get(f"/{DB}/funding_rounds.csv?round_id={round_id}").text
    assert repr(stored[0]["amount"]) in csv or str(stored[0]["amount"]) in csv


def test_flags_are_yes_or_no_in_html_only(served):
    text = page(served, f"/{DB}/round_investors")
    cells = re.findall(r'<td class="col-is_existing_investor[^"]*">(.*?)</td>', text, re.S)
    assert cells and {re.sub("<[^>]+>", "", cell).strip() for cell in cells} <= {"yes", "no"}
    assert {row["is_existing_investor"] for row in served.json(f"/{DB}/round_investors.json?_shape=array")} <= {0, 1}


def test_conflicts_page_shows_both_sides_with_their_quotes(served, database):
    text = page(served, f"/{DB}/conflicting_claims?status=")
    conflicts = rows(database, "select ca.quote as a, cb.quote as b from claim_conflicts cc "
                               "join claims ca on ca.claim_id = cc.claim_a join claims cb on cb.claim_id = cc.claim_b")
    assert text.count('class="side side-a"') == text.count('class="side side-b"') == len(conflicts)
    assert all(f"“{row['a']}”" in text and f"“{row['b']}”" in text for row in conflicts)
    assert "<details class=\"sql-folded\">" in text


def test_canned_queries_fold_their_sql_and_link_their_ids(served):
    text = page(served, f"/{DB}/company_timeline?company=moonshot")
    assert '<pre id="sql-query"' not in text and '<textarea id="sql-editor"' not in text
    assert re.search(rf'<a class="row-link" href="/{DB}/claims/[a-z0-9-]+">', text)
    assert "CC-BY-4.0" in text.split('<footer', 1)[1]


def test_api_page_is_html_with_examples_on_the_host_it_was_served_from(served):
    response = served.get("/api", headers={"host": "data.example.org:8443"})
    text = html.unescape(response.text)
    assert "127.0.0.1:8001" not in text
    assert f"http://data.example.org:8443/{DB}/funding_rounds.json" in text
    assert "<pre><code" in text and "```" not in text and "**" not in text


@pytest.mark.parametrize("typed", ['"cloud computing"', "cloud computing", '"cloud credits"'])
def test_search_finds_quotes_with_the_words(served, typed):
    text = page(served, "/search?q=" + typed.replace(" ", "+"))
    quotes = re.findall(r'<blockquote class="quote">(.*?)</blockquote>', text, re.S)
    assert quotes and all("cloud" in quote.lower() for quote in quotes)
    assert all(re.search(r"(?i)<mark>cloud", quote) for quote in quotes)


@pytest.mark.parametrize("typed", ["", "   ", '"', '""', "a\"b OR NEAR(", "%_\\"])
def test_search_never_fails_on_what_is_typed(served, typed):
    assert served.get("/search", params={"q": typed}).status_code == 200


def test_search_finds_names_and_aliases(served, database):
    alias = rows(database, "select alias, entity_id from entity_aliases order by alias limit 1")[0]
    assert f'href="/entity/{alias["entity_id"]}"' in page(served, f"/search?q={alias['alias']}")


def test_home_page_says_how_to_cite_and_when_the_data_last_changed(served, published_project):
    descriptor = json.loads((published_project / "datapackage.json").read_text(encoding="utf-8"))
    text = page(served, "/")
    assert f'datetime="{descriptor["created"][:10]}"' in text
    assert dataset.citation(descriptor["version"], descriptor["created"][:10]) in text
    assert descriptor["citation"] == dataset.citation()
    assert 'action="/search"' in text


def test_data_changed_is_the_newest_changelog_entry_else_the_package_created(tmp_path):
    descriptor = {"created": "2024-05-01T10:00:00Z"}
    assert data_changed(tmp_path, descriptor) == {"date": "2024-05-01", "basis": "the data package's created date"}
    (tmp_path / "CHANGELOG.md").write_text("# Changes\n\n## 1.1.0 — 2024-06-02\n- new claims\n\n"
                                           "## 1.0.0 — 2024-04-30\n- first\n", encoding="utf-8")
    assert data_changed(tmp_path, descriptor) == {"date": "2024-06-02", "basis": "CHANGELOG.md"}
    assert data_changed(tmp_path / "missing", {})["date"] is None


def test_licences_and_citation_file():
    assert "Apache License" in (paths.ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Attribution 4.0 International" in (paths.ROOT / "LICENSE-DATA").read_text(encoding="utf-8")
    cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["title"] == dataset.TITLE and cff["license"] == dataset.DATA_LICENSE
    assert cff["authors"] == [{"name": dataset.AUTHORS}]


def test_an_entry_that_changed_no_row_is_not_a_data_change(tmp_path):
    (tmp_path / "CHANGELOG.md").write_text(
        "# Changelog\n\n## 1.0.2 — 2026-12-01\n\nNo change to the data; the package's description changed.\n\n"
        "## 1.0.1 — 2026-11-02\n\nClaims: 1 changed.\n\n## 1.0.0 — 2026-10-01\n\nFirst published build.\n",
        encoding="utf-8")
    assert data_changed(tmp_path, {}) == {"date": "2026-11-02", "basis": "CHANGELOG.md"}


def test_home_page_names_at_most_the_directory_limit_and_links_the_entities_table(served, database, monkeypatch):
    from etl.site import entity

    assert f"/{DB}/entities\">every entity" not in page(served, "/")
    monkeypatch.setattr(entity, "DIRECTORY_LIMIT", 2)
    home = page(served, "/")
    directory = home[home.index('<section class="directory">'):home.index("</section>")]
    assert len(set(re.findall(r'href="/entity/([^"]+)"', directory))) == 2
    assert f'The first 2 names; <a href="/{DB}/entities">every entity</a>' in directory


def test_entity_page_lists_at_most_the_claim_limit_and_links_the_claims_table(served, database, monkeypatch):
    from etl.site import entity

    named = rows(database, "select e.entity_id, count(*) as n from entities e join claims c "
                           "on e.entity_id in (c.subject_id, c.object_id) group by e.entity_id order by 2 desc, 1")[0]
    company, total = named["entity_id"], named["n"]
    assert total > 2
    text = page(served, f"/entity/{company}")
    assert f"{total} claims name it" in text
    assert ('class="claims-more"' in text) == (total > entity.CLAIM_LIST_LIMIT)
    monkeypatch.setattr(entity, "CLAIM_LIST_LIMIT", 2)
    text = page(served, f"/entity/{company}")
    claims = text[text.index('<section class="claims">'):]
    assert claims.count('<li class="claim-item">') == 2
    assert f"{total} claims name it" in text
    assert f"The first 2 of {total} claims, oldest source first" in claims
    as_subject = re.search(r'claims-more">[^\n]*?<a href="([^"]+)">', claims).group(1)
    assert as_subject == f"/{DB}/claims?subject_id={company}"
    listed = served.get(f"/{DB}/claims.json?subject_id={company}&_size=max&_shape=array&_col=claim_id").json()
    also = served.get(f"/{DB}/claims.json?object_id={company}&_size=max&_shape=array&_col=claim_id").json()
    assert len({row["claim_id"] for row in [*listed, *also]}) == total


def test_investor_page_lists_at_most_the_portfolio_limit_and_links_its_portfolio_query(served, database, monkeypatch):
    from etl.site import entity
    from etl.site.queries import PORTFOLIO_OF_ID_SQL

    backers = rows(database, "select investor_id, count(*) as n from round_investors group by investor_id "
                             "order by 2 desc, 1")
    investor = backers[0]["investor_id"]
    with sqlite3.connect(database) as connection:
        total = len(connection.execute(PORTFOLIO_OF_ID_SQL, {"investor": investor}).fetchall())
    connection.close()
    assert total > 2
    assert 'class="portfolio-more"' not in page(served, f"/entity/{investor}")
    monkeypatch.setattr(entity, "PORTFOLIO_LIST_LIMIT", 2)
    text = page(served, f"/entity/{investor}")
    portfolio = text[text.index('<section class="portfolio">'):text.index("</section>", text.index('"portfolio"'))]
    assert portfolio.count("\n  <li>") == 2
    assert f"The first 2 of {total} investments, by company name" in portfolio
    every = re.search(r'portfolio-more">[^\n]*?<a href="([^"]+)">', portfolio).group(1)
    assert every == f"/{DB}/investor_portfolio?investor={investor}"
    listed = served.get(f"/{DB}/investor_portfolio.json?investor={investor}&_shape=array").json()
    assert len(listed) == total
