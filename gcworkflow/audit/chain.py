"""The chains: each event sealed after its chain's head, its hash over canonical bytes that include the
previous event's hash (DESIGN.md §2).

Each procedure has its own chain (``procedure:<id>``); actions with no procedure (users, roles, clusters,
holiday overrides) go to the ``system`` chain. The canonical text is stored verbatim and is also rebuilt from the
row's columns on verification (:func:`rebuild_canonical`), so an edit to either is caught.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    cast,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from gcworkflow.canonical import canonical_text, format_instant, loads, sha256_hex
from gcworkflow.db.models import (
    AuditChain,
    AuditEvent,
    Procedure,
)

_INSERT_EVENT = insert(AuditEvent.__table__)

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"


def procedure_chain(procedure_id: int) -> str:
    return f"procedure:{procedure_id}"


def procedure_chain_of(procedure_id: ColumnElement[int]) -> ColumnElement[str]:
    """:func:`procedure_chain` in SQL, so that a procedure row joins its head event on the chain's unique
    (chain, seq) index: ``chain = 'procedure:' || id AND seq = chain_seq``."""
    return literal("procedure:", String) + cast(procedure_id, String)


@dataclass(frozen=True)
class EventInput:
    """What an action contributes to its event; the chain adds position and hashes."""

    chain: str
    procedure_id: int | None
    procedure_version: int | None
    occurred_at: datetime
    actor: str
    actor_role: str
    interface: str
    os_user: str | None
    trigger: str
    from_state: str | None
    to_state: str | None
    comment: str | None
    payload: Any


def _hashed_document(
    *,
    chain: str,
    seq: int,
    prev_hash: str,
    procedure_id: int | None,
    procedure_version: int | None,
    occurred_at: str,
    actor: str,
    actor_role: str,
    interface: str,
    os_user: str | None,
    trigger: str,
    from_state: str | None,
    to_state: str | None,
    comment: str | None,
    payload: Any,
) -> dict[str, Any]:
    return {
        "chain": chain,
        "seq": seq,
        "prev_hash": prev_hash,
        "procedure_id": procedure_id,
        "procedure_version": procedure_version,
        "occurred_at": occurred_at,
        "actor": actor,
        "actor_role": actor_role,
        "interface": interface,
        "os_user": os_user,
        "trigger": trigger,
        "from_state": from_state,
        "to_state": to_state,
        "comment": comment,
        "payload": payload,
    }


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str


@dataclass(frozen=True)
class Appended:
    id: int
    seq: int
    hash: str

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.hash)


@dataclass(frozen=True)
class Sealed:
    """An event placed after a head: the ``audit_events`` row to insert (without its id) and its hash."""

    row: dict[str, Any]

    @property
    def seq(self) -> int:
        return self.row["seq"]

    @property
    def hash(self) -> str:
        return self.row["hash"]

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.hash)


def seal(event: EventInput, head: ChainHead) -> Sealed:
    """The row an event becomes after ``head``: canonical text, its SHA-256, the queryable columns.

    Pure (no database): :func:`append` inserts what this returns, and a bulk loader (bench/audit.py) can build
    the very same rows without the engine.
    """
    payload_text = canonical_text(event.payload)
    columns: dict[str, Any] = {
        "chain": event.chain,
        "seq": head.seq + 1,
        "prev_hash": head.hash,
        "procedure_id": event.procedure_id,
        "procedure_version": event.procedure_version,
        "actor": event.actor,
        "actor_role": event.actor_role,
        "interface": event.interface,
        "os_user": event.os_user,
        "trigger": event.trigger,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "comment": event.comment,
    }
    # The payload is hashed as its stored text says (pydantic models and dates already rendered), so the
    # canonical text embeds exactly the bytes of the payload column.
    canonical = canonical_text(
        {**columns, "occurred_at": format_instant(event.occurred_at), "payload": loads(payload_text)}
    )
    return Sealed(
        {
            **columns,
            "occurred_at": event.occurred_at,
            "payload": payload_text,
            "hash": sha256_hex(canonical.encode("utf-8")),
            "canonical": canonical,
        }
    )


def append(session: Session, event: EventInput, head: ChainHead) -> Appended:
    """Append one event after ``head`` inside the caller's transaction; the caller holds the lock that
    guards the head (the procedure row, or the system chain's row) and stores the new head."""
    sealed = seal(event, head)
    result = session.connection().execute(_INSERT_EVENT, sealed.row)
    return Appended(result.inserted_primary_key[0], sealed.seq, sealed.hash)


def append_system(session: Session, event: EventInput) -> Appended:
    """Append to a chain whose head is kept in ``audit_chains`` (the system chain), under that row's lock."""
    head = session.execute(
        select(AuditChain).where(AuditChain.name == event.chain).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditChain(name=event.chain, seq=0, head_hash=GENESIS)
        session.add(head)
    appended = append(session, event, ChainHead(head.seq, head.head_hash))
    head.seq, head.head_hash = appended.seq, appended.hash
    session.flush()
    return appended


def chain_heads(session: Session) -> dict[str, tuple[int, str]]:
    """Every chain's recorded head: the system chains' rows and each procedure's row."""
    heads = {c.name: (c.seq, c.head_hash) for c in session.execute(select(AuditChain)).scalars()}
    for pid, seq, head in session.execute(
        select(Procedure.id, Procedure.chain_seq, Procedure.chain_head).where(Procedure.chain_seq > 0)
    ):
        heads[procedure_chain(pid)] = (seq, head)
    return heads


def rebuild_canonical(row: AuditEvent) -> str:
    """The canonical text as the row's queryable columns say it should be (the definition verification uses)."""
    return canonical_text(
        _hashed_document(
            chain=row.chain,
            seq=row.seq,
            prev_hash=row.prev_hash,
            procedure_id=row.procedure_id,
            procedure_version=row.procedure_version,
            occurred_at=format_instant(row.occurred_at),
            actor=row.actor,
            actor_role=row.actor_role,
            interface=row.interface,
            os_user=row.os_user,
            trigger=row.trigger,
            from_state=row.from_state,
            to_state=row.to_state,
            comment=row.comment,
            payload=loads(row.payload),
        )
    )
