"""What ``/metrics`` reads at each scrape (issue #16): when each scheduled job last succeeded, and two indexes.

- ``job_runs``: one row per job (``deadline_sweep``, ``dispatch_outbox``), written by the job when it finishes,
  so that a sweep or a dispatch that found nothing to do is still seen to have run.
- ``ix_refused_attempts_trigger_code``: the refusals per action and code, counted from the index alone.
- ``ix_audit_reads_query``: the last ``gcw audit verify`` (recorded as a read, query ``verify``) found by one
  index probe instead of a walk back through every read.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gcworkflow.db.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("job", sa.String(length=40), primary_key=True),
        sa.Column("last_success_at", UTCDateTime(), nullable=False),
        sa.Column("successes", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_refused_attempts_trigger_code", "refused_attempts", ["trigger", "code"])
    op.create_index("ix_audit_reads_query", "audit_reads", ["query", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_reads_query", table_name="audit_reads")
    op.drop_index("ix_refused_attempts_trigger_code", table_name="refused_attempts")
    op.drop_table("job_runs")
