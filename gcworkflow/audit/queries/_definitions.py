"""What the procedure definitions say about an event: its action's Korean label and legal basis, the label
of a stage, whether a state is final, and which article a basis cites. Procedures are read only for their
name, kind and version, and cluster, which never change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries._base import META_LABELS, SIGNOFF_BASIS, SIGNOFF_TRIGGERS
from gcworkflow.db.models import Cluster, Procedure
from gcworkflow.errors import NotFound
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import ROLE_LABELS, ProcedureDefinition, Role

_p = Procedure.__table__


@dataclass(frozen=True)
class ProcedureInfo:
    id: int
    title: str
    kind: str
    definition: ProcedureDefinition
    cluster: str | None


def procedure_infos(session: Session, ids: Iterable[int | None]) -> dict[int, ProcedureInfo]:
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, ProcedureInfo] = {}
    for n in range(0, len(wanted), 1000):
        rows = session.execute(
            select(_p.c.id, _p.c.title, _p.c.kind, _p.c.definition_version, Cluster.name)
            .select_from(_p.outerjoin(Cluster.__table__, Cluster.id == _p.c.cluster_id))
            .where(_p.c.id.in_(wanted[n : n + 1000]))
        )
        for row in rows:
            found[row.id] = ProcedureInfo(
                row.id, row.title, row.kind, definition_of(row.kind, row.definition_version), row.name
            )
    return found


def procedure_info(session: Session, procedure_id: int) -> ProcedureInfo:
    """One procedure's, or :class:`NotFound`."""
    info = procedure_infos(session, [procedure_id]).get(procedure_id)
    if info is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return info


def action_label(definition: ProcedureDefinition | None, trigger: str) -> str:
    if trigger in META_LABELS:
        return META_LABELS[trigger]
    action = definition.action(trigger) if definition else None
    return action.label if action else trigger


def basis_of(definition: ProcedureDefinition | None, trigger: str) -> str | None:
    if definition is None:
        return None
    if trigger == "open":
        return definition.basis
    if trigger in SIGNOFF_TRIGGERS:
        return SIGNOFF_BASIS
    action = definition.action(trigger)
    return action.basis if action else None


def state_label(definition: ProcedureDefinition | None, state: str | None) -> str | None:
    if state is None:
        return None
    try:
        return definition.state(state).label if definition else state
    except KeyError:
        return state


def stage_change(definition: ProcedureDefinition | None, before: str | None, after: str | None) -> str | None:
    if before == after:
        return state_label(definition, after)
    if before is None:
        return f"→ {state_label(definition, after)}"
    return f"{state_label(definition, before)} → {state_label(definition, after)}"


def is_closed(info: ProcedureInfo | None, state: str | None) -> bool:
    return bool(info and state in info.definition.final_states)


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


_CIRCLED = {chr(0x2460 + n): f"제{n + 1}항" for n in range(20)}  # ① … ⑳, the tables' shorthand


def _normal_article(text: str) -> str:
    flat = "".join(_CIRCLED.get(c, c) for c in text if not c.isspace())
    return flat.replace("시행령", "영").replace("시행규칙", "규칙")


def cites(basis: str | None, article: str) -> bool:
    """Whether ``basis`` cites ``article`` ("제9조제1항", "법 제10조", "영 제6조", "제9조①"): a match that does
    not run on into another number ("제1조" is not "제10조")."""
    if not basis:
        return False
    wanted, text = _normal_article(article), _normal_article(basis)
    start = text.find(wanted)
    while start >= 0:
        end = start + len(wanted)
        if end == len(text) or not text[end].isdigit():
            return True
        start = text.find(wanted, start + 1)
    return False
