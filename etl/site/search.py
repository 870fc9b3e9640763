"""The home page's search over quotes and names: words a person types, turned into a safe FTS5 query."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

TERMS = re.compile(r'"([^"]*)"|(\S+)')
LIMIT = 50
MARK_START, MARK_END = "\x02", "\x03"

CLAIMS_SQL = f"""select c.claim_id, c.subject_id, subj.name as subject_name, c.predicate_id, p.label as predicate_label,
  c.value_phrase, c.source_id, s.title as source_title, s.publisher as source_publisher,
  snippet(claims_fts, 0, char(2), char(3), '…', 40) as snippet
from claims_fts
join claims c on c.rowid = claims_fts.rowid
join entities subj on subj.entity_id = c.subject_id
join predicates p on p.predicate_id = c.predicate_id
join sources s on s.source_id = c.source_id
where claims_fts match :fts
order by claims_fts.rank, c.claim_id
limit {LIMIT}"""

ENTITIES_SQL = f"""select e.entity_id, e.name, e.kind, e.claim_count
from entities e
where e.name like :like escape '\\' or e.entity_id like :like escape '\\'
  or exists (select 1 from entity_aliases a where a.entity_id = e.entity_id and a.alias like :like escape '\\')
order by e.claim_count desc, e.name
limit {LIMIT}"""


def fts_query(text: str | None) -> str | None:
    """Quoted parts as phrases, other words each required: 'cloud credits' and '"cloud credits"' both work.

    Every term is quoted for FTS5, so no input is an FTS5 syntax error; None when nothing is left to search.
    """
    terms = []
    for phrase, word in TERMS.findall(text or ""):
        term = (phrase or word).strip().strip('"')
        if term:
            terms.append('"' + term.replace('"', '""') + '"')
    return " ".join(terms) or None


NEAR_DISTANCE = 3


def near_query(text: str | None) -> str | None:
    """Like fts_query, but the words of each quoted phrase within NEAR_DISTANCE words of each other, in any
    order: '"cloud credits"' then finds "cloud computing credits". None when it would be the same query."""
    terms, loosened = [], False
    for phrase, word in TERMS.findall(text or ""):
        words = [_quoted(part) for part in (phrase or word).replace('"', " ").split()]
        if phrase and len(words) > 1:
            terms.append(f"NEAR({' '.join(words)}, {NEAR_DISTANCE})")
            loosened = True
        else:
            terms += words
    return " ".join(terms) if loosened else None


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def like_pattern(text: str | None) -> str | None:
    """The typed text without quotes as a LIKE pattern for names, with %, _ and \\ taken literally."""
    words = " ".join((text or "").replace('"', " ").split())
    if not words:
        return None
    return "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def marked(snippet: str) -> Markup:
    """An FTS5 snippet with its match markers as <mark>, everything else escaped."""
    text = str(escape(snippet))
    return Markup(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


async def search(db, text: str | None) -> dict:
    """Claims whose quote or value phrase matches, and entities whose name, id or alias contains the words."""
    fts, like = fts_query(text), like_pattern(text)
    claims = [] if fts is None else [dict(row) for row in (await db.execute(CLAIMS_SQL, {"fts": fts})).rows]
    near = near_query(text) if fts is not None and not claims else None
    if near is not None:
        claims = [dict(row) for row in (await db.execute(CLAIMS_SQL, {"fts": near})).rows]
    entities = [] if like is None else [dict(row) for row in (await db.execute(ENTITIES_SQL, {"like": like})).rows]
    for claim in claims:
        claim["snippet_html"] = marked(claim["snippet"] or "")
    return {"q": text or "", "fts": near or fts, "near": near is not None, "claims": claims, "entities": entities,
            "limit": LIMIT, "near_distance": NEAR_DISTANCE}
