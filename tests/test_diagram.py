"""The Mermaid diagrams in docs/ are generated from the definitions and must be current."""

from gcworkflow import diagram


def test_docs_diagrams_are_current():
    assert diagram.stale() == [], "docs/의 절차도가 정의와 다릅니다: `gcw diagram --write`로 다시 만드십시오"
