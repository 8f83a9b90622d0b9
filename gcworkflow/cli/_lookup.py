"""Small reads the commands need before acting: which definition a procedure follows, whose a proposal is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gcworkflow.errors import NotFound

if TYPE_CHECKING:
    from gcworkflow.context import Context
    from gcworkflow.procedures.spec import ProcedureDefinition


def procedure_definition(ctx: Context, procedure_id: int) -> ProcedureDefinition:
    """The definition (kind and version) the procedure was opened under."""
    from sqlalchemy import select

    from gcworkflow.db.models import Procedure
    from gcworkflow.procedures.registry import definition

    with ctx.db.read() as session:
        row = session.execute(
            select(Procedure.kind, Procedure.definition_version).where(Procedure.id == procedure_id)
        ).one_or_none()
    if row is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return definition(row.kind, row.definition_version)


def proposal_procedure(ctx: Context, proposal_id: int) -> int:
    """The procedure a proposal belongs to, whatever its status (the engine says why a decided one is refused)."""
    from sqlalchemy import select

    from gcworkflow.db.models import Proposal

    with ctx.db.read() as session:
        procedure_id = session.execute(
            select(Proposal.procedure_id).where(Proposal.id == proposal_id)
        ).scalar_one_or_none()
    if procedure_id is None:
        raise NotFound(f"{proposal_id}번 상신이 없습니다")
    return procedure_id


def state_label(definition: ProcedureDefinition, state: str | None) -> str:
    if not state:
        return "-"
    try:
        return f"{definition.state(state).label} ({state})"
    except KeyError:
        return state


META_LABELS = {
    "open": "절차 개시",
    "propose": "결재 상신",
    "approve_proposal": "결재 승인",
    "reject_proposal": "결재 반려",
}


def action_label(definition: ProcedureDefinition, trigger: str) -> str:
    action = definition.action(trigger)
    return action.label if action else META_LABELS.get(trigger, trigger)
