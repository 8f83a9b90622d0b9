"""Passwords and API tokens: audited actions on the system chain (DESIGN.md §2), never a secret in the trail.

An admin sets anyone's password and creates or revokes tokens; a user may change their own password by giving
the old one. A password change ends the user's other sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.replay import password_fingerprint
from gcworkflow.canonical import format_instant
from gcworkflow.context import Context
from gcworkflow.db.models import ApiToken, RoleGrant, User
from gcworkflow.engine import Actor, Principal, act_on_system
from gcworkflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from gcworkflow.inputs import single_line
from gcworkflow.people import RESERVED, revoke_sessions
from gcworkflow.procedures.spec import Role
from gcworkflow.web.auth import (
    TOKEN_PREFIX,
    hash_password,
    new_secret,
    secret_sha256,
    verify_password,
)

ADMIN_ONLY = frozenset({Role.ADMIN})
EVERY_PERSON = frozenset(r for r in Role if r is not Role.SYSTEM)
MIN_PASSWORD_LENGTH = 10
# argon2 takes any length, but a megabyte "password" would be a cheap way to keep the server busy.
MAX_PASSWORD_LENGTH = 256
MAX_TOKEN_DAYS = 366


def check_password_rules(username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"비밀번호는 {MIN_PASSWORD_LENGTH}자 이상이어야 합니다.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"비밀번호는 {MAX_PASSWORD_LENGTH}자 이하여야 합니다.")
    if password.strip() != password or not password.strip():
        raise InvalidInput("비밀번호의 앞뒤에 공백을 둘 수 없습니다.")
    if username.lower() in password.lower():
        raise InvalidInput("비밀번호에 사용자 이름을 넣을 수 없습니다.")


def _person(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or username in RESERVED:
        raise NotFound(f"사용자가 없습니다: {username}")
    return user


def set_password(
    ctx: Context,
    actor: Actor,
    username: str,
    new_password: str,
    *,
    old_password: str | None = None,
    keep_session_sha256: str | None = None,
) -> int:
    """Set a password: an admin for anyone (their own first one included), or a user for themselves with the
    old password. Returns the audit event's id.

    ``keep_session_sha256`` is the session making the change, which stays signed in; every other session of
    the user ends.
    """
    check_password_rules(username, new_password)
    with ctx.db.read() as session:
        stored = _person(session, username).password_hash
    # Changing one's own password takes the old one; an admin's first password (after `gcw init`) has none.
    own = actor.username == username and (stored is not None or old_password is not None)
    if own and not verify_password(stored, old_password or ""):
        raise Forbidden("지금 비밀번호가 맞지 않습니다.")
    # The hash is computed before the write transaction: it is slow on purpose.
    new_hash = hash_password(new_password)

    def apply(session: Session, _principal: Principal) -> dict[str, Any]:
        user = _person(session, username)
        user.password_hash = new_hash
        ended = revoke_sessions(session, user.id, ctx.clock.now(), keep_session_sha256 if own else None)
        # The trail vouches for the stored hash by its fingerprint, never the hash itself (gcw audit verify).
        return {
            "password_set": username,
            "sessions_ended": ended,
            "password_hash_sha256": password_fingerprint(new_hash),
        }

    return act_on_system(
        ctx,
        actor,
        "change_own_password" if own else "set_password",
        {"username": username},
        EVERY_PERSON if own else ADMIN_ONLY,
        apply,
    )


@dataclass(frozen=True)
class NewToken:
    id: int
    secret: str  # shown once; only its SHA-256 is kept
    event_id: int


def create_token(ctx: Context, actor: Actor, username: str, role: str, name: str, days: int = 90) -> NewToken:
    """An API token for ``username`` limited to ``role`` (which the user must hold), valid ``days`` days: every
    token expires (OWASP ASVS V3.5), whichever door asked for it."""
    try:
        scope = Role(role)
    except ValueError as exc:
        raise InvalidInput(f"알 수 없는 권한입니다: {role}") from exc
    if scope is Role.SYSTEM:
        raise InvalidInput("system 권한의 토큰은 만들 수 없습니다.")
    name = single_line(name.strip(), "토큰 이름")
    if not name or len(name) > 100:
        raise InvalidInput("토큰 이름(용도)을 100자 이내로 적으십시오.")
    # Checked here, not only by the API's model: a caller passing None would get a token that never expires.
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            f"유효 기간은 1~{MAX_TOKEN_DAYS}일로 적으십시오 (받은 값: {days!r}). 만료되지 않는 토큰은 만들 수 없습니다."
        )
    secret = new_secret(TOKEN_PREFIX)
    created: dict[str, int] = {}

    def apply(session: Session, principal: Principal) -> dict[str, Any]:
        user = _person(session, username)
        if not user.active:
            raise InvalidInput(f"사용이 중지된 사용자입니다: {username}")
        if session.get(RoleGrant, (user.id, scope.value)) is None:
            raise InvalidInput(f"{username}에게 {scope.value} 권한이 없어 그 권한의 토큰을 만들 수 없습니다.")
        now = ctx.clock.now()
        token = ApiToken(
            token_sha256=secret_sha256(secret),
            prefix=secret[: len(TOKEN_PREFIX) + 6],
            name=name,
            user_id=user.id,
            role=scope.value,
            created_by=principal.user.username,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
        session.add(token)
        session.flush()
        created["id"] = token.id
        return {
            "token_id": token.id,
            "prefix": token.prefix,
            "expires_at": format_instant(token.expires_at),
            # The secret's SHA-256 as stored (not the secret): a row given another one is caught by verify.
            "token_sha256": token.token_sha256,
        }

    event_id = act_on_system(
        ctx,
        actor,
        "create_api_token",
        {"username": username, "role": scope.value, "name": name, "days": days},
        ADMIN_ONLY,
        apply,
    )
    return NewToken(created["id"], secret, event_id)


def revoke_token(ctx: Context, actor: Actor, token_id: int) -> int:
    def apply(session: Session, principal: Principal) -> dict[str, Any]:
        token = session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"{token_id}번 토큰이 없습니다")
        if token.revoked_at is not None:
            raise Conflict(f"{token_id}번 토큰은 이미 폐기되었습니다")
        token.revoked_at = ctx.clock.now()
        token.revoked_by = principal.user.username
        return {"token_id": token_id, "prefix": token.prefix, "revoked_at": format_instant(token.revoked_at)}

    return act_on_system(ctx, actor, "revoke_api_token", {"token_id": token_id}, ADMIN_ONLY, apply)


def _instant(moment: datetime | None) -> str | None:
    return format_instant(moment) if moment else None


def list_tokens(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
        ).all()
        now = ctx.clock.now()
        return [
            {
                "id": token.id,
                "prefix": token.prefix,
                "name": token.name,
                "username": username,
                "role": token.role,
                "created_by": token.created_by,
                "created_at": _instant(token.created_at),
                "expires_at": _instant(token.expires_at),
                "revoked_at": _instant(token.revoked_at),
                "last_used_at": _instant(token.last_used_at),
                "active": token.revoked_at is None and (token.expires_at is None or token.expires_at > now),
            }
            for token, username in rows
        ]
