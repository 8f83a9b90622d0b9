"""The API's sign-off (결재): the proposals waiting, and approving or rejecting one."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from gcworkflow import queries
from gcworkflow.context import Context
from gcworkflow.web.api import ERRORS, Comment, FireOut, ItemId, StrictIn, Version, fire_scoped
from gcworkflow.web.auth import Identity
from gcworkflow.web.deps import ApiUser, Ctx

router = APIRouter(prefix="/api")


class DecisionIn(StrictIn):
    comment: Comment | None = None
    expected_version: Version | None = None


def _decide(ctx: Context, who: Identity, proposal_id: int, trigger: str, body: DecisionIn) -> FireOut:
    procedure_id = queries.proposal_procedure(ctx, proposal_id)
    payload = {"proposal_id": proposal_id}
    return fire_scoped(ctx, who, procedure_id, trigger, payload, body.expected_version, body.comment)


@router.get(
    "/proposals",
    tags=["결재"],
    summary="결재 대기함 (mine=true: 내가 결재권자·대결자인 것)",
    responses=ERRORS,
)
def proposals(
    ctx: Ctx,
    who: ApiUser,
    mine: bool = False,
    status: Literal["pending", "approved", "rejected"] = "pending",
) -> list[dict[str, Any]]:
    return queries.proposals(ctx, approver=who.username if mine else None, status=status)


@router.post("/proposals/{proposal_id}/approve", tags=["결재"], summary="상신 승인 (결재)", responses=ERRORS)
def approve(ctx: Ctx, who: ApiUser, proposal_id: ItemId, body: DecisionIn | None = None) -> FireOut:
    return _decide(ctx, who, proposal_id, "approve_proposal", body or DecisionIn())


@router.post(
    "/proposals/{proposal_id}/reject", tags=["결재"], summary="상신 반려 (사유 필수)", responses=ERRORS
)
def reject(ctx: Ctx, who: ApiUser, proposal_id: ItemId, body: DecisionIn) -> FireOut:
    return _decide(ctx, who, proposal_id, "reject_proposal", body)
