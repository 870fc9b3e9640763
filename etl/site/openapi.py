"""OpenAPI 3.1 description of the site's stable JSON endpoints, generated from the table and query definitions."""
from __future__ import annotations

from importlib import metadata as package_metadata

from etl.schema.dataset import Corpus, corpus
from etl.schema.model import Column, Table
from etl.schema.tables import TABLES
from etl.site import metadata
from etl.site.queries import QUERIES, Query
from etl.site.serve import DATABASE_NAME, SETTINGS

DB = DATABASE_NAME
REF = "#/components/schemas/"
SHAPES = ("objects", "array", "arrays")
LABEL_SWITCH = ["on", "off", "true", "false", "1", "0"]
JSON_TYPES = {
    "string": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"},
    "boolean": {"type": "integer", "enum": [0, 1]}, "date": {"type": "string", "format": "date"},
    "partial_date": {"type": "string"}, "datetime": {"type": "string"},
}


def _version() -> str:
    try:
        return package_metadata.version("china-ai-investments")
    except package_metadata.PackageNotFoundError:
        return "0"


def column_schema(column: Column, nullable: bool = True) -> dict:
    schema = {**JSON_TYPES[column.type], "description": column.description}
    if column.enum:
        schema["enum"] = list(column.enum)
    if column.effective_pattern:
        schema["pattern"] = column.effective_pattern
    if nullable:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    if column.references:
        schema = {"anyOf": [schema, {"$ref": REF + "Label"}], "description": column.description}
    return schema


def row_schema(columns: tuple[Column, ...], required_names: set[str] = frozenset()) -> dict:
    return {
        "type": "object",
        "properties": {c.name: column_schema(c, c.name not in required_names) for c in columns},
        "required": [c.name for c in columns],
        "additionalProperties": False,
    }


def _table_row(table: Table) -> dict:
    required = {c.name for c in table.columns if c.required} | set(table.primary_key)
    return {"description": f"A row of {table.name}: {table.description}", **row_schema(table.columns, required)}


def _page(row_ref: str, fields: dict, required: list[str]) -> dict:
    """A page: rows as objects (_shape=objects) or as lists in column order (_shape=arrays, the default)."""
    rows = {"anyOf": [{"$ref": row_ref}, {"type": "array", "description": "The row's values in column order."}]}
    return {
        "type": "object",
        "properties": {"rows": {"type": "array", "items": rows}, **fields},
        "required": ["rows", *required],
    }


NULLABLE_STRING = {"type": ["string", "null"]}
COLUMNS = {"type": "array", "items": {"type": "string"}}


ERROR = {"type": "object", "required": ["ok", "error", "status"], "properties": {
    "ok": {"const": False}, "error": {"type": "string", "description": "What is wrong — how to fix it."},
    "status": {"type": "integer", "description": "The HTTP status of the answer."},
    "title": {"type": ["string", "null"]}}}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF + "Error"}}}}


ERRORS = {
    "400": _error("A client mistake: an unknown parameter value, a bad sort or _next, SQL that is not a read-only "
                  "SELECT, a query over the time limit or a result too large. status equals the HTTP status."),
    "404": _error("No such table, row or page."),
    "405": _error("Any method but GET, HEAD and OPTIONS: the site is read-only."),
}


def _shape_response(page: dict, row_ref: str, what: str) -> dict:
    return {"200": {"description": what, "content": {"application/json": {"schema": {
        "oneOf": [page, {"type": "array", "items": {"$ref": row_ref}}]}}}}, **ERRORS}


def _param(name: str, description: str, schema: dict, required: bool = False, where: str = "query",
           example=None) -> dict:
    param = {"name": name, "in": where, "required": required, "description": description, "schema": schema}
    if example is not None:
        param["example"] = example
    return param


SHAPE = _param("_shape", "objects: a page with rows as objects, next, next_url and counts; array: the rows "
               "only, as a JSON array of objects; arrays (the default): the page with each row as a list in "
               "column order.", {"type": "string", "enum": list(SHAPES)}, example="objects")


