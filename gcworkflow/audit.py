"""The tamper-evident audit trail: hash-chained events, checkpoints, verification (DESIGN.md §2).

Each procedure has its own chain (``procedure:<id>``); actions with no procedure (users, roles, clusters,
holiday overrides) go to the ``system`` chain. An event's hash covers its canonical bytes, which include the
previous event's hash. The canonical text is stored verbatim and is also rebuilt from the row's columns on
verification, so an edit to either is caught. Checkpoints hash every chain head; a checkpoint kept outside the
database (its one-line form, :class:`CheckpointLine`) is what makes deleting the newest events detectable.

Verification reads the events in the order they were written (by id, the table's own order) rather than chain
by chain, and lets the database rebuild each row's canonical text from its columns next to the data, in a
statement of its own that runs beside the walk; a row the database's rebuild does not match exactly is rebuilt
again here, by the one definition of the canonical form (:func:`rebuild_canonical`), before anything is
reported. The queries over the trail are in
``gcworkflow.audit_queries``; the records archive is in ``gcworkflow.audit_archive``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from operator import add
from queue import Empty, Queue
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    LargeBinary,
    Select,
    String,
    Text,
    cast,
    func,
    insert,
    literal_column,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping

from gcworkflow.canonical import canonical_text, digest, format_instant, loads, sha256_hex
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
from gcworkflow.db.session import Database, read_connection
from gcworkflow.documents.store import DocumentStore

__all__ = [
    "GENESIS",
    "SYSTEM_CHAIN",
    "Appended",
    "ChainHead",
    "CheckpointLine",
    "EventInput",
    "Problem",
    "Progress",
    "Sealed",
    "VerifyReport",
    "append",
    "append_system",
    "chain_heads",
    "checkpoint",
    "checkpoint_line",
    "checkpoint_unless_current",
    "latest_checkpoint",
    "procedure_chain",
    "rebuild_canonical",
    "seal",
    "sha256_hex",
    "verify",
    "verify_database",
    "verify_statements",
]

_INSERT_EVENT = insert(AuditEvent.__table__)
_events = AuditEvent.__table__

GENESIS = "0" * 64
SYSTEM_CHAIN = "system"
_BATCH = 5000
SCAN_BATCH = 20000
_SQLITE_MMAP = 1 << 40  # as much of the file as the platform lets SQLite map

# (phase, done, total): how far a long verification or export has come, for a progress bar.
Progress = Callable[[str, int, int | None], None]


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


# --- checkpoints ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckpointLine:
    """A checkpoint as one printable line: ``gcw-checkpoint <id> <UTC instant> chains=<n> sha256=<digest>``.

    Kept outside the system (printed, mailed, published), it lets anyone later check that the checkpoint row
    and every event it covers are still exactly what they were.
    """

    id: int
    created_at: str
    chains: int
    digest: str

    PREFIX = "gcw-checkpoint"

    def __str__(self) -> str:
        return f"{self.PREFIX} {self.id} {self.created_at} chains={self.chains} sha256={self.digest}"

    @classmethod
    def parse(cls, text: str) -> CheckpointLine:
        """Raises ValueError with a Korean message when the line is not one of ours."""
        parts = text.strip().split()
        try:
            prefix, ident, created_at, chains, sha = parts
            if prefix != cls.PREFIX or not chains.startswith("chains=") or not sha.startswith("sha256="):
                raise ValueError
            line = cls(
                int(ident), created_at, int(chains.removeprefix("chains=")), sha.removeprefix("sha256=")
            )
        except ValueError:
            raise ValueError(
                f"체크포인트 줄의 형식이 아닙니다: {text.strip()!r} "
                "(예: gcw-checkpoint 12 2026-03-31T06:00:00.000000Z chains=5 sha256=…)"
            ) from None
        if len(line.digest) != 64 or any(c not in "0123456789abcdef" for c in line.digest):
            raise ValueError(f"체크포인트 줄의 sha256 값이 올바르지 않습니다: {line.digest!r}")
        return line

    @classmethod
    def of(cls, row: AuditCheckpoint) -> CheckpointLine:
        return cls(row.id, format_instant(row.created_at), len(loads(row.heads)), row.digest)


def checkpoint(session: Session, actor: str, now: datetime) -> AuditCheckpoint:
    """Hash every chain head now; the returned line can be printed and kept outside the system."""
    heads = {name: list(head) for name, head in chain_heads(session).items()}
    row = AuditCheckpoint(created_at=now, created_by=actor, heads=canonical_text(heads), digest=digest(heads))
    session.add(row)
    session.flush()
    return row


def checkpoint_unless_current(session: Session, actor: str, now: datetime) -> AuditCheckpoint:
    """The latest checkpoint when no chain has moved since it was taken (a re-run writes nothing), else a new one."""
    latest = latest_checkpoint(session)
    heads = {name: list(head) for name, head in chain_heads(session).items()}
    if latest is not None and latest.heads == canonical_text(heads):
        return latest
    return checkpoint(session, actor, now)


def checkpoint_line(row: AuditCheckpoint) -> str:
    return str(CheckpointLine.of(row))


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).scalar_one_or_none()


# --- verification: the report -------------------------------------------------------------------------

SECTIONS = ("chains", "records", "checkpoints", "documents")


@dataclass
class Problem:
    chain: str
    seq: int | None
    event_id: int | None
    message: str
    section: str = "chains"
    document_id: int | None = None

    def __str__(self) -> str:
        where = f"{self.chain} #{self.seq}" if self.seq is not None else self.chain
        ident = f" (event id {self.event_id})" if self.event_id is not None else ""
        return f"{where}{ident}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "chain": self.chain,
            "seq": self.seq,
            "event_id": self.event_id,
            "document_id": self.document_id,
            "message": self.message,
        }


@dataclass
class VerifyReport:
    chains: int = 0
    events: int = 0
    records: int = 0
    checkpoints: int = 0
    documents: int = 0
    problems: list[Problem] = field(default_factory=list)
    # A partial verification (``since``) starts after this checkpoint; None: the whole trail from genesis.
    since_checkpoint: int | None = None
    # The checkpoint of an external line that was checked against the database (``against``).
    against_checkpoint: int | None = None
    documents_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def section(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.section == name]

    def finish(self) -> VerifyReport:
        """Problems grouped by section (chains first), each section in the order found (oldest event first)."""
        self.problems.sort(key=lambda p: SECTIONS.index(p.section))
        return self

    def lines(self) -> list[str]:
        """One Korean line per thing verified: chains, the records they vouch for, checkpoints, documents."""

        def verdict(name: str) -> str:
            found = self.section(name)
            return "이상 없음" if not found else f"이상 {len(found)}건 — 첫 문제: {found[0]}"

        scope = (
            f"체크포인트 {self.since_checkpoint}번 이후" if self.since_checkpoint is not None else "처음부터"
        )
        documents = (
            f"문서: {self.documents:,}건 해시 — {verdict('documents')}"
            if self.documents_checked
            else "문서: 검증하지 않음 (문서 저장소 없음)"
        )
        return [
            f"체인: {self.chains:,}개, 사건 {self.events:,}건 ({scope}) — {verdict('chains')}",
            f"기록: {self.records:,}건 (사실·조성계획·번호·문서 연결) — {verdict('records')}",
            f"체크포인트: {self.checkpoints:,}개 — {verdict('checkpoints')}",
            documents,
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "records": self.records,
            "checkpoints": self.checkpoints,
            "documents": self.documents if self.documents_checked else None,
            "since_checkpoint": self.since_checkpoint,
            "against_checkpoint": self.against_checkpoint,
            "problems": [p.as_dict() for p in self.problems],
        }


# --- verification: the database rebuilds each row's canonical text next to the data ------------------------


def _text(value: str) -> ColumnElement[str]:
    return literal_column("'" + value + "'", String)


def _canonical_rebuild(dialect: str) -> ColumnElement[Any]:
    """The canonical text of a row from its columns, as SQL: JSON strings quoted by the database, the payload
    column embedded verbatim (it is stored canonical), keys in sorted order.

    The database's "identical" is as good as Python's: both quote strings as JSON, and two JSON string
    literals that are equal decode to the same value, so columns the database rebuilds into exactly the stored
    text are the columns Python would rebuild into it. Its "different" is not trusted: the two may escape the
    same text differently (``\\u001f`` against ``\\u001F``), so such a row is decided by Python's rebuild
    (:func:`rebuild_canonical`) before anything is reported.
    """
    c = _events.c
    if dialect == "postgresql":

        def quoted(column: ColumnElement[Any]) -> ColumnElement[str]:
            return func.coalesce(cast(func.pg_catalog.to_json(column), Text), _text("null"))

        instant = func.pg_catalog.to_char(
            func.pg_catalog.timezone("UTC", c.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
        )
    else:

        def quoted(column: ColumnElement[Any]) -> ColumnElement[str]:
            return func.coalesce(func.json_quote(column), _text("null"))

        # SQLAlchemy stores SQLite instants as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, types.UTCDateTime).
        stored = cast(c.occurred_at, Text)
        instant = func.substr(stored, 1, 10, type_=String) + _text("T") + func.substr(stored, 12) + _text("Z")

    def number(column: ColumnElement[Any]) -> ColumnElement[str]:
        return func.coalesce(cast(column, Text), _text("null"))

    head: list[ColumnElement[Any]] = [
        _text('{"actor":'),
        quoted(c.actor),
        _text(',"actor_role":'),
        quoted(c.actor_role),
        _text(',"chain":'),
        quoted(c.chain),
        _text(',"comment":'),
        quoted(c.comment),
        _text(',"from_state":'),
        quoted(c.from_state),
        _text(',"interface":'),
        quoted(c.interface),
        _text(',"occurred_at":"'),
        instant,
        _text('","os_user":'),
        quoted(c.os_user),
        _text(',"payload":'),
    ]
    tail: list[ColumnElement[Any]] = [
        _text(',"prev_hash":'),
        quoted(c.prev_hash),
        _text(',"procedure_id":'),
        number(c.procedure_id),
        _text(',"procedure_version":'),
        number(c.procedure_version),
        _text(',"seq":'),
        number(c.seq),
        _text(',"to_state":'),
        quoted(c.to_state),
        _text(',"trigger":'),
        quoted(c.trigger),
        _text("}"),
    ]
    # The short head and tail are joined on their own, so the long payload is copied twice rather than at every
    # step of one flat chain of `||`. (SQLAlchemy drops a bare Grouping there; type_coerce keeps it.)
    return (
        type_coerce(Grouping(reduce(add, head)), Text)
        + cast(c.payload, Text)
        + type_coerce(Grouping(reduce(add, tail)), Text)
    )


def scan_batch(query: Select[Any] | str, *, after: int, limit: int) -> Select[Any]:
    """One batch of the id-ordered scan verification makes (``query``: the scan, or a dialect's name)."""
    scan = _scan_query(query) if isinstance(query, str) else query
    return scan.where(_events.c.id > after).order_by(_events.c.id).limit(limit)


def _scan_query(dialect: str) -> Select[Any]:
    """What verification reads of each event. The canonical text comes as its stored UTF-8 bytes, which are
    what is hashed: no decoding into a string and encoding back (for Korean text the larger part of the cost)."""
    c = _events.c
    stored = (
        func.pg_catalog.convert_to(c.canonical, "UTF8", type_=LargeBinary)
        if dialect == "postgresql"
        else cast(c.canonical, LargeBinary)
    )
    return select(
        c.id,
        c.chain,
        c.seq,
        c.prev_hash,
        c.hash,
        stored.label("canonical"),
        (c.canonical == _canonical_rebuild(dialect)).label("consistent"),
    )


def _walk_query(dialect: str) -> Select[Any]:
    """:func:`_scan_query` for the whole-trail walk, read by :func:`_read_batches`' own cursor: the columns
    are checked beside the walk (:func:`_suspects`), so ``consistent`` says true. On PostgreSQL that cursor loads
    ``text`` as the bytes on the wire, so the canonical text needs no conversion, and the other strings are
    read as ``varchar`` (still str) whatever their column's type."""
    c = _events.c
    if dialect == "postgresql":
        strings = [cast(column, String) for column in (c.chain, c.prev_hash, c.hash)]
        stored: ColumnElement[Any] = c.canonical
    else:
        strings = [c.chain, c.prev_hash, c.hash]
        stored = cast(c.canonical, LargeBinary)
    chain, prev_hash, digest_ = strings
    return select(c.id, chain, c.seq, prev_hash, digest_, stored, true())  # columns: see _suspects


def _suspects(engine: Engine, dialect: str, last_id: int) -> list[tuple[int, str, int]]:
    """(id, chain, seq) of the events up to ``last_id`` whose columns the database does not rebuild into their
    stored text. One statement that returns (almost) no rows: on a connection of its own, in a thread, it runs
    inside SQLite's C code or PostgreSQL's server without Python's lock, on the second core, while the walk
    hashes. The events are append-only, so reading them in another snapshot, bounded by the walk's last id,
    reads the same rows (an edit made between the two reads is one made after the verification; events the
    verifying transaction itself wrote and has not committed are not seen here, and keep only the walk's
    checks)."""
    query = _suspects_query(dialect, last_id)
    with read_connection(engine) as conn:
        if dialect == "sqlite":
            conn.exec_driver_sql(f"PRAGMA mmap_size={_SQLITE_MMAP}")
        try:
            return [tuple(row) for row in conn.execute(query)]
        finally:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA mmap_size=0")
            conn.rollback()


def _suspects_query(dialect: str, last_id: int) -> Select[Any]:
    c = _events.c
    consistent = c.canonical == _canonical_rebuild(dialect)
    # In id order PostgreSQL reads along the primary key, as the walk does; measured a little faster here (0.19-0.20
    # against 0.18-0.19 of hashlib) than the sequential scan it picks without the order.
    return select(c.id, c.chain, c.seq).where(c.id <= last_id, consistent.is_not(True)).order_by(c.id)


def verify_statements(dialect: str, last_id: int) -> dict[str, Select[Any]]:
    """The two statements a whole-trail verification runs side by side, for their query plans."""
    walk = scan_batch(_walk_query(dialect).where(_events.c.id <= last_id), after=0, limit=SCAN_BATCH)
    return {"the walk, one batch": walk, "the columns, beside the walk": _suspects_query(dialect, last_id)}


@dataclass
class _Chain:
    """One chain as the walk has seen it so far."""

    name: str
    seq: int = 0
    hash: str = GENESIS
    broken: bool = False
    # Seen out of order in the id-ordered scan: walked again in its own order (a deleted or re-ordered event).
    rewalk: bool = False
    # Positions checkpoints recorded for this chain: seq -> [hash, checkpoint ids, found].
    expected: dict[int, list[Any]] = field(default_factory=dict)


class _Walk:
    """Feeds rows to their chains; the first problem of each chain is reported, later rows only tracked."""

    def __init__(self, session: Session, report: VerifyReport) -> None:
        self.session = session
        self.report = report
        self.chains: dict[str, _Chain] = {}

    def chain(self, name: str) -> _Chain:
        found = self.chains.get(name)
        if found is None:
            found = self.chains[name] = _Chain(name)
        return found

    def feed(self, row: Sequence[Any], *, in_order: bool) -> None:
        """One row of the scan (id, chain, seq, prev_hash, hash, canonical bytes, consistent). ``in_order``: this
        chain's rows come in seq order (a gap is a deletion); otherwise a gap only marks the chain to be walked
        again in its own order. ``consistent``: the database's rebuild of the columns matched the text (the
        whole-trail walk says True and has them checked beside it, :func:`_suspects`)."""
        event_id, name, seq, prev_hash, digest, canonical, consistent = row
        chain = self.chains.get(name) or self.chain(name)
        if chain.rewalk and not in_order:
            return
        if chain.expected:
            mark = chain.expected.get(seq)
            if mark is not None:
                mark[2] = True
                if mark[0] != digest:
                    self._checkpoint_mismatch(name, seq, mark)
        if chain.broken:
            chain.seq, chain.hash = seq, digest
            return
        problem = None
        if seq != chain.seq + 1:
            if not in_order:
                chain.rewalk = True
                return
            problem = (
                f"사건 {chain.seq + 1}번부터 {seq - 1}번까지가 없습니다 (삭제됨)"
                if seq > chain.seq + 1
                else f"사건 {seq}번이 중복되었습니다"
            )
        elif prev_hash != chain.hash:
            problem = "이전 사건의 해시와 연결되지 않습니다"
        # The database's "identical" holds (see _canonical_rebuild); its "different" is Python's to decide.
        elif not consistent and not self._columns_match(event_id):
            problem = "저장된 열 값이 해시된 원문과 다릅니다 (변조됨)"
        elif hashlib.sha256(canonical).hexdigest() != digest:
            problem = "원문의 해시가 기록된 해시와 다릅니다 (변조됨)"
        if problem:
            chain.broken = True
            self.report.problems.append(Problem(name, seq, event_id, problem))
        chain.seq, chain.hash = seq, digest

    def suspect(self, event_id: int, name: str, seq: int) -> None:
        """A row the database's rebuild did not match, found beside the walk: decided here, by Python's rebuild;
        reported as its chain's problem unless the chain broke earlier (the walk's later problem gives way)."""
        if self._columns_match(event_id) is not False:
            return
        earlier = [p for p in self.report.problems if p.section == "chains" and p.chain == name]
        if any(p.seq is not None and p.seq <= seq for p in earlier):
            return
        self.report.problems = [p for p in self.report.problems if p not in earlier]
        self.report.problems.append(
            Problem(name, seq, event_id, "저장된 열 값이 해시된 원문과 다릅니다 (변조됨)")
        )
        self.report.problems.sort(key=lambda p: (p.section != "chains", p.event_id is None, p.event_id or 0))
        self.chain(name).broken = True

    def _columns_match(self, event_id: int) -> bool | None:
        """The exact check, by the Python definition of the canonical form (the database's rebuild differed).
        None: the row is not in this verification's snapshot (committed after it began)."""
        row = self.session.get(AuditEvent, event_id)
        if row is None:
            return None
        try:
            return rebuild_canonical(row) == row.canonical
        except ValueError:  # the payload column is no longer JSON
            return False
        finally:
            self.session.expunge(row)

    def _checkpoint_mismatch(self, chain: str, seq: int, mark: list[Any]) -> None:
        ids = sorted(mark[1])
        others = f" 외 {len(ids) - 1}개" if len(ids) > 1 else ""
        self.report.problems.append(
            Problem(
                chain,
                seq,
                None,
                f"체크포인트 {ids[0]}번{others}이 기록한 사건이 없거나 다릅니다 (삭제 또는 변조)",
                section="checkpoints",
            )
        )

    def expect(self, checkpoint_id: int, heads: dict[str, list[Any]]) -> None:
        for name, (seq, head_hash) in heads.items():
            mark = self.chain(name).expected.setdefault(seq, [head_hash, set(), False])
            mark[1].add(checkpoint_id)
            if mark[0] != head_hash:  # two checkpoints disagree about one position: one of them was altered
                self._checkpoint_mismatch(name, seq, mark)

    def rewalk(self, query: Select[Any]) -> None:
        """Walk again, in seq order, each chain the id-ordered scan saw out of order."""
        for chain in [c for c in self.chains.values() if c.rewalk]:
            chain.seq, chain.hash, chain.broken = 0, GENESIS, False
            for mark in chain.expected.values():
                mark[2] = False
            rows = self.session.execute(
                query.where(_events.c.chain == chain.name).order_by(_events.c.seq)
            ).all()
            for row in rows:
                self.feed(row, in_order=True)

    def finish(self, heads: dict[str, tuple[int, str]], *, checked: Iterable[str] | None = None) -> None:
        """Compare every recorded head with the last event of its chain; report checkpoint positions unseen."""
        names = set(heads) | set(self.chains) if checked is None else set(checked)
        for name in sorted(names):
            chain = self.chains.get(name)
            recorded = heads.get(name)
            if chain is not None and chain.broken:
                continue
            last = (chain.seq, chain.hash) if chain is not None and chain.seq else None
            if recorded is None and last is not None:
                self.report.problems.append(
                    Problem(name, last[0], None, "체인 머리 기록이 없습니다 (절차 행 또는 체인 행이 변조됨)")
                )
            elif recorded is not None and last != tuple(recorded):
                self.report.problems.append(
                    Problem(
                        name,
                        recorded[0],
                        None,
                        "체인 머리 기록과 마지막 사건이 다릅니다 (최근 사건 삭제 또는 변조)",
                    )
                )
        for chain in self.chains.values():
            for seq, mark in sorted(chain.expected.items()):
                if not mark[2]:
                    self._checkpoint_mismatch(chain.name, seq, mark)
        self.report.chains = len([c for c in self.chains.values() if c.seq or c.broken])


def _scan_in_id_order(
    session: Session, walk: _Walk, dialect: str, progress: Progress | None
) -> list[tuple[int, str, int]]:
    """Every event in id order, walked here while two threads work beside the walk: one reads the next batches
    (plain tuples from the driver's own cursor: a million rows through SQLAlchemy's result objects cost more
    than hashing them), one has the database compare each row's columns with its text (:func:`_suspects`).
    Waiting on the database releases Python's lock, so the database works on the second core while the walk
    hashes (on PostgreSQL the read-ahead alone takes a million events from 4.2 s to 2.6 s). Returns the
    suspects, for :meth:`_Walk.suspect` once the chains are walked."""
    last_id = session.execute(select(func.max(_events.c.id))).scalar_one()
    if last_id is None:
        return []
    total = session.execute(select(func.count()).select_from(_events)).scalar_one() if progress else None
    batches: Queue[list[Sequence[Any]] | BaseException | None] = Queue(maxsize=2)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="gcw-verify") as beside:
        suspects = beside.submit(_suspects, session.get_bind().engine, dialect, last_id)
        reading = beside.submit(_read_batches, session, dialect, last_id, batches)
        try:
            while (rows := batches.get()) is not None:
                if isinstance(rows, BaseException):
                    raise rows
                for row in rows:
                    walk.feed(row, in_order=False)
                walk.report.events += len(rows)
                if progress:
                    progress("사건", walk.report.events, total)
        finally:
            while not reading.done():  # a walk that stopped early lets the reader finish
                with suppress(Empty):
                    batches.get(timeout=0.1)
        return suspects.result()


