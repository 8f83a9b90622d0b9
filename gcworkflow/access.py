"""Who may act: users' roles, assignment to the procedure, and the acting approver (대결).

Public, beside the door (``engine``): the engine applies it to every action, and the read models (``queries``,
the web desk, the audit queries) ask it the same questions, so it is not the door's private machinery."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads
from gcworkflow.db.models import Fact, RoleGrant, User
from gcworkflow.errors import Forbidden
from gcworkflow.korean import particle, with_particle
from gcworkflow.procedures.spec import ROLE_LABELS, Action, Role

_users, _grants, _facts = User.__table__, RoleGrant.__table__, Fact.__table__

# The bases a refusal for a missing role or assignment cites, like every other refusal (DESIGN.md §4).
# 결재 (sign-off): who signs is the 결재권자 the rules name, 전결 and 대결 included.
SIGNOFF_BASIS = "행정업무의 운영 및 혁신에 관한 규정 제10조"
# Who does what else, and who works on which procedure, is the office's own division of work (procedure.md §6).
ROLE_BASIS = "운영방침: 역할별 업무 분담"
ASSIGNMENT_BASIS = "운영방침: 절차별 담당 주무관·결재권자 지정"

# Built once: every action asks both questions (bench/transitions.py).
_PRINCIPAL = (
    select(_users.c.id, _users.c.username, _users.c.active, _grants.c.role)
    .select_from(_users.outerjoin(_grants, _grants.c.user_id == _users.c.id))
    .where(_users.c.username == bindparam("username"))
)
_ACTING_APPROVER = (
    select(_facts.c.data)
    .where(_facts.c.procedure_id == bindparam("procedure_id"), _facts.c.kind == "acting_approver")
    .order_by(_facts.c.id.desc())
    .limit(1)
)


@dataclass(frozen=True)
class UserRef:
    id: int
    username: str


@dataclass(frozen=True)
class Principal:
    user: UserRef
    roles: frozenset[Role]


class Assigned(Protocol):
    """What assignment checks read: a procedure row (ORM instance or the engine's own row)."""

    id: int
    clerk_id: int
    approver_id: int


def load_principal(session: Session, username: str, *, acting_as: Role | None = None) -> Principal:
    """The user and their roles; ``acting_as`` (an API token's role): that one role only, which the user must
    still hold."""
    rows = session.connection().execute(_PRINCIPAL, {"username": username}).all()
    if not rows or not rows[0].active:
        raise Forbidden(f"등록되지 않았거나 사용이 중지된 사용자입니다: {username}")
    roles = frozenset(Role(r.role) for r in rows if r.role)
    if acting_as is not None:
        if acting_as not in roles:
            raise Forbidden(
                f"{username}에게 {ROLE_LABELS[acting_as]} 권한이 더 이상 없습니다 (이 자격 증명은 그 권한으로만 "
                f"쓸 수 있습니다; 현재 권한: {role_names(roles)})"
            )
        roles = frozenset({acting_as})
    return Principal(UserRef(rows[0].id, rows[0].username), roles)


def role_names(roles: frozenset[Role] | set[Role]) -> str:
    return ", ".join(ROLE_LABELS[r] for r in sorted(roles)) or "없음"


def role_basis(roles: frozenset[Role] | set[Role]) -> str:
    """What a refusal for lacking one of ``roles`` cites: the 결재 rules when signing off is what it takes."""
    return SIGNOFF_BASIS if Role.APPROVER in roles else ROLE_BASIS


def assignment_basis(roles: frozenset[Role] | set[Role]) -> str:
    """What a refusal for not being assigned cites: an approver's sign-off rests on the 결재 rules too."""
    return f"{ASSIGNMENT_BASIS}, {SIGNOFF_BASIS}" if Role.APPROVER in roles else ASSIGNMENT_BASIS


def acting_approver(session: Session, procedure_id: int) -> str | None:
    fact = session.connection().execute(_ACTING_APPROVER, {"procedure_id": procedure_id}).scalar_one_or_none()
    return loads(fact)["username"] if fact else None


def authorise(session: Session, procedure: Assigned, action: Action, principal: Principal) -> Role:
    """The role under which the actor may take this action here, or ``forbidden`` with the reason."""
    usable = [r for r in Role if r in action.roles and r in principal.roles]
    if not usable:
        raise Forbidden(
            f"'{action.label}'{particle(action.label, '은')} {role_names(action.roles)}의 권한입니다 "
            f"({principal.user.username}의 권한: {role_names(principal.roles)}; {role_basis(action.roles)}). "
            "권한이 필요하면 관리자에게 요청하십시오."
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
        f"{with_particle(principal.user.username, '은')} 이 절차의 담당자(또는 결재권자·대결자)로 지정되어 있지 "
        f"않습니다 ({assignment_basis(set(usable))}). 담당 변경은 관리자가 합니다."
    )
