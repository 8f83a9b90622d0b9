"""The outbox without Prefect: `gcworkflow.notify.dispatch` sending to a real SMTP server (aiosmtpd), on both
databases. What a recipient reads (Korean subject and body, the PDF), what the row records, and what happens
when the server is down, refuses, or an address or a PDF is missing."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from gcworkflow import automation, contacts, deadlines
from gcworkflow.calendar import format_date_ko
from gcworkflow.cli import app
from gcworkflow.db.models import AuditEvent, Deadline, OutboxMessage, Procedure
from gcworkflow.notify import dispatch, requeue
from gcworkflow.procedures.deadline_kinds import TO_DO
from tests.notify import (
    CONTACTS,
    EMAILS,
    GOVERNOR,
    TITLE,
    facts,
    letter_row,
    opinion_letter,
    published,
    queue_messages,
    ready,
    row,
    rows,
    set_user_emails,
)
from tests.notify.smtp import SmtpServer
from tests.support import ADMIN, APPROVER, CLERK, actor, advance, fire, on, open_gumi

GOVERNOR_EMAIL = CONTACTS[GOVERNOR]


@pytest.fixture
def mail(ctx, smtp_server: SmtpServer):
    """The context with the office block, the local number series and the SMTP channel to the test server."""
    return ready(ctx, smtp_server)


def _reply_by(ctx, pid: int) -> date:
    (request,) = [f for f in facts(ctx, pid, "consultation_request") if f["subject"] == GOVERNOR]
    return date.fromisoformat(request["reply_by"])


def test_letter_reaches_the_governor_with_its_pdf(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    pid = opinion_letter(ctx)
    (issued,) = automation.issue_documents(ctx, pid).issued
    report = dispatch(ctx)
    assert (report.claimed, report.sent, report.failed, report.waiting) == (1, 1, 0, 0)

    (received,) = smtp_server.received
    assert received.rcpt_tos == (GOVERNOR_EMAIL,) and received.to == [GOVERNOR_EMAIL]
    assert received.mail_from == ctx.settings.mail_from
    assert received.subject == f"[의견조회] {TITLE}"
    reply_by = format_date_ko(_reply_by(ctx, pid))
    body = received.body
    for expected in (
        "수신: 경상북도지사",
        TITLE,
        f"{reply_by}까지 회신하여 주시기 바랍니다",
        f"첨부: {issued.title}.pdf",
    ):
        assert expected in body, (expected, body)
    # The attachments are the letter as issued and the 조성계획(요약) its 붙임 line promises: the same bytes as
    # the store's, and the enclosure the one the letter's document_issued lists with its hash.
    (letter_file, enclosure_file) = received.attachments
    (enclosure,) = issued.enclosures
    assert letter_file == (f"{issued.title}.pdf", "application/pdf", ctx.store.get(issued.sha256))
    assert enclosure_file == (f"{enclosure.title}.pdf", "application/pdf", ctx.store.get(enclosure.sha256))
    assert hashlib.sha256(enclosure_file[2]).hexdigest() == enclosure.sha256
    (recorded,) = [f for f in facts(ctx, pid, "document_issued") if f["document"] == "opinion_request"]
    assert recorded["enclosures"] == [enclosure.listed()]
    text = received.pdf_text(0)
    for expected in (
        "경상북도지사",
        "의견 조회",
        reply_by,
        issued.number,
        "기후에너지환경부장관",
        "조성계획(요약)",
    ):
        assert expected in text, expected
    summary = received.pdf_text(1)
    for expected in (
        "조성계획(요약)",
        "33,000㎡",
        "490억원 (국비 343억원, 지방비 147억원)",
        "한국환경산업기술원",
    ):
        assert expected in summary, expected

    letter = letter_row(ctx, pid, "opinion_request")
    assert letter["status"] == "sent" and letter["attempts"] == 1 and not letter["resent"]
    assert letter["message_id"] == received.message_id
    assert received.message_id.startswith(f"<gcw.{letter['id']}.") and received.message_id.endswith(
        "@test.example.kr>"
    )
    assert letter["address"] == GOVERNOR_EMAIL and letter["server_reply"].startswith("250")
    assert letter["sent_at"] == ctx.clock.now()
    # Nothing is sent twice by running again.
    assert dispatch(ctx).claimed == 0
    assert smtp_server.counts() == (1, 1)


def test_reminders_say_what_is_due_by_when_and_what_to_do(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    pid = opinion_letter(ctx)
    set_user_emails(ctx)
    due = _reply_by(ctx, pid)
    on(ctx, due + timedelta(days=3))  # overdue by 3 days: the clerk's reminder and the approver's escalation
    planned = deadlines.plan_due_reminders(ctx)
    assert (planned.reminders, planned.escalations) == (1, 1)
    report = dispatch(ctx)
    assert report.sent == 2 and report.waiting == 1  # the opinion letter still waits for its PDF

    (reminder,) = smtp_server.to(EMAILS[CLERK])
    assert reminder.subject == f"[기한 D+3] 시·도지사 의견 회신 기한 — {TITLE}"
    body = reminder.body
    for expected in (
        f"시·도지사 의견 회신 기한 기한: {due.isoformat()}",  # what is due, by when
        f"절차: {TITLE}",  # which procedure
        f"할 일: {TO_DO['governor_reply']}",  # what to do
        "근거: 의견조회 문서에 적은 기한",
    ):
        assert expected in body, (expected, body)
    assert not reminder.attachments

    (escalation,) = smtp_server.to(EMAILS[APPROVER])
    assert escalation.subject == f"[기한 경과 보고] 시·도지사 의견 회신 기한 — {TITLE}"
    assert f"기한 {due.isoformat()}이 지났습니다 (담당 {CLERK})" in escalation.body
    assert "할 일: " in escalation.body

    # The same day's sweep queues nothing new; the next day's reminder is a new message.
    assert deadlines.plan_due_reminders(ctx).total == 0
    advance(ctx, 1)
    assert deadlines.plan_due_reminders(ctx).reminders == 1
    dispatch(ctx)
    assert [r.subject.split("]")[0] for r in smtp_server.to(EMAILS[CLERK])] == ["[기한 D+3", "[기한 D+4"]
    assert smtp_server.counts() == (3, 3)


def test_letter_waits_for_its_pdf_without_an_attempt(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    pid = opinion_letter(ctx)
    for _ in range(2):
        report = dispatch(ctx)
        assert (report.claimed, report.waiting, report.sent, report.failed) == (1, 1, 0, 0)
    letter = letter_row(ctx, pid, "opinion_request")
    assert letter["status"] == "pending" and letter["attempts"] == 0
    assert letter["last_error"].startswith("문서 발행 대기: opinion_request:1:governor:47")
    assert smtp_server.received == []

    automation.issue_documents(ctx, pid)
    assert dispatch(ctx).sent == 1
    letter = letter_row(ctx, pid, "opinion_request")
    assert letter["status"] == "sent" and letter["attempts"] == 1 and letter["last_error"] is None
    assert len(smtp_server.received[0].attachments) == 2  # the letter and its 조성계획(요약)


def test_server_down_backs_off_then_dead_then_requeued(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    ctx.settings = ctx.settings.model_copy(update={"outbox_max_attempts": 3, "outbox_backoff_seconds": 60})
    pid = opinion_letter(ctx)
    automation.issue_documents(ctx, pid)
    letter_id = letter_row(ctx, pid, "opinion_request")["id"]
    smtp_server.stop()

    for attempt, backoff in ((1, 60), (2, 120)):
        report = dispatch(ctx)
        assert (report.failed, report.dead) == (1, 0)
        item = row(ctx, letter_id)
        assert item["status"] == "pending" and item["attempts"] == attempt
        assert "SMTP 발송 실패" in item["last_error"]
        assert item["next_attempt_at"] == ctx.clock.now() + timedelta(seconds=backoff)  # 60 s × 2ⁿ⁻¹
        ctx.clock.advance(timedelta(seconds=backoff - 1))
        assert dispatch(ctx).claimed == 0  # still backing off
        ctx.clock.advance(timedelta(seconds=1))

    report = dispatch(ctx)
    assert (report.failed, report.dead) == (1, 1)
    assert row(ctx, letter_id)["status"] == "dead" and row(ctx, letter_id)["attempts"] == 3
    advance(ctx, 30)
    assert dispatch(ctx).claimed == 0  # dead stays dead until an admin re-queues it

    smtp_server.start()
    with ctx.db.write() as session:
        assert requeue(session, None, ctx.clock.now()) == [letter_id]
    item = row(ctx, letter_id)
    assert item["status"] == "pending" and item["attempts"] == 0
    assert dispatch(ctx).sent == 1
    assert row(ctx, letter_id)["status"] == "sent"
    assert smtp_server.counts() == (1, 1)


def test_refused_message_is_retried_and_dies_after_max_attempts(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    ctx.settings = ctx.settings.model_copy(update={"outbox_max_attempts": 2})
    (outbox_id,) = queue_messages(ctx, 1)
    smtp_server.inbox.reject = "554 5.7.1 Message rejected"
    dispatch(ctx)
    ctx.clock.advance(timedelta(seconds=ctx.settings.outbox_backoff_seconds))
    report = dispatch(ctx)
    assert report.dead == 1
    item = row(ctx, outbox_id)
    assert item["status"] == "dead" and item["attempts"] == 2
    assert item["last_error"].startswith("서버가 메시지를 받지 않았습니다: 554")
    smtp_server.inbox.reject = None
    with ctx.db.write() as session:
        assert requeue(session, [outbox_id], ctx.clock.now()) == [outbox_id]
        assert requeue(session, [outbox_id], ctx.clock.now()) == []  # only dead ones
    assert dispatch(ctx).sent == 1 and smtp_server.counts() == (1, 1)


def test_missing_address_names_the_command_that_sets_it(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    pid = opinion_letter(ctx, with_contacts=False)
    automation.issue_documents(ctx, pid)
    report = dispatch(ctx)
    assert report.failed == 1 and report.sent == 0
    (error,) = report.errors
    assert "governor:47의 전자우편 주소가 없습니다" in error
    assert "gcw --as 관리자 contacts set governor:47 --email" in error
    item = letter_row(ctx, pid, "opinion_request")
    assert item["status"] == "pending" and item["attempts"] == 1
    assert "contacts set governor:47" in item["last_error"]

    # A reminder to a clerk registered without an address says where the address is given.
    with ctx.db.read() as session:
        due = session.execute(select(Deadline.due_on).where(Deadline.procedure_id == pid)).scalar_one()
    on(ctx, due)
    assert deadlines.plan_due_reminders(ctx).reminders == 1
    contacts.set_contact(ctx, actor(ADMIN), GOVERNOR, GOVERNOR_EMAIL)
    report = dispatch(ctx)
    assert report.sent == 1 and report.failed == 1
    assert any("user:kim의 전자우편 주소가 없습니다 (사용자 등록 때 --email" in e for e in report.errors)
    (received,) = smtp_server.received
    assert received.rcpt_tos == (GOVERNOR_EMAIL,)


def test_two_dispatchers_at_once_send_every_message_once(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    ids = queue_messages(ctx, 40)
    start = threading.Barrier(2)
    reports: dict[str, list] = {"a": [], "b": []}
    failures: list[BaseException] = []

    def dispatcher(name: str) -> None:
        try:
            start.wait()
            while (report := dispatch(ctx, limit=3, worker=f"test-{name}")).claimed:
                reports[name].append(report)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    sent = sum(r.sent for batch in reports.values() for r in batch)
    assert sent == 40 and all(r.failed == 0 for batch in reports.values() for r in batch)
    assert smtp_server.counts() == (40, 40)  # distinct Message-IDs, total received
    assert {r["status"] for r in rows(ctx)} == {"sent"} and len(rows(ctx)) == len(ids)
    assert {r.message_id for r in smtp_server.received} == {r["message_id"] for r in rows(ctx)}


def test_late_notification_is_left_for_the_clerk(mail, smtp_server: SmtpServer) -> None:
    """confirm_in_time confirms only when every governor was notified in time; a late one waits for the
    clerk's justification, and the letter is neither lost nor sent again meanwhile."""
    ctx = mail
    pid = published(ctx)
    advance(ctx, 7)  # the "지체 없이" SLA is one working day after the gazette
    report = automation.notify_governors(ctx, pid)
    assert report.recorded[pid] == [GOVERNOR]
    assert report.outcome[pid].startswith("late: ") and "사유 기록 필요" in report.outcome[pid]
    with ctx.db.read() as session:
        assert session.get(Procedure, pid).state == "governor_notification"
    (notification,) = facts(ctx, pid, "governor_notification")
    assert notification["late"] is True and notification["channel"] == "전자우편"
    (letter,) = smtp_server.to(GOVERNOR_EMAIL)[-1:]
    assert notification["message_id"] == letter.message_id

    again = automation.notify_governors(ctx, pid)
    assert again.recorded[pid] == [] and again.outcome[pid].startswith("late: ")
    assert len(facts(ctx, pid, "governor_notification")) == 1
    fire(ctx, pid, "justify_late_notification", sido_code="47", justification="메일 서버 점검")
    assert fire(ctx, pid, "confirm_notification").to_state == "designated"
    distinct, total = smtp_server.counts()
    assert distinct == total


def test_long_korean_subject_keeps_its_spaces(mail, smtp_server: SmtpServer) -> None:
    """A Korean subject is RFC 2047 encoded words; where it is folded, no space may be lost (CPython's header
    folder drops the one at a fold between two encoded words, gh-85725 family)."""
    ctx = mail
    (outbox_id,) = queue_messages(ctx, 1)
    subject = "[지정 결과 통보] 첨단 전자산업 자원순환 녹색융합클러스터"
    with ctx.db.write() as session:
        session.get(OutboxMessage, outbox_id).subject = subject
    assert dispatch(ctx).sent == 1
    assert smtp_server.received[0].subject == subject


def test_a_message_is_7bit_clean_or_declared_8bitmime(mail, smtp_server: SmtpServer) -> None:
    """SMTP carries 7-bit text unless the client declares `MAIL FROM:<…> BODY=8BITMIME` to a server that
    offers it (RFC 6152); a relay may otherwise refuse or mangle the Korean body."""
    ctx = mail
    queue_messages(ctx, 1)
    assert dispatch(ctx).sent == 1
    (received,) = smtp_server.received
    assert received.seven_bit or "BODY=8BITMIME" in received.mail_options


def test_retry_from_the_cli_is_an_audited_admin_action(mail, smtp_server: SmtpServer) -> None:
    """`gcw outbox retry`: the operator may not, an admin may; the re-queue is on the audit chain."""
    ctx = mail
    ctx.settings = ctx.settings.model_copy(update={"outbox_max_attempts": 1})
    open_gumi(ctx)  # the cast, admin included
    (outbox_id,) = queue_messages(ctx, 1)
    smtp_server.stop()
    assert dispatch(ctx).dead == 1
    env = {
        "GCW_DATABASE_URL": ctx.settings.resolved_database_url,
        "GCW_VAR_DIR": str(ctx.settings.var_dir),
        "GCW_NOW": ctx.clock.now().isoformat(),
        "GCW_USER": None,
    }
    refused = CliRunner().invoke(app, ["outbox", "retry", "--json"], env=env)
    assert refused.exit_code == 5 and row(ctx, outbox_id)["status"] == "dead"
    done = CliRunner().invoke(app, ["--as", ADMIN, "outbox", "retry", str(outbox_id), "--json"], env=env)
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout) == {"requeued": [outbox_id]}
    with ctx.db.read() as session:
        actor_of = session.execute(
            select(AuditEvent.actor).where(AuditEvent.trigger == "outbox_retry")
        ).scalar_one()
    assert actor_of == ADMIN
    smtp_server.start()
    assert dispatch(ctx).sent == 1 and smtp_server.counts() == (1, 1)


class Died(BaseException):
    """The dispatcher's process ending (power cut, kill -9) — not an error the dispatcher could handle."""


class DiesAfterAccept:
    """The SMTP channel, and the dispatcher dies right after the server accepted the first message."""

    name = "smtp"

    def __init__(self, settings) -> None:
        from gcworkflow.notify.channels import SmtpChannel

        self.inner = SmtpChannel(settings)

    def send(self, message) -> str:
        self.inner.send(message)
        raise Died

    def close(self) -> None:
        self.inner.close()


def test_lease_then_resent_with_the_same_message_id(mail, smtp_server: SmtpServer) -> None:
    """Service-level twin of test_faults' crash after the server's 250: the row stays `sending` for the lease,
    then goes again with the same Message-ID and says `resent`; nothing else is sent twice."""
    ctx = mail
    ctx.settings = ctx.settings.model_copy(update={"outbox_lease_seconds": 60})
    first, second = queue_messages(ctx, 2)
    with pytest.raises(Died):
        dispatch(ctx, channel=DiesAfterAccept(ctx.settings), worker="dead")
    assert smtp_server.counts() == (1, 1)
    assert [row(ctx, i)["status"] for i in (first, second)] == ["sending", "sending"]
    ctx.clock.advance(timedelta(seconds=59))
    assert dispatch(ctx).claimed == 0
    ctx.clock.advance(timedelta(seconds=2))
    report = dispatch(ctx)
    assert (report.claimed, report.sent) == (2, 2) and report.resent >= 1
    # (`second` was claimed in the same batch but never reached the server; the claim cannot tell the two
    # apart, so today it is flagged `resent` as well: a false "duplicate possible", not a lost or double mail.)
    accepted = smtp_server.received[0].message_id
    assert smtp_server.counts() == (2, 3) and smtp_server.message_ids()[accepted] == 2
    assert row(ctx, first)["message_id"] == accepted and row(ctx, first)["resent"] is True


