"""The REST API under ``/api/``: every engine action and query, for scripts holding an API token.

The same functions as the CLI and the pages: ``engine.fire`` for every action (transitions, records, and the
sign-off meta-triggers ``propose`` / ``approve_proposal`` / ``reject_proposal``), ``queries`` for reading.
A token acts as its user limited to its role; the engine then applies that user's roles, assignment and the
two-person rule as for anyone. Refusals are JSON ``{code, message, unmet}`` with the status of DESIGN.md §4.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from gcworkflow import clusters, diagram, engine, holiday_overrides, people, queries
from gcworkflow.context import load_calendar
from gcworkflow.deadlines import open_deadlines, stuck_procedures
from gcworkflow.errors import Forbidden, InvalidInput
from gcworkflow.procedures.plan_content import missing_items, parse_plan
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import Role
from gcworkflow.web import accounts, planform, reads, svg
from gcworkflow.web.auth import Identity, require_scope
from gcworkflow.web.deps import ApiUser, Ctx, document_response
from gcworkflow.web.forms import check_payload, check_text

router = APIRouter(prefix="/api")

MAX_ID = 2**31 - 1

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


class _In(BaseModel):
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


class TransitionIn(_In):
    trigger: Trigger = Field(
        description="처리 이름 (GET …/actions). 결재 사항은 propose로 상신하고 approve_proposal로 승인합니다"
    )
    payload: Payload = Field(default_factory=dict, description="처리의 입력 (propose: {trigger, payload})")
    expected_version: Version | None = Field(
        default=None, description="본 판 번호: 그 뒤 바뀌었으면 409 conflict (덮어쓰지 않음)"
    )
    comment: Comment | None = None


class OpenIn(_In):
    kind: Trigger = "designation"
    cluster_id: Version | None = None
    approver: Username
    title: Annotated[CleanText, StringConstraints(max_length=300)] | None = None
    comment: Comment | None = None


class PlanIn(_In):
    content: Payload = Field(description="계획 내용 (조성계획: procedure.md §4)")
    mode: Literal["replace", "merge"] = "replace"
    extra: Payload = Field(
        default_factory=dict, description="record_plan의 다른 입력 (예: 조성계획 변경의 change_reason)"
    )
    expected_version: Version | None = None
    comment: Comment | None = None


class DecisionIn(_In):
    comment: Comment | None = None
    expected_version: Version | None = None


class HolidayIn(_In):
    date: date
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    reason: Annotated[CleanText, StringConstraints(min_length=1, max_length=1000)]


class UserIn(_In):
    username: Username
    display_name: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    roles: list[RoleName] = Field(min_length=1, max_length=5)
    email: Annotated[CleanText, StringConstraints(max_length=200)] | None = None


class RoleIn(_In):
    role: RoleName


class ActiveIn(_In):
    active: bool


class PasswordIn(_In):
    password: Annotated[CleanText, StringConstraints(max_length=accounts.MAX_PASSWORD_LENGTH)]
    old_password: Annotated[CleanText, StringConstraints(max_length=accounts.MAX_PASSWORD_LENGTH)] | None = (
        None
    )


class TokenIn(_In):
    username: Username
    role: RoleName
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    days: Annotated[int, Field(ge=1, le=accounts.MAX_TOKEN_DAYS)] | None = 90


class TokenOut(BaseModel):
    id: int
    token: str = Field(description="토큰 값: 이 응답에서만 보입니다 (SHA-256만 저장)")
    event_id: int


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


def _fire(
    ctx: Any,
    who: Identity,
    procedure_id: int,
    trigger: str,
    payload: dict[str, Any],
    expected_version: int | None,
    comment: str | None,
) -> dict[str, Any]:
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
        require_scope(who, roles, trigger)
    result = engine.fire(ctx, procedure_id, trigger, who.actor(), payload, expected_version, comment=comment)
    return result.as_dict()


# --- procedures -------------------------------------------------------------------------------------


@router.get("/me", tags=["인증"], summary="토큰의 사용자와 권한", responses=ERRORS)
def me(who: ApiUser) -> dict[str, Any]:
    return {
        "username": who.username,
        "display_name": who.display_name,
        "roles": sorted(who.roles),
        "token_role": who.token_role,
    }


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
    require_scope(who, {Role.CLERK}, "절차 개시")
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
    return queries.procedure_status(ctx, procedure_id, who.username)


@router.get(
    "/procedures/{procedure_id}/actions",
    tags=["절차"],
    summary="지금 할 수 있는 처리와 입력 항목(JSON 스키마), 아직 막는 요건",
    responses=ERRORS,
)
def actions(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    status = queries.procedure_status(ctx, procedure_id, who.username)
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
    return FireOut(
        **_fire(ctx, who, procedure_id, body.trigger, body.payload, body.expected_version, body.comment)
    )


@router.get(
    "/procedures/{procedure_id}/history", tags=["절차"], summary="감사 기록 (시간순)", responses=ERRORS
)
def history(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    return queries.history(ctx, procedure_id)


@router.get(
    "/procedures/{procedure_id}/refusals", tags=["절차"], summary="거부된 시도와 그 근거", responses=ERRORS
)
def procedure_refusals(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    queries.procedure_definition(ctx, procedure_id)  # 404 for a procedure that does not exist
    return queries.refusals(ctx, procedure_id)


@router.get(
    "/procedures/{procedure_id}/consultations",
    tags=["절차"],
    summary="의견수렴·협의: 상대방별 요청일, 회신 기한, 회신",
    responses=ERRORS,
)
def consultations(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    status = queries.procedure_status(ctx, procedure_id, who.username)
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
    state = queries.procedure_status(ctx, procedure_id, who.username)["state"]
    if format == "mermaid":
        return Response(diagram.mermaid(definition, current=state), media_type="text/plain; charset=utf-8")
    return Response(svg.diagram(definition, state), media_type="image/svg+xml")


# --- the creation plan ------------------------------------------------------------------------------


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
    found = queries.plan_version(ctx, procedure_id, version)
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
    queries.procedure_definition(ctx, procedure_id)  # 404 for a procedure that does not exist
    return reads.plan_versions(ctx, procedure_id)


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
    old = queries.plan_version(ctx, procedure_id, from_version)
    new = queries.plan_version(ctx, procedure_id, to_version)
    return {
        "from": old["number"],
        "to": new["number"],
        "changes": planform.diff(old["content"], new["content"]),
    }


@router.post(
    "/procedures/{procedure_id}/plan",
    tags=["조성계획"],
    summary="계획의 새 판 기록 (record_plan): 조성계획은 procedure.md §4에 따라 검증; 변경·기본계획은 그 처리의 다른 입력(extra)도",
    responses=ERRORS,
)
def record_plan(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId, body: PlanIn) -> FireOut:
    payload = {**body.extra, "content": body.content, "mode": body.mode}
    return FireOut(
        **_fire(ctx, who, procedure_id, "record_plan", payload, body.expected_version, body.comment)
    )


# --- documents --------------------------------------------------------------------------------------


@router.get(
    "/procedures/{procedure_id}/documents",
    tags=["문서"],
    summary="절차의 문서 (SHA-256 포함)",
    responses=ERRORS,
)
def procedure_documents(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    queries.procedure_definition(ctx, procedure_id)  # 404 for a procedure that does not exist
    return queries.documents(ctx, procedure_id)


@router.get("/documents/{document_id}", tags=["문서"], summary="문서 정보", responses=ERRORS)
def document(ctx: Ctx, who: ApiUser, document_id: ItemId) -> dict[str, Any]:
    return queries.document(ctx, document_id)


@router.get(
    "/documents/{document_id}/content",
    tags=["문서"],
    summary="문서 파일 (기록된 해시와 다르면 409)",
    responses={**ERRORS, 200: {"content": {"application/pdf": {}, "application/octet-stream": {}}}},
    response_class=Response,
)
def document_content(ctx: Ctx, who: ApiUser, document_id: ItemId) -> Response:
    row = queries.document(ctx, document_id)
    return document_response(row, queries.document_bytes(ctx, row["sha256"]))


@router.post(
    "/documents",
    tags=["문서"],
    summary="접수 문서 파일을 저장소에 넣고 SHA-256을 받습니다 (처리의 문서 항목에 그 값을 넣음)",
    status_code=201,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_document(request: Request, who: ApiUser) -> dict[str, Any]:
    require_scope(who, {Role.CLERK, Role.COMMITTEE_SECRETARY}, "문서 등록")
    if not who.has(Role.CLERK) and not who.has(Role.COMMITTEE_SECRETARY):
        raise Forbidden("문서는 담당 주무관이나 위원회 간사가 등록합니다")
    data = await request.body()
    if not data:
        raise InvalidInput("빈 파일입니다")
    store = request.app.state.ctx.store
    sha256 = await run_in_threadpool(store.put, data)
    return {"sha256": sha256, "size": len(data)}


# --- sign-off ---------------------------------------------------------------------------------------


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
    body = body or DecisionIn()
    procedure_id = queries.proposal_procedure(ctx, proposal_id)
    return FireOut(
        **_fire(
            ctx,
            who,
            procedure_id,
            "approve_proposal",
            {"proposal_id": proposal_id},
            body.expected_version,
            body.comment,
        )
    )


@router.post(
    "/proposals/{proposal_id}/reject", tags=["결재"], summary="상신 반려 (사유 필수)", responses=ERRORS
)
def reject(ctx: Ctx, who: ApiUser, proposal_id: ItemId, body: DecisionIn) -> FireOut:
    procedure_id = queries.proposal_procedure(ctx, proposal_id)
    return FireOut(
        **_fire(
            ctx,
            who,
            procedure_id,
            "reject_proposal",
            {"proposal_id": proposal_id},
            body.expected_version,
            body.comment,
        )
    )


# --- deadlines and clusters ------------------------------------------------------------------


@router.get(
    "/deadlines", tags=["기한"], summary="열린 기한 (급한 순, 근무일 포함)과 멈춘 절차", responses=ERRORS
)
def deadlines(ctx: Ctx, who: ApiUser) -> dict[str, Any]:
    with ctx.db.read() as session:
        rows = open_deadlines(session, ctx.clock.today(), load_calendar(session))
        stuck = stuck_procedures(session, ctx.clock.now(), ctx.settings.stuck_after_days)
    return {"open": rows, "stuck": stuck}


@router.get("/clusters", tags=["클러스터"], summary="클러스터 목록", responses=ERRORS)
def cluster_list(ctx: Ctx, who: ApiUser) -> list[dict[str, Any]]:
    return [c.as_dict() for c in clusters.list_clusters(ctx)]


# --- holiday overrides (admin) ----------------------------------------------------------------------


@router.get("/holidays", tags=["공휴일"], summary="한 해의 공휴일 (규정 + 조정)", responses=ERRORS)
def holidays(
    ctx: Ctx, who: ApiUser, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[dict[str, Any]]:
    try:
        days = holiday_overrides.list_year(ctx, year or ctx.clock.today().year)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return [d.as_dict() for d in days]


@router.post(
    "/holidays",
    tags=["공휴일"],
    summary="공휴일 조정 추가 (임시공휴일 등, 관리자)",
    status_code=201,
    responses=ERRORS,
)
def add_holiday(ctx: Ctx, who: ApiUser, body: HolidayIn) -> EventOut:
    require_scope(who, {Role.ADMIN}, "공휴일 조정")
    return EventOut(
        event_id=holiday_overrides.add_holiday(ctx, who.actor(), body.date, body.name, body.reason)
    )


@router.delete("/holidays/{day}", tags=["공휴일"], summary="공휴일 조정 삭제·정정 (관리자)", responses=ERRORS)
def remove_holiday(
    ctx: Ctx,
    who: ApiUser,
    day: date,
    reason: Annotated[CleanText, Query(min_length=1, max_length=1000)],
) -> EventOut:
    require_scope(who, {Role.ADMIN}, "공휴일 조정")
    return EventOut(event_id=holiday_overrides.remove_holiday(ctx, who.actor(), day, reason))


# --- users, roles and tokens (admin) ----------------------------------------------------------------


@router.get("/users", tags=["사용자"], summary="사용자와 권한", responses=ERRORS)
def users(ctx: Ctx, who: ApiUser) -> list[dict[str, Any]]:
    return [u.as_dict() for u in people.list_users(ctx)]


@router.post("/users", tags=["사용자"], summary="사용자 등록 (관리자)", status_code=201, responses=ERRORS)
def add_user(ctx: Ctx, who: ApiUser, body: UserIn) -> EventOut:
    require_scope(who, {Role.ADMIN}, "사용자 등록")
    return EventOut(
        event_id=people.add_user(ctx, who.actor(), body.username, body.display_name, body.roles, body.email)
    )


@router.post("/users/{username}/roles", tags=["사용자"], summary="권한 부여 (관리자)", responses=ERRORS)
def grant(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], body: RoleIn) -> EventOut:
    require_scope(who, {Role.ADMIN}, "권한 부여")
    return EventOut(event_id=people.grant_role(ctx, who.actor(), username, body.role))


@router.delete(
    "/users/{username}/roles/{role}", tags=["사용자"], summary="권한 회수 (관리자)", responses=ERRORS
)
def revoke(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], role: RoleName) -> EventOut:
    require_scope(who, {Role.ADMIN}, "권한 회수")
    return EventOut(event_id=people.revoke_role(ctx, who.actor(), username, role))


@router.put("/users/{username}/active", tags=["사용자"], summary="계정 사용·중지 (관리자)", responses=ERRORS)
def set_active(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], body: ActiveIn) -> EventOut:
    require_scope(who, {Role.ADMIN}, "계정 사용·중지")
    return EventOut(event_id=people.set_active(ctx, who.actor(), username, body.active))


@router.put(
    "/users/{username}/password",
    tags=["사용자"],
    summary="비밀번호 설정 (관리자), 또는 자기 비밀번호 변경 (old_password 필요)",
    responses=ERRORS,
)
def set_password(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], body: PasswordIn) -> EventOut:
    if username != who.username:
        require_scope(who, {Role.ADMIN}, "비밀번호 설정")
    return EventOut(
        event_id=accounts.set_password(
            ctx, who.actor(), username, body.password, old_password=body.old_password
        )
    )


@router.get("/tokens", tags=["사용자"], summary="API 토큰 목록 (관리자; 값은 보이지 않음)", responses=ERRORS)
def tokens(ctx: Ctx, who: ApiUser) -> list[dict[str, Any]]:
    require_scope(who, {Role.ADMIN}, "토큰 목록")
    if not who.has(Role.ADMIN):
        raise Forbidden("토큰 목록은 관리자만 볼 수 있습니다")
    return accounts.list_tokens(ctx)


@router.post("/tokens", tags=["사용자"], summary="API 토큰 발급 (관리자)", status_code=201, responses=ERRORS)
def create_token(ctx: Ctx, who: ApiUser, body: TokenIn) -> TokenOut:
    require_scope(who, {Role.ADMIN}, "토큰 발급")
    created = accounts.create_token(ctx, who.actor(), body.username, body.role, body.name, body.days)
    return TokenOut(id=created.id, token=created.secret, event_id=created.event_id)


@router.delete("/tokens/{token_id}", tags=["사용자"], summary="API 토큰 폐기 (관리자)", responses=ERRORS)
def revoke_token(ctx: Ctx, who: ApiUser, token_id: ItemId) -> EventOut:
    require_scope(who, {Role.ADMIN}, "토큰 폐기")
    return EventOut(event_id=accounts.revoke_token(ctx, who.actor(), token_id))
