"""Changing a creation plan (조성계획 변경) — 법 제12조①④, 규칙 제4조①②.

A change starts from the cluster's approved plan. Every edit of the plan is classified against the baseline
last approved by the full procedure: minor changes (규칙 제4조②) go straight to ``changed`` with the approver's
sign-off; full ones walk the path of 제9조 with a change notice. The classification and its reasons are recorded
with each plan version, so the clerk sees them and the audit trail keeps them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from gcworkflow.errors import Unmet
from gcworkflow.korean import with_particle
from gcworkflow.procedures import drafting, paths
from gcworkflow.procedures.change_rules import (
    CORRECTION,
    CORRECTION_ITEM,
    DISTRICTS,
    DISTRICTS_ITEM,
    PLAN_FIELDS,
    Correction,
    Declarations,
    classify,
)
from gcworkflow.procedures.common import LAW, Payload, Sha256, Text, governor_party, not_after_today
from gcworkflow.procedures.kind_law import KindLaw, applying_article_9
from gcworkflow.procedures.plan_content import PlanContent, merge_plan, parse_plan
from gcworkflow.procedures.spec import (
    Action,
    LinkDocument,
    NewPlanVersion,
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


class CorrectionDeclaration(Payload):
    """One field of the plan declared as the correction of a 착오·오기·누락 (규칙 제4조②5)."""

    field: str = Field(description="정정하는 조성계획 항목 (예: area_m2)")
    evidence_sha256: Sha256 | None = Field(
        default=None, description="원래의 착오·오기·누락을 보여 주는 문서 (필수, 문서 저장소에 등록된 것)"
    )
    note: Text | None = Field(default=None, description="무엇을 어떻게 바로잡는지")


class ChangePlanPayload(drafting.PlanPayload):
    change_reason: Text = Field(description="변경 사유")
    declared: list[Literal["행정구역 변경", "착오·오기·누락 정정"]] = Field(
        default_factory=list, description="규칙 제4조제2항제4호·제5호에 해당한다는 신고"
    )
    districts_basis: Text | None = Field(
        default=None, description="행정구역 변경의 근거 (예: 행정구역을 바꾼 법률·조례와 그 시행일)"
    )
    corrections: list[CorrectionDeclaration] = Field(
        default_factory=list, description="착오·오기·누락 정정: 항목마다 원래 착오를 보여 주는 문서와 함께"
    )


def _label(name: str) -> str:
    info = PlanContent.model_fields.get(name)
    return info.title if info and info.title else name


def _declarations_guard(_view: ProcedureView, payload: ChangePlanPayload) -> list[Unmet]:
    """A declaration under 제4호·제5호 is what makes a change minor that the figures alone would not, so it is
    taken only complete: the districts' change with its basis, each correction with its evidence."""
    unmet: list[Unmet] = []
    if DISTRICTS in payload.declared and payload.districts_basis is None:
        unmet.append(
            Unmet(
                "districts_basis_missing",
                DISTRICTS_ITEM,
                "행정구역 변경에 따른 명칭·위치 변경으로 신고하려면 그 근거(행정구역을 바꾼 법률·조례와 "
                "시행일 등)를 적어야 합니다",
            )
        )
    if payload.districts_basis is not None and DISTRICTS not in payload.declared:
        unmet.append(
            Unmet(
                "districts_not_declared",
                DISTRICTS_ITEM,
                "행정구역 변경의 근거만 적혀 있고 행정구역 변경 신고가 없습니다",
            )
        )
    if CORRECTION in payload.declared and not payload.corrections:
        unmet.append(
            Unmet(
                "correction_fields_missing",
                CORRECTION_ITEM,
                "착오·오기·누락 정정은 정정하는 항목마다 원래 착오를 보여 주는 문서와 함께 신고해야 합니다",
            )
        )
    seen: set[str] = set()
    for correction in payload.corrections:
        if correction.field not in PLAN_FIELDS:
            unmet.append(
                Unmet(
                    "correction_field_unknown",
                    CORRECTION_ITEM,
                    f"정정한다고 신고한 항목 {with_particle(repr(correction.field), '은')} 조성계획의 항목이 아닙니다 "
                    f"(가능: {', '.join(PLAN_FIELDS)})",
                )
            )
            continue
        if correction.field in seen:
            unmet.append(
                Unmet(
                    "correction_field_repeated",
                    CORRECTION_ITEM,
                    f"{with_particle(_label(correction.field), '을')} 두 번 정정 신고하였습니다",
                )
            )
        seen.add(correction.field)
        if correction.evidence_sha256 is None:
            unmet.append(
                Unmet(
                    "correction_evidence_missing",
                    CORRECTION_ITEM,
                    f"{_label(correction.field)}의 착오·오기·누락 정정에는 원래의 착오·오기·누락을 보여 주는 "
                    f"문서를 첨부해야 합니다 ({CORRECTION_ITEM})",
                )
            )
    return unmet


