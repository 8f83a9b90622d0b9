"""Notifications: scenarios the dispatch, fault and flow tests share.

Each helper walks a procedure through the engine (tests/support.py) to the point where real mail is queued:
a governor's opinion-request letter, a published notice awaiting the governors' notification, overdue deadlines.
The mail goes to the aiosmtpd server of tests/notify/smtp.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update

from gcworkflow import automation, contacts
from gcworkflow.canonical import canonical_text, loads
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, Fact, OutboxMessage, User
from gcworkflow.notify import list_outbox
from tests.notify.smtp import SmtpServer
from tests.support import (
    ADMIN,
    APPROVER,
    CLERK,
    OFFICE,
    actor,
    committee_approves,
    fire,
    gumi_plan,
    open_gumi,
    publish_the_notice,
    signed,
    through_notice_signoff,
    to_committee,
)

GOVERNOR = "governor:47"
CONTACTS = {
    GOVERNOR: "env-policy@gyeongbuk.example.kr",
    "ministry:산업통상부": "industry@motie.example.kr",
    "ministry:국토교통부": "land@molit.example.kr",
}
EMAILS = {CLERK: "kim@me.example.kr", APPROVER: "park@me.example.kr"}
TITLE = "첨단 전자산업 자원순환 녹색융합클러스터 지정"


def mail_settings(smtp: SmtpServer) -> dict[str, Any]:
    """What the letters and the SMTP channel need: the office block, the local number series, the server."""
    return {**OFFICE, "notice_numbering": "local", **smtp.settings()}


def ready(ctx: Context, smtp: SmtpServer, **extra: Any) -> Context:
    ctx.settings = ctx.settings.model_copy(update={**mail_settings(smtp), **extra})
    return ctx


def env(ctx: Context, smtp: SmtpServer) -> dict[str, str]:
    """The same settings as GCW_ variables, for a `gcw` subprocess or a flow (which read the environment)."""
    values = {
        **{k: str(v) for k, v in mail_settings(smtp).items()},
        "database_url": ctx.settings.resolved_database_url,
        "var_dir": str(ctx.settings.var_dir),
        "outbox_max_attempts": str(ctx.settings.outbox_max_attempts),
        "outbox_backoff_seconds": str(ctx.settings.outbox_backoff_seconds),
        "outbox_lease_seconds": str(ctx.settings.outbox_lease_seconds),
        # The session's 예시 authority (tests/conftest.py): the subprocess signs what it issues with it too.
        "signing_certificate": str(ctx.settings.signing_certificate),
        "signing_passphrase": ctx.settings.signing_passphrase.get_secret_value(),
        "signing_trust": str(ctx.settings.signing_trust),
    }
    return {f"GCW_{k.upper()}": v for k, v in values.items()}


def set_contacts(ctx: Context, parties: dict[str, str] | None = None) -> None:
    for party, email in (CONTACTS if parties is None else parties).items():
        contacts.set_contact(ctx, actor(ADMIN), party, email)


def set_user_emails(ctx: Context) -> None:
    """tests/support.cast registers the cast without addresses; reminders need the clerk's and approver's."""
    with ctx.db.write() as session:
        for username, email in EMAILS.items():
            session.execute(update(User).where(User.username == username).values(email=email))


def opinion_letter(ctx: Context, *, with_contacts: bool = True) -> int:
    """A procedure whose opinion request to 경상북도지사 is queued (its letter PDF not issued yet)."""
    pid = open_gumi(ctx)
    if with_contacts:
        set_contacts(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    return pid


def published(ctx: Context) -> int:
    """A designation through committee, notice signed, issued (real PDF) and published in the gazette: the
    procedure waits in `governor_notification`, its notification letter queued, contacts set."""
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    set_contacts(ctx)
    report = automation.issue_documents(ctx, pid)
    assert not report.refused, report.refused
    publish_the_notice(ctx, pid, stand_in_pdf=False)
    return pid


def pending(now: datetime, **message: Any) -> dict[str, Any]:
    """An outbox row to insert with Core: ``message``'s columns, pending and due since ``now``, never tried."""
    return message | {
        "status": "pending",
        "attempts": 0,
        "resent": False,
        "next_attempt_at": now,
        "created_at": now,
    }


def queue_messages(ctx: Context, count: int, *, prefix: str = "bulk") -> list[int]:
    """``count`` plain messages straight into the outbox (Core bulk insert), each to its own address."""
    now = ctx.clock.now()
    rows = [
        pending(
            now,
            dedupe_key=f"{prefix}:{i}",
            kind="notice",
            recipient=f"{prefix}{i}@example.kr",
            subject=f"[안내 {i}번] 녹색융합클러스터 절차 안내",
            body=f"{i}번째 안내입니다. 기한: 2026. 4. 1.",
            payload=canonical_text({}),
        )
        for i in range(count)
    ]
    with ctx.db.write() as session:
        session.execute(insert(OutboxMessage), rows)
        return list(
            session.execute(
                select(OutboxMessage.id).where(OutboxMessage.dedupe_key.like(f"{prefix}:%"))
            ).scalars()
        )


def rows(ctx: Context, **where: Any) -> list[dict[str, Any]]:
    """The outbox as `gcw outbox list` shows it, oldest first."""
    return sorted(list_outbox(ctx, limit=10_000, **where), key=lambda r: r["id"])


def row(ctx: Context, outbox_id: int) -> dict[str, Any]:
    return next(r for r in rows(ctx) if r["id"] == outbox_id)


def letter_row(ctx: Context, pid: int, document: str) -> dict[str, Any]:
    with ctx.db.read() as session:
        found = [
            r
            for r in session.execute(
                select(OutboxMessage.id, OutboxMessage.payload).where(
                    OutboxMessage.procedure_id == pid, OutboxMessage.kind == "letter"
                )
            )
            if loads(r.payload).get("document") == document
        ]
    assert len(found) == 1, found
    return row(ctx, found[0].id)


def facts(ctx: Context, pid: int, kind: str) -> list[dict[str, Any]]:
    """Every fact row of ``kind`` (corrections included), oldest first."""
    with ctx.db.read() as session:
        return [
            {"subject": subject, **loads(data)}
            for subject, data in session.execute(
                select(Fact.subject, Fact.data)
                .where(Fact.procedure_id == pid, Fact.kind == kind)
                .order_by(Fact.id)
            )
        ]


def events(ctx: Context, pid: int, trigger: str) -> int:
    with ctx.db.read() as session:
        return session.execute(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.procedure_id == pid, AuditEvent.trigger == trigger)
        ).scalar_one()


def later(ctx: Context, seconds: float) -> str:
    """An instant ``seconds`` after the context's clock, as GCW_NOW takes it."""
    return (ctx.clock.now() + timedelta(seconds=seconds)).isoformat()
