"""The law map (docs/law-map.md) is generated from the definitions, and each kind's law agrees with the table of
procedure.md §3 ("Each kind speaks its own law"), read from the specification itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gcworkflow import law_map
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.registry import definition, definitions

SPEC = Path(__file__).resolve().parents[2] / "shared" / "reference" / "procedure.md"
CIRCLED = {c: str(n) for n, c in enumerate("①②③④⑤⑥⑦⑧⑨⑩", start=1)}
# Where the engine follows the statute rather than the table, said here and in the closing note.
FOLLOWS_THE_STATUTE = {
    # procedure.md §3 gives 법 제6조④ for the basic plan's notice; ④ is the 준용 for a change, and ⑤ is the
    # article that requires the 관보 고시 and the notification (law.md §1.3).
    ("basic_plan", "notice"): "제6조제5항",
}


def _articles(cell: str) -> list[str]:
    """ "법 제12조④ (제9조③ 준용), 규칙 제4조②" → ["제12조제4항", "제9조제3항", "시행규칙 제4조제2항"]."""
    found = []
    for rule, number, paragraphs, proviso in re.findall(r"(규칙 )?제(\d+)조([①-⑩]*)( 단서)?", cell):
        for paragraph in paragraphs or " ":
            text = f"제{number}조" + (f"제{CIRCLED[paragraph]}항" if paragraph.strip() else "") + proviso
            found.append(f"시행규칙 {text}" if rule else text)
    return found


def _table() -> dict[str, dict[str, str]]:
    if not SPEC.exists():
        pytest.skip(f"명세 {SPEC}가 없어 건너뜁니다 (shared/ 옆에서 실행)")
    text = SPEC.read_text(encoding="utf-8")
    section = text.split("**Each kind speaks its own law.**", 1)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] and not cells[0].startswith(("kind", "---")):
            kind, letters, notice, notification, inspection = cells
            rows[kind] = {
                "letters": letters,
                "notice": notice,
                "notification": notification,
                "inspection": inspection,
            }
        elif rows and not line.startswith("|"):
            break
    return rows


def _law(kind_cell: str) -> KindLaw:
    kind = kind_cell.split()[0]
    law = definition(kind).law
    assert law is not None
    return law.minor if "(minor)" in kind_cell and law.minor else law


def test_the_law_map_is_generated_from_the_definitions() -> None:
    text = law_map.document()
    for each in definitions():
        assert f"(`{each.kind}`, v{each.version})" in text
        for action in each.actions:
            assert f"(`{action.trigger}`)" in text
    assert (Path(law_map.__file__).resolve().parents[1] / "docs" / "law-map.md").read_text(
        encoding="utf-8"
    ) == text


def test_every_kind_agrees_with_procedure_md_section_3() -> None:
    table = _table()
    assert set(c.split()[0] for c in table) == {d.kind for d in definitions()}
    for kind_cell, row in table.items():
        law, kind = _law(kind_cell), kind_cell.split()[0]
        if row["letters"] != "none":
            # The articles before the colon; what follows explains the wording (and a release's grounds).
            for article in _articles(row["letters"].split(":", 1)[0]):
                assert article in law.hear_basis, (kind_cell, article, law.hear_basis)
        for article in _articles(row["notice"]):
            expected = FOLLOWS_THE_STATUTE.get((kind, "notice"), article)
            assert expected in f"{law.notice_basis}, {law.notice_items_basis}", (
                kind_cell,
                article,
                law.notice_basis,
            )
        if not row["notification"].startswith("only with"):
            for article in _articles(row["notification"]):
                assert article in law.notify_basis, (kind_cell, article, law.notify_basis)
        inspects = row["inspection"].lower().lstrip("*").startswith("yes")
        assert law.has_inspection == inspects, (kind_cell, row["inspection"])


def test_a_stage_names_no_article_of_6_9_or_12_itself() -> None:
    """The stages read their kind's law: an article of 법 제6조, 제9조 or 제12조 in a stage module's code (docstrings
    and comments aside) would be one kind's words lent to another."""
    root = Path(law_map.__file__).resolve().parent
    stages = [
        "consultation.py",
        "governor_consultation.py",
        "ministry_consultation.py",
        "decision.py",
        "notice.py",
        "publication.py",
        "notification.py",
        "committee.py",
        "paths.py",
        "deadline_kinds.py",
    ]
    # A new module of procedures/ is either a stage (checked above) or said here to be a kind's own law.
    kinds_own = {
        "designation.py",
        "change.py",
        "change_rules.py",
        "release.py",
        "basic_plan.py",
        "kind_law.py",
    }
    # The rest cite no article of 제6조, 제9조 or 제12조 for a kind (the common parts, drafting's 제9조② site
    # selection which only the designation records, the vocabulary and the plan's content).
    neither = {
        "__init__.py",
        "common.py",
        "drafting.py",
        "spec.py",
        "registry.py",
        "administrative_notice.py",
    }
    modules = {path.name for path in (root / "procedures").glob("*.py")}
    assert modules - set(stages) - kinds_own - neither == set(), "a new module: a stage, or a kind's own law?"
    for name in stages:
        for number, line in enumerate(
            (root / "procedures" / name).read_text(encoding="utf-8").splitlines(), 1
        ):
            code = line.split("#", 1)[0]
            if re.search(
                r"(\{LAW\}|녹색융합클러스터법|「녹색융합클러스터의 조성 및 육성에 관한 법률」) 제(6|9|12)조",
                code,
            ):
                pytest.fail(f"procedures/{name}:{number}: {line.strip()}")
