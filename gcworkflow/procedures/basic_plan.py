"""The basic plan (녹색융합클러스터 기본계획): establishment and change — 법 제6조, 제7조, 규칙 제2조.

Every five years the Minister establishes a basic plan: the opinions of every 시·도지사 (all 17, not only the
competent ones), consultation of the ministries, the committee's deliberation, then the gazette notice and the
notification of the 시·도지사 (제6조⑤). A minor change (규칙 제2조: following an amended law, or correcting a
mistake with a clear basis) skips the consultations and the committee (제6조④ 단서) but not the notice and the
notification. At its entry into force the next plan and the fact-finding survey are kept as deadlines.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from gcworkflow.calendar import DueRule
from gcworkflow.errors import InvalidInput, Unmet
from gcworkflow.korean import particle
from gcworkflow.procedures import paths
from gcworkflow.procedures.common import DECREE, LAW, Payload, Text, Title, not_after_today
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.plan_content.models import CreationPeriod, _Section
from gcworkflow.procedures.spec import (
    Action,
    CloseDeadline,
    NewPlanVersion,
    OpenDeadline,
    ProcedureView,
    RecordFact,
    Role,
    State,
    Write,
)
from gcworkflow.validation import korean_errors

BASIC = f"{LAW} 제6조"
NEXT_PLAN = f"{LAW} 제6조제1항"  # every five years
MINOR_RULE = f"{LAW} 시행규칙 제2조"
MINOR_GROUNDS = {
    "law_change": f"{MINOR_RULE}제1호",  # 법령의 제정·개정·폐지를 반영하는 변경
    "correction": f"{MINOR_RULE}제2호",  # 착오·오기·누락 등 기본방향에 영향이 없는 명확한 변경
}
# 법 제7조: what a basic plan contains, in its order.
ITEMS = (
    ("goals", "제1호", "기본목표와 중장기 발전방향"),
    ("agglomeration", "제2호", "녹색산업등의 집적 및 융복합에 관한 사항"),
    ("strategy", "제3호", "녹색융합클러스터의 발전 전략"),
    ("zones", "제4호", "녹색융합클러스터의 구역과 조성의 기본원칙"),
    ("support", "제5호", "지원의 기본원칙"),
)


class BasicPlanContent(_Section):
    """A basic plan version (법 제7조); ``name`` and ``creation_period`` as the notices print them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Title | None = Field(
        None, title="계획명", description="예: 제2차 녹색융합클러스터 기본계획(2028~2032)"
    )
    creation_period: CreationPeriod | None = Field(None, title="계획기간")
    goals: Text | None = Field(None, title="기본목표와 중장기 발전방향")
    agglomeration: Text | None = Field(None, title="집적 및 융복합")
    strategy: Text | None = Field(None, title="발전 전략")
    zones: Text | None = Field(None, title="구역과 조성의 기본원칙")
    support: Text | None = Field(None, title="지원의 기본원칙")
    other: Text | None = Field(None, title="그 밖의 사항 (제7조제6호)")


def parse_basic_plan(data: Any) -> BasicPlanContent:
    try:
        return BasicPlanContent.model_validate(dict(data or {}))
    except ValidationError as exc:
        raise InvalidInput(f"기본계획안의 값을 확인하십시오:\n{korean_errors(exc)}") from exc


def basic_plan_complete(view: ProcedureView, _payload: object) -> list[Unmet]:
    plan = view.plan
    if plan is None:
        return [Unmet("basic_plan_missing", f"{LAW} 제7조", "기본계획안이 작성되지 않았습니다")]
    unmet = []
    if not plan.name or not plan.creation_period:
        unmet.append(
            Unmet("basic_plan_title_missing", f"{LAW} 제6조제1항", "계획명과 계획기간(5년)을 적어야 합니다")
        )
    elif plan.creation_period.end_year - plan.creation_period.start_year != 4:
        unmet.append(
            Unmet(
                "basic_plan_not_five_years",
                f"{LAW} 제6조제1항",
                "기본계획은 5년마다 수립합니다 (계획기간 5년)",
            )
        )
    for field, number, label in ITEMS:
        if not getattr(plan, field):
            unmet.append(
                Unmet(
                    f"basic_plan_{field}_missing",
                    f"{LAW} 제7조{number}",
                    f"기본계획에 '{label}'{particle(label, '이')} 없습니다",
                )
            )
    return unmet


