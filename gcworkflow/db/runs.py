"""When each scheduled job last succeeded (``job_runs``, migration 0009): written by the job, read by ``/metrics``.

One row per job, upserted, so the table never grows. Nothing here is evidence: it only lets a monitor see that a
sweep or a dispatch that had nothing to do did run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gcworkflow.db.models import JobRun

DEADLINE_SWEEP = "deadline_sweep"
DISPATCH_OUTBOX = "dispatch_outbox"


def record_success(session: Session, job: str, now: datetime) -> None:
    """``job`` finished without an error at ``now``, in the caller's transaction (with the job's own writes,
    when it has any)."""
    table = JobRun.__table__
    insert = (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert(table)
    session.execute(
        insert.values(job=job, last_success_at=now, successes=1).on_conflict_do_update(
            index_elements=[table.c.job],
            set_={"last_success_at": now, "successes": table.c.successes + 1},
        )
    )
