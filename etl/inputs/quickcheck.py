"""A fast, conservative test that a document certainly meets its JSON Schema, so that the full validator
(slow on a million claims) runs only when something may be wrong and its messages are needed."""
from __future__ import annotations

import re
from typing import Callable

Check = Callable[[object], bool]
ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "examples", "default", "$defs"}
KEYWORDS = {"type", "enum", "pattern", "minLength", "minimum", "required", "additionalProperties", "properties",
            "items", "$ref", "dependentRequired"}
PYTHON_TYPES = {"string": str, "null": type(None), "integer": int, "boolean": bool, "object": dict, "array": list}
_MISSING = object()
KNOWN_TEXTS = 4096


class Unsupported(Exception):
    """The schema uses a keyword this module does not check: the full validator must decide."""


def compile_schema(schema: dict) -> Check | None:
    """A function that returns True only for documents valid under schema; None when it cannot tell."""
    try:
        return _Compiler(schema).compile()
    except Unsupported:
        return None


class _Compiler:
    """The schema as Python source: one function per object, list and $ref target, each value's keywords one
    inline expression (a claim is one call, not one per keyword and value: 7.6 → 4.7 µs a claim of the synthetic
    corpus). Every value taken from the schema (a key, a pattern, an enum) is a named constant of the namespace,
    never source text."""

    def __init__(self, root: dict):
        self.root = root
        self.namespace: dict[str, object] = {"_MISSING": _MISSING, "_matches": _matches}
        self.sources: list[str] = []
        self.functions: dict[int, str] = {}

    def compile(self) -> Check:
        name = self.function(self.root)
        exec(compile("\n\n".join(self.sources), "<quickcheck>", "exec"), self.namespace)
        return self.namespace[name]

    def constant(self, value: object) -> str:
        name = f"_c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def function(self, node: dict) -> str:
        """The name of the function that checks node (made once per node, so a $ref may point back up)."""
        if id(node) not in self.functions:
            name = self.functions[id(node)] = f"_f{len(self.functions)}"
            self.sources.append(f"def {name}(v):\n    return {self.expression(node, 'v')}")
        return self.functions[id(node)]

    def expression(self, node: dict, var: str) -> str:
        if not isinstance(node, dict):
            raise Unsupported(node)
        unknown = set(node) - ANNOTATIONS - KEYWORDS
        if unknown:
            raise Unsupported(unknown)
        parts = [f"{self.function(self.reference(node['$ref']))}({var})"] if "$ref" in node else []
        parts += self.scalar(node, var)
        if {"required", "properties", "additionalProperties", "dependentRequired"} & node.keys():
            parts.append(f"{self.mapping(node)}({var})")
        if "items" in node:
            parts.append(f"{self.items(node['items'])}({var})")
        return " and ".join(f"({part})" for part in parts) or "True"

    def reference(self, ref: str) -> dict:
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            raise Unsupported(ref)
        try:
            return self.root["$defs"][ref.removeprefix("#/$defs/")]
        except (KeyError, TypeError):
            raise Unsupported(ref) from None

    def scalar(self, node: dict, var: str) -> list[str]:
        """Type, enum, pattern, minLength and minimum of one value; pattern and minLength apply to text only,
        minimum to integers only. A type is tested exactly (`type(v) is str`): a subclass of str or int, which
        neither JSON nor YAML makes, goes to the full validator, and a bool is no integer, as JSON Schema says."""
        text, number = self.text_checks(node, var), self.number_checks(node, var)
        if "type" not in node:
            parts = [f"not isinstance({var}, str) or {check}" for check in text]
            parts += [f"not isinstance({var}, (int, float)) or isinstance({var}, bool) or {check}" for check in number]
        else:
            names = node["type"] if isinstance(node["type"], list) else [node["type"]]
            if not names or not all(isinstance(name, str) and name in PYTHON_TYPES for name in names):
                raise Unsupported(names)
            parts = [" or ".join(f"({self.type_check(name, var, text, number)})" for name in dict.fromkeys(names))]
        return parts + ([self.enum(node["enum"], var)] if "enum" in node else [])

    def text_checks(self, node: dict, var: str) -> list[str]:
        checks = []
        if "pattern" in node:
            try:
                search = self.constant(re.compile(node["pattern"]).search)
            except (re.error, TypeError):
                raise Unsupported(node["pattern"]) from None
            known = self.constant(set())
            checks.append(f"{var} in {known} or _matches({known}, {search}, {var})")
        if "minLength" in node:
            checks.append(f"len({var}) >= {self.constant(node['minLength'])}")
        return checks

    def number_checks(self, node: dict, var: str) -> list[str]:
        return [f"{var} >= {self.constant(node['minimum'])}"] if "minimum" in node else []

    def type_check(self, name: str, var: str, text: list[str], number: list[str]) -> str:
        exact = {"string": [f"type({var}) is str", *text], "integer": [f"type({var}) is int", *number],
                 "null": [f"{var} is None"], "boolean": [f"{var} is True or {var} is False"],
                 "object": [f"isinstance({var}, dict)"], "array": [f"isinstance({var}, list)"]}[name]
        return " and ".join(f"({check})" for check in exact)

    def enum(self, allowed: list, var: str) -> str:
        """Equal to an allowed value and of its type (1.0 is not 1, True is not 1): a set look-up of (type, value),
        made only for a value whose type is hashable, being the type of an allowed value."""
        if not isinstance(allowed, list):
            raise Unsupported(allowed)
        if all(type(item) is str for item in allowed):
            return f"type({var}) is str and {var} in {self.constant(frozenset(allowed))}"
        try:
            typed = frozenset((type(item), item) for item in allowed)
        except TypeError:  # a list or mapping among the allowed values
            member = self.constant(lambda value: any(value == item and type(value) is type(item) for item in allowed))
            return f"{member}({var})"
        types = self.constant(frozenset(kind for kind, _ in typed))
        return f"type({var}) in {types} and (type({var}), {var}) in {self.constant(typed)}"

    def mapping(self, node: dict) -> str:
        """A function for required, properties, additionalProperties and dependentRequired (true for a non-object:
        type decides that): the key sets compared first, then each property present, by a look-up."""
        properties = node.get("properties", {})
        closed = node.get("additionalProperties", True)
        if not isinstance(properties, dict) or closed not in (True, False):
            raise Unsupported("properties")
        required = frozenset(node.get("required", ()))
        lines = ["if not isinstance(v, dict):", "    return True", "keys = v.keys()"]
        if required:
            lines += [f"if not {self.constant(required)} <= keys:", "    return False"]
        if not closed:
            lines += [f"if not keys <= {self.constant(frozenset(properties))}:", "    return False"]
        for name, others in _dependent_required(node):
            lines += [f"if {self.constant(name)} in keys and not {self.constant(others)} <= keys:", "    return False"]
        for name, schema in properties.items():
            check = self.expression(schema, "x")
            if check == "True":
                continue
            if name in required:
                lines += [f"x = v[{self.constant(name)}]", f"if not ({check}):", "    return False"]
            else:
                lines += [f"x = v.get({self.constant(name)}, _MISSING)",
                          f"if x is not _MISSING and not ({check}):", "    return False"]
        return self.define(lines + ["return True"])

    def items(self, node: dict) -> str:
        check = self.expression(node, "x")
        return self.define(["if not isinstance(v, list):", "    return True", "for x in v:",
                            f"    if not ({check}):", "        return False", "return True"])

    def define(self, lines: list[str]) -> str:
        name = f"_g{len(self.sources)}"
        self.sources.append(f"def {name}(v):\n" + "\n".join(f"    {line}" for line in lines))
        return name


def _matches(known: set, search: Callable, text: str) -> bool:
    """The pattern found in text, remembered (a predicate or round key repeats on many claims): at most
    KNOWN_TEXTS of them, forgotten all at once when full (the ids of a million claims come only once)."""
    if search(text) is None:
        return False
    if len(known) >= KNOWN_TEXTS:
        known.clear()
    known.add(text)
    return True


def _dependent_required(node: dict) -> tuple[tuple[str, frozenset[str]], ...]:
    """dependentRequired: where the first key is present, each of the others must be too."""
    dependent = node.get("dependentRequired", {})
    if not isinstance(dependent, dict) or not all(isinstance(others, list) for others in dependent.values()):
        raise Unsupported("dependentRequired")
    return tuple((name, frozenset(others)) for name, others in dependent.items())
