"""The read-only snapshot of a procedure that guards and effects see.

One read (sql.PLAN_AND_FACTS): the current plan version and the current value of each fact. A plan version is
immutable, so its parsed form is cached by its SHA-256; a fact's JSON is parsed only when a guard looks at it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.orm import Session

from gcworkflow._engine import sql
from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.procedures.plan_content import parse_plan
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import FactRecord, ProcedureView


class Viewed(Protocol):
    id: int
    kind: str
    definition_version: int
    state: str
    version: int
    title: str


def fact_record(row: Row) -> FactRecord:
    return FactRecord(row.id, row.kind, row.subject, row.data, row.event_id, row.created_at)


# A plan version never changes, so its parsed form is cached; the hash is in the key to keep versions apart.
@lru_cache(maxsize=512)
def _plan(kind: str, version: int, sha256: str, content: str) -> Any:
    parser = definition_of(kind, version).plan_parser or parse_plan
    return parser(loads(content))


def build_view(
    ctx: Context, session: Session, procedure: Viewed, cluster_name: str | None = None
) -> ProcedureView:
    plan: Row | None = None
    current: list[FactRecord] = []
    for row in session.connection().execute(sql.PLAN_AND_FACTS, {"procedure_id": procedure.id}):
        if row.plan_number is None:
            current.append(fact_record(row))
        else:
            plan = row
    return ProcedureView(
        id=procedure.id,
        kind=procedure.kind,
        state=procedure.state,
        version=procedure.version,
        title=procedure.title,
        cluster_name=cluster_name,
        today=ctx.clock.today(),
        now=ctx.clock.now(),
        plan=_plan(procedure.kind, procedure.definition_version, plan.plan_sha256, plan.data)
        if plan
        else None,
        plan_version_no=plan.plan_number if plan else None,
        plan_sha256=plan.plan_sha256 if plan else None,
        facts={(f.kind, f.subject): f for f in current},
        policy=ctx.policy,
        load_calendar=lambda: ctx.calendar(session),
    )
