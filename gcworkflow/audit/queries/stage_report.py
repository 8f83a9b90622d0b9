"""7. Time spent in each stage: the SLA report, measured between the transitions that entered and left it."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import _base as base
from gcworkflow.audit.queries import _columns as col
from gcworkflow.audit.queries._base import Column, Filters, Page, QueryResult, Reader, Scope
from gcworkflow.audit.queries._definitions import ProcedureInfo, is_closed, procedure_infos, state_label
from gcworkflow.audit.queries._events import chosen_procedures, transition
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent
from gcworkflow.procedures.spec import ProcedureDefinition

_e = AuditEvent.__table__

_SUMMARY_TABLE = (
    Column("stage", "단계 코드", False),
    Column("label", "단계"),
    Column("procedures", "완료 절차"),
    Column("median_days", "중앙값(일)"),
    Column("min_days", "최소(일)"),
    Column("max_days", "최대(일)"),
    Column("ongoing", "진행 중"),
)
_PROCEDURES_TABLE = (  # then one column per stage
    col.PROCEDURE_ID,
    col.TITLE,
    col.KIND,
    Column("state", "현재 단계 코드", False),
    Column("state_label", "현재 단계"),
    col.CLOSED,
    Column("ongoing_stage", "진행 중 단계 코드", False),
)


@dataclass
class StageReport:
    """Days spent in each stage, per procedure (one column per stage) and the median across procedures."""

    summary: QueryResult
    procedures: QueryResult
    stages: list[tuple[str, str]] = field(default_factory=list)  # (state, Korean label), in path order

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary.as_dict(), "procedures": self.procedures.as_dict()}


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def stage_report(
    ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()
) -> StageReport:
    """From each procedure's transitions: entering a state → leaving it, in days (repeated stays summed);
    a stay still under way counts until now and is marked, and is left out of the median, which is taken
    over the procedures that completed the stage.

    ``state``: that stage only; ``outcome``: open / closed procedures; the period: procedures opened in it."""
    filters.outcome_in(base.OPEN_CLOSED, "단계별 소요 기간 보고서")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    now = ctx.clock.now()

    def body(session: Session, scope: Scope) -> StageReport:
        chosen = chosen_procedures(filters, scope, before=None)
        query = (
            select(_e.c.procedure_id, _e.c.occurred_at, _e.c.to_state)
            .where(transition(_e), _e.c.procedure_id.in_(chosen))
            .order_by(_e.c.procedure_id, _e.c.seq)
        )
        transitions: dict[int, list[Any]] = {}
        for row in session.execute(query):
            transitions.setdefault(row.procedure_id, []).append(row)
        infos = procedure_infos(session, transitions)
        stages = _stages(infos.values(), filters.state)
        per_procedure = []
        for pid, moves in sorted(transitions.items()):
            info = infos.get(pid)
            current = moves[-1].to_state
            closed = is_closed(info, current)
            if filters.outcome is not None and closed != (filters.outcome == "closed"):
                continue
            spent: dict[str, float] = {}
            for move, after in zip(moves, [*moves[1:], None], strict=True):
                left = after.occurred_at if after is not None else (None if closed else now)
                if left is not None:
                    spent[move.to_state] = spent.get(move.to_state, 0.0) + _days(move.occurred_at, left)
            if filters.state is not None and filters.state not in spent:
                continue
            row: dict[str, Any] = {
                "procedure_id": pid,
                "title": info.title if info else None,
                "kind": info.kind if info else None,
                "state": current,
                "state_label": state_label(info.definition if info else None, current),
                "closed": closed,
                "ongoing_stage": None if closed else current,
            }
            for state in stages:
                row[f"days_{state}"] = round(spent[state], 2) if state in spent else None
            per_procedure.append(row)
        summary = _summary(stages, per_procedure)
        stage_columns = tuple(Column(f"days_{s}", f"{label}(일)") for s, label in stages.items())
        return StageReport(
            QueryResult(
                "stages_summary",
                "단계별 소요 기간 중앙값 (완료한 절차 기준, 일)",
                _SUMMARY_TABLE,
                summary,
                len(summary),
                Page(None),
                parameters,
            ),
            QueryResult(
                "stages",
                "절차별 단계 소요 기간 (일, 진행 중인 단계는 지금까지)",
                (*_PROCEDURES_TABLE, *stage_columns),
                page.cut(per_procedure),
                len(per_procedure),
                page,
                parameters,
            ),
            list(stages.items()),
        )

    return base.answer(ctx, reader, "stages", parameters, body, lambda r: len(r.procedures.rows))


def _stages(infos: Iterable[ProcedureInfo], only: str | None) -> dict[str, str]:
    """The stages a report measures, state → Korean label: every definition's states but the final ones, in
    path order (or ``only`` that one)."""
    stages: dict[str, str] = {}
    kinds: dict[tuple[str, int], ProcedureDefinition] = {
        (i.kind, i.definition.version): i.definition for i in infos
    }
    for _key, definition in sorted(kinds.items()):
        for state in definition.states:
            if not state.final and state.name not in stages:
                stages[state.name] = state.label
    if only is not None:
        stages = {only: stages.get(only, only)}
    return stages


def _summary(stages: dict[str, str], per_procedure: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per stage: the median, least and most days over the procedures that completed it, and how many are
    in it still."""
    summary = []
    for state, label in stages.items():
        done = [
            r[f"days_{state}"]
            for r in per_procedure
            if r[f"days_{state}"] is not None and r["ongoing_stage"] != state
        ]
        ongoing = sum(1 for r in per_procedure if r["ongoing_stage"] == state)
        summary.append(
            {
                "stage": state,
                "label": label,
                "procedures": len(done),
                "median_days": round(statistics.median(done), 2) if done else None,
                "min_days": round(min(done), 2) if done else None,
                "max_days": round(max(done), 2) if done else None,
                "ongoing": ongoing,
            }
        )
    return summary
