"""행정예고 before a notice (행정절차법 제46조; procedure.md §2, an optional step): the ministry may announce the
notice in advance, for 20 days or more unless there is a special reason (③); opinions submitted meanwhile are
recorded (제47조), and a notice announced in advance is not signed off before the period has ended.

Optional: a procedure that never announces one is not held to it. Offered on every kind's notice stage.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from gcworkflow.calendar import DueRule, compute_due, format_date_ko
from gcworkflow.errors import Unmet
from gcworkflow.procedures.common import Payload, Text, not_after_today
from gcworkflow.procedures.spec import Action, OpenDeadline, ProcedureView, RecordFact, Role, Write

ANNOUNCE = "행정절차법 제46조"
PERIOD = "행정절차법 제46조제3항"
OPINIONS = "행정절차법 제47조"


class AnnouncementPayload(Payload):
    announced_on: date = Field(description="행정예고일 (관보·누리집 게재일)")
    days: int | None = Field(default=None, ge=1, le=365, description="예고 기간(일); 비우면 운영방침 기본값")
    short_reason: Text | None = Field(
        default=None, description="20일보다 짧게 하는 특별한 사정 (제46조③ 단서)"
    )
    where: Text = Field(description="예고한 곳 (예: 관보 제21234호, 기후에너지환경부 누리집)")


def _announcement_guard(view: ProcedureView, payload: AnnouncementPayload) -> list[Unmet]:
    unmet = not_after_today(view, payload.announced_on, "행정예고일", ANNOUNCE, "announcement_in_future")
    days = payload.days or view.policy.administrative_notice_days
    if days < 20 and not payload.short_reason:
        unmet.append(
            Unmet(
                "announcement_too_short",
                PERIOD,
                f"행정예고 기간 {days}일은 20일보다 짧습니다: 특별한 사정을 적으십시오",
            )
        )
    return unmet


def _announce(view: ProcedureView, payload: AnnouncementPayload) -> list[Write]:
    days = payload.days or view.policy.administrative_notice_days
    # "N일 이상" counted by the 민법 rules from the day after the announcement (행정기본법 제6조①).
    rule = DueRule("civil", payload.announced_on, days, label="행정예고일")
    ends, explanation = compute_due(rule, view.calendar)
    return [
        RecordFact(
            "administrative_notice",
            {
                **payload.model_dump(mode="json"),
                "days": days,
                "ends_on": ends.isoformat(),
                "rule": explanation,
            },
        ),
        OpenDeadline("administrative_notice", rule),
    ]


class AnnouncementOpinionPayload(Payload):
    received_on: date
    submitted_by: Text = Field(description="의견 제출자 (개인은 성명 대신 구분만: 예 '주민', '관련 단체')")
    summary: Text
    response: Text | None = Field(default=None, description="반영 여부와 그 이유")


def _opinion_guard(view: ProcedureView, payload: AnnouncementOpinionPayload) -> list[Unmet]:
    announced = view.fact("administrative_notice")
    if announced is None:
        return [
            Unmet(
                "announcement_missing", OPINIONS, "행정예고를 하지 않았으므로 예고 의견을 기록할 수 없습니다"
            )
        ]
    unmet = not_after_today(view, payload.received_on, "접수일", OPINIONS, "received_in_future")
    start = date.fromisoformat(announced.data["announced_on"])
    if payload.received_on < start:
        unmet.append(
            Unmet(
                "received_before_announcement",
                OPINIONS,
                f"접수일({format_date_ko(payload.received_on)})이 행정예고일({format_date_ko(start)})보다 앞섭니다",
            )
        )
    return unmet


def period_over(view: ProcedureView, _payload: object) -> list[Unmet]:
    """A notice announced in advance is signed off only once the announced period has ended."""
    announced = view.fact("administrative_notice")
    if announced is None:
        return []
    ends = date.fromisoformat(announced.data["ends_on"])
    if view.today <= ends:
        return [
            Unmet(
                "announcement_period_running",
                PERIOD,
                f"행정예고 기간이 {format_date_ko(ends)}까지입니다. 기간이 끝난 뒤 고시문을 결재하십시오",
            )
        ]
    return []


def actions(sources: tuple[str, ...]) -> tuple[Action, ...]:
    return (
        Action(
            trigger="announce_notice",
            label="행정예고",
            sources=sources,
            dest=None,
            roles=frozenset({Role.CLERK}),
            basis=ANNOUNCE,
            payload=AnnouncementPayload,
            guards=(_announcement_guard,),
            effects=_announce,
            correctable=True,
        ),
        Action(
            trigger="record_announcement_opinion",
            label="행정예고 의견 기록",
            sources=sources,
            dest=None,
            roles=frozenset({Role.CLERK}),
            basis=OPINIONS,
            payload=AnnouncementOpinionPayload,
            guards=(_opinion_guard,),
            effects=lambda view, p: [
                RecordFact(
                    "announcement_opinion",
                    p.model_dump(mode="json"),
                    subject=f"{p.received_on}:{p.submitted_by}",
                )
            ],
            correctable=True,
        ),
    )
