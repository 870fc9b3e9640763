"""The entity page's lists made in Python are, byte for byte, what the template's Jinja loops made of the same rows,
escaping included; the loops are kept here as the specification."""
from __future__ import annotations

from jinja2 import Environment

from etl.site.entity_lists import claims_html, portfolio_html, timeline_html

LOOPS = {
    "portfolio": """{% for row in portfolio %}
  <li><a class="entity-link" href="{{ entity_url(row.company_id) }}">{{ row.company_name }}</a>
    {% if row.round_id %}— <a class="row-link" href="{{ row_url('funding_rounds', row.round_id) }}">{{ row.round_id }}</a>{% if row.role %} as {{ row.role }}{% endif %}{% if row.amount_words %}, {{ row.amount_words }}{% endif %}{% if row.form %} as {{ row.form.replace("_", " ") }}{% endif %}{% if row.round_valuation_words %} (company valued at {{ row.round_valuation_words }}){% endif %}
    {% else %}— a source says it invested, naming no round{% endif %}</li>
{% endfor %}""",
    "timeline": """{% for row in timeline %}
  <li><time>{{ row.date }}</time> <span class="what">{{ row.what }}</span>{% if row.value_words %}: <strong>{{ row.value_words }}</strong>{% endif %}
    {% if row.round_id %}<span class="round-ref">(<a class="row-link" href="{{ row.round_href }}">{{ row.round_id }}</a>)</span>{% endif %}
    <span class="source-ref">— {{ row.source_publisher or row.source_title }}, <a class="claim-link" href="{{ row.href }}">claim</a></span></li>
{% endfor %}""",
    "claims": """{% for claim in claims %}
  <li class="claim-item"><span class="claim-head"><a class="claim-link" href="{{ claim.href }}">{{ claim.predicate_label }}</a>{% if claim.subject_id != entity.entity_id %} (<a class="entity-link" href="{{ claim.subject_href }}">{{ claim.subject_name }}</a>){% elif claim.object_id %} → <a class="entity-link" href="{{ claim.object_href }}">{{ claim.object_name }}</a>{% endif %}{% if claim.value_phrase %}: {{ claim.value_phrase }}{% endif %}</span>
    <blockquote class="quote">“{{ claim.quote }}”</blockquote>
    <cite>{{ claim.source_publisher or "publisher not named" }}, {{ claim.source_published or "date unknown" }} — <a href="{{ claim.source_href }}">{{ claim.source_title }}</a></cite></li>
{% endfor %}""",
}
MARKUP = '<script>alert("x")</script> & \'quoted\''


class Links:
    def entity(self, entity_id: str) -> str:
        return f"/entity/{entity_id}?a=1&b=<2>"

    def row(self, table: str, key: str) -> str:
        return f"/db/{table}/{key}?x=\"y\""


def jinja(name: str, **context) -> str:
    links = Links()
    template = Environment(autoescape=True).from_string(LOOPS[name])
    return template.render(entity_url=links.entity, row_url=links.row, **context)


PORTFOLIO = [
    {"company_id": "acme", "company_name": MARKUP, "round_id": "acme-a", "role": "lead", "amount_words": MARKUP,
     "form": "cloud_credits", "round_valuation_words": "US$1 billion"},
    {"company_id": "acme", "company_name": "Acme", "round_id": "acme-b", "role": None, "amount_words": None,
     "form": None, "round_valuation_words": None},
    {"company_id": "beta", "company_name": "Beta", "round_id": None, "role": None, "amount_words": None,
     "form": None, "round_valuation_words": None},
]
TIMELINE = [
    {"date": "2024-02", "what": "round amount", "value_words": MARKUP, "round_id": "acme-a",
     "round_href": "/r?a&b", "source_publisher": MARKUP, "source_title": "T", "href": "/c/1"},
    {"date": None, "what": "founded", "value_words": "", "round_id": None, "round_href": None,
     "source_publisher": None, "source_title": MARKUP, "href": "/c/2"},
]
CLAIMS = [
    {"href": "/c/1", "predicate_label": MARKUP, "subject_id": "other", "subject_href": "/e/o&", "subject_name": MARKUP,
     "object_id": "acme", "object_href": "/e/acme", "object_name": "Acme", "value_phrase": MARKUP, "quote": MARKUP,
     "source_publisher": "Wire", "source_published": "2024-05-01", "source_href": "/s/1", "source_title": MARKUP},
    {"href": "/c/2", "predicate_label": "investor", "subject_id": "acme", "subject_href": "/e/acme",
     "subject_name": "Acme", "object_id": "beta", "object_href": "/e/beta?<>", "object_name": MARKUP,
     "value_phrase": None, "quote": "Beta invested.", "source_publisher": None, "source_published": None,
     "source_href": "/s/2", "source_title": "T"},
    {"href": "/c/3", "predicate_label": "founded", "subject_id": "acme", "subject_href": "/e/acme",
     "subject_name": "Acme", "object_id": None, "object_href": None, "object_name": None, "value_phrase": "2023",
     "quote": "founded in 2023", "source_publisher": "Wire", "source_published": "2024", "source_href": "/s/3",
     "source_title": "T"},
]


def test_the_portfolio_is_what_its_loop_made():
    made = portfolio_html(PORTFOLIO, Links())
    assert made == jinja("portfolio", portfolio=PORTFOLIO)
    assert "naming no round" in made and "<script>" not in made


def test_the_timeline_is_what_its_loop_made():
    assert timeline_html(TIMELINE) == jinja("timeline", timeline=TIMELINE)


def test_the_claims_are_what_their_loop_made():
    assert claims_html(CLAIMS, "acme") == jinja("claims", claims=CLAIMS, entity={"entity_id": "acme"})
    assert "<script>" not in claims_html(CLAIMS, "acme")


def test_empty_lists_are_empty():
    assert portfolio_html([], Links()) == timeline_html([]) == claims_html([], "acme") == ""
