"""The path of 법 제9조 as building blocks, so each procedure kind is data: the designation, a full plan change
and a release (제12조④: "제9조를 준용"), and the basic plan (제6조②⑤) walk the same stages with their own
basis, decision, notice and end state (procedure.md §3)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gcworkflow.procedures import (
    administrative_notice,
    committee,
    common,
    consultation,
    decision,
    governor_consultation,
    ministry_consultation,
    notice,
    notification,
    publication,
)
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.spec import Action, Effects, Guard, ProcedureDefinition, RecordFact, Role, State

LAW = common.LAW
BEFORE_NOTICE = ("drafting", "governor_consultation", "ministry_consultation", "committee_review")
CONSULTING = ("governor_consultation", "ministry_consultation")


@dataclass(frozen=True)
class Path:
    """What distinguishes one kind's walk along the 제9조 stages."""

    law: KindLaw  # the kind's words and articles: every stage below reads them from here
    decision: str  # 지정 / 변경 / 해제 / 수립
    notice_kind: str  # designation / change / release / basic_plan
    final: State  # designated / changed / released / in_force
    cluster_status: str | None  # what the cluster becomes; None: unchanged (a plan change, the basic plan)
    drafting_labels: tuple[str, str] = ("조성계획 수립", "지정 및 관보 고시")
    rejected_label: str = "부결·종료"
    request_guards: tuple[Guard, ...] = ()
    all_governors: bool = False
    assess_requirements: bool = False
    extra_drafting: tuple[Action, ...] = field(default_factory=tuple)
    plan_action: Action | None = None
    on_final: Effects | None = None  # what entering the final state also writes (the basic plan's deadlines)
    after_final: tuple[Action, ...] = ()  # record actions of the final state (the basic plan's 실태조사)


def states(path: Path) -> tuple[State, ...]:
    draft, stage = path.drafting_labels
    law = path.law
    return (
        State("drafting", draft, law.hear_basis),
        State("governor_consultation", f"{law.governors} 의견수렴", law.hear_basis),
        State("ministry_consultation", "관계부처 협의", law.hear_basis),
        State("committee_review", "중앙환경정책위원회 심의", f"{law.hear_basis}, 환경정책기본법 제58조"),
        State("designation_notice", stage, law.notice_basis),
        State(
            "governor_notification",
            "관계 시·도지사 통보" if path.all_governors else "관할 시·도지사 통보",
            law.notify_basis,
        ),
        path.final,
        State("rejected", path.rejected_label, "운영방침: 부결 시 절차 종료", final=True),
        State("withdrawn", "철회", "운영방침: 철회", final=True),
    )


