"""Deadlines the engine keeps (procedure.md §5) and reminders that are queued exactly once.

A deadline row records its due date, the rule and inputs that computed it, a one-line Korean explanation, the
calendar version and its status (open / met / missed / waived). Transitions open and close them through the
engine (``OpenDeadline`` / ``CloseDeadline`` writes). When a holiday override changes the calendar, the
engine's own open deadlines are recomputed; a date already printed in a sent letter is flagged, never moved.

Reminders are planned by one set-based statement per kind over all open deadlines: ``INSERT … SELECT …
ON CONFLICT (dedupe_key) DO NOTHING`` with a key per deadline and reminder point, so a re-run, a retry or two
planners at once can never queue a reminder twice. The point is the latest one reached (D-7, D-3, D-1, D-0,
then D+1, D+2 … daily), so a sweep that did not run for a few days still sends the current one, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, case, cast, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from gcworkflow.calendar import DueRule, HolidayCalendar, compute_due, format_date_ko_weekday
from gcworkflow.context import Context
from gcworkflow.db import runs
from gcworkflow.db.models import Deadline, OutboxMessage, Procedure, Proposal, User


def rule_of(row: Any) -> DueRule:
    return DueRule(
        row.method, row.base_on, row.amount, row.unit, row.from_midnight, _label_of(row.explanation)
    )


def _label_of(explanation: str) -> str:
    # The explanation starts with the label of the base date ("요청일 2026. 9. 23. …"); reuse it when recomputing.
    return explanation.split(" ", 1)[0] if explanation else "기산일"


# --- recomputation after a holiday override ----------------------------------------------------------


@dataclass(frozen=True)
class Recomputed:
    deadline_id: int
    procedure_id: int | None
    kind: str
    subject: str
    old_due: date
    new_due: date
    moved: bool  # False: a fixed date, flagged for the clerk instead

    def as_dict(self) -> dict[str, Any]:
        return {
            "deadline": self.deadline_id,
            "procedure": self.procedure_id,
            "kind": self.kind,
            "subject": self.subject,
            "old_due": self.old_due,
            "new_due": self.new_due,
            "moved": self.moved,
        }


def recompute_open(session: Session, calendar: HolidayCalendar, reason: str) -> list[Recomputed]:
    """Recompute every open deadline computed from a period; move the engine's own, flag the fixed ones."""
    changed: list[Recomputed] = []
    rows = (
        session.execute(select(Deadline).where(Deadline.status == "open", Deadline.method != "date"))
        .scalars()
        .all()
    )
    for row in rows:
        due, explanation = compute_due(rule_of(row), calendar)
        if due == row.due_on:
            if row.fixed and row.note:
                row.note = f"{reason}: 다시 계산한 기한이 발송한 문서에 적힌 날짜와 다시 같아졌습니다."
            continue
        item = Recomputed(
            row.id, row.procedure_id, row.kind, row.subject, row.due_on, due, moved=not row.fixed
        )
        if row.fixed:
            row.note = (
                f"{reason}: 다시 계산하면 {format_date_ko_weekday(due)}이지만 발송한 문서에 적힌 기한 "
                f"{format_date_ko_weekday(row.due_on)}은 바꾸지 않았습니다. 정정 문서 발송을 검토하십시오."
            )
        else:
            row.note = f"{reason}: 기한을 {format_date_ko_weekday(row.due_on)}에서 {format_date_ko_weekday(due)}로 다시 계산했습니다."
            row.due_on, row.explanation, row.calendar_version = due, explanation, calendar.version
        changed.append(item)
    return changed


# --- reminders ----------------------------------------------------------------------------------------


def _days_left(due: ColumnElement[date], today: date, dialect: str) -> ColumnElement[int]:
    if dialect == "postgresql":
        return cast(due - literal(today), Integer)
    return cast(func.julianday(due) - func.julianday(literal(today.isoformat())), Integer)


# Deadlines a year or more away (the next basic plan, 법 제6조①; the fact-finding survey, 영 제4조②) are
# reminded monthly from a year before (procedure.md §5), then at the usual points.
LONG_RANGE = ("next_basic_plan", "fact_finding_survey")
LONG_RANGE_DAYS = 365