def _read_batches(
    session: Session, dialect: str, last_id: int, batches: Queue[list[Sequence[Any]] | BaseException | None]
) -> None:
    """The walk's reader: id-ordered batches into ``batches``, then None (or the error that stopped it). It has
    the session's connection to itself while the walk runs: the walk asks nothing of the database meanwhile
    (its column checks come after, from :func:`_suspects`)."""
    try:
        driver = session.connection().connection.driver_connection
        engine_dialect = session.get_bind().dialect
        scan = _walk_query(dialect).where(_events.c.id <= last_id)
        cursor = driver.cursor(binary=True) if dialect == "postgresql" else driver.cursor()
        if dialect == "postgresql":
            # Binary results carry text as its UTF-8 bytes: loaded as they are, the canonical text is hashed
            # without the server converting it or the client decoding it.
            from psycopg.types.string import ByteaBinaryLoader

            cursor.adapters.register_loader("text", ByteaBinaryLoader)
        else:
            # Read the file through a memory map for the scan: no read call and copy per page (half the time of
            # reading a row); set back afterwards, as the connection returns to the pool.
            cursor.execute(f"PRAGMA mmap_size={_SQLITE_MMAP}")
        try:
            after = 0
            while True:
                statement = scan_batch(scan, after=after, limit=SCAN_BATCH)
                cursor.execute(
                    str(statement.compile(dialect=engine_dialect, compile_kwargs={"literal_binds": True}))
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                batches.put(rows)
                after = rows[-1][0]
        finally:
            if dialect == "sqlite":
                cursor.execute("PRAGMA mmap_size=0")
            cursor.close()
        batches.put(None)
    except BaseException as exc:  # handed to the walk, which raises it
        batches.put(exc)


def _verify_checkpoint_rows(walk: _Walk, report: VerifyReport, rows: Iterable[AuditCheckpoint]) -> None:
    """Each checkpoint must hash to its digest; the positions it recorded are then looked for in the walk."""
    for row in rows:
        report.checkpoints += 1
        recorded = loads(row.heads)
        if digest(recorded) != row.digest:
            report.problems.append(
                Problem("checkpoint", row.id, None, "체크포인트 자체가 변조되었습니다", section="checkpoints")
            )
            continue
        walk.expect(row.id, recorded)


def _check_against(session: Session, line: CheckpointLine, report: VerifyReport) -> AuditCheckpoint | None:
    """The checkpoint an external line names must still be in the database, exactly as printed."""
    report.against_checkpoint = line.id
    row = session.get(AuditCheckpoint, line.id)
    problem = None
    if row is None:
        problem = "외부에 보관한 체크포인트가 데이터베이스에 없습니다 (삭제됨)"
    elif row.digest != line.digest or format_instant(row.created_at) != line.created_at:
        problem = "외부에 보관한 체크포인트 줄과 데이터베이스의 체크포인트가 다릅니다 (변조됨)"
    elif digest(loads(row.heads)) != line.digest:
        problem = "체크포인트 자체가 변조되었습니다"
    if problem:
        report.problems.append(Problem("checkpoint", line.id, None, problem, section="checkpoints"))
        return None
    return row


def verify(
    session: Session,
    store: DocumentStore | None = None,
    *,
    since: bool = False,
    against: CheckpointLine | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Walk every chain, every record an action wrote, every checkpoint and, given the store, every stored
    document. The first problem in each chain is reported.

    ``since``: only what was appended after the last checkpoint (or after ``against``'s), starting from the
    heads that checkpoint recorded. ``against``: a checkpoint line kept outside the database, which must
    still match its row.
    """
    report = VerifyReport(documents_checked=store is not None)
    dialect = session.get_bind().dialect.name
    query = _scan_query(dialect)
    walk = _Walk(session, report)
    base = _check_against(session, against, report) if against is not None else None
    if since and against is None:
        base = latest_checkpoint(session)
    heads = chain_heads(session)
    if since and base is not None:
        report.since_checkpoint = base.id
        later = session.execute(
            select(AuditCheckpoint).where(AuditCheckpoint.id >= base.id).order_by(AuditCheckpoint.id)
        ).scalars()
        _verify_checkpoint_rows(walk, report, later)
        start = {name: tuple(head) for name, head in loads(base.heads).items()}
        event_ids: set[int] | None = _walk_since(session, walk, query, start, heads, progress)
        walk.finish(heads, checked=set(start) | set(heads))
    else:
        everyone = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars()
        _verify_checkpoint_rows(walk, report, everyone)
        suspects = _scan_in_id_order(session, walk, dialect, progress)
        walk.rewalk(query)
        for event_id, name, seq in suspects:
            walk.suspect(event_id, name, seq)
        walk.finish(heads)
        event_ids = None
    _verify_records(session, report, event_ids, progress)
    if store is not None:
        _verify_documents(session, store, report, event_ids, progress)
    return report.finish()


def verify_database(
    db: Database,
    store: DocumentStore | None = None,
    *,
    since: bool = False,
    against: CheckpointLine | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """:func:`verify` in a transaction of its own that sees one snapshot throughout, so actions committed while
    a long verification runs cannot make a head and its chain disagree (PostgreSQL: REPEATABLE READ; an SQLite
    read transaction is a snapshot already)."""
    options = {"isolation_level": "REPEATABLE READ"} if db.dialect == "postgresql" else {}
    with Session(db.engine.execution_options(**options)) as session, session.begin():
        return verify(session, store, since=since, against=against, progress=progress)


def _walk_since(
    session: Session,
    walk: _Walk,
    query: Select[Any],
    start: dict[str, tuple[int, str]],
    heads: dict[str, tuple[int, str]],
    progress: Progress | None,
) -> set[int]:
    """From the checkpoint's heads on: a chain that has not moved needs only its head event checked; one that
    moved (or is new) is walked from the checkpoint's head (or from genesis). Returns the ids of the events
    checked."""
    still = sorted(name for name, head in start.items() if heads.get(name) == head)
    moved = sorted((set(start) | set(heads)) - set(still))
    total, walked = len(still) + len(moved), set()

    def check(row: Any, from_seq: int) -> None:
        walked.add(row.id)
        if row.seq == from_seq:
            # The checkpoint's head event: its own bytes are checked, and the chain continues from it.
            chain = walk.chain(row.chain)
            chain.seq, chain.hash = row.seq - 1, row.prev_hash
        walk.feed(row, in_order=True)

    for n in range(0, len(still), 500):
        batch = still[n : n + 500]
        positions = [(name, start[name][0]) for name in batch]
        for row in session.execute(query.where(tuple_(_events.c.chain, _events.c.seq).in_(positions))):
            check(row, start[row.chain][0])
        if progress:
            progress("체인", n + len(batch), total)
    for n, name in enumerate(moved, start=len(still) + 1):
        from_seq, from_hash = start.get(name, (0, GENESIS))
        chain = walk.chain(name)
        # Should the checkpoint's head event itself be gone, the next one must still link to its hash.
        chain.seq, chain.hash = from_seq, from_hash
        rows = session.execute(
            query.where(_events.c.chain == name, _events.c.seq >= from_seq).order_by(_events.c.seq)
        )
        for row in rows:
            check(row, from_seq)
        if progress:
            progress("체인", n, total)
    walk.report.events = len(walked)
    return walked


# --- verification: what each action wrote, and the stored documents -------------------------------------


def _record_queries() -> tuple[tuple[str, Select[Any]], ...]:
    return (
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


def _record_batches(
    session: Session, event_ids: set[int] | None
) -> Iterator[tuple[str, list[Any], dict[int, Any]]]:
    """Every record an action wrote, in batches, with the events that wrote them (chain, seq, payload)."""
    for table, query in _record_queries():
        key, event_column = query.selected_columns[0], query.selected_columns[1]
        if event_ids is not None:
            ordered = sorted(event_ids)
            chunks: Iterable[Any] = (
                query.where(event_column.in_(ordered[n : n + 1000])) for n in range(0, len(ordered), 1000)
            )
            for chunk in chunks:
                rows = session.execute(chunk).all()
                yield table, rows, _events_of(session, rows)
            continue
        last_id = 0
        while True:
            rows = session.execute(query.where(key > last_id).order_by(key).limit(_BATCH)).all()
            if not rows:
                break
            last_id = rows[-1][0]
            yield table, rows, _events_of(session, rows)


def _events_of(session: Session, rows: list[Any]) -> dict[int, Any]:
    e = _events.c
    wanted = {r[1] for r in rows}
    return {
        r.id: r
        for r in session.execute(select(e.id, e.chain, e.seq, e.payload).where(e.id.in_(wanted))).all()
    }


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


def _effects(payload: str) -> list[dict[str, Any]]:
    try:
        parsed = loads(payload)
    except ValueError:
        return []
    effects = parsed.get("effects", []) if isinstance(parsed, dict) else []
    return [e for e in effects if isinstance(e, dict)]


def _verify_records(
    session: Session, report: VerifyReport, event_ids: set[int] | None, progress: Progress | None
) -> None:
    """Facts, plan versions, numbers and document links must be exactly what their event says was written."""
    parsed: dict[int, list[dict[str, Any]]] = {}
    for table, rows, events in _record_batches(session, event_ids):
        for row in rows:
            report.records += 1
            event = events.get(row[1])
            if event is None:
                continue
            if event.id not in parsed:
                parsed[event.id] = _effects(event.payload)
            expected = {k: canonical_text(v) for k, v in _expected_effect(table, row).items()}
            listed = any(
                all(canonical_text(e.get(k)) == v for k, v in expected.items()) for e in parsed[event.id]
            )
            if not listed:
                report.problems.append(
                    Problem(
                        event.chain,
                        event.seq,
                        event.id,
                        f"{table} {row[0]}번 기록이 이 사건이 남긴 내용과 다릅니다 (변조됨)",
                        section="records",
                    )
                )
        parsed.clear()
        if progress:
            progress("기록", report.records, None)


def _verify_documents(
    session: Session,
    store: DocumentStore,
    report: VerifyReport,
    event_ids: set[int] | None,
    progress: Progress | None,
) -> None:
    """Every document the trail names must still be in the store with the SHA-256 it was recorded with."""
    query = select(Document.sha256, Document.id, Document.procedure_id, Document.event_id).order_by(
        Document.id
    )
    rows = [r for r in session.execute(query).all() if event_ids is None or r.event_id in event_ids]
    checked: dict[str, str | None] = {}
    for n, (sha256, document_id, procedure_id, _event_id) in enumerate(rows, start=1):
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
                    section="documents",
                    document_id=document_id,
                )
            )
        if progress and n % 100 == 0:
            progress("문서", n, len(rows))
