"""The designation procedure (지정) — 법 제9조, as specified in procedure.md §2.

Every state, trigger and guard traces to a row of that table; the stages are the shared building blocks of
``paths`` (the other kinds walk the same ones, procedure.md §3).
"""

from __future__ import annotations

from gcworkflow.procedures import drafting, paths
from gcworkflow.procedures.common import LAW
from gcworkflow.procedures.spec import ProcedureDefinition, State

PATH = paths.Path(
    hear=f"{LAW} 제9조제1항",
    decision="지정",
    notice_kind="designation",
    final=State("designated", "지정", f"{LAW} 제9조제3항", final=True),
    cluster_status="designated",
    rejected_label="부결·미지정",
    request_guards=(drafting.plan_complete,),
    assess_requirements=True,
    extra_drafting=(drafting.record_site_selection(("drafting",)),),
    plan_action=drafting.record_plan(("drafting",)),
)
STATES = paths.states(PATH)
ACTIONS = paths.actions(
    PATH, every=tuple(s.name for s in STATES), open_states=tuple(s.name for s in STATES if not s.final)
)

DEFINITION = ProcedureDefinition(
    kind="designation",
    version=1,
    label="녹색융합클러스터 지정",
    title_suffix="지정",
    basis=f"{LAW} 제9조",
    states=STATES,
    initial="drafting",
    actions=ACTIONS,
)
