"""What each action wrote (facts, plan versions, numbers, document links) against what its event says it
wrote, and the stored documents against the SHA-256 they were recorded with."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import (
    Select,
    select,
)
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import procedure_chain
from gcworkflow.audit.findings import payload_of
from gcworkflow.audit.report import Problem, Progress, VerifyReport
from gcworkflow.canonical import canonical_text, digest, loads, sha256_hex
from gcworkflow.db.models import (
    AuditEvent,
    Document,
    Fact,
    PlanVersion,
    RegisteredNumber,
)
from gcworkflow.documents.store import DocumentStore

_events = AuditEvent.__table__
_BATCH = 5000


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


def verify_records(
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


def verify_documents(
    session: Session,
    store: DocumentStore,
    report: VerifyReport,
    event_ids: set[int] | None,
    progress: Progress | None,
) -> None:
    """Every document the trail names must still be in the store with the SHA-256 it was recorded with, and
    an issued PDF must carry an intact signature by the certificate its event recorded (issue #17)."""
    query = select(
        Document.sha256, Document.id, Document.procedure_id, Document.event_id, Document.direction
    ).order_by(Document.id)
    rows = [r for r in session.execute(query).all() if event_ids is None or r.event_id in event_ids]
    signers = _recorded_signers(session, {r.event_id for r in rows if r.direction == "issued"})
    checked: dict[str, list[str]] = {}
    for n, (sha256, document_id, procedure_id, event_id, _direction) in enumerate(rows, start=1):
        if sha256 not in checked:
            checked[sha256] = _document_problems(store, sha256, signers.get((event_id, sha256)), report)
        report.documents += 1
        for problem in checked[sha256]:
            report.problems.append(
                Problem(
                    procedure_chain(procedure_id),
                    None,
                    None,
                    f"문서 {document_id}번 ({sha256[:12]}…): {problem}",
                    section="documents",
                    document_id=document_id,
                )
            )
        if progress and n % 100 == 0:
            progress("문서", n, len(rows))


def _recorded_signers(session: Session, event_ids: set[int]) -> dict[tuple[int, str], str]:
    """The signer certificate's SHA-256 each ``document_issued`` event recorded for its PDF (by the event and
    the PDF's SHA-256: the event links the HWPX twin too, which is not signed; none before issue #17)."""
    signers: dict[tuple[int, str], str] = {}
    ordered = sorted(event_ids)
    for n in range(0, len(ordered), 1000):
        events = select(_events.c.id, _events.c.payload).where(_events.c.id.in_(ordered[n : n + 1000]))
        for event_id, payload in session.execute(events):
            given = payload_of(payload).get("input")
            if not isinstance(given, dict):
                continue
            pdf, signer = given.get("sha256"), given.get("signer_sha256")
            if isinstance(pdf, str) and isinstance(signer, str):
                signers[(event_id, pdf)] = signer
    return signers


def _document_problems(
    store: DocumentStore, sha256: str, signer: str | None, report: VerifyReport
) -> list[str]:
    try:
        data = store.get(sha256)
    except LookupError:
        return ["문서 저장소에 파일이 없습니다 (삭제됨)"]
    problems = [] if sha256_hex(data) == sha256 else ["내용이 기록된 SHA-256과 다릅니다 (교체·변조됨)"]
    if signer is not None:
        # pyHanko loads only when there is a signed document to check (about 0.4 s; ~15 ms per document).
        from gcworkflow.documents.verification import stored_signature_problem

        report.signatures += 1
        problem = stored_signature_problem(data, signer)
        if problem is not None:
            problems.append(f"전자서명: {problem}")
    return problems


def verify_unreferenced(session: Session, store: DocumentStore, report: VerifyReport) -> None:
    """Every file in the store must be a document some event linked (its ``documents`` row, vouched for by
    that event): a file put there without a record, or a record's row deleted, is named by its path."""
    referenced = {f"{sha[:2]}/{sha}" for sha in session.execute(select(Document.sha256).distinct()).scalars()}
    for path in store.files():
        if path not in referenced:
            report.problems.append(
                Problem(
                    "store",
                    None,
                    None,
                    f"문서 저장소의 {path} 파일을 참조하는 사건이 없습니다 (기록 없이 추가되었거나 문서 기록이 "
                    "삭제됨: 확인한 뒤 옮기거나 지우십시오)",
                    section="documents",
                )
            )
