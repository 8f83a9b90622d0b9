"""The tamper-evident audit trail: hash-chained events, checkpoints, verification (DESIGN.md §2).

Each procedure has its own chain (``procedure:<id>``); actions with no procedure (users, roles, clusters,
holiday overrides) go to the ``system`` chain. An event's hash covers its canonical bytes, which include the
previous event's hash. The canonical text is stored verbatim and is also rebuilt from the row's columns on
verification, so an edit to either is caught. Checkpoints hash every chain head; a checkpoint kept outside the
database is what makes deleting the newest events detectable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from gcworkflow.canonical import canonical_text, digest, format_instant, loads, sha256_hex

__all__ = [
    "GENESIS",
    "SYSTEM_CHAIN",
    "Appended",
    "ChainHead",
    "EventInput",
    "Problem",
    "VerifyReport",
    "append",
    "append_system",
    "chain_heads",
    "checkpoint",
    "checkpoint_line",
    "procedure_chain",
    "rebuild_canonical",
    "sha256_hex",
    "verify",
]
from gcworkflow.db.models import (
    AuditChain,
    AuditCheckpoint,
    AuditEvent,
    Document,
    Fact,
    PlanVersion,
    Procedure,
    RegisteredNumber,
)
from gcworkflow.documents.store import DocumentStore

_INSERT_EVENT = insert(AuditEvent.__table__)

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"
_BATCH = 5000


def procedure_chain(procedure_id: int) -> str:
    return f"procedure:{procedure_id}"


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


def append(session: Session, event: EventInput, head: ChainHead) -> Appended:
    """Append one event after ``head`` inside the caller's transaction; the caller holds the lock that
    guards the head (the procedure row, or the system chain's row) and stores the new head."""
    payload_text = canonical_text(event.payload)
    seq = head.seq + 1
    values: dict[str, Any] = {
        "chain": event.chain,
        "seq": seq,
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
    canonical = canonical_text(
        {**values, "occurred_at": format_instant(event.occurred_at), "payload": loads(payload_text)}
    )
    digest_hex = sha256_hex(canonical.encode("utf-8"))
    result = session.connection().execute(
        _INSERT_EVENT,
        {
            **values,
            "occurred_at": event.occurred_at,
            "payload": payload_text,
            "hash": digest_hex,
            "canonical": canonical,
        },
    )
    return Appended(result.inserted_primary_key[0], seq, digest_hex)


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
    """The canonical text as the row's queryable columns say it should be."""
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


@dataclass
class Problem:
    chain: str
    seq: int | None
    event_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.chain} #{self.seq}" if self.seq is not None else self.chain
        ident = f" (event id {self.event_id})" if self.event_id is not None else ""
        return f"{where}{ident}: {self.message}"


@dataclass
class VerifyReport:
    chains: int = 0
    events: int = 0
    checkpoints: int = 0
    documents: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def _events_in_order(session: Session) -> Iterator[AuditEvent]:
    last_chain, last_seq = "", 0
    while True:
        rows = (
            session.execute(
                select(AuditEvent)
                .where(
                    (AuditEvent.chain > last_chain)
                    | ((AuditEvent.chain == last_chain) & (AuditEvent.seq > last_seq))
                )
                .order_by(AuditEvent.chain, AuditEvent.seq)
                .limit(_BATCH)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last_chain, last_seq = rows[-1].chain, rows[-1].seq
        session.expunge_all()


def verify(session: Session, store: DocumentStore | None = None) -> VerifyReport:
    """Walk every chain, every record an action wrote, every checkpoint and, given the store, every stored
    document. The first problem in each chain is reported."""
    report = VerifyReport()
    heads = chain_heads(session)
    seen: dict[str, tuple[int, str]] = {}
    broken: set[str] = set()
    by_position: dict[tuple[str, int], str] = {}
    for row in _events_in_order(session):
        report.events += 1
        expected_seq, expected_prev = seen.get(row.chain, (0, GENESIS))
        by_position[(row.chain, row.seq)] = row.hash
        seen[row.chain] = (row.seq, row.hash)
        if row.chain in broken:
            continue
        problem = None
        if row.seq != expected_seq + 1:
            problem = f"사건 {expected_seq + 1}번부터 {row.seq - 1}번까지가 없습니다 (삭제됨)"
        elif row.prev_hash != expected_prev:
            problem = "이전 사건의 해시와 연결되지 않습니다"
        elif rebuild_canonical(row) != row.canonical:
            problem = "저장된 열 값이 해시된 원문과 다릅니다 (변조됨)"
        elif sha256_hex(row.canonical.encode("utf-8")) != row.hash:
            problem = "원문의 해시가 기록된 해시와 다릅니다 (변조됨)"
        if problem:
            broken.add(row.chain)
            report.problems.append(Problem(row.chain, row.seq, row.id, problem))
    report.chains = len(seen)
    for name, (seq, head_hash) in heads.items():
        if name in broken:
            continue
        if seen.get(name) != (seq, head_hash):
            report.problems.append(
                Problem(name, seq, None, "체인 머리 기록과 마지막 사건이 다릅니다 (최근 사건 삭제 또는 변조)")
            )
    _verify_records(session, report)
    if store is not None:
        _verify_documents(session, store, report)
    for checkpoint in session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars():
        report.checkpoints += 1
        recorded = loads(checkpoint.heads)
        if digest(recorded) != checkpoint.digest:
            report.problems.append(
                Problem("checkpoint", checkpoint.id, None, "체크포인트 자체가 변조되었습니다")
            )
            continue
        for name, (seq, head_hash) in sorted(recorded.items()):
            if by_position.get((name, seq)) != head_hash:
                report.problems.append(
                    Problem(
                        name,
                        seq,
                        None,
                        f"체크포인트 {checkpoint.id}번이 기록한 사건이 없거나 다릅니다 (삭제 또는 변조)",
                    )
                )
    return report


def _record_effects(session: Session) -> Iterator[tuple[AuditEvent, str, int, dict[str, Any]]]:
    """Every record an action wrote, as the effect its event must list (what the chain vouches for)."""
    queries = (
        ("facts", select(Fact.id, Fact.event_id, Fact.kind, Fact.subject, Fact.data)),
        (
            "plan_versions",
            select(
                PlanVersion.id,
                PlanVersion.event_id,
                PlanVersion.number,
                PlanVersion.content,
                PlanVersion.sha256,
            ),
        ),
        (
            "registered_numbers",
            select(
                RegisteredNumber.id,
                RegisteredNumber.event_id,
                RegisteredNumber.series,
                RegisteredNumber.year,
                RegisteredNumber.serial,
                RegisteredNumber.formatted,
            ),
        ),
        ("documents", select(Document.id, Document.event_id, Document.sha256, Document.kind)),
    )
    for table, query in queries:
        last_id = 0
        while True:
            rows = session.execute(
                query.where(query.selected_columns[0] > last_id)
                .order_by(query.selected_columns[0])
                .limit(_BATCH)
            ).all()
            if not rows:
                break
            last_id = rows[-1][0]
            events = {
                e.id: e
                for e in session.execute(
                    select(AuditEvent).where(AuditEvent.id.in_({r[1] for r in rows}))
                ).scalars()
            }
            for row in rows:
                event = events.get(row[1])
                if event is None:
                    continue
                yield event, table, row[0], _expected_effect(table, row)
            session.expunge_all()


def _expected_effect(table: str, row: Any) -> dict[str, Any]:
    if table == "facts":
        return {"fact": row.kind, "subject": row.subject, "data": loads(row.data)}
    if table == "plan_versions":
        content_ok = digest(loads(row.content)) == row.sha256
        return {"plan_version": row.number, "sha256": row.sha256 if content_ok else "(content altered)"}
    if table == "registered_numbers":
        # The stored key is "<year>:<number as printed>", since a letter's 시행 number restarts every year.
        return {
            "series": row.series,
            "year": row.year,
            "serial": row.serial,
            "number": row.formatted.partition(":")[2],
        }
    return {"document": row.sha256, "kind": row.kind}


def _verify_records(session: Session, report: VerifyReport) -> None:
    """Facts, plan versions, numbers and document links must be exactly what their event says was written."""
    for event, table, row_id, expected in _record_effects(session):
        effects = loads(event.payload).get("effects", []) if event.payload.startswith("{") else []
        listed = any(
            all(canonical_text(e.get(k)) == canonical_text(v) for k, v in expected.items())
            for e in effects
            if isinstance(e, dict)
        )
        if not listed:
            report.problems.append(
                Problem(
                    event.chain,
                    event.seq,
                    event.id,
                    f"{table} {row_id}번 기록이 이 사건이 남긴 내용과 다릅니다 (변조됨)",
                )
            )


def _verify_documents(session: Session, store: DocumentStore, report: VerifyReport) -> None:
    """Every document the trail names must still be in the store with the SHA-256 it was recorded with."""
    rows = session.execute(
        select(Document.sha256, Document.id, Document.procedure_id).order_by(Document.id)
    ).all()
    checked: dict[str, str | None] = {}
    for sha256, document_id, procedure_id in rows:
        if sha256 not in checked:
            try:
                checked[sha256] = (
                    None
                    if sha256_hex(store.get(sha256)) == sha256
                    else "내용이 기록된 SHA-256과 다릅니다 (교체·변조됨)"
                )
            except LookupError:
                checked[sha256] = "문서 저장소에 파일이 없습니다 (삭제됨)"
        report.documents += 1
        if checked[sha256] is not None:
            report.problems.append(
                Problem(
                    procedure_chain(procedure_id),
                    None,
                    None,
                    f"문서 {document_id}번 ({sha256[:12]}…): {checked[sha256]}",
                )
            )


def checkpoint(session: Session, actor: str, now: datetime) -> AuditCheckpoint:
    """Hash every chain head now; the returned line can be printed and kept outside the system."""
    heads = {name: list(head) for name, head in chain_heads(session).items()}
    row = AuditCheckpoint(created_at=now, created_by=actor, heads=canonical_text(heads), digest=digest(heads))
    session.add(row)
    session.flush()
    return row


def checkpoint_line(row: AuditCheckpoint) -> str:
    return f"gcw-checkpoint {row.id} {format_instant(row.created_at)} chains={len(loads(row.heads))} sha256={row.digest}"
