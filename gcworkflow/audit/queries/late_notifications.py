"""5. Late governor notifications: every one recorded after its "지체 없이" SLA date (법 제9조제3항), with
the justification recorded for it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.audit.queries._definitions import procedure_infos
from gcworkflow.audit.queries._events import (
    EVENT_COLUMNS,
    effect_facts,
    event_conditions,
    payload_of,
    recorded_by,
)
from gcworkflow.canonical import format_instant
from gcworkflow.clock import to_kst
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent
from gcworkflow.procedures.common import party_name

_e = AuditEvent.__table__

_TABLE = (
    col.EVENT_ID,
    col.PROCEDURE_ID,
    col.PROCEDURE_TITLE,
    Column("governor", "통보 대상 코드", False),
    Column("governor_name", "통보 대상"),
    Column("sent_at_kst", "발송(KST)"),
    Column("sent_at", "발송(UTC)", False),
    Column("due", "기한"),
    Column("days_late", "지연(일)"),
    Column("channel", "경로", False),
    Column("message_id", "문서번호", False),
    col.RECORDED_BY,
    Column("recorded_at_kst", "기록 시각(KST)", False),
    Column("justified", "사유 기록"),
    Column("justification", "지연 사유"),
    Column("justified_by", "사유 기록자", False),
    Column("justified_at_kst", "사유 기록 시각(KST)", False),
    Column("justification_event_id", "사유 사건", False),
    col.BASIS,
)


def late_notifications(
    ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()
) -> QueryResult:
    """Every governor notification recorded after its "지체 없이" SLA date (법 제9조제3항), with the
    justification recorded for it (the latest, whenever recorded); ``outcome`` justified / unjustified."""
    filters.outcome_in(("justified", "unjustified"), "통보 지연 조회")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}

    def late_facts(row: Any) -> list[dict[str, Any]]:
        facts = effect_facts(payload_of(row), "governor_notification")
        return [f for f in facts if f.get("data", {}).get("late") is True]

    def body(session: Session, scope: Scope) -> QueryResult:
        narrowed = replace(filters, outcome=None)
        conditions = [
            *event_conditions(_e, narrowed, scope),
            recorded_by(_e, "record_governor_notification", "governor_notification"),
        ]
        query = select(*EVENT_COLUMNS, _e.c.payload).where(*conditions)  # ordered here, as fetch_events
        rows = sorted(session.execute(query), key=lambda row: (row.occurred_at, row.id))
        notified = [(row, fact) for row in rows for fact in late_facts(row)]
        justifications = _justifications(session, {row.procedure_id for row, _ in notified})
        infos = procedure_infos(session, (row.procedure_id for row, _ in notified))
        result = []
        for row, fact in notified:
            data, party = fact.get("data", {}), fact.get("subject", "")
            justified = justifications.get((row.procedure_id, party))
            if filters.outcome == "justified" and justified is None:
                continue
            if filters.outcome == "unjustified" and justified is not None:
                continue
            sent = datetime.fromisoformat(data["sent_at"].replace("Z", "+00:00"))
            sent_day, due = to_kst(sent).date(), date.fromisoformat(data["due"]) if data.get("due") else None
            info = infos.get(row.procedure_id)
            result.append(
                {
                    "event_id": row.id,
                    "procedure_id": row.procedure_id,
                    "procedure_title": info.title if info else None,
                    "governor": party,
                    "governor_name": party_name(party, sent_day),
                    "sent_at": format_instant(sent),
                    "sent_at_kst": base.kst_text(sent),
                    "due": due.isoformat() if due else None,
                    "days_late": (sent_day - due).days if due else None,
                    "channel": data.get("channel"),
                    "message_id": data.get("message_id"),
                    "recorded_by": row.actor,
                    "recorded_at_kst": base.kst_text(row.occurred_at),
                    "justified": justified is not None,
                    "justification": justified["justification"] if justified else None,
                    "justified_by": justified["actor"] if justified else None,
                    "justified_at_kst": justified["at"] if justified else None,
                    "justification_event_id": justified["event_id"] if justified else None,
                    "basis": "녹색융합클러스터법 제9조제3항",
                }
            )
        return QueryResult(
            "late_notifications",
            "지연된 시·도지사 통보",
            _TABLE,
            page.cut(result),
            len(result),
            page,
            parameters,
        )

    return answer_rows(ctx, reader, "late_notifications", parameters, body)


def _justifications(session: Session, procedure_ids: set[int]) -> dict[tuple[int, str], dict[str, Any]]:
    """The latest late-notification justification per (procedure, governor), corrections included."""
    found: dict[tuple[int, str], dict[str, Any]] = {}
    if not procedure_ids:
        return found
    query = (
        select(_e.c.id, _e.c.procedure_id, _e.c.occurred_at, _e.c.actor, _e.c.payload)
        .where(
            _e.c.procedure_id.in_(sorted(procedure_ids)),
            recorded_by(_e, "justify_late_notification", "late_justification"),
        )
        .order_by(_e.c.procedure_id, _e.c.seq)
    )
    for row in session.execute(query):
        for fact in effect_facts(payload_of(row), "late_justification"):
            found[(row.procedure_id, fact.get("subject", ""))] = {
                "justification": fact.get("data", {}).get("justification"),
                "actor": row.actor,
                "at": base.kst_text(row.occurred_at),
                "event_id": row.id,
            }
    return found
