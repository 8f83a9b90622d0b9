"""4. Refused attempts and why: who, when, what, the refusal's code and message, each unmet requirement with
its basis, and the stage the procedure was in at that moment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.audit.queries._definitions import action_label, cites, procedure_infos, state_label
from gcworkflow.audit.queries._events import in_procedures, occurred
from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, RefusedAttempt, RoleGrant, User

_e = AuditEvent.__table__
_r = RefusedAttempt.__table__

_TABLE = (
    Column("refusal_id", "번호"),
    col.AT_KST,
    col.AT_UTC,
    col.PROCEDURE_ID,
    col.PROCEDURE_TITLE,
    Column("state_then", "당시 단계 코드", False),
    Column("stage_then", "당시 단계"),
    col.ACTOR,
    col.INTERFACE,
    col.TRIGGER,
    col.ACTION,
    Column("code", "거부 코드", False),
    Column("code_label", "거부"),
    Column("message", "사유"),
    Column("bases", "근거"),
    Column("unmet", "미충족 요건", False),
)


def refusals(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """Every refused attempt: who, when, what, the refusal's code and message, each unmet requirement with
    its basis, and the stage the procedure was in at that moment (replayed from its events)."""
    filters.outcome_in([*base.REFUSAL_CODES, "refused"], "거부된 시도 조회")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    r = _r.c
    state_then = (
        select(_e.c.to_state)
        .where(_e.c.procedure_id == r.procedure_id, _e.c.occurred_at <= r.occurred_at)
        .order_by(_e.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )

    def keep(row: Any) -> bool:
        return any(cites(u.get("basis"), filters.article or "") for u in loads(row.unmet))

    def body(session: Session, scope: Scope) -> QueryResult:
        conditions = scope.events(r.procedure_id, r.actor)
        if filters.procedure_id is not None:
            conditions.append(r.procedure_id == filters.procedure_id)
        chosen = in_procedures(r.procedure_id, filters)
        if chosen is not None:
            # An attempt to open a procedure has none yet: its trigger names the kind ("open:designation").
            opening = (
                r.trigger == f"open:{filters.kind}"
                if filters.kind and filters.cluster_id is None
                else false()
            )
            conditions.append(or_(chosen, opening))
        if filters.actor is not None:
            conditions.append(r.actor == filters.actor)
        if filters.role is not None:
            holders = (
                select(User.username)
                .join(RoleGrant, RoleGrant.user_id == User.id)
                .where(RoleGrant.role == filters.role)
            )
            conditions.append(r.actor.in_(holders))
        if filters.trigger is not None:
            conditions.append(
                or_(r.trigger == filters.trigger, r.trigger.like("open:%"))
                if filters.trigger == "open"
                else r.trigger == filters.trigger
            )
        if filters.state is not None:
            conditions.append(state_then == filters.state)
        if filters.outcome in base.REFUSAL_CODES:
            conditions.append(r.code == filters.outcome)
        conditions.extend(filters.period(r.occurred_at))
        query = select(_r, state_then.label("state_then")).where(*conditions).order_by(r.occurred_at, r.id)
        if filters.article is None:
            total = session.execute(select(func.count()).select_from(_r).where(*conditions)).scalar_one()
            rows = session.execute(page.apply(query)).all()
        else:
            matching = [row for row in session.execute(query) if keep(row)]
            rows, total = page.cut(matching), len(matching)
        infos = procedure_infos(session, (row.procedure_id for row in rows))
        result = []
        for row in rows:
            info = infos.get(row.procedure_id)
            definition = info.definition if info else None
            unmet = loads(row.unmet)
            result.append(
                {
                    "refusal_id": row.id,
                    **occurred(row, info),
                    "state_then": row.state_then,
                    "stage_then": state_label(definition, row.state_then),
                    "actor": row.actor,
                    "interface": row.interface,
                    "trigger": row.trigger,
                    "label": action_label(definition, row.trigger),
                    "code": row.code,
                    "code_label": base.REFUSAL_CODES.get(row.code, row.code),
                    "message": row.message,
                    "bases": "; ".join(dict.fromkeys(u["basis"] for u in unmet)),
                    "unmet": unmet,
                }
            )
        return QueryResult("refusals", "거부된 시도", _TABLE, result, total, page, parameters)

    return answer_rows(ctx, reader, "refusals", parameters, body)
