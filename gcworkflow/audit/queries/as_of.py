"""6. The state of every procedure on a past date, replayed from its events up to then."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope, answer_rows
from gcworkflow.audit.queries._definitions import (
    ProcedureInfo,
    action_label,
    is_closed,
    procedure_infos,
    state_label,
)
from gcworkflow.audit.queries._events import chosen_procedures, payload_of, transition
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent

_e = AuditEvent.__table__

_TABLE = (
    col.PROCEDURE_ID,
    col.TITLE.shown(),
    col.KIND,
    Column("cluster", "클러스터", False),
    Column("state", "단계 코드", False),
    Column("state_label", "단계"),
    col.CLOSED.shown(),
    col.VERSION.shown(),
    Column("events", "사건 수", False),
    Column("opened_at_kst", "개시(KST)", False),
    Column("last_event_at_kst", "마지막 처리(KST)"),
    Column("last_label", "마지막 처리"),
    Column("last_actor", "처리자", False),
    Column("clerk", "담당 주무관", False),
    Column("approver", "결재권자", False),
    Column("continuous", "이력 연속", False),
)


def as_of(
    ctx: Context, reader: Reader, day: date, filters: Filters = Filters(), page: Page = Page()
) -> QueryResult:
    """The state of every procedure at the end of ``day`` (KST), replayed from its events up to then: the
    ``open`` event creates it, each event moves it from its ``from_state`` to its ``to_state``. Never read
    from the procedures' current rows (only their name, kind and cluster, which never change).

    ``state``: procedures in that state then; ``outcome``: open / closed then; the period: opened in it."""
    filters.outcome_in(base.OPEN_CLOSED, "시점 상태 조회")
    parameters = {"as_of": day.isoformat(), "filters": filters.as_dict(), "page": page.as_dict()}
    # The last day a date can name bounds nothing (and the day after it is beyond datetime's range).
    cutoff = base.kst_day_start(day + timedelta(days=1)) if day < date.max else None

    def body(session: Session, scope: Scope) -> QueryResult:
        chosen = chosen_procedures(filters, scope, before=cutoff)
        if filters.state is None and filters.outcome is None:
            total = session.execute(select(func.count()).select_from(chosen.subquery())).scalar_one()
            ids = list(session.execute(page.apply(chosen.order_by(_e.c.procedure_id))).scalars())
        else:
            states = _states(session, chosen, cutoff)
            infos_all = procedure_infos(session, states)
            matching = [
                pid
                for pid, state in sorted(states.items())
                if (filters.state is None or state == filters.state)
                and (
                    filters.outcome is None
                    or is_closed(infos_all.get(pid), state) == (filters.outcome == "closed")
                )
            ]
            ids, total = page.cut(matching), len(matching)
        infos = procedure_infos(session, ids)
        rows = [_replay(pid, events, infos.get(pid)) for pid, events in _events_until(session, ids, cutoff)]
        title = f"{day.isoformat()} 기준 절차 상태 (사건 재생)"
        return QueryResult("as_of", title, _TABLE, rows, total, page, parameters)

    return answer_rows(ctx, reader, "as_of", parameters, body)


def _states(session: Session, chosen: Select[Any], before: datetime | None) -> dict[int, str]:
    """Each chosen procedure's state, replayed from its transitions alone (the partial index's rows)."""
    query = select(_e.c.procedure_id, _e.c.to_state).where(transition(_e), _e.c.procedure_id.in_(chosen))
    if before is not None:
        query = query.where(_e.c.occurred_at < before)
    states: dict[int, str] = {}
    for row in session.execute(query.order_by(_e.c.procedure_id, _e.c.seq)):
        states[row.procedure_id] = row.to_state
    return states


def _events_until(
    session: Session, ids: list[int], cutoff: datetime | None
) -> Iterable[tuple[int, list[Any]]]:
    """Each procedure's events before ``cutoff`` in chain order (payloads only where the assignment is)."""
    if not ids:
        return []
    assigning = case((_e.c.trigger.in_(("open", "reassign")), _e.c.payload), else_=None)
    query = (
        select(
            _e.c.procedure_id,
            _e.c.seq,
            _e.c.occurred_at,
            _e.c.actor,
            _e.c.trigger,
            _e.c.from_state,
            _e.c.to_state,
            _e.c.procedure_version,
            assigning.label("payload"),
        )
        .where(_e.c.procedure_id.in_(ids), *([] if cutoff is None else [_e.c.occurred_at < cutoff]))
        .order_by(_e.c.procedure_id, _e.c.seq)
    )
    grouped: dict[int, list[Any]] = {pid: [] for pid in ids}
    for row in session.execute(query):
        grouped[row.procedure_id].append(row)
    return grouped.items()


def _replay(procedure_id: int, events: list[Any], info: ProcedureInfo | None) -> dict[str, Any]:
    definition = info.definition if info else None
    state: str | None = None
    continuous = True
    clerk = approver = None
    for event in events:
        if event.from_state != state:
            # an event taken in another state than the one replayed: see `gcw audit verify`
            continuous = False
        state = event.to_state
        if event.payload is not None:
            payload = payload_of(event)
            if event.trigger == "open":
                clerk, approver = event.actor, (payload.get("input") or {}).get("approver")
            for effect in payload.get("effects", []):
                reassigned = effect.get("reassign") if isinstance(effect, dict) else None
                if reassigned:
                    clerk, approver = reassigned.get("clerk", clerk), reassigned.get("approver", approver)
    first, last = (events[0], events[-1]) if events else (None, None)
    return {
        "procedure_id": procedure_id,
        "title": info.title if info else None,
        "kind": info.kind if info else None,
        "cluster": info.cluster if info else None,
        "state": state,
        "state_label": state_label(definition, state),
        "closed": is_closed(info, state),
        "version": last.procedure_version if last else None,
        "events": len(events),
        "opened_at_kst": base.kst_text(first.occurred_at) if first else None,
        "last_event_at_kst": base.kst_text(last.occurred_at) if last else None,
        "last_trigger": last.trigger if last else None,
        "last_label": action_label(definition, last.trigger) if last else None,
        "last_actor": last.actor if last else None,
        "clerk": clerk,
        "approver": approver,
        "continuous": continuous,
    }
