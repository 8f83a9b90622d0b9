"""3. Committee decisions: every one recorded (and each correction of one), with the meeting, the votes and
the 의결서."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.audit.queries._definitions import basis_of, procedure_infos
from gcworkflow.audit.queries._events import (
    effect_facts,
    event_conditions,
    fetch_events,
    occurred,
    payload_of,
    recorded_by,
)
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent

_e = AuditEvent.__table__

_TABLE = (
    col.EVENT_ID,
    Column("occurred_at_kst", "기록 시각(KST)"),
    Column("occurred_at", "기록 시각(UTC)", False),
    col.PROCEDURE_ID,
    col.PROCEDURE_TITLE.shown(),
    Column("meeting", "회의"),
    Column("decision", "의결"),
    Column("votes_for", "찬성"),
    Column("votes_against", "반대"),
    Column("abstentions", "기권"),
    Column("amendments", "수정 내용", False),
    Column("resolution_sha256", "의결서 SHA-256", False),
    col.RECORDED_BY.shown(),
    Column("correction", "정정"),
    Column("corrects_event_id", "정정 대상 사건", False),
    Column("correction_reason", "정정 사유", False),
    col.BASIS,
    col.HASH,
)


def decisions(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """Every committee decision recorded (and each correction of one), with the meeting, the votes and the
    의결서; ``outcome`` narrows to one decision (원안 의결, 수정 의결, 보완, 부결, 보류)."""
    filters.outcome_in([*base.DECISIONS, "committee_decision"], "위원회 의결 조회")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    wanted = filters.outcome if filters.outcome in base.DECISIONS else None

    def decision_of(row: Any) -> dict[str, Any] | None:
        facts = effect_facts(payload_of(row), "committee_decision")
        return facts[0].get("data", {}) if facts else None

    def keep(row: Any) -> bool:
        data = decision_of(row)
        return data is not None and (wanted is None or data.get("decision") == wanted)

    def body(session: Session, scope: Scope) -> QueryResult:
        narrowed = replace(filters, outcome=None)
        conditions = [
            *event_conditions(_e, narrowed, scope),
            recorded_by(_e, "record_committee_decision", "committee_decision"),
        ]
        rows, total = fetch_events(
            session, conditions, page, [_e.c.occurred_at, _e.c.id], payload=True, keep=keep
        )
        infos = procedure_infos(session, (r.procedure_id for r in rows))
        result = []
        for row in rows:
            data = decision_of(row) or {}
            info = infos.get(row.procedure_id)
            result.append(
                {
                    "event_id": row.id,
                    **occurred(row, info),
                    "meeting": data.get("meeting"),
                    "decision": data.get("decision"),
                    "votes_for": data.get("votes_for"),
                    "votes_against": data.get("votes_against"),
                    "abstentions": data.get("abstentions"),
                    "amendments": data.get("amendments"),
                    "resolution_sha256": data.get("resolution_document_sha256"),
                    "recorded_by": row.actor,
                    "correction": row.trigger == "correct",
                    "corrects_event_id": data.get("corrects_event_id"),
                    "correction_reason": data.get("correction_reason"),
                    "basis": basis_of(info.definition if info else None, row.trigger),
                    "hash": row.hash,
                }
            )
        return QueryResult("decisions", "위원회 심의 결과", _TABLE, result, total, page, parameters)

    return answer_rows(ctx, reader, "decisions", parameters, body)
