"""Faithful load: read YAML / JSON-lines inputs with line numbers and check them against JSON Schemas."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema
import yaml

from etl import paths
from etl.errors import InputError
from etl.inputs.flat_yaml import read_flat
from etl.inputs.quickcheck import compile_schema

YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Limits far above any curated file, far below what exhausts memory or the stack.
MAX_FILE_BYTES = 8 * 1024 * 1024
# Flat YAML (a list of flat mappings, as tools write sources.yml and entities.yml of big projects) is read line by
# line without YAML's node graph, so it may be larger: a million claims need about 31 MB of sources.yml.
MAX_FLAT_FILE_BYTES = 16 * MAX_FILE_BYTES
MAX_LINE_BYTES = 64 * 1024
MAX_DEPTH = 32
MAX_ALIAS_NODES = 10_000


class InputProblem(ValueError):
    """What is wrong with a file at a line, before its content can be read: problem and fix."""

    def __init__(self, line: int, field: str, problem: str, fix: str):
        super().__init__(problem)
        self.line, self.field, self.problem, self.fix = line, field, problem, fix


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
        key_lines: dict = {}
        for key, _ in node.value:
            if not isinstance(key, yaml.ScalarNode):
                raise InputProblem(key.start_mark.line + 1, "yaml", "a key that is a list or mapping",
                                   "write each key as plain text")
            if key.value in key_lines:
                raise InputProblem(key.start_mark.line + 1, str(key.value),
                                   f"duplicate key '{key.value}' (first at line {key_lines[key.value]})",
                                   "keep one of the two: YAML would silently use the last")
            key_lines[key.value] = key.start_mark.line + 1
        mapping = Node(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = key_lines
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


def read_bounded(path: Path, limit: int) -> bytes | None:
    """A file's bytes, or None when it is larger than limit: one open, the size taken from the open file, not a
    stat of the path first (14 µs a file against 19; a million claims have 158,000 articles and claims files)."""
    with open(path, "rb") as handle:
        if os.fstat(handle.fileno()).st_size > limit:
            return None
        return handle.read()


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """A file's text: readable, not larger than limit, UTF-8 and without NUL; else InputProblem."""
    try:
        data = read_bounded(path, limit)
        if data is None:
            raise InputProblem(0, "file", f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
                               "split it into smaller files, or shorten what made it grow (a long note?)")
    except OSError as error:
        raise InputProblem(0, "file", f"cannot read: {error.strerror}",
                           "restore the file or remove what refers to it") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise InputProblem(line, "encoding", f"byte {data[error.start]:#04x} is not UTF-8",
                           "save the file as UTF-8 (retype the character at this line)") from None
    if "\0" in text:
        raise InputProblem(text[:text.index("\0")].count("\n") + 1, "encoding", "a NUL character",
                           "delete the NUL character at this line") from None
    return text


def check_yaml_shape(text: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH and aliases that expand to more than MAX_ALIAS_NODES nodes,
    walking the parser's events (no recursion, nothing built) before the document is composed."""
    sizes: dict[str, int] = {}
    stack: list[list] = [[None, 0]]
    own = expanded = 0
    for event in yaml.parse(text, Loader=YamlLoader):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append([event.anchor, 1])
            own += 1
            if len(stack) - 1 > MAX_DEPTH:
                raise InputProblem(line, "yaml", f"nested deeper than {MAX_DEPTH} levels",
                                   "flatten the structure: claims are a list of flat mappings")
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            anchor, size = stack.pop()
            if anchor is not None:
                sizes[anchor] = size
            stack[-1][1] += size
        elif isinstance(event, yaml.ScalarEvent):
            own += 1
            stack[-1][1] += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor, 1)
            stack[-1][1] += size
            expanded += size
            if expanded > MAX_ALIAS_NODES:
                raise InputProblem(line, "yaml", f"aliases (*{event.anchor}) expand to more than "
                                   f"{MAX_ALIAS_NODES:,} values", "write the values out instead of using & and *")


