"""Verification: every chain walked (or only what came after a checkpoint), every record an action wrote, the
current rows against the chains' projection (:mod:`~gcworkflow.audit.projection`), every checkpoint and every
stored document.

The events are read in the order they were written (by id, the table's own order) rather than chain by
chain, and the database rebuilds each row's canonical text from its columns in a statement of its own that
runs beside the walk; a row the database's rebuild does not match exactly is rebuilt again in Python, by the
one definition of the canonical form (:func:`~gcworkflow.audit.chain.rebuild_canonical`), before anything is
reported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from queue import Empty, Queue
from typing import Any

from sqlalchemy import (
    Select,
    func,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import GENESIS, chain_heads
from gcworkflow.audit.checkpoints import CheckpointLine, latest_checkpoint
from gcworkflow.audit.projection import verify_projection
from gcworkflow.audit.records import verify_documents, verify_records, verify_unreferenced
from gcworkflow.audit.report import Problem, Progress, VerifyReport
from gcworkflow.audit.scan import read_batches, scan_query, suspect_rows
from gcworkflow.audit.walk import Walk
from gcworkflow.canonical import digest, format_instant, loads
from gcworkflow.db.models import (
    AuditCheckpoint,
    AuditEvent,
)
from gcworkflow.db.session import Database
from gcworkflow.documents.store import DocumentStore

_events = AuditEvent.__table__


def scan_in_id_order(
    session: Session, walk: Walk, dialect: str, progress: Progress | None
) -> list[tuple[int, str, int]]:
    """Every event in id order, walked here while two threads work beside the walk: one reads the next batches
    (plain tuples from the driver's own cursor: a million rows through SQLAlchemy's result objects cost more
    than hashing them), one has the database compare each row's columns with its text (:func:`~gcworkflow.audit.scan.suspect_rows`).
    Waiting on the database releases Python's lock, so the database works on the second core while the walk
    hashes (on PostgreSQL the read-ahead alone takes a million events from 4.2 s to 2.6 s). Returns the
    suspects, for :meth:`Walk.suspect` once the chains are walked."""
    last_id = session.execute(select(func.max(_events.c.id))).scalar_one()
    if last_id is None:
        return []
    total = session.execute(select(func.count()).select_from(_events)).scalar_one() if progress else None
    batches: Queue[list[Sequence[Any]] | BaseException | None] = Queue(maxsize=2)
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="gcw-verify") as beside:
        suspects = beside.submit(suspect_rows, session.get_bind().engine, dialect, last_id)
        reading = beside.submit(read_batches, session, dialect, last_id, batches)
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


def _verify_checkpoint_rows(walk: Walk, report: VerifyReport, rows: Iterable[AuditCheckpoint]) -> None:
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
    """Walk every chain, every record an action wrote, the current rows against the chains' projection, every
    checkpoint and, given the store, every stored document (and every file no event references). The first
    problem in each chain is reported.

    ``since``: only what was appended after the last checkpoint (or after ``against``'s), starting from the
    heads that checkpoint recorded. ``against``: a checkpoint line kept outside the database, which must
    still match its row.
    """
    report = VerifyReport(documents_checked=store is not None)
    dialect = session.get_bind().dialect.name
    query = scan_query(dialect)
    walk = Walk(session, report)
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
        event_ids: set[int] | None = walk_since(session, walk, query, start, heads, progress)
        walk.finish(heads, checked=set(start) | set(heads))
    else:
        everyone = session.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars()
        _verify_checkpoint_rows(walk, report, everyone)
        suspects = scan_in_id_order(session, walk, dialect, progress)
        walk.rewalk(query)
        for event_id, name, seq in suspects:
            walk.suspect(event_id, name, seq)
        walk.finish(heads)
        event_ids = None
    verify_records(session, report, event_ids, progress)
    # The current rows are compared whole, also after a checkpoint: a row may be forged at any time.
    verify_projection(session, report, progress)
    if store is not None:
        verify_documents(session, store, report, event_ids, progress)
        verify_unreferenced(session, store, report)
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


def walk_since(
    session: Session,
    walk: Walk,
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