def table_path(table: Table) -> dict:
    row_ref = f"{REF}Row_{table.name}"
    names = table.column_names
    sortable = metadata.sortable_columns(table)
    params = [
        SHAPE,
        _param("_labels", "on: foreign keys as {value, label} objects with the referenced row's label.",
               {"type": "string", "enum": LABEL_SWITCH}),
        _param("_size", f"Rows per page, at most {SETTINGS['max_returned_rows']}; 0 for the count only.",
               {"type": "integer", "minimum": 0, "maximum": SETTINGS["max_returned_rows"]}),
        _param("_facet", "Count the rows by this column (facet_results).", {"type": "string", "enum": names}),
    ]
    if sortable:  # only columns whose order pages every row exactly once
        params.append(_param("_sort", "Sort by this column, ascending (_sort_desc=column instead for descending; "
                             "never both); blank for the default order.", {"type": "string", "enum": ["", *sortable]}))
    if table.fts:
        params.append(_param("_search", f"Full-text search in {', '.join(table.fts)}.", {"type": "string"}))
    params += [_param(c.name, f"Only rows whose {c.name} equals this (also {c.name}__gte, __lt, __contains, "
                      "__isnull … as in Datasette).", {"type": "string"}) for c in table.columns]
    page = _page(row_ref, {
        "database": {"const": DB}, "table": {"const": table.name}, "columns": COLUMNS,
        "primary_keys": COLUMNS, "next": NULLABLE_STRING, "next_url": NULLABLE_STRING,
        "filtered_table_rows_count": {"type": "integer", "minimum": 0},
        "facet_results": {"type": "object"},
    }, ["database", "table", "columns", "primary_keys", "next", "next_url", "filtered_table_rows_count"])
    return {"get": {
        "operationId": f"table_{table.name}", "summary": table.title, "description": table.description,
        "tags": ["tables"], "parameters": params,
        "responses": _shape_response(page, row_ref, f"Rows of {table.name} in primary-key or chosen order."),
    }}


def row_path(table: Table, examples: dict | None = None) -> tuple[str, dict]:
    row_ref = f"{REF}Row_{table.name}"
    template = ",".join("{" + key + "}" for key in table.primary_key)
    params = [SHAPE] + [_param(key, f"{key} of the row, tilde-encoded (Datasette's encoding of / . , ~ and %).",
                               {"type": "string", "minLength": 1}, required=True, where="path",
                               example=(examples or {}).get(key)) for key in table.primary_key]
    page = _page(row_ref, {"database": {"const": DB}, "table": {"const": table.name}, "columns": COLUMNS,
                           "primary_keys": COLUMNS, "primary_key_values": COLUMNS},
                 ["database", "table", "columns", "primary_keys", "primary_key_values"])
    return f"/{DB}/{table.name}/{template}.json", {"get": {
        "operationId": f"row_{table.name}", "summary": f"One row of {table.name}", "tags": ["rows"],
        "parameters": params,
        "responses": _shape_response(page, row_ref, "The row."),
    }}


def query_path(query: Query) -> dict:
    row_ref = f"{REF}Query_{query.name}"
    params = [SHAPE] + [_param(p.name, p.description, {"type": "string"}, required=True, example=p.example)
                        for p in query.params]
    page = _page(row_ref, {"database": {"const": DB}, "query_name": {"const": query.name},
                           "columns": {"const": query.column_names}, "truncated": {"type": "boolean"}},
                 ["database", "query_name", "columns", "truncated"])
    return {"get": {
        "operationId": f"query_{query.name}", "summary": query.title, "description": query.description,
        "tags": ["canned queries"], "parameters": params,
        "responses": _shape_response(page, row_ref, f"Rows with the columns {', '.join(query.column_names)}."),
    }}


