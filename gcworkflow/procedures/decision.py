"""The Minister's decision (지정·변경·해제·수립 결정), signed off by the approver on the kind's own power, and —
for a designation only — the assessment of each requirement of 법 제10조 and 영 제6조 (지정 요건 검토).

The decision is discretionary ("지정할 수 있다"); a requirement on record as not met refuses it. The notice that
follows is in :mod:`~gcworkflow.procedures.notice`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gcworkflow.errors import Unmet
from gcworkflow.korean import particle
from gcworkflow.procedures.common import DECREE, LAW, Payload, Text
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.spec import Action, Guard, ProcedureView, RecordFact, Role

# 법 제10조 allows designation only of an area meeting every one of these (제5호 → 영 제6조).
REQUIREMENTS: dict[str, tuple[str, str]] = {
    "law10_1": (f"{LAW} 제10조제1호", "기본계획에 부합할 것"),
    "law10_2": (
        f"{LAW} 제10조제2호",
        "녹색산업등의 집적·융복합 효과 및 연구개발·실증화·사업화 등의 연계 지원 효과가 있을 것",
    ),
    "law10_3": (f"{LAW} 제10조제3호", "녹색융합클러스터에 필요한 시설의 확보가 가능할 것"),
    "law10_4": (f"{LAW} 제10조제4호", "일자리 창출 등 지역경제 발전에 기여할 수 있을 것"),
    "decree6_1": (f"{DECREE} 제6조제1호", "녹색산업등과 관련된 전문인력 확보의 용이성"),
    "decree6_2": (f"{DECREE} 제6조제2호", "관할 시·도의 도시개발 및 산업발전과의 연관성"),
    "decree6_3": (f"{DECREE} 제6조제3호", "그 밖에 장관이 지정에 필요하다고 인정하여 고시하는 사항"),
}
# 영 제6조제3호 refers to a 고시 that does not exist yet (law.md §1.4): "해당 없음" is allowed only there.
MAY_NOT_APPLY = frozenset({"decree6_3"})


# --- the Minister's decision ------------------------------------------------------------------------


class DesignationDecisionPayload(Payload):
    reason: Text = Field(description="결정 사유")


def decide_designation(sources: tuple[str, ...], law: KindLaw, *, assess_requirements: bool) -> Action:
    """The Minister's decision (지정·변경·해제·수립), signed off by the approver, on the kind's own power
    (a designation: 법 제9조① "지정할 수 있다", not ③, which says what follows it). 법 제10조 allows
    designating only an area that meets its requirements: a requirement on record as not met refuses it."""
    return Action(
        trigger="decide_designation",
        label=f"{law.result} 결정 (결재)",
        sources=sources,
        dest=None,
        roles=frozenset({Role.APPROVER}),
        basis=law.decide_basis,
        payload=DesignationDecisionPayload,
        guards=(requirements_not_refuted,) if assess_requirements else (),
        effects=lambda view, p: [
            RecordFact(
                "designation_decision",
                {"decision": law.result, "reason": p.reason, "plan_version": view.plan_version_no},
            )
        ],
        signoff=True,
        signed_content=lambda view, p: {"plan_sha256": view.plan_sha256, "reason": p.reason},
    )


def designation_decided(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        decision = view.fact("designation_decision")
        if decision is None or decision.data.get("plan_version") != view.plan_version_no:
            return [
                Unmet(
                    "designation_decision_missing",
                    law.decide_basis,
                    f"현재 판의 {law.subject}에 대한 장관의 {law.result} 결정(결재)이 기록되지 않았습니다",
                )
            ]
        return []

    return guard


# --- requirement assessments (지정 요건 검토) -------------------------------------------------------


class AssessmentPayload(Payload):
    requirement: Literal["law10_1", "law10_2", "law10_3", "law10_4", "decree6_1", "decree6_2", "decree6_3"]
    result: Literal["met", "not_met", "not_applicable"] = Field(
        description="met 충족 / not_met 미충족 / not_applicable 해당 없음"
    )
    note: Text = Field(description="검토 의견")


def _assessment_guard(_view: ProcedureView, payload: AssessmentPayload) -> list[Unmet]:
    basis, _ = REQUIREMENTS[payload.requirement]
    if payload.result == "not_applicable" and payload.requirement not in MAY_NOT_APPLY:
        return [
            Unmet(
                "requirement_cannot_be_waived", basis, f"{basis}의 요건은 '해당 없음'으로 검토할 수 없습니다"
            )
        ]
    return []


def assess_requirement(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="assess_requirement",
        label="지정 요건 검토 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제10조, {DECREE} 제6조",
        payload=AssessmentPayload,
        guards=(_assessment_guard,),
        effects=lambda view, p: [
            RecordFact(
                "requirement_assessment",
                {**p.model_dump(mode="json"), "plan_version": view.plan_version_no},
                subject=p.requirement,
            )
        ],
        correctable=True,
    )


def requirements_not_refuted(view: ProcedureView, _payload: object) -> list[Unmet]:
    """No requirement of 법 제10조 is on record as not met (those not yet assessed may still be)."""
    return [u for u in requirements_met(view, _payload) if u.id == "requirement_not_met"]


def requirements_met(view: ProcedureView, _payload: object) -> list[Unmet]:
    unmet = []
    for ident, (basis, text) in REQUIREMENTS.items():
        assessment = view.fact("requirement_assessment", ident)
        result = assessment.data["result"] if assessment else None
        if result == "met" or (result == "not_applicable" and ident in MAY_NOT_APPLY):
            continue
        if result is None:
            unmet.append(
                Unmet(
                    "requirement_not_assessed", basis, f"지정 요건 '{text}'의 검토 결과가 기록되지 않았습니다"
                )
            )
        else:
            unmet.append(
                Unmet(
                    "requirement_not_met",
                    basis,
                    f"지정 요건 '{text}'{particle(text, '이')} 충족되지 않은 것으로 검토되었습니다",
                )
            )
    return unmet
