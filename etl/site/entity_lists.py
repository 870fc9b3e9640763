"""The entity page's long lists as HTML made in Python, item for item what their Jinja loops gave."""
from __future__ import annotations

from markupsafe import Markup, escape

# Datasette renders with async Jinja: every piece of a loop's output passes through each enclosing block as an
# awaited step, so a page's lists cost several times their text (see render.rows_html). The template places
# these strings where its loops were, between the list's opening line and its closing tag.


def portfolio_html(rows: list[dict], links) -> Markup:
    parts = []
    for row in rows:
        company = f'<a class="entity-link" href="{escape(links.entity(row["company_id"]))}">' \
                  f'{escape(row["company_name"])}</a>'
        if row["round_id"]:
            said = [f'— <a class="row-link" href="{escape(links.row("funding_rounds", row["round_id"]))}">'
                    f'{escape(row["round_id"])}</a>']
            if row["role"]:
                said.append(f" as {escape(row['role'])}")
            if row["amount_words"]:
                said.append(f", {escape(row['amount_words'])}")
            if row["form"]:
                said.append(f" as {escape(row['form'].replace('_', ' '))}")
            if row["round_valuation_words"]:
                said.append(f" (company valued at {escape(row['round_valuation_words'])})")
            said.append("\n    ")
        else:
            said = ["— a source says it invested, naming no round"]
        parts.append(f"\n  <li>{company}\n    {''.join(said)}</li>\n")
    return Markup("".join(parts))


def timeline_html(rows: list[dict]) -> Markup:
    parts = []
    for row in rows:
        value = f": <strong>{escape(row['value_words'])}</strong>" if row["value_words"] else ""
        round_ref = (f'<span class="round-ref">(<a class="row-link" href="{escape(row["round_href"])}">'
                     f'{escape(row["round_id"])}</a>)</span>' if row["round_id"] else "")
        parts.append(
            f'\n  <li><time>{escape(row["date"])}</time> <span class="what">{escape(row["what"])}</span>{value}\n'
            f"    {round_ref}\n"
            f'    <span class="source-ref">— {escape(row["source_publisher"] or row["source_title"])}, '
            f'<a class="claim-link" href="{escape(row["href"])}">claim</a></span></li>\n')
    return Markup("".join(parts))


def claims_html(claims: list[dict], entity_id: str) -> Markup:
    parts = []
    for claim in claims:
        if claim["subject_id"] != entity_id:
            named = (f' (<a class="entity-link" href="{escape(claim["subject_href"])}">'
                     f'{escape(claim["subject_name"])}</a>)')
        elif claim["object_id"]:
            named = (f' → <a class="entity-link" href="{escape(claim["object_href"])}">'
                     f'{escape(claim["object_name"])}</a>')
        else:
            named = ""
        value = f": {escape(claim['value_phrase'])}" if claim["value_phrase"] else ""
        parts.append(
            f'\n  <li class="claim-item"><span class="claim-head"><a class="claim-link" href="{escape(claim["href"])}">'
            f'{escape(claim["predicate_label"])}</a>{named}{value}</span>\n'
            f'    <blockquote class="quote">“{escape(claim["quote"])}”</blockquote>\n'
            f'    <cite>{escape(claim["source_publisher"] or "publisher not named")}, '
            f'{escape(claim["source_published"] or "date unknown")} — <a href="{escape(claim["source_href"])}">'
            f'{escape(claim["source_title"])}</a></cite></li>\n')
    return Markup("".join(parts))