class BasicPlanPayload(Payload):
    content: dict[str, Any]
    mode: Literal["replace", "merge"] = "replace"
    change: Literal["establishment", "change"] = Field(default="establishment", description="수립 / 변경")
    minor_ground: Literal["law_change", "correction"] | None = Field(
        default=None, description="경미한 변경의 근거 (규칙 제2조제1호 법령 반영, 제2호 착오·오기·누락 등)"
    )
    reason: Text | None = None


def _record(view: ProcedureView, payload: BasicPlanPayload) -> list[Write]:
    base = (
        view.plan.model_dump(mode="json", exclude_none=True) if view.plan and payload.mode == "merge" else {}
    )
    plan = parse_basic_plan({**base, **payload.content})
    return [
        NewPlanVersion(plan.model_dump(mode="json", exclude_none=True)),
        RecordFact(
            "basic_plan_change",
            {
                "change": payload.change,
                "minor_ground": payload.minor_ground,
                "reason": payload.reason,
                "plan_version": (view.plan_version_no or 0) + 1,
            },
        ),
    ]


def _minor(view: ProcedureView) -> dict[str, Any] | None:
    fact = view.fact("basic_plan_change")
    if fact is None or fact.data.get("plan_version") != view.plan_version_no:
        return None
    return dict(fact.data) if fact.data["change"] == "change" and fact.data["minor_ground"] else None


def not_minor(view: ProcedureView, _payload: object) -> list[Unmet]:
    if _minor(view) is not None:
        return [
            Unmet(
                "basic_plan_change_is_minor",
                f"{LAW} 제6조제4항 단서",
                "경미한 변경이므로 의견 청취·협의·심의 없이 고시 단계로 갑니다 (경미한 변경 확정)",
            )
        ]
    return []


def minor_declared(view: ProcedureView, _payload: object) -> list[Unmet]:
    minor = _minor(view)
    if minor is None:
        return [
            Unmet(
                "basic_plan_change_not_minor",
                MINOR_RULE,
                "경미한 변경(규칙 제2조제1호·제2호)의 근거와 사유를 기록한 변경안이 아닙니다",
            )
        ]
    if not minor.get("reason"):
        return [
            Unmet(
                "basic_plan_minor_reason_missing",
                MINOR_GROUNDS[minor["minor_ground"]],
                "변경 근거를 적으십시오",
            )
        ]
    return []


def record_basic_plan(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="record_plan",
        label="기본계획안 작성·수정 (새 판)",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제6조, 제7조",
        payload=BasicPlanPayload,
        effects=_record,
    )


def skip_to_notice(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="apply_minor_change",
        label="경미한 변경 확정 — 고시 단계로 (결재)",
        sources=sources,
        dest="designation_notice",
        roles=frozenset({Role.APPROVER}),
        basis=f"{LAW} 제6조제4항 단서, {MINOR_RULE}",
        guards=(basic_plan_complete, minor_declared),
        signoff=True,
        signed_content=lambda view, _p: {"plan_sha256": view.plan_sha256},
    )


def next_plan_deadlines(view: ProcedureView, _payload: object) -> list[Write]:
    """At entry into force of a new basic plan: the next one by the end of this one (법 제6조①), and the
    fact-finding survey (영 제4조②) five years after the last one recorded (or, with none on record, after this
    plan's notice) — kept as deadlines with reminders from a year ahead. A change of the plan resets neither: the
    survey's five years run from the survey, not from any plan."""
    change = view.fact("basic_plan_change")
    if change is not None and change.data.get("change") == "change":
        return []
    period = getattr(view.plan, "creation_period", None)
    end = date(period.end_year, 12, 31) if period else view.today
    survey = view.fact("fact_finding_survey")
    base = (
        DueRule("civil", date.fromisoformat(survey.data["held_on"]), 5, "years", label="직전 실태조사일")
        if survey is not None
        else DueRule("civil", view.today, 5, "years", label="기본계획 고시일 (기록된 실태조사 없음)")
    )
    return [
        OpenDeadline("next_basic_plan", DueRule("date", end, label="현 기본계획 종료일"), basis=NEXT_PLAN),
        OpenDeadline("fact_finding_survey", base),
    ]


