"""Sending the outbox: each message once, whatever re-runs, retries or concurrent dispatchers happen.

1. **Claim** pending rows in short transactions of :data:`CLAIM_BATCH` rows (``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises claims): status ``sending``, claimed by this dispatcher,
   at this instant; what sending needs (the address, the deadline's kind) is read in the same transaction.
2. **Send** outside any transaction, with a Message-ID derived from the row.
3. **Record** the server's answer (status ``sent``), or the failure: back to ``pending`` with an exponential
   backoff, or ``dead`` after ``GCW_OUTBOX_MAX_ATTEMPTS``; ``gcw outbox retry`` re-queues dead ones. Answers
   are written in group commits (:data:`RECORD_GROUP` answers or :data:`RECORD_SECONDS`, whichever comes first).

The guarantee: a message is never sent twice except in the one unavoidable case — the dispatcher dies after the
server accepted the message and before step 3 committed (with group commits: any message of the group not yet
written, at most 25 messages or 50 ms' worth; on PostgreSQL the record does not wait for the WAL flush, so a
crash of the database server within a fraction of a second of it counts as well — the claim itself is durable). Such a row stays ``sending``; after ``GCW_OUTBOX_LEASE_SECONDS`` a
dispatcher claims it again, sends it again *with the same Message-ID* (so the receiving side can drop the
duplicate) and the row is flagged ``resent``, visible in ``gcw outbox list``. The claim cannot tell which rows
of the dead dispatcher's batch reached the server, so ``resent`` means "may have been delivered before".
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, bindparam, case, or_, select, text, update
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.db import runs
from gcworkflow.db.models import Contact, Deadline, Fact, OutboxMessage, User
from gcworkflow.faults import crash_point
from gcworkflow.notify.channels import Channel, SendFailed, channel_for
from gcworkflow.notify.compose import (
    Attachment,
    Outgoing,
    compose,
    date_header,
    is_plain_address,
    message_id,
)
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


# Rows claimed per transaction. Small enough that a batch is sent well within the lease and that a crash leaves
# few rows to flag `resent`; large enough that the claim's commit costs little per message.
CLAIM_BATCH = 50


@dataclass(frozen=True)
class Claimed:
    """A claimed row with what sending it needs, read in the claim's transaction."""

    row: Row[Any]
    address: str | None
    to_do: str | None


