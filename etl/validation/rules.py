"""The column-level suites, generated from etl/schema/tables.py, the row-count baseline and the acknowledgements."""
from __future__ import annotations

from etl.schema import vocab
from etl.schema.model import Column, Table
from etl.schema.tables import DATA_TABLES

SUITE_META = {"generated_by": "etl expectations",
              "generated_from": ["etl/schema/tables.py", "expectations/row_counts.yml",
                                 "expectations/acknowledged_conflicts.yml"]}

STORAGE = {
    "string": ("text",),
    "integer": ("integer",),
    "number": ("integer", "real"),
    "boolean": ("integer",),
    "date": ("text",),
    "partial_date": ("text",),
    "datetime": ("text",),
}
EARLIEST_DATE = "1990-01-01"

_SLUG = ("{c} <> '' AND {c} NOT GLOB '*[^a-z0-9-]*' AND {c} NOT GLOB '-*' AND {c} NOT GLOB '*-' "
         "AND {c} NOT GLOB '*--*'")
# The column patterns as SQLite GLOB conditions on {c}, true when the value matches: the same test as the
# regular expression (Python's re.search), checked in C instead of a Python function called for every row.
# Two differences, both stricter: a value ending in a newline fails (a regex's $ accepts one) and \d is
# [0-9] only (a Python \d also accepts other scripts' digits). tests/test_validation_patterns.py holds each
# condition to its regex. A pattern not listed here is checked with the regex itself.
GLOB_OF_PATTERN = {
    vocab.ID_PATTERN: _SLUG,
    vocab.PREDICATE_ID_PATTERN: "{c} GLOB '[a-z]*' AND {c} NOT GLOB '*[^a-z0-9_]*'",
    vocab.SHA256_PATTERN: "length({c}) = 64 AND {c} NOT GLOB '*[^0-9a-f]*'",
    r"^[a-z]{2}$": "{c} GLOB '[a-z][a-z]'",
    r"^[A-Z]{2}$": "{c} GLOB '[A-Z][A-Z]'",
    r"^P\d+[DWMY]$": "{c} GLOB 'P[0-9]*[DWMY]' AND substr({c}, 2, length({c}) - 2) NOT GLOB '*[^0-9]*'",
    r"^ev-[a-z0-9]+(-[a-z0-9]+)*$": "{c} GLOB 'ev-*' AND " + _SLUG.replace("{c}", "substr({c}, 4)"),
    r"^https?://": "({c} GLOB 'http://*' OR {c} GLOB 'https://*')",
}


def expectation(kind: str, rule: str, table: Table, on: str | None = None, **kwargs) -> dict:
    meta = {"rule": rule, "table": table.name}
    if on:
        meta["column"] = on
    return {"type": kind, "kwargs": kwargs, "meta": meta}


def _rows(table: Table, where: str, *columns: str) -> str:
    shown = dict.fromkeys([*table.primary_key, *columns])
    return f"SELECT {', '.join(shown)} FROM {{batch}} WHERE {where}"


def first_day(column: str) -> str:
    return (f"(CASE length({column}) WHEN 4 THEN {column} || '-01-01' WHEN 7 THEN {column} || '-01' "
            f"ELSE {column} END)")


def _valid_date(table: Table, column: Column) -> dict:
    name = column.name
    precision = f"{name}_precision" if f"{name}_precision" in table.column_names else None
    basis = f"{name}_basis" if f"{name}_basis" in table.column_names else None
    real = f"date({name}, '+0 days') IS {name}"
    month = f"({name} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' AND date({name} || '-01', '+0 days') IS {name} || '-01')"
    year = f"{name} GLOB '[0-9][0-9][0-9][0-9]'"
    if column.type == "date":
        bad = f"{name} IS NOT NULL AND NOT ({real})"
    elif precision:
        week = f"({real} AND strftime('%w', {name}) = '1')"
        form = (f"CASE {precision} WHEN 'year' THEN {year} WHEN 'month' THEN {month} WHEN 'week' THEN {week} "
                f"WHEN 'day' THEN {real} WHEN 'range' THEN {real} ELSE 1 END")
        together = f"({name} IS NULL) <> ({precision} IS NULL)"
        if basis:
            together += f" OR ({name} IS NULL) <> ({basis} IS NULL)"
        bad = f"{together} OR ({name} IS NOT NULL AND NOT ({form}))"
    else:
        bad = f"{name} IS NOT NULL AND NOT ({year} OR {month} OR {real})"
    shown = [name] + [c for c in (precision, basis) if c]
    return expectation("unexpected_rows_expectation", f"{table.name}.{name}.valid_date", table, name,
                       unexpected_rows_query=_rows(table, bad, *shown))


def _date_range(table: Table, column: Column) -> dict:
    name = column.name
    bad = f"{name} IS NOT NULL AND ({first_day(name)} < '{EARLIEST_DATE}' OR {first_day(name)} > date('now'))"
    return expectation("unexpected_rows_expectation", f"{table.name}.{name}.date_range", table, name,
                       unexpected_rows_query=_rows(table, bad, name))


def _references(table: Table, column: Column) -> dict:
    other, other_column = column.references
    keys = ", ".join(f"t.{name}" for name in dict.fromkeys([*table.primary_key, column.name]))
    query = (f"SELECT {keys} FROM {{batch}} AS t LEFT JOIN {other} AS r ON r.{other_column} = t.{column.name} "
             f"WHERE t.{column.name} IS NOT NULL AND r.{other_column} IS NULL")
    return expectation("unexpected_rows_expectation", f"{table.name}.{column.name}.references", table,
                       column.name, unexpected_rows_query=query)


