"""A package's biggest table checked by frictionless in two row ranges, one per process, as one process checks it."""
from __future__ import annotations

import math
import pickle
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from etl.faults import fault_point
from etl.publish.package.descriptor import DESCRIPTOR
from etl.publish.package.lookups import preload, write_references

# Within a row, one frictionless process reports its cells' problems, then its unique cells, its primary key and its
# foreign keys (frictionless/resources/table.py, row_stream).
ROW_ORDER = {"unique-error": 1, "primary-key": 2, "foreign-key": 3}
# What one process finds once it has read every row (frictionless/checks/baseline.py, validate_end).
END_ERRORS = {"hash-count", "byte-count", "field-count", "row-count"}


@dataclass(frozen=True)
class Part:
    """One check task: a whole table (rows=None), or the data rows of a table from the row number first (the
    header is row 1) to before stop (None: to the end of the file)."""

    name: str
    rows: tuple[int, int | None] | None = None


@dataclass
class Checked:
    """A task's problems as (row number or None, type, text) and, for a row range, the rows where each value of
    the table's unique columns, primary key and referred columns was met: the last time in the first range (the
    one from row 2), the first time in the later one."""

    problems: list[tuple[int | None, str, str]]
    keys: dict[tuple[str, ...], dict[tuple, int]] = field(default_factory=dict)
    read_through: bool = True  # False when a problem stopped frictionless before the rows (or after some)


class RowsBetween(list):
    """A Dialect's comment rows that are every row number from first to before stop, asked in constant time.

    An empty list to frictionless's descriptor checks, true and holding those numbers to its row filter."""

    def __init__(self, first: int, stop: int):
        super().__init__()
        self.first, self.stop = first, stop

    def __contains__(self, number: object) -> bool:
        return isinstance(number, int) and self.first <= number < self.stop

    def __bool__(self) -> bool:
        return self.stop > self.first


def split(name: str, rows: int, first_share: float) -> list[Part]:
    """The two row ranges of a table of about `rows` data rows, the first with first_share of them."""
    cut = 2 + round(rows * first_share)
    return [Part(name, (2, cut)), Part(name, (cut, None))]


def check_part(descriptor: dict, folder: str, part: Part, referred: tuple[tuple[str, ...], ...] = (),
               lookups: tuple[str, ...] = ()) -> Checked:
    """In a child process: one table of the package, or one row range of it, checked fully by frictionless.

    A range also keeps the values of the referred columns (the keys other tables' foreign keys refer to); a table
    checked after both ranges takes those lookups from a file of lookups (write_lookups) instead of reading the
    table's file, as a range takes those of the tables it refers to (lookups.write_references)."""
    from frictionless import Package

    fault_point("package-check-process")
    for path in lookups:
        preload(path, folder)
    resource = Package(descriptor, basepath=folder).get_resource(part.name)
    if part.rows is None:
        return Checked(problems(resource.validate()))
    first, stop = part.rows
    memory: dict[tuple[str, ...], dict[tuple, int]] = {columns: {} for columns in
                                                       [*key_columns(resource.schema), *referred]}

    def remember(row) -> None:
        for columns, seen in memory.items():
            cells = tuple(row[name] for name in columns)
            if set(cells) != {None} and (first == 2 or cells not in seen):
                seen[cells] = row.row_number

    resource.dialect.comment_rows = RowsBetween(2, first)
    report = resource.validate(on_row=remember, limit_rows=stop - first if stop else None)
    return Checked(problems(report), memory, read_through(report))


def read_through(report) -> bool:
    """Whether frictionless read the rows through: no problem of the descriptor, the file's scheme, format or
    encoding (its MetadataErrors) ended the reading, at the start or on the way."""
    from frictionless import errors

    return not any(isinstance(error, errors.MetadataError) for error in [*report.errors, *report.tasks[0].errors])


def referring(descriptor: dict, name: str) -> tuple[list[str], tuple[tuple[str, ...], ...]]:
    """The other tables whose foreign keys refer to the table name, and the columns of name they refer to."""
    tables, columns = [], []
    for item in descriptor["resources"]:
        references = [tuple(key["reference"]["fields"]) for key in item["schema"].get("foreignKeys", [])
                      if key["reference"].get("resource") == name and item["name"] != name]
        tables += [item["name"]] if references else []
        columns += [fields for fields in references if fields not in columns]
    return tables, tuple(columns)


