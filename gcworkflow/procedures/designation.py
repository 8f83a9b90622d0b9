"""The designation procedure (지정) — 법 제9조, as specified in procedure.md §2.

Every state, trigger and guard traces to a row of that table; the stages are the shared building blocks of
``paths`` (the other kinds walk the same ones, procedure.md §3).
"""

from __future__ import annotations

from gcworkflow.procedures import drafting, paths
from gcworkflow.procedures.common import LAW
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.spec import State

# 법 제9조: the Minister draws up the 조성계획, hears the competent governors, consults, has the committee
# deliberate and may designate (①); the notice and notification (③); the residents' inspection (④).
LAW_OF_DESIGNATION = KindLaw(
    subject="조성계획",
    verb="수립",
    hear_basis=f"{LAW} 제9조제1항",
    hear_clause="제9조제1항",
    governors="관할 시·도지사",
    decide_basis=f"{LAW} 제9조제1항",
    notice_basis=f"{LAW} 제9조제3항",
    notify_basis=f"{LAW} 제9조제3항",
    notify_clause="제9조제3항",
    inspection_basis=f"{LAW} 제9조제4항",
    inspection_clause="제9조제4항",
    notice_clause="제9조제1항 및 제3항과 같은 법 시행규칙 제3조",
    notice_items_basis=f"{LAW} 시행규칙 제3조",
    hearing_basis=f"{LAW} 시행령 제5조",
    result="지정",
    attachment="조성계획(요약)",
    enclosure="plan_summary",
)

PATH = paths.Path(
    law=LAW_OF_DESIGNATION,
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
DEFINITION = paths.definition(
    PATH, "designation", "녹색융합클러스터 지정", f"{LAW} 제9조", title_suffix="지정"
)