def _pattern(table: Table, column: Column) -> dict:
    rule, pattern = f"{table.name}.{column.name}.pattern", column.effective_pattern
    if pattern not in GLOB_OF_PATTERN:
        return expectation("expect_column_values_to_match_regex", rule, table, column.name, column=column.name,
                           regex=pattern)
    matches = GLOB_OF_PATTERN[pattern].format(c=column.name)
    return expectation("unexpected_rows_expectation", rule, table, column.name,
                       unexpected_rows_query=_rows(table, f"{column.name} IS NOT NULL AND NOT ({matches})",
                                                   column.name))


def column_expectations(table: Table, column: Column) -> list[dict]:
    name, rule = column.name, f"{table.name}.{column.name}"
    found = []
    if column.required or name in table.primary_key:
        found.append(expectation("expect_column_values_to_not_be_null", f"{rule}.not_null", table, name, column=name))
    if column.unique:
        found.append(expectation("expect_column_values_to_be_unique", f"{rule}.unique", table, name, column=name))
    if column.enum or column.type == "boolean":
        values = list(column.enum) if column.enum else [0, 1]
        found.append(expectation("expect_column_values_to_be_in_set", f"{rule}.in_set", table, name, column=name,
                                 value_set=values))
    if column.pattern == vocab.CURRENCY_PATTERN:
        found.append(expectation("expect_column_values_to_be_in_set", f"{rule}.iso_4217", table, name,
                                 column=name, value_set=sorted(vocab.CURRENCIES)))
    elif column.effective_pattern and column.type == "string":
        found.append(_pattern(table, column))
    low = column.minimum if column.minimum is not None else column.exclusive_minimum
    if low is not None or column.maximum is not None:
        found.append(expectation("expect_column_values_to_be_between", f"{rule}.range", table, name, column=name,
                                 min_value=low, max_value=column.maximum,
                                 strict_min=column.exclusive_minimum is not None))
    if column.references:
        found.append(_references(table, column))
    if column.type in ("date", "partial_date"):
        found.extend([_valid_date(table, column), _date_range(table, column)])
    return found


def wrong_storage(column: Column) -> str:
    """True when the column's value has a storage class its type does not allow (typeof not in STORAGE).

    Said with comparisons where they suffice, which SQLite evaluates without a function call: by its sort order
    of storage classes (NULL < numbers < text < blob) a number is < '', text or a blob is >= '', and a blob is
    >= X''. tests/test_validation_patterns.py holds each form to the typeof test."""
    name = column.name
    allowed = STORAGE[column.type]
    if allowed == ("text",):
        return f"({name} < '' OR {name} >= X'')"
    if allowed == ("integer", "real"):
        return f"{name} >= ''"
    if allowed == ("integer",):
        return f"({name} >= '' OR ({name} IS NOT NULL AND typeof({name}) = 'real'))"
    return f"typeof({name}) NOT IN ({', '.join(repr(kind) for kind in ('null', *allowed))})"


def _storage_types(table: Table) -> dict:
    """Rows with a value of the wrong storage class, in one pass over the table: each offending row once, with
    the offending columns and their classes (a column per row would read the table once per column)."""
    wrong = {column.name: wrong_storage(column) for column in table.columns}
    names = " || ".join(f"CASE WHEN {test} THEN ' {name}' ELSE '' END" for name, test in wrong.items())
    kinds = " || ".join(f"CASE WHEN {test} THEN ' ' || typeof({name}) ELSE '' END" for name, test in wrong.items())
    keys = ", ".join(table.primary_key)
    query = (f"SELECT {keys}, ltrim({names}) AS column_name, ltrim({kinds}) AS stored_as FROM {{batch}} "
             f"WHERE {' OR '.join(wrong.values())}")
    return expectation("unexpected_rows_expectation", f"{table.name}.storage_types", table,
                       unexpected_rows_query=query)


def _acknowledgements(table: Table, acknowledged: list[str]) -> dict:
    # One VALUES list, not a UNION ALL per id: SQLite allows at most 500 terms in a compound SELECT, and a
    # project of a million claims acknowledges more conflicts than that.
    rows = ", ".join(f"('{conflict_id.replace(chr(39), chr(39) * 2)}')" for conflict_id in acknowledged)
    listed = f"SELECT column1 AS conflict_id FROM (VALUES {rows})" if rows else "SELECT NULL AS conflict_id WHERE 0"
    query = (f"SELECT a.conflict_id FROM ({listed}) AS a LEFT JOIN {{batch}} AS c ON c.conflict_id = a.conflict_id "
             "WHERE c.conflict_id IS NULL")
    return expectation("unexpected_rows_expectation", "claim_conflicts.acknowledgements_name_existing_conflicts",
                       table, "conflict_id", unexpected_rows_query=query)


def table_suite(table: Table, minimum_rows: int, acknowledged: list[str]) -> dict:
    """The generated suite of one table: its shape, its row-count baseline and every column constraint."""
    found = [
        expectation("expect_table_columns_to_match_ordered_list", f"{table.name}.columns", table,
                    column_list=table.column_names),
        expectation("expect_table_row_count_to_be_between", f"{table.name}.row_count_not_below_baseline", table,
                    min_value=minimum_rows, max_value=None),
        _storage_types(table),
    ]
    if len(table.primary_key) > 1:
        found.append(expectation("expect_compound_columns_to_be_unique", f"{table.name}.primary_key_unique",
                                 table, column_list=list(table.primary_key)))
    for column in table.columns:
        found.extend(column_expectations(table, column))
    if table.name == "claim_conflicts":
        found.append(_acknowledgements(table, acknowledged))
    return {"name": table.name, "meta": SUITE_META, "expectations": found}


def generated_suites(minimum_rows: dict[str, int], acknowledged: list[str]) -> dict[str, dict]:
    return {table.name: table_suite(table, minimum_rows[table.name], acknowledged) for table in DATA_TABLES}
