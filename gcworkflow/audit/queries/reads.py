"""Who read what: the record of reads itself, for those who may query everything."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.canonical import format_instant, loads
from gcworkflow.context import Context
from gcworkflow.errors import Forbidden

_TABLE = (
    Column("id", "번호"),
    col.AT_KST,
    col.AT_UTC,
    Column("actor", "조회자"),
    Column("roles", "권한"),
    col.INTERFACE.shown(),
    col.OS_USER,
    Column("query", "조회"),
    Column("parameters", "조건"),
    Column("rows", "행 수"),
    Column("outcome", "결과"),
)


def reads(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """The record of reads itself (who queried what, when): for those who may query everything."""
    filters.only(("actor", "role", "outcome", "since", "until"), "조회 기록")
    filters.outcome_in(["ok", *base.REFUSAL_CODES], "조회 기록")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    c = base.audit_reads.c

    def body(session: Session, scope: Scope) -> QueryResult:
        if not scope.everything:
            raise Forbidden("조회 기록은 감사·결재권자만 볼 수 있습니다")
        conditions: list[ColumnElement[bool]] = []
        if filters.actor is not None:
            conditions.append(c.actor == filters.actor)
        if filters.role is not None:
            conditions.append(("," + c.roles + ",").like(f"%,{filters.role},%"))
        if filters.outcome is not None:
            conditions.append(c.outcome == filters.outcome)
        conditions.extend(filters.period(c.occurred_at))
        total = session.execute(
            select(func.count()).select_from(base.audit_reads).where(*conditions)
        ).scalar_one()
        rows = session.execute(
            page.apply(select(base.audit_reads).where(*conditions).order_by(c.occurred_at, c.id))
        )
        result = [
            {
                "id": row.id,
                "occurred_at": format_instant(row.occurred_at),
                "occurred_at_kst": base.kst_text(row.occurred_at),
                "actor": row.actor,
                "roles": row.roles,
                "interface": row.interface,
                "os_user": row.os_user,
                "query": row.query,
                "parameters": loads(row.parameters),
                "rows": row.rows,
                "outcome": row.outcome,
            }
            for row in rows
        ]
        return QueryResult("reads", "감사 기록 조회 이력", _TABLE, result, total, page, parameters)

    return answer_rows(ctx, reader, "reads", parameters, body)
