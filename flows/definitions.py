"""The flows. Each is sync, takes IDs, and is safe to re-run after a crash at any step (the services it calls
are idempotent by our own tables)."""

from __future__ import annotations

import logging
from typing import Any

from prefect import flow

from gcworkflow import automation, deadlines, logs
from gcworkflow.context import Context
from gcworkflow.notify import DispatchReport, dispatch

# One line per flow and per step of the sweep (gcworkflow.logs): counts and outcomes, never what was sent.
log = logging.getLogger("gcworkflow.flows")


def _context() -> Context:
    ctx = Context.from_settings()
    logs.for_flows(ctx.settings.log_format, ctx.settings.log_level)
    return ctx


def _sent(report: DispatchReport) -> dict[str, int]:
    return {"claimed": report.claimed, "sent": report.sent, "failed": report.failed, "dead": report.dead}


@flow(name="dispatch_outbox", log_prints=False)
def dispatch_outbox(limit: int = 500) -> dict[str, Any]:
    """Send the pending outbox messages through the configured channel (SMTP or Maildir)."""
    ctx = _context()
    with logs.timed(log, "flow", flow="dispatch_outbox") as said:
        report = dispatch(ctx, limit=limit)
        said.fields.update(_sent(report))
    return report.as_dict()


@flow(name="deadline_sweep")
def deadline_sweep() -> dict[str, Any]:
    """Plan due reminders and escalations, send them, and write the day's audit checkpoint."""
    ctx = _context()
    with logs.timed(log, "flow", flow="deadline_sweep"):
        with logs.timed(log, "step", flow="deadline_sweep", step="plan_reminders") as said:
            planned = deadlines.plan_due_reminders(ctx)
            said.fields.update(reminders=planned.reminders, escalations=planned.escalations)
        with logs.timed(log, "step", flow="deadline_sweep", step="dispatch") as said:
            sent = dispatch(ctx)
            said.fields.update(_sent(sent))
        checkpoint = automation.checkpoint_daily(ctx)  # its own step line (gcworkflow.automation)
    return {
        "reminders": planned.reminders,
        "escalations": planned.escalations,
        "dispatch": sent.as_dict(),
        "checkpoint": checkpoint,
    }


@flow(name="issue_documents")
def issue_documents(procedure_id: int | None = None) -> dict[str, Any]:
    """Issue every official document the open procedures call for (letters, notices)."""
    ctx = _context()
    with logs.timed(log, "flow", flow="issue_documents", procedure_id=procedure_id):
        return automation.issue_documents(ctx, procedure_id).as_dict()


@flow(name="issue_notice")
def issue_notice(procedure_id: int) -> dict[str, Any]:
    """The signed notice: its number (registered at sign-off or by the clerk), PDF, store, `document_issued`."""
    from gcworkflow.automation.issuing import issue

    ctx = _context()
    with logs.timed(log, "flow", flow="issue_notice", procedure_id=procedure_id) as said:
        issued = issue(ctx, procedure_id, "designation_notice")
        said.fields["issued"] = sum(1 for i in issued if i.new)
    return {"issued": [i.as_dict() for i in issued]}


@flow(name="notify_governors")
def notify_governors(procedure_id: int | None = None) -> dict[str, Any]:
    """Send the notification letters with the notice attached, record them, confirm when all were in time."""
    ctx = _context()
    with logs.timed(log, "flow", flow="notify_governors", procedure_id=procedure_id):
        return automation.notify_governors(ctx, procedure_id).as_dict()


FLOWS = {
    f.name: f for f in (dispatch_outbox, deadline_sweep, issue_documents, issue_notice, notify_governors)
}

# Deployments: cron in UTC with an explicit timezone (DESIGN.md §3). 15:05 UTC is 00:05 in Seoul.
SCHEDULES = {
    "deadline_sweep": "5 15 * * *",
    "dispatch_outbox": "*/5 * * * *",
    "issue_documents": "*/10 * * * *",
    "notify_governors": "*/15 * * * *",
}
