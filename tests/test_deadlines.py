"""Deadline rows opened and closed by the transitions (procedure.md §5), recomputed after a holiday override,
and reminders queued exactly once."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from gcworkflow import deadlines, holiday_overrides, queries
from gcworkflow.context import load_calendar
from gcworkflow.db.models import Deadline, OutboxMessage
from tests.support import (
    ADMIN,
    SEOUL,
    actor,
    committee_approves,
    fire,
    gumi_plan,
    notify_the_governor,
    on,
    open_gumi,
    publish_the_notice,
    signed,
    through_notice_signoff,
    to_committee,
)


def _deadlines(ctx, pid=None, status=None):
    with ctx.db.read() as session:
        query = select(Deadline).order_by(Deadline.id)
        if pid is not None:
            query = query.where(Deadline.procedure_id == pid)
        if status is not None:
            query = query.where(Deadline.status == status)
        return session.execute(query).scalars().all()


def _requested(ctx) -> int:
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions")
    return pid


def test_reply_by_is_a_fixed_deadline_closed_by_the_reply(ctx):
    pid = _requested(ctx)
    (row,) = _deadlines(ctx, pid)
    assert (row.kind, row.subject, row.status, row.fixed) == ("governor_reply", "governor:47", "open", True)
    # 민법: the day after 9. 23. counts; 30 days end on 10. 23. (a Friday), no roll-forward needed.
    assert row.due_on == date(2026, 10, 23)
    assert row.explanation == "요청일 2026. 9. 23. 다음 날부터 30일 → 2026. 10. 23. (금)"
    fire(ctx, pid, "record_governor_opinion", sido_code="47", received_on="2026-09-23", summary="동의")
    (row,) = _deadlines(ctx, pid)
    assert row.status == "met" and row.closed_on == date(2026, 9, 23)


def test_no_reply_marks_the_deadline_missed(ctx):
    pid = _requested(ctx)
    on(ctx, date(2026, 10, 26))
    fire(ctx, pid, "record_governor_no_reply", party="47", reason="유선 독촉에도 회신 없음")
    (row,) = _deadlines(ctx, pid)
    assert row.status == "missed"


def test_notice_target_and_notification_sla_and_inspection(ctx):
    pid = to_committee(ctx)
    on(ctx, date(2026, 9, 18))  # a Friday before 추석 (9. 24.–9. 26.)
    committee_approves(ctx, pid)
    target = next(d for d in _deadlines(ctx, pid) if d.kind == "notice_after_approval")
    # 10 working days after Fri 9. 18., skipping weekends, 추석 (9. 24.–26.) and 개천절's substitute (10. 5.).
    assert target.due_on == date(2026, 10, 7)
    on(ctx, date(2026, 10, 2))  # Friday; the next working day is Tue 10. 6. (10. 5. is 개천절 대체공휴일)
    # The notice is dated the day the gazette carries it (procedure.md §2).
    through_notice_signoff(ctx, pid)
    fire(ctx, pid, "register_notice_number", number="기후에너지환경부고시 제2026-41호")
    publish_the_notice(ctx, pid)  # in the gazette of 10. 2.
    sla = next(d for d in _deadlines(ctx, pid) if d.kind == "governor_notification")
    assert sla.due_on == date(2026, 10, 6)
    assert next(d for d in _deadlines(ctx, pid) if d.kind == "notice_after_approval").status == "met"
    on(ctx, date(2026, 10, 6))
    notify_the_governor(ctx, pid, "탈탄소녹색산업혁신과-1", sent_at="2026-10-06T09:30:00+09:00")
    fire(ctx, pid, "confirm_notification", "system")
    inspection = next(d for d in _deadlines(ctx, pid) if d.kind == "public_inspection")
    assert inspection.status == "open" and inspection.subject == "governor:47"
    assert next(d for d in _deadlines(ctx, pid) if d.kind == "governor_notification").status == "met"
    on(ctx, date(2026, 10, 12))
    fire(ctx, pid, "record_inspection", sido_code="47", starts_on="2026-10-12", ends_on="2026-10-23")
    inspection = next(d for d in _deadlines(ctx, pid) if d.kind == "public_inspection")
    assert inspection.status == "missed"  # 12 days: shorter than the 14 days of 법 제9조제4항


def test_override_recomputes_own_deadlines_and_flags_printed_dates(ctx):
    pid = to_committee(ctx)
    on(ctx, date(2026, 11, 2))
    committee_approves(ctx, pid)
    target = next(d for d in _deadlines(ctx, pid) if d.kind == "notice_after_approval")
    assert target.due_on == date(2026, 11, 16)  # 10 working days after Mon 11. 2.
    # A governor reply-by date that was printed in a letter: request a new round on a fresh procedure.
    other = _requested_second(ctx)
    reply = next(d for d in _deadlines(ctx, other) if d.kind == "governor_reply")
    holiday_overrides.add_holiday(ctx, actor(ADMIN), date(2026, 11, 10), "임시공휴일", "국무회의 의결 (시험)")
    holiday_overrides.add_holiday(ctx, actor(ADMIN), reply.due_on, "임시공휴일", "국무회의 의결 (시험)")
    target = next(d for d in _deadlines(ctx, pid) if d.kind == "notice_after_approval")
    assert target.due_on == date(2026, 11, 17)
    assert "다시 계산했습니다" in target.note
    fixed = next(d for d in _deadlines(ctx, other) if d.kind == "governor_reply")
    assert fixed.due_on == reply.due_on and "바꾸지 않았습니다" in fixed.note
    events = [e for e in _system_events(ctx) if e["trigger"] == "add_holiday"]
    assert events[0]["payload"]["effects"]["recomputed"][0]["moved"] is True


def _requested_second(ctx) -> int:
    from gcworkflow import clusters, engine
    from tests.support import CLERK

    cid = clusters.register_cluster(ctx, actor(CLERK), "태양광 사용후 패널 녹색융합클러스터")
    pid = engine.open_procedure(
        ctx, actor(CLERK), "designation", cluster_id=cid, approver="park"
    ).procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan() | {"name": "태양광 사용후 패널 녹색융합클러스터"})
    signed(ctx, pid, "request_governor_opinions")
    return pid


def _system_events(ctx):
    from gcworkflow.canonical import loads
    from gcworkflow.db.models import AuditEvent

    with ctx.db.read() as session:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.chain == "system").order_by(AuditEvent.seq)
        )
        return [{"trigger": e.trigger, "payload": loads(e.payload)} for e in rows.scalars()]


def test_withdrawal_waives_open_deadlines(ctx):
    pid = _requested(ctx)
    signed(ctx, pid, "withdraw", reason="사업 철회")
    assert [d.status for d in _deadlines(ctx, pid)] == ["waived"]


def _planned(ctx) -> int:
    return deadlines.plan_due_reminders(ctx).total


def _outbox(ctx, kind="reminder"):
    with ctx.db.read() as session:
        return session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.recipient, OutboxMessage.subject)
            .where(OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        ).all()


def test_reminder_points_each_queued_once(ctx):
    pid = _requested(ctx)  # due Fri 10. 23.
    (row,) = _deadlines(ctx, pid)
    plan = [
        (date(2026, 10, 10), 0),
        (date(2026, 10, 16), 1),
        (date(2026, 10, 16), 0),
        (date(2026, 10, 18), 0),
        (date(2026, 10, 20), 1),
        (date(2026, 10, 22), 1),
        (date(2026, 10, 23), 1),
        (date(2026, 10, 25), 1),
        (date(2026, 10, 25), 0),
        (date(2026, 10, 26), 2),
    ]
    for day, expected in plan:
        on(ctx, day)
        assert _planned(ctx) == expected, day
    keys = [k for k, _, _ in _outbox(ctx)]
    assert keys == [f"reminder:{row.id}:{p}" for p in ("D-7", "D-3", "D-1", "D-0", "D+2", "D+3")]
    reminder = _outbox(ctx)[0]
    assert reminder.recipient == "user:kim" and reminder.subject.startswith(
        "[기한 D-7] 시·도지사 의견 회신 기한"
    )
    (escalation,) = _outbox(ctx, "escalation")
    assert escalation.recipient == "user:park"


def test_two_planners_at_once_queue_each_reminder_once(ctx):
    pids = [_requested(ctx)]
    on(ctx, date(2026, 10, 16))
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def run() -> None:
        barrier.wait()
        counts.append(_planned(ctx))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 1]
    with ctx.db.read() as session:
        assert session.execute(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "reminder")
        ).scalar() == len(pids)


def test_listing_orders_by_urgency_and_counts_working_days(ctx):
    pid = _requested(ctx)
    on(ctx, date(2026, 10, 16))
    with ctx.db.read() as session:
        (item,) = deadlines.open_deadlines(session, ctx.clock.today(), load_calendar(session), pid)
    assert item["days_left"] == 7 and item["working_days_left"] == 5


def test_stuck_procedure_is_listed(ctx):
    pid = open_gumi(ctx)
    ctx.clock.set(date(2026, 6, 1))
    with ctx.db.read() as session:
        stuck = deadlines.stuck_procedures(session, ctx.clock.now(), 30)
    assert [(s["id"], s["awaiting_signoff"]) for s in stuck] == [(pid, False)]
    assert queries.procedure_status(ctx, pid)["state"] == "drafting"
    # Waiting on the approver: still listed (nothing reminds the approver), and says so.
    fire(ctx, pid, "record_plan", content=gumi_plan())
    fire(ctx, pid, "propose", trigger="request_governor_opinions", payload={})
    ctx.clock.set(date(2026, 8, 1))
    with ctx.db.read() as session:
        stuck = deadlines.stuck_procedures(session, ctx.clock.now(), 30)
    assert [(s["id"], s["awaiting_signoff"]) for s in stuck] == [(pid, True)]


@pytest.mark.parametrize("day", [date(2026, 11, 10)])
def test_holiday_override_is_audited_and_listed(ctx, day):
    open_gumi(ctx)
    holiday_overrides.add_holiday(ctx, actor(ADMIN), day, "임시공휴일", "국무회의 의결 (시험)")
    listed = {d.day: d for d in holiday_overrides.list_year(ctx, 2026)}
    assert listed[day].source == "조정" and listed[date(2026, 7, 17)].name == "제헌절"
    holiday_overrides.remove_holiday(ctx, actor(ADMIN), day, "착오 입력")
    assert day not in {d.day for d in holiday_overrides.list_year(ctx, 2026)}
    assert [e["trigger"] for e in _system_events(ctx)][-2:] == ["add_holiday", "remove_holiday"]
    assert SEOUL  # the clock's zone is the one the dates above are read in