def database_path() -> dict:
    table_item = {"type": "object", "required": ["name", "columns", "count", "hidden"], "properties": {
        "name": {"type": "string"}, "columns": COLUMNS, "count": {"type": ["integer", "null"]},
        "hidden": {"type": "boolean", "description": "True for the full-text index tables."}}}
    query_result = {"type": "object", "required": ["database", "rows", "columns", "truncated"], "properties": {
        "database": {"const": DB}, "rows": {"type": "array", "items": {"type": ["object", "array"]}},
        "columns": COLUMNS,
        "truncated": {"type": "boolean"}}}
    tables = {"type": "object", "required": ["database", "tables"], "properties": {
        "database": {"const": DB}, "tables": {"type": "array", "items": table_item}}}
    return {"get": {
        "operationId": "database", "summary": "The database: its tables with row counts, or the result of ?sql=",
        "tags": ["database"],
        "parameters": [
            _param("sql", "A read-only SELECT; parameters as :name, given as further query parameters. "
                   f"Stopped after {SETTINGS['sql_time_limit_ms']} ms.", {"type": "string"},
                   example="select predicate_id, count(*) as n from claims group by predicate_id"),
            _param("_shape", "objects, array or arrays (the default); ignored without sql.",
                   {"type": "string", "enum": list(SHAPES)}, example="objects"),
        ],
        "responses": {"200": {"description": "Without sql: the tables and their row counts. With sql: rows.",
                              "content": {"application/json": {"schema": {"anyOf": [
                                  tables, query_result, {"type": "array", "items": {"type": "object"}}]}}}},
                      **ERRORS}
    }}


def package_path() -> dict:
    resource = {"type": "object", "required": ["name", "path"],
                "properties": {"name": {"type": "string"}, "path": {"type": "string"}}}
    return {"get": {
        "operationId": "datapackage", "summary": "Frictionless data package descriptor (Table Schemas, licences)",
        "tags": ["data package"],
        "responses": {"200": {"description": "datapackage.json of the build; CSV paths are relative to it.",
                              "content": {"application/json": {"schema": {
                                  "type": "object", "required": ["name", "resources"], "properties": {
                                      "name": {"type": "string"}, "version": {"type": "string"},
                                      "resources": {"type": "array", "items": resource}}}}}},
                      "404": ERRORS["404"], "405": ERRORS["405"]},
    }}


def document(row_examples: dict[str, dict] | None = None, of: Corpus | None = None) -> dict:
    """The description; row_examples gives, per table, primary-key values of a real row for the path examples;
    of: the corpus its title and description name (else as sources.yml lists it)."""
    of = of or corpus()
    paths = {f"/{DB}.json": database_path()}
    for table in TABLES:
        paths[f"/{DB}/{table.name}.json"] = table_path(table)
        row, item = row_path(table, (row_examples or {}).get(table.name))
        paths[row] = item
    for query in QUERIES:
        paths[f"/{DB}/{query.name}.json"] = query_path(query)
    paths["/-/package/datapackage.json"] = package_path()
    schemas = {"Error": ERROR, "Label": {"type": "object", "required": ["value", "label"], "additionalProperties": False,
                         "properties": {"value": {}, "label": {"type": ["string", "null"]}}}}
    schemas.update({f"Row_{table.name}": _table_row(table) for table in TABLES})
    schemas.update({f"Query_{query.name}": {"description": query.description, **row_schema(query.columns)}
                    for query in QUERIES})
    return {
        "openapi": "3.1.0",
        "info": {"title": of.title, "version": _version(), "description": metadata.description(of),
                 "license": {"name": "CC-BY-4.0 (data)", "identifier": "CC-BY-4.0"}},
        "servers": [{"url": "/", "description": "The Datasette that serves this document"}],
        "paths": paths,
        "components": {"schemas": schemas},
        "x-html-pages": html_pages(),
    }


def html_pages() -> list[dict]:
    """The site's own pages for people: HTML, not part of the JSON API, listed so they are not a surprise."""
    return [
        {"path": "/entity/{entity_id}", "description": "Page of a company or investor: aliases, founding, rounds, "
         "valuations over time, timeline, conflicts and every claim with its quote (HTML)."},
        {"path": "/search?q={words}", "description": "Search over quotes and names; words in double quotes are a "
         "phrase (HTML). As JSON: the search_quotes canned query."},
    ]
