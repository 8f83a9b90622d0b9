"""The README's Layout section names the package as it is: every top-level module and package, and nothing
that has gone (issue #14)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gcworkflow"


def _layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def _named(block: str) -> set[str]:
    """The package's parts the block names: the first word of each entry indented under ``gcworkflow/``."""
    inside = block.split("gcworkflow/\n", 1)[1]
    entries = [line.split()[0] for line in inside.splitlines() if re.match(r"  [\w_]", line)]
    return {entry for entry in entries if entry != "__init__.py"}


def _present() -> set[str]:
    modules = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    packages = {f"{p.name}/" for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    return modules | packages


def test_the_layout_names_every_module_and_package() -> None:
    assert _present() - _named(_layout_block()) == set()


def test_the_layout_names_nothing_that_is_gone() -> None:
    assert _named(_layout_block()) - _present() == set()
