"""Faithful load: read YAML / JSON-lines inputs with line numbers and check them against JSON Schemas."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from etl import paths
from etl.errors import InputError
from etl.inputs.quickcheck import compile_schema

YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Node(dict):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class Items(list):
    line: int = 0


class _LineLoader(YamlLoader):
    def construct_mapping(self, node, deep=False):
        mapping = Node(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {key.value: key.start_mark.line + 1 for key, _ in node.value}
        return mapping

    def construct_sequence(self, node, deep=False):
        items = Items(super().construct_sequence(node, deep=True))
        items.line = node.start_mark.line + 1
        return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)
# Dates stay text: the ETL parses them itself so that 2024-02-30 is reported, not crashed on.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in YamlLoader.yaml_implicit_resolvers.items()
}


@dataclass
class Loaded:
    path: Path
    data: object
    dropped: list = field(default_factory=list)

    @property
    def name(self) -> str:
        return paths.relative(self.path)


def read_yaml(path: Path, errors: list[InputError]) -> Loaded | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return Loaded(path, yaml.load(handle, Loader=_LineLoader))
    except OSError as error:
        errors.append(InputError(paths.relative(path), 0, "file", f"cannot read: {error.strerror}",
                                 "restore the file or remove what refers to it"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(error, "problem", None) or str(error)
        errors.append(InputError(paths.relative(path), line, "yaml", f"cannot parse YAML: {problem}",
                                 "fix the YAML syntax at this line (indentation, quotes, colons)"))
    return None


def read_json_lines(path: Path, errors: list[InputError]) -> Loaded | None:
    """Bulk claims: one JSON object a line; parses ~50x faster than YAML."""
    claims = Items()
    with open(path, encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                claim = Node(json.loads(text))
            except (json.JSONDecodeError, TypeError, ValueError) as error:
                errors.append(InputError(paths.relative(path), number, "json", f"cannot parse JSON: {error}",
                                         "write one JSON object per line"))
                continue
            claim.line, claim.key_lines = number, {}
            claims.append(claim)
    data = Node(source_id=path.stem, claims=claims)
    data.line, data.key_lines = 1, {}
    return Loaded(path, data)


@lru_cache(maxsize=None)
def schema_validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((paths.SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@lru_cache(maxsize=None)
def quick_check(name: str):
    return compile_schema(json.loads((paths.SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8")))


def check_schema(loaded: Loaded, schema: str, errors: list[InputError], items_at: tuple = ()) -> set[int] | None:
    """Report every schema violation; return the indexes of the bad items of the list at items_at,
    or None when the document as a whole is unusable."""
    certainly_valid = quick_check(schema)
    if certainly_valid is not None and certainly_valid(loaded.data):
        return set()
    found = sorted(schema_validator(schema).iter_errors(loaded.data), key=lambda e: list(e.absolute_path))
    bad, whole = set(), False
    for error in found:
        path = list(error.absolute_path)
        line, field = _locate(loaded.data, path)
        if error.validator in ("required", "additionalProperties", "dependentRequired"):
            line, field = _named_field(error, loaded.data, path, line, field)
        errors.append(InputError(loaded.name, line, field, _describe(error), _fix(error, schema)))
        depth = len(items_at)
        if len(path) > depth and tuple(path[:depth]) == items_at and isinstance(path[depth], int):
            bad.add(path[depth])
        else:
            whole = True
    return None if whole else bad


def _named_field(error, document, path: list, line: int, field: str) -> tuple[int, str]:
    """For a missing or unknown key, name that key (and its line, where it exists)."""
    names = re.findall(r"'([^']+)'", error.message)
    if not names:
        return line, field
    node = document
    for step in path:
        node = node[step]
    name = names[0] if error.validator != "dependentRequired" else names[-1]
    return (node.line_of(name) if isinstance(node, Node) else line), name


def _locate(document, path: list) -> tuple[int, str]:
    """Line and field name of the deepest node on the path that has a line."""
    line, field, node = getattr(document, "line", 1), "document", document
    for step in path:
        if isinstance(node, Node):
            line, field = node.line_of(step), str(step)
        elif isinstance(node, list) and isinstance(step, int):
            field = f"{field}[{step}]"
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line)
    return line, field


def _describe(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties":
        return error.message.replace("Additional properties are not allowed", "unknown field")
    if error.validator == "required":
        return error.message.replace("is a required property", "is missing")
    return error.message


def _fix(error: jsonschema.ValidationError, schema: str) -> str:
    hint = error.schema.get("description") if isinstance(error.schema, dict) else None
    where = f"etl/inputs/schemas/{schema}.schema.json"
    if hint:
        return f"{hint[0].lower()}{hint[1:].rstrip('.')} (see {where})"
    return f"follow {where} and docs/curation.md"
