"""The events as the queries read them: the conditions :class:`Filters` put on them, the page of those that
match, an event as a row of an answer (with its table), what its payload recorded, and the procedures a
report covers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, Scope
from gcworkflow.audit.queries._definitions import (
    ProcedureInfo,
    action_label,
    basis_of,
    cites,
    role_label,
    stage_change,
)
from gcworkflow.canonical import format_instant, loads
from gcworkflow.db.models import AuditEvent, Procedure
from gcworkflow.procedures.registry import definitions

_e = AuditEvent.__table__
_p = Procedure.__table__


# --- conditions on events -----------------------------------------------------------------------------------


def in_procedures(column: Any, filters: Filters) -> ColumnElement[bool] | None:
    """The cluster and kind filters, as "the event's procedure is one of these" (both never change)."""
    if filters.cluster_id is None and filters.kind is None:
        return None
    chosen = select(_p.c.id)
    if filters.cluster_id is not None:
        chosen = chosen.where(_p.c.cluster_id == filters.cluster_id)
    if filters.kind is not None:
        chosen = chosen.where(_p.c.kind == filters.kind)
    return column.in_(chosen)


def _article_condition(events: Any, article: str) -> ColumnElement[bool]:
    """Events whose action rests on ``article``: per definition, the triggers whose basis cites it."""
    branches = []
    for definition in definitions():
        triggers = {a.trigger for a in definition.actions if cites(a.basis, article)}
        if cites(definition.basis, article):
            triggers.add("open")
        if cites(base.SIGNOFF_BASIS, article):
            triggers.update(base.SIGNOFF_TRIGGERS)
        if triggers:
            of_kind = select(_p.c.id).where(
                _p.c.kind == definition.kind, _p.c.definition_version == definition.version
            )
            branches.append(and_(events.c.trigger.in_(sorted(triggers)), events.c.procedure_id.in_(of_kind)))
    return or_(*branches) if branches else false()


def transition(events: Any) -> ColumnElement[bool]:
    """Spelled as the partial index ix_audit_events_transitions is, so that SQLite uses it."""
    c = events.c
    return and_(c.procedure_id.is_not(None), or_(c.from_state.is_(None), c.from_state != c.to_state))


def _outcome_condition(events: Any, outcome: str) -> ColumnElement[bool]:
    c = events.c
    in_procedure = c.procedure_id.is_not(None)
    if outcome == "system":
        return c.procedure_id.is_(None)
    if outcome == "proposal":
        return and_(in_procedure, c.trigger.in_(base.SIGNOFF_TRIGGERS))
    if outcome == "committee_decision" or outcome in base.DECISIONS:
        return and_(in_procedure, c.trigger == "record_committee_decision")
    if outcome == "transition":
        return and_(transition(events), c.trigger.not_in(base.SIGNOFF_TRIGGERS))
    return and_(
        in_procedure,
        c.from_state == c.to_state,
        c.trigger.not_in((*base.SIGNOFF_TRIGGERS, "record_committee_decision")),
    )


def _outcome_of(row: Any) -> str:
    if row.procedure_id is None:
        return "system"
    if row.trigger in base.SIGNOFF_TRIGGERS:
        return "proposal"
    if row.trigger == "record_committee_decision":
        return "committee_decision"
    if row.from_state is None or row.from_state != row.to_state:
        return "transition"
    return "record"


def event_conditions(
    events: Any, filters: Filters, scope: Scope, *, period: bool = True
) -> list[ColumnElement[bool]]:
    c = events.c
    conditions = scope.events(c.procedure_id, c.actor)
    if filters.procedure_id is not None:
        conditions.append(c.procedure_id == filters.procedure_id)
    chosen = in_procedures(c.procedure_id, filters)
    if chosen is not None:
        conditions.append(chosen)
    if filters.actor is not None:
        conditions.append(c.actor == filters.actor)
    if filters.role is not None:
        conditions.append(c.actor_role == filters.role)
    if filters.trigger is not None:
        conditions.append(c.trigger == filters.trigger)
    if filters.state is not None:
        conditions.append(or_(c.from_state == filters.state, c.to_state == filters.state))
    if filters.article is not None:
        conditions.append(_article_condition(events, filters.article))
    if filters.outcome is not None and filters.outcome in {*base.EVENT_OUTCOMES, *base.DECISIONS}:
        conditions.append(_outcome_condition(events, filters.outcome))
    if period:
        conditions.extend(filters.period(c.occurred_at))
    return conditions


def recorded_by(events: Any, trigger: str, fact: str) -> ColumnElement[bool]:
    """The events that recorded a fact of ``fact``'s kind: its own action, or a correction of one. Spelled as
    "trigger IN (…) AND …" so that the trigger index is used, not a scan of the period."""
    c = events.c
    return and_(
        c.trigger.in_((trigger, "correct")),
        or_(c.trigger == trigger, c.payload.like(f'%"fact":"{fact}"%')),
    )


# --- the matching events, and an event as a row -----------------------------------------------------------------

EVENT_COLUMNS = (
    _e.c.id,
    _e.c.chain,
    _e.c.seq,
    _e.c.procedure_id,
    _e.c.procedure_version,
    _e.c.occurred_at,
    _e.c.actor,
    _e.c.actor_role,
    _e.c.interface,
    _e.c.os_user,
    _e.c.trigger,
    _e.c.from_state,
    _e.c.to_state,
    _e.c.comment,
    _e.c.hash,
)


def fetch_events(
    session: Session,
    conditions: list[ColumnElement[bool]],
    page: Page,
    order: Sequence[Any],
    *,
    payload: bool = False,
    keep: Callable[[Any], bool] | None = None,
) -> tuple[list[Any], int]:
    """The page of matching events and how many match in all. ``keep`` is a condition only Python can test
    (it reads the payload): then every match is read, ordered and cut here; left without an ORDER BY, the
    database picks the index that narrows most (SQLite otherwise walks a whole year through
    ix_audit_events_occurred to spare a sort of a few thousand rows)."""
    columns = (*EVENT_COLUMNS, _e.c.payload) if payload else EVENT_COLUMNS
    query = select(*columns).where(*conditions)
    if keep is None:
        total = session.execute(select(func.count()).select_from(_e).where(*conditions)).scalar_one()
        return session.execute(page.apply(query.order_by(*order))).all(), total
    matching = sorted(
        (row for row in session.execute(query) if keep(row)),
        key=lambda row: tuple(getattr(row, column.key) for column in order),
    )
    return page.cut(matching), len(matching)


def occurred(row: Any, info: ProcedureInfo | None) -> dict[str, Any]:
    """When an event (or a refused attempt) occurred, and in which procedure: the cells rows begin with."""
    return {
        "occurred_at": format_instant(row.occurred_at),
        "occurred_at_kst": base.kst_text(row.occurred_at),
        "procedure_id": row.procedure_id,
        "procedure_title": info.title if info else None,
    }


def event_row(row: Any, info: ProcedureInfo | None) -> dict[str, Any]:
    definition = info.definition if info else None
    outcome = _outcome_of(row)
    return {
        "event_id": row.id,
        **occurred(row, info),
        "chain": row.chain,
        "seq": row.seq,
        "version": row.procedure_version,
        "actor": row.actor,
        "role": row.actor_role,
        "role_label": role_label(row.actor_role),
        "interface": row.interface,
        "os_user": row.os_user,
        "trigger": row.trigger,
        "label": action_label(definition, row.trigger),
        "from_state": row.from_state,
        "to_state": row.to_state,
        "stage": stage_change(definition, row.from_state, row.to_state),
        "outcome": outcome,
        "outcome_label": base.EVENT_OUTCOMES[outcome],
        "basis": basis_of(definition, row.trigger),
        "comment": row.comment,
        "hash": row.hash,
    }


EVENT_TABLE = (
    col.EVENT_ID,
    col.AT_KST,
    col.AT_UTC,
    col.PROCEDURE_ID,
    col.PROCEDURE_TITLE,
    Column("chain", "체인", False),
    Column("seq", "순번", False),
    col.VERSION,
    col.ACTOR,
    Column("role", "역할", False),
    Column("role_label", "역할 이름"),
    col.INTERFACE,
    col.OS_USER,
    col.TRIGGER,
    col.ACTION,
    Column("from_state", "이전 단계 코드", False),
    Column("to_state", "다음 단계 코드", False),
    Column("stage", "단계"),
    Column("outcome", "결과 코드", False),
    Column("outcome_label", "결과", False),
    col.BASIS.shown(),
    Column("comment", "설명", False),
    col.HASH,
)


# --- what an event's payload recorded -----------------------------------------------------------------------


def payload_of(row: Any) -> dict[str, Any]:
    try:
        parsed = loads(row.payload)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def effect_facts(payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in payload.get("effects", []) if isinstance(e, dict) and e.get("fact") == kind]


def decision_keep(outcome: str | None) -> Callable[[Any], bool] | None:
    """A committee decision's value is in its payload: ``outcome`` 부결 keeps the events that recorded 부결."""
    if outcome not in base.DECISIONS:
        return None

    def keep(row: Any) -> bool:
        return any(
            f.get("data", {}).get("decision") == outcome
            for f in effect_facts(payload_of(row), "committee_decision")
        )

    return keep


