"""The house's floors, read from the imports themselves (DESIGN.md §1): a later change that reaches into the
door's machinery, makes a pure floor do I/O, or imports back up the floors fails here."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gcworkflow"

# Every top-level module and package of gcworkflow, lowest floor first. A unit imports from its own floor or
# below, never above; the door (engine) is the only way up from the records to what acts through it.
FLOORS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "ground: pure rules and values",
        frozenset(
            {
                "errors",
                "korean",
                "canonical",
                "clock",
                "faults",
                "settings",
                "validation",
                "inputs",
                "local_files",
                "calendar",
                "reference",
                "procedures",
                "law_map",
                "diagram",
                "logs",
            }
        ),
    ),
    ("storage", frozenset({"db", "documents", "context"})),
    ("records below the door", frozenset({"audit", "backup", "deadlines", "notify", "access"})),
    ("the door's machinery", frozenset({"_engine"})),
    ("the door", frozenset({"engine"})),
    (
        "above the door: what acts through it, and the read models",
        frozenset(
            {
                "automation",
                "people",
                "clusters",
                "contacts",
                "holiday_overrides",
                "queries",
                "public_register",
                "exports",
                "doctor",
                "metrics",
            }
        ),
    ),
    ("interfaces", frozenset({"demo", "web", "cli"})),
)
# Only the door and the public access rules may use the door's machinery.
MAY_USE_ENGINE_MACHINERY = {"engine.py", "access.py"}
# The ground floor is pure: no database, no files, no Prefect, no WeasyPrint.
PURE = ("procedures", "calendar", "reference")
IMPURE = ("sqlalchemy", "prefect", "weasyprint", "gcworkflow.db", "gcworkflow._engine", "gcworkflow.engine")


def _imports(path: Path) -> set[str]:
    """Every module named by an import in ``path``, also those inside functions (a lazy import is still a
    dependency), with ``from a import b`` also as ``a.b`` (b may be a submodule)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _unit(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _units_imported(path: Path) -> Iterator[str]:
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "gcworkflow" and len(parts) > 1 and _is_unit(parts[1]):
            yield parts[1]


def _is_unit(name: str) -> bool:
    return (PACKAGE / f"{name}.py").is_file() or (PACKAGE / name / "__init__.py").is_file()


def _floor(unit: str) -> int:
    return next(n for n, (_, units) in enumerate(FLOORS) if unit in units)


def test_every_unit_has_a_floor() -> None:
    placed = set().union(*(units for _, units in FLOORS))
    present = {_unit(path) for path in _modules()} - {"__init__"}
    assert present - placed == set(), "a new module or package: put it on its floor in FLOORS"
    assert placed - present == set(), "FLOORS names a unit that is gone"


def test_no_import_runs_up_the_floors() -> None:
    offenders = sorted(
        f"{path.relative_to(PACKAGE)} ({FLOORS[_floor(_unit(path))][0]}) imports {unit} ({FLOORS[_floor(unit)][0]})"
        for path in _modules()
        if path.name != "__init__.py" or path.parent != PACKAGE
        for unit in _units_imported(path)
        if unit != _unit(path) and _floor(unit) > _floor(_unit(path))
    )
    assert offenders == []


def test_units_import_each_other_without_a_cycle() -> None:
    """Within one floor, too: no two units lean on each other."""
    graph: dict[str, set[str]] = {}
    for path in _modules():
        if path.parent == PACKAGE and path.name == "__init__.py":
            continue
        graph.setdefault(_unit(path), set()).update(u for u in _units_imported(path) if u != _unit(path))
    done: set[str] = set()

    def walk(unit: str, trail: tuple[str, ...]) -> None:
        assert unit not in trail, " → ".join((*trail[trail.index(unit) :], unit))
        if unit in done:
            return
        for other in sorted(graph.get(unit, ())):
            walk(other, (*trail, unit))
        done.add(unit)

    for unit in sorted(graph):
        walk(unit, ())


def test_only_the_door_uses_its_machinery() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if "_engine" not in path.relative_to(PACKAGE).parts
        and path.name not in MAY_USE_ENGINE_MACHINERY
        and any(
            name == "gcworkflow._engine" or name.startswith("gcworkflow._engine.") for name in _imports(path)
        )
    ]
    assert offenders == []


def test_the_ground_floor_is_pure() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for floor in PURE
        for path in (PACKAGE / floor).rglob("*.py")
        for name in _imports(path)
        if name.startswith(IMPURE)
    ]
    assert offenders == []
