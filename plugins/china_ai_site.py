"""Datasette plugin of the site: the hooks only; what each page shows lives in etl/site/."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils import add_cors_headers, tilde_decode, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response

from etl.schema.tables import DATA_TABLES, TABLES
from etl.schema import dataset
from etl.site import chart, entity, openapi, render
from etl.site import metadata as site_metadata
from etl.site import serve as site_serve
from etl.site import search as site_search
from etl.site import pages as site_pages
from etl.site.queries import QUERIES


def _database(datasette):
    return next(db for name, db in datasette.databases.items() if name != "_internal")


def _root(datasette) -> Path:
    """Where the build put the served database: the package and build/ beside it belong to the same build."""
    return Path(_database(datasette).path).resolve().parent


def _finish(datasette, response: Response) -> Response:
    if datasette.cors:
        add_cors_headers(response.headers)
    response.headers["Cache-Control"] = f"max-age={datasette.setting('default_cache_ttl')}"
    return response


def _file(datasette, found: Path | None, attachment: bool = False) -> Response:
    if found is None:
        return Response.text("Not found — see the home page for what this site serves", status=404)
    response = Response(found.read_bytes(), content_type=site_pages.content_type(found))
    if attachment:
        response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return _finish(datasette, response)


async def openapi_json(datasette):
    return _finish(datasette, Response.json(openapi.document(), default=str))


async def package(datasette, request):
    path = unquote(request.url_vars["path"])
    return _file(datasette, site_pages.package_file(_root(datasette), path), attachment=path.endswith(".zip"))


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
    data = await entity.gather(db, entity_id)
    if data is None:
        return await _page(datasette, request, "error.html", {
            "ok": False, "error": f"No entity {entity_id!r} — see the entities table for every id", "status": 404,
            "title": "Not found"}, status=404)
    links = render.Links(datasette.urls, db.name)
    points = [{**point, "href": links.row("claims", point["claim_id"])} for point in data["valuations"]]
    context = {**data, "kind_title": entity.kind_title(data), "chart": chart.valuation_svg(points),
               "database_name": db.name, "entity_url": links.entity, "row_url": links.row}
    return await _page(datasette, request, "entity.html", context)


async def search_page(datasette, request):
    db = _database(datasette)
    links = render.Links(datasette.urls, db.name)
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


READ_METHODS = ("GET", "HEAD", "OPTIONS")
READ_ONLY = json.dumps({"ok": False, "error": "This site is read-only: only GET, HEAD and OPTIONS are answered — "
                        "download the data package or the database to change a copy", "status": 405}).encode()


@hookimpl
def asgi_wrapper():
    """Refuse every method that could write, before Datasette sees it: the served database is read-only."""
    def wrap(app):
        async def read_only(scope, receive, send):
            if scope["type"] != "http" or scope["method"] in READ_METHODS:
                return await app(scope, receive, send)
            await send({"type": "http.response.start", "status": 405, "headers": [
                (b"content-type", b"application/json; charset=utf-8"), (b"allow", b"GET, HEAD, OPTIONS")]})
            await send({"type": "http.response.body", "body": READ_ONLY})
        return read_only
    return wrap


async def _home_vars(datasette) -> dict:
    db = _database(datasette)
    try:
        last_run = (await db.execute("select max(run_at) from validation_runs")).first()[0]
    except Exception:  # a database built before the validation tables existed
        last_run = None
    counts = await db.table_counts(limit=1000)
    package = site_pages.package_links(_root(datasette), [table.name for table in DATA_TABLES])
    changed = site_pages.data_changed(_root(datasette), site_pages.package_descriptor(_root(datasette)))
    links = render.Links(datasette.urls, db.name)
    return {
        "package": package,
        "changed": changed,
        "citation": dataset.citation(package["version"] if package["version"] != "unknown" else None,
                                     changed["date"]),
        "directory": entity.directory([dict(row) for row in (await db.execute(entity.DIRECTORY_SQL)).rows]),
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


def _api_vars(request) -> dict:
    base = f"{request.scheme}://{request.host}" if request is not None else site_pages.README_HOST
    return {"endpoints": site_pages.api_examples(openapi.document()), "guide": site_pages.api_guide_html(base),
            "base_url": base}


CONFLICTS_TEMPLATE = f"query-{site_serve.DATABASE_NAME}-conflicting_claims.html"


@hookimpl
def extra_template_vars(template, table, view_name, request, datasette):
    async def variables():
        db_name = _database(datasette).name
        links = render.Links(datasette.urls, db_name)
        found = {"database_name": db_name, "entity_url": links.entity, "row_url": links.row,
                 "site_provenance": site_metadata.PROVENANCE}
        if template == "index.html":
            found.update(await _home_vars(datasette))
        elif template == "pages/api.html":
            found.update(_api_vars(request))
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
    return render.cell_markup(row, value, column, table, render.Links(datasette.urls, database), BOOLEAN_COLUMNS)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode
