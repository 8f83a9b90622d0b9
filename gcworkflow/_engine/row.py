"""The procedure row as one action sees it: read under the row lock, written back with one UPDATE.

The hot path uses SQLAlchemy Core, not ORM instances: an action reads one row, appends a few others and
updates one, and the unit of work's bookkeeping cost more than the database did (bench/transitions.py). The
optimistic lock stays: the UPDATE carries ``WHERE version = <the version read>`` and must hit exactly one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from gcworkflow._engine import sql
from gcworkflow.errors import Conflict, NotFound


@dataclass(eq=False)  # identity equality: transitions' add_model finds models with ==
class ProcedureRow:
    id: int
    kind: str
    definition_version: int
    cluster_id: int | None
    cluster_name: str | None
    title: str
    state: str
    version: int
    clerk_id: int
    approver_id: int
    closed_at: datetime | None
    chain_seq: int
    chain_head: str


def lock_procedure(session: Session, procedure_id: int) -> ProcedureRow:
    """Read the row under the lock (``FOR UPDATE`` on PostgreSQL; SQLite holds its write lock already)."""
    found = session.connection().execute(sql.LOCK_PROCEDURE, {"procedure_id": procedure_id}).one_or_none()
    if found is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return ProcedureRow(**found._mapping)


def save_procedure(session: Session, row: ProcedureRow, read_version: int, now: datetime) -> None:
    result = session.connection().execute(
        sql.SAVE_PROCEDURE,
        {
            "b_id": row.id,
            "b_version": read_version,
            "state": row.state,
            "version": row.version,
            "clerk_id": row.clerk_id,
            "approver_id": row.approver_id,
            "closed_at": row.closed_at,
            "chain_seq": row.chain_seq,
            "chain_head": row.chain_head,
            "last_action_at": now,
        },
    )
    if result.rowcount != 1:
        raise Conflict("이 절차가 동시에 변경되었습니다. 새로 고친 뒤 다시 확인하십시오.")
