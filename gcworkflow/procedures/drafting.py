"""The drafting stage (조성계획 수립): plan versions and the optional 공모 site selection."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from gcworkflow.errors import Unmet
from gcworkflow.procedures.common import LAW, Payload, Text, not_after_today
from gcworkflow.procedures.plan_content import merge_plan, missing_items, parse_plan
from gcworkflow.procedures.spec import Action, NewPlanVersion, ProcedureView, RecordFact, Role, Write


class PlanPayload(Payload):
    content: dict[str, Any] = Field(description="조성계획 내용 (procedure.md §4 항목)")
    mode: Literal["replace", "merge"] = Field(
        default="replace", description="replace: 전체 교체, merge: 주어진 항목(절)만 교체"
    )


def _record_plan(view: ProcedureView, payload: PlanPayload) -> list[Write]:
    # Validation raises PlanValidationError (Korean, every problem listed) before anything is written.
    plan = merge_plan(view.plan, payload.content) if payload.mode == "merge" else parse_plan(payload.content)
    return [NewPlanVersion(plan.model_dump(mode="json", exclude_none=True))]


def record_plan(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="record_plan",
        label="조성계획 작성·수정 (새 판)",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제11조, 같은 법 시행령 제7조",
        payload=PlanPayload,
        effects=_record_plan,
    )


def plan_complete(view: ProcedureView, _payload: object) -> list[Unmet]:
    """법 제11조·영 제7조: every item of a creation plan, including consistency with the basic plan."""
    if view.plan is None:
        return [Unmet("plan_missing", f"{LAW} 제11조", "조성계획이 작성되지 않았습니다")]
    return [Unmet(m.id, m.basis, m.message) for m in missing_items(view.plan)]


class SiteSelectionPayload(Payload):
    announced_on: date = Field(description="공모 공고일")
    selected_on: date = Field(description="예정 지역 선정일")
    summary: Text


def _site_selection_guard(view: ProcedureView, payload: SiteSelectionPayload) -> list[Unmet]:
    basis = f"{LAW} 제9조제2항"
    unmet = not_after_today(view, payload.selected_on, "선정일", basis, "site_selection_in_future")
    if payload.selected_on < payload.announced_on:
        unmet.append(Unmet("site_selection_before_call", basis, "선정일이 공모 공고일보다 앞섭니다"))
    return unmet


def record_site_selection(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="record_site_selection",
        label="공모를 통한 예정 지역 선정 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제9조제2항",
        payload=SiteSelectionPayload,
        guards=(_site_selection_guard,),
        effects=lambda _v, p: [RecordFact("site_selection", p.model_dump(mode="json"))],
        correctable=True,
    )
