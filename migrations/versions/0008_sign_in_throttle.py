"""Sign-in throttling that holds under parallel attempts, per user name and per address (issue #15 §3).

One row per key (``name:<user name>``, ``addr:<address>``) counts the failures in a row and says until when the
next attempt must wait. A sign-in counts itself on the row, under the row's lock, *before* its password is
checked, so forty parallel attempts for one name get exactly the allowed number of checks.

Also: the sessions of users who are stopped now end, as stopping a user ends them from now on (a reactivation
used to bring them back).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from gcworkflow.db.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=80), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(), nullable=True),
        sa.Column("wait_until", UTCDateTime(), nullable=True),
    )
    sessions = sa.table("web_sessions", sa.column("user_id"), sa.column("revoked_at", UTCDateTime()))
    users = sa.table("users", sa.column("id"), sa.column("active", sa.Boolean()))
    op.execute(
        sessions.update()
        .where(
            sessions.c.revoked_at.is_(None),
            sessions.c.user_id.in_(sa.select(users.c.id).where(users.c.active.is_(False))),
        )
        .values(revoked_at=datetime.now(UTC))
    )


def downgrade() -> None:
    op.drop_table("sign_in_throttle")
