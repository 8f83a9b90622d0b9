"""The house's floors, read from the imports themselves (DESIGN.md §1): a later change that reaches into the
door's machinery, or makes a pure floor do I/O, fails here."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "gcworkflow"
# Only the door and the public access rules may use the door's machinery.
MAY_USE_ENGINE_MACHINERY = {"engine.py", "access.py"}
# The ground floor is pure: no database, no files, no Prefect, no WeasyPrint.
PURE = ("procedures", "calendar", "reference")
IMPURE = ("sqlalchemy", "prefect", "weasyprint", "gcworkflow.db", "gcworkflow._engine", "gcworkflow.engine")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


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
