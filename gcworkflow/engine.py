"""The one door for every procedure action: :func:`fire` (DESIGN.md §2).

One call is one database transaction: lock the procedure row, check the version the actor saw, check role,
assignment and the two-person rule, bind the row to the kind's shared machine, run the guards, then write the
new state, the audit event (with what the action produced), the facts, plan versions, numbers, documents and
outbox messages, and commit. Anything raised rolls everything back; the refusal itself is kept in its own table.

Three meta-triggers carry the sign-off (결재, procedure.md §6): ``propose`` (the assigned clerk proposes an
approver's action, bound to the procedure version and the SHA-256 of the content signed), ``approve_proposal``
(the approver, or the acting approver, fires it if nothing changed) and ``reject_proposal``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gcworkflow import audit
from gcworkflow._engine.apply import action_of, apply_action, validate_payload
from gcworkflow._engine.attempt import Attempt
from gcworkflow._engine.baseline import approved_plans
from gcworkflow._engine.opening import import_procedure, open_procedure
from gcworkflow._engine.refusals import record_refusal
from gcworkflow._engine.results import Actor, FireResult
from gcworkflow._engine.row import lock_procedure
from gcworkflow._engine.signoff import approve, check_proposer, propose, reject
from gcworkflow._engine.view import build_view
from gcworkflow.access import (
    Principal,
    acting_approver,
    authorise,
    load_principal,
    role_basis,
    role_names,
)
from gcworkflow.context import Context
from gcworkflow.db.models import Procedure
from gcworkflow.errors import Conflict, Forbidden, GcwError, NotFound
from gcworkflow.korean import particle
from gcworkflow.logs import timed
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import Role

__all__ = [
    "Actor",
    "FireResult",
    "Principal",
    "act_before_anyone",
    "act_on_system",
    "acting_approver",
    "approved_plans",
    "authorise_first",
    "build_view",
    "fire",
    "import_procedure",
    "load_principal",
    "open_procedure",
    "record_refusal",
]

# One line per action, refused or not (gcworkflow.logs): who, what, how it ended, how long it took.
log = logging.getLogger("gcworkflow.engine")


# --- the door -----------------------------------------------------------------------------------------


def fire(
    ctx: Context,
    procedure_id: int,
    trigger: str,
    actor: Actor,
    payload: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    *,
    comment: str | None = None,
) -> FireResult:
    """Carry out one action on one procedure, or refuse it and change nothing."""
    with timed(log, "action", **_said(procedure_id, trigger, actor)):
        try:
            with ctx.db.write() as session:
                return _fire(
                    ctx, session, procedure_id, trigger, actor, dict(payload or {}), expected_version, comment
                )
        except IntegrityError as exc:
            error: GcwError = Conflict(
                f"동시에 처리된 다른 작업과 충돌했습니다. 다시 조회한 뒤 시도하십시오 ({exc.orig})"
            )
            record_refusal(ctx, procedure_id, trigger, actor, error)
            raise error from exc
        except GcwError as error:
            record_refusal(ctx, procedure_id, trigger, actor, error)
            raise


def _said(procedure_id: int | None, trigger: str, actor: Actor) -> dict[str, Any]:
    """What an action's log line names: never its payload, only the acting user's name of the person."""
    return {
        "procedure_id": procedure_id,
        "trigger": trigger,
        "actor": actor.username,
        "interface": actor.interface,
    }


def _fire(
    ctx: Context,
    session: Session,
    procedure_id: int,
    trigger: str,
    actor: Actor,
    payload: dict[str, Any],
    expected_version: int | None,
    comment: str | None,
) -> FireResult:
    procedure = lock_procedure(session, procedure_id)
    if expected_version is not None and procedure.version != expected_version:
        raise Conflict(
            f"이 절차는 화면을 연 뒤에 변경되었습니다 (보던 판 {expected_version}, 현재 판 {procedure.version}). "
            "새로 고친 뒤 다시 확인하십시오."
        )
    definition = definition_of(procedure.kind, procedure.definition_version)
    principal = load_principal(session, actor.username, acting_as=actor.role)
    attempt = Attempt(ctx, session, procedure, definition, principal, actor, comment)
    if trigger == "propose":
        return propose(attempt, payload)
    if trigger == "approve_proposal":
        return approve(attempt, payload)
    if trigger == "reject_proposal":
        return reject(attempt, payload)
    action = action_of(definition, trigger)
    if action.signoff:
        raise Forbidden(
            f"'{action.label}'{particle(action.label, '은')} 결재 사항입니다. 담당 주무관이 결재를 상신(propose)하고, 상신하지 않은 "
            "결재권자가 승인해야 합니다 (운영방침: 2인 결재 원칙)."
        )
    role = authorise(session, procedure, action, principal)
    model = validate_payload(action, payload)
    view = build_view(ctx, session, procedure, procedure.cluster_name)
    return apply_action(attempt, action, view, model, role)


def authorise_first(ctx: Context, procedure_id: int, trigger: str, actor: Actor) -> None:
    """Refuse an actor who may not take ``trigger`` on this procedure at all (role, assignment, who proposes),
    before a door parses what they sent or stores a file they attached: an auditor's upload must not reach the
    document store, nor a stranger's YAML the parser. :func:`fire` checks again under the lock; a trigger this
    cannot place (a sign-off meta-trigger, an unknown one) is left to it. The refusal is recorded as fire's is."""
    try:
        with ctx.db.read() as session:
            procedure = session.get(Procedure, procedure_id)
            if procedure is None:
                raise NotFound(f"{procedure_id}번 절차가 없습니다")
            action = definition_of(procedure.kind, procedure.definition_version).action(trigger)
            if action is None:
                return
            principal = load_principal(session, actor.username, acting_as=actor.role)
            if action.signoff:
                check_proposer(procedure, principal)
            else:
                authorise(session, procedure, action, principal)
    except GcwError as error:
        record_refusal(ctx, procedure_id, trigger, actor, error)
        raise


