"""Minor or full (규칙 제4조②, procedure.md §3): every boundary of the five cases, without a database."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import yaml

from gcworkflow.procedures.change_rules import (
    AREA,
    CORRECTION_ITEM,
    COST,
    DISTRICTS_ITEM,
    NONE_OF_THEM,
    NOTHING_DECLARED,
    PERIOD,
    Classification,
    Correction,
    Declarations,
    classify,
)
from gcworkflow.procedures.plan_content import PlanContent, parse_plan

EVIDENCE = "a" * 64
RULE = "녹색융합클러스터법 시행규칙 제4조제2항"
UNRESOLVED = ("을(를)", "를(을)", "이(가)", "가(이)", "은(는)", "는(은)", "과(와)", "와(과)", "(으)로")


def _gumi() -> dict[str, Any]:
    text = resources.files("gcworkflow.demo").joinpath("gumi_plan.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _baseline(**changes: Any) -> PlanContent:
    return parse_plan(_gumi() | changes)


def _classify(
    changes: dict[str, Any], declared: Declarations = NOTHING_DECLARED, **baseline: Any
) -> Classification:
    base = _baseline(**baseline)
    proposed = parse_plan(base.model_dump(mode="json", exclude_none=True) | changes)
    result = classify(base, proposed, declared)
    for reason in result.reasons:
        # Every line says what was measured, cites 규칙 제4조② by its 호, and has no unresolved particle.
        assert reason.basis.startswith(RULE), reason
        assert reason.message and not [pair for pair in UNRESOLVED if pair in reason.message], reason
    return result


def _only(result: Classification, field: str) -> Any:
    assert [r.field for r in result.reasons] == [field], result
    return result.reasons[0]


# --- 제1호: total project cost ---------------------------------------------------------------------------------
# 구미: 국비 343억원 (210 + 98 + 35), 지방비 147억원 (97 + 50), total 490억원.


def _financing(amounts: list[int], sources: list[str] | None = None) -> dict[str, Any]:
    items = [dict(i) for i in _gumi()["financing"]["items"]]
    for item, amount in zip(items, amounts, strict=True):
        item["amount_krw"] = amount
    for item, source in zip(items, sources or [], strict=False):
        item["source"] = source
    return {"financing": {"total_cost_krw": sum(amounts), "items": items}}


BASE_AMOUNTS = [21_000_000_000, 9_800_000_000, 3_500_000_000, 9_700_000_000, 5_000_000_000]


def test_total_cost_plus_exactly_ten_percent_is_minor() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[0] += 4_900_000_000
    reason = _only(_classify(_financing(amounts)), "financing")
    assert reason.minor and reason.basis == COST
    assert reason.message == "총사업비 490억원 → 539억원 (+10.00%): 10% 이내"


def test_total_cost_just_over_ten_percent_is_full() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[0] += 4_904_900_000  # +10.01 %
    reason = _only(_classify(_financing(amounts)), "financing")
    assert not reason.minor and reason.basis == COST
    assert "(+10.01%): 10% 초과" in reason.message


def test_a_hair_over_ten_percent_is_not_printed_as_ten() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[0] += 4_900_000_001
    reason = _only(_classify(_financing(amounts)), "financing")
    assert not reason.minor and "(+10.000000002%)" in reason.message and "10% 초과" in reason.message


def test_total_cost_minus_exactly_ten_percent_is_minor() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[3] -= 4_900_000_000
    reason = _only(_classify(_financing(amounts)), "financing")
    assert reason.minor and "(-10.00%): 10% 이내" in reason.message


def test_all_items_scaled_by_five_percent_together_is_minor() -> None:
    reason = _only(_classify(_financing([a * 105 // 100 for a in BASE_AMOUNTS])), "financing")
    assert reason.minor and reason.message == "총사업비 490억원 → 514억 5,000만원 (+5.00%): 10% 이내"


def test_reallocation_between_sources_with_the_same_total_is_full() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[0] -= 1_000_000_000  # 국비 −10억원
    amounts[3] += 1_000_000_000  # 지방비 +10억원
    reason = _only(_classify(_financing(amounts)), "financing")
    assert not reason.minor and reason.basis == COST
    assert "(+0.00%): 10% 이내" in reason.message
    assert (
        "재원 간 이동 10억원(국비 -10억원, 지방비 +10억원)은 총사업비 증감으로 설명되지 않는"
        in reason.message
    )


def test_reallocation_with_a_five_percent_larger_total_is_still_full() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[0] -= 1_000_000_000  # 국비 −10억원
    amounts[3] += 3_450_000_000  # 지방비 +34억 5,000만원: the total grows by 24억 5,000만원 (+5 %)
    reason = _only(_classify(_financing(amounts)), "financing")
    assert not reason.minor
    assert "(+5.00%): 10% 이내" in reason.message and "재원 간 이동 10억원" in reason.message


def test_moving_an_item_to_another_source_is_a_reallocation() -> None:
    reason = _only(
        _classify(_financing(BASE_AMOUNTS, ["국비", "국비", "지방비", "지방비", "지방비"])), "financing"
    )
    assert not reason.minor and "재원 간 이동 35억원(국비 -35억원, 지방비 +35억원)" in reason.message


def test_shifting_money_between_items_of_one_source_is_not_moving_with_the_total() -> None:
    amounts = [*BASE_AMOUNTS]
    amounts[0] -= 500_000_000
    amounts[1] += 500_000_000  # both 국비
    reason = _only(_classify(_financing(amounts)), "financing")
    assert not reason.minor and "추진내역 간 금액 이동 5억원은" in reason.message


def test_increase_in_one_source_only_moves_with_the_total() -> None:
    # Nothing is taken from 지방비: the whole increase is 국비, which the total's change explains.
    amounts = [*BASE_AMOUNTS]
    amounts[1] += 2_000_000_000
    assert _only(_classify(_financing(amounts)), "financing").minor


# --- 제2호: total area (구미 33,000㎡) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("area", "minor", "shown"),
    [
        (36_300, True, "(+10.00%): 10% 이내"),
        (36_304, False, "(+10.01%): 10% 초과"),
        (29_700, True, "(-10.00%): 10% 이내"),
        (29_696, False, "(-10.01%): 10% 초과"),
    ],
)
def test_area_boundaries(area: int, minor: bool, shown: str) -> None:
    reason = _only(_classify({"area_m2": area}), "area_m2")
    assert reason.minor is minor and reason.basis == AREA
    assert reason.message == f"총면적 33,000㎡ → {area:,}㎡ {shown}"


# --- 제3호: creation period (baseline 2024–2027) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "minor", "says"),
    [
        (2025, 2028, True, "시작 연도 1년 늦춤, 종료 연도 1년 늦춤, 기간 4년으로 같음): 1년 이내"),
        (
            2023,
            2028,
            False,
            "시작 연도 1년 앞당김, 종료 연도 1년 늦춤, 기간 4년 → 6년으로 2년 늘어남): 1년 초과",
        ),
        (2024, 2028, True, "시작 연도 그대로, 종료 연도 1년 늦춤, 기간 4년 → 5년으로 1년 늘어남): 1년 이내"),
        (2024, 2029, False, "시작 연도 그대로, 종료 연도 2년 늦춤, 기간 4년 → 6년으로 2년 늘어남): 1년 초과"),
        (2026, 2027, False, "시작 연도 2년 늦춤, 종료 연도 그대로, 기간 4년 → 2년으로 2년 줄어듦): 1년 초과"),
    ],
)
def test_period_boundaries(start: int, end: int, minor: bool, says: str) -> None:
    period = {"creation_period": {"start_year": start, "end_year": end}}
    result = _classify(period, creation_period={"start_year": 2024, "end_year": 2027})
    reason = _only(result, "creation_period")
    assert reason.minor is minor and result.minor is minor and reason.basis == PERIOD
    assert reason.message == f"조성기간 2024~2027년 → {start}~{end}년 ({says}"


# --- 제4호: administrative districts --------------------------------------------------------------------------


def test_name_and_location_following_a_districts_change_with_its_basis_are_minor() -> None:
    changes = {
        "name": "첨단 전자산업 자원순환 녹색융합클러스터(구미)",
        "location_detail": "구미 국가산업단지 제5단지 일원",
    }
    declared = Declarations(districts_basis="구미시 행정구역 조정 조례 (2026. 1. 1. 시행)")
    result = _classify(changes, declared)
    assert result.minor and {r.field for r in result.reasons} == {"name", "location_detail"}
    for reason in result.reasons:
        assert reason.basis == DISTRICTS_ITEM
        assert (
            "행정구역 변경(구미시 행정구역 조정 조례 (2026. 1. 1. 시행))에 따른 것으로 신고됨"
            in reason.message
        )
    assert (
        "세부 위치 구미 국가산업단지 제4단지 일원 → 구미 국가산업단지 제5단지 일원"
        in result.reasons[0].message
    )


def test_a_name_change_without_the_districts_declaration_is_full() -> None:
    reason = _only(_classify({"name": "구미 녹색융합클러스터"}), "name")
    assert not reason.minor and reason.basis == NONE_OF_THEM
    assert reason.message.startswith("명칭이 바뀌었습니다: 경미한 변경(")


def test_the_districts_declaration_does_not_cover_the_area() -> None:
    declared = Declarations(districts_basis="행정구역 조정")
    assert not _only(_classify({"area_m2": 40_000}, declared), "area_m2").minor


# --- 제5호: correction of 착오·오기·누락 ------------------------------------------------------------------------


def test_a_correction_with_its_evidence_is_minor_whatever_the_size() -> None:
    # The designation printed 3,300㎡ for 33,000㎡: put right, it is ten times the figure, and still minor.
    declared = Declarations(corrections=(Correction("area_m2", EVIDENCE),))
    reason = _only(_classify({"area_m2": 33_000}, declared, area_m2=3_300), "area_m2")
    assert reason.minor and reason.basis == CORRECTION_ITEM
    assert reason.message.startswith("총면적 3,300㎡ → 33,000㎡: 착오·오기·누락의 정정으로 신고됨")
    assert "10%·1년 기준으로 재지 않음" in reason.message


def test_a_correction_without_evidence_is_measured_and_so_full() -> None:
    # Full, not refused: without the document of the original error a declaration proves nothing, so the field
    # is measured like any other (+900 %). The record_plan payload refuses such a declaration before it gets
    # here (correction_evidence_missing, tests/test_other_kinds.py); this is the rule's own fallback.
    declared = Declarations(corrections=(Correction("area_m2", None),))
    reason = _only(_classify({"area_m2": 33_000}, declared, area_m2=3_300), "area_m2")
    assert not reason.minor and reason.basis == AREA
    assert "(+900.00%): 10% 초과" in reason.message
    assert "증빙 문서가 없어 녹색융합클러스터법 시행규칙 제4조제2항제5호를 적용하지 않음" in reason.message


def test_a_correction_covers_only_the_fields_declared() -> None:
    declared = Declarations(corrections=(Correction("area_m2", EVIDENCE),))
    changes = {"area_m2": 33_000, "infrastructure_plan": "기반시설은 새로 확보한다."}
    result = _classify(changes, declared, area_m2=3_300)
    assert not result.minor
    assert {r.field: r.minor for r in result.reasons} == {"area_m2": True, "infrastructure_plan": False}


def test_a_corrected_period_is_not_measured_against_one_year() -> None:
    declared = Declarations(corrections=(Correction("creation_period", EVIDENCE),))
    period = {"creation_period": {"start_year": 2026, "end_year": 2030}}
    reason = _only(_classify(period, declared), "creation_period")
    assert reason.minor and reason.message.startswith("조성기간 2026~2028년 → 2026~2030년: 착오·오기·누락")


# --- all differences, and none --------------------------------------------------------------------------------


def test_every_difference_must_be_covered() -> None:
    result = _classify({"area_m2": 34_000, "creation_period": {"start_year": 2026, "end_year": 2030}})
    assert not result.minor
    assert {r.field: r.minor for r in result.reasons} == {"area_m2": True, "creation_period": False}


def test_no_baseline_means_the_full_procedure() -> None:
    result = classify(None, _baseline())
    assert not result.minor and result.reasons[0].basis == "녹색융합클러스터법 제12조제4항"


def test_nothing_changed() -> None:
    result = _classify({})
    assert result.minor and result.reasons[0].message == "승인된 조성계획과 달라진 내용이 없습니다"
