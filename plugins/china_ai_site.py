"""Datasette plugin of the site: the hooks only; what each page shows lives in etl/site/."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils import (
    add_cors_headers,
    tilde_decode,
    tilde_encode,
    urlsafe_components,
)
from datasette.utils.asgi import Response

from etl.schema import dataset
from etl.schema.tables import DATA_TABLES, TABLES
from etl.site import caching, cells, chart, entity, guard, limits, openapi, reload, render, threads
from etl.site import metadata as site_metadata
from etl.site import pages as site_pages
from etl.site import search as site_search
from etl.site import serve as site_serve
from etl.site.queries import QUERIES

guard.quiet_errors()
guard.keep_connections_open()
cells.install()


def _database(datasette):
    return next(db for name, db in datasette.databases.items() if name != "_internal")


def _root(datasette) -> Path:
    """Where the build put the served database: the package and build/ beside it belong to the same build."""
    return Path(_database(datasette).path).resolve().parent


def _project(datasette) -> Path:
    """The folder the published database is linked from: what lives beside the versions (CHANGELOG.md)."""
    db = _database(datasette)
    return Path(getattr(db, "link", None) or db.path).parent


def _finish(datasette, response: Response) -> Response:
    if datasette.cors:
        add_cors_headers(response.headers)
    response.headers["Cache-Control"] = f"max-age={datasette.setting('default_cache_ttl')}"
    return response


def _file(datasette, found: Path | None, attachment: bool = False) -> Response:
    if found is None:
        return Response(guard.error_body(404, "Not found — see the home page for what this site serves"),
                        status=404, content_type="application/json; charset=utf-8")
    response = Response(found.read_bytes(), content_type=site_pages.content_type(found))
    if attachment:
        response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return _finish(datasette, response)


def _corpus(datasette) -> dataset.Corpus:
    """What the served version is drawn from, as its sources table has it."""
    return site_metadata.served_corpus(Path(_database(datasette).path))


async def openapi_json(datasette):
    examples = await site_pages.row_examples(_database(datasette), TABLES)
    return _finish(datasette, Response.json(openapi.document(examples, _corpus(datasette)), default=str))


async def package(datasette, request):
    """A package file; with ?sha256= only if it has that digest, so a cache may keep that URL for ever."""
    path = unquote(request.url_vars["path"])
    root = _project(datasette) if path == site_pages.CHANGELOG else _root(datasette)
    found = site_pages.package_file(root, path)
    wanted = request.args.get("sha256")
    if found is not None and wanted is not None and site_pages.sha256_of(found) != wanted.lower():
        found = None
    return _file(datasette, found, attachment=path.endswith(".zip"))


async def data_docs(datasette, request):
    path = request.url_vars["path"]
    if path is None:
        return Response.redirect(request.path + "/")
    return _file(datasette, site_pages.data_docs_file(_root(datasette), unquote(path)))


async def _page(datasette, request, template: str, context: dict, status: int = 200) -> Response:
    """A page of the site's own with the instance's licence and source in its footer, as Datasette's pages have."""
    get_metadata = getattr(datasette, "get_instance_metadata", None)  # Datasette 1.0; 0.65 has metadata()
    metadata = await get_metadata() if get_metadata else datasette.metadata()
    html = await datasette.render_template(template, {"metadata": metadata, **context}, request=request)
    return _finish(datasette, Response.html(html, status=status))


async def entity_page(datasette, request):
    db = _database(datasette)
    entity_id = tilde_decode(request.url_vars["entity_id"])
    data = await entity.gather(db, entity_id, datasette.setting("sql_time_limit_ms"))
    if data is None:
        return await _page(datasette, request, "error.html", {
            "ok": False, "error": f"No entity {entity_id!r} — see the entities table for every id", "status": 404,
            "title": "Not found"}, status=404)
    links = render.links_of(datasette, db.name)
    points = [{**point, "href": links.row("claims", point["claim_id"])} for point in data["valuations"]]
    context = {**entity.linked(data, links), "kind_title": entity.kind_title(data),
               "chart": chart.valuation_svg(points), "database_name": db.name, "entity_url": links.entity,
               "row_url": links.row}
    return await _page(datasette, request, "entity.html", context)


async def search_page(datasette, request):
    db = _database(datasette)
    links = render.links_of(datasette, db.name)
    context = {**await site_search.search(db, request.args.get("q")), "database_name": db.name,
               "entity_url": links.entity, "row_url": links.row}
    return await _page(datasette, request, "search.html", context)


