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
from gcworkflow.errors import Conflict, NotFound, Tampered


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
    """Read the row under the lock (``FOR UPDATE`` on PostgreSQL; SQLite holds its write lock already), with
    its chain's head event: a row whose state, version or head is not what that event says was changed outside
    the engine, and nobody acts on it (the one extra index lookup is measured in bench/transitions.py)."""
    found = session.connection().execute(sql.LOCK_PROCEDURE, {"procedure_id": procedure_id}).one_or_none()
    if found is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    values = dict(found._mapping)
    head = (values.pop("head_state"), values.pop("head_version"), values.pop("head_hash"))
    row = ProcedureRow(**values)
    if head != (row.state, row.version, row.chain_head):
        # On PostgreSQL a lock that waited for another action's commit returns that action's row, but the head
        # joined from the statement's snapshot, from before it: read the head again before refusing.
        again = (
            session.connection()
            .execute(sql.HEAD_EVENT, {"procedure_id": row.id, "seq": row.chain_seq})
            .one_or_none()
        )
        head = tuple(again) if again is not None else (None, None, None)
    if head != (row.state, row.version, row.chain_head):
        said = f"단계 {head[0]}, 판 {head[1]}" if head[1] is not None else "없음"
        raise Tampered(
            f"{procedure_id}번 절차 행(단계 {row.state}, 판 {row.version})이 감사 기록의 마지막 사건"
            f"(#{row.chain_seq}: {said})과 맞지 않아 처리하지 않았습니다. 데이터베이스에서 직접 바뀐 것으로 "
            "보입니다: `gcw audit verify`로 확인하고 관리자가 바로잡은 뒤 다시 시도하십시오."
        )
    return row


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
