"""What the automated flows do, as plain service functions: the flows in ``flows/`` orchestrate these and
nothing else, so the domain logic is tested without Prefect (DESIGN.md §3).

Every step is idempotent by our own tables: documents by their content hash, numbers by their facts, e-mails
by their outbox rows, notifications by their facts — never by Prefect's retries or caches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select, text

from gcworkflow import audit, engine, logs
from gcworkflow.automation.issuing import SYSTEM, Issued, issue, letter_subjects, procedure_view
from gcworkflow.canonical import digest, format_instant, loads
from gcworkflow.clock import to_kst
from gcworkflow.context import Context
from gcworkflow.db.models import AuditCheckpoint, OutboxMessage, Procedure
from gcworkflow.engine import Actor
from gcworkflow.errors import GcwError
from gcworkflow.notify import DispatchReport, dispatch
from gcworkflow.notify.channels import Channel
from gcworkflow.procedures.notice import NOTICE, notice_document, notice_render_digest, notification_document
from gcworkflow.procedures.notification import governors_to_notify, notification_due
from gcworkflow.procedures.spec import ProcedureView

# One line per job (gcworkflow.logs): what it did, in counts; each action it takes has its own engine line.
log = logging.getLogger("gcworkflow.automation")


def _open_procedures(ctx: Context, state: str | None = None) -> list[int]:
    with ctx.db.read() as session:
        query = select(Procedure.id).where(Procedure.closed_at.is_(None)).order_by(Procedure.id)
        if state is not None:
            query = query.where(Procedure.state == state)
        return list(session.execute(query).scalars())


def _missing_letters(view: ProcedureView, kind: str) -> bool:
    """A letter of the current round not issued yet (one per recipient, or the round's one letter)."""
    return any(
        view.fact("document_issued", f"{kind}:{subject}") is None
        for subject, _ in letter_subjects(view, kind)
    )


def documents_due(view: ProcedureView) -> list[str]:
    """The document kinds this procedure calls for now and has not issued (in the order they are needed)."""
    due = []
    if _missing_letters(view, "opinion_request"):
        due.append("opinion_request")
    if _missing_letters(view, "consultation_request"):
        due.append("consultation_request")
    notice, number, signoff = (
        view.fact(k, NOTICE) for k in ("notice_content", "notice_number", "notice_signoff")
    )
    if notice and number and signoff and signoff.data["notice_sha256"] == digest(notice.data):
        issued = view.fact("document_issued", notice_document(view))
        if issued is None or issued.data["content_sha256"] != notice_render_digest(
            notice.data, number.data["number"]
        ):
            due.append(notice_document(view))
    if view.state == "governor_notification":
        letter = notification_document(view)
        if _missing_letters(view, letter):
            due.append(letter)
    return due


@dataclass
class IssueReport:
    issued: list[Issued] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # documents that cannot be made yet, and why

    def as_dict(self) -> dict[str, Any]:
        return {"issued": [i.as_dict() for i in self.issued], "refused": self.refused}


def issue_documents(ctx: Context, procedure_id: int | None = None, *, actor: Actor = SYSTEM) -> IssueReport:
    """Issue every document the open procedures (or one) call for; a refusal (a missing setting, a number the
    clerk must register) is reported and leaves the others unaffected."""
    report = IssueReport()
    with logs.timed(log, "step", step="issue_documents", procedure_id=procedure_id) as said:
        for pid in [procedure_id] if procedure_id is not None else _open_procedures(ctx):
            for kind in documents_due(procedure_view(ctx, pid)):
                try:
                    report.issued.extend(issue(ctx, pid, kind, actor=actor))
                except GcwError as error:
                    report.refused.append(f"{pid}번 절차 {kind}: {error.message}")
        said.fields.update(issued=sum(1 for i in report.issued if i.new), refused=len(report.refused))
    return report


def record_notifications(ctx: Context, procedure_id: int, actor: Actor = SYSTEM) -> list[str]:
    """Each notification letter the mail server accepted becomes the governor's notification record."""
    view = procedure_view(ctx, procedure_id)
    with ctx.db.read() as session:
        rows = (
            session.execute(
                select(OutboxMessage)
                .where(
                    OutboxMessage.procedure_id == procedure_id,
                    OutboxMessage.kind == "letter",
                    OutboxMessage.status == "sent",
                )
                .order_by(OutboxMessage.id)
            )
            .scalars()
            .all()
        )
    recorded = []
    for row in rows:
        payload = loads(row.payload)
        party = payload.get("party")
        if not str(payload.get("document", "")).endswith("_notification") or view.fact(
            "governor_notification", party
        ):
            continue
        engine.fire(
            ctx,
            procedure_id,
            "record_governor_notification",
            actor,
            {
                "sido_code": party.partition(":")[2],
                "sent_at": format_instant(row.sent_at),
                "channel": "전자우편",
                "message_id": row.message_id,
            },
        )
        recorded.append(party)
    return recorded


def confirm_in_time(ctx: Context, procedure_id: int, actor: Actor = SYSTEM) -> str:
    """Fire ``confirm_notification`` when every governor was notified within the "지체 없이" SLA; a late one
    waits for the clerk's justification (procedure.md §6, system)."""
    view = procedure_view(ctx, procedure_id)
    if view.state != "governor_notification":
        return view.state
    notifications = [view.fact("governor_notification", p) for p in governors_to_notify(view)]
    if any(n is None for n in notifications):
        return "waiting"
    if any(n.data["late"] for n in notifications):
        due = notification_due(view)
        return f"late: {due.isoformat() if due else '-'} 이후 통보 — 담당자의 사유 기록 필요"
    return engine.fire(ctx, procedure_id, "confirm_notification", actor, {}).to_state


@dataclass
class NotifyReport:
    documents: IssueReport
    dispatch: DispatchReport
    recorded: dict[int, list[str]]
    outcome: dict[int, str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents.as_dict(),
            "dispatch": self.dispatch.as_dict(),
            "recorded": self.recorded,
            "outcome": self.outcome,
        }


def notify_governors(
    ctx: Context,
    procedure_id: int | None = None,
    *,
    channel: Channel | None = None,
    actor: Actor = SYSTEM,
) -> NotifyReport:
    """Issue the notification letters, send them with the notice attached, record each notification, and
    confirm when all were in time."""
    with logs.timed(log, "step", step="notify_governors", procedure_id=procedure_id) as said:
        pids = [procedure_id] if procedure_id is not None else _open_procedures(ctx, "governor_notification")
        documents = IssueReport()
        for pid in pids:
            part = issue_documents(ctx, pid, actor=actor)
            documents.issued.extend(part.issued)
            documents.refused.extend(part.refused)
        sent = dispatch(ctx, channel=channel)
        recorded = {pid: record_notifications(ctx, pid, actor) for pid in pids}
        outcome = {pid: confirm_in_time(ctx, pid, actor) for pid in pids}
        said.fields.update(
            procedures=len(pids),
            sent=sent.sent,
            failed=sent.failed,
            recorded=sum(len(parties) for parties in recorded.values()),
        )
    return NotifyReport(documents, sent, recorded, outcome)


def checkpoint_daily(ctx: Context, actor: str = "system") -> str | None:
    """One checkpoint per day (KST), written by the sweep; returns its line, or None if today's exists."""
    today: date = ctx.clock.today()
    with logs.timed(log, "step", step="checkpoint") as said, ctx.db.write() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Two sweeps at once (two workers) would both read "none today" and both write one; SQLite's
            # BEGIN IMMEDIATE already queues them. Here the second waits, then reads the first one's checkpoint.
            session.execute(text("LOCK TABLE audit_checkpoints IN SHARE ROW EXCLUSIVE MODE"))
        last = session.execute(
            select(AuditCheckpoint.created_at).order_by(AuditCheckpoint.id.desc()).limit(1)
        ).scalar_one_or_none()
        said.fields["written"] = not (last is not None and to_kst(last).date() == today)
        if not said.fields["written"]:
            return None
        return audit.checkpoint_line(audit.checkpoint(session, actor, ctx.clock.now()))