def read_yaml(path: Path, errors: list[InputError]) -> Loaded | None:
    try:
        text = read_text(path, MAX_FLAT_FILE_BYTES)
        if not text.strip():
            raise InputProblem(1, "document", "the file is empty",
                               "write its content (see docs/curation.md) or delete the file")
        flat = read_flat(text, _node, _items)
        if flat is not None:
            return Loaded(path, flat)
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputProblem(0, "file", f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB",
                               "split it into smaller files, or shorten what made it grow (a long note?)")
        check_yaml_shape(text)
        return Loaded(path, yaml.load(text, Loader=_LineLoader))
    except InputProblem as problem:
        errors.append(InputError(paths.relative(path), problem.line, problem.field, problem.problem, problem.fix))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(error, "problem", None) or str(error)
        errors.append(InputError(paths.relative(path), line, "yaml", f"cannot parse YAML: {problem}",
                                 "fix the YAML syntax at this line (indentation, quotes, colons)"))
    return None


def _node(line: int) -> Node:
    node = Node()
    node.line, node.key_lines = line, {}
    return node


def _items(line: int) -> Items:
    items = Items()
    items.line = line
    return items


def read_json_lines(path: Path, errors: list[InputError]) -> Loaded | None:
    """Bulk claims: one JSON object a line; parses ~50x faster than YAML."""
    name = paths.relative(path)
    try:
        data = read_bounded(path, MAX_FILE_BYTES * 64)
        if data is None:
            raise InputProblem(0, "file", f"larger than {MAX_FILE_BYTES * 64 // 1024 // 1024} MB",
                               "split the claims into several files")
    except OSError as error:
        errors.append(InputError(name, 0, "file", f"cannot read: {error.strerror}",
                                 "restore the file or remove what refers to it"))
        return None
    except InputProblem as problem:
        errors.append(InputError(name, problem.line, problem.field, problem.problem, problem.fix))
        return None
    claims = _parsed_lines(data)
    if claims is None:  # something is wrong on some line: read line by line to say what and where
        claims = Items()
        for number, raw in enumerate(data.split(b"\n"), start=1):
            claim = _json_line(raw, number, name, errors)
            if claim is not None:
                claims.append(claim)
    data = Node(source_id=path.stem, claims=claims)
    data.line, data.key_lines = 1, {}
    return Loaded(path, data)


def _parsed_lines(data: bytes) -> Items | None:
    """Every line one JSON object, read by the decoder's own scanner without its per-call wrappers (a million
    claims); None at the first line that is anything else, which _json_line then reads to name the problem."""
    claims, scan = Items(), _DECODER.scan_once
    try:
        for number, raw in enumerate(data.split(b"\n"), start=1):
            line = raw.strip(b" \t\r")  # the whitespace JSON allows around a value, but the line break
            if not line:
                continue
            if len(raw) > MAX_LINE_BYTES or line[0] != 0x7B:  # not an object: "{"
                return None
            text = line.decode("utf-8")
            value, end = scan(text, 0)
            if end != len(text):
                return None
            claim = Node(value)
            claim.line, claim.key_lines = number, {}
            claims.append(claim)
    except (ValueError, StopIteration, RecursionError):  # not UTF-8, not JSON, NaN or Infinity, too deep
        return None
    return claims


def _json_line(raw: bytes, number: int, name: str, errors: list[InputError]) -> Node | None:
    def fail(field: str, problem: str, fix: str) -> None:
        errors.append(InputError(name, number, field, problem, fix))

    if not raw.strip():
        return None
    if len(raw) > MAX_LINE_BYTES:
        return fail("json", f"a line longer than {MAX_LINE_BYTES // 1024} KB",
                    "shorten the claim (a long note or quote?): one claim a line")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return fail("encoding", f"byte {raw[error.start]:#04x} is not UTF-8", "save the file as UTF-8")
    try:
        # One decoder for every line (json.loads with parse_constant makes a new one per call); json.loads
        # itself for a line that starts with a byte order mark, which it refuses with its own message.
        if text.startswith("\ufeff"):
            value = json.loads(text, parse_constant=_no_constant)
        else:
            value = _DECODER.decode(text)
    except RecursionError:
        return fail("json", "nested too deeply", "write one flat JSON object per line")
    except (json.JSONDecodeError, TypeError, ValueError) as error:
        return fail("json", f"cannot parse JSON: {error}", "write one JSON object per line")
    if not isinstance(value, dict):
        return fail("json", f"a JSON {type(value).__name__}, not an object", "write one JSON object per line")
    claim = Node(value)
    claim.line, claim.key_lines = number, {}
    return claim


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


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
