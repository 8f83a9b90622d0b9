"""The REST API under ``/api/``: every engine action and query, for scripts holding an API token.

The same functions as the CLI and the pages: ``engine.fire`` for every action (transitions, records, and the
sign-off meta-triggers ``propose`` / ``approve_proposal`` / ``reject_proposal``), ``queries`` for reading.
A token acts as its user limited to its role; the engine then applies that user's roles, assignment and the
two-person rule as for anyone. Refusals are JSON ``{code, message, unmet}`` with the status of DESIGN.md §4.

This module holds what the API's routers share: the request types, the error schema every operation
documents, and :func:`fire_scoped`. The routes are by resource: ``api_procedures`` (procedures, their actions
and clusters), ``api_plans``, ``api_documents``, ``api_proposals`` (sign-off), ``api_calendar`` (deadlines
and holidays) and ``api_accounts`` (the token's user, users and roles, tokens).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from gcworkflow import engine, queries
from gcworkflow.errors import InvalidInput
from gcworkflow.inputs import MAX_ID, check_payload, check_text
from gcworkflow.procedures.spec import Role
from gcworkflow.web.auth import Identity, require_scope

# --- types -----------------------------------------------------------------------------------------

CleanText = Annotated[str, AfterValidator(check_text)]
Comment = Annotated[CleanText, StringConstraints(max_length=4000)]
Username = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Trigger = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[a-z_]+$")]
RoleName = Literal["clerk", "approver", "committee_secretary", "auditor", "admin"]
Payload = Annotated[dict[str, Any], AfterValidator(check_payload)]
Version = Annotated[int, Field(ge=1, le=MAX_ID)]
ProcedureId = Annotated[int, Path(ge=1, le=MAX_ID, description="절차 번호")]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]
Filter = Annotated[CleanText | None, Query(max_length=200)]


class StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnmetOut(BaseModel):
    id: str
    basis: str = Field(description="근거 조문 또는 운영방침")
    message: str


class ErrorOut(BaseModel):
    code: str = Field(
        description="invalid_input | unauthenticated | forbidden | not_found | conflict | guard_failed"
    )
    message: str
    unmet: list[UnmetOut]


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": description}
    for status, description in (
        (400, "invalid_input: 입력 오류"),
        (401, "unauthenticated: 토큰 없음·만료·폐기"),
        (403, "forbidden: 권한 없음 (역할, 담당, 2인 결재, 토큰 범위)"),
        (404, "not_found"),
        (409, "conflict: 화면(판)을 연 뒤 절차가 바뀜, 또는 이미 처리됨"),
        (422, "guard_failed: 법정 요건 미충족 (unmet에 요건과 근거 조문)"),
    )
}


class FireOut(BaseModel):
    procedure_id: int
    trigger: str
    from_state: str
    to_state: str
    version: int = Field(description="처리 뒤 절차의 판: 다음 처리의 expected_version")
    event_id: int
    event_hash: str
    proposal_id: int | None = None
    effects: list[dict[str, Any]] = []


class EventOut(BaseModel):
    event_id: int


# --- who may use a token for what -------------------------------------------------------------------


def _trigger_roles(ctx: Any, procedure_id: int, trigger: str) -> frozenset[Role] | None:
    if trigger == "propose":
        return frozenset({Role.CLERK})
    if trigger in ("approve_proposal", "reject_proposal"):
        return frozenset({Role.APPROVER})
    action = queries.procedure_definition(ctx, procedure_id).action(trigger)
    # An unknown trigger, or a sign-off action fired directly, is the engine's to refuse (and record).
    return action.roles if action and not action.signoff else None


def fire_scoped(
    ctx: Any,
    who: Identity,
    procedure_id: int,
    trigger: str,
    payload: dict[str, Any],
    expected_version: int | None,
    comment: str | None,
) -> FireOut:
    """``engine.fire`` for a token: a proposal's shape and the token's role are checked first."""
    if trigger == "propose" and (
        not isinstance(payload.get("trigger"), str)
        or not isinstance(payload.get("payload", {}), dict)
        or set(payload) - {"trigger", "payload"}
    ):
        raise InvalidInput(
            '결재 상신(propose)의 입력은 {"trigger": "처리 이름", "payload": {입력}} 형식이어야 합니다'
        )
    roles = _trigger_roles(ctx, procedure_id, trigger)
    if roles is not None:
        require_scope(ctx, who, roles, trigger, trigger, procedure_id)
    result = engine.fire(ctx, procedure_id, trigger, who.actor(), payload, expected_version, comment=comment)
    return FireOut(**result.as_dict())
