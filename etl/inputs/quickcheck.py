"""A fast, conservative test that a document certainly meets its JSON Schema, so that the full validator
(slow on a million claims) runs only when something may be wrong and its messages are needed."""
from __future__ import annotations

import re
from typing import Callable

Check = Callable[[object], bool]
ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "examples", "default", "$defs"}
TYPES = {
    "string": lambda v: isinstance(v, str), "null": lambda v: v is None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool), "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


class Unsupported(Exception):
    """The schema uses a keyword this module does not check: the full validator must decide."""


def compile_schema(schema: dict) -> Check | None:
    """A function that returns True only for documents valid under schema; None when it cannot tell."""
    try:
        return _compile(schema, schema)
    except Unsupported:
        return None


def _compile(node: dict, root: dict) -> Check:
    if not isinstance(node, dict):
        raise Unsupported(node)
    unknown = set(node) - ANNOTATIONS - {"type", "enum", "pattern", "minLength", "minimum", "required",
                                         "additionalProperties", "properties", "items", "$ref",
                                         "dependentRequired"}
    if unknown:
        raise Unsupported(unknown)
    checks = [_compile_ref(node["$ref"], root)] if "$ref" in node else []
    checks += _scalar_checks(node) + _container_checks(node, root)
    return _all_of(checks)


def _all_of(checks: list[Check]) -> Check:
    """One check that passes where every check passes (a plain loop: this runs for every value of every claim)."""
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda value: first(value) and second(value)

    def every(value) -> bool:
        for check in checks:
            if not check(value):
                return False
        return True
    return every


def _compile_ref(ref: str, root: dict) -> Check:
    if not ref.startswith("#/$defs/"):
        raise Unsupported(ref)
    target = _compile(root["$defs"][ref.removeprefix("#/$defs/")], root)
    return target


def _scalar_checks(node: dict) -> list[Check]:
    """Type, enum, pattern, minLength and minimum of one value as a single function (one call per value of every
    claim, not one per keyword)."""
    if "type" in node:
        names = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if any(name not in TYPES for name in names):
            raise Unsupported(names)
    if not {"type", "enum", "pattern", "minLength", "minimum"} & node.keys():
        return []
    python, no_bool = _python_types(names) if "type" in node else (None, False)
    member = _enum_check(node["enum"]) if "enum" in node else None
    search = re.compile(node["pattern"]).search if "pattern" in node else None
    least_length, least = node.get("minLength"), node.get("minimum")

    def scalar(v) -> bool:
        if python is not None and (not isinstance(v, python) or no_bool and isinstance(v, bool)):
            return False
        if member is not None and not member(v):
            return False
        if isinstance(v, str):
            return (search is None or bool(search(v))) and (least_length is None or len(v) >= least_length)
        if least is not None and isinstance(v, (int, float)) and not isinstance(v, bool):
            return v >= least
        return True
    return [scalar]


def _python_types(names: list[str]) -> tuple[tuple[type, ...], bool]:
    """The Python types of the JSON types, and whether a bool must be refused (a bool is no integer, JSON Schema
    says so, though Python's bool is an int)."""
    python = tuple({"string": str, "null": type(None), "integer": int, "boolean": bool, "object": dict,
                    "array": list}[name] for name in names)
    return python, "integer" in names and "boolean" not in names


def _enum_check(allowed: list) -> Check:
    """Equal to an allowed value and of its type (1.0 is not 1, True is not 1): a set look-up of (type, value)."""
    try:
        typed = {(type(item), item) for item in allowed}
    except TypeError:  # a list or mapping among the allowed values
        return lambda v: any(v == item and type(v) is type(item) for item in allowed)

    def member(value) -> bool:
        try:
            return (type(value), value) in typed
        except TypeError:  # an unhashable value equals none of the hashable allowed ones
            return False
    return member


def _container_checks(node: dict, root: dict) -> list[Check]:
    checks: list[Check] = []
    required = frozenset(node.get("required", ()))
    properties = {name: _compile(sub, root) for name, sub in node.get("properties", {}).items()}
    closed = node.get("additionalProperties", True)
    if closed not in (True, False):
        raise Unsupported("additionalProperties")
    dependent = _dependent_required(node)
    if required or properties or not closed or dependent:
        def mapping(value) -> bool:
            if not isinstance(value, dict):
                return True
            if not required <= value.keys():
                return False
            if dependent and any(name in value and not others <= value.keys() for name, others in dependent):
                return False
            for name, item in value.items():
                check = properties.get(name)
                if check is None:
                    if not closed:
                        return False
                elif not check(item):
                    return False
            return True
        checks.append(mapping)
    if "items" in node:
        item_check = _compile(node["items"], root)
        def every_item(value) -> bool:
            if not isinstance(value, list):
                return True
            for item in value:
                if not item_check(item):
                    return False
            return True
        checks.append(every_item)
    return checks


def _dependent_required(node: dict) -> tuple[tuple[str, frozenset[str]], ...]:
    """dependentRequired: where the first key is present, each of the others must be too."""
    dependent = node.get("dependentRequired", {})
    if not isinstance(dependent, dict) or not all(isinstance(others, list) for others in dependent.values()):
        raise Unsupported("dependentRequired")
    return tuple((name, frozenset(others)) for name, others in dependent.items())
