"""The API's procedures: list, open and inspect them, fire their actions, read their records and diagram, and
the clusters they are opened for."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field, StringConstraints

from gcworkflow import clusters, diagram, engine, queries
from gcworkflow.errors import Forbidden
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import Role
from gcworkflow.web import reads, svg
from gcworkflow.web.api import (
    ERRORS,
    MAX_ID,
    CleanText,
    Comment,
    Filter,
    FireOut,
    Payload,
    ProcedureId,
    StrictIn,
    Trigger,
    Username,
    Version,
    fire_scoped,
)
from gcworkflow.web.auth import require_scope
from gcworkflow.web.deps import ApiUser, Ctx

router = APIRouter(prefix="/api")


class TransitionIn(StrictIn):
    trigger: Trigger = Field(
        description="처리 이름 (GET …/actions). 결재 사항은 propose로 상신하고 approve_proposal로 승인합니다"
    )
    payload: Payload = Field(default_factory=dict, description="처리의 입력 (propose: {trigger, payload})")
    expected_version: Version | None = Field(
        default=None, description="본 판 번호: 그 뒤 바뀌었으면 409 conflict (덮어쓰지 않음)"
    )
    comment: Comment | None = None


class OpenIn(StrictIn):
    kind: Trigger = "designation"
    cluster_id: Version | None = None
    approver: Username
    title: Annotated[CleanText, StringConstraints(max_length=300)] | None = None
    comment: Comment | None = None


@router.get(
    "/procedures",
    tags=["절차"],
    summary="진행 중인 절차 (대시보드): 단계, 단계 경과 일수, 다음 기한, 기한 경과 우선",
    responses=ERRORS,
)
def list_procedures(
    ctx: Ctx,
    who: ApiUser,
    stage: Filter = None,
    cluster: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    kind: Filter = None,
    person: Filter = None,
) -> list[dict[str, Any]]:
    return reads.dashboard(ctx, reads.Filters(stage, cluster, kind, person))


@router.post(
    "/procedures", tags=["절차"], summary="절차 개시 (담당 주무관)", status_code=201, responses=ERRORS
)
def open_procedure(ctx: Ctx, who: ApiUser, body: OpenIn) -> FireOut:
    require_scope(ctx, who, {Role.CLERK}, "절차 개시", f"open:{body.kind}")
    result = engine.open_procedure(
        ctx,
        who.actor(),
        body.kind,
        cluster_id=body.cluster_id,
        approver=body.approver,
        title=body.title,
        comment=body.comment,
    )
    return FireOut(**result.as_dict())


@router.get(
    "/procedures/{procedure_id}",
    tags=["절차"],
    summary="절차 상태: 단계, 판, 기한, 문서, 결재 대기, 이 사용자가 지금 할 수 있는 처리",
    responses=ERRORS,
)
def procedure_status(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> dict[str, Any]:
    return queries.procedure_status(ctx, procedure_id, who.reader())


@router.get(
    "/procedures/{procedure_id}/actions",
    tags=["절차"],
    summary="지금 할 수 있는 처리와 입력 항목(JSON 스키마), 아직 막는 요건",
    responses=ERRORS,
)
def actions(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    status = queries.procedure_status(ctx, procedure_id, who.reader())
    definition = definition_of(status["kind"], status["definition_version"])
    offered = status["actions"]
    for offer in offered:
        action = definition.action(offer["trigger"])
        model = action.payload if action else None
        offer["payload_schema"] = model.model_json_schema() if model else None
    return offered


@router.post(
    "/procedures/{procedure_id}/transitions",
    tags=["절차"],
    summary="처리 하나 (엔진의 단일 관문): 전이·기록·결재 상신(propose)·승인·반려",
    responses=ERRORS,
)
def transition(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId, body: TransitionIn) -> FireOut:
    return fire_scoped(
        ctx, who, procedure_id, body.trigger, body.payload, body.expected_version, body.comment
    )


@router.get(
    "/procedures/{procedure_id}/history",
    tags=["절차"],
    summary="감사 기록 (시간순): 감사 조회와 같은 열람 범위, 열람은 기록됨",
    responses=ERRORS,
)
def history(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    return queries.history(ctx, who.reader(), procedure_id)


@router.get(
    "/procedures/{procedure_id}/refusals", tags=["절차"], summary="거부된 시도와 그 근거", responses=ERRORS
)
def procedure_refusals(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    return queries.refusals(ctx, who.reader(), procedure_id)


@router.get(
    "/procedures/{procedure_id}/consultations",
    tags=["절차"],
    summary="의견수렴·협의: 상대방별 요청일, 회신 기한, 회신",
    responses=ERRORS,
)
def consultations(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    status = queries.procedure_status(ctx, procedure_id, who.reader())
    if status["record_hidden"]:
        raise Forbidden(status["record_hidden"])
    return reads.consultations(status, ctx.clock.today())


@router.get(
    "/procedures/{procedure_id}/diagram",
    tags=["절차"],
    summary="절차도: 현재 단계를 강조한 SVG (format=mermaid이면 Mermaid 텍스트)",
    responses={**ERRORS, 200: {"content": {"image/svg+xml": {}, "text/plain": {}}}},
    response_class=Response,
)
def procedure_diagram(
    ctx: Ctx, who: ApiUser, procedure_id: ProcedureId, format: Literal["svg", "mermaid"] = "svg"
) -> Response:
    definition = queries.procedure_definition(ctx, procedure_id)
    state = queries.procedure_status(ctx, procedure_id, who.reader())["state"]
    if format == "mermaid":
        return Response(diagram.mermaid(definition, current=state), media_type="text/plain; charset=utf-8")
    return Response(svg.diagram(definition, state), media_type="image/svg+xml")


@router.get("/clusters", tags=["클러스터"], summary="클러스터 목록", responses=ERRORS)
def cluster_list(ctx: Ctx, who: ApiUser) -> list[dict[str, Any]]:
    return [c.as_dict() for c in clusters.list_clusters(ctx)]
