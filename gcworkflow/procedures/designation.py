"""The designation procedure (지정) — 법 제9조, as specified in procedure.md §2.

Every state, trigger and guard below traces to a row of that table; the building blocks are shared with the
other procedure kinds (procedure.md §3) and live in their own modules.
"""

from __future__ import annotations

from gcworkflow.procedures import committee, common, consultation, drafting, notice, notification
from gcworkflow.procedures.spec import Action, ProcedureDefinition, RecordFact, Role, State

LAW = common.LAW

STATES = (
    State("drafting", "조성계획 수립", f"{LAW} 제9조제1항, 제11조, 같은 법 시행령 제7조"),
    State("governor_consultation", "관할 시·도지사 의견수렴", f"{LAW} 제9조제1항, 같은 법 시행령 제5조"),
    State("ministry_consultation", "관계부처 협의", f"{LAW} 제9조제1항"),
    State("committee_review", "중앙환경정책위원회 심의", f"{LAW} 제9조제1항, 환경정책기본법 제58조"),
    State(
        "designation_notice", "지정 및 관보 고시", f"{LAW} 제9조제1항·제3항, 제10조, 같은 법 시행규칙 제3조"
    ),
    State("governor_notification", "관할 시·도지사 통보", f"{LAW} 제9조제3항"),
    State("designated", "지정", f"{LAW} 제9조제3항", final=True),
    State("rejected", "부결·미지정", "운영방침: 부결 시 절차 종료", final=True),
    State("withdrawn", "철회", "운영방침: 철회", final=True),
)

OPEN = tuple(s.name for s in STATES if not s.final)
EVERY = tuple(s.name for s in STATES)
BEFORE_NOTICE = ("drafting", "governor_consultation", "ministry_consultation", "committee_review")
CONSULTING = ("governor_consultation", "ministry_consultation")

HEAR = f"{LAW} 제9조제1항"

ACTIONS: tuple[Action, ...] = (
    # drafting
    drafting.record_plan(("drafting",)),
    drafting.record_site_selection(("drafting",)),
    consultation.request_governor_opinions(
        ("drafting",), "governor_consultation", HEAR, guards=(drafting.plan_complete,)
    ),
    # governor consultation
    consultation.record_governor_opinion(("governor_consultation",), HEAR),
    consultation.record_no_reply(consultation.GOVERNORS, ("governor_consultation",), HEAR),
    consultation.request_ministry_consultation(
        ("governor_consultation",), "ministry_consultation", HEAR, HEAR
    ),
    consultation.record_hearing(CONSULTING),
    # ministry consultation
    consultation.record_ministry_reply(("ministry_consultation",), HEAR),
    consultation.record_no_reply(consultation.MINISTRIES, ("ministry_consultation",), HEAR),
    consultation.resolve_objection(("ministry_consultation",)),
    Action(
        trigger="refer_to_committee",
        label="위원회 심의 회부",
        sources=("ministry_consultation",),
        dest="committee_review",
        roles=frozenset({Role.APPROVER}),
        basis=HEAR,
        guards=(consultation.ministries_consulted(HEAR),),
        signoff=True,
        signed_content=lambda view, _p: {"plan_sha256": view.plan_sha256},
    ),
    # committee review
    committee.schedule_meeting(("committee_review",), f"{LAW} 제9조제1항, 환경정책기본법 시행령 제21조"),
    committee.record_attendance(("committee_review",)),
    committee.record_committee_decision(("committee_review",), f"{HEAR}, 환경정책기본법 제58조"),
    committee.after_decision(
        "approve",
        "심의 의결에 따라 지정 단계로",
        ("committee_review",),
        "designation_notice",
        HEAR,
        *committee.APPROVING,
        effects=committee.notice_target,
    ),
    committee.after_decision(
        "return_for_revision", "보완 의결에 따라 계획 보완", ("committee_review",), "drafting", HEAR, "보완"
    ),
    committee.after_decision(
        "reject", "부결 의결에 따라 종료", ("committee_review",), "rejected", HEAR, "부결"
    ),
    # designation and notice
    notice.decide_designation(("designation_notice",)),
    notice.assess_requirement(("designation_notice",)),
    notice.compose_notice(("designation_notice",)),
    notice.sign_notice_content(("designation_notice",)),
    notice.register_notice_number(("designation_notice",)),
    notice.record_gazette_publication(("designation_notice",)),
    Action(
        trigger="publish_notice",
        label="관보 고시 완료 — 통보 단계로",
        sources=("designation_notice",),
        dest="governor_notification",
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제9조제1항·제3항, 제10조, 같은 법 시행령 제6조, 같은 법 시행규칙 제3조",
        guards=notice.PUBLISH_GUARDS,
        effects=notification.notification_deadlines,
    ),
    Action(
        trigger="decline_designation",
        label="지정하지 않기로 결정",
        sources=("designation_notice",),
        dest="rejected",
        roles=frozenset({Role.APPROVER}),
        basis=f"{LAW} 제9조제1항",
        payload=common.ReasonPayload,
        effects=lambda _v, p: [RecordFact("designation_declined", {"reason": p.reason})],
        signoff=True,
        signed_content=lambda view, p: {"plan_sha256": view.plan_sha256, "reason": p.reason},
    ),
    # notification
    notification.record_governor_notification(("governor_notification",)),
    notification.justify_late_notification(("governor_notification",)),
    notification.confirm_notification(("governor_notification",), "designated", "designated"),
    # follow-up after designation
    notification.record_inspection(("designated",)),
    # everywhere
    notice.document_issued(EVERY),
    common.register_letter_number(EVERY),
    common.receive_document(EVERY),
    common.correct(EVERY),
    common.reassign(OPEN),
    common.set_acting_approver(OPEN),
    common.withdraw(BEFORE_NOTICE, "운영방침: 철회"),
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