class SurveyPayload(Payload):
    held_on: date = Field(description="실태조사를 마친 날 (결과를 보고받은 날)")
    summary: Text = Field(description="조사 범위와 방법 (영 제4조①③)")


def record_survey(sources: tuple[str, ...]) -> Action:
    """A fact-finding survey held (영 제4조②: every five years): the open survey deadline is met, and the next
    one runs five years from this survey."""
    basis = f"{DECREE} 제4조제2항"

    def effects(view: ProcedureView, payload: SurveyPayload) -> list[Write]:
        held = payload.held_on
        return [
            RecordFact("fact_finding_survey", payload.model_dump(mode="json")),
            CloseDeadline("fact_finding_survey", None, on=held),
            OpenDeadline("fact_finding_survey", DueRule("civil", held, 5, "years", label="직전 실태조사일")),
        ]

    return Action(
        trigger="record_survey",
        label="실태조사 실시 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        payload=SurveyPayload,
        guards=(lambda view, p: not_after_today(view, p.held_on, "실태조사일", basis, "survey_in_future"),),
        effects=effects,
        correctable=True,
    )


# 법 제6조: every 시·도지사 is heard and the ministries consulted before the committee (②, for a change as
# applied by ④); the plan is published and the 관계 시·도지사 notified (⑤) — and nobody is asked to open it to
# residents: the basic plan has no inspection.
LAW_OF_BASIC_PLAN = KindLaw(
    subject="기본계획",
    verb="수립·변경",
    hear_basis=f"{LAW} 제6조제2항",  # a change: as applied by 제4항, said in the letter
    hear_clause="제6조제2항(변경은 같은 조 제4항에서 준용)",
    governors="시·도지사",
    decide_basis=f"{LAW} 제6조제1항·제3항",
    notice_basis=f"{LAW} 제6조제5항",
    notify_basis=f"{LAW} 제6조제5항",
    notify_clause="제6조제5항",
    inspection_basis=None,
    inspection_clause=None,
    notice_clause="제6조제5항",
    notice_items_basis=f"{LAW} 제6조제5항",
    result="수립·변경",
    attachment="기본계획(안)",
    enclosure="basic_plan_summary",
)
LAW_OF_BASIC_PLAN = replace(
    LAW_OF_BASIC_PLAN,
    variants=(
        ("establishment", replace(LAW_OF_BASIC_PLAN, verb="수립", result="수립", hear_clause="제6조제2항")),
        (
            "change",
            replace(
                LAW_OF_BASIC_PLAN,
                verb="변경",
                result="변경",
                hear_clause="제6조제4항에서 준용하는 같은 조 제2항",
                attachment="기본계획 변경안",
            ),
        ),
    ),
)

PATH = paths.Path(
    law=LAW_OF_BASIC_PLAN,
    decision="수립·변경",
    notice_kind="basic_plan",
    final=State("in_force", "고시·통보 완료 (시행)", f"{LAW} 제6조제5항", final=True),
    cluster_status=None,
    drafting_labels=("기본계획안 작성", "기본계획 고시"),
    request_guards=(basic_plan_complete, not_minor),
    all_governors=True,
    extra_drafting=(skip_to_notice(("drafting",)),),
    plan_action=record_basic_plan(("drafting",)),
    on_final=next_plan_deadlines,
    after_final=(record_survey(("in_force",)),),
)
DEFINITION = paths.definition(
    PATH,
    "basic_plan",
    "녹색융합클러스터 기본계획 수립·변경",
    BASIC,
    title_suffix="",
    subject="basic_plan",
    plan_parser=parse_basic_plan,
)
