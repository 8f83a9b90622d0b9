"""Whether a creation plan is complete: what procedure.md §4 still requires of it, each with its basis.

Completeness is a separate question from validity (a draft may be incomplete); the `request_governor_opinions`
guard asks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from gcworkflow.procedures.plan_content.models import PlanContent
from gcworkflow.reference.regions import sido_by_code

# The basic plan (2023–2027) ends with an annex titled "녹색융합클러스터 조성계획 가이드라인"; it, not the
# Act, is what asks for research and training institutions (procedure.md §4 item 10).
GUIDELINE_BASIS = "녹색융합클러스터 기본계획(2023~2027) 붙임 「녹색융합클러스터 조성계획 가이드라인」"

_ACT = "녹색융합클러스터법"
_DECREE = "녹색융합클러스터법 시행령"
_RULE = "녹색융합클러스터법 시행규칙"


@dataclass(frozen=True)
class MissingItem:
    """One unmet requirement of a complete plan, in the refusal format of procedure.md (id · basis · message)."""

    id: str
    basis: str
    message: str


def _sido_label(code: str) -> str:
    # Named as of the code the plan uses, so the message matches what the clerk wrote.
    return sido_by_code(code).period_for_code(code).name


def missing_items(plan: PlanContent) -> list[MissingItem]:
    """What §4 still requires, in §4 order; empty when the plan is complete."""
    missing: list[MissingItem] = []

    def need(condition: bool, item_id: str, basis: str, message: str) -> None:
        if not condition:
            missing.append(MissingItem(item_id, basis, message))

    # 1. name, location (시·도 and 시·군·구), area
    item1 = f"{_ACT} 제11조제1호"
    need(plan.name is not None, "plan_name_missing", item1, "조성계획에 명칭이 없습니다")
    need(
        plan.regions is not None,
        "plan_location_missing",
        item1,
        "조성계획에 위치(시·도 및 시·군·구)가 없습니다",
    )
    for region in plan.regions or ():
        need(
            bool(region.sigungu),
            "plan_sigungu_missing",
            item1,
            f"조성계획의 위치에 {_sido_label(region.sido_code)}의 시·군·구가 없습니다",
        )
    need(plan.area_m2 is not None, "plan_area_missing", item1, "조성계획에 면적(㎡)이 없습니다")
    # 2–6: the Act's own items
    need(
        plan.basic_plan_consistency is not None,
        "plan_basic_plan_consistency_missing",
        f"{_ACT} 제11조제2호",
        "조성계획에 기본계획과의 부합성이 없습니다",
    )
    need(
        plan.necessity_effects is not None,
        "plan_necessity_effects_missing",
        f"{_ACT} 제11조제3호",
        "조성계획에 조성 필요성 및 효과(비용·편익·시장 규모 등 사업 타당성 분석 포함)가 없습니다",
    )
    need(
        plan.facilities is not None,
        "plan_facilities_missing",
        f"{_ACT} 제11조제4호",
        "조성계획에 주요 시설 설치 및 집적단지의 조성에 관한 계획이 없습니다",
    )
    need(
        plan.green_innovation_industry is not None,
        "plan_green_innovation_industry_missing",
        f"{_ACT} 제11조제5호",
        "조성계획에 녹색혁신산업의 육성계획이 없습니다",
    )
    need(
        plan.financing is not None,
        "plan_financing_missing",
        f"{_ACT} 제11조제6호",
        "조성계획에 재원조달에 관한 계획이 없습니다",
    )
    # 7–9: the Decree's items (법 제11조제7호 delegates them to 영 제7조)
    need(
        plan.operation_plan is not None,
        "plan_operation_plan_missing",
        f"{_DECREE} 제7조제1호",
        "조성계획에 운영계획(전문운영기관 포함)이 없습니다",
    )
    need(
        plan.infrastructure_plan is not None,
        "plan_infrastructure_plan_missing",
        f"{_DECREE} 제7조제2호",
        "조성계획에 기반시설 확보계획이 없습니다",
    )
    need(
        plan.tenant_attraction_plan is not None,
        "plan_tenant_attraction_plan_missing",
        f"{_DECREE} 제7조제3호",
        "조성계획에 입주기업 유치계획이 없습니다",
    )
    # 10: both kinds of institution, since the guideline asks for each separately
    kinds = {institution.kind for institution in plan.research_institutions or ()}
    need(
        "전문연구기관" in kinds,
        "plan_research_institution_missing",
        GUIDELINE_BASIS,
        "조성계획에 전문연구기관(기존 또는 지정 예정)이 없습니다",
    )
    need(
        "전문인력 양성기관" in kinds,
        "plan_training_institution_missing",
        GUIDELINE_BASIS,
        "조성계획에 전문인력 양성기관(기존 또는 지정 예정)이 없습니다",
    )
    # 11: the notice has to state it (규칙 제3조제3호), so the plan has to fix it
    need(
        plan.creation_period is not None,
        "plan_creation_period_missing",
        f"{_RULE} 제3조제3호",
        "조성계획에 조성기간(시작·종료 연도)이 없습니다",
    )
    return missing


def is_complete(plan: PlanContent) -> bool:
    """Whether the plan meets every §4 requirement."""
    return not missing_items(plan)
