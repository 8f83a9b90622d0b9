"""Sign-off (결재, procedure.md §6): proposals bound to a version and a content hash, approval, rejection."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow._engine.apply import action_of, apply_action, commit_event, run_machine, validate_payload
from gcworkflow._engine.results import Actor, FireResult
from gcworkflow._engine.row import ProcedureRow
from gcworkflow._engine.view import build_view
from gcworkflow.access import Principal, acting_approver, role_names
from gcworkflow.canonical import canonical_text, digest, loads
from gcworkflow.context import Context
from gcworkflow.db.models import (
    Proposal,
    User,
)
from gcworkflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from gcworkflow.korean import particle, with_particle
from gcworkflow.procedures.spec import (
    Action,
    ProcedureDefinition,
    ProcedureView,
    Role,
)

# --- sign-off (결재) --------------------------------------------------------------------------------


def _signed_digest(action: Action, view: ProcedureView, model: Any) -> str:
    content = action.signed_content(view, model) if action.signed_content else None
    return digest({"trigger": action.trigger, "payload": model, "content": content})


def propose(
    ctx: Context,
    session: Session,
    procedure: ProcedureRow,
    definition: ProcedureDefinition,
    principal: Principal,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None,
) -> FireResult:
    trigger = payload.get("trigger")
    action = action_of(definition, str(trigger))
    if not action.signoff:
        raise InvalidInput(
            f"'{action.label}'{particle(action.label, '은')} 결재 사항이 아니므로 직접 처리하십시오"
        )
    if Role.CLERK not in principal.roles or procedure.clerk_id != principal.user.id:
        raise Forbidden("결재 상신은 이 절차의 담당 주무관만 할 수 있습니다")
    inner = payload.get("payload") or {}
    if not isinstance(inner, dict):
        raise InvalidInput(
            f"'{action.label}'의 상신 내용(payload)은 항목 이름과 값의 묶음(객체)이어야 합니다"
        )
    model = validate_payload(action, inner)
    view = build_view(ctx, session, procedure, procedure.cluster_name)
    # Check now what approval will check again, so the approver's in-tray holds only actions that can pass.
    run_machine(definition, replace(procedure), action, view, model)
    content_sha256 = _signed_digest(action, view, model)
    appended = commit_event(
        ctx,
        session,
        procedure,
        procedure.version,
        trigger="propose",
        from_state=procedure.state,
        principal=principal,
        role=Role.CLERK,
        actor=actor,
        comment=comment,
        payload={"trigger": action.trigger, "input": model, "content_sha256": content_sha256},
    )
    now = ctx.clock.now()
    proposal = Proposal(
        procedure_id=procedure.id,
        trigger=action.trigger,
        payload=canonical_text(model),
        procedure_version=procedure.version,
        content_sha256=content_sha256,
        proposed_by_id=principal.user.id,
        proposed_at=now,
        status="pending",
    )
    session.add(proposal)
    session.flush()
    return FireResult(
        procedure.id,
        "propose",
        procedure.state,
        procedure.state,
        procedure.version,
        appended.id,
        appended.hash,
        proposal_id=proposal.id,
    )


def _pending_proposal(session: Session, procedure: ProcedureRow, payload: dict[str, Any]) -> Proposal:
    try:
        proposal_id = int(payload["proposal_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("결재할 상신 번호(proposal_id)를 지정하십시오") from exc
    proposal = session.execute(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).scalar_one_or_none()
    if proposal is None or proposal.procedure_id != procedure.id:
        raise NotFound(f"이 절차에 {proposal_id}번 상신이 없습니다")
    if proposal.status != "pending":
        raise Conflict(f"{proposal_id}번 상신은 이미 처리되었습니다 ({proposal.status})")
    return proposal


def _approver_role(
    session: Session, procedure: ProcedureRow, principal: Principal, proposal: Proposal
) -> bool:
    """Checks the two-person rule and assignment; returns whether the approval is an acting one (대결)."""
    if Role.APPROVER not in principal.roles:
        raise Forbidden(
            f"결재는 결재권자만 할 수 있습니다 ({principal.user.username}의 권한: {role_names(principal.roles)})"
        )
    if proposal.proposed_by_id == principal.user.id:
        raise Forbidden("자신이 상신한 안건은 결재할 수 없습니다 (운영방침: 2인 결재 원칙)")
    if procedure.approver_id == principal.user.id:
        return False
    if acting_approver(session, procedure.id) == principal.user.username:
        return True
    raise Forbidden(f"{with_particle(principal.user.username, '은')} 이 절차의 결재권자나 대결자가 아닙니다")


def approve(
    ctx: Context,
    session: Session,
    procedure: ProcedureRow,
    definition: ProcedureDefinition,
    principal: Principal,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None,
) -> FireResult:
    proposal = _pending_proposal(session, procedure, payload)
    acting = _approver_role(session, procedure, principal, proposal)
    if procedure.version != proposal.procedure_version:
        raise Conflict(
            f"상신 뒤에 절차가 변경되었습니다 (상신 때 판 {proposal.procedure_version}, 현재 판 {procedure.version}). "
            "담당 주무관이 내용을 확인하고 다시 상신해야 합니다."
        )
    action = action_of(definition, proposal.trigger)
    model = validate_payload(action, loads(proposal.payload))
    view = build_view(ctx, session, procedure, procedure.cluster_name)
    if _signed_digest(action, view, model) != proposal.content_sha256:
        raise Conflict("결재 대상 내용이 상신 때와 다릅니다. 담당 주무관이 다시 상신해야 합니다.")
    proposer = session.get(User, proposal.proposed_by_id)
    extra = {
        "proposal": {
            "id": proposal.id,
            "proposed_by": proposer.username if proposer else None,
            "content_sha256": proposal.content_sha256,
            "acting": acting,
        }
    }
    result = apply_action(
        ctx,
        session,
        procedure,
        definition,
        action,
        view,
        model,
        principal,
        Role.APPROVER,
        actor,
        comment,
        extra,
    )
    proposal.status = "approved"
    proposal.decided_by_id = principal.user.id
    proposal.decided_at = ctx.clock.now()
    proposal.decision_comment = comment
    proposal.acting = acting
    return FireResult(
        result.procedure_id,
        result.trigger,
        result.from_state,
        result.to_state,
        result.version,
        result.event_id,
        result.event_hash,
        proposal.id,
        result.effects,
    )


def reject(
    ctx: Context,
    session: Session,
    procedure: ProcedureRow,
    principal: Principal,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None,
) -> FireResult:
    proposal = _pending_proposal(session, procedure, payload)
    acting = _approver_role(session, procedure, principal, proposal)
    if not comment:
        raise InvalidInput("반려 사유(comment)를 적으십시오")
    appended = commit_event(
        ctx,
        session,
        procedure,
        procedure.version,
        trigger="reject_proposal",
        from_state=procedure.state,
        principal=principal,
        role=Role.APPROVER,
        actor=actor,
        comment=comment,
        payload={"proposal_id": proposal.id, "trigger": proposal.trigger, "acting": acting},
    )
    now = ctx.clock.now()
    proposal.status = "rejected"
    proposal.decided_by_id = principal.user.id
    proposal.decided_at = now
    proposal.decision_comment = comment
    proposal.acting = acting
    return FireResult(
        procedure.id,
        "reject_proposal",
        procedure.state,
        procedure.state,
        procedure.version,
        appended.id,
        appended.hash,
        proposal.id,
    )