def test_a_dispatch_longer_than_one_claim_sends_each_message_once(mail, smtp_server: SmtpServer) -> None:
    """Rows are claimed CLAIM_BATCH at a time and answers recorded in groups; two dispatchers with the default
    limit interleave their batches and still send every message once, each recorded with its own answer."""
    from gcworkflow.notify.outbox import CLAIM_BATCH

    ctx = mail
    count = 3 * CLAIM_BATCH + 7
    ids = queue_messages(ctx, count)
    start = threading.Barrier(2)
    reports = []

    def dispatcher(name: str) -> None:
        start.wait()
        reports.append(dispatch(ctx, limit=count, worker=f"test-{name}"))

    threads = [threading.Thread(target=dispatcher, args=(name,)) for name in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.sent for r in reports) == count and all(r.failed == 0 for r in reports)
    assert smtp_server.counts() == (count, count)
    recorded = rows(ctx)
    assert len(recorded) == len(ids) and {r["status"] for r in recorded} == {"sent"}
    assert all(r["attempts"] == 1 and not r["resent"] for r in recorded)
    assert {r.message_id for r in smtp_server.received} == {r["message_id"] for r in recorded}


def test_answers_accepted_before_a_failure_are_recorded(mail, smtp_server: SmtpServer) -> None:
    """The dispatcher stops abruptly after three messages: the two before are recorded as sent (their group is
    written on the way out), the third stays `sending` for the lease, the rest were never tried."""

    class DiesAtThird(DiesAfterAccept):
        sent = 0

        def send(self, message) -> str:
            self.sent += 1
            return self.inner.send(message) if self.sent < 3 else super().send(message)

    ctx = mail
    ids = queue_messages(ctx, 5)
    with pytest.raises(Died):
        dispatch(ctx, channel=DiesAtThird(ctx.settings), worker="dies")
    assert [row(ctx, i)["status"] for i in ids] == ["sent", "sent", "sending", "sending", "sending"]
    assert smtp_server.counts() == (3, 3)


