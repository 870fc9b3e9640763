"""Column and table definitions: the one description every output (DDL, Table Schema, metadata) is made from."""
from __future__ import annotations

from dataclasses import dataclass, field

PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"

SQLITE_TYPES = {
    "string": "TEXT",
    "integer": "INTEGER",
    "number": "REAL",
    "boolean": "INTEGER",
    "date": "TEXT",
    "partial_date": "TEXT",
    "datetime": "TEXT",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = False
    unique: bool = False
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    exclusive_minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    references: tuple[str, str] | None = None

    def __post_init__(self):
        if self.type not in SQLITE_TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")

    @property
    def sqlite_type(self) -> str:
        return SQLITE_TYPES[self.type]

    @property
    def effective_pattern(self) -> str | None:
        if self.type == "partial_date":
            return self.pattern or PARTIAL_DATE_PATTERN
        return self.pattern


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    sort: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    nocase_indexes: tuple[str, ...] = ()  # columns matched case-insensitively (`= :p collate nocase`)
    fts: tuple[str, ...] = ()
    label_column: str | None = None
    facets: tuple[str, ...] = ()
    packaged: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def foreign_keys(self) -> list[tuple[str, str, str]]:
        return [(c.name, *c.references) for c in self.columns if c.references]

    @property
    def all_indexes(self) -> list[tuple[str, ...]]:
        """Declared indexes plus one per foreign-key column (SQLite needs them for fast key checks)."""
        indexes = list(self.indexes)
        for name, _, _ in self.foreign_keys:
            if not any(index[0] == name for index in indexes) and (name,) != self.primary_key[:1]:
                indexes.append((name,))
        return indexes

    @property
    def order_by(self) -> tuple[str, ...]:
        return self.sort or self.primary_key


def create_table_sql(table: Table) -> str:
    """CREATE TABLE statement with types, NOT NULL, CHECK constraints and foreign keys."""
    lines = []
    for column in table.columns:
        parts = [f"[{column.name}] {column.sqlite_type}"]
        if column.required or column.name in table.primary_key:
            parts.append("NOT NULL")
        if column.unique and column.name not in table.primary_key:
            parts.append("UNIQUE")
        check = _check_sql(column)
        if check:
            parts.append(f"CHECK ({check})")
        lines.append(" ".join(parts))
    keys = ", ".join(f"[{name}]" for name in table.primary_key)
    lines.append(f"PRIMARY KEY ({keys})")
    for name, other, other_column in table.foreign_keys:
        lines.append(f"FOREIGN KEY ([{name}]) REFERENCES [{other}]([{other_column}]) DEFERRABLE INITIALLY DEFERRED")
    body = ",\n  ".join(lines)
    return f"CREATE TABLE [{table.name}] (\n  {body}\n)"


def check_expressions(table: Table) -> list[str]:
    """The CHECK expression of each column that has one, as create_table_sql writes them."""
    return [check for column in table.columns if (check := _check_sql(column))]


def _check_sql(column: Column) -> str | None:
    name = f"[{column.name}]"
    checks = []
    if column.enum:
        values = ", ".join("'" + value.replace("'", "''") + "'" for value in column.enum)
        checks.append(f"{name} IN ({values})")
    if column.minimum is not None:
        checks.append(f"{name} >= {column.minimum!r}")
    if column.exclusive_minimum is not None:
        checks.append(f"{name} > {column.exclusive_minimum!r}")
    if column.maximum is not None:
        checks.append(f"{name} <= {column.maximum!r}")
    if column.type == "boolean":
        checks.append(f"{name} IN (0, 1)")
    if not checks:
        return None
    return f"{name} IS NULL OR (" + " AND ".join(checks) + ")"
