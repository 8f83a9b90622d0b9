"""Refused attempts are kept in their own table, outside the chains (their transaction was rolled back)."""

from __future__ import annotations

from gcworkflow._engine.results import Actor
from gcworkflow.canonical import canonical_text
from gcworkflow.context import Context
from gcworkflow.db.models import (
    RefusedAttempt,
)
from gcworkflow.errors import GcwError


def record_refusal(
    ctx: Context, procedure_id: int | None, trigger: str, actor: Actor, error: GcwError
) -> None:
    with ctx.db.write() as session:
        session.add(
            RefusedAttempt(
                occurred_at=ctx.clock.now(),
                procedure_id=procedure_id,
                actor=actor.username,
                interface=actor.interface,
                trigger=trigger,
                code=error.code,
                message=error.message,
                unmet=canonical_text([u.as_dict() for u in error.unmet]),
            )
        )