def _declarations(payload: ChangePlanPayload) -> Declarations:
    return Declarations(
        districts_basis=payload.districts_basis if DISTRICTS in payload.declared else None,
        corrections=tuple(Correction(c.field, c.evidence_sha256) for c in payload.corrections),
    )


def _record_change_plan(view: ProcedureView, payload: ChangePlanPayload) -> list[Write]:
    plan = merge_plan(view.plan, payload.content) if payload.mode == "merge" else parse_plan(payload.content)
    content = plan.model_dump(mode="json", exclude_none=True)
    result = classify(baseline_plan(view), plan, _declarations(payload))
    evidence = {c.evidence_sha256: c.field for c in payload.corrections if c.evidence_sha256}
    return [
        NewPlanVersion(content),
        RecordFact(
            "classification",
            {
                **result.as_dict(),
                "change_reason": payload.change_reason,
                "declared": payload.declared,
                "districts_basis": payload.districts_basis,
                "corrections": [c.model_dump(mode="json") for c in payload.corrections],
                "plan_version": (view.plan_version_no or 0) + 1,
            },
        ),
        # Linking refuses a document that is not in the store: the evidence must be a document kept on file.
        *(
            LinkDocument(
                sha256=sha,
                direction="received",
                kind="correction_evidence",
                title=f"착오·오기·누락 정정 증빙 ({_label(name)})",
            )
            for sha, name in evidence.items()
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
        guards=(_declarations_guard,),
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


def _signed_change(view: ProcedureView, _payload: object) -> dict[str, Any]:
    # The approver signs the declarations (제4호의 근거, 제5호의 증빙) as well as the plan: a plan recorded
    # again unchanged but with other declarations must not ride on the earlier sign-off.
    return {"plan_sha256": view.plan_sha256, "classification": _classified(view)}


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
        signed_content=_signed_change,
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
        signed_content=_signed_change,
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


# 법 제12조: the Minister may change the 조성계획 (①), by the procedure of 제9조 as applied by ④ — except a
# minor change (④ 단서, 규칙 제4조②), to which 제9조 does not apply at all: no hearing, no inspection.
LAW_OF_CHANGE = applying_article_9(
    LAW,
    subject="조성계획",
    verb="변경",
    hear_basis=f"{LAW} 제12조제4항(제9조제1항 준용)",
    hear_clause="제12조제4항에서 준용하는 제9조제1항",
    hearing_basis=f"{LAW} 시행령 제5조",
    result="조성계획 변경",
    attachment="조성계획 변경 대비표",
    enclosure="plan_change_table",
    minor=KindLaw(
        subject="조성계획",
        verb="변경",
        hear_basis=f"{LAW} 제12조제4항 단서",
        hear_clause="제12조제4항 단서",
        governors="관할 시·도지사",
        decide_basis=f"{LAW} 제12조제1항",
        notice_basis=f"{LAW} 제12조제4항 단서, 같은 법 시행규칙 제4조제2항, 운영방침: minor_change_notice",
        notify_basis=f"{LAW} 제12조제4항 단서, 운영방침: minor_change_notice",
        notify_clause="제12조제1항 및 같은 조 제4항 단서",
        inspection_basis=None,
        inspection_clause=None,
        notice_clause="제12조제1항 및 같은 조 제4항 단서와 같은 법 시행규칙 제4조제2항",
        notice_items_basis=f"{LAW} 시행규칙 제3조",
        result="조성계획 변경(경미한 사항)",
        attachment="조성계획 변경 대비표",
        enclosure="plan_change_table",
    ),
)

PATH = paths.Path(
    law=LAW_OF_CHANGE,
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
DEFINITION = paths.definition(
    PATH,
    "plan_change",
    "조성계획 변경",
    CHANGE,
    title_suffix="조성계획 변경",
    starts_from_baseline=True,
    requires_cluster_status="designated",
)
