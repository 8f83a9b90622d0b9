"""A cluster's approved plan, derived from its history (never stored twice): the plan of the last procedure that
ended designated, changed or (partly) released is current; the last one approved by the *full* procedure — not
a minor change — is the baseline a new change is measured against (procedure.md §3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads
from gcworkflow.db.models import Fact, PlanVersion, Procedure

APPROVED_ENDS = ("designated", "changed", "released")


@dataclass(frozen=True)
class Approved:
    current: dict[str, Any] | None
    full: dict[str, Any] | None
    current_from: int | None
    full_from: int | None

    def as_fact(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "full": self.full,
            "current_from_procedure": self.current_from,
            "full_from_procedure": self.full_from,
        }


def approved_plans(session: Session, cluster_id: int) -> Approved:
    current = full = None
    current_from = full_from = None
    ended = (
        session.execute(
            select(Procedure.id)
            .where(Procedure.cluster_id == cluster_id, Procedure.state.in_(APPROVED_ENDS))
            .order_by(Procedure.closed_at, Procedure.id)
        )
        .scalars()
        .all()
    )
    for procedure_id in ended:
        content = session.execute(
            select(PlanVersion.content)
            .where(PlanVersion.procedure_id == procedure_id)
            .order_by(PlanVersion.number.desc())
            .limit(1)
        ).scalar_one_or_none()
        if content is None:
            continue
        minor = (
            session.execute(
                select(Fact.id).where(Fact.procedure_id == procedure_id, Fact.kind == "change_applied")
            ).first()
            is not None
        )
        current, current_from = loads(content), procedure_id
        if not minor:
            full, full_from = current, procedure_id
    return Approved(current, full, current_from, full_from)
