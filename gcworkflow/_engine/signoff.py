"""Sign-off (결재, procedure.md §6): proposals bound to a version and a content hash, approval, rejection.

Each takes the ``fire`` payload as ``request``: for ``propose`` the approver's action (``trigger``) and its
input (``payload``), for ``approve_proposal`` and ``reject_proposal`` the ``proposal_id``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select

from gcworkflow._engine.apply import action_of, apply_action, commit_event, run_machine, validate_payload
from gcworkflow._engine.attempt import Attempt
from gcworkflow._engine.results import FireResult
from gcworkflow._engine.view import build_view
from gcworkflow.access import (
    SIGNOFF_BASIS,
    Assigned,
    Principal,
    acting_approver,
    assignment_basis,
    role_names,
)
from gcworkflow.canonical import canonical_text, digest, loads
from gcworkflow.db.models import Proposal, User
from gcworkflow.errors import Conflict, Forbidden, InvalidInput, NotFound
from gcworkflow.korean import particle, with_particle
from gcworkflow.procedures.spec import Action, ProcedureDefinition, ProcedureView, Role


@dataclass(frozen=True, slots=True)
class Proposed:
    """The approver's action a proposal carries, with its validated input: read from the clerk's request when
    proposed and from the stored proposal when approved, and signed the same way both times."""

    action: Action
    model: BaseModel | None

    @classmethod
    def stored(cls, definition: ProcedureDefinition, proposal: Proposal) -> Proposed:
        action = action_of(definition, proposal.trigger)
        return cls(action, validate_payload(action, loads(proposal.payload)))

    def signed_digest(self, view: ProcedureView) -> str:
        content = self.action.signed_content(view, self.model) if self.action.signed_content else None
        return digest({"trigger": self.action.trigger, "payload": self.model, "content": content})


def check_proposer(procedure: Assigned, principal: Principal) -> None:
    """Only the procedure's assigned clerk proposes (결재 상신) an approver's action."""
    if Role.CLERK not in principal.roles or procedure.clerk_id != principal.user.id:
        raise Forbidden(
            f"결재 상신은 이 절차의 담당 주무관만 할 수 있습니다 ({assignment_basis({Role.CLERK})}, {SIGNOFF_BASIS})"
        )


def propose(attempt: Attempt, request: Mapping[str, Any]) -> FireResult:
    procedure, principal = attempt.procedure, attempt.principal
    action = action_of(attempt.definition, str(request.get("trigger")))
    if not action.signoff:
        raise InvalidInput(
            f"'{action.label}'{particle(action.label, '은')} 결재 사항이 아니므로 직접 처리하십시오"
        )
    check_proposer(procedure, principal)
    given = request.get("payload") or {}
    if not isinstance(given, dict):
        raise InvalidInput(
            f"'{action.label}'의 상신 내용(payload)은 항목 이름과 값의 묶음(객체)이어야 합니다"
        )
    proposed = Proposed(action, validate_payload(action, given))
    view = build_view(attempt.ctx, attempt.session, procedure, procedure.cluster_name)
    # Check now what approval will check again, so the approver's in-tray holds only actions that can pass.
    run_machine(attempt.definition, replace(procedure), proposed.action, view, proposed.model)
    content_sha256 = proposed.signed_digest(view)
    appended = commit_event(
        attempt,
        trigger="propose",
        from_state=procedure.state,
        role=Role.CLERK,
        payload={
            "trigger": proposed.action.trigger,
            "input": proposed.model,
            "content_sha256": content_sha256,
        },
    )
    proposal = Proposal(
        procedure_id=procedure.id,
        trigger=proposed.action.trigger,
        payload=canonical_text(proposed.model),
        procedure_version=procedure.version,
        content_sha256=content_sha256,
        proposed_by_id=principal.user.id,
        proposed_at=attempt.ctx.clock.now(),
        status="pending",
    )
    attempt.session.add(proposal)
    attempt.session.flush()
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


def approve(attempt: Attempt, request: Mapping[str, Any]) -> FireResult:
    procedure = attempt.procedure
    proposal, acting = _to_decide(attempt, request)
    if procedure.version != proposal.procedure_version:
        raise Conflict(
            f"상신 뒤에 절차가 변경되었습니다 (상신 때 판 {proposal.procedure_version}, 현재 판 {procedure.version}). "
            "담당 주무관이 내용을 확인하고 다시 상신해야 합니다."
        )
    proposed = Proposed.stored(attempt.definition, proposal)
    view = build_view(attempt.ctx, attempt.session, procedure, procedure.cluster_name)
    if proposed.signed_digest(view) != proposal.content_sha256:
        raise Conflict("결재 대상 내용이 상신 때와 다릅니다. 담당 주무관이 다시 상신해야 합니다.")
    proposer = attempt.session.get(User, proposal.proposed_by_id)
    signed = {
        "proposal": {
            "id": proposal.id,
            "proposed_by": proposer.username if proposer else None,
            "content_sha256": proposal.content_sha256,
            "acting": acting,
        }
    }
    result = apply_action(attempt, proposed.action, view, proposed.model, Role.APPROVER, signed)
    _decide(attempt, proposal, "approved", acting)
    return replace(result, proposal_id=proposal.id)


def reject(attempt: Attempt, request: Mapping[str, Any]) -> FireResult:
    procedure = attempt.procedure
    proposal, acting = _to_decide(attempt, request)
    if not attempt.comment:
        raise InvalidInput("반려 사유(comment)를 적으십시오")
    appended = commit_event(
        attempt,
        trigger="reject_proposal",
        from_state=procedure.state,
        role=Role.APPROVER,
        payload={"proposal_id": proposal.id, "trigger": proposal.trigger, "acting": acting},
    )
    _decide(attempt, proposal, "rejected", acting)
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


def _to_decide(attempt: Attempt, request: Mapping[str, Any]) -> tuple[Proposal, bool]:
    """The pending proposal the request names, once the two-person rule and assignment allow this approver to
    decide it, and whether the decision is an acting one (대결)."""
    procedure, principal = attempt.procedure, attempt.principal
    try:
        proposal_id = int(request["proposal_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("결재할 상신 번호(proposal_id)를 지정하십시오") from exc
    proposal = attempt.session.execute(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).scalar_one_or_none()
    if proposal is None or proposal.procedure_id != procedure.id:
        raise NotFound(f"이 절차에 {proposal_id}번 상신이 없습니다")
    if proposal.status != "pending":
        raise Conflict(f"{proposal_id}번 상신은 이미 처리되었습니다 ({proposal.status})")
    if Role.APPROVER not in principal.roles:
        raise Forbidden(
            f"결재는 결재권자만 할 수 있습니다 ({principal.user.username}의 권한: {role_names(principal.roles)}; "
            f"{SIGNOFF_BASIS})"
        )
    if proposal.proposed_by_id == principal.user.id:
        raise Forbidden("자신이 상신한 안건은 결재할 수 없습니다 (운영방침: 2인 결재 원칙)")
    if procedure.approver_id == principal.user.id:
        return proposal, False
    if acting_approver(attempt.session, procedure.id) == principal.user.username:
        return proposal, True
    raise Forbidden(
        f"{with_particle(principal.user.username, '은')} 이 절차의 결재권자나 대결자가 아닙니다 "
        f"({assignment_basis({Role.APPROVER})})"
    )


def _decide(attempt: Attempt, proposal: Proposal, status: str, acting: bool) -> None:
    proposal.status = status
    proposal.decided_by_id = attempt.principal.user.id
    proposal.decided_at = attempt.ctx.clock.now()
    proposal.decision_comment = attempt.comment
    proposal.acting = acting
