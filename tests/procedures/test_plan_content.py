"""Creation plan content (procedure.md §4): validation, completeness, digest, merging, and the demo data."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import date
from importlib import resources
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from gcworkflow.procedures.plan_content import (
    GUIDELINE_BASIS,
    CreationPeriod,
    Financing,
    FinancingItem,
    MissingItem,
    PlanContent,
    PlanValidationError,
    competent_sido_codes,
    format_krw,
    format_krw_eok,
    is_complete,
    merge_plan,
    missing_items,
    parse_plan,
    plan_digest,
)
from gcworkflow.reference import Sigungu, sido_by_code


def _demo(name: str) -> Any:
    return yaml.safe_load(resources.files("gcworkflow.demo").joinpath(name).read_text(encoding="utf-8"))


@pytest.fixture
def gumi_data() -> dict[str, Any]:
    return _demo("gumi_plan.yaml")


@pytest.fixture
def gumi(gumi_data: dict[str, Any]) -> PlanContent:
    return parse_plan(gumi_data)


def _problems(data: dict[str, Any]) -> PlanValidationError:
    with pytest.raises(PlanValidationError) as caught:
        parse_plan(data)
    return caught.value


# ---------------------------------------------------------------------------------------------------------------
# Validation of what is given
# ---------------------------------------------------------------------------------------------------------------


class TestDraft:
    def test_empty_plan_is_a_valid_draft(self) -> None:
        assert parse_plan({}) == PlanContent()
        assert parse_plan(None) == PlanContent()

    def test_partial_plan_is_a_valid_draft(self) -> None:
        plan = parse_plan({"name": "  청정대기 녹색융합클러스터 ", "area_m2": 30000})
        assert plan.name == "청정대기 녹색융합클러스터"  # surrounding whitespace is not content
        assert plan.financing is None

    def test_plan_is_frozen(self, gumi: PlanContent) -> None:
        with pytest.raises(ValidationError):
            gumi.area_m2 = 1  # type: ignore[misc]

    def test_not_a_mapping(self) -> None:
        error = _problems(["name"])  # type: ignore[arg-type]
        assert "'항목: 값' 형식" in str(error)


class TestArea:
    @pytest.mark.parametrize("area", [0, -33000])
    def test_non_positive_area(self, area: int) -> None:
        error = _problems({"area_m2": area})
        assert [p.path for p in error.problems] == ["area_m2"]
        assert "0보다 커야 합니다" in str(error)
        assert "면적(㎡)" in str(error)

    @pytest.mark.parametrize("area", ["33000", 33000.0, "3만3천", True])
    def test_area_must_be_an_integer(self, area: Any) -> None:
        error = _problems({"area_m2": area})
        assert error.problems[0].type == "int_type"
        assert "정수" in error.problems[0].message


class TestRegions:
    def test_unknown_sido_code(self) -> None:
        error = _problems({"regions": [{"sido_code": "99"}]})
        assert [(p.path, p.message) for p in error.problems] == [
            ("regions[0].sido_code", "알 수 없는 시·도 코드입니다: 99")
        ]

    def test_one_digit_code_is_unknown(self) -> None:
        error = _problems({"regions": [{"sido_code": "4"}]})
        assert error.problems[0].message == "알 수 없는 시·도 코드입니다: 4"

    def test_old_code_is_accepted_and_kept(self) -> None:
        plan = parse_plan(
            {"regions": [{"sido_code": "42", "sigungu": [{"name": "춘천시", "code": "42110"}]}]}
        )
        assert plan.regions is not None and plan.regions[0].sido_code == "42"

    def test_unquoted_yaml_codes_are_read_as_codes(self) -> None:
        plan = parse_plan(
            yaml.safe_load("regions:\n  - sido_code: 47\n    sigungu: [{name: 구미시, code: 47190}]")
        )
        assert plan.regions is not None
        assert plan.regions[0].sido_code == "47"
        assert plan.regions[0].sigungu[0].code == "47190"

    def test_at_least_one_region_when_given(self) -> None:
        error = _problems({"regions": []})
        assert error.problems[0].type == "too_short"
        assert "최소 1개" in str(error)

    def test_same_sido_twice_even_under_old_and_new_code(self) -> None:
        error = _problems({"regions": [{"sido_code": "42"}, {"sido_code": "51"}]})
        assert error.problems[0].type == "duplicate_sido"
        assert "같은 시·도가 두 번" in str(error)

    def test_sigungu_code_must_have_five_digits(self) -> None:
        error = _problems({"regions": [{"sido_code": "47", "sigungu": [{"name": "구미시", "code": "4719"}]}]})
        assert error.problems[0].path == "regions[0].sigungu[0].code"
        assert "다섯 자리" in str(error)

    def test_sigungu_code_must_belong_to_its_sido(self) -> None:
        error = _problems(
            {"regions": [{"sido_code": "46", "sigungu": [{"name": "구미시", "code": "47190"}]}]}
        )
        assert error.problems[0].type == "sigungu_outside_sido"
        assert "47190" in error.problems[0].message

    def test_duplicate_sigungu(self) -> None:
        error = _problems(
            {"regions": [{"sido_code": "47", "sigungu": [{"name": "구미시"}, {"name": "구미시"}]}]}
        )
        assert error.problems[0].type == "duplicate_sigungu"

    def test_several_sidos_allowed(self) -> None:
        plan = parse_plan({"regions": [{"sido_code": "47"}, {"sido_code": "46"}]})
        assert plan.regions is not None and len(plan.regions) == 2


class TestFinancing:
    def _financing(self, total: int, *amounts: int) -> dict[str, Any]:
        sources = ["국비", "지방비", "민자", "기타"]
        return {
            "total_cost_krw": total,
            "items": [
                {"item": f"항목 {n}", "source": sources[n % 4], "amount_krw": amount}
                for n, amount in enumerate(amounts)
            ],
        }

    def test_items_sum_to_total(self) -> None:
        plan = parse_plan({"financing": self._financing(49_000_000_000, 34_300_000_000, 14_700_000_000)})
        assert plan.financing is not None
        assert plan.financing.by_source() == {"국비": 34_300_000_000, "지방비": 14_700_000_000}

    def test_sum_mismatch_names_both_sums_in_korean(self) -> None:
        error = _problems({"financing": self._financing(49_000_000_000, 34_300_000_000, 13_700_000_000)})
        [problem] = error.problems
        assert problem.type == "financing_sum_mismatch"
        assert problem.path == "financing"
        assert problem.message == (
            "재원 항목 합계 480억원(48,000,000,000원)이 총사업비 490억원(49,000,000,000원)과 "
            "맞지 않습니다 (10억원 부족)"
        )

    def test_sum_exceeding_total(self) -> None:
        error = _problems({"financing": self._financing(1_000_000_000, 1_000_000_000, 250_000_000)})
        assert "12억 5,000만원" in str(error)
        assert "2억 5,000만원 초과" in str(error)

    def test_negative_amount(self) -> None:
        error = _problems({"financing": self._financing(0, -5)})
        paths = [p.path for p in error.problems]
        assert "financing.items[0].amount_krw" in paths
        assert "0 이상이어야 합니다" in str(error)

    def test_negative_total(self) -> None:
        error = _problems(
            {"financing": {"total_cost_krw": -1, "items": [{"item": "a", "source": "국비", "amount_krw": 0}]}}
        )
        assert error.problems[0].path == "financing.total_cost_krw"

    def test_money_must_be_integer_won(self) -> None:
        error = _problems(
            {
                "financing": {
                    "total_cost_krw": "490억",
                    "items": [{"item": "a", "source": "국비", "amount_krw": 1.5}],
                }
            }
        )
        assert {p.type for p in error.problems} == {"int_type"}
        assert len(error.problems) == 2

    def test_unknown_source(self) -> None:
        error = _problems(
            {"financing": {"total_cost_krw": 1, "items": [{"item": "a", "source": "국고", "amount_krw": 1}]}}
        )
        [problem] = error.problems
        assert problem.path == "financing.items[0].source"
        assert problem.message == "다음 중 하나여야 합니다: 국비, 지방비, 민자, 기타 (입력값: '국고')"
        assert problem.label == "재원조달계획 › 재원 항목 1번째 › 재원"

    def test_at_least_one_item(self) -> None:
        error = _problems({"financing": {"total_cost_krw": 0, "items": []}})
        assert error.problems[0].type == "too_short"

    def test_one_bad_item_is_reported_once(self) -> None:
        # pydantic would also claim "at least 1 item" here; the clerk needs only the real problem.
        error = _problems({"financing": {"total_cost_krw": 1, "items": [{"item": "a", "source": "국비"}]}})
        assert [(p.path, p.type) for p in error.problems] == [("financing.items[0].amount_krw", "missing")]
        assert "반드시 적어야 하는 값이 없습니다" in str(error)

    def test_direct_construction_also_checks_the_sum(self) -> None:
        with pytest.raises(ValidationError, match="총사업비"):
            Financing(total_cost_krw=2, items=(FinancingItem(item="a", source="국비", amount_krw=1),))


class TestCreationPeriod:
    def test_valid(self) -> None:
        assert CreationPeriod(start_year=2026, end_year=2026).end_year == 2026

    def test_start_after_end(self) -> None:
        error = _problems({"creation_period": {"start_year": 2029, "end_year": 2028}})
        [problem] = error.problems
        assert problem.type == "creation_period_order"
        assert problem.message == "조성기간의 시작 연도(2029)가 종료 연도(2028)보다 늦습니다"

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [(1999, 2001, "2000 이상"), (2026, 2101, "2100 이하"), (26, 28, "2000 이상")],
    )
    def test_years_out_of_range(self, start: int, end: int, expected: str) -> None:
        error = _problems({"creation_period": {"start_year": start, "end_year": end}})
        assert expected in str(error)

    def test_missing_end_year(self) -> None:
        error = _problems({"creation_period": {"start_year": 2026}})
        assert [(p.path, p.type) for p in error.problems] == [("creation_period.end_year", "missing")]


class TestChoices:
    def test_facility_category_and_status(self) -> None:
        error = _problems(
            {
                "facilities": {
                    "agglomeration_complex": "집적단지",
                    "items": [{"category": "생산", "name": "공장", "status": "예정"}],
                }
            }
        )
        messages = {p.path: p.message for p in error.problems}
        assert messages["facilities.items[0].category"].startswith(
            "다음 중 하나여야 합니다: 연구개발, 인증·실증, 기업지원, 교육·훈련"
        )
        assert messages["facilities.items[0].status"].startswith("다음 중 하나여야 합니다: 기존, 계획")

    def test_dot_and_spacing_variants_are_the_same_choice(self) -> None:
        plan = parse_plan(
            {
                "facilities": {
                    "agglomeration_complex": "집적단지",
                    "items": [{"category": "인증‧실증", "name": "실증동", "status": "계획"}],
                },
                "research_institutions": [{"name": "가", "kind": "전문인력양성기관", "status": "지정예정"}],
            }
        )
        assert plan.facilities is not None and plan.facilities.items[0].category == "인증·실증"
        assert plan.research_institutions is not None
        assert (plan.research_institutions[0].kind, plan.research_institutions[0].status) == (
            "전문인력 양성기관",
            "지정 예정",
        )

    def test_research_institution_kind_and_status(self) -> None:
        error = _problems({"research_institutions": [{"name": "가", "kind": "대학", "status": "운영"}]})
        text = str(error)
        assert "전문연구기관, 전문인력 양성기관" in text
        assert "기존, 지정 예정" in text

    def test_industries_at_least_one_and_distinct(self) -> None:
        assert _problems(
            {"green_innovation_industry": {"industries": [], "regional_contribution": "x"}}
        ).problems
        error = _problems(
            {"green_innovation_industry": {"industries": ["a", "a"], "regional_contribution": "x"}}
        )
        assert error.problems[0].type == "duplicate_industry"


class TestMessages:
    def test_unknown_key_is_refused(self) -> None:
        error = _problems({"nmae": "오타"})
        [problem] = error.problems
        assert problem.type == "extra_forbidden"
        assert problem.path == "nmae"
        assert "알 수 없는 항목" in problem.message

    def test_empty_text(self) -> None:
        error = _problems({"infrastructure_plan": "   "})
        assert error.problems[0].message.startswith("비어 있을 수 없습니다")

    def test_wrong_section_shape(self) -> None:
        error = _problems({"operation_plan": "한국환경산업기술원"})
        assert "'항목: 값' 형식" in error.problems[0].message

    def test_every_problem_listed_with_its_path(self) -> None:
        error = _problems(
            {
                "area_m2": 0,
                "regions": [{"sido_code": "99"}],
                "creation_period": {"start_year": 2029, "end_year": 2028},
                "financing": {
                    "total_cost_krw": 2,
                    "items": [{"item": "a", "source": "국비", "amount_krw": 1}],
                },
            }
        )
        lines = str(error).splitlines()
        assert lines[0] == "조성계획에 바로잡아야 할 값이 4건 있습니다:"
        assert len(lines) == 5
        assert all(line.startswith("- ") for line in lines[1:])
        assert "- 위치 1번째 › 시·도 코드 (regions[0].sido_code): 알 수 없는 시·도 코드입니다: 99" in lines
        assert any("(area_m2)" in line for line in lines)
        # No English from pydantic leaks through.
        assert not any(word in str(error) for word in ("Input", "should", "Field required", "Value error"))

    def test_is_a_value_error_chained_to_pydantic(self) -> None:
        error = _problems({"area_m2": 0})
        assert isinstance(error, ValueError)
        assert isinstance(error.__cause__, ValidationError)


# ---------------------------------------------------------------------------------------------------------------
# Completeness
# ---------------------------------------------------------------------------------------------------------------


EXPECTED_MISSING_ON_EMPTY = [
    ("plan_name_missing", "녹색융합클러스터법 제11조제1호"),
    ("plan_location_missing", "녹색융합클러스터법 제11조제1호"),
    ("plan_area_missing", "녹색융합클러스터법 제11조제1호"),
    ("plan_basic_plan_consistency_missing", "녹색융합클러스터법 제11조제2호"),
    ("plan_necessity_effects_missing", "녹색융합클러스터법 제11조제3호"),
    ("plan_facilities_missing", "녹색융합클러스터법 제11조제4호"),
    ("plan_green_innovation_industry_missing", "녹색융합클러스터법 제11조제5호"),
    ("plan_financing_missing", "녹색융합클러스터법 제11조제6호"),
    ("plan_operation_plan_missing", "녹색융합클러스터법 시행령 제7조제1호"),
    ("plan_infrastructure_plan_missing", "녹색융합클러스터법 시행령 제7조제2호"),
    ("plan_tenant_attraction_plan_missing", "녹색융합클러스터법 시행령 제7조제3호"),
    ("plan_research_institution_missing", GUIDELINE_BASIS),
    ("plan_training_institution_missing", GUIDELINE_BASIS),
    ("plan_creation_period_missing", "녹색융합클러스터법 시행규칙 제3조제3호"),
]


class TestMissingItems:
    def test_empty_plan_misses_everything_in_section_4_order(self) -> None:
        missing = missing_items(PlanContent())
        assert [(m.id, m.basis) for m in missing] == EXPECTED_MISSING_ON_EMPTY
        assert all(isinstance(m, MissingItem) and m.message.startswith("조성계획") for m in missing)
        assert (
            MissingItem(
                "plan_area_missing", "녹색융합클러스터법 제11조제1호", "조성계획에 면적(㎡)이 없습니다"
            )
            in missing
        )
        assert not is_complete(PlanContent())

    def test_guideline_basis_names_the_basic_plan_annex(self) -> None:
        assert "녹색융합클러스터 기본계획(2023~2027) 붙임" in GUIDELINE_BASIS

    def test_complete_plan_misses_nothing(self, gumi: PlanContent) -> None:
        assert missing_items(gumi) == []
        assert is_complete(gumi)

    @pytest.mark.parametrize(
        ("section", "item_id"),
        [
            ("name", "plan_name_missing"),
            ("area_m2", "plan_area_missing"),
            ("financing", "plan_financing_missing"),
            ("operation_plan", "plan_operation_plan_missing"),
            ("creation_period", "plan_creation_period_missing"),
        ],
    )
    def test_each_section_is_required(self, gumi_data: dict[str, Any], section: str, item_id: str) -> None:
        del gumi_data[section]
        assert [m.id for m in missing_items(parse_plan(gumi_data))] == [item_id]

    def test_region_without_sigungu(self, gumi_data: dict[str, Any]) -> None:
        gumi_data["regions"] = [{"sido_code": "47", "sigungu": [{"name": "구미시"}]}, {"sido_code": "42"}]
        [item] = missing_items(parse_plan(gumi_data))
        assert item.id == "plan_sigungu_missing"
        assert item.message == "조성계획의 위치에 강원도의 시·군·구가 없습니다"

    def test_both_kinds_of_institution_are_needed(self, gumi_data: dict[str, Any]) -> None:
        gumi_data["research_institutions"] = [{"name": "가 연구원", "kind": "전문연구기관", "status": "기존"}]
        assert [m.id for m in missing_items(parse_plan(gumi_data))] == ["plan_training_institution_missing"]


# ---------------------------------------------------------------------------------------------------------------
# Competent governors, digest, merge, money
# ---------------------------------------------------------------------------------------------------------------


class TestCompetentSidos:
    def test_current_codes_sorted_and_distinct(self) -> None:
        plan = parse_plan({"regions": [{"sido_code": "47"}, {"sido_code": "42"}, {"sido_code": "26"}]})
        assert competent_sido_codes(plan, date(2023, 6, 10)) == ["26", "42", "47"]
        assert competent_sido_codes(plan, date(2023, 6, 11)) == ["26", "47", "51"]

    def test_jeonbuk_old_code(self) -> None:
        plan = parse_plan({"regions": [{"sido_code": "45"}, {"sido_code": "46"}]})
        assert competent_sido_codes(plan, date(2024, 1, 17)) == ["45", "46"]
        assert competent_sido_codes(plan, date(2024, 1, 18)) == ["46", "52"]

    def test_new_code_before_renaming_gives_old_code(self) -> None:
        plan = parse_plan({"regions": [{"sido_code": "51"}]})
        assert competent_sido_codes(plan, date(2023, 1, 1)) == ["42"]

    def test_no_regions(self) -> None:
        assert competent_sido_codes(PlanContent(), date(2026, 1, 1)) == []

    def test_gumi(self, gumi: PlanContent) -> None:
        assert competent_sido_codes(gumi, date(2026, 9, 23)) == ["47"]


class TestDigest:
    def test_is_sha256_of_canonical_json(self, gumi: PlanContent) -> None:
        canonical = json.dumps(
            gumi.model_dump(mode="json", exclude_none=True),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        assert plan_digest(gumi) == hashlib.sha256(canonical).hexdigest()
        assert len(plan_digest(gumi)) == 64

    def test_stable_across_key_order_and_round_trip(
        self, gumi: PlanContent, gumi_data: dict[str, Any]
    ) -> None:
        reordered = dict(reversed(list(gumi_data.items())))
        assert plan_digest(parse_plan(reordered)) == plan_digest(gumi)
        assert plan_digest(parse_plan(gumi.model_dump(mode="json"))) == plan_digest(gumi)
        assert plan_digest(PlanContent.model_validate_json(gumi.model_dump_json())) == plan_digest(gumi)

    def test_changes_with_content(self, gumi: PlanContent) -> None:
        assert plan_digest(merge_plan(gumi, {"area_m2": 33001})) != plan_digest(gumi)

    def test_empty_plan(self) -> None:
        assert plan_digest(PlanContent()) == hashlib.sha256(b"{}").hexdigest()


class TestMerge:
    def test_from_nothing(self) -> None:
        plan = merge_plan(None, {"name": "생물소재 녹색융합클러스터", "area_m2": 13800})
        assert (plan.name, plan.area_m2) == ("생물소재 녹색융합클러스터", 13800)

    def test_replaces_whole_sections(self, gumi: PlanContent) -> None:
        new_financing = {
            "total_cost_krw": 50_000_000_000,
            "items": [{"item": "전체", "source": "국비", "amount_krw": 50_000_000_000}],
        }
        merged = merge_plan(gumi, {"financing": new_financing})
        assert merged.financing is not None and len(merged.financing.items) == 1
        assert merged.operation_plan == gumi.operation_plan
        assert gumi.financing is not None and len(gumi.financing.items) == 5  # base untouched

    def test_none_removes_a_section(self, gumi: PlanContent) -> None:
        merged = merge_plan(gumi, {"infrastructure_plan": None})
        assert merged.infrastructure_plan is None
        assert [m.id for m in missing_items(merged)] == ["plan_infrastructure_plan_missing"]

    def test_accepts_model_instances(self, gumi: PlanContent) -> None:
        period = CreationPeriod(start_year=2027, end_year=2029)
        assert merge_plan(gumi, {"creation_period": period}).creation_period == period

    def test_validates(self, gumi: PlanContent) -> None:
        with pytest.raises(PlanValidationError, match="0보다 커야 합니다"):
            merge_plan(gumi, {"area_m2": 0})
        with pytest.raises(PlanValidationError, match="알 수 없는 항목"):
            merge_plan(gumi, {"budget": 1})
        partial = copy.deepcopy(gumi.model_dump(mode="json")["financing"])
        partial["total_cost_krw"] += 1
        with pytest.raises(PlanValidationError, match="총사업비"):
            merge_plan(gumi, {"financing": partial})


class TestMoney:
    @pytest.mark.parametrize(
        ("amount", "text"),
        [
            (0, "0원"),
            (3_500, "3,500원"),
            (50_000_000, "5,000만원"),
            (49_000_000_000, "490억원"),
            (146_400_000_000, "1,464억원"),
            (1_250_000_000, "12억 5,000만원"),
            (1_200_000_000_000, "1조 2,000억원"),
            (100_000_012_345, "1,000억 1만 2,345원"),
            (-1_000_000_000, "-10억원"),
        ],
    )
    def test_format_krw_eok(self, amount: int, text: str) -> None:
        assert format_krw_eok(amount) == text

    def test_format_krw(self) -> None:
        assert format_krw(49_000_000_000) == "49,000,000,000원"


# ---------------------------------------------------------------------------------------------------------------
# Demo data
# ---------------------------------------------------------------------------------------------------------------


class TestDemoData:
    def test_gumi_plan_is_complete_and_matches_the_public_figures(self, gumi: PlanContent) -> None:
        assert gumi.name == "첨단 전자산업 자원순환 녹색융합클러스터"
        assert gumi.area_m2 == 33_000
        assert gumi.financing is not None
        assert gumi.financing.total_cost_krw == 49_000_000_000
        assert gumi.financing.by_source() == {"국비": 34_300_000_000, "지방비": 14_700_000_000}
        assert gumi.creation_period == CreationPeriod(start_year=2026, end_year=2028)
        assert gumi.regions is not None and gumi.regions[0].sigungu[0].code == "47190"
        assert gumi.operation_plan is not None and gumi.operation_plan.operating_institution
        assert missing_items(gumi) == []

    def test_clusters_file(self) -> None:
        clusters = _demo("clusters.yaml")["clusters"]
        assert len(clusters) == 7
        assert len({c["key"] for c in clusters}) == 7
        for cluster in clusters:
            sido = sido_by_code(cluster["sido_code"])
            if cluster["sigungu_code"] is not None:
                Sigungu(cluster["sigungu_name"], cluster["sigungu_code"], sido_key=sido.key)
            assert isinstance(cluster["area_m2"], int) and cluster["area_m2"] > 0
            assert cluster["budget_krw"] is None or (
                isinstance(cluster["budget_krw"], int) and cluster["budget_krw"] > 0
            )
            assert cluster["status_note"]
            # The same fields must also pass as a (partial) creation plan.
            parse_plan(
                {
                    "name": cluster["name"],
                    "regions": [
                        {
                            "sido_code": cluster["sido_code"],
                            "sigungu": [{"name": cluster["sigungu_name"], "code": cluster["sigungu_code"]}],
                        }
                    ],
                    "location_detail": cluster["location_detail"],
                    "area_m2": cluster["area_m2"],
                }
            )

    def test_only_the_startup_venture_cluster_is_deemed(self) -> None:
        clusters = _demo("clusters.yaml")["clusters"]
        deemed = [c for c in clusters if c["deemed"]]
        assert [c["name"] for c in deemed] == ["창업·벤처 녹색융합클러스터"]
        assert deemed[0]["deemed_basis"] == "녹색융합클러스터법 부칙 제2조제1항"
        assert deemed[0]["operating_institution"] == "한국환경산업기술원"
        assert all(c["deemed_basis"] is None for c in clusters if not c["deemed"])

    def test_clusters_agree_with_procedure_section_8(self) -> None:
        by_key = {c["key"]: c for c in _demo("clusters.yaml")["clusters"]}
        expected = {
            "startup_venture": ("28", "28260", 180_000, 146_400_000_000),
            "ev_battery": ("47", "47111", 17_000, 48_900_000_000),
            "post_plastic": ("26", "26440", 26_400, 56_800_000_000),
            "clean_air": ("29", "29200", 30_000, 49_300_000_000),
            "biomaterials": ("28", "28260", 13_800, None),
            "electronics_recycling": ("47", "47190", 33_000, 49_000_000_000),
            "solar_panel_recycling": ("46", "46820", 34_000, 45_000_000_000),
        }
        actual = {
            key: (c["sido_code"], c["sigungu_code"], c["area_m2"], c["budget_krw"])
            for key, c in by_key.items()
        }
        assert actual == expected
