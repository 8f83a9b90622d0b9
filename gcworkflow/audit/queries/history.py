"""1. The full history of one procedure: every event in chain order, with the documents each action produced
and their hashes, and what its payload recorded."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.audit.queries._definitions import procedure_info
from gcworkflow.audit.queries._events import (
    EVENT_TABLE,
    decision_keep,
    event_conditions,
    event_row,
    fetch_events,
    payload_of,
)
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, Document

_e = AuditEvent.__table__


def procedure_record(session: Session, procedure_id: int) -> dict[str, Any]:
    """What identifies a procedure in a report: number, title, kind and version, cluster (none change)."""
    info = procedure_info(session, procedure_id)
    return {
        "id": info.id,
        "title": info.title,
        "kind": info.kind,
        "definition_version": info.definition.version,
        "cluster": info.cluster,
    }


_HISTORY_TABLE = (
    Column("seq", "순번"),
    *(c.hidden() if c.key in ("event_id", "procedure_id") else c for c in EVENT_TABLE if c.key != "seq"),
    Column("documents", "문서(해시)"),
    Column("input", "입력", False),
    Column("effects", "기록한 내용", False),
    Column("proposal", "결재", False),
)


def history_rows(
    session: Session, procedure_id: int, filters: Filters = Filters(), page: Page = Page(None)
) -> QueryResult:
    """A procedure's history as :func:`history` answers it, without the access check or the read record (the
    records archive writes it too)."""
    info = procedure_info(session, procedure_id)
    narrowed = replace(filters, procedure_id=procedure_id)
    conditions = event_conditions(_e, narrowed, Scope("", (), True))
    rows, total = fetch_events(
        session, conditions, page, [_e.c.seq], payload=True, keep=decision_keep(filters.outcome)
    )
    documents = _documents_of(session, [r.id for r in rows])
    result = []
    for row in rows:
        payload = payload_of(row)
        item = event_row(row, info)
        item.update(
            {
                "documents": documents.get(row.id, []),
                "input": payload.get("input"),
                "effects": payload.get("effects", []),
                "proposal": payload.get("proposal"),
            }
        )
        result.append(item)
    parameters = {"procedure_id": procedure_id, "filters": filters.as_dict(), "page": page.as_dict()}
    title = f"{procedure_id}번 절차 이력 — {info.title}"
    return QueryResult("history", title, _HISTORY_TABLE, result, total, page, parameters)


def history(
    ctx: Context, reader: Reader, procedure_id: int, filters: Filters = Filters(), page: Page = Page()
) -> QueryResult:
    """Every event of one procedure in chain order, with the documents each action produced and their
    hashes, and the payload it recorded (input, effects, the proposal it carried out)."""
    filters.only(
        ("actor", "role", "trigger", "state", "outcome", "article", "since", "until"), "절차 이력 조회"
    )
    filters.outcome_in([*base.EVENT_OUTCOMES, *base.DECISIONS], "절차 이력 조회")
    parameters = {"procedure_id": procedure_id, "filters": filters.as_dict(), "page": page.as_dict()}

    def body(session: Session, scope: Scope) -> QueryResult:
        procedure_record(session, procedure_id)
        scope.require(procedure_id)
        return history_rows(session, procedure_id, filters, page)

    return answer_rows(ctx, reader, "history", parameters, body)


def _documents_of(session: Session, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for n in range(0, len(event_ids), 1000):
        rows = session.execute(
            select(Document).where(Document.event_id.in_(event_ids[n : n + 1000])).order_by(Document.id)
        ).scalars()
        for d in rows:
            found.setdefault(d.event_id, []).append(
                {
                    "id": d.id,
                    "direction": d.direction,
                    "kind": d.kind,
                    "title": d.title,
                    "filename": d.filename,
                    "media_type": d.media_type,
                    "size": d.size,
                    "sha256": d.sha256,
                }
            )
    return found
