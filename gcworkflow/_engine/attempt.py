"""One attempt at an action, as every step of carrying it out sees it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from gcworkflow._engine.results import Actor
from gcworkflow._engine.row import ProcedureRow
from gcworkflow.access import Principal
from gcworkflow.context import Context
from gcworkflow.procedures.spec import ProcedureDefinition


@dataclass(frozen=True, slots=True)
class Attempt:
    """Fixed once the procedure row is locked and the actor known; what varies from step to step (the action,
    its input, the role it is taken in) is passed beside it. ``procedure`` is frozen as a reference only: the
    machine moves its state and the event its version and chain head."""

    ctx: Context
    session: Session
    procedure: ProcedureRow
    definition: ProcedureDefinition
    principal: Principal
    actor: Actor
    comment: str | None
