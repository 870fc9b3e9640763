"""The cells of Datasette 0.65's HTML table and row pages, made in one tight loop instead of one hook call a cell."""
from __future__ import annotations

import inspect

import markupsafe
from datasette.plugins import pm
from datasette.utils import await_me_maybe, format_bytes, is_url, path_from_row_pks, tilde_encode, truncate_url

try:  # Datasette 0.65; another version keeps its own function (install)
    from datasette.views import row as row_view
    from datasette.views import table as table_view
    from datasette.views.table import LINK_WITH_LABEL, LINK_WITH_VALUE, Row
except ImportError:
    table_view = row_view = None

# Datasette's own display_columns_and_rows spends about 10 µs on each cell: a pluggy hook call (its argument
# checks and result list), an `is_url` test, a dictionary of five keys. A page of 50 claims has 1,950 cells, so
# that was 20–40 ms of every HTML table page, more than its SQL. This is the same function, each cell's result the
# same (tests/test_site_cells.py compares both on every table), with what does not change between the cells of
# one column (its foreign-key table, whether it is the key shown as the link) looked up once per column, and the
# render_cell implementations called directly. It falls back to Datasette's own where it does something this does
# not do: a render_cell hook wrapper, or units in the table's metadata.

_NBSP = markupsafe.Markup("&nbsp;")


def _hook_functions() -> list | None:
    """The render_cell implementations in pluggy's call order with the arguments each takes, or None when one is
    a wrapper (only pluggy can call those)."""
    functions = []
    for impl in reversed(pm.hook.render_cell.get_hookimpls()):
        if impl.hookwrapper or getattr(impl, "wrapper", False):
            return None
        functions.append((impl.function, tuple(impl.argnames)))
    return functions


def install() -> bool:
    """Use this display_columns_and_rows on Datasette 0.65's table and row pages; False where they differ."""
    original = getattr(table_view, "display_columns_and_rows", None) if table_view else None
    if original is None or getattr(original, "original", None) is not None:
        return original is not None
    if list(inspect.signature(original).parameters) != list(inspect.signature(display_columns_and_rows).parameters):
        return False  # another Datasette: its own function, whatever it does
    display_columns_and_rows.original = original
    table_view.display_columns_and_rows = display_columns_and_rows
    if getattr(row_view, "display_columns_and_rows", None) is original:
        row_view.display_columns_and_rows = display_columns_and_rows
    return True


async def display_columns_and_rows(datasette, database_name, table_name, description, rows, link_column=False,
                                   truncate_cells=0, sortable_columns=None):
    """Returns columns, rows for specified table - including fancy foreign key treatment (Datasette's words)."""
    original = display_columns_and_rows.original
    functions = _hook_functions()
    table_metadata = datasette.table_metadata(database_name, table_name)
    if functions is None or table_metadata.get("units"):
        return await original(datasette, database_name, table_name, description, rows, link_column,
                              truncate_cells, sortable_columns)
    sortable_columns = sortable_columns or set()
    db = datasette.databases[database_name]
    column_descriptions = table_metadata.get("columns") or {}
    column_details = {col.name: col for col in await db.table_column_details(table_name)}
    pks = await db.primary_keys(table_name)
    pks_for_display = pks or ["rowid"]
    columns = []
    for r in description:
        if r[0] == "rowid" and "rowid" not in column_details:
            type_, notnull = "integer", 0
        else:
            type_, notnull = column_details[r[0]].type, column_details[r[0]].notnull
        columns.append({"name": r[0], "sortable": r[0] in sortable_columns, "is_pk": r[0] in pks_for_display,
                        "type": type_, "notnull": notnull, "description": column_descriptions.get(r[0])})
    foreign_tables = {fk["column"]: fk["other_table"] for fk in await db.foreign_keys_for_table(table_name)}
    base_url = datasette.setting("base_url")
    table_path = datasette.urls.table(database_name, table_name)
    # the link column shows a single primary key, so that column is not repeated
    skipped = pks[0] if link_column and len(pks) == 1 else None
    names = [column["name"] for column in columns]
    fixed = {"table": table_name, "database": database_name, "datasette": datasette}
    cell_rows = []
    for row in rows:
        cells = []
        if link_column:
            cells.append(_link_cell(row, pks, table_path))
        for value, column in zip(row, names):
            if column == skipped:
                continue
            arguments = {"row": row, "value": value, "column": column, **fixed}
            plugin_display_value = None
            for function, wanted in functions:
                candidate = function(**{name: arguments[name] for name in wanted})
                if candidate is not None:
                    candidate = await await_me_maybe(candidate)
                    if candidate is not None:
                        plugin_display_value = candidate
                        break
            raw = value
            if plugin_display_value:
                display_value = plugin_display_value
            else:
                display_value, raw = _display(datasette, value, column, foreign_tables, database_name, table_name,
                                              base_url, truncate_cells, row, pks)
            cells.append({"column": column, "value": display_value, "raw": raw,
                          "value_type": "none" if raw is None else str(type(raw).__name__)})
        cell_rows.append(Row(cells))
    if link_column:
        columns = _with_link_column(columns, pks, column_details)
    return columns, cell_rows