def write_lookups(path: Path, name: str, first: Checked, later: Checked, referred: tuple[tuple[str, ...], ...],
                  limit: int) -> str | None:
    """The lookups of the columns of table name that others refer to, made of what its two ranges met, as
    frictionless reads them from the file: each value not all empty, once. None when a range stopped before its
    last row, at the limit of problems or at a problem that ends the reading: frictionless then reads the lookups
    itself."""
    if len(first.problems) >= limit or len(later.problems) >= limit or not (first.read_through and later.read_through):
        return None
    found = {(name, columns): set(first.keys[columns]) | set(later.keys[columns]) for columns in referred}
    with path.open("wb") as handle:
        pickle.dump(found, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return str(path)


def key_columns(schema) -> dict[tuple[str, ...], list[str]]:
    """The columns whose values no two rows may share, each with the error types one process reports for it."""
    keys: dict[tuple[str, ...], list[str]] = {}
    for column in schema.fields:
        if column.constraints.get("unique"):
            keys.setdefault((column.name,), []).append("unique-error")
    if schema.primary_key:
        keys.setdefault(tuple(schema.primary_key), []).append("primary-key")
    return keys


def problems(report) -> list[tuple[int | None, str, str]]:
    """A frictionless report's problems, the descriptor's first, then each task's by row."""
    found = [(None, error.type, f"{DESCRIPTOR}: {error.type}: {error.note}") for error in report.errors]
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            place = f"{task.place}:{row}" if row else task.place
            found.append((row, error.type, f"{place}: {error.type}: {error.note}"))
    return found


def texts(checked: Checked) -> list[str]:
    """The problems as reported: "place:row: type: note", or "place: type: note" without a row."""
    return [text for _, _, text in checked.problems]


def merge(place: str, first: Checked, later: Checked, schema_keys: dict, limit: int) -> list[str]:
    """The problems of a table checked in two row ranges, as one process finds them: a key met in both ranges is
    a problem of the later row; the problems without a row (header, hash) once; no more than frictionless's limit."""
    if len(first.problems) >= limit:
        return texts(first)[:limit]
    repeated = [(row, kind, f"{place}:{row}: {kind}: the same as in the row at position {seen[cells]}")
                for columns, kinds in schema_keys.items() for seen in [first.keys.get(columns, {})]
                for cells, row in later.keys.get(columns, {}).items() if cells in seen for kind in kinds]
    already = {text for row, _, text in first.problems if row is None}
    rest = [problem for problem in later.problems if problem[0] is not None or problem[2] not in already]
    return texts(first) + [text for _, _, text in _in_row_order(rest, repeated)][:limit - len(first.problems)]


def _in_row_order(found: list, repeated: list) -> list:
    """The later range's problems with the repeated keys put where one process reports them: by row, and within a
    row after its cells' problems; the file's counts and hash after every row, another problem without a row after
    the row before it (the header's before all)."""
    placed, last_row = [], 0
    for index, (row, kind, text) in enumerate(found):
        last_row = row if row is not None else last_row
        at = row if row is not None else math.inf if kind in END_ERRORS else last_row
        placed.append(((at, ROW_ORDER.get(kind, 0) if row is not None else len(ROW_ORDER) + 1, index),
                       (row, kind, text)))
    placed += [((row, ROW_ORDER[kind], -1), (row, kind, text)) for row, kind, text in repeated]
    return [problem for _, problem in sorted(placed, key=lambda item: item[0])]


def check_apart(pool: Executor, descriptor: dict, folder: Path, scratch: Path, first_share: float) -> dict[str, list[str]]:
    """Each table's problems, checked in pool. First one process reads the lookups the biggest table's foreign keys
    need (write_references) while the other checks the biggest of the tables that do not refer to it; then the biggest
    table's two row ranges, one per process, both given those lookups; then the other tables that do not refer to
    it; once both ranges are done, the tables that refer to it, their lookups of it made of what the ranges met
    (write_lookups) rather than read again from its file."""
    from frictionless import Package, settings

    sizes = {item["name"]: item.get("bytes", 0) for item in descriptor["resources"]}
    biggest = max(sizes, key=lambda name: sizes[name])
    resource = Package(descriptor, basepath=str(folder)).get_resource(biggest)
    path = resource.path
    if not isinstance(path, str) or not (folder / path).is_file():  # frictionless reports it, as of any table
        whole = {name: pool.submit(check_part, descriptor, str(folder), Part(name)) for name in sizes}
        return {name: texts(future.result()) for name, future in whole.items()}
    refer, referred = referring(descriptor, biggest)
    head, tail = split(biggest, row_count_at_most(folder / path), first_share)
    alone = [name for name in sorted(sizes, key=lambda name: -sizes[name]) if name != biggest and name not in refer]
    references = pool.submit(write_references, descriptor, str(folder), biggest, str(scratch / "references.pickle"))
    checked = {name: pool.submit(check_part, descriptor, str(folder), Part(name)) for name in alone[:1]}
    preloaded = tuple(filter(None, [references.result()]))
    ranges = [pool.submit(check_part, descriptor, str(folder), part, referred, preloaded) for part in (head, tail)]
    checked.update({name: pool.submit(check_part, descriptor, str(folder), Part(name)) for name in alone[1:]})
    first, later = (future.result() for future in ranges)
    own = write_lookups(scratch / "lookups.pickle", biggest, first, later, referred, settings.DEFAULT_LIMIT_ERRORS)
    checked.update({name: pool.submit(check_part, descriptor, str(folder), Part(name), (),
                                      preloaded + ((own,) if own else ()))
                    for name in sorted(refer, key=lambda name: -sizes[name])})
    found = {name: texts(future.result()) for name, future in checked.items()}
    found[biggest] = merge(resource.place, first, later, key_columns(resource.schema), settings.DEFAULT_LIMIT_ERRORS)
    return found


def row_count_at_most(path: Path) -> int:
    """The data rows of a CSV file at most: its line ends less the header's (a quoted cell may hold more)."""
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            count += chunk.count(b"\n")
    return max(count - 1, 0)
