"""After-commit work, above the door: what happens because an action committed (DESIGN.md §2, step 4).

- :mod:`~gcworkflow.automation.issuing`: an official document rendered, stored and recorded through
  ``engine.fire`` (``document_issued``), once per content;
- :mod:`~gcworkflow.automation.jobs`: the service functions the Prefect flows in ``flows/`` orchestrate
  (documents due, notifications recorded, governors notified, the daily checkpoint).

Everything here acts through the engine's door and is idempotent by our own tables, never by Prefect's retries.
Nothing below the door (``_engine``, ``audit``, ``documents``, ``deadlines``) may import this package.
"""

from gcworkflow.automation.issuing import SYSTEM, Issued, issue, procedure_view
from gcworkflow.automation.jobs import (
    IssueReport,
    NotifyReport,
    checkpoint_daily,
    confirm_in_time,
    documents_due,
    issue_documents,
    notify_governors,
    record_notifications,
)

__all__ = [
    "SYSTEM",
    "IssueReport",
    "Issued",
    "NotifyReport",
    "checkpoint_daily",
    "confirm_in_time",
    "documents_due",
    "issue",
    "issue_documents",
    "notify_governors",
    "procedure_view",
    "record_notifications",
]
