"""The flows. Each is sync, takes IDs, and is safe to re-run after a crash at any step (the services it calls
are idempotent by our own tables)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from gcworkflow import automation, deadlines
from gcworkflow.context import Context
from gcworkflow.notify import dispatch


def _context() -> Context:
    return Context.from_settings()


@flow(name="dispatch_outbox", log_prints=False)
def dispatch_outbox(limit: int = 500) -> dict[str, Any]:
    """Send the pending outbox messages through the configured channel (SMTP or Maildir)."""
    return dispatch(_context(), limit=limit).as_dict()


@flow(name="deadline_sweep")
def deadline_sweep() -> dict[str, Any]:
    """Plan due reminders and escalations, send them, and write the day's audit checkpoint."""
    ctx = _context()
    planned = deadlines.plan_due_reminders(ctx)
    sent = dispatch(ctx)
    return {
        "reminders": planned.reminders,
        "escalations": planned.escalations,
        "dispatch": sent.as_dict(),
        "checkpoint": automation.checkpoint_daily(ctx),
    }


@flow(name="issue_documents")
def issue_documents(procedure_id: int | None = None) -> dict[str, Any]:
    """Issue every official document the open procedures call for (letters, notices)."""
    return automation.issue_documents(_context(), procedure_id).as_dict()


@flow(name="issue_notice")
def issue_notice(procedure_id: int) -> dict[str, Any]:
    """The signed notice: its number (registered at sign-off or by the clerk), PDF, store, `document_issued`."""
    from gcworkflow.automation.issuing import issue

    return {"issued": [i.as_dict() for i in issue(_context(), procedure_id, "designation_notice")]}


@flow(name="notify_governors")
def notify_governors(procedure_id: int | None = None) -> dict[str, Any]:
    """Send the notification letters with the notice attached, record them, confirm when all were in time."""
    return automation.notify_governors(_context(), procedure_id).as_dict()


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
