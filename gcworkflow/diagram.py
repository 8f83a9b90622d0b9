"""The procedure diagrams, generated from the definitions with transitions' GraphMachine (Mermaid).

Only transitions are drawn (record actions keep the state and would bury the path); the labels are Korean.
``docs/procedure-<kind>-v<version>.md`` and ``docs/law-map.md`` are written by ``gcw diagram --write`` and a
test fails when they are stale.
"""

from __future__ import annotations

from pathlib import Path

from transitions.extensions import GraphMachine

from gcworkflow.law_map import document as law_map_document
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import definitions
from gcworkflow.procedures.spec import ProcedureDefinition

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
# The README shows the designation diagram between these markers; `gcw diagram --write` refreshes it.
BEGIN, END = "<!-- diagram:designation -->", "<!-- /diagram -->"
LAW_MAP = "law-map.md"  # every kind's articles, from the definitions (gcworkflow.law_map)


class _Model:
    """GraphMachine draws for a model; this one only carries the state."""


def mermaid(definition: ProcedureDefinition, current: str | None = None) -> str:
    model = _Model()
    machine = GraphMachine(
        model=model,
        states=[s.name for s in definition.states],
        initial=current or definition.initial,
        auto_transitions=False,
        graph_engine="mermaid",
        title=f"{definition.label} (v{definition.version})",
        show_state_attributes=False,
    )
    for action in definition.actions:
        if action.dest is None:
            continue
        for source in action.sources:
            machine.add_transition(f"{action.label} ({action.trigger})", source, action.dest)
    text = machine.get_graph().draw(None)
    # GraphMachine writes the title as a bare front-matter line and the state names as labels; Mermaid wants
    # `title:` and a clerk wants the stage names.
    text = text.replace(f"---\n{machine.title}\n---", f"---\ntitle: {machine.title}\n---", 1)
    for state in definition.states:
        text = text.replace(f'state "{state.name}" as', f'state "{state.label} ({state.name})" as', 1)
    return text


def document(definition: ProcedureDefinition) -> str:
    states = "\n".join(f"| `{s.name}` | {s.label} | {s.basis} |" for s in definition.states)
    return (
        f"# {definition.label} — 절차도 (definition v{definition.version})\n\n"
        f"근거: {definition.basis}. 이 파일은 `gcw diagram --write`가 정의에서 생성합니다. 고치지 마십시오.\n\n"
        f"```mermaid\n{mermaid(definition).rstrip()}\n```\n\n"
        f"| 상태 | 단계 | 근거 |\n|---|---|---|\n{states}\n"
    )


def path_for(definition: ProcedureDefinition, docs: Path = DOCS) -> Path:
    return docs / f"procedure-{definition.kind}-v{definition.version}.md"


def _readme_with_diagram(text: str) -> str:
    if BEGIN not in text or END not in text:
        return text
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    block = f"```mermaid\n{mermaid(definition_of('designation')).rstrip()}\n```"
    return f"{head}{BEGIN}\n{block}\n{END}{tail}"


def write_all(docs: Path = DOCS, readme: Path = README) -> list[Path]:
    docs.mkdir(parents=True, exist_ok=True)
    law_map = docs / LAW_MAP
    law_map.write_text(law_map_document(), encoding="utf-8")
    written = [law_map]
    for definition in definitions():
        target = path_for(definition, docs)
        target.write_text(document(definition), encoding="utf-8")
        written.append(target)
    if readme.exists():
        readme.write_text(_readme_with_diagram(readme.read_text(encoding="utf-8")), encoding="utf-8")
        written.append(readme)
    return written


def stale(docs: Path = DOCS, readme: Path = README) -> list[Path]:
    found = [
        path_for(d, docs)
        for d in definitions()
        if not path_for(d, docs).exists() or path_for(d, docs).read_text(encoding="utf-8") != document(d)
    ]
    law_map = docs / LAW_MAP
    if not law_map.exists() or law_map.read_text(encoding="utf-8") != law_map_document():
        found.append(law_map)
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if _readme_with_diagram(text) != text:
            found.append(readme)
    return found
