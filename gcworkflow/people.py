"""Users and roles (procedure.md §6). Every change is an audited action on the system chain."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gcworkflow.canonical import format_instant
from gcworkflow.context import Context
from gcworkflow.db.models import ApiToken, RoleGrant, User, WebSession
from gcworkflow.engine import Actor, Principal, act_before_anyone, act_on_system
from gcworkflow.errors import Conflict, InvalidInput, NotFound
from gcworkflow.inputs import single_line
from gcworkflow.korean import particle
from gcworkflow.procedures.spec import Role

ADMIN_ONLY = frozenset({Role.ADMIN})
# Nobody signs in as these: `system` is the flows' actor, `operator` the read-only CLI default (DESIGN.md §2).
RESERVED = frozenset({"system", "operator"})


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    email: str | None
    roles: tuple[str, ...]
    active: bool

    def as_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "email": self.email,
            "roles": list(self.roles),
            "active": self.active,
        }


def _parse_roles(roles: Iterable[str]) -> list[Role]:
    parsed = []
    for role in roles:
        try:
            parsed.append(Role(role))
        except ValueError as exc:
            raise InvalidInput(
                f"알 수 없는 권한입니다: {role} (가능: {', '.join(r.value for r in Role if r is not Role.SYSTEM)})"
            ) from exc
    if Role.SYSTEM in parsed:
        raise InvalidInput("system 권한은 자동 처리 전용이라 부여할 수 없습니다")
    return parsed


def _check_new_user(username: str, display_name: str, email: str | None) -> None:
    if username in RESERVED:
        raise InvalidInput(f"'{username}'{particle(username, '은')} 예약된 이름입니다")
    if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
        raise InvalidInput("사용자 이름은 64자 이내의 영문·숫자·._- 로 적으십시오")
    # Shown on every page and in every list the CLI prints.
    single_line(display_name, "표시 이름")
    if email is not None:
        single_line(email, "전자우편 주소")


def _add_user(
    session: Session, ctx: Context, username: str, display_name: str, email: str | None, roles: list[Role]
) -> User:
    if session.execute(select(User.id).where(User.username == username)).scalar_one_or_none() is not None:
        raise Conflict(f"이미 있는 사용자입니다: {username}")
    user = User(
        username=username, display_name=display_name, email=email, active=True, created_at=ctx.clock.now()
    )
    session.add(user)
    session.flush()
    session.add_all(RoleGrant(user_id=user.id, role=r.value) for r in roles)
    return user


def init_admin(
    ctx: Context, username: str, display_name: str, email: str | None = None, os_user: str | None = None
) -> int:
    """Create the first admin (``gcw init``); refused once any admin exists."""
    _check_new_user(username, display_name, email)

    def apply(session: Session) -> list[dict[str, object]]:
        admins = session.execute(select(RoleGrant.user_id).where(RoleGrant.role == Role.ADMIN.value)).first()
        if admins is not None:
            raise Conflict("관리자가 이미 있습니다. 사용자는 관리자가 `gcw users add`로 추가합니다")
        _add_user(session, ctx, username, display_name, email, [Role.ADMIN])
        return [{"user": username, "roles": [Role.ADMIN.value]}]

    given = {"username": username, "display_name": display_name, "email": email}
    return act_before_anyone(ctx, "init", given, apply, os_user=os_user, comment="첫 관리자 생성")


def add_user(
    ctx: Context,
    actor: Actor,
    username: str,
    display_name: str,
    roles: Iterable[str],
    email: str | None = None,
) -> int:
    parsed = _parse_roles(roles)
    _check_new_user(username, display_name, email)

    def apply(session: Session, _principal: Principal) -> dict[str, object]:
        _add_user(session, ctx, username, display_name, email, parsed)
        return {"user": username, "roles": [r.value for r in parsed]}

    return act_on_system(
        ctx,
        actor,
        "add_user",
        {
            "username": username,
            "display_name": display_name,
            "email": email,
            "roles": [r.value for r in parsed],
        },
        ADMIN_ONLY,
        apply,
    )


def _user(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or username in RESERVED:
        raise NotFound(f"사용자가 없습니다: {username}")
    return user


def grant_role(ctx: Context, actor: Actor, username: str, role: str) -> int:
    (parsed,) = _parse_roles([role])

    def apply(session: Session, _principal: Principal) -> dict[str, object]:
        user = _user(session, username)
        if session.get(RoleGrant, (user.id, parsed.value)) is not None:
            raise Conflict(f"{username}에게 이미 {parsed.value} 권한이 있습니다")
        session.add(RoleGrant(user_id=user.id, role=parsed.value))
        return {"granted": parsed.value, "user": username}

    return act_on_system(
        ctx, actor, "grant_role", {"username": username, "role": parsed.value}, ADMIN_ONLY, apply
    )


def revoke_role(ctx: Context, actor: Actor, username: str, role: str) -> int:
    (parsed,) = _parse_roles([role])

    def apply(session: Session, _principal: Principal) -> dict[str, object]:
        user = _user(session, username)
        grant = session.get(RoleGrant, (user.id, parsed.value))
        if grant is None:
            raise NotFound(f"{username}에게 {parsed.value} 권한이 없습니다")
        session.delete(grant)
        return {"revoked": parsed.value, "user": username}

    return act_on_system(
        ctx, actor, "revoke_role", {"username": username, "role": parsed.value}, ADMIN_ONLY, apply
    )


def revoke_sessions(session: Session, user_id: int, now: datetime, keep_sha256: str | None = None) -> int:
    """End a user's web sessions: after a password change (except the session making it) and when the account
    is stopped. Returns how many ended."""
    query = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    if keep_sha256 is not None:
        query = query.where(WebSession.token_sha256 != keep_sha256)
    return session.execute(query.values(revoked_at=now)).rowcount


def set_active(ctx: Context, actor: Actor, username: str, active: bool) -> int:
    def apply(session: Session, principal: Principal) -> dict[str, object]:
        user = _user(session, username)
        if user.id == principal.user.id and not active:
            raise InvalidInput("자기 자신의 계정은 중지할 수 없습니다")
        user.active = active
        if active:
            return {"user": username, "active": active}
        # Reactivation restores the account, never a sign-in or an API token made before it was stopped.
        now = ctx.clock.now()
        tokens = session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=principal.user.username)
            .returning(ApiToken.id)
        ).scalars()
        return {
            "user": username,
            "active": active,
            "sessions_ended": revoke_sessions(session, user.id, now),
            "tokens_revoked": sorted(tokens),
            "revoked_at": format_instant(now),
        }

    return act_on_system(
        ctx,
        actor,
        "activate_user" if active else "deactivate_user",
        {"username": username},
        ADMIN_ONLY,
        apply,
    )


def list_users(ctx: Context) -> list[UserInfo]:
    with ctx.db.read() as session:
        users = (
            session.execute(select(User).where(User.username.not_in(RESERVED)).order_by(User.username))
            .scalars()
            .all()
        )
        grants = session.execute(select(RoleGrant)).scalars().all()
        roles: dict[int, list[str]] = {}
        for grant in grants:
            roles.setdefault(grant.user_id, []).append(grant.role)
        return [
            UserInfo(u.username, u.display_name, u.email, tuple(sorted(roles.get(u.id, []))), u.active)
            for u in users
        ]
