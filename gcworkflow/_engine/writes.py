"""Writes described by the procedures, checked against the database and persisted with their event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow._engine.access import load_principal
from gcworkflow.canonical import canonical_text, digest
from gcworkflow.context import Context
from gcworkflow.db.models import (
    Cluster,
    Document,
    Fact,
    OutboxMessage,
    PlanVersion,
    Procedure,
    RegisteredNumber,
)
from gcworkflow.documents.numbering import registry
from gcworkflow.errors import GuardFailed, InvalidInput, Unmet
from gcworkflow.procedures.spec import (
    ROLE_LABELS,
    LinkDocument,
    NewPlanVersion,
    QueueMessage,
    Reassign,
    RecordFact,
    RegisterNumber,
    Role,
    SetClusterStatus,
    Write,
)

# --- writes, resolved inside the transaction ------------------------------------------------------------


@dataclass
class _Resolved:
    """A write checked against the database, with what the audit event says about it."""

    summary: dict[str, Any]
    write: Write
    extra: dict[str, Any] = field(default_factory=dict)

    def persist(self, session: Session, procedure: Procedure, event_id: int, now: Any) -> None:
        write = self.write
        if isinstance(write, RecordFact):
            session.add(
                Fact(
                    procedure_id=procedure.id,
                    event_id=event_id,
                    kind=write.kind,
                    subject=write.subject,
                    data=canonical_text(write.data),
                    corrects_fact_id=write.corrects_fact_id,
                    created_at=now,
                )
            )
        elif isinstance(write, NewPlanVersion):
            session.add(
                PlanVersion(
                    procedure_id=procedure.id,
                    number=self.extra["number"],
                    content=canonical_text(write.content),
                    sha256=self.summary["sha256"],
                    based_on_id=self.extra["based_on_id"],
                    event_id=event_id,
                    created_at=now,
                )
            )
        elif isinstance(write, RegisterNumber):
            number = self.summary["number"]
            session.add(
                RegisteredNumber(
                    series=write.series,
                    year=write.year,
                    serial=self.extra["serial"],
                    formatted=number,
                    source=self.summary["source"],
                    procedure_id=procedure.id,
                    event_id=event_id,
                )
            )
            session.add(
                Fact(
                    procedure_id=procedure.id,
                    event_id=event_id,
                    kind="notice_number",
                    subject=write.purpose,
                    data=canonical_text(self.summary["data"]),
                    created_at=now,
                )
            )
        elif isinstance(write, LinkDocument):
            session.add(
                Document(
                    sha256=write.sha256,
                    direction=write.direction,
                    kind=write.kind,
                    title=write.title,
                    filename=write.filename,
                    media_type=write.media_type,
                    size=self.extra["size"],
                    procedure_id=procedure.id,
                    plan_version_id=self.extra["plan_version_id"],
                    event_id=event_id,
                    created_at=now,
                )
            )
        elif isinstance(write, QueueMessage):
            session.add(
                OutboxMessage(
                    dedupe_key=write.key,
                    procedure_id=procedure.id,
                    event_id=event_id,
                    kind=write.kind,
                    recipient=write.recipient,
                    subject=write.subject,
                    body=write.body,
                    payload=canonical_text(write.payload),
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        elif isinstance(write, SetClusterStatus):
            cluster = session.get(Cluster, procedure.cluster_id)
            if cluster is not None:
                cluster.status = write.status
                cluster.designated_on = (
                    write.effective_on if write.status == "designated" else cluster.designated_on
                )
        # Reassign was applied to the procedure row before the version bump.


def resolve_writes(
    ctx: Context, session: Session, procedure: Procedure, writes: list[Write]
) -> list[_Resolved]:
    resolved: list[_Resolved] = []
    for write in writes:
        if isinstance(write, RecordFact):
            resolved.append(
                _Resolved({"fact": write.kind, "subject": write.subject, "data": write.data}, write)
            )
        elif isinstance(write, NewPlanVersion):
            last = session.execute(
                select(PlanVersion.id, PlanVersion.number)
                .where(PlanVersion.procedure_id == procedure.id)
                .order_by(PlanVersion.number.desc())
                .limit(1)
            ).one_or_none()
            number = (last.number if last else 0) + 1
            resolved.append(
                _Resolved(
                    {"plan_version": number, "sha256": digest(write.content)},
                    write,
                    {"number": number, "based_on_id": last.id if last else None},
                )
            )
        elif isinstance(write, RegisterNumber):
            resolved.append(_register_number(session, write))
        elif isinstance(write, LinkDocument):
            resolved.append(_link_document(ctx, session, procedure, write))
        elif isinstance(write, QueueMessage):
            resolved.append(_Resolved({"outbox": write.key, "recipient": write.recipient}, write))
        elif isinstance(write, SetClusterStatus):
            resolved.append(
                _Resolved({"cluster_status": write.status, "effective_on": write.effective_on}, write)
            )
        elif isinstance(write, Reassign):
            resolved.append(_reassign(session, procedure, write))
    return resolved


def _register_number(session: Session, write: RegisterNumber) -> _Resolved:
    number = registry(write.formatted).register(session, write.series, write.year)
    data = {
        "number": number.formatted,
        "series": number.series,
        "year": number.year,
        "serial": number.serial,
        "source": number.source,
    }
    # The number is also a fact of the procedure, so the summary lists it in both forms the verifier checks.
    summary = {**data, "fact": "notice_number", "subject": write.purpose, "data": data}
    return _Resolved(summary, write, {"serial": number.serial})


def _link_document(ctx: Context, session: Session, procedure: Procedure, write: LinkDocument) -> _Resolved:
    assert ctx.store is not None
    if not ctx.store.exists(write.sha256):
        raise InvalidInput(f"문서 저장소에 {write.sha256} 문서가 없습니다. 먼저 파일을 등록하십시오")
    plan_version_id = session.execute(
        select(PlanVersion.id)
        .where(PlanVersion.procedure_id == procedure.id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    size = len(ctx.store.get(write.sha256))
    return _Resolved(
        {"document": write.sha256, "kind": write.kind, "direction": write.direction},
        write,
        {"size": size, "plan_version_id": plan_version_id},
    )


def _reassign(session: Session, procedure: Procedure, write: Reassign) -> _Resolved:
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
                    "procedure.md §6 (2인 원칙)",
                    "담당 주무관과 결재권자는 서로 다른 사람이어야 합니다",
                )
            ]
        )
    return _Resolved(summary, write)
