"""Procedure definitions by kind and version, and one shared state machine for each (DESIGN.md §3).

A machine is built once per definition with ``model=None``; the engine binds one procedure row for one action
(``add_model``/``remove_model``), never a machine per row. Guards run as the transition's condition and put
their unmet requirements into the list the engine passes in.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from transitions import EventData, Machine

from gcworkflow.procedures import basic_plan, change, designation, release
from gcworkflow.procedures.spec import Action, ProcedureDefinition

_DEFINITIONS: dict[tuple[str, int], ProcedureDefinition] = {
    (d.kind, d.version): d
    for d in (designation.DEFINITION, change.DEFINITION, release.DEFINITION, basic_plan.DEFINITION)
}


def definitions() -> Iterable[ProcedureDefinition]:
    return _DEFINITIONS.values()


def definition(kind: str, version: int | None = None) -> ProcedureDefinition:
    """The definition a procedure was opened under; ``version=None`` gives the newest for new procedures."""
    if version is None:
        versions = [v for (k, v) in _DEFINITIONS if k == kind]
        if not versions:
            raise KeyError(kind)
        version = max(versions)
    return _DEFINITIONS[(kind, version)]


def kinds() -> list[str]:
    return sorted({k for (k, _) in _DEFINITIONS})


class BoundOnceMachine(Machine):
    """A shared machine whose bound rows get no per-trigger convenience methods.

    The engine fires through ``machine.events[trigger]`` and asks ``row.may_trigger(name, …)``; ``add_model``
    otherwise sets two attributes per trigger and one per state on every row it binds, which was the largest
    single cost of an action (bench/transitions.py).
    """

    def _add_trigger_to_model(self, trigger: str, model: Any) -> None:
        pass

    def _add_model_to_state(self, state: Any, model: Any) -> None:
        pass


def _guards_pass(action: Action, event: EventData) -> bool:
    unmet: list[Any] = event.kwargs["unmet"]
    for guard in action.guards:
        unmet.extend(guard(event.kwargs["view"], event.kwargs["payload"]))
    return not unmet


def build_machine(
    definition: ProcedureDefinition, machine_class: type[Machine] = Machine, **kwargs: Any
) -> Machine:
    machine = machine_class(
        model=None,
        states=[s.name for s in definition.states],
        initial=definition.initial,
        auto_transitions=False,
        send_event=True,
        **kwargs,
    )
    for action in definition.actions:
        machine.add_transition(
            action.trigger,
            list(action.sources),
            action.dest,  # None: an internal transition, the state stays (a record action)
            conditions=[lambda event, action=action: _guards_pass(action, event)],
        )
    return machine


@cache
def machine(kind: str, version: int) -> Machine:
    return build_machine(definition(kind, version), BoundOnceMachine)
