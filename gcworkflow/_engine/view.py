"""The read-only snapshot of a procedure that guards and effects see."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.db.models import (
    Cluster,
    Fact,
    PlanVersion,
    Procedure,
)
from gcworkflow.procedures.plan_content import parse_plan
from gcworkflow.procedures.spec import (
    FactRecord,
    ProcedureView,
)

# --- the snapshot guards read ------------------------------------------------------------------------


def build_view(ctx: Context, session: Session, procedure: Procedure) -> ProcedureView:
    cluster_name = (
        session.execute(select(Cluster.name).where(Cluster.id == procedure.cluster_id)).scalar_one_or_none()
        if procedure.cluster_id is not None
        else None
    )
    plan_row = session.execute(
        select(PlanVersion)
        .where(PlanVersion.procedure_id == procedure.id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    rows = (
        session.execute(select(Fact).where(Fact.procedure_id == procedure.id).order_by(Fact.id))
        .scalars()
        .all()
    )
    history = [FactRecord(r.id, r.kind, r.subject, loads(r.data), r.event_id, r.created_at) for r in rows]
    current = {(f.kind, f.subject): f for f in history}
    return ProcedureView(
        id=procedure.id,
        kind=procedure.kind,
        state=procedure.state,
        version=procedure.version,
        title=procedure.title,
        cluster_name=cluster_name,
        today=ctx.clock.today(),
        now=ctx.clock.now(),
        plan=parse_plan(loads(plan_row.content)) if plan_row else None,
        plan_version_no=plan_row.number if plan_row else None,
        plan_sha256=plan_row.sha256 if plan_row else None,
        facts=current,
        policy=ctx.policy,
        calendar=ctx.calendar(),
        history=history,
    )
