"""Notifying the governors (관할 시·도지사 통보) and the residents' inspection — for a designation 법 제9조③④,
for the other kinds their own articles (``KindLaw``); the basic plan has no inspection (법 제6조⑤).

"지체 없이" is not a fixed period but a promptness duty (law.md §3.5): it is kept as an SLA — by default the
next working day after the gazette publication — and a notification sent later needs a recorded
justification. It never blocks anything else. The 14-day inspection is the governor's duty after designation,
recorded per governor and counted under the 민법 rules.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from gcworkflow.calendar import DueRule, PeriodRule, compute_period, format_date_ko
from gcworkflow.canonical import parse_instant
from gcworkflow.clock import to_kst
from gcworkflow.errors import Unmet
from gcworkflow.korean import with_particle
from gcworkflow.procedures.common import Payload, Text, governor_party, party_name
from gcworkflow.procedures.consultation import ONE_LETTER, Letters
from gcworkflow.procedures.kind_law import INSPECTION_DAYS, LAW_TITLE, KindLaw
from gcworkflow.procedures.notice import NOTICE, notice_document, notification_document
from gcworkflow.procedures.plan_content import competent_sido_codes
from gcworkflow.procedures.spec import (
    Action,
    CloseDeadline,
    Effects,
    Guard,
    OpenDeadline,
    ProcedureView,
    QueueMessage,
    RecordFact,
    Role,
    SetClusterStatus,
    Write,
)
from gcworkflow.reference import SIDOS, resolve_sido


def notification_due(view: ProcedureView) -> date | None:
    """The SLA date for "지체 없이": N working days after the gazette publication (운영방침)."""
    gazette = view.fact("gazette_publication", NOTICE)
    if gazette is None:
        return None
    published = date.fromisoformat(gazette.data["published_on"])
    return view.calendar.add_working_days(published, max(view.policy.notification_sla_working_days, 0))


def governors_to_notify(view: ProcedureView) -> list[str]:
    """The competent governors of the plan's area; for a plan with no area (the basic plan), every 시·도지사."""
    gazette = view.fact("gazette_publication", NOTICE)
    day = date.fromisoformat(gazette.data["published_on"]) if gazette else view.today
    if view.plan is None:
        return []
    if getattr(view.plan, "regions", None) is None and not hasattr(view.plan, "area_m2"):
        return [governor_party(s.on(day).code) for s in SIDOS]
    return [governor_party(code) for code in competent_sido_codes(view.plan, day)]


def notification_body(law: KindLaw, governor: str, name: str) -> str:
    """The e-mail that carries the notification letter: the kind's own articles, and the request to open the
    notice to residents only where its law has one."""
    text = (
        f"수신: {governor}\n\n{LAW_TITLE} {law.notify_clause}에 따라 {name} {law.result} 결과를 통보합니다."
    )
    if law.inspection_clause:
        text += f" 같은 법 {law.inspection_clause}에 따라 그 내용을 {INSPECTION_DAYS}일 이상 주민이 열람할 수 있도록 조치하여 주시기 바랍니다."
    return text


class PublishPayload(Payload):
    letters: Letters = Field(
        default="each",
        description="통보 시행문: each 시·도지사마다 한 통 / one 모든 시·도지사에게 한 통 (수신자 참조)",
    )


def notification_deadlines(law: KindLaw) -> Effects:
    """On publication: the notice target is met, "지체 없이" starts for each governor (운영방침 SLA), and a
    notification letter with the notice attached is queued for each (sent once its PDF is issued): its own,
    or the one letter to all of them (수신자 참조) when the clerk chose so."""

    def effects(view: ProcedureView, payload: PublishPayload) -> list[Write]:
        return _notification_deadlines(view, law.at(view), payload.letters)

    return effects


def _notification_deadlines(view: ProcedureView, law: KindLaw, letters: str) -> list[Write]:
    gazette = view.fact("gazette_publication", NOTICE)
    published = date.fromisoformat(gazette.data["published_on"]) if gazette else view.today
    rule = DueRule("working_days", published, view.policy.notification_sla_working_days, label="관보 게재일")
    consultation = view.fact("consultation_round", "governor")
    round_no = consultation.data["round"] if consultation else 1
    notice = view.fact("notice_content", NOTICE)
    name = notice.data["name"] if notice else view.title
    letter = notification_document(view)
    writes: list[Write] = [
        CloseDeadline("notice_after_approval", on=published),
        RecordFact("notification_letters", {"letters": letters}),
    ]
    for party in governors_to_notify(view):
        writes.append(OpenDeadline("governor_notification", rule, subject=party, basis=law.notify_basis))
        writes.append(
            QueueMessage(
                key=f"procedure:{view.id}:{letter}:{party}",
                kind="letter",
                recipient=party,
                subject=f"[{law.result} 결과 통보] {name}",
                body=notification_body(law, party_name(party, published), name),
                payload={
                    "document": letter,
                    "party": party,
                    "documents": [
                        f"{letter}:{round_no}:{ONE_LETTER if letters == 'one' else party}",
                        notice_document(view),
                    ],
                },
            )
        )
    return writes


