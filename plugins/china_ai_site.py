"""Datasette plugin of the site: read-only guard, OpenAPI, package and Data Docs downloads, page variables."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

from datasette import hookimpl
from datasette.utils import add_cors_headers, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response

from etl.schema.tables import DATA_TABLES, TABLES
from etl.site import guard, limits, openapi, reload
from etl.site import pages as site_pages
from etl.site.queries import QUERIES

guard.quiet_errors()


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
        return Response(guard.error_body(404, "Not found — see the home page for what this site serves"),
                        status=404, content_type="application/json; charset=utf-8")
    response = Response(found.read_bytes(), content_type=site_pages.content_type(found))
    if attachment:
        response.headers["Content-Disposition"] = f'attachment; filename="{found.name}"'
    return _finish(datasette, response)


async def openapi_json(datasette):
    examples = await site_pages.row_examples(_database(datasette), TABLES)
    return _finish(datasette, Response.json(openapi.document(examples), default=str))


async def package(datasette, request):
    """A package file; with ?sha256= only if it has that digest, so a cache may keep that URL for ever."""
    path = unquote(request.url_vars["path"])
    found = site_pages.package_file(_root(datasette), path)
    wanted = request.args.get("sha256")
    if found is not None and wanted is not None and site_pages.sha256_of(found) != wanted.lower():
        found = None
    return _file(datasette, found, attachment=path.endswith(".zip"))


async def data_docs(datasette, request):
    path = request.url_vars["path"]
    if path is None:
        return Response.redirect(request.path + "/")
    return _file(datasette, site_pages.data_docs_file(_root(datasette), unquote(path)))


@hookimpl
def register_routes():
    return [
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
    return {
        "package": site_pages.package_links(_root(datasette), [table.name for table in DATA_TABLES]),
        "built": site_pages.built_at(last_run, Path(db.path)),
        "site_tables": [{"name": t.name, "title": t.title, "description": t.description, "count": counts.get(t.name)}
                        for t in TABLES],
        "site_queries": QUERIES,
    }


async def _claim_vars(datasette, request) -> dict:
    claim_id = urlsafe_components(request.url_vars["pks"])[0]
    row = (await _database(datasette).execute(site_pages.PROVENANCE_SQL, {"claim_id": claim_id})).first()
    return {"claim": site_pages.provenance(dict(row)) if row else None}


def _api_vars() -> dict:
    return {"endpoints": site_pages.api_examples(openapi.document()), "guide": site_pages.api_guide()}


@hookimpl
def extra_template_vars(template, table, view_name, request, datasette):
    async def variables():
        found = {"database_name": _database(datasette).name}
        if template == "index.html":
            found.update(await _home_vars(datasette))
        elif template == "pages/api.html":
            found.update(_api_vars())
        elif view_name == "row" and table == "claims" and request is not None:
            found.update(await _claim_vars(datasette, request))
        return found
    return variables


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["tilde_encode"] = tilde_encode


@hookimpl
def startup(datasette):
    """Follow rebuilds: serve the version build/current points at, swapped in when a build publishes another."""
    return reload.follow(datasette)
