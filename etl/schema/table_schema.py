"""Frictionless Table Schemas (Data Package v2) generated from the table definitions in etl/schema/tables.py."""
from __future__ import annotations

from etl.schema.model import Column, Table

MISSING_VALUES = [""]
FIELD_TYPES = {
    "string": "string",
    "integer": "integer",
    "number": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "partial_date": "string",
}
BOOLEAN_VALUES = {"trueValues": ["1"], "falseValues": ["0"]}


def table_schema(table: Table) -> dict:
    """The Table Schema of one table: fields, primary key, foreign keys and missing values."""
    schema: dict = {
        "fields": [field(column, required=column.name in table.primary_key) for column in table.columns],
        "missingValues": list(MISSING_VALUES),
        "primaryKey": list(table.primary_key),
    }
    foreign_keys = [foreign_key(table, name, other, other_column)
                    for name, other, other_column in table.foreign_keys]
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def field(column: Column, required: bool = False) -> dict:
    """A field descriptor: type, description and every constraint the column states."""
    descriptor: dict = {"name": column.name, "type": FIELD_TYPES[column.type], "description": column.description}
    if column.type == "boolean":
        descriptor.update({key: list(values) for key, values in BOOLEAN_VALUES.items()})
    constraints = field_constraints(column, required)
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def field_constraints(column: Column, required: bool = False) -> dict:
    constraints: dict = {}
    if column.required or required:
        constraints["required"] = True
    if column.unique:
        constraints["unique"] = True
    if column.enum:
        constraints["enum"] = list(column.enum)
    for key, bound in (("minimum", column.minimum), ("exclusiveMinimum", column.exclusive_minimum),
                       ("maximum", column.maximum)):
        if bound is not None:
            constraints[key] = _bound(column, bound)
    pattern = column.effective_pattern
    if pattern is not None:
        constraints["pattern"] = full_match_pattern(pattern)
    return constraints


def _bound(column: Column, bound: float) -> int | float:
    if column.type == "integer" or float(bound).is_integer():
        return int(bound)
    return bound


def full_match_pattern(pattern: str) -> str:
    """A Python search pattern as a Table Schema pattern, which must match the whole value (XML Schema
    regular expressions have no ^ and $ anchors)."""
    inner = pattern[1:] if pattern.startswith("^") else ".*" + pattern
    if inner.endswith("$") and not inner.endswith("\\$"):
        return inner[:-1]
    return inner + ".*"


def foreign_key(table: Table, name: str, other: str, other_column: str) -> dict:
    """A v2 foreign key: arrays of fields, and no reference.resource when the table references itself."""
    reference: dict = {"fields": [other_column]}
    if other != table.name:
        reference = {"resource": other, **reference}
    return {"fields": [name], "reference": reference}


def schema_signature(schema: dict) -> dict:
    """What makes a schema change breaking for consumers: the schema without its documentation."""
    return {
        **{key: value for key, value in schema.items() if key != "fields"},
        "fields": [{key: value for key, value in item.items() if key not in ("description", "title")}
                   for item in schema["fields"]],
    }