@hookimpl
def register_routes():
    return [
        (r"^/entity/(?P<entity_id>[^/]+)$", entity_page),
        (r"^/search$", search_page),
        (r"^/-/openapi\.json$", openapi_json),
        (r"^/-/package/(?P<path>.+)$", package),
        (r"^/-/data-docs(/(?P<path>.*))?$", data_docs),
    ]


@hookimpl
def asgi_wrapper(datasette):
    """Refuse writes, bad paths and bad arguments before Datasette sees them; correct its JSON errors after."""
    return lambda app: guard.wrap(app, datasette)


@hookimpl
def prepare_connection(conn):
    """Cap what one query may allocate and return, on every connection Datasette opens."""
    limits.limit_connection(conn)


async def _home_vars(datasette) -> dict:
    db = _database(datasette)
    try:
        last_run = (await db.execute("select max(run_at) from validation_runs")).first()[0]
    except Exception:  # a database built before the validation tables existed
        last_run = None
    counts = await db.table_counts(limit=1000)
    package = site_pages.package_links(_root(datasette), [table.name for table in DATA_TABLES])
    changed = site_pages.data_changed(_project(datasette), site_pages.package_descriptor(_root(datasette)))
    links = render.links_of(datasette, db.name)
    named = [dict(row) for row in (await db.execute(entity.DIRECTORY_SQL, {"limit": entity.DIRECTORY_LIMIT + 1})).rows]
    return {
        "package": package,
        "changed": changed,
        "citation": dataset.citation(package["version"] if package["version"] != "unknown" else None,
                                     changed["date"], _corpus(datasette).title),
        "directory": entity.directory(named[:entity.DIRECTORY_LIMIT]),
        "directory_more": len(named) > entity.DIRECTORY_LIMIT, "directory_limit": entity.DIRECTORY_LIMIT,
        "entity_url": links.entity,
        "built": site_pages.built_at(last_run, Path(db.path)),
        "site_tables": [{"name": t.name, "title": t.title, "description": t.description, "count": counts.get(t.name)}
                        for t in TABLES],
        "site_queries": QUERIES,
    }


async def _claim_vars(datasette, request) -> dict:
    claim_id = urlsafe_components(request.url_vars["pks"])[0]
    row = (await _database(datasette).execute(site_pages.PROVENANCE_SQL, {"claim_id": claim_id})).first()
    return {"claim": site_pages.provenance(dict(row)) if row else None}


def _api_vars(datasette, request) -> dict:
    base = f"{request.scheme}://{request.host}" if request is not None else site_pages.README_HOST
    return {"endpoints": site_pages.api_examples(openapi.document(of=_corpus(datasette))),
            "guide": site_pages.api_guide_html(base),
            "base_url": base}


CONFLICTS_TEMPLATE = f"query-{site_serve.DATABASE_NAME}-conflicting_claims.html"


@hookimpl
def extra_template_vars(template, table, view_name, request, datasette):
    async def variables():
        db_name = _database(datasette).name
        links = render.links_of(datasette, db_name)
        found = {"database_name": db_name, "entity_url": links.entity, "row_url": links.row,
                 "site_provenance": site_metadata.provenance(_corpus(datasette))}
        if template == "index.html":
            found.update(await _home_vars(datasette))
        elif template == "pages/api.html":
            found.update(_api_vars(datasette, request))
        elif template == CONFLICTS_TEMPLATE and request is not None:
            found["conflicts"] = await entity.conflicting_claims(_database(datasette), request.args.get("status", ""))
        elif view_name == "row" and table == "claims" and request is not None:
            found.update(await _claim_vars(datasette, request))
        return found
    return variables


BOOLEAN_COLUMNS = render.boolean_columns()


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Money, intervals and flags in words, ids linked to their pages: HTML only, JSON and CSV stay exact."""
    return render.cell_markup(row, value, column, table, render.links_of(datasette, database), BOOLEAN_COLUMNS)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode
    env.globals["table_rows_html"] = render.rows_html


@hookimpl
def startup(datasette):
    """Clients' SQL on threads of its own; each table's permissions kept instead of deep-copying the metadata for
    them on every request, and Datasette's catalogue of schemas refreshed only when the databases change; follow
    rebuilds: serve the version build/current points at, swapped in when a build publishes another."""
    threads.install(datasette)
    caching.cache_table_permissions(datasette)
    caching.refresh_schemas_when_databases_change(datasette)
    return reload.follow(datasette)
