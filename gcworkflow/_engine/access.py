"""Who may act: users' roles, assignment to the procedure, and the acting approver (대결)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads
from gcworkflow.db.models import (
    Fact,
    Procedure,
    RoleGrant,
    User,
)
from gcworkflow.errors import Forbidden
from gcworkflow.procedures.spec import (
    ROLE_LABELS,
    Action,
    Role,
)


@dataclass(frozen=True)
class Principal:
    user: User
    roles: frozenset[Role]


def load_principal(session: Session, username: str) -> Principal:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise Forbidden(f"등록되지 않았거나 사용이 중지된 사용자입니다: {username}")
    roles = session.execute(select(RoleGrant.role).where(RoleGrant.user_id == user.id)).scalars()
    return Principal(user, frozenset(Role(r) for r in roles))


def role_names(roles: frozenset[Role] | set[Role]) -> str:
    return ", ".join(ROLE_LABELS[r] for r in sorted(roles)) or "없음"


def acting_approver(session: Session, procedure_id: int) -> str | None:
    fact = session.execute(
        select(Fact.data)
        .where(Fact.procedure_id == procedure_id, Fact.kind == "acting_approver")
        .order_by(Fact.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return loads(fact)["username"] if fact else None


def authorise(session: Session, procedure: Procedure, action: Action, principal: Principal) -> Role:
    """The role under which the actor may take this action here, or ``forbidden`` with the reason."""
    usable = [r for r in Role if r in action.roles and r in principal.roles]
    if not usable:
        raise Forbidden(
            f"'{action.label}'은(는) {role_names(action.roles)}의 권한입니다 "
            f"({principal.user.username}의 권한: {role_names(principal.roles)})"
        )
    for role in usable:
        if role in action.unassigned_roles:
            return role
        if role is Role.CLERK and procedure.clerk_id == principal.user.id:
            return role
        if role is Role.APPROVER and (
            procedure.approver_id == principal.user.id
            or acting_approver(session, procedure.id) == principal.user.username
        ):
            return role
    raise Forbidden(
        f"{principal.user.username}은(는) 이 절차의 담당자(또는 결재권자·대결자)로 지정되어 있지 않습니다"
    )
