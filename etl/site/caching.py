"""What Datasette 0.65 recomputes on every request although nothing it depends on changes while the site runs."""
from __future__ import annotations


def cache_table_permissions(datasette) -> bool:
    """Remember each table's `allow` blocks instead of computing them again for every request.

    Datasette 0.65.5 finds them by deep-copying the whole metadata on each "view-table" check (every table and
    row page, every table the home page lists): with a description for every column that is most of the CPU of a
    row page, and what makes a row page slower than plain `datasette -i`, which has no metadata. The answer
    depends only on the metadata, which Datasette 0.65 reads once at start, so it is kept per table and per
    metadata object (a new metadata object is computed afresh). False when this Datasette has no such method
    (1.0 finds permissions another way), or when a plugin supplies metadata."""
    from datasette.plugins import pm

    original = getattr(datasette, "_table_permission_allows", None)
    if original is None or getattr(original, "cached", False) or pm.hook.get_metadata.get_hookimpls():
        return False  # a plugin's get_metadata may answer differently from one request to the next

    kept: dict = {"metadata": None, "allows": {}}

    def cached(database, table):
        if kept["metadata"] is not datasette._metadata_local:
            kept.update(metadata=datasette._metadata_local, allows={})
        if (database, table) not in kept["allows"]:
            kept["allows"][(database, table)] = tuple(original(database, table))
        return list(kept["allows"][(database, table)])

    cached.cached = True
    datasette._table_permission_allows = cached
    return True


def refresh_schemas_when_databases_change(datasette) -> bool:
    """Refresh Datasette's catalogue of schemas only when the databases it serves change.

    Datasette 0.65 refreshes it before every request: two trips to a SQL thread for its internal database and one
    for each database served, a large share of a row page's CPU. The catalogue changes only with a schema: never
    for a database opened immutable, until another version is swapped in, which replaces datasette.databases (as
    Datasette's own add_database does). While a mutable database is served, every request refreshes, as before.
    False when this Datasette has no such method."""
    original = getattr(datasette, "_refresh_schemas", None)
    if original is None or getattr(original, "cached", False):
        return False
    refreshed: dict = {"databases": None}

    async def refresh():
        databases = datasette.databases
        if databases is refreshed["databases"]:
            return
        await original()
        if not any(db.is_mutable for name, db in databases.items() if name != "_internal"):
            refreshed["databases"] = databases

    refresh.cached = True
    datasette._refresh_schemas = refresh
    return True
