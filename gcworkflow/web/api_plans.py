"""The API's plan of a procedure (조성계획, or the 기본계획 of a basic-plan procedure): its versions, the
difference between two, and recording a new one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from gcworkflow import queries
from gcworkflow.procedures.plan_content import missing_items, parse_plan
from gcworkflow.web import plandiff, planform, reads
from gcworkflow.web.api import (
    ERRORS,
    MAX_ID,
    Comment,
    FireOut,
    Payload,
    ProcedureId,
    StrictIn,
    Version,
    fire_scoped,
)
from gcworkflow.web.deps import ApiUser, Ctx

router = APIRouter(prefix="/api")


class PlanIn(StrictIn):
    content: Payload = Field(description="계획 내용 (조성계획: procedure.md §4)")
    mode: Literal["replace", "merge"] = "replace"
    extra: Payload = Field(
        default_factory=dict, description="record_plan의 다른 입력 (예: 조성계획 변경의 change_reason)"
    )
    expected_version: Version | None = None
    comment: Comment | None = None


@router.get(
    "/procedures/{procedure_id}/plan",
    tags=["조성계획"],
    summary="조성계획 한 판 (기본: 최신)과 아직 빠진 항목",
    responses=ERRORS,
)
def plan(
    ctx: Ctx,
    who: ApiUser,
    procedure_id: ProcedureId,
    version: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    found = queries.plan_version(ctx, who.reader(), procedure_id, version)
    kind = planform.plan_kind(queries.procedure_definition(ctx, procedure_id))
    missing = missing_items(parse_plan(found["content"])) if kind.structured else []
    found["missing"] = [{"id": m.id, "basis": m.basis, "message": m.message} for m in missing]
    return found


@router.get(
    "/procedures/{procedure_id}/plan/versions",
    tags=["조성계획"],
    summary="조성계획의 판 목록",
    responses=ERRORS,
)
def plan_versions(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    return reads.plan_versions(ctx, who.reader(), procedure_id)


@router.get(
    "/procedures/{procedure_id}/plan/diff",
    tags=["조성계획"],
    summary="두 판의 차이 (항목별 추가·삭제·변경)",
    responses=ERRORS,
)
def plan_diff(
    ctx: Ctx,
    who: ApiUser,
    procedure_id: ProcedureId,
    from_version: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
    to_version: Annotated[int, Query(alias="to", ge=1, le=MAX_ID)],
) -> dict[str, Any]:
    old = queries.plan_version(ctx, who.reader(), procedure_id, from_version)
    new = queries.plan_version(ctx, who.reader(), procedure_id, to_version)
    return {
        "from": old["number"],
        "to": new["number"],
        "changes": plandiff.diff(old["content"], new["content"]),
    }


@router.post(
    "/procedures/{procedure_id}/plan",
    tags=["조성계획"],
    summary="계획의 새 판 기록 (record_plan): 조성계획은 procedure.md §4에 따라 검증; 변경·기본계획은 그 처리의 다른 입력(extra)도",
    responses=ERRORS,
)
def record_plan(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId, body: PlanIn) -> FireOut:
    payload = {**body.extra, "content": body.content, "mode": body.mode}
    return fire_scoped(ctx, who, procedure_id, "record_plan", payload, body.expected_version, body.comment)