def actions(path: Path, every: Sequence[str], open_states: Sequence[str]) -> tuple[Action, ...]:
    law = path.law
    hear = law.hear_basis
    plan_action = path.plan_action
    decided = f"{path.decision}하지 않기로 결정"
    result: list[Action] = [
        *([plan_action] if plan_action else []),
        *path.extra_drafting,
        governor_consultation.request_governor_opinions(
            ("drafting",),
            "governor_consultation",
            hear,
            guards=path.request_guards,
            all_governors=path.all_governors,
        ),
        governor_consultation.record_governor_opinion(("governor_consultation",), hear),
        consultation.record_no_reply(consultation.GOVERNORS, ("governor_consultation",), hear),
        ministry_consultation.request_ministry_consultation(
            ("governor_consultation",), "ministry_consultation", hear, hear
        ),
        *([consultation.record_hearing(CONSULTING, law.hearing_basis)] if law.hearing_basis else []),
        ministry_consultation.record_ministry_reply(("ministry_consultation",), hear),
        consultation.record_no_reply(consultation.MINISTRIES, ("ministry_consultation",), hear),
        ministry_consultation.resolve_objection(("ministry_consultation",)),
        Action(
            trigger="refer_to_committee",
            label="위원회 심의 회부",
            sources=("ministry_consultation",),
            dest="committee_review",
            roles=frozenset({Role.APPROVER}),
            basis=hear,
            guards=(ministry_consultation.ministries_consulted(hear),),
            signoff=True,
            signed_content=lambda view, _p: {"plan_sha256": view.plan_sha256},
        ),
        committee.schedule_meeting(("committee_review",), f"{hear}, 환경정책기본법 시행령 제21조"),
        committee.record_attendance(("committee_review",)),
        committee.record_committee_decision(("committee_review",), f"{hear}, 환경정책기본법 제58조"),
        committee.after_decision(
            "approve",
            f"심의 의결에 따라 {path.decision} 단계로",
            ("committee_review",),
            "designation_notice",
            hear,
            *committee.APPROVING,
            effects=committee.notice_target,
        ),
        committee.after_decision(
            "return_for_revision",
            "보완 의결에 따라 계획 보완",
            ("committee_review",),
            "drafting",
            hear,
            "보완",
        ),
        committee.after_decision(
            "reject", "부결 의결에 따라 종료", ("committee_review",), "rejected", hear, "부결"
        ),
        decision.decide_designation(
            ("designation_notice",), law, assess_requirements=path.assess_requirements
        ),
        *([decision.assess_requirement(("designation_notice",))] if path.assess_requirements else []),
        notice.compose_notice(("designation_notice",), path.notice_kind, law),
        *administrative_notice.actions(("designation_notice",)),
        notice.sign_notice_content(
            ("designation_notice",), law, assess_requirements=path.assess_requirements
        ),
        publication.register_notice_number(("designation_notice",)),
        publication.record_gazette_publication(("designation_notice",), law),
        Action(
            trigger="publish_notice",
            label="관보 고시 완료 — 통보 단계로",
            sources=("designation_notice",),
            dest="governor_notification",
            roles=frozenset({Role.CLERK}),
            basis=law.notice_basis,
            payload=notification.PublishPayload,
            guards=publication.publish_guards(law, assess_requirements=path.assess_requirements),
            effects=notification.notification_deadlines(law),
        ),
        Action(
            trigger="decline_designation",
            label=decided,
            sources=("designation_notice",),
            dest="rejected",
            roles=frozenset({Role.APPROVER}),
            basis=law.decide_basis,
            payload=common.ReasonPayload,
            effects=lambda _v, p: [RecordFact("designation_declined", {"reason": p.reason})],
            signoff=True,
            signed_content=lambda view, p: {"plan_sha256": view.plan_sha256, "reason": p.reason},
        ),
        notification.record_governor_notification(("governor_notification",), law),
        notification.justify_late_notification(("governor_notification",), law),
        notification.confirm_notification(
            ("governor_notification",), path.final.name, path.cluster_status, law, also=path.on_final
        ),
        *([notification.record_inspection((path.final.name,), law)] if law.has_inspection else []),
        *path.after_final,
        publication.document_issued(tuple(every)),
        common.register_letter_number(tuple(every)),
        common.receive_document(tuple(every)),
        common.correct(tuple(every)),
        common.reassign(tuple(open_states)),
        common.set_acting_approver(tuple(open_states)),
        common.withdraw(BEFORE_NOTICE, "운영방침: 철회"),
    ]
    return tuple(result)


def definition(path: Path, kind: str, label: str, basis: str, **extra: Any) -> ProcedureDefinition:
    """A kind walking this path: its states, the actions on them and its law (``extra``: the definition's
    other fields, e.g. ``starts_from_baseline``)."""
    walked = states(path)
    return ProcedureDefinition(
        kind=kind,
        version=1,
        label=label,
        basis=basis,
        states=walked,
        initial="drafting",
        actions=actions(
            path, every=[s.name for s in walked], open_states=[s.name for s in walked if not s.final]
        ),
        law=path.law,
        **extra,
    )