def _party(view: ProcedureView, code: str, basis: str) -> tuple[str, list[Unmet]]:
    try:
        party = governor_party(resolve_sido(code).on(view.today).code)
    except ValueError as exc:
        return "", [Unmet("unknown_sido", basis, str(exc))]
    if party not in governors_to_notify(view):
        return party, [
            Unmet(
                "governor_not_competent",
                basis,
                f"{with_particle(party_name(party, view.today), '는')} 통보 대상 시·도지사가 아닙니다",
            )
        ]
    return party, []


class NotificationPayload(Payload):
    sido_code: str
    sent_at: datetime = Field(description="발송 시각 (시간대 포함)")
    channel: Text = Field(description="발송 경로 (예: 문서유통, 전자우편)")
    message_id: Text = Field(description="문서유통 번호 또는 Message-ID")


def _notification_guard(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, payload: NotificationPayload) -> list[Unmet]:
        _, unmet = _party(view, payload.sido_code, law.notify_basis)
        if payload.sent_at.tzinfo is None:
            unmet.append(
                Unmet(
                    "sent_at_without_zone",
                    law.notify_basis,
                    "발송 시각에 시간대를 적으십시오 (예: 2026-10-13T10:00+09:00)",
                )
            )
        elif payload.sent_at > view.now:
            unmet.append(Unmet("sent_in_future", law.notify_basis, "발송 시각이 현재보다 뒤입니다"))
        return unmet

    return guard


def _notification(view: ProcedureView, payload: NotificationPayload) -> list[Write]:
    party, _ = _party(view, payload.sido_code, "")
    due = notification_due(view)
    sent_day = to_kst(payload.sent_at).date()
    return [
        CloseDeadline("governor_notification", party, on=sent_day),
        RecordFact(
            "governor_notification",
            {
                "sent_at": payload.sent_at,
                "channel": payload.channel,
                "message_id": payload.message_id,
                "due": due.isoformat() if due else None,
                "late": bool(due and sent_day > due),
            },
            subject=party,
        ),
    ]


def record_governor_notification(sources: tuple[str, ...], law: KindLaw) -> Action:
    return Action(
        trigger="record_governor_notification",
        label="시·도지사 통보 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK, Role.SYSTEM}),
        basis=law.notify_basis,
        payload=NotificationPayload,
        guards=(_notification_guard(law),),
        effects=_notification,
        correctable=True,
        unassigned_roles=frozenset({Role.SYSTEM}),
    )


class LateJustificationPayload(Payload):
    sido_code: str
    justification: Text = Field(description="'지체 없이' 기한을 넘긴 정당한 사유")


def justify_late_notification(sources: tuple[str, ...], law: KindLaw) -> Action:
    def guard(view: ProcedureView, payload: LateJustificationPayload) -> list[Unmet]:
        party, unmet = _party(view, payload.sido_code, law.notify_basis)
        notification = view.fact("governor_notification", party) if party else None
        if not unmet and (notification is None or not notification.data["late"]):
            unmet.append(
                Unmet(
                    "notification_not_late",
                    law.notify_basis,
                    f"{party_name(party, view.today)}에 대한 통보는 늦지 않았습니다",
                )
            )
        return unmet

    return Action(
        trigger="justify_late_notification",
        label="통보 지연 사유 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=law.notify_basis,
        payload=LateJustificationPayload,
        guards=(guard,),
        effects=lambda view, p: [
            RecordFact(
                "late_justification",
                {"justification": p.justification},
                subject=_party(view, p.sido_code, "")[0],
            )
        ],
        correctable=True,
    )


