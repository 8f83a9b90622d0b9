"""No sequence of actions leaves the table of procedure.md §2 and §3, for every procedure kind, and every final
state can be reached.

The allowed edges below are written from procedure.md §2 (the designation) and §3 (the other kinds) by hand, not
read from the definitions, so the test compares each definition (run through the same `transitions` machine the
engine uses) with the specification.
"""

from __future__ import annotations

from collections import deque
from contextlib import suppress
from dataclasses import replace
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from transitions import Machine, MachineError

from gcworkflow.procedures import basic_plan, change, designation, release
from gcworkflow.procedures.registry import BoundOnceMachine, build_machine
from gcworkflow.procedures.spec import ProcedureDefinition

BEFORE_NOTICE = ("drafting", "governor_consultation", "ministry_consultation", "committee_review")


def _path_of_article_9(end: str) -> set[tuple[str, str, str]]:
    """procedure.md §2's path, which §3's kinds walk to their own end."""
    return {
        ("drafting", "request_governor_opinions", "governor_consultation"),
        ("governor_consultation", "request_ministry_consultation", "ministry_consultation"),
        ("ministry_consultation", "refer_to_committee", "committee_review"),
        ("committee_review", "approve", "designation_notice"),
        ("committee_review", "return_for_revision", "drafting"),
        ("committee_review", "reject", "rejected"),
        ("designation_notice", "publish_notice", "governor_notification"),
        ("designation_notice", "decline_designation", "rejected"),
        ("governor_notification", "confirm_notification", end),
        *((state, "withdraw", "withdrawn") for state in BEFORE_NOTICE),
    }


# kind → (definition, allowed edges, final states)
KINDS: dict[str, tuple[ProcedureDefinition, set[tuple[str, str, str]], set[str]]] = {
    "designation": (
        designation.DEFINITION,
        _path_of_article_9("designated"),
        {"designated", "rejected", "withdrawn"},
    ),
    # §3: a minor change goes straight to `changed`, or to the change notice where the policy publishes it.
    "plan_change": (
        change.DEFINITION,
        _path_of_article_9("changed")
        | {
            ("drafting", "apply_minor_change", "changed"),
            ("drafting", "publish_minor_change", "designation_notice"),
        },
        {"changed", "rejected", "withdrawn"},
    ),
    "release": (release.DEFINITION, _path_of_article_9("released"), {"released", "rejected", "withdrawn"}),
    # §3: a minor change of the basic plan skips the consultations and the committee but not the notice.
    "basic_plan": (
        basic_plan.DEFINITION,
        _path_of_article_9("in_force") | {("drafting", "apply_minor_change", "designation_notice")},
        {"in_force", "rejected", "withdrawn"},
    ),
}
EACH_KIND = pytest.mark.parametrize("kind", list(KINDS))


def _triggers(kind: str) -> list[str]:
    return sorted({a.trigger for a in KINDS[kind][0].actions})


def _chosen(_view: object, guards_pass: bool) -> list[str]:
    """The one guard of every action here: the outcome the test chose, handed in as the payload."""
    return [] if guards_pass else ["refused by the test"]


def _machine(definition: ProcedureDefinition) -> tuple[Machine, object]:
    """The engine's machine for the definition (`registry.build_machine`), its guards replaced by `_chosen`,
    with one model bound."""
    actions = tuple(replace(action, guards=(_chosen,)) for action in definition.actions)
    machine = build_machine(replace(definition, actions=actions), BoundOnceMachine)
    model = SimpleNamespace()
    machine.add_model(model)
    return machine, model


def _fire(machine: Machine, model: object, trigger: str, guards_pass: bool) -> None:
    """The trigger as the engine fires it (its guards' unmet list, a view, the payload)."""
    machine.events[trigger].trigger(model, unmet=[], view=None, payload=guards_pass)


@EACH_KIND
def test_definition_transitions_are_exactly_the_table(kind):
    definition, spec_edges, _ = KINDS[kind]
    edges = {(s, a.trigger, a.dest) for a in definition.actions if a.dest for s in a.sources}
    assert edges == spec_edges


@EACH_KIND
def test_final_states_are_final_and_reachable(kind):
    definition, spec_edges, final = KINDS[kind]
    assert set(definition.final_states) == final
    reached, queue = {definition.initial}, deque([definition.initial])
    while queue:
        state = queue.popleft()
        for source, _, dest in spec_edges:
            if source == state and dest not in reached:
                reached.add(dest)
                queue.append(dest)
    assert reached >= final
    for action in definition.actions:
        if action.dest:
            assert not set(action.sources) & final, action.trigger


@EACH_KIND
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_no_sequence_leaves_the_table(kind, data):
    definition, spec_edges, final = KINDS[kind]
    steps = data.draw(st.lists(st.tuples(st.sampled_from(_triggers(kind)), st.booleans()), max_size=40))
    machine, model = _machine(definition)
    for trigger, guards_pass in steps:
        before = model.state
        try:
            _fire(machine, model, trigger, guards_pass)
        except MachineError:
            assert model.state == before
            continue
        after = model.state
        if after != before:
            assert guards_pass
            assert (before, trigger, after) in spec_edges
        if before in final:
            assert after == before


@EACH_KIND
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_no_dead_ends(kind, data):
    """Whatever happened before, an open procedure can still be driven to an end."""
    definition, spec_edges, final = KINDS[kind]
    noise = data.draw(st.lists(st.sampled_from(_triggers(kind)), max_size=60))
    machine, model = _machine(definition)
    for trigger in noise:
        with suppress(MachineError):
            _fire(machine, model, trigger, True)
    if model.state in final:
        return
    paths = {model.state: []}
    queue = deque([model.state])
    while queue:
        state = queue.popleft()
        for source, trigger, dest in sorted(spec_edges):
            if source == state and dest not in paths:
                paths[dest] = [*paths[state], trigger]
                queue.append(dest)
    reachable_ends = sorted(final & paths.keys())
    assert reachable_ends
    final = reachable_ends[0]
    for trigger in paths[final]:
        _fire(machine, model, trigger, True)
    assert model.state == final
