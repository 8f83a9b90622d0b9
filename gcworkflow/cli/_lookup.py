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


def stage(definition: ProcedureDefinition, state: str | None) -> str:
    """The stage's Korean name, as clerks call it."""
    return definition.state(state).label if state else "-"


def state_label(definition: ProcedureDefinition, state: str | None) -> str:
    """The stage's Korean name with the state's name, which is what `gcw fire` and the API take."""
    return f"{stage(definition, state)} ({state})" if state else "-"


def action_label(definition: ProcedureDefinition, trigger: str) -> str:
    action = definition.action(trigger)
    return action.label if action else trigger