def test_an_address_that_cannot_go_into_a_header_is_refused(mail, smtp_server: SmtpServer) -> None:
    ctx = mail
    (outbox_id,) = queue_messages(ctx, 1)
    with ctx.db.write() as session:
        session.get(OutboxMessage, outbox_id).recipient = "kim@me.example.kr\r\nBcc: all@example.kr"
    report = dispatch(ctx)
    assert (report.sent, report.failed) == (0, 1) and "올바르지 않습니다" in report.errors[0]
    assert smtp_server.counts() == (0, 0) and row(ctx, outbox_id)["status"] == "pending"


def test_a_batch_slower_than_half_its_lease_hands_the_rest_back(mail, smtp_server: SmtpServer) -> None:
    """A slow server must not let a claimed batch outlive its lease (another dispatcher would take the rows not
    yet sent, and both would send them): past half the lease the rest goes back and is claimed afresh."""
    from gcworkflow.notify.channels import SmtpChannel

    ctx = mail
    ctx.settings = ctx.settings.model_copy(update={"outbox_lease_seconds": 10})
    ids = queue_messages(ctx, 4)

    class SlowServer:
        """Each message takes 4 s of the dispatcher's clock, a server near its timeout."""

        name = "smtp"

        def __init__(self) -> None:
            self.inner = SmtpChannel(ctx.settings)

        def send(self, message) -> str:
            ctx.clock.advance(timedelta(seconds=4))
            return self.inner.send(message)

        def close(self) -> None:
            self.inner.close()

    start = ctx.clock.now()
    report = dispatch(ctx, channel=SlowServer())
    assert (report.claimed, report.sent, report.resent) == (4, 4, 0)
    assert smtp_server.counts() == (4, 4)
    assert all(row(ctx, i)["status"] == "sent" and not row(ctx, i)["resent"] for i in ids)
    with ctx.db.read() as session:
        claimed_at = session.execute(
            select(OutboxMessage.claimed_at).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
        ).scalars()
        # Two sent under the first claim; at 8 s of a 10 s lease the other two went back and were claimed again.
        assert [moment - start for moment in claimed_at] == [timedelta(0)] * 2 + [timedelta(seconds=8)] * 2