# --- actions outside any procedure: the system chain ----------------------------------------------------


def act_on_system(
    ctx: Context,
    actor: Actor,
    trigger: str,
    payload: Mapping[str, Any],
    roles: frozenset[Role],
    apply: Callable[[Session, Principal], dict[str, Any]],
    *,
    comment: str | None = None,
) -> int:
    """An audited action with no procedure (users, roles, clusters, holiday overrides): one transaction,
    appended to the ``system`` chain with what it did. Returns the event id."""
    with timed(log, "action", **_said(None, trigger, actor)):
        try:
            with ctx.db.write() as session:
                principal = load_principal(session, actor.username, acting_as=actor.role)
                usable = [r for r in Role if r in roles and r in principal.roles]
                if not usable:
                    raise Forbidden(
                        f"이 작업은 {role_names(roles)}의 권한입니다 ({actor.username}의 권한: "
                        f"{role_names(principal.roles)}; {role_basis(roles)})"
                    )
                effects = apply(session, principal)
                by = Actor(principal.user.username, actor.interface, actor.os_user, role=usable[0])
                return _system_event(ctx, session, by, trigger, payload, effects, comment)
        except IntegrityError as exc:
            error: GcwError = Conflict(f"이미 있는 값과 겹칩니다 ({exc.orig})")
            record_refusal(ctx, None, trigger, actor, error)
            raise error from exc
        except GcwError as error:
            record_refusal(ctx, None, trigger, actor, error)
            raise


def act_before_anyone(
    ctx: Context,
    trigger: str,
    payload: Mapping[str, Any],
    apply: Callable[[Session], Any],
    *,
    os_user: str | None,
    comment: str,
) -> int:
    """The one action taken before anyone may act (``gcw init``: the first administrator), by the system itself
    from the command line; ``apply`` refuses when it is no longer the first. Same chain, same shape of event."""
    with ctx.db.write() as session:
        effects = apply(session)
        system = Actor("system", "cli", os_user, role=Role.SYSTEM)
        return _system_event(ctx, session, system, trigger, payload, effects, comment)


def _system_event(
    ctx: Context,
    session: Session,
    by: Actor,
    trigger: str,
    payload: Mapping[str, Any],
    effects: Any,
    comment: str | None,
) -> int:
    event = audit.append_system(
        session,
        audit.EventInput(
            chain=audit.SYSTEM_CHAIN,
            procedure_id=None,
            procedure_version=None,
            occurred_at=ctx.clock.now(),
            actor=by.username,
            actor_role=by.role.value if by.role is not None else Role.SYSTEM.value,
            interface=by.interface,
            os_user=by.os_user,
            trigger=trigger,
            from_state=None,
            to_state=None,
            comment=comment,
            payload={"input": dict(payload), "effects": effects},
        ),
    )
    return event.id
