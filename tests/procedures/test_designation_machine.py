"""No sequence of actions leaves the table of procedure.md §2, and every final state can be reached.

The allowed edges below are written from procedure.md §2 by hand, not read from the definition, so the test
compares the definition (run through the same `transitions` machine the engine uses) with the specification.
"""

from __future__ import annotations

from collections import deque
from contextlib import suppress

from hypothesis import given, settings
from hypothesis import strategies as st
from transitions import Machine, MachineError

from gcworkflow.procedures.designation import DEFINITION

BEFORE_NOTICE = ("drafting", "governor_consultation", "ministry_consultation", "committee_review")
SPEC_EDGES = {
    ("drafting", "request_governor_opinions", "governor_consultation"),
    ("governor_consultation", "request_ministry_consultation", "ministry_consultation"),
    ("ministry_consultation", "refer_to_committee", "committee_review"),
    ("committee_review", "approve", "designation_notice"),
    ("committee_review", "return_for_revision", "drafting"),
    ("committee_review", "reject", "rejected"),
    ("designation_notice", "publish_notice", "governor_notification"),
    ("designation_notice", "decline_designation", "rejected"),
    ("governor_notification", "confirm_notification", "designated"),
    *((state, "withdraw", "withdrawn") for state in BEFORE_NOTICE),
}
FINAL = {"designated", "rejected", "withdrawn"}
TRIGGERS = sorted({a.trigger for a in DEFINITION.actions})


def _machine() -> tuple[Machine, object]:
    """The definition's states and transitions, with the guard outcome chosen by the test."""

    class Model:
        pass

    model = Model()
    machine = Machine(
        model=model,
        states=[s.name for s in DEFINITION.states],
        initial=DEFINITION.initial,
        auto_transitions=False,
        send_event=True,
    )
    for action in DEFINITION.actions:
        machine.add_transition(
            action.trigger,
            list(action.sources),
            action.dest,
            conditions=[lambda event: event.kwargs["guards_pass"]],
        )
    return machine, model


def test_definition_transitions_are_exactly_the_table():
    edges = {(s, a.trigger, a.dest) for a in DEFINITION.actions if a.dest for s in a.sources}
    assert edges == SPEC_EDGES


def test_final_states_are_final_and_reachable():
    assert set(DEFINITION.final_states) == FINAL
    reached, queue = {DEFINITION.initial}, deque([DEFINITION.initial])
    while queue:
        state = queue.popleft()
        for source, _, dest in SPEC_EDGES:
            if source == state and dest not in reached:
                reached.add(dest)
                queue.append(dest)
    assert reached >= FINAL
    for action in DEFINITION.actions:
        if action.dest:
            assert not set(action.sources) & FINAL, action.trigger


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TRIGGERS), st.booleans()), max_size=40))
def test_no_sequence_leaves_the_table(steps):
    machine, model = _machine()
    for trigger, guards_pass in steps:
        before = model.state
        try:
            machine.events[trigger].trigger(model, guards_pass=guards_pass)
        except MachineError:
            assert model.state == before
            continue
        after = model.state
        if after != before:
            assert guards_pass
            assert (before, trigger, after) in SPEC_EDGES
        if before in FINAL:
            assert after == before


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TRIGGERS), max_size=60))
def test_no_dead_ends(noise):
    """Whatever happened before, an open procedure can still be driven to an end."""
    machine, model = _machine()
    for trigger in noise:
        with suppress(MachineError):
            machine.events[trigger].trigger(model, guards_pass=True)
    if model.state in FINAL:
        return
    paths = {model.state: []}
    queue = deque([model.state])
    while queue:
        state = queue.popleft()
        for source, trigger, dest in sorted(SPEC_EDGES):
            if source == state and dest not in paths:
                paths[dest] = [*paths[state], trigger]
                queue.append(dest)
    reachable_ends = sorted(FINAL & paths.keys())
    assert reachable_ends
    final = reachable_ends[0]
    for trigger in paths[final]:
        machine.events[trigger].trigger(model, guards_pass=True)
    assert model.state == final
