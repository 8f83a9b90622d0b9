"""Audit queries (issue #6): who read the trail (`audit_reads`, append-only) and the indexes of the query paths.

`audit_reads` is kept outside the hash chains, so that reading never lengthens them; like every evidence table
it refuses UPDATE and DELETE on both databases.

The indexes, by the question they answer:
- ``ix_audit_events_occurred (occurred_at, id)``: any period across all procedures, in chronological order;
- ``ix_audit_events_trigger (trigger, occurred_at)``: committee decisions in a year, governor notifications,
  the ``open`` events that say which procedures existed on a date;
- ``ix_audit_events_transitions (procedure_id, seq)``, partial, transitions only: the state of a procedure on
  a date and the time spent in each stage, replayed from about eight rows per procedure instead of all;
- ``ix_refused_attempts_occurred``, ``ix_refused_attempts_actor``: refusals by period and by person;
- ``ix_documents_event``: the documents each action produced (a procedure's history);
- ``ix_audit_reads_actor``, ``ix_audit_reads_occurred``: who read what, when.
(A person's actions use ``ix_audit_events_actor (actor, occurred_at)`` and a procedure's events
``ix_audit_events_procedure (procedure_id, id)``, both from 0001.)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gcworkflow.db.types import UTCDateTime

revision: str = "0006"
# 0005 (web sign-in) was written against 0003 before this existed; the history stays one line by following it.
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TRANSITIONS = "procedure_id IS NOT NULL AND (from_state IS NULL OR from_state <> to_state)"


def upgrade() -> None:
    op.create_table(
        "audit_reads",
        sa.Column("id", BigId, nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.String(length=200), nullable=False),
        sa.Column("interface", sa.String(length=16), nullable=False),
        sa.Column("os_user", sa.String(length=64), nullable=True),
        sa.Column("query", sa.String(length=40), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_reads_actor", "audit_reads", ["actor", "occurred_at"])
    op.create_index("ix_audit_reads_occurred", "audit_reads", ["occurred_at"])
    op.create_index("ix_audit_events_occurred", "audit_events", ["occurred_at", "id"])
    op.create_index("ix_audit_events_trigger", "audit_events", ["trigger", "occurred_at"])
    op.create_index(
        "ix_audit_events_transitions",
        "audit_events",
        ["procedure_id", "seq"],
        sqlite_where=sa.text(TRANSITIONS),
        postgresql_where=sa.text(TRANSITIONS),
    )
    op.create_index("ix_refused_attempts_occurred", "refused_attempts", ["occurred_at"])
    op.create_index("ix_refused_attempts_actor", "refused_attempts", ["actor", "occurred_at"])
    op.create_index("ix_documents_event", "documents", ["event_id"])
    _guard_append_only("audit_reads")


def downgrade() -> None:
    _drop_guard("audit_reads")
    op.drop_index("ix_documents_event", table_name="documents")
    op.drop_index("ix_refused_attempts_actor", table_name="refused_attempts")
    op.drop_index("ix_refused_attempts_occurred", table_name="refused_attempts")
    op.drop_index("ix_audit_events_transitions", table_name="audit_events")
    op.drop_index("ix_audit_events_trigger", table_name="audit_events")
    op.drop_index("ix_audit_events_occurred", table_name="audit_events")
    op.drop_index("ix_audit_reads_occurred", table_name="audit_reads")
    op.drop_index("ix_audit_reads_actor", table_name="audit_reads")
    op.drop_table("audit_reads")


def _guard_append_only(table: str) -> None:
    """As 0001's guards: the PostgreSQL function gcw_append_only() exists since then."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION gcw_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION gcw_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only (gcworkflow): {operation} refused'); END"
        )


def _drop_guard(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        return
    for operation in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
