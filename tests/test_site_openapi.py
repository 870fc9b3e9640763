"""The OpenAPI document: generated from the definitions, and every path answers with the documented fields."""
from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from datasette.utils import tilde_encode
from jsonschema import Draft202012Validator

from etl.schema.tables import TABLES
from etl.site import openapi
from etl.site import serve as site_serve
from etl.site.queries import QUERIES

pytest_plugins = ["tests.site_support"]

DB = site_serve.DATABASE_NAME
DOCUMENT = openapi.document()


def response_schema(operation: dict) -> dict:
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    return {**schema, "components": DOCUMENT["components"]}


def problems(operation: dict, body) -> list[str]:
    validator = Draft202012Validator(response_schema(operation))
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}"[:300]
            for error in validator.iter_errors(body)]


def first_row(served, table: str) -> dict:
    rows = served.json(f"/{DB}/{table}.json?_shape=array&_size=1")
    assert rows, f"{table} is empty: nothing to call its row path with"
    return rows[0]


def calls(served, path: str, operation: dict) -> list[str]:
    """The URLs that exercise a path: every documented shape, the required parameters at their examples."""
    parameters = operation.get("parameters", [])
    url = path
    path_params = [p["name"] for p in parameters if p["in"] == "path"]
    if path_params:
        table = path.split("/")[2]
        row = first_row(served, table)
        for name in path_params:
            url = url.replace("{" + name + "}", tilde_encode(str(row[name])))
    query = {p["name"]: p["example"] for p in parameters if p["in"] == "query" and p["required"]}
    shapes = [None] + next((p["schema"]["enum"] for p in parameters if p["name"] == "_shape"), [])
    urls = []
    for shape in shapes:
        arguments = {**query, **({"_shape": shape} if shape else {})}
        urls.append(url + ("?" + urlencode(arguments) if arguments else ""))
    optional = {p["name"]: p["example"] for p in parameters if not p["required"] and "example" in p}
    if optional:
        urls.append(url + "?" + urlencode({**query, **optional}))
    return urls


PATHS = sorted(DOCUMENT["paths"].items())


@pytest.mark.parametrize("path,item", PATHS, ids=[path for path, _ in PATHS])
def test_every_path_answers_with_the_documented_fields(served, path, item):
    operation = item["get"]
    for url in calls(served, path, operation):
        response = served.get(url)
        assert response.status_code == 200, (url, response.text[:300])
        assert problems(operation, response.json()) == [], url


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_labels_and_pages_of_every_table_match_the_document(served, table):
    operation = DOCUMENT["paths"][f"/{DB}/{table.name}.json"]["get"]
    for url in (f"/{DB}/{table.name}.json?_shape=objects&_labels=on",
                f"/{DB}/{table.name}.json?_shape=objects&_size=2"):
        assert problems(operation, served.json(url)) == [], url


def test_a_row_with_an_undocumented_or_missing_field_fails_validation(served):
    operation = DOCUMENT["paths"][f"/{DB}/claims.json"]["get"]
    rows = served.json(f"/{DB}/claims.json?_shape=array&_size=1")
    assert problems(operation, rows) == []
    assert problems(operation, [{**rows[0], "invented": 1}]) != []
    assert problems(operation, [{k: v for k, v in rows[0].items() if k != "quote"}]) != []
    page = served.json(f"/{DB}/claims.json?_shape=objects&_size=1")
    page["rows"][0]["amount_usd"] = "a lot"
    assert problems(operation, page) != []


def served_tables(served) -> dict[str, list[str]]:
    """The tables the running site serves, with their columns, FTS index tables left out."""
    return {table["name"]: table["columns"] for table in served.json(f"/{DB}.json")["tables"]
            if not table["hidden"] and not table.get("fts_table") == table["name"]}


def test_every_served_table_and_canned_query_has_its_paths(served):
    tables = served_tables(served)
    table_paths = {path.split("/")[2] for path in DOCUMENT["paths"] if path.startswith(f"/{DB}/")}
    assert set(tables) <= table_paths
    for table in tables:
        assert f"/{DB}/{table}.json" in DOCUMENT["paths"]
        assert any(path.startswith(f"/{DB}/{table}/{{") for path in DOCUMENT["paths"]), table
    queries = served.json("/-/metadata.json")["databases"][DB]["queries"]
    assert {f"/{DB}/{name}.json" for name in queries} <= set(DOCUMENT["paths"])
    assert {f"/{DB}.json", "/-/package/datapackage.json"} <= set(DOCUMENT["paths"])


def test_row_schemas_are_the_served_columns_with_their_descriptions(served):
    schemas = DOCUMENT["components"]["schemas"]
    for table, columns in served_tables(served).items():
        schema = schemas[f"Row_{table}"]
        assert list(schema["properties"]) == schema["required"] == columns
        assert all(schema["properties"][name]["description"] for name in columns), table
    for query in QUERIES:
        assert list(schemas[f"Query_{query.name}"]["properties"]) == query.column_names


def test_query_parameters_are_documented_with_examples():
    for query in QUERIES:
        parameters = DOCUMENT["paths"][f"/{DB}/{query.name}.json"]["get"]["parameters"]
        documented = {p["name"]: p for p in parameters if p["name"] != "_shape"}
        assert list(documented) == [param.name for param in query.params]
        assert all(p["required"] and p["description"] and "example" in p for p in documented.values())


def test_every_reference_resolves_and_every_path_parameter_is_in_its_template():
    text = repr(DOCUMENT)
    for ref in set(re.findall(r"'#/components/schemas/(\w+)'", text)):
        assert ref in DOCUMENT["components"]["schemas"], ref
    for path, item in DOCUMENT["paths"].items():
        in_path = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in item["get"].get("parameters", []) if p["in"] == "path"}
        assert in_path == declared, path
        assert item["get"]["operationId"] and item["get"]["responses"]["200"]


def test_the_document_is_served_with_cors(served):
    response = served.get("/-/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["access-control-allow-origin"] == "*"
    served_document = response.json()
    examples = {}
    for table in TABLES:
        row = first_row(served, table.name)
        examples[table.name] = {key: tilde_encode(str(row[key])) for key in table.primary_key}
    assert served_document == json.loads(json.dumps(openapi.document(examples)))
    row_paths = [item["get"] for path, item in served_document["paths"].items() if "{" in path]
    assert all("example" in p for operation in row_paths for p in operation["parameters"] if p["in"] == "path")
    assert DOCUMENT["openapi"].startswith("3.")
