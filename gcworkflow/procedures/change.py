"""Changing a creation plan (조성계획 변경) — 법 제12조①④, 규칙 제4조①②.

A change starts from the cluster's approved plan. Every edit of the plan is classified against the baseline
last approved by the full procedure: minor changes (규칙 제4조②) go straight to ``changed`` with the approver's
sign-off; full ones walk the path of 제9조 with a change notice. The classification and its reasons are recorded
with each plan version, so the clerk sees them and the audit trail keeps them.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from gcworkflow.errors import Unmet
from gcworkflow.procedures import drafting, paths
from gcworkflow.procedures.change_rules import classify
from gcworkflow.procedures.common import LAW, Payload, Sha256, Text, governor_party, not_after_today
from gcworkflow.procedures.plan_content import merge_plan, parse_plan
from gcworkflow.procedures.spec import (
    Action,
    LinkDocument,
    NewPlanVersion,
    ProcedureDefinition,
    ProcedureView,
    RecordFact,
    Role,
    State,
    Write,
)
from gcworkflow.reference import resolve_sido

CHANGE = f"{LAW} 제12조제1항·제4항"
REQUEST = f"{LAW} 제12조제2항·제3항, 같은 법 시행규칙 제4조제1항"


def baseline_plan(view: ProcedureView):
    baseline = view.fact("baseline")
    full = baseline.data.get("full") if baseline else None
    return parse_plan(full) if full else None


class ChangePlanPayload(drafting.PlanPayload):
    change_reason: Text = Field(description="변경 사유")
    declared: list[Literal["행정구역 변경", "착오·오기·누락 정정"]] = Field(
        default_factory=list, description="규칙 제4조제2항제4호·제5호에 해당한다는 신고"
    )


def _record_change_plan(view: ProcedureView, payload: ChangePlanPayload) -> list[Write]:
    plan = merge_plan(view.plan, payload.content) if payload.mode == "merge" else parse_plan(payload.content)
    content = plan.model_dump(mode="json", exclude_none=True)
    result = classify(baseline_plan(view), plan, tuple(payload.declared))
    return [
        NewPlanVersion(content),
        RecordFact(
            "classification",
            {
                **result.as_dict(),
                "change_reason": payload.change_reason,
                "declared": payload.declared,
                "plan_version": (view.plan_version_no or 0) + 1,
            },
        ),
    ]


def record_change_plan(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="record_plan",
        label="변경 조성계획 작성 (새 판, 경미·전체 분류)",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제12조제1항, 같은 법 시행규칙 제4조제2항",
        payload=ChangePlanPayload,
        effects=_record_change_plan,
    )


def _classified(view: ProcedureView) -> dict | None:
    fact = view.fact("classification")
    return dict(fact.data) if fact and fact.data.get("plan_version") == view.plan_version_no else None


def classified_full(view: ProcedureView, _payload: object) -> list[Unmet]:
    found = _classified(view)
    if found is None:
        return [Unmet("change_not_classified", CHANGE, "변경 조성계획이 작성(분류)되지 않았습니다")]
    if found["minor"]:
        return [
            Unmet(
                "change_is_minor",
                "녹색융합클러스터법 시행규칙 제4조제2항",
                "경미한 변경이므로 의견수렴·협의·심의 없이 '경미한 변경 확정'으로 처리합니다",
            )
        ]
    return []


def classified_minor(view: ProcedureView, _payload: object) -> list[Unmet]:
    found = _classified(view)
    if found is None:
        return [Unmet("change_not_classified", CHANGE, "변경 조성계획이 작성(분류)되지 않았습니다")]
    if not found["minor"]:
        return [
            Unmet("change_not_minor", r["basis"], r["message"]) for r in found["reasons"] if not r["minor"]
        ]
    return []


def _notice_policy(wanted: bool):
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        if view.policy.minor_change_notice != wanted:
            how = "변경 고시·통보 단계로 가야" if view.policy.minor_change_notice else "바로 확정해야"
            return [
                Unmet(
                    "minor_change_notice_policy",
                    "운영방침: minor_change_notice",
                    f"경미한 변경은 이 설치의 운영방침에 따라 {how} 합니다",
                )
            ]
        return []

    return guard


def apply_minor_change(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="apply_minor_change",
        label="경미한 변경 확정 (결재)",
        sources=sources,
        dest="changed",
        roles=frozenset({Role.APPROVER}),
        basis=f"{LAW} 제12조제4항 단서, 같은 법 시행규칙 제4조제2항",
        guards=(classified_minor, _notice_policy(False)),
        effects=lambda view, _p: [
            RecordFact("change_applied", {"minor": True, "plan_version": view.plan_version_no})
        ],
        signoff=True,
        signed_content=lambda view, _p: {"plan_sha256": view.plan_sha256},
    )


def publish_minor_change(sources: tuple[str, ...]) -> Action:
    """Where the ministry still publishes minor changes (운영방침), a minor change skips the consultations and the
    committee but goes through the change notice and the notification."""
    return Action(
        trigger="publish_minor_change",
        label="경미한 변경 — 변경 고시 단계로 (결재)",
        sources=sources,
        dest="designation_notice",
        roles=frozenset({Role.APPROVER}),
        basis=f"{LAW} 제12조제4항 단서, 같은 법 시행규칙 제4조제2항, 운영방침: minor_change_notice",
        guards=(classified_minor, _notice_policy(True)),
        effects=lambda view, _p: [
            RecordFact("change_applied", {"minor": True, "plan_version": view.plan_version_no})
        ],
        signoff=True,
        signed_content=lambda view, _p: {"plan_sha256": view.plan_sha256},
    )


class GovernorRequestPayload(Payload):
    """A governor's request (법 제12조②) with the documents of 규칙 제4조①."""

    sido_code: str
    requested_on: date
    reason: Text = Field(description="요청 사유")
    description_sha256: Sha256 = Field(description="변경(해제) 내용과 사유를 적은 서류 (가목)")
    materials_sha256: Sha256 = Field(description="설명 자료·도면 (나목)")
    problems_sha256: Sha256 | None = Field(
        default=None, description="해제에 따른 예상 문제점 및 관리 방안 (해제 시 다목)"
    )


