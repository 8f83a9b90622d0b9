"""A contact's handling unit (처리과), printed in a letter's 수신 line: "경상북도지사(환경정책과장)" (procedure.md §3,
law.md §5). Optional: a contact without one is addressed by the head's title alone.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("unit", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("unit")
