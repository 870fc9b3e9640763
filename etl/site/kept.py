"""Counts, facet counts and schema lookups of a published version, kept: its file never changes, so neither do
their answers."""
from __future__ import annotations

import re
from collections import OrderedDict

KEPT_QUERIES = 512  # per served version; each answer is a count, a facet's few rows or a schema lookup
KEPT_ROWS = 1_000  # an answer with more rows is not kept
# Datasette's row counts ("select count(*) from …") and column and date facets ("select [x] as value,
# count(*) as count from (…)"): at a million claims a filtered count and its facet are most of a page's SQL.
COUNT_OR_FACET = (r"select\s+(?:count\(\*\)\s+from\s|(?:date\()?\[?[\w ]+\]?\)?\s+as\s+value,\s+"
                  r"count\(\*\)\s+as\s+count\s+from\s+\()")
# What Datasette 0.65 asks for each permission check on a table or row page, a trip to a SQL thread each time: the
# table's name as SQLite spells it. (Its other question of every request, the schema version, is asked only when
# the databases change: see caching.refresh_schemas_when_databases_change.)
SCHEMA = r"select\s+name\s+from\s+sqlite_master\s"
KEPT_SQL = re.compile(rf"\s*(?:{COUNT_OR_FACET}|{SCHEMA})", re.IGNORECASE)


class KeptAnswers:
    """The answers of one version's kept queries, the most recently used KEPT_QUERIES of them."""

    def __init__(self, size: int = KEPT_QUERIES):
        self.size = size
        self.answers: OrderedDict = OrderedDict()

    def key(self, sql: str, params, options: dict) -> tuple | None:
        """The query's key, or None when it is not one kept (or its parameters cannot be a key)."""
        if not KEPT_SQL.match(sql):
            return None
        values = tuple(sorted(params.items())) if isinstance(params, dict) else tuple(params or ())
        key = (sql, values, tuple(sorted(options.items())))
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def get(self, key: tuple):
        answer = self.answers.get(key)
        if answer is not None:
            self.answers.move_to_end(key)
        return answer

    def put(self, key: tuple, answer) -> None:
        if getattr(answer, "truncated", False) or len(answer.rows) > KEPT_ROWS:
            return
        self.answers[key] = answer
        self.answers.move_to_end(key)
        while len(self.answers) > self.size:
            self.answers.popitem(last=False)
