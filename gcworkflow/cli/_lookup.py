"""How the commands name stages and actions in Korean (the reads they need are in ``gcworkflow.queries``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gcworkflow.procedures.spec import ProcedureDefinition


def stage(definition: ProcedureDefinition, state: str | None) -> str:
    """The stage's Korean name, as clerks call it."""
    return definition.state(state).label if state else "-"


def state_label(definition: ProcedureDefinition, state: str | None) -> str:
    """The stage's Korean name with the state's name, which is what `gcw fire` and the API take."""
    return f"{stage(definition, state)} ({state})" if state else "-"


def action_label(definition: ProcedureDefinition, trigger: str) -> str:
    action = definition.action(trigger)
    return action.label if action else trigger