def _point(days_left: ColumnElement[int], offsets: Sequence[int]) -> ColumnElement[str]:
    """The latest reminder point reached: D-7 while 7…4 days are left, D-3 at 3…2, D-1, D-0, then D+n; for a
    long-range deadline, before those, one point a month (D-360, D-330 …)."""
    ordered = sorted({o for o in offsets if o > 0}, reverse=True)
    horizon = ordered[0] if ordered else 0
    whens = [(days_left > horizon, literal("D-") + cast((days_left + 29) // 30 * 30, String))]
    for index, offset in enumerate(ordered):
        floor = ordered[index + 1] + 1 if index + 1 < len(ordered) else 1
        whens.append((days_left.between(floor, offset), literal(f"D-{offset}")))
    whens.append((days_left == 0, literal("D-0")))
    return case(*whens, else_=literal("D+") + cast(-days_left, String))


def _insert(dialect: str):
    return (postgresql if dialect == "postgresql" else sqlite).insert(OutboxMessage.__table__)


@dataclass(frozen=True)
class Planned:
    reminders: int
    escalations: int

    @property
    def total(self) -> int:
        return self.reminders + self.escalations


def plan_reminders(
    session: Session, today: date, now: datetime, offsets: Sequence[int], escalate_after: int
) -> Planned:
    """Queue every reminder and escalation due today that is not queued yet; says how many were queued."""
    dialect = session.get_bind().dialect.name
    dt, pt = Deadline.__table__, Procedure.__table__
    d, p = dt.c, pt.c
    clerk, approver = User.__table__.alias("clerk"), User.__table__.alias("approver")
    left = _days_left(d.due_on, today, dialect)
    horizon = max([o for o in offsets if o > 0] or [0])
    point = _point(left, offsets)
    payload = (
        literal('{"deadline_id":')
        + cast(d.id, String)
        + literal(',"point":"')
        + point
        + literal('","due_on":"')
        + cast(d.due_on, String)
        + literal('"}')
    )
    reminders = (
        select(
            literal("reminder:") + cast(d.id, String) + literal(":") + point,
            d.procedure_id,
            literal("reminder"),
            literal("user:") + clerk.c.username,
            literal("[기한 ") + point + literal("] ") + d.label + literal(" — ") + p.title,
            d.label
            + literal(" 기한: ")
            + cast(d.due_on, String)
            + literal("\n계산: ")
            + d.explanation
            + literal("\n근거: ")
            + d.basis
            + literal("\n절차: ")
            + p.title,
            payload,
            literal("pending"),
            literal(0),
            literal(now),
            literal(now),
            d.id,
        )
        .select_from(dt.join(pt, p.id == d.procedure_id).join(clerk, clerk.c.id == p.clerk_id))
        .where(
            d.status == "open",
            or_(
                d.due_on <= literal(date.fromordinal(today.toordinal() + horizon)),
                d.kind.in_(LONG_RANGE)
                & (d.due_on <= literal(date.fromordinal(today.toordinal() + LONG_RANGE_DAYS))),
            ),
        )
    )
    escalations = (
        select(
            literal("escalation:") + cast(d.id, String),
            d.procedure_id,
            literal("escalation"),
            literal("user:") + approver.c.username,
            literal("[기한 경과 보고] ") + d.label + literal(" — ") + p.title,
            d.label
            + literal(" 기한 ")
            + cast(d.due_on, String)
            + literal("이 지났습니다 (담당 ")
            + clerk.c.username
            + literal(").\n근거: ")
            + d.basis
            + literal("\n절차: ")
            + p.title,
            literal('{"deadline_id":') + cast(d.id, String) + literal(',"point":"escalation"}'),
            literal("pending"),
            literal(0),
            literal(now),
            literal(now),
            d.id,
        )
        .select_from(
            dt.join(pt, p.id == d.procedure_id)
            .join(clerk, clerk.c.id == p.clerk_id)
            .join(approver, approver.c.id == p.approver_id)
        )
        .where(d.status == "open", d.due_on <= literal(date.fromordinal(today.toordinal() - escalate_after)))
    )
    columns = [
        "dedupe_key",
        "procedure_id",
        "kind",
        "recipient",
        "subject",
        "body",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "created_at",
        "deadline_id",
    ]
    queued: dict[str, int] = {}
    for kind, query in (("reminders", reminders), ("escalations", escalations)):
        statement = (
            _insert(dialect)
            .from_select(columns, query)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(OutboxMessage.__table__.c.id)  # INSERT … SELECT's rowcount is not portable
        )
        queued[kind] = len(session.execute(statement).all())
    return Planned(**queued)


# --- reading ------------------------------------------------------------------------------------------


def close_deadlines(
    session: Session,
    procedure_id: int,
    kind: str | None,
    subject: str | None,
    outcome: str | None,
    on: date,
    event_id: int,
) -> int:
    d = Deadline.__table__.c
    conditions = [d.procedure_id == procedure_id, d.status == "open"]
    if kind is not None:
        conditions.append(d.kind == kind)
    if subject is not None:
        conditions.append(d.subject == subject)
    status = (
        literal(outcome)
        if outcome
        else case((d.due_on >= literal(on), literal("met")), else_=literal("missed"))
    )
    return (
        session.execute(
            update(Deadline.__table__)
            .where(*conditions)
            .values(status=status, closed_on=on, closed_event_id=event_id)
        ).rowcount
        or 0
    )


def open_deadlines(
    session: Session, today: date, calendar: HolidayCalendar, procedure_id: int | None = None
) -> list[dict[str, Any]]:
    """Open deadlines, most urgent first, with calendar and working days left (negative when overdue)."""
    dt, pt = Deadline.__table__, Procedure.__table__
    d, p = dt.c, pt.c
    query = (
        select(
            d.id,
            d.procedure_id,
            p.title,
            d.kind,
            d.subject,
            d.label,
            d.basis,
            d.due_on,
            d.explanation,
            d.fixed,
            d.note,
            d.calendar_version,
        )
        .select_from(dt.outerjoin(pt, p.id == d.procedure_id))
        .where(d.status == "open")
        .order_by(d.due_on, d.id)
    )
    if procedure_id is not None:
        query = query.where(d.procedure_id == procedure_id)
    return [
        {
            **row._asdict(),
            "days_left": (row.due_on - today).days,
            "working_days_left": calendar.working_days_between(today, row.due_on),
        }
        for row in session.execute(query)
    ]


def stuck(now: datetime, days: int) -> tuple[ColumnElement[bool], ...]:
    """What makes an open procedure look stuck (VA Caseflow's "potentially stuck"): no open deadline and no
    action for ``days`` days, so nothing will remind anybody of it. As conditions on ``procedures``, for the
    dashboard's filter too."""
    d, p = Deadline.__table__.c, Procedure.__table__.c
    waiting = select(d.id).where(d.procedure_id == p.id, d.status == "open").exists()
    return p.closed_at.is_(None), ~waiting, p.last_action_at < now - timedelta(days=days)


def stuck_procedures(
    session: Session, now: datetime, days: int, *, limit: int | None = None
) -> list[dict[str, Any]]:
    """The :func:`stuck` procedures, longest idle first (``limit``: only so many). One waiting for the
    approver's sign-off of a proposal is marked ``awaiting_signoff`` (the approver is not reminded either, but
    the listing should say who holds it)."""
    p, q = Procedure.__table__.c, Proposal.__table__.c
    awaiting_signoff = (
        select(q.id)
        .where(q.procedure_id == p.id, q.status == "pending", q.procedure_version == p.version)
        .exists()
    )
    rows = session.execute(
        select(p.id, p.title, p.state, p.last_action_at, awaiting_signoff.label("awaiting_signoff"))
        .where(*stuck(now, days))
        .order_by(p.last_action_at, p.id)
        .limit(limit)
    )
    return [{**row._asdict(), "idle_days": (now - row.last_action_at).days} for row in rows]


def plan_due_reminders(ctx: Context) -> Planned:
    """The planner as the sweep runs it: one write transaction over every open deadline."""
    settings = ctx.settings
    with ctx.db.write() as session:
        planned = plan_reminders(
            session,
            ctx.clock.today(),
            ctx.clock.now(),
            settings.reminder_offsets,
            settings.escalate_after_days,
        )
        # In the same transaction: the sweep is seen to have run (/metrics) exactly when its planning committed.
        runs.record_success(session, runs.DEADLINE_SWEEP, ctx.clock.now())
        return planned
