"""The site in a real browser: Debian's chromium driven by Playwright against `etl serve` on a free port."""
from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect, sync_playwright

from etl import paths
from etl.schema import dataset
from etl.site import serve as site_serve
from tests.live_site import LiveSite

pytestmark = pytest.mark.browser
pytest_plugins = ["tests.site_support"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = paths.BUILD_DIR / "screenshots"
DB = site_serve.DATABASE_NAME
LOCAL_URLS = ("http://127.0.0.1:", "file://", "data:")
LOADED = ("document.fonts.ready.then(() => [...document.fonts].some(font => font.family.includes('{}') "
          "&& font.status == 'loaded'))")
LIBRARIES = ("[typeof jQuery, typeof jQuery.fn.bootstrapTable, typeof jQuery.fn.datepicker, typeof Popper, "
             "typeof vega.View, typeof vegaLite.compile, typeof vegaEmbed]")


@pytest.fixture(scope="module")
def server(database, tmp_path_factory):
    site = LiveSite(database, tmp_path_factory.mktemp("serve") / "serve.log")
    yield site.base
    site.stop()


@pytest.fixture(scope="module")
def browser():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def watch(page) -> list[str]:
    """Script errors, console errors, failed or refused requests and requests leaving this machine, as they come."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    page.on("console", lambda message: problems.extend(
        [f"{page.url}: console: {message.text}"] if message.type == "error" else []))
    page.on("requestfailed", lambda request: problems.append(f"{request.url}: {request.failure}"))
    page.on("response", lambda response: problems.extend(
        [f"{response.url}: HTTP {response.status}"] if response.status >= 400 else []))
    page.on("request", lambda request: problems.extend(
        [] if request.url.startswith(LOCAL_URLS) else [f"{request.url}: not on this machine"]))
    return problems


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    problems = watch(opened)
    yield opened
    context.close()
    assert problems == []


def shoot(page, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
    assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000


def test_home_page(page, server, published_project):
    page.goto(server + "/")
    expect(page.locator("h1")).to_have_text(dataset.TITLE)
    version = json.loads((published_project / "datapackage.json").read_text(encoding="utf-8"))["version"]
    expect(page.locator(".dataset-version")).to_have_text(version)
    report = page.get_by_role("link", name="Validation report", exact=True)
    expect(report).to_have_attribute("href", "/-/data-docs/")
    expect(page.get_by_role("link", name="JSON API guide", exact=True)).to_have_attribute("href", "/api")
    shoot(page, "home")
    report.click()
    page.wait_for_load_state()
    assert page.url == server + "/-/data-docs/"


def expect_data_docs_index(page, docs: Path) -> None:
    """Both tables of the index filled by bootstrap-table, every library and the icon font loaded, the logo shown."""
    for tab, folder in (("Validation-Results", "validations"), ("Expectation-Suites", "expectations")):
        pages = len(list((docs / folder).rglob("*.html")))
        expect(page.locator(f"#{tab} .pagination-info")).to_contain_text(f" of {pages} rows")
    rows = page.locator("#Validation-Results tbody tr.clickable-row")
    assert rows.count() > 0
    expect(page.locator("#Validation-Results tbody tr.clickable-row i.fa-check-circle")).to_have_count(rows.count())
    assert page.evaluate(LIBRARIES) == ["function"] * 7
    assert page.evaluate(LOADED.format("Font Awesome 6 Free")) is True
    assert page.evaluate("document.querySelector('.navbar-brand img').naturalWidth") > 0


def test_data_docs_index_and_a_validation_result_render_offline(page, server, published_project):
    docs = published_project / "build" / "data-docs"
    rules = json.loads((published_project / "expectations" / "claims.json").read_text(encoding="utf-8"))["expectations"]
    page.goto(server + "/-/data-docs/")
    expect_data_docs_index(page, docs)
    shoot(page, "data-docs")
    page.fill("#Validation-Results input.search-input", "claims")
    page.press("#Validation-Results input.search-input", "Enter")  # the table filters on key events, not on fill
    page.locator('#Validation-Results tr[data-href^="validations/claims/"]').click()
    page.wait_for_url("**/-/data-docs/validations/claims/**")
    expect(page.locator("tr:has-text('Evaluated Expectations') td").nth(1)).to_have_text(str(len(rules)))
    expect(page.locator("tbody tr:has(i.fa-check-circle)")).to_have_count(len(rules))
    assert page.evaluate(LOADED.format("Font Awesome 6 Free")) is True
    shoot(page, "data-docs-validation", full_page=False)


def test_data_docs_open_from_disk(page, published_project):
    docs = published_project / "build" / "data-docs"
    page.goto((docs / "index.html").as_uri())
    expect_data_docs_index(page, docs)


def test_table_page_with_a_facet_clicked(page, server):
    page.goto(f"{server}/{DB}/claims?_facet=predicate_id")  # asked for: claims has no default facet (at scale)
    page.locator('[data-column="predicate_id"] li a', has_text=re.compile(r"^valuation$")).click()
    page.wait_for_url("**predicate_id=valuation**")
    cells = page.locator("td.col-predicate_id")
    assert cells.count() > 1
    assert set(cells.all_inner_texts()) == {"valuation"}
    expect(page.locator("h3").first).to_contain_text(f'{cells.count()} rows where predicate_id = "valuation"')
    shoot(page, "claims-facet")


def test_search_finds_quotes(page, server):
    page.goto(f"{server}/{DB}/claims")
    page.fill('input[name="_search"]', "cloud credits")
    page.press('input[name="_search"]', "Enter")
    page.wait_for_url("**_search=cloud+credits**")
    quotes = page.locator("td.col-quote").all_inner_texts()
    assert quotes and all("cloud" in quote.lower() for quote in quotes)
    shoot(page, "claims-search")


def test_claim_page_shows_its_provenance(page, server):
    claim = httpx.get(f"{server}/{DB}/claims/bt-minimax-round-amount.json?_shape=array").json()[0]
    source = httpx.get(f"{server}/{DB}/sources/{claim['source_id']}.json?_shape=array").json()[0]
    page.goto(f"{server}/{DB}/claims/bt-minimax-round-amount")
    expect(page.locator("mark.value-phrase")).to_have_text(claim["value_phrase"])
    expect(page.locator(".claim-quote")).to_have_text(claim["quote"])
    expect(page.locator(".source-title a").first).to_have_text(source["title"])
    if source["url"]:  # a matched public copy is linked as the original
        expect(page.locator(".source-title a", has_text="original")).to_have_attribute("href", source["url"])
    expect(page.locator(".source-publisher")).to_contain_text(source["publisher"])
    expect(page.locator(".source-published")).to_contain_text(source["published"])
    expect(page.locator(".normalised-value")).to_have_text("at least 600,000,000 USD")
    shoot(page, "claim")


def test_charts_are_drawn_from_the_live_data(page, server):
    rounds = httpx.get(f"{server}/{DB}/rounds_by_valuation.json?_shape=array&min_valuation_usd=").json()
    pairs = httpx.get(f"{server}/{DB}/investor_portfolio.json?_shape=array&investor=").json()
    page.goto(server + "/charts")
    expect(page.locator("#rounds-chart")).to_have_attribute("data-drawn", str(len(rounds)))
    expect(page.locator("#backers-chart")).to_have_attribute("data-drawn", str(len(pairs)))
    figures = sum(1 for row in rounds for key in ("valuation_usd", "amount_usd") if row[key])
    marks = page.locator("#rounds-chart svg g.marks .mark")
    assert marks.count() == figures
    hedged = sum(1 for row in rounds for key in ("valuation", "amount")
                 if row[f"{key}_usd"] and row[f"{key}_comparator"] in ("at_least", "more_than"))
    open_marks = page.locator("#rounds-chart svg g.marks .mark.hedge-lower")
    assert open_marks.count() == hedged > 0
    assert {open_marks.nth(i).get_attribute("fill") for i in range(hedged)} == {"#fff"}
    boxes = [marks.nth(i).bounding_box() for i in range(marks.count())]
    assert all(box["width"] > 0 for box in boxes) and len({round(box["y"]) for box in boxes}) > 2
    companies = {(row["investor_id"], row["company_id"]) for row in pairs}
    assert page.locator("#backers-chart svg g.marks .mark").count() == len(companies)
    assert page.locator("#backers-chart svg g.marks .mark.lead").count() >= 1
    shoot(page, "charts")


def test_serve_stops_cleanly_on_ctrl_c(database, tmp_path):
    site = LiveSite(database, tmp_path / "serve.log")
    assert httpx.get(site.base + "/").status_code == 200
    # 1.0a41 exits 0. An earlier alpha ran uvicorn under asyncio.run, and uvicorn re-raised the Ctrl-C after its
    # clean shutdown: click then printed "Aborted!" and exited 1 (docs/datasette-1.md).
    assert site.stop() in ((0, 1) if site_serve.DATASETTE_1 else (0,))
    assert "Finished server process" in (tmp_path / "serve.log").read_text()


def first_company_and_investor(server: str) -> tuple[str, str]:
    """A company with a funding round and an investor in one, from the live data."""
    rounds = httpx.get(f"{server}/{DB}/round_investors.json?_shape=array&_size=1").json()
    company = httpx.get(f"{server}/{DB}/funding_rounds/{rounds[0]['round_id']}.json?_shape=array").json()[0]
    return company["company_id"], rounds[0]["investor_id"]


def site_pages(server: str) -> dict[str, str]:
    company, investor = first_company_and_investor(server)
    return {
        "home": "/", "company": f"/entity/{company}", "investor": f"/entity/{investor}",
        "claim": f"/{DB}/claims/bt-minimax-round-amount", "claims": f"/{DB}/claims",
        "funding-rounds": f"/{DB}/funding_rounds", "claim-conflicts": f"/{DB}/claim_conflicts",
        "entity-row": f"/{DB}/entities/{company}", "conflicting-claims": f"/{DB}/conflicting_claims?status=",
        "company-timeline": f"/{DB}/company_timeline?company={company}",
        "rounds-by-valuation": f"/{DB}/rounds_by_valuation?min_valuation_usd=",
        "search": "/search?q=%22cloud+credits%22", "api": "/api", "charts": "/charts",
    }


# Pages a phone must show without scrolling sideways (tables of many columns may scroll inside their box).
PHONE_PAGES = ("home", "company", "investor", "claim", "search", "api", "conflicting-claims")


@pytest.mark.parametrize("width", [1280, 390])
def test_every_page_at_desktop_and_phone_width(browser, server, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = watch(page)
    wide = []
    for name, path in site_pages(server).items():
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        shoot(page, f"{name}-{width}")
        if width < 576 and name in PHONE_PAGES and page.evaluate("document.documentElement.scrollWidth") > width:
            wide.append(name)
    context.close()
    assert problems == [] and wide == []


def test_company_page_gathers_rounds_chart_and_quotes(page, server):
    company, _ = first_company_and_investor(server)
    rounds = httpx.get(f"{server}/{DB}/funding_rounds.json?_shape=array&company_id={company}").json()
    claims = httpx.get(f"{server}/{DB}/claims.json?_shape=array&_size=max&subject_id={company}").json()
    valuations = [c for c in claims if c["predicate_id"] == "valuation" and c["amount_usd"]]
    page.goto(f"{server}/{DB}/entities/{company}")
    page.locator(".entity-page-link a").click()
    page.wait_for_url(f"**/entity/{company}")
    expect(page.locator("article.round")).to_have_count(len(rounds))
    expect(page.locator("svg.valuation-chart .mark")).to_have_count(len(valuations))
    quotes = page.locator("section.claims blockquote.quote").all_inner_texts()
    assert {c["quote"] for c in claims} <= {quote.strip("“”") for quote in quotes}
    page.locator("section.claims a.claim-link").first.click()
    page.wait_for_url(f"**/{DB}/claims/**")
    expect(page.locator(".provenance")).to_be_visible()


def test_table_page_shows_rows_before_facets_and_folds_the_column_descriptions(page, server):
    page.goto(f"{server}/{DB}/claims?_facet=predicate_id")
    first_row = page.locator("table.rows-and-columns tbody tr").first.bounding_box()
    facets = page.locator(".facet-results").bounding_box()
    assert first_row["y"] < facets["y"] and first_row["y"] < 900
    help_list = page.locator("details.column-help dl")
    expect(help_list).to_be_hidden()
    page.locator("details.column-help summary").click()
    expect(help_list).to_be_visible()
    expect(page.locator('th[data-column="quote"]')).to_have_attribute("title", re.compile("Verbatim"))


def test_home_search_finds_a_quoted_phrase(page, server):
    page.goto(server + "/")
    page.fill("#site-search-q", '"cloud computing"')
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search?q=**")
    snippets = page.locator(".search-claims blockquote.quote").all_inner_texts()
    assert snippets and all("cloud computing" in snippet.lower() for snippet in snippets)
    expect(page.locator(".search-claims mark").first).to_have_text(re.compile("cloud", re.IGNORECASE))