def _link_cell(row, pks, table_path: str) -> dict:

    pk_path = path_from_row_pks(row, pks, not pks, False)
    return {
        "column": pks[0] if len(pks) == 1 else "Link",
        "value_type": "pk",
        "is_special_link_column": len(pks) != 1,
        "raw": pk_path,
        "value": markupsafe.Markup('<a href="{table_path}/{flat_pks_quoted}">{flat_pks}</a>'.format(
            table_path=table_path, flat_pks=str(markupsafe.escape(pk_path)),
            flat_pks_quoted=path_from_row_pks(row, pks, not pks))),
    }


def _display(datasette, value, column, foreign_tables, database_name, table_name, base_url, truncate_cells, row,
             pks):
    """Datasette's own display of a cell no plugin rendered, and the raw value it records (an expanded foreign key
    records its value, not its label)."""

    if isinstance(value, bytes):
        formatted = format_bytes(len(value))
        return markupsafe.Markup(
            '<a class="blob-download" href="{}"{}>&lt;Binary:&nbsp;{:,}&nbsp;byte{}&gt;</a>'.format(
                datasette.urls.row_blob(database_name, table_name, path_from_row_pks(row, pks, not pks), column),
                ' title="{}"'.format(formatted) if "bytes" not in formatted else "",
                len(value), "" if len(value) == 1 else "s")), value
    if isinstance(value, dict):
        label, value = value["label"], value["value"]
        template = LINK_WITH_LABEL if label != value else LINK_WITH_VALUE
        return markupsafe.Markup(template.format(
            database=database_name, base_url=base_url, table=tilde_encode(foreign_tables[column]),
            link_id=tilde_encode(str(value)), id=str(markupsafe.escape(value)),
            label=str(markupsafe.escape(label)) or "-")), value
    if value in ("", None):
        return _NBSP, value
    if not isinstance(value, (int, float)) and is_url(str(value).strip()):
        return markupsafe.Markup('<a href="{url}">{truncated_url}</a>'.format(
            url=markupsafe.escape(value.strip()),
            truncated_url=markupsafe.escape(truncate_url(value.strip(), truncate_cells)))), value
    display_value = str(value)
    if truncate_cells and len(display_value) > truncate_cells:
        display_value = display_value[:truncate_cells] + "\u2026"
    return display_value, value


def _with_link_column(columns: list[dict], pks, column_details) -> list[dict]:
    if len(pks) == 1:
        rest = [col for col in columns if col["name"] != pks[0]]
        first = {"name": pks[0], "sortable": True, "is_pk": True, "type": column_details[pks[0]].type,
                 "notnull": column_details[pks[0]].notnull}
    else:
        rest = columns
        first = {"name": "Link", "sortable": False, "is_pk": False, "type": "", "notnull": 0}
    return [first] + rest