# --- the procedures a report covers -------------------------------------------------------------------------


def chosen_procedures(filters: Filters, scope: Scope, *, before: datetime | None) -> Select[Any]:
    """The procedures a report covers: opened (their ``open`` event) before ``before`` and in the period,
    narrowed by procedure, cluster, kind, and by the actor, role, trigger or article of any of their events."""
    c = _e.c
    chosen = select(c.procedure_id).where(
        c.trigger == "open", c.procedure_id.is_not(None), *scope.procedure_ids(c.procedure_id)
    )
    if before is not None:
        chosen = chosen.where(c.occurred_at < before)
    if filters.procedure_id is not None:
        chosen = chosen.where(c.procedure_id == filters.procedure_id)
    of_cluster = in_procedures(c.procedure_id, filters)
    if of_cluster is not None:
        chosen = chosen.where(of_cluster)
    for condition in filters.period(c.occurred_at):
        chosen = chosen.where(condition)
    by_event = Filters(
        actor=filters.actor, role=filters.role, trigger=filters.trigger, article=filters.article
    )
    if by_event.as_dict():
        other = _e.alias("acted")
        acted = select(other.c.procedure_id).where(
            *event_conditions(other, by_event, Scope(scope.username, scope.roles, True), period=False)
        )
        if before is not None:
            acted = acted.where(other.c.occurred_at < before)
        chosen = chosen.where(c.procedure_id.in_(acted))
    return chosen
