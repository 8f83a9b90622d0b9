"""Addressees of letters: each head by its body's own title, from the table, never by appending "장관"
(procedure.md §3, law.md §5)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from gcworkflow.automation.issuing import issue
from gcworkflow.errors import InvalidInput
from gcworkflow.reference import (
    CENTRAL_BODIES,
    UnknownBody,
    addressee,
    bodies_on,
    body_on,
    current_body,
    head_title,
    known_body,
)
from tests.support import fire, gumi_plan, hear_the_governor, on, open_gumi, signed

AFTER_2026 = date(2026, 3, 2)

# 정부조직법 제26조① after the 2025 reorganisation and the 2026-01-02 split of 기획재정부: 19 부.
MINISTRIES_2026 = {
    "재정경제부",
    "교육부",
    "과학기술정보통신부",
    "외교부",
    "통일부",
    "법무부",
    "국방부",
    "행정안전부",
    "국가보훈부",
    "문화체육관광부",
    "농림축산식품부",
    "산업통상부",
    "보건복지부",
    "기후에너지환경부",
    "고용노동부",
    "성평등가족부",
    "국토교통부",
    "해양수산부",
    "중소벤처기업부",
}


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("산업통상부", "산업통상부장관"),
        ("국토교통부", "국토교통부장관"),
        ("기후에너지환경부", "기후에너지환경부장관"),
        ("산림청", "산림청장"),
        ("행정중심복합도시건설청", "행정중심복합도시건설청장"),
        ("법제처", "법제처장"),
        ("국가데이터처", "국가데이터처장"),
        ("국무조정실", "국무조정실장"),
        ("공정거래위원회", "공정거래위원회 위원장"),
        ("국가교육위원회", "국가교육위원회 위원장"),
        ("환경부", "환경부장관"),  # a former name keeps its own title
    ],
)
def test_head_title_by_kind_of_body(body: str, title: str) -> None:
    assert head_title(body) == title


def test_every_title_follows_its_kind() -> None:
    for body in CENTRAL_BODIES:
        if body.name.endswith("부"):
            assert body.head_title == f"{body.name}장관"
        elif body.name.endswith("위원회"):
            assert body.head_title == f"{body.name} 위원장"
        else:
            assert body.name.endswith(("청", "처", "실")), body.name
            assert body.head_title == f"{body.name}장"
        assert "장관장관" not in body.head_title and not body.head_title.endswith("청장관")


def test_the_nineteen_ministries_of_2026_and_the_bodies_the_engine_names() -> None:
    in_force = {body.name for body in bodies_on(AFTER_2026)}
    assert {name for name in in_force if name.endswith("부")} == MINISTRIES_2026
    assert {"산림청", "국무조정실", "국가교육위원회"} <= in_force
    # The 2025-10-01 names replace the old ones; 기획재정부 lasts until its split on 2026-01-02.
    on_reorganisation = {body.name for body in bodies_on(date(2025, 10, 1))}
    assert {"산업통상부", "기후에너지환경부", "성평등가족부", "기획재정부"} <= on_reorganisation
    assert not {"산업통상자원부", "환경부", "여성가족부", "재정경제부"} & on_reorganisation


@pytest.mark.parametrize("body", ["산림청장관", "국토교통부장관", "산업부", "", "중앙환경정책위원회"])
def test_unknown_body_is_refused_in_korean(body: str) -> None:
    with pytest.raises(UnknownBody, match=f"알 수 없는 중앙행정기관입니다: {body} "):
        head_title(body)
    with pytest.raises(ValueError, match="알 수 없는 중앙행정기관"):
        known_body(body)


def test_a_clerk_picks_bodies_by_their_current_name() -> None:
    assert current_body("산업통상부") == "산업통상부"
    assert known_body("산업통상자원부") == "산업통상자원부"  # still known, for records made under it
    with pytest.raises(
        UnknownBody,
        match=re.escape("산업통상자원부는 2025. 10. 1.부터 산업통상부입니다: 산업통상부를 적으십시오"),
    ):
        current_body("산업통상자원부")
    with pytest.raises(
        UnknownBody, match=re.escape("문화재청은 2024. 5. 17.부터 국가유산청입니다: 국가유산청을")
    ):
        current_body("문화재청")
    with pytest.raises(UnknownBody, match=re.escape("기획재정부는 2026. 1. 2.부터 없는 기관입니다")):
        current_body("기획재정부")
    with pytest.raises(UnknownBody, match="알 수 없는 중앙행정기관입니다: 산림청장관"):
        current_body("산림청장관")


def test_renamed_body_is_addressed_by_its_name_on_the_letters_date() -> None:
    assert body_on("산업통상자원부", date(2025, 9, 30)).head_title == "산업통상자원부장관"
    assert body_on("산업통상자원부", date(2025, 10, 1)).head_title == "산업통상부장관"
    assert body_on("문화재청", date(2024, 5, 17)).name == "국가유산청"
    assert body_on("환경부", AFTER_2026).name == "기후에너지환경부"


def test_split_or_not_yet_created_body_cannot_be_addressed() -> None:
    assert body_on("기획재정부", date(2026, 1, 1)).name == "기획재정부"
    with pytest.raises(UnknownBody, match=re.escape("기획재정부는 2026. 1. 2.부터 없는 기관입니다")):
        body_on("기획재정부", date(2026, 1, 2))
    with pytest.raises(
        UnknownBody, match=re.escape("재정경제부는 2026. 1. 2.에 설치되어 2025. 12. 31.에는 없는")
    ):
        body_on("재정경제부", date(2025, 12, 31))


@pytest.mark.parametrize(
    ("party", "day", "unit", "expected"),
    [
        ("governor:47", AFTER_2026, "환경정책과", "경상북도지사(환경정책과장)"),
        ("governor:47", AFTER_2026, "환경정책과장", "경상북도지사(환경정책과장)"),
        ("governor:47", AFTER_2026, None, "경상북도지사"),
        ("governor:47", AFTER_2026, "  ", "경상북도지사"),
        ("governor:42", date(2023, 6, 10), None, "강원도지사"),
        ("governor:42", date(2023, 6, 11), None, "강원특별자치도지사"),
        ("governor:45", date(2024, 1, 18), "기후환경국", "전북특별자치도지사(기후환경국장)"),
        ("ministry:산업통상부", AFTER_2026, None, "산업통상부장관"),
        ("ministry:국토교통부", AFTER_2026, "산업입지정책과", "국토교통부장관(산업입지정책과장)"),
        ("ministry:산림청", AFTER_2026, None, "산림청장"),
        ("ministry:국무조정실", AFTER_2026, None, "국무조정실장"),
        ("ministry:원자력안전위원회", AFTER_2026, None, "원자력안전위원회 위원장"),
        ("ministry:산업통상자원부", AFTER_2026, None, "산업통상부장관"),
    ],
)
def test_addressee(party: str, day: date, unit: str | None, expected: str) -> None:
    assert addressee(party, day, unit) == expected


def test_addressee_refuses_what_it_cannot_name() -> None:
    with pytest.raises(ValueError, match="알 수 없는 수신자입니다: someone"):
        addressee("someone", AFTER_2026)
    with pytest.raises(ValueError, match="알 수 없는 시·도 코드입니다: 99"):
        addressee("governor:99", AFTER_2026)
    with pytest.raises(UnknownBody, match="알 수 없는 중앙행정기관입니다: 국토교통부장관"):
        addressee("ministry:국토교통부장관", AFTER_2026)
    with pytest.raises(ValueError, match="괄호"):
        addressee("governor:47", AFTER_2026, "환경정책과(수질)")


# --- through the engine ------------------------------------------------------------------------------


def _ministries_consulted(ctx, ministries: list[str]) -> int:
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 3, 2))
    hear_the_governor(ctx, pid)
    signed(ctx, pid, "request_ministry_consultation", ministries=ministries)
    return pid


def test_consultation_letters_address_each_head_by_its_title(office) -> None:
    ctx = office
    pid = _ministries_consulted(ctx, ["산업통상부", "산림청"])
    # A letter's subject is "<round>:<party>".
    letters = {letter.subject.partition(":")[2]: letter for letter in issue(ctx, pid, "consultation_request")}
    assert set(letters) == {"ministry:산업통상부", "ministry:산림청"}
    texts = {
        subject: "\n".join(
            page.extract_text() for page in PdfReader(io.BytesIO(ctx.store.get(item.sha256))).pages
        )
        for subject, item in letters.items()
    }
    assert "산업통상부장관" in texts["ministry:산업통상부"]
    assert "산림청장" in texts["ministry:산림청"]
    for text in texts.values():
        assert "산림청장관" not in text and "장관장관" not in text


def test_unknown_ministry_is_refused_as_invalid_input(ctx) -> None:
    with pytest.raises(InvalidInput, match="알 수 없는 중앙행정기관입니다: 국토교통부장관") as refused:
        _ministries_consulted(ctx, ["산업통상부", "국토교통부장관"])
    assert "ministries.1" in refused.value.message
    assert "Value error" not in refused.value.message


def test_former_name_is_refused_with_its_successor(ctx) -> None:
    with pytest.raises(InvalidInput, match=re.escape("산업통상자원부는 2025. 10. 1.부터 산업통상부입니다")):
        _ministries_consulted(ctx, ["산업통상자원부"])
