"""Sending the outbox: each message once, whatever re-runs, retries or concurrent dispatchers happen.

1. **Claim** pending rows in a short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite's
   ``BEGIN IMMEDIATE`` serialises claims): status ``sending``, claimed by this dispatcher, at this instant.
2. **Send** outside any transaction, with a Message-ID derived from the row.
3. **Record** the server's answer (status ``sent``), or the failure: back to ``pending`` with an exponential
   backoff, or ``dead`` after ``GCW_OUTBOX_MAX_ATTEMPTS``; ``gcw outbox retry`` re-queues dead ones.

The guarantee: a message is never sent twice except in the one unavoidable case — the dispatcher dies after the
server accepted the message and before step 3 committed. Such a row stays ``sending``; after
``GCW_OUTBOX_LEASE_SECONDS`` a dispatcher claims it again, sends it again *with the same Message-ID* (so the
receiving side can drop the duplicate) and the row is flagged ``resent``, visible in ``gcw outbox list``.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.db.models import Contact, Deadline, Fact, OutboxMessage, User
from gcworkflow.faults import crash_point
from gcworkflow.notify.channels import Channel, SendFailed, channel_for
from gcworkflow.notify.compose import Attachment, Outgoing, compose, date_header, message_id
from gcworkflow.procedures.deadline_kinds import TO_DO

_outbox = OutboxMessage.__table__


@dataclass
class DispatchReport:
    worker: str
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0  # letters whose PDF is not issued yet: left pending, no attempt counted
    resent: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "worker": self.worker,
            "claimed": self.claimed,
            "sent": self.sent,
            "failed": self.failed,
            "dead": self.dead,
            "waiting": self.waiting,
            "resent": self.resent,
            "errors": self.errors,
        }


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(ctx: Context, worker: str, limit: int) -> list[int]:
    now = ctx.clock.now()
    stale = now - timedelta(seconds=ctx.settings.outbox_lease_seconds)
    with ctx.db.write() as session:
        query = (
            select(_outbox.c.id)
            .where(
                or_(
                    (_outbox.c.status == "pending") & (_outbox.c.next_attempt_at <= now),
                    (_outbox.c.status == "sending") & (_outbox.c.claimed_at < stale),
                )
            )
            .order_by(_outbox.c.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.execute(query).scalars())
        if ids:
            session.execute(
                update(_outbox)
                .where(_outbox.c.id.in_(ids))
                .values(
                    resent=case((_outbox.c.status == "sending", True), else_=_outbox.c.resent),
                    status="sending",
                    claimed_by=worker,
                    claimed_at=now,
                )
            )
        return ids


def _address(session: Session, recipient: str) -> str | None:
    kind, _, key = recipient.partition(":")
    if kind == "user":
        return session.execute(select(User.email).where(User.username == key)).scalar_one_or_none()
    if "@" in recipient and kind not in ("governor", "ministry"):
        return recipient
    return session.execute(select(Contact.email).where(Contact.party == recipient)).scalar_one_or_none()


def _document(session: Session, procedure_id: int, subject: str) -> dict[str, Any] | None:
    data = session.execute(
        select(Fact.data)
        .where(Fact.procedure_id == procedure_id, Fact.kind == "document_issued", Fact.subject == subject)
        .order_by(Fact.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return loads(data) if data else None


class NotReady(Exception):
    """The letter's PDF has not been issued yet (the documents flow issues it after the action's commit)."""


def _outgoing(ctx: Context, session: Session, row: OutboxMessage) -> Outgoing:
    payload = loads(row.payload)
    address = _address(session, row.recipient)
    if not address:
        hint = (
            "사용자 등록 때 --email로 적습니다"
            if row.recipient.startswith("user:")
            else f"gcw --as 관리자 contacts set {row.recipient} --email …"
        )
        raise SendFailed(f"{row.recipient}의 전자우편 주소가 없습니다 ({hint})")
    attachments: list[Attachment] = []
    for subject in payload.get("documents", []):
        issued = _document(session, row.procedure_id, subject) if row.procedure_id else None
        if issued is None:
            raise NotReady(subject)
        assert ctx.store is not None
        attachments.append(Attachment(f"{issued['title']}.pdf", ctx.store.get(issued["sha256"])))
    to_do = None
    if row.deadline_id is not None:
        kind = session.execute(
            select(Deadline.kind).where(Deadline.id == row.deadline_id)
        ).scalar_one_or_none()
        to_do = TO_DO.get(kind or "")
    return Outgoing(
        row.id,
        row.dedupe_key,
        row.kind,
        address,
        row.subject,
        row.body,
        date_header(row.created_at),
        to_do,
        tuple(attachments),
    )


def _settle(ctx: Context, outbox_id: int, worker: str, values: dict[str, Any]) -> bool:
    with ctx.db.write() as session:
        result = session.execute(
            update(_outbox)
            .where(_outbox.c.id == outbox_id, _outbox.c.claimed_by == worker, _outbox.c.status == "sending")
            .values(**values)
        )
        return bool(result.rowcount)


def _failed(ctx: Context, row: OutboxMessage, worker: str, error: str, report: DispatchReport) -> None:
    attempts = row.attempts + 1
    dead = attempts >= ctx.settings.outbox_max_attempts
    backoff = timedelta(seconds=ctx.settings.outbox_backoff_seconds * 2 ** (attempts - 1))
    _settle(
        ctx,
        row.id,
        worker,
        {
            "status": "dead" if dead else "pending",
            "attempts": attempts,
            "last_error": error[:2000],
            "next_attempt_at": ctx.clock.now() + backoff,
            "claimed_by": None,
        },
    )
    report.failed += 1
    report.dead += int(dead)
    report.errors.append(f"#{row.id}: {error}")


def dispatch(
    ctx: Context, *, limit: int = 500, channel: Channel | None = None, worker: str | None = None
) -> DispatchReport:
    """Send what is due now; returns what happened. Safe to run again, and to run twice at once."""
    report = DispatchReport(worker or worker_name())
    ids = claim(ctx, report.worker, limit)
    report.claimed = len(ids)
    if not ids:
        return report
    crash_point("after_claim")
    channel = channel or channel_for(ctx.settings)
    try:
        for outbox_id in ids:
            _send_one(ctx, channel, outbox_id, report)
    finally:
        channel.close()
    return report


def _send_one(ctx: Context, channel: Channel, outbox_id: int, report: DispatchReport) -> None:
    with ctx.db.read() as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None or row.claimed_by != report.worker:
            return
        try:
            item = _outgoing(ctx, session, row)
        except NotReady as waiting:
            _settle(
                ctx,
                row.id,
                report.worker,
                {"status": "pending", "claimed_by": None, "last_error": f"문서 발행 대기: {waiting}"},
            )
            report.waiting += 1
            return
        except SendFailed as exc:
            _failed(ctx, row, report.worker, str(exc), report)
            return
    message = compose(item, ctx.settings)
    crash_point("before_send")
    try:
        reply = channel.send(message)
    except SendFailed as exc:
        _failed(ctx, row, report.worker, str(exc), report)
        return
    crash_point("after_smtp_accept")
    if _settle(
        ctx,
        row.id,
        report.worker,
        {
            "status": "sent",
            "sent_at": ctx.clock.now(),
            "server_reply": reply[:2000],
            "address": item.address,
            "message_id": message["Message-ID"],
            "attempts": row.attempts + 1,
            "last_error": None,
        },
    ):
        report.sent += 1
        report.resent += int(row.resent)


def list_outbox(
    ctx: Context, status: str | None = None, procedure_id: int | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if status:
            query = query.where(OutboxMessage.status == status)
        if procedure_id is not None:
            query = query.where(OutboxMessage.procedure_id == procedure_id)
        return [
            {
                "id": r.id,
                "procedure_id": r.procedure_id,
                "kind": r.kind,
                "recipient": r.recipient,
                "address": r.address,
                "subject": r.subject,
                "status": r.status,
                "attempts": r.attempts,
                "message_id": r.message_id or message_id(r.id, r.dedupe_key, ctx.settings.mail_domain),
                "resent": r.resent,
                "last_error": r.last_error,
                "server_reply": r.server_reply,
                "sent_at": r.sent_at,
                "next_attempt_at": r.next_attempt_at,
            }
            for r in session.execute(query).scalars()
        ]


def requeue(session: Session, ids: list[int] | None, now: datetime) -> list[int]:
    """Dead messages (all of them, or those named) back to pending; returns the ids re-queued."""
    query = select(_outbox.c.id).where(_outbox.c.status == "dead")
    if ids:
        query = query.where(_outbox.c.id.in_(ids))
    found = list(session.execute(query).scalars())
    if found:
        session.execute(
            update(_outbox)
            .where(_outbox.c.id.in_(found))
            .values(status="pending", next_attempt_at=now, attempts=0, claimed_by=None)
        )
    return found
