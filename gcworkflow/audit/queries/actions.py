"""2. Every action by one person (or any other narrowing): the events across procedures, and the system
chain, in chronological order."""

from __future__ import annotations

from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries._base import Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.audit.queries._definitions import procedure_infos
from gcworkflow.audit.queries._events import (
    EVENT_TABLE,
    decision_keep,
    event_conditions,
    event_row,
    fetch_events,
)
from gcworkflow.audit.queries.refusals import refusals
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent

_e = AuditEvent.__table__


def actions(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """Events across procedures (and the system chain) in chronological order; ``outcome="refused"`` gives
    the refused attempts instead (:func:`refusals`)."""
    filters.outcome_in([*base.EVENT_OUTCOMES, *base.DECISIONS, "refused"], "처리 조회")
    if filters.outcome == "refused":
        return refusals(ctx, reader, filters, page)
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}

    def body(session: Session, scope: Scope) -> QueryResult:
        conditions = event_conditions(_e, filters, scope)
        keep = decision_keep(filters.outcome)
        rows, total = fetch_events(
            session, conditions, page, [_e.c.occurred_at, _e.c.id], payload=keep is not None, keep=keep
        )
        infos = procedure_infos(session, (r.procedure_id for r in rows))
        return QueryResult(
            "actions",
            "처리 기록",
            EVENT_TABLE,
            [event_row(r, infos.get(r.procedure_id)) for r in rows],
            total,
            page,
            parameters,
        )

    return answer_rows(ctx, reader, "actions", parameters, body)
