"""The API's accounts: who the token is, users with their roles and passwords, and API tokens. Every change is
an administrator's, but for changing one's own password."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StringConstraints

from gcworkflow import people
from gcworkflow.errors import Forbidden
from gcworkflow.procedures.spec import Role
from gcworkflow.web import accounts
from gcworkflow.web.api import ERRORS, CleanText, EventOut, ItemId, RoleName, StrictIn, Username
from gcworkflow.web.auth import require_scope
from gcworkflow.web.deps import ApiUser, Ctx

router = APIRouter(prefix="/api")


class UserIn(StrictIn):
    username: Username
    display_name: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    roles: list[RoleName] = Field(min_length=1, max_length=5)
    email: Annotated[CleanText, StringConstraints(max_length=200)] | None = None


class RoleIn(StrictIn):
    role: RoleName


class ActiveIn(StrictIn):
    active: bool


class PasswordIn(StrictIn):
    password: Annotated[CleanText, StringConstraints(max_length=accounts.MAX_PASSWORD_LENGTH)]
    old_password: Annotated[CleanText, StringConstraints(max_length=accounts.MAX_PASSWORD_LENGTH)] | None = (
        None
    )


class TokenIn(StrictIn):
    username: Username
    role: RoleName
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    days: Annotated[int, Field(ge=1, le=accounts.MAX_TOKEN_DAYS)] = 90


class TokenOut(BaseModel):
    id: int
    token: str = Field(description="토큰 값: 이 응답에서만 보입니다 (SHA-256만 저장)")
    event_id: int


@router.get("/me", tags=["인증"], summary="토큰의 사용자와 권한", responses=ERRORS)
def me(who: ApiUser) -> dict[str, Any]:
    return {
        "username": who.username,
        "display_name": who.display_name,
        "roles": sorted(who.roles),
        "token_role": who.token_role,
    }


@router.get("/users", tags=["사용자"], summary="사용자와 권한", responses=ERRORS)
def users(ctx: Ctx, who: ApiUser) -> list[dict[str, Any]]:
    return [u.as_dict() for u in people.list_users(ctx)]


@router.post("/users", tags=["사용자"], summary="사용자 등록 (관리자)", status_code=201, responses=ERRORS)
def add_user(ctx: Ctx, who: ApiUser, body: UserIn) -> EventOut:
    require_scope(ctx, who, {Role.ADMIN}, "사용자 등록", "add_user")
    return EventOut(
        event_id=people.add_user(ctx, who.actor(), body.username, body.display_name, body.roles, body.email)
    )


@router.post("/users/{username}/roles", tags=["사용자"], summary="권한 부여 (관리자)", responses=ERRORS)
def grant(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], body: RoleIn) -> EventOut:
    require_scope(ctx, who, {Role.ADMIN}, "권한 부여", "grant_role")
    return EventOut(event_id=people.grant_role(ctx, who.actor(), username, body.role))


@router.delete(
    "/users/{username}/roles/{role}", tags=["사용자"], summary="권한 회수 (관리자)", responses=ERRORS
)
def revoke(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], role: RoleName) -> EventOut:
    require_scope(ctx, who, {Role.ADMIN}, "권한 회수", "revoke_role")
    return EventOut(event_id=people.revoke_role(ctx, who.actor(), username, role))


@router.put("/users/{username}/active", tags=["사용자"], summary="계정 사용·중지 (관리자)", responses=ERRORS)
def set_active(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], body: ActiveIn) -> EventOut:
    require_scope(
        ctx, who, {Role.ADMIN}, "계정 사용·중지", "activate_user" if body.active else "deactivate_user"
    )
    return EventOut(event_id=people.set_active(ctx, who.actor(), username, body.active))


@router.put(
    "/users/{username}/password",
    tags=["사용자"],
    summary="비밀번호 설정 (관리자), 또는 자기 비밀번호 변경 (old_password 필요)",
    responses=ERRORS,
)
def set_password(ctx: Ctx, who: ApiUser, username: Annotated[Username, Path()], body: PasswordIn) -> EventOut:
    if username != who.username:
        require_scope(ctx, who, {Role.ADMIN}, "비밀번호 설정", "set_password")
    return EventOut(
        event_id=accounts.set_password(
            ctx, who.actor(), username, body.password, old_password=body.old_password
        )
    )


@router.get("/tokens", tags=["사용자"], summary="API 토큰 목록 (관리자; 값은 보이지 않음)", responses=ERRORS)
def tokens(ctx: Ctx, who: ApiUser) -> list[dict[str, Any]]:
    require_scope(ctx, who, {Role.ADMIN}, "토큰 목록", "list_api_tokens")
    if not who.has(Role.ADMIN):
        raise Forbidden("토큰 목록은 관리자만 볼 수 있습니다")
    return accounts.list_tokens(ctx)


@router.post("/tokens", tags=["사용자"], summary="API 토큰 발급 (관리자)", status_code=201, responses=ERRORS)
def create_token(ctx: Ctx, who: ApiUser, body: TokenIn) -> TokenOut:
    require_scope(ctx, who, {Role.ADMIN}, "토큰 발급", "create_api_token")
    created = accounts.create_token(ctx, who.actor(), body.username, body.role, body.name, body.days)
    return TokenOut(id=created.id, token=created.secret, event_id=created.event_id)


@router.delete("/tokens/{token_id}", tags=["사용자"], summary="API 토큰 폐기 (관리자)", responses=ERRORS)
def revoke_token(ctx: Ctx, who: ApiUser, token_id: ItemId) -> EventOut:
    require_scope(ctx, who, {Role.ADMIN}, "토큰 폐기", "revoke_api_token")
    return EventOut(event_id=accounts.revoke_token(ctx, who.actor(), token_id))
