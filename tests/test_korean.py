"""Korean particles after run-time words (DESIGN.md §4): as the word is read aloud, never "을(를)"."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcworkflow.korean import with_particle


@pytest.mark.parametrize(
    ("word", "particle", "expected"),
    [
        ("박서연", "을", "박서연을"),
        ("관리자", "을", "관리자를"),
        ("서울특별시장", "는", "서울특별시장은"),
        ("경상북도지사", "은", "경상북도지사는"),
        ("의견조회", "을", "의견조회를"),
        ("위치", "이", "위치가"),
        ("서울", "으로", "서울로"),  # ㄹ takes 로
        ("부산", "로", "부산으로"),
        ("경상북도", "으로", "경상북도로"),
        ("kim", "을", "kim을"),  # 킴
        ("park", "을", "park를"),  # 파크
        ("lee", "이", "lee가"),
        ("admin", "은", "admin은"),  # 어드민
        ("JSON", "을", "JSON을"),  # 제이슨
        ("PDF", "을", "PDF를"),  # 피디에프
        ("URL", "로", "URL로"),  # 유알엘
        ("12", "을", "12를"),  # 십이
        ("2026", "을", "2026을"),  # 이천이십육
        ("10", "을", "10을"),  # 십
        ("1000", "이", "1000이"),  # 천
        ("7", "로", "7로"),  # 칠
        ("3", "로", "3으로"),  # 삼
        ("'첨단 전자산업 자원순환 녹색융합클러스터'", "을", "'첨단 전자산업 자원순환 녹색융합클러스터'를"),
        ("kim(김하늘)", "을", "kim(김하늘)을"),  # the word before the brackets decides
        ("2026. 10. 3.", "은", "2026. 10. 3.은"),  # 삼일 → read as 3
        ("상신 #12", "을", "상신 #12를"),
    ],
)
def test_the_particle_agrees_with_the_word_read_aloud(word: str, particle: str, expected: str) -> None:
    assert with_particle(word, particle) == expected


def test_an_unknown_particle_is_a_programming_error_said_in_korean() -> None:
    with pytest.raises(ValueError, match="알 수 없는 조사"):
        with_particle("서울", "에게")


UNRESOLVED = ("을(를)", "를(을)", "이(가)", "가(이)", "은(는)", "는(은)", "와(과)", "과(와)", "(으)로")


def test_no_source_a_person_reads_leaves_a_particle_unresolved() -> None:
    """Messages, templates and documents are written with korean.particle, never with a pair in brackets."""
    root = Path(__file__).resolve().parents[1]
    sources = [
        *(root / "gcworkflow").rglob("*.py"),
        *(root / "forms").rglob("*.html"),
        *(root / "flows").rglob("*.py"),
    ]
    sources += [*(root / "gcworkflow").rglob("*.html"), *(root / "gcworkflow").rglob("*.yaml")]
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sources
        if path.name != "korean.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if any(pair in line for pair in UNRESOLVED)
    ]
    assert found == []