def claim(ctx: Context, worker: str, limit: int, *, after: int = 0) -> list[Claimed]:
    """Claim up to ``limit`` due rows with ids above ``after``, in id order."""
    now = ctx.clock.now()
    stale = now - timedelta(seconds=ctx.settings.outbox_lease_seconds)
    with ctx.db.write() as session:
        query = (
            select(_outbox.c.id)
            .where(
                _outbox.c.id > after,
                or_(
                    (_outbox.c.status == "pending") & (_outbox.c.next_attempt_at <= now),
                    (_outbox.c.status == "sending") & (_outbox.c.claimed_at < stale),
                ),
            )
            .order_by(_outbox.c.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.execute(query).scalars())
        if not ids:
            return []
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
        rows = session.execute(select(_outbox).where(_outbox.c.id.in_(ids)).order_by(_outbox.c.id)).all()
        addresses = _addresses(session, {row.recipient for row in rows})
        deadline_ids = {row.deadline_id for row in rows if row.deadline_id is not None}
        kinds = (
            dict(
                session.execute(select(Deadline.id, Deadline.kind).where(Deadline.id.in_(deadline_ids))).all()
            )
            if deadline_ids
            else {}
        )
        return [
            Claimed(row, addresses.get(row.recipient), TO_DO.get(kinds.get(row.deadline_id, "")))
            for row in rows
        ]


def _addresses(session: Session, recipients: set[str]) -> dict[str, str]:
    """E-mail addresses by recipient: ``user:<name>`` from the users, parties from the contacts, and a bare
    address as it is."""
    found: dict[str, str] = {}
    users: dict[str, str] = {}
    parties: set[str] = set()
    for recipient in recipients:
        kind, _, key = recipient.partition(":")
        if kind == "user":
            users[key] = recipient
        elif "@" in recipient and kind not in ("governor", "ministry"):
            found[recipient] = recipient
        else:
            parties.add(recipient)
    if users:
        for username, email in session.execute(
            select(User.username, User.email).where(User.username.in_(users), User.email.is_not(None))
        ):
            found[users[username]] = email
    if parties:
        found.update(
            session.execute(
                select(Contact.party, Contact.email).where(
                    Contact.party.in_(parties), Contact.email.is_not(None)
                )
            ).all()
        )
    return found


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


def _attachments(ctx: Context, row: Row[Any], subjects: list[str]) -> tuple[Attachment, ...]:
    """The documents the row names (the letter, and the notice for a notification), then the enclosures each
    letter was issued with (its 붙임: 조성계획(요약) …), each file once: what the letter's 붙임 lines promise."""
    issued_documents = []
    with ctx.db.read() as session:
        for subject in subjects:
            issued = _document(session, row.procedure_id, subject) if row.procedure_id else None
            if issued is None:
                raise NotReady(subject)
            issued_documents.append(issued)
    files: dict[str, str] = {}  # sha256 → file name, in the order attached
    for issued in issued_documents:
        files.setdefault(issued["sha256"], f"{issued['title']}.pdf")
    for issued in issued_documents:
        for enclosure in issued.get("enclosures", ()):
            files.setdefault(enclosure["sha256"], f"{enclosure['title']}.pdf")
    assert ctx.store is not None
    return tuple(Attachment(name, ctx.store.get(sha256)) for sha256, name in files.items())


def _outgoing(ctx: Context, claimed: Claimed) -> Outgoing:
    row = claimed.row
    if not claimed.address:
        hint = (
            "사용자 등록 때 --email로 적습니다"
            if row.recipient.startswith("user:")
            else f"gcw --as 관리자 contacts set {row.recipient} --email …"
        )
        raise SendFailed(f"{row.recipient}의 전자우편 주소가 없습니다 ({hint})")
    if not is_plain_address(claimed.address):
        raise SendFailed(f"{row.recipient}의 전자우편 주소 {claimed.address!r}가 올바르지 않습니다")
    documents = loads(row.payload).get("documents", [])
    return Outgoing(
        row.id,
        row.dedupe_key,
        row.kind,
        claimed.address,
        row.subject,
        row.body,
        date_header(row.created_at),
        claimed.to_do,
        _attachments(ctx, row, documents) if documents else (),
    )


@dataclass(frozen=True)
class _Outcome:
    """What became of one claimed row, as its record will say."""

    outbox_id: int
    values: dict[str, Any]
    sent: bool = False
    resent: bool = False
    waiting: bool = False
    dead: bool = False
    released: bool = False  # handed back unsent, to be claimed again with a fresh lease
    error: str | None = None

    def count(self, report: DispatchReport, recorded: bool) -> None:
        if self.released:
            return
        if self.sent:
            report.sent += int(recorded)
            report.resent += int(recorded and self.resent)
        elif self.waiting:
            report.waiting += 1
        else:
            report.failed += 1
            report.dead += int(self.dead)
            report.errors.append(f"#{self.outbox_id}: {self.error}")


def _failure(ctx: Context, row: Row[Any], error: str) -> _Outcome:
    attempts = row.attempts + 1
    dead = attempts >= ctx.settings.outbox_max_attempts
    backoff = timedelta(seconds=ctx.settings.outbox_backoff_seconds * 2 ** (attempts - 1))
    values = {
        "status": "dead" if dead else "pending",
        "attempts": attempts,
        "last_error": error[:2000],
        "next_attempt_at": ctx.clock.now() + backoff,
        "claimed_by": None,
    }
    return _Outcome(row.id, values, dead=dead, error=error)


# Outcomes are written in groups: one transaction (one fsync on SQLite) for up to RECORD_GROUP answers, and never
# later than RECORD_SECONDS after the first of them. The group is also the widest the crash-after-accept window
# gets. (A recorder thread was measured first: its commits contended for the GIL with the SMTP exchange and cost
# more than they saved.)
RECORD_GROUP = 25
RECORD_SECONDS = 0.05


class _Ledger:
    """The outcomes not yet written, and their group commits."""

    def __init__(self, ctx: Context, report: DispatchReport) -> None:
        self._ctx = ctx
        self._report = report
        self._pending: list[_Outcome] = []
        self._first = 0.0

    def add(self, outcome: _Outcome) -> None:
        if not self._pending:
            self._first = time.monotonic()
        self._pending.append(outcome)
        self.flush_if_due()

    def flush_if_due(self) -> None:
        """Called after each outcome and before each send, so that a slow server does not hold an answer back."""
        if self._pending and (
            len(self._pending) >= RECORD_GROUP or time.monotonic() - self._first >= RECORD_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        """One transaction: the rows still ours (a row whose lease ran out may have been claimed by another
        dispatcher) get their outcome, one executemany per shape of outcome."""
        outcomes, self._pending = self._pending, []
        if not outcomes:
            return
        worker = self._report.worker
        with self._ctx.db.write() as session:
            postgresql = session.get_bind().dialect.name == "postgresql"
            if postgresql:
                # The one write that may skip waiting for the WAL flush: lost in a database crash, these rows
                # are still `sending` from their (durable) claim, so they go again after the lease with the
                # same Message-ID and flagged `resent` — the crash-after-accept case, never a lost message.
                session.execute(text("SET LOCAL synchronous_commit TO OFF"))
            query = select(_outbox.c.id).where(
                _outbox.c.id.in_([outcome.outbox_id for outcome in outcomes]),
                _outbox.c.claimed_by == worker,
                _outbox.c.status == "sending",
            )
            if postgresql:
                query = query.with_for_update()
            ours = set(session.execute(query).scalars())
            shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
            for outcome in outcomes:
                if outcome.outbox_id in ours:
                    shapes.setdefault(tuple(outcome.values), []).append(
                        {"outbox_id": outcome.outbox_id, **outcome.values}
                    )
            for rows in shapes.values():
                # The SET clause comes from the parameters' keys (SQLAlchemy's executemany of an UPDATE).
                session.execute(update(_outbox).where(_outbox.c.id == bindparam("outbox_id")), rows)
        for outcome in outcomes:
            outcome.count(self._report, outcome.outbox_id in ours)


def dispatch(
    ctx: Context, *, limit: int = 500, channel: Channel | None = None, worker: str | None = None
) -> DispatchReport:
    """Send what is due now, one pass through the queue in id order; returns what happened. Safe to run again,
    and to run twice at once."""
    report = DispatchReport(worker or worker_name())
    ledger = _Ledger(ctx, report)
    after = 0
    try:
        while report.claimed < limit:
            batch = claim(ctx, report.worker, min(CLAIM_BATCH, limit - report.claimed), after=after)
            if not batch:
                break
            report.claimed += len(batch)
            crash_point("after_claim")
            channel = channel or channel_for(ctx.settings)
            for index, claimed in enumerate(batch):
                if index and _lease_half_gone(ctx, claimed.row.claimed_at):
                    report.claimed -= _release(ledger, batch[index:])
                    break
                _send_one(ctx, channel, claimed, ledger)
                after = claimed.row.id
    finally:
        try:
            ledger.flush()  # what the server accepted before anything went wrong is recorded
        finally:
            if channel is not None:
                channel.close()
    with ctx.db.write() as session:  # the pass ran to its end (a message refused by the server included)
        runs.record_success(session, runs.DISPATCH_OUTBOX, ctx.clock.now())
    return report


def _lease_half_gone(ctx: Context, claimed_at: datetime) -> bool:
    """A slow server (timeouts of GCW_SMTP_TIMEOUT each) must not let a batch outlive its lease: another
    dispatcher would then take the rows not yet sent and both would send them."""
    return ctx.clock.now() - claimed_at >= timedelta(seconds=ctx.settings.outbox_lease_seconds) / 2


def _release(ledger: _Ledger, rows: list[Claimed]) -> int:
    """Hand the rest of a batch back, unsent and unattempted, before the next claim takes them again."""
    for claimed in rows:
        ledger.add(_Outcome(claimed.row.id, {"status": "pending", "claimed_by": None}, released=True))
    ledger.flush()
    return len(rows)


def _send_one(ctx: Context, channel: Channel, claimed: Claimed, ledger: _Ledger) -> None:
    row = claimed.row
    try:
        item = _outgoing(ctx, claimed)
    except NotReady as waiting:
        values = {"status": "pending", "claimed_by": None, "last_error": f"문서 발행 대기: {waiting}"}
        ledger.add(_Outcome(row.id, values, waiting=True))
        return
    except SendFailed as exc:
        ledger.add(_failure(ctx, row, str(exc)))
        return
    message = compose(item, ctx.settings)
    ledger.flush_if_due()
    crash_point("before_send")
    try:
        reply = channel.send(message)
    except SendFailed as exc:
        ledger.add(_failure(ctx, row, str(exc)))
        return
    crash_point("after_smtp_accept")
    values = {
        "status": "sent",
        "sent_at": ctx.clock.now(),
        "server_reply": reply[:2000],
        "address": item.address,
        "message_id": message.message_id,
        "attempts": row.attempts + 1,
        "last_error": None,
    }
    ledger.add(_Outcome(row.id, values, sent=True, resent=row.resent))


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
