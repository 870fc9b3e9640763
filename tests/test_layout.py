"""The folders of etl/ follow the data flow: imports only point down it, and nothing imports in a circle."""
from __future__ import annotations

import ast
from pathlib import Path

from etl import paths

ETL = paths.PACKAGE_DIR
# Each package of etl/ and the floor it stands on: a module may import its own package or a lower floor.
FLOORS = {
    "etl.memos": 0,
    "etl.paths": 1, "etl.errors": 1, "etl.timings": 1, "etl.faults": 1, "etl.beside": 1,
    "etl.schema": 2,
    "etl.inputs": 3,
    "etl.normalise": 4,
    "etl.reconcile": 5,
    "etl.validation": 6, "etl.site": 6, "etl.curate": 6, "etl.synth": 6,
    "etl.publish": 7,
    "etl.cli": 8, "etl.__main__": 9,
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ETL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ETL.rglob("*.py"))}


def imported(path: Path) -> set[str]:
    """Every etl module a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("etl"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("etl"))
    known = modules()
    return {name for name in found if name in known and name != "etl"}


def floor_of(name: str) -> int | None:
    matches = [prefix for prefix in FLOORS if name == prefix or name.startswith(prefix + ".")]
    return FLOORS[max(matches, key=len)] if matches else None


def package_of(name: str) -> str:
    return max((prefix for prefix in FLOORS if name == prefix or name.startswith(prefix + ".")), key=len)


def test_every_module_has_a_floor():
    homeless = [name for name in modules() if name != "etl" and floor_of(name) is None]
    assert homeless == [], f"{homeless}: add the new package to FLOORS in tests/test_layout.py at its place in the flow"


def import_graph() -> dict[str, set[str]]:
    return {name: imported(path) for name, path in modules().items() if name != "etl"}


def upward(graph: dict[str, set[str]]) -> list[str]:
    return [f"{name} (floor {floor_of(name)}) imports {other} (floor {floor_of(other)})"
            for name, others in sorted(graph.items()) for other in sorted(others)
            if package_of(other) != package_of(name) and floor_of(other) >= floor_of(name)]


def circles(graph: dict[str, set[str]]) -> list[str]:
    found = []

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            found.append(" -> ".join(trail[trail.index(name):] + [name]))
            return
        for other in sorted(graph.get(name, ())):
            if other != name and not other.startswith(name + "."):
                visit(other, trail + [name])

    for start in graph:
        visit(start, [])
    return found


def test_imports_point_down_the_flow():
    assert upward(import_graph()) == []


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_nothing_outside_publish_below_it_imports_the_pipeline():
    runners = {"etl.publish.pipeline", "etl.publish.rows"}
    users = sorted(name for name, others in import_graph().items()
                   if others & runners and package_of(name) != "etl.publish")
    assert set(users) <= {"etl.cli"}, users


def test_the_checks_see_an_upward_import_and_a_circle():
    graph = {"etl.schema.tables": {"etl.publish.pipeline"}, "etl.normalise.money": {"etl.normalise.dates"},
             "etl.normalise.dates": {"etl.normalise.money"}}
    assert upward(graph) == ["etl.schema.tables (floor 2) imports etl.publish.pipeline (floor 7)"]
    assert "etl.normalise.dates -> etl.normalise.money -> etl.normalise.dates" in circles(graph)


def test_imported_reads_imports_inside_functions():
    assert "etl.validation" in imported(ETL / "cli.py")