def governors_notified(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        return _governors_notified(view, law.notify_basis)

    return guard


def _governors_notified(view: ProcedureView, basis: str) -> list[Unmet]:
    unmet = []
    due = notification_due(view)
    for party in governors_to_notify(view):
        notification = view.fact("governor_notification", party)
        name = party_name(party, view.today)
        if notification is None:
            unmet.append(
                Unmet(
                    "governor_not_notified", basis, f"{name}에게 통보한 기록(발송 시각·경로·번호)이 없습니다"
                )
            )
        elif notification.data["late"] and view.fact("late_justification", party) is None:
            unmet.append(
                Unmet(
                    "late_notification_unjustified",
                    basis,
                    f"{name} 통보가 '지체 없이' 기한({format_date_ko(due) if due else '-'})보다 늦었으므로 사유를 기록해야 합니다",
                )
            )
    return unmet


def confirm_notification(
    sources: tuple[str, ...],
    dest: str,
    cluster_status: str | None,
    law: KindLaw,
    *,
    also: Effects | None = None,
) -> Action:
    """``cluster_status``: what the cluster becomes (None: unchanged); a partial release leaves it designated."""

    def effects(view: ProcedureView, _payload: object) -> list[Write]:
        notice = view.fact("notice_content", NOTICE)
        effective = date.fromisoformat(notice.data["designation_date"]) if notice else view.today
        scope = view.fact("release_scope")
        partial = scope is not None and scope.data["scope"] == "partial"
        writes: list[Write] = []
        if cluster_status is not None and not partial:
            writes.append(SetClusterStatus(cluster_status, effective))
        for party in governors_to_notify(view) if law.at(view).has_inspection else ():
            # The governor's follow-up duty (법 제9조④ or as applied) is kept as a deadline from the day it
            # was notified.
            notified = to_kst(parse_instant(view.fact("governor_notification", party).data["sent_at"])).date()
            rule = DueRule("civil", notified, INSPECTION_DAYS, label="통보일")
            writes.append(OpenDeadline("public_inspection", rule, subject=party, basis=law.inspection_basis))
        return writes + (also(view, _payload) if also else [])

    return Action(
        trigger="confirm_notification",
        label="통보 완료 확인",
        sources=sources,
        dest=dest,
        roles=frozenset({Role.CLERK, Role.SYSTEM}),
        basis=law.notify_basis,
        guards=(governors_notified(law),),
        effects=effects,
        unassigned_roles=frozenset({Role.SYSTEM}),
    )


class InspectionPayload(Payload):
    sido_code: str
    starts_on: date = Field(description="열람 시작일 (그날 0시부터)")
    ends_on: date = Field(description="열람 종료일")


def _inspection(view: ProcedureView, payload: InspectionPayload) -> list[Write]:
    party = governor_party(resolve_sido(payload.sido_code).on(view.today).code)
    minimum = compute_period(
        payload.starts_on,
        INSPECTION_DAYS,
        rule=PeriodRule.CIVIL,
        from_midnight=True,
        calendar=view.calendar,
        label="열람 시작일",
    )
    return [
        RecordFact(
            "inspection",
            {
                "starts_on": payload.starts_on.isoformat(),
                "ends_on": payload.ends_on.isoformat(),
                "minimum_end": minimum.end.isoformat(),
                "rule": minimum.explanation,
                "compliant": payload.ends_on >= minimum.end,
            },
            subject=party,
        ),
        CloseDeadline("public_inspection", party, "met" if payload.ends_on >= minimum.end else "missed"),
    ]


def record_inspection(sources: tuple[str, ...], law: KindLaw) -> Action:
    basis = law.inspection_basis or ""

    def guard(view: ProcedureView, payload: InspectionPayload) -> list[Unmet]:
        party, unmet = _party(view, payload.sido_code, basis)
        if payload.ends_on < payload.starts_on:
            unmet.append(Unmet("inspection_ends_before_start", basis, "열람 종료일이 시작일보다 앞섭니다"))
        notified = view.fact("governor_notification", party) if party else None
        if notified is not None:
            # procedure.md §2: the governor opens to residents what it was notified of, so not before that day.
            day = to_kst(parse_instant(notified.data["sent_at"])).date()
            if payload.starts_on < day:
                unmet.append(
                    Unmet(
                        "inspection_before_notification",
                        basis,
                        f"열람 시작일({format_date_ko(payload.starts_on)})이 통보일({format_date_ko(day)})보다 "
                        "앞섭니다",
                    )
                )
        return unmet

    return Action(
        trigger="record_inspection",
        label="주민 열람 기간 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        payload=InspectionPayload,
        guards=(guard,),
        effects=_inspection,
        correctable=True,
    )
