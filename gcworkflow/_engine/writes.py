"""Writes described by the procedures: checked against the database first (numbers drawn, documents found,
assignees' roles checked), then inserted with Core statements once the action's event exists.

Each resolved write carries the summary that goes into the event's ``effects``: the chain vouches for every
row an action wrote, and ``gcw audit verify`` compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table, insert, update
from sqlalchemy.orm import Session

from gcworkflow._engine import sql
from gcworkflow._engine.row import ProcedureRow
from gcworkflow.access import load_principal
from gcworkflow.calendar import compute_due
from gcworkflow.canonical import canonical_text, digest
from gcworkflow.context import Context
from gcworkflow.db.models import (
    Cluster,
    Deadline,
    Document,
    Fact,
    OutboxMessage,
    PlanVersion,
    RegisteredNumber,
)
from gcworkflow.deadlines import close_deadlines
from gcworkflow.documents.numbering import registry
from gcworkflow.documents.sniff import media_type as sniffed_type
from gcworkflow.errors import GuardFailed, InvalidInput, Unmet
from gcworkflow.procedures.deadline_kinds import KINDS
from gcworkflow.procedures.spec import (
    ROLE_LABELS,
    CloseDeadline,
    LinkDocument,
    NewPlanVersion,
    OpenDeadline,
    ProcedureView,
    QueueMessage,
    Reassign,
    RecordFact,
    RegisterNumber,
    Role,
    SetClusterStatus,
    Write,
)


@cache
def _insert(table: Table) -> Insert:
    return insert(table)


@dataclass
class Resolved:
    """A write checked against the database, with what the audit event says about it."""

    summary: dict[str, Any]
    rows: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)  # (table, values) to insert
    close: CloseDeadline | None = None

    def persist(self, session: Session, procedure: ProcedureRow, event_id: int, now: datetime) -> None:
        if self.close is not None:
            c = self.close
            close_deadlines(session, procedure.id, c.kind, c.subject, c.outcome, c.on or now.date(), event_id)
        conn = session.connection()
        for table, values in self.rows:
            stamped = {"created_at": now} if "created_at" in table.c else {}
            linked = {"opened_event_id": event_id} if table is Deadline.__table__ else {"event_id": event_id}
            conn.execute(_insert(table), {**values, "procedure_id": procedure.id, **linked, **stamped})


def resolve_writes(
    ctx: Context, session: Session, procedure: ProcedureRow, writes: list[Write], view: ProcedureView
) -> list[Resolved]:
    resolved: list[Resolved] = []
    for write in writes:
        if isinstance(write, OpenDeadline):
            resolved.append(_open_deadline(write, view))
            continue
        if isinstance(write, CloseDeadline):
            close = write if write.on is not None else replace(write, on=view.today)
            summary = {
                "deadline_closed": write.kind,
                "subject": write.subject,
                "outcome": write.outcome,
                "on": close.on,
            }
            resolved.append(Resolved(summary, close=close))
            continue
        if isinstance(write, RecordFact):
            resolved.append(
                Resolved(
                    {"fact": write.kind, "subject": write.subject, "data": write.data},
                    [
                        (
                            Fact.__table__,
                            {
                                "kind": write.kind,
                                "subject": write.subject,
                                "data": canonical_text(write.data),
                                "corrects_fact_id": write.corrects_fact_id,
                            },
                        )
                    ],
                )
            )
        elif isinstance(write, NewPlanVersion):
            resolved.append(_plan_version(session, procedure, write))
        elif isinstance(write, RegisterNumber):
            resolved.append(_register_number(session, write))
        elif isinstance(write, LinkDocument):
            resolved.append(_link_document(ctx, session, procedure, write))
        elif isinstance(write, QueueMessage):
            resolved.append(
                Resolved(
                    {"outbox": write.key, "recipient": write.recipient},
                    [
                        (
                            OutboxMessage.__table__,
                            {
                                "dedupe_key": write.key,
                                "kind": write.kind,
                                "recipient": write.recipient,
                                "subject": write.subject,
                                "body": write.body,
                                "payload": canonical_text(write.payload),
                                "status": "pending",
                                "attempts": 0,
                                "next_attempt_at": ctx.clock.now(),
                            },
                        )
                    ],
                )
            )
        elif isinstance(write, SetClusterStatus):
            resolved.append(_cluster_status(session, procedure, write))
        elif isinstance(write, Reassign):
            resolved.append(_reassign(session, procedure, write))
    return resolved


def _open_deadline(write: OpenDeadline, view: ProcedureView) -> Resolved:
    label, default_basis = KINDS[write.kind]
    basis = write.basis or default_basis
    if basis is None:
        raise ValueError(f"deadline {write.kind!r} needs its procedure kind's basis (OpenDeadline.basis)")
    due, explanation = compute_due(write.rule, view.calendar)
    rule = write.rule
    # The rule's inputs and whether the date is fixed decide every later recomputation, so the event carries them
    # and verification compares the row with them (gcw audit verify).
    summary = {
        "deadline_opened": write.kind,
        "subject": write.subject,
        "due_on": due,
        "explanation": explanation,
        "fixed": write.fixed,
        "rule": {
            "method": rule.method,
            "base_on": rule.base_on,
            "amount": rule.amount,
            "unit": rule.unit,
            "from_midnight": rule.from_midnight,
        },
    }
    return Resolved(
        summary,
        [
            (
                Deadline.__table__,
                {
                    "kind": write.kind,
                    "subject": write.subject,
                    "label": label,
                    "basis": basis,
                    "due_on": due,
                    "method": rule.method,
                    "base_on": rule.base_on,
                    "amount": rule.amount,
                    "unit": rule.unit,
                    "from_midnight": rule.from_midnight,
                    "explanation": explanation,
                    "calendar_version": view.calendar.version,
                    "fixed": write.fixed,
                    "status": "open",
                },
            )
        ],
    )


def _plan_version(session: Session, procedure: ProcedureRow, write: NewPlanVersion) -> Resolved:
    last = session.connection().execute(sql.LATEST_PLAN, {"procedure_id": procedure.id}).one_or_none()
    number = (last.number if last else 0) + 1
    sha256 = digest(write.content)
    return Resolved(
        {"plan_version": number, "sha256": sha256},
        [
            (
                PlanVersion.__table__,
                {
                    "number": number,
                    "content": canonical_text(write.content),
                    "sha256": sha256,
                    "based_on_id": last.id if last else None,
                },
            )
        ],
    )


def _register_number(session: Session, write: RegisterNumber) -> Resolved:
    number = registry(write.formatted, write.style).register(session, write.series, write.year)
    data: dict[str, Any] = {
        "number": number.formatted,
        "series": number.series,
        "year": number.year,
        "serial": number.serial,
        "source": number.source,
    }
    if write.dated is not None:
        data["dated"] = write.dated.isoformat()
    # The number is also a fact of the procedure, so the summary lists it in both forms the verifier checks.
    return Resolved(
        {**data, "fact": write.fact_kind, "subject": write.purpose, "data": data},
        [
            (
                RegisteredNumber.__table__,
                {
                    "series": number.series,
                    "year": number.year,
                    "serial": number.serial,
                    "formatted": f"{number.year}:{number.formatted}",
                    "source": number.source,
                },
            ),
            (
                Fact.__table__,
                {
                    "kind": write.fact_kind,
                    "subject": write.purpose,
                    "data": canonical_text(data),
                    "corrects_fact_id": None,
                },
            ),
        ],
    )


def _link_document(ctx: Context, session: Session, procedure: ProcedureRow, write: LinkDocument) -> Resolved:
    assert ctx.store is not None
    if not ctx.store.exists(write.sha256):
        raise InvalidInput(f"문서 저장소에 {write.sha256} 문서가 없습니다. 먼저 파일을 등록하십시오")
    data = ctx.store.get(write.sha256)
    plan = session.connection().execute(sql.LATEST_PLAN, {"procedure_id": procedure.id}).one_or_none()
    return Resolved(
        {"document": write.sha256, "kind": write.kind, "direction": write.direction},
        [
            (
                Document.__table__,
                {
                    "sha256": write.sha256,
                    "direction": write.direction,
                    "kind": write.kind,
                    "title": write.title,
                    "filename": write.filename,
                    "media_type": sniffed_type(data),
                    "size": len(data),
                    "plan_version_id": plan.id if plan else None,
                },
            )
        ],
    )


def _cluster_status(session: Session, procedure: ProcedureRow, write: SetClusterStatus) -> Resolved:
    if procedure.cluster_id is not None:
        values: dict[str, Any] = {"status": write.status}
        if write.status == "designated":
            values["designated_on"] = write.effective_on
        session.execute(update(Cluster.__table__).where(Cluster.id == procedure.cluster_id).values(**values))
    return Resolved({"cluster_status": write.status, "effective_on": write.effective_on})


def _reassign(session: Session, procedure: ProcedureRow, write: Reassign) -> Resolved:
    """Applied to the row before it is saved, so the new assignment and the version move together."""
    summary: dict[str, Any] = {"reassign": {}}
    for field_name, role in (("clerk", Role.CLERK), ("approver", Role.APPROVER)):
        username = getattr(write, field_name)
        if username is None:
            continue
        principal = load_principal(session, username)
        if role not in principal.roles:
            raise GuardFailed(
                [
                    Unmet(
                        "assignee_lacks_role",
                        "운영방침: 담당자 지정",
                        f"{username}에게 {ROLE_LABELS[role]} 권한이 없습니다",
                    )
                ]
            )
        setattr(procedure, f"{field_name}_id", principal.user.id)
        summary["reassign"][field_name] = username
    if procedure.clerk_id == procedure.approver_id:
        raise GuardFailed(
            [
                Unmet(
                    "same_clerk_and_approver",
                    "운영방침: 2인 결재 원칙",
                    "담당 주무관과 결재권자는 서로 다른 사람이어야 합니다",
                )
            ]
        )
    return Resolved(summary)