def record_governor_request(sources: tuple[str, ...], release: bool = False) -> Action:
    def guard(view: ProcedureView, payload: GovernorRequestPayload) -> list[Unmet]:
        unmet = not_after_today(view, payload.requested_on, "요청일", REQUEST, "request_in_future")
        try:
            resolve_sido(payload.sido_code)
        except ValueError as exc:
            unmet.append(Unmet("unknown_sido", REQUEST, str(exc)))
        if release and payload.problems_sha256 is None:
            unmet.append(
                Unmet(
                    "release_request_document_missing",
                    f"{LAW} 시행규칙 제4조제1항제2호다목",
                    "해제 요청에는 해제에 따라 예상되는 문제점 및 관리 방안 서류가 있어야 합니다",
                )
            )
        return unmet

    def effects(view: ProcedureView, payload: GovernorRequestPayload) -> list[Write]:
        party = governor_party(resolve_sido(payload.sido_code).on(view.today).code)
        shas = [payload.description_sha256, payload.materials_sha256, *([payload.problems_sha256] * release)]
        titles = ["변경·해제 내용과 사유", "설명 자료·도면", "예상 문제점 및 관리 방안"]
        return [
            RecordFact("governor_request", {**payload.model_dump(mode="json"), "party": party}),
            *(
                LinkDocument(
                    sha256=sha,
                    direction="received",
                    kind="governor_request",
                    title=title,
                    media_type="application/pdf",
                )
                for sha, title in zip(shas, titles, strict=False)
                if sha
            ),
        ]

    return Action(
        trigger="record_governor_request",
        label="시·도지사의 변경·해제 요청 접수",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=REQUEST,
        payload=GovernorRequestPayload,
        guards=(guard,),
        effects=effects,
        correctable=True,
    )


PATH = paths.Path(
    hear=f"{LAW} 제12조제4항, 제9조제1항",
    decision="변경",
    notice_kind="change",
    final=State("changed", "변경", CHANGE, final=True),
    cluster_status=None,
    drafting_labels=("변경 조성계획 작성", "변경 및 관보 고시"),
    request_guards=(drafting.plan_complete, classified_full),
    extra_drafting=(
        record_governor_request(("drafting",)),
        apply_minor_change(("drafting",)),
        publish_minor_change(("drafting",)),
    ),
    plan_action=record_change_plan(("drafting",)),
)
STATES = paths.states(PATH)
ACTIONS = paths.actions(
    PATH, every=[s.name for s in STATES], open_states=[s.name for s in STATES if not s.final]
)
DEFINITION = ProcedureDefinition(
    kind="plan_change",
    version=1,
    label="조성계획 변경",
    title_suffix="조성계획 변경",
    basis=CHANGE,
    states=STATES,
    initial="drafting",
    actions=ACTIONS,
    starts_from_baseline=True,
    requires_cluster_status="designated",
)
