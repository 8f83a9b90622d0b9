"""The creation plan's sections as pydantic models (procedure.md §4, 법 제11조, 영 제7조 and the basic plan's
guideline), in the order of §4, and the value types they are made of.

Every section is optional so that a clerk can save an incomplete draft; whatever *is* written is validated
strictly at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gcworkflow.inputs import one_line
from gcworkflow.procedures.plan_content.money import format_krw, format_krw_eok
from gcworkflow.reference.regions import UnknownRegion, sido_by_code

# --------------------------------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------------------------------

_DOTS = str.maketrans({"‧": "·", "ㆍ": "·", "・": "·", "∙": "·", "•": "·"})


def _canonical_choice(choices: tuple[str, ...]) -> Callable[[Any], Any]:
    """Map harmless spelling variants onto the canonical value, so that only real mistakes are refused.

    Statutes write "ㆍ", the basic plan "‧", keyboards "·"; and "지정예정" and "지정 예정" mean the same.
    """
    by_key = {choice.translate(_DOTS).replace(" ", ""): choice for choice in choices}

    def normalise(value: Any) -> Any:
        if isinstance(value, str):
            return by_key.get(value.strip().translate(_DOTS).replace(" ", ""), value)
        return value

    return normalise


FUNDING_SOURCES: tuple[str, ...] = ("국비", "지방비", "민자", "기타")
_FACILITY_CATEGORIES = ("연구개발", "인증·실증", "기업지원", "교육·훈련")
_FACILITY_STATUSES = ("기존", "계획")
_INSTITUTION_KINDS = ("전문연구기관", "전문인력 양성기관")
_INSTITUTION_STATUSES = ("기존", "지정 예정")

FundingSource = Annotated[
    Literal["국비", "지방비", "민자", "기타"], BeforeValidator(_canonical_choice(FUNDING_SOURCES))
]
FacilityCategory = Annotated[
    Literal["연구개발", "인증·실증", "기업지원", "교육·훈련"],
    BeforeValidator(_canonical_choice(_FACILITY_CATEGORIES)),
]
FacilityStatus = Annotated[Literal["기존", "계획"], BeforeValidator(_canonical_choice(_FACILITY_STATUSES))]
InstitutionKind = Annotated[
    Literal["전문연구기관", "전문인력 양성기관"], BeforeValidator(_canonical_choice(_INSTITUTION_KINDS))
]
InstitutionStatus = Annotated[
    Literal["기존", "지정 예정"], BeforeValidator(_canonical_choice(_INSTITUTION_STATUSES))
]

Text = Annotated[StrictStr, StringConstraints(strip_whitespace=True, min_length=1)]
# A name is one line of visible text: it is printed in the notice, the gazette and every list.
Name = Annotated[Text, AfterValidator(one_line)]
# Strict: "490억" or 4.9e10 must be refused, not silently coerced, since money and areas end up in a notice.
Krw = Annotated[StrictInt, Field(ge=0)]
# The country's land is about 100,400 ㎢: an area beyond it is a typing error, and would overflow the report's sums.
MAX_AREA_M2 = 10**11
AreaM2 = Annotated[StrictInt, Field(gt=0, le=MAX_AREA_M2)]
Year = Annotated[StrictInt, Field(ge=2000, le=2100)]


def _code_to_str(value: Any) -> Any:
    # YAML reads an unquoted 47 as an int; a code is an identifier, so take it as the clerk meant it.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Code = Annotated[StrictStr, BeforeValidator(_code_to_str)]

_SIGUNGU_CODE = re.compile(r"[0-9]{5}")
_SIDO_CODE = re.compile(r"[0-9]{2}")


class _Section(BaseModel):
    # Frozen because a plan version is immutable once it leaves drafting; extra keys are refused because a
    # misspelt key would otherwise silently drop what the clerk wrote.
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------------------------------------------
# Sections (in the order of procedure.md §4)
# --------------------------------------------------------------------------------------------------------------


class PlanSigungu(_Section):
    """시·군·구 (§4 item 1)."""

    name: Name = Field(title="명칭", description="시·군·구 명칭, 예: 구미시")
    code: Code | None = Field(None, title="코드", description="행정구역 코드 다섯 자리, 예: 47190")

    @field_validator("code")
    @classmethod
    def _five_digits(cls, value: str | None) -> str | None:
        if value is not None and not _SIGUNGU_CODE.fullmatch(value):
            raise PydanticCustomError(
                "sigungu_code", "시·군·구 코드는 다섯 자리 숫자여야 합니다: {code}", {"code": value}
            )
        return value


class PlanRegion(_Section):
    """One 시·도 the cluster lies in, with its 시·군·구 (§4 item 1; several 시·도 are allowed)."""

    sido_code: Code = Field(
        title="시·도 코드", description="시·도 행정구역 코드 두 자리 (옛 코드도 가능, 예: 강원 42·51)"
    )
    sigungu: tuple[PlanSigungu, ...] = Field((), title="시·군·구", description="해당 시·도 안의 시·군·구")

    @field_validator("sido_code")
    @classmethod
    def _known_sido(cls, value: str) -> str:
        try:
            if not _SIDO_CODE.fullmatch(value):
                raise UnknownRegion(value)
            sido_by_code(value)
        except UnknownRegion:
            raise PydanticCustomError(
                "unknown_sido", "알 수 없는 시·도 코드입니다: {code}", {"code": value}
            ) from None
        return value

    @model_validator(mode="after")
    def _sigungu_consistent(self) -> PlanRegion:
        sido = sido_by_code(self.sido_code)
        seen: set[str] = set()
        for entry in self.sigungu:
            if entry.code is not None and entry.code[:2] not in sido.codes():
                raise PydanticCustomError(
                    "sigungu_outside_sido",
                    "시·군·구 코드 {code}의 앞 두 자리가 시·도 코드 {sido}에 해당하지 않습니다",
                    {"code": entry.code, "sido": self.sido_code},
                )
            if entry.name in seen:
                raise PydanticCustomError(
                    "duplicate_sigungu", "같은 시·군·구가 두 번 들어 있습니다: {name}", {"name": entry.name}
                )
            seen.add(entry.name)
        return self


class BasicPlanConsistency(_Section):
    """기본계획과의 부합성 (법 제11조제2호)."""

    basic_plan: Text = Field(
        title="기본계획",
        description="부합성을 검토한 기본계획, 예: 제1차 녹색융합클러스터 기본계획(2023~2027)",
    )
    statement: Text = Field(title="부합성 검토 내용", description="기본계획의 어느 내용에 어떻게 부합하는지")


class FeasibilityAnalysis(_Section):
    """사업 타당성 분석 (기본계획 붙임 가이드라인: 비용, 편익, 시장 규모 예측치)."""

    cost_krw: Krw = Field(title="비용(원)", description="분석상 총비용, 원 단위 정수")
    benefit_krw: Krw = Field(title="편익(원)", description="분석상 총편익, 원 단위 정수")
    market_size_krw: Krw = Field(title="시장 규모(원)", description="관련 시장 규모 예측치, 원 단위 정수")
    summary: Text = Field(title="분석 요약", description="분석 방법과 결론")

    @property
    def benefit_cost_ratio(self) -> float | None:
        """B/C, the figure committees ask for first; None when no cost is given."""
        return self.benefit_krw / self.cost_krw if self.cost_krw else None


class NecessityEffects(_Section):
    """조성 필요성 및 효과 (법 제11조제3호)."""

    necessity: Text = Field(title="조성 필요성", description="왜 이 지역에 클러스터가 필요한지")
    effects: Text = Field(title="기대 효과", description="집적·융복합, 일자리, 지역경제 효과")
    feasibility: FeasibilityAnalysis = Field(title="사업 타당성 분석", description="비용·편익·시장 규모 예측")


class Facility(_Section):
    """주요 시설 하나 (연구개발, 인증·실증, 기업지원, 교육·훈련; 기존 또는 계획)."""

    category: FacilityCategory = Field(
        title="구분", description="연구개발 / 인증·실증 / 기업지원 / 교육·훈련"
    )
    name: Name = Field(title="시설명", description="시설의 명칭과 규모")
    status: FacilityStatus = Field(title="현황", description="기존 / 계획")


class Facilities(_Section):
    """주요 시설 설치 및 집적단지의 조성에 관한 계획 (법 제11조제4호)."""

    agglomeration_complex: Text = Field(
        title="집적단지 조성계획", description="집적단지의 위치·규모·조성 방식"
    )
    items: Annotated[tuple[Facility, ...], Field(min_length=1)] = Field(
        title="주요 시설", description="시설 목록"
    )


class GreenInnovationIndustry(_Section):
    """녹색혁신산업의 육성계획 (법 제11조제5호)."""

    industries: Annotated[tuple[Text, ...], Field(min_length=1)] = Field(
        title="육성 대상 녹색혁신산업", description="육성할 녹색혁신산업 분야"
    )
    regional_contribution: Text = Field(title="지역경제 기여 방안", description="지역 산업·경제 기여 방안")

    @field_validator("industries")
    @classmethod
    def _no_duplicates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({item for item in value if value.count(item) > 1})
        if duplicates:
            raise PydanticCustomError(
                "duplicate_industry",
                "같은 산업이 두 번 들어 있습니다: {names}",
                {"names": ", ".join(duplicates)},
            )
        return value


class FinancingItem(_Section):
    """조성계획 추진내역별 소요예산 하나와 그 재원."""

    item: Text = Field(title="추진내역", description="예산 항목, 예: 연구·실증동 건축")
    source: FundingSource = Field(title="재원", description="국비 / 지방비 / 민자 / 기타")
    amount_krw: Krw = Field(title="금액(원)", description="원 단위 정수")


class Financing(_Section):
    """재원조달에 관한 계획 (법 제11조제6호): the items must add up to the total exactly."""

    total_cost_krw: Krw = Field(title="총사업비(원)", description="원 단위 정수")
    items: Annotated[tuple[FinancingItem, ...], Field(min_length=1)] = Field(
        title="재원 항목", description="추진내역별 소요예산과 재원"
    )

    @model_validator(mode="after")
    def _items_sum_to_total(self) -> Financing:
        total = sum(item.amount_krw for item in self.items)
        if total != self.total_cost_krw:
            gap = total - self.total_cost_krw
            direction = "초과" if gap > 0 else "부족"
            # Pre-formatted: pydantic would treat braces in the template as placeholders, and there are none.
            raise PydanticCustomError(
                "financing_sum_mismatch",
                f"재원 항목 합계 {format_krw_eok(total)}({format_krw(total)})이 "
                f"총사업비 {format_krw_eok(self.total_cost_krw)}({format_krw(self.total_cost_krw)})과 "
                f"맞지 않습니다 ({format_krw_eok(abs(gap))} {direction})",
            )
        return self

    def by_source(self) -> dict[str, int]:
        """Amount per funding source, in FUNDING_SOURCES order, for summaries (국비 343억원 + 지방비 147억원)."""
        totals = {source: 0 for source in FUNDING_SOURCES}
        for item in self.items:
            totals[item.source] += item.amount_krw
        return {source: amount for source, amount in totals.items() if amount}


class OperationPlan(_Section):
    """운영계획 (영 제7조제1호), including the 전문운영기관 the notice must name (규칙 제3조제4호)."""

    summary: Text = Field(title="운영계획 개요", description="운영 방식, 조직, 재원")
    operating_institution: Name = Field(
        title="전문운영기관", description="전문운영기관(지정 방안 포함), 예: 한국환경산업기술원"
    )


class TenantAttractionPlan(_Section):
    """입주기업 유치계획 (영 제7조제3호) and linkage with local-government support."""

    summary: Text = Field(title="유치계획", description="유치 대상·규모·방법")
    local_support_linkage: Text = Field(
        title="지자체 지원사업 연계", description="지자체 지원 사업과의 연계 지원 계획"
    )


class ResearchInstitution(_Section):
    """전문연구기관 또는 전문인력 양성기관 하나 (기본계획 붙임 가이드라인; 법 제18조·제19조)."""

    name: Name = Field(title="기관명", description="기관 명칭")
    kind: InstitutionKind = Field(title="구분", description="전문연구기관 / 전문인력 양성기관")
    status: InstitutionStatus = Field(title="현황", description="기존 / 지정 예정")


class CreationPeriod(_Section):
    """조성기간 (규칙 제3조제3호: the notice must state it)."""

    start_year: Year = Field(title="시작 연도", description="2000~2100")
    end_year: Year = Field(title="종료 연도", description="2000~2100, 시작 연도 이후")

    @model_validator(mode="after")
    def _ordered(self) -> CreationPeriod:
        if self.start_year > self.end_year:
            raise PydanticCustomError(
                "creation_period_order",
                "조성기간의 시작 연도({start})가 종료 연도({end})보다 늦습니다",
                {"start": self.start_year, "end": self.end_year},
            )
        return self


class PlanContent(_Section):
    """A creation plan version's content; every section optional (draft), every given value validated."""

    name: Name | None = Field(None, title="명칭", description="녹색융합클러스터 명칭 (법 제11조제1호)")
    regions: Annotated[tuple[PlanRegion, ...], Field(min_length=1)] | None = Field(
        None, title="위치", description="시·도 및 시·군·구 (법 제11조제1호), 여러 시·도 가능"
    )
    location_detail: Text | None = Field(
        None, title="세부 위치", description="예: 구미 국가산업단지 제4단지 일원"
    )
    area_m2: AreaM2 | None = Field(
        None, title="면적(㎡)", description="㎡ 단위 정수, 0보다 큼 (법 제11조제1호)"
    )
    basic_plan_consistency: BasicPlanConsistency | None = Field(
        None, title="기본계획과의 부합성", description="법 제11조제2호"
    )
    necessity_effects: NecessityEffects | None = Field(
        None, title="조성 필요성 및 효과", description="법 제11조제3호, 사업 타당성 분석 포함"
    )
    facilities: Facilities | None = Field(
        None, title="주요 시설 및 집적단지 조성계획", description="법 제11조제4호"
    )
    green_innovation_industry: GreenInnovationIndustry | None = Field(
        None, title="녹색혁신산업 육성계획", description="법 제11조제5호"
    )
    financing: Financing | None = Field(None, title="재원조달계획", description="법 제11조제6호")
    operation_plan: OperationPlan | None = Field(
        None, title="운영계획", description="시행령 제7조제1호, 전문운영기관 포함"
    )
    infrastructure_plan: Text | None = Field(None, title="기반시설 확보계획", description="시행령 제7조제2호")
    tenant_attraction_plan: TenantAttractionPlan | None = Field(
        None, title="입주기업 유치계획", description="시행령 제7조제3호"
    )
    research_institutions: Annotated[tuple[ResearchInstitution, ...], Field(min_length=1)] | None = Field(
        None,
        title="전문연구기관 및 전문인력 양성기관",
        description="기존 또는 지정 예정 (기본계획 붙임 조성계획 가이드라인)",
    )
    creation_period: CreationPeriod | None = Field(None, title="조성기간", description="시작·종료 연도")

    @field_validator("regions")
    @classmethod
    def _distinct_sidos(cls, value: tuple[PlanRegion, ...] | None) -> tuple[PlanRegion, ...] | None:
        seen: dict[str, str] = {}
        for region in value or ():
            key = sido_by_code(region.sido_code).key
            # 42 and 51 are the same 강원, so a plan listing both would address its governor twice.
            if key in seen:
                raise PydanticCustomError(
                    "duplicate_sido",
                    "같은 시·도가 두 번 들어 있습니다: {first}, {second}",
                    {"first": seen[key], "second": region.sido_code},
                )
            seen[key] = region.sido_code
        return value


def competent_sido_codes(plan: PlanContent, day: date) -> list[str]:
    """The codes in force on `day` of every 시·도 in the plan, sorted and de-duplicated (42 → 51 after 2023-06-11)."""
    return sorted({sido_by_code(region.sido_code).on(day).code for region in plan.regions or ()})
