"""시·도 names, codes and governor titles over time (procedure.md §4 item 1)."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from gcworkflow import clusters, contacts
from gcworkflow.errors import InvalidInput
from gcworkflow.reference import (
    SIDOS,
    Sido,
    SidoPeriod,
    Sigungu,
    UnknownRegion,
    codes_on,
    governor_title,
    resolve_sido,
    sido_by_code,
    sido_by_key,
    sido_in_force,
)
from tests.support import ADMIN, CLERK, SEOUL, actor, cast


def test_seventeen_sidos_with_distinct_keys_and_codes() -> None:
    assert len(SIDOS) == 17
    assert len({sido.key for sido in SIDOS}) == 17
    all_codes = [code for sido in SIDOS for code in sido.codes()]
    assert len(all_codes) == len(set(all_codes)) == 19  # 17 current + 강원 42 + 전북 45


@pytest.mark.parametrize(
    ("code", "name", "short", "title"),
    [
        ("11", "서울특별시", "서울", "서울특별시장"),
        ("26", "부산광역시", "부산", "부산광역시장"),
        ("27", "대구광역시", "대구", "대구광역시장"),
        ("28", "인천광역시", "인천", "인천광역시장"),
        ("29", "광주광역시", "광주", "광주광역시장"),
        ("30", "대전광역시", "대전", "대전광역시장"),
        ("31", "울산광역시", "울산", "울산광역시장"),
        ("36", "세종특별자치시", "세종", "세종특별자치시장"),
        ("41", "경기도", "경기", "경기도지사"),
        ("43", "충청북도", "충북", "충청북도지사"),
        ("44", "충청남도", "충남", "충청남도지사"),
        ("46", "전라남도", "전남", "전라남도지사"),
        ("47", "경상북도", "경북", "경상북도지사"),
        ("48", "경상남도", "경남", "경상남도지사"),
        ("50", "제주특별자치도", "제주", "제주특별자치도지사"),
    ],
)
def test_unchanged_sidos(code: str, name: str, short: str, title: str) -> None:
    period = sido_by_code(code).on(date(2026, 9, 1))
    assert (period.code, period.name, period.short, period.head_title) == (code, name, short, title)
    assert governor_title(code, date(2021, 12, 16)) == title


def test_gangwon_renaming_on_2023_06_11() -> None:
    gangwon = sido_by_key("gangwon")
    before, after = gangwon.on(date(2023, 6, 10)), gangwon.on(date(2023, 6, 11))
    assert (before.code, before.name, before.short) == ("42", "강원도", "강원")
    assert (after.code, after.name, after.short) == ("51", "강원특별자치도", "강원")
    assert governor_title("gangwon", date(2023, 6, 10)) == "강원도지사"
    assert governor_title("gangwon", date(2023, 6, 11)) == "강원특별자치도지사"
    # The code a plan happens to hold does not change which title is in force on the day.
    assert governor_title("42", date(2023, 6, 11)) == "강원특별자치도지사"
    assert governor_title("51", date(2023, 6, 10)) == "강원도지사"


def test_jeonbuk_renaming_on_2024_01_18() -> None:
    assert governor_title("jeonbuk", date(2024, 1, 17)) == "전라북도지사"
    assert governor_title("jeonbuk", date(2024, 1, 18)) == "전북특별자치도지사"
    assert governor_title("45", date(2024, 1, 18)) == "전북특별자치도지사"
    assert sido_by_code("45").on(date(2024, 1, 17)).code == "45"
    assert sido_by_code("45").on(date(2024, 1, 18)).code == "52"
    assert sido_by_code("52").on(date(2024, 1, 18)).name == "전북특별자치도"


def test_old_and_new_codes_resolve_to_the_same_sido() -> None:
    assert sido_by_code("42") is sido_by_code("51")
    assert sido_by_code("42").key == "gangwon"
    assert sido_by_code("45") is sido_by_code("52") is sido_by_key("jeonbuk")
    assert sido_by_code("42").codes() == frozenset({"42", "51"})
    assert sido_by_code("47").codes() == frozenset({"47"})


def test_period_for_code_names_the_sido_as_that_code_did() -> None:
    assert sido_by_code("42").period_for_code("42").name == "강원도"
    assert sido_by_code("42").period_for_code("51").name == "강원특별자치도"


@pytest.mark.parametrize("code", ["99", "00", "4", "470", "", "강원"])
def test_unknown_code_is_refused_in_korean(code: str) -> None:
    with pytest.raises(UnknownRegion, match=f"알 수 없는 시·도 코드입니다: {code}$"):
        sido_by_code(code)


def test_unknown_region_is_a_value_error() -> None:
    assert issubclass(UnknownRegion, ValueError)
    with pytest.raises(ValueError, match="알 수 없는 시·도 코드입니다: 99"):
        governor_title("99", date(2026, 1, 1))


def test_resolve_accepts_key_or_code() -> None:
    assert resolve_sido("gyeongbuk") is resolve_sido("47")
    with pytest.raises(UnknownRegion):
        resolve_sido("atlantis")
    with pytest.raises(UnknownRegion):
        sido_by_key("atlantis")


def test_sido_definition_refuses_gaps() -> None:
    with pytest.raises(ValueError, match="연속"):
        Sido(
            "broken",
            (
                SidoPeriod(None, date(2020, 1, 1), "90", "가도", "가", "가도지사"),
                SidoPeriod(date(2020, 1, 2), None, "91", "나도", "나", "나도지사"),
            ),
        )


def test_period_refuses_bad_code() -> None:
    with pytest.raises(ValueError, match="두 자리"):
        SidoPeriod(None, None, "1", "가도", "가", "가도지사")


class TestSigungu:
    def test_name_only(self) -> None:
        assert Sigungu("구미시").code is None

    @pytest.mark.parametrize(
        ("name", "code", "key"),
        [
            ("구미시", "47190", "gyeongbuk"),
            ("포항시 남구", "47111", "gyeongbuk"),
            ("서구", "28260", "incheon"),
            ("강서구", "26440", "busan"),
            ("광산구", "29200", "gwangju"),
            ("해남군", "46820", "jeonnam"),
            ("춘천시", "42110", "gangwon"),  # old code, still valid in older documents
            ("춘천시", "51110", "gangwon"),
            ("전주시", "45110", "jeonbuk"),
            ("전주시", "52110", "jeonbuk"),
        ],
    )
    def test_valid_codes(self, name: str, code: str, key: str) -> None:
        assert Sigungu(name, code).code == code
        assert Sigungu(name, code, sido_key=key).sido_key == key

    @pytest.mark.parametrize("code", ["4719", "471900", "4719a", "47 19"])
    def test_code_must_have_five_digits(self, code: str) -> None:
        with pytest.raises(ValueError, match="다섯 자리"):
            Sigungu("구미시", code)

    def test_code_prefix_must_be_a_sido_code(self) -> None:
        with pytest.raises(UnknownRegion, match="알 수 없는 시·도 코드입니다: 99"):
            Sigungu("어딘가", "99110")

    def test_code_prefix_must_be_its_own_sido(self) -> None:
        with pytest.raises(UnknownRegion, match="47190"):
            Sigungu("구미시", "47190", sido_key="jeonnam")

    def test_empty_name(self) -> None:
        with pytest.raises(ValueError, match="명칭"):
            Sigungu("  ")


# --- codes in use on a date, and the entry points that must use them (procedure.md §4 item 1) -------------

CODES_2026 = [
    "11",
    "26",
    "27",
    "28",
    "29",
    "30",
    "31",
    "36",
    "41",
    "43",
    "44",
    "46",
    "47",
    "48",
    "50",
    "51",
    "52",
]


def test_codes_on_a_date() -> None:
    assert list(codes_on(date(2026, 3, 2))) == CODES_2026
    assert "42" in codes_on(date(2023, 6, 10)) and "51" not in codes_on(date(2023, 6, 10))
    assert "42" not in codes_on(date(2023, 6, 11)) and "51" in codes_on(date(2023, 6, 11))
    assert "45" in codes_on(date(2024, 1, 17)) and "52" in codes_on(date(2024, 1, 18))


def test_sido_in_force_takes_only_that_days_code() -> None:
    assert sido_in_force("47", date(2026, 3, 2)).name == "경상북도"
    assert sido_in_force("42", date(2023, 6, 10)).name == "강원도"
    assert sido_in_force("51", date(2023, 6, 11)).name == "강원특별자치도"
    with pytest.raises(UnknownRegion) as no_longer:
        sido_in_force("42", date(2023, 6, 11))
    assert str(no_longer.value).startswith(
        "시·도 코드 42(강원도)는 2023. 6. 11.부터 쓰이지 않습니다: 2023. 6. 11. 현재 강원특별자치도의 코드는 51입니다"
    )
    with pytest.raises(
        UnknownRegion, match=re.escape("시·도 코드 51(강원특별자치도)은 2023. 6. 11.부터 쓰입니다")
    ):
        sido_in_force("51", date(2023, 6, 10))
    with pytest.raises(
        UnknownRegion, match=re.escape("시·도 코드 45(전라북도)는 2024. 1. 18.부터 쓰이지 않습니다")
    ):
        sido_in_force("45", date(2026, 3, 2))


@pytest.mark.parametrize("code", ["99", "4", "", "강원", 47])
def test_sido_in_force_lists_the_codes_of_the_day(code: object) -> None:
    with pytest.raises(UnknownRegion) as refused:
        sido_in_force(code, date(2026, 3, 2))  # type: ignore[arg-type]
    message = str(refused.value)
    assert "2026. 3. 2. 현재 쓰이는 시·도 코드: 11 서울, 26 부산" in message
    assert "51 강원, 52 전북)" in message and "42" not in message
    assert str(code) in message


def test_cluster_registration_checks_the_sido_code_on_that_day(ctx) -> None:
    cast(ctx)
    with pytest.raises(InvalidInput, match="알 수 없는 시·도 코드입니다: 99") as unknown:
        clusters.register_cluster(ctx, actor(CLERK), "어딘가 녹색융합클러스터", {"sido_code": "99"})
    assert "47 경북" in unknown.value.message
    with pytest.raises(InvalidInput, match="강원특별자치도의 코드는 51입니다"):
        clusters.register_cluster(ctx, actor(CLERK), "춘천 녹색융합클러스터", {"sido_code": "42"})
    with pytest.raises(InvalidInput, match="시·도 코드 45"):
        clusters.register_deemed_cluster(
            ctx, actor(ADMIN), "전주 클러스터", "부칙 제2조제1항", {"sido_code": "45"}
        )
    assert clusters.list_clusters(ctx) == []

    chuncheon = clusters.register_cluster(ctx, actor(CLERK), "춘천 녹색융합클러스터", {"sido_code": "51"})
    from_yaml = clusters.register_cluster(ctx, actor(CLERK), "구미 녹색융합클러스터", {"sido_code": 47})
    bare = clusters.register_cluster(ctx, actor(CLERK), "이름만 있는 클러스터")
    profiles = {c.id: c.profile for c in clusters.list_clusters(ctx)}
    assert profiles == {chuncheon: {"sido_code": "51"}, from_yaml: {"sido_code": "47"}, bare: {}}


def test_cluster_registered_before_the_renaming_takes_the_old_code(ctx) -> None:
    ctx.clock.set(datetime(2023, 6, 10, 10, 0, tzinfo=SEOUL))
    cast(ctx)
    clusters.register_cluster(ctx, actor(CLERK), "춘천 녹색융합클러스터", {"sido_code": "42"})
    with pytest.raises(InvalidInput, match=re.escape("2023. 6. 11.부터 쓰입니다")):
        clusters.register_cluster(ctx, actor(CLERK), "원주 녹색융합클러스터", {"sido_code": "51"})


def test_contacts_take_the_code_in_use_today(ctx) -> None:
    cast(ctx)
    contacts.set_contact(ctx, actor(ADMIN), "governor:51", "env@gangwon.example.kr")
    contacts.set_contact(ctx, actor(ADMIN), "gyeongbuk", "env@gyeongbuk.example.kr")
    contacts.set_contact(ctx, actor(ADMIN), "ministry:산림청", "forest@forest.example.kr")
    with pytest.raises(InvalidInput, match="강원특별자치도의 코드는 51입니다"):
        contacts.set_contact(ctx, actor(ADMIN), "governor:42", "old@gangwon.example.kr")
    with pytest.raises(InvalidInput, match="알 수 없는 시·도 코드입니다: 99"):
        contacts.set_contact(ctx, actor(ADMIN), "99", "nobody@example.kr")
    with pytest.raises(InvalidInput, match="알 수 없는 중앙행정기관입니다: 산림청장관"):
        contacts.set_contact(ctx, actor(ADMIN), "ministry:산림청장관", "forest@forest.example.kr")
    rows = {row["party"]: row["name"] for row in contacts.list_contacts(ctx)}
    assert rows == {
        "governor:51": "강원특별자치도지사",
        "governor:47": "경상북도지사",
        "ministry:산림청": "산림청",
    }
