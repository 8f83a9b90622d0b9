"""The one door for every procedure action: :func:`fire` (DESIGN.md §2).

One call is one database transaction: lock the procedure row, check the version the actor saw, check role,
assignment and the two-person rule, bind the row to the kind's shared machine, run the guards, then write the
new state, the audit event (with what the action produced), the facts, plan versions, numbers, documents and
outbox messages, and commit. Anything raised rolls everything back; the refusal itself is kept in its own table.

Three meta-triggers carry the sign-off (결재, procedure.md §6): ``propose`` (the assigned clerk proposes an
approver's action, bound to the procedure version and the SHA-256 of the content signed), ``approve_proposal``
(the approver, or the acting approver, fires it if nothing changed) and ``reject_proposal``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from transitions import MachineError

from gcworkflow import audit
from gcworkflow.canonical import canonical_text, digest, loads
from gcworkflow.context import Context
from gcworkflow.db.models import (
    AuditEvent,
    Cluster,
    Document,
    Fact,
    NumberSeries,
    OutboxMessage,
    PlanVersion,
    Procedure,
    Proposal,
    RefusedAttempt,
    RegisteredNumber,
    RoleGrant,
    User,
)
from gcworkflow.errors import Conflict, Forbidden, GcwError, GuardFailed, InvalidInput, NotFound, Unmet
from gcworkflow.procedures.plan_content import PlanValidationError, parse_plan
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import machine as machine_of
from gcworkflow.procedures.spec import (
    ROLE_LABELS,
    Action,
    FactRecord,
    LinkDocument,
    NewPlanVersion,
    ProcedureDefinition,
    ProcedureView,
    QueueMessage,
    Reassign,
    RecordFact,
    RegisterNumber,
    Role,
    SetClusterStatus,
    Write,
)
from gcworkflow.reference import format_notice_number, parse_notice_number
from gcworkflow.validation import korean_errors

META_TRIGGERS = ("propose", "approve_proposal", "reject_proposal")


@dataclass(frozen=True)
class Actor:
    """Who acts, through which interface (and, for the CLI, as which OS user)."""

    username: str
    interface: str = "api"
    os_user: str | None = None


@dataclass(frozen=True)
class FireResult:
    procedure_id: int
    trigger: str
    from_state: str
    to_state: str
    version: int
    event_id: int
    event_hash: str
    proposal_id: int | None = None
    effects: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure_id": self.procedure_id,
            "trigger": self.trigger,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "version": self.version,
            "event_id": self.event_id,
            "event_hash": self.event_hash,
            "proposal_id": self.proposal_id,
            "effects": self.effects,
        }


@dataclass(frozen=True)
class Principal:
    user: User
    roles: frozenset[Role]


# --- the door -----------------------------------------------------------------------------------------


def fire(
    ctx: Context,
    procedure_id: int,
    trigger: str,
    actor: Actor,
    payload: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
    *,
    comment: str | None = None,
) -> FireResult:
    """Carry out one action on one procedure, or refuse it and change nothing."""
    try:
        with ctx.db.write() as session:
            return _fire(
                ctx, session, procedure_id, trigger, actor, dict(payload or {}), expected_version, comment
            )
    except IntegrityError as exc:
        error: GcwError = Conflict(
            f"동시에 처리된 다른 작업과 충돌했습니다. 다시 조회한 뒤 시도하십시오 ({exc.orig})"
        )
        record_refusal(ctx, procedure_id, trigger, actor, error)
        raise error from exc
    except GcwError as error:
        record_refusal(ctx, procedure_id, trigger, actor, error)
        raise


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


def _fire(
    ctx: Context,
    session: Session,
    procedure_id: int,
    trigger: str,
    actor: Actor,
    payload: dict[str, Any],
    expected_version: int | None,
    comment: str | None,
) -> FireResult:
    procedure = lock_procedure(session, procedure_id)
    if expected_version is not None and procedure.version != expected_version:
        raise Conflict(
            f"이 절차는 화면을 연 뒤에 변경되었습니다 (보던 판 {expected_version}, 현재 판 {procedure.version}). "
            "새로 고친 뒤 다시 확인하십시오."
        )
    definition = definition_of(procedure.kind, procedure.definition_version)
    principal = load_principal(session, actor.username)
    if trigger == "propose":
        return _propose(ctx, session, procedure, definition, principal, actor, payload, comment)
    if trigger == "approve_proposal":
        return _approve(ctx, session, procedure, definition, principal, actor, payload, comment)
    if trigger == "reject_proposal":
        return _reject(ctx, session, procedure, principal, actor, payload, comment)
    action = _action(definition, trigger)
    if action.signoff:
        raise Forbidden(
            f"'{action.label}'은(는) 결재 사항입니다. 담당 주무관이 결재를 상신(propose)하고, 상신하지 않은 "
            "결재권자가 승인해야 합니다 (procedure.md §6, 2인 원칙)."
        )
    role = authorise(session, procedure, action, principal)
    model = validate_payload(action, payload)
    view = build_view(ctx, session, procedure)
    return _apply(
        ctx, session, procedure, definition, action, view, model, principal, role, actor, comment, {}
    )


def lock_procedure(session: Session, procedure_id: int) -> Procedure:
    procedure = session.execute(
        select(Procedure)
        .where(Procedure.id == procedure_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if procedure is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return procedure


def load_principal(session: Session, username: str) -> Principal:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active:
        raise Forbidden(f"등록되지 않았거나 사용이 중지된 사용자입니다: {username}")
    roles = session.execute(select(RoleGrant.role).where(RoleGrant.user_id == user.id)).scalars()
    return Principal(user, frozenset(Role(r) for r in roles))


def _action(definition: ProcedureDefinition, trigger: str) -> Action:
    action = definition.action(trigger)
    if action is None:
        raise InvalidInput(f"'{definition.label}' 절차에 없는 처리입니다: {trigger}")
    return action


def _role_names(roles: frozenset[Role] | set[Role]) -> str:
    return ", ".join(ROLE_LABELS[r] for r in sorted(roles)) or "없음"


def acting_approver(session: Session, procedure_id: int) -> str | None:
    fact = session.execute(
        select(Fact.data)
        .where(Fact.procedure_id == procedure_id, Fact.kind == "acting_approver")
        .order_by(Fact.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return loads(fact)["username"] if fact else None


def authorise(session: Session, procedure: Procedure, action: Action, principal: Principal) -> Role:
    """The role under which the actor may take this action here, or ``forbidden`` with the reason."""
    usable = [r for r in Role if r in action.roles and r in principal.roles]
    if not usable:
        raise Forbidden(
            f"'{action.label}'은(는) {_role_names(action.roles)}의 권한입니다 "
            f"({principal.user.username}의 권한: {_role_names(principal.roles)})"
        )
    for role in usable:
        if role in action.unassigned_roles:
            return role
        if role is Role.CLERK and procedure.clerk_id == principal.user.id:
            return role
        if role is Role.APPROVER and (
            procedure.approver_id == principal.user.id
            or acting_approver(session, procedure.id) == principal.user.username
        ):
            return role
    raise Forbidden(
        f"{principal.user.username}은(는) 이 절차의 담당자(또는 결재권자·대결자)로 지정되어 있지 않습니다"
    )


def validate_payload(action: Action, payload: Mapping[str, Any]) -> BaseModel | None:
    if action.payload is None:
        if payload:
            raise InvalidInput(f"'{action.label}'에는 입력 항목이 없습니다: {', '.join(sorted(payload))}")
        return None
    try:
        return action.payload.model_validate(dict(payload))
    except ValidationError as exc:
        raise InvalidInput(f"'{action.label}' 입력값을 확인하십시오:\n{korean_errors(exc)}") from exc


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


# --- carrying an action out --------------------------------------------------------------------------


def _run_machine(
    definition: ProcedureDefinition, procedure: Procedure, action: Action, view: ProcedureView, model: Any
) -> None:
    machine = machine_of(definition.kind, definition.version)
    unmet: list[Unmet] = []
    machine.add_model(procedure, initial=procedure.state)
    try:
        passed = machine.events[action.trigger].trigger(procedure, view=view, payload=model, unmet=unmet)
    except MachineError as exc:
        state = definition.state(procedure.state)
        raise GuardFailed(
            [
                Unmet(
                    "not_allowed_in_state",
                    action.basis,
                    f"현재 단계({state.label})에서는 '{action.label}'을(를) 할 수 없습니다",
                )
            ]
        ) from exc
    finally:
        machine.remove_model(procedure)
    if not passed:
        raise GuardFailed(unmet)


def _apply(
    ctx: Context,
    session: Session,
    procedure: Procedure,
    definition: ProcedureDefinition,
    action: Action,
    view: ProcedureView,
    model: Any,
    principal: Principal,
    role: Role,
    actor: Actor,
    comment: str | None,
    extra: dict[str, Any],
) -> FireResult:
    from_state = procedure.state
    _run_machine(definition, procedure, action, view, model)
    try:
        if action.trigger == "correct":
            writes = _correction(session, definition, view, model)
        else:
            writes = action.effects(view, model) if action.effects else []
    except PlanValidationError as exc:
        raise InvalidInput(str(exc)) from exc
    resolved = _resolve(ctx, session, procedure, writes)
    now = ctx.clock.now()
    procedure.last_action_at = now
    procedure.version += 1
    if procedure.state in definition.final_states and procedure.closed_at is None:
        procedure.closed_at = now
    session.flush()
    summary = [r.summary for r in resolved]
    event = audit.append(
        session,
        audit.EventInput(
            chain=audit.procedure_chain(procedure.id),
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            occurred_at=now,
            actor=principal.user.username,
            actor_role=role.value,
            interface=actor.interface,
            os_user=actor.os_user,
            trigger=action.trigger,
            from_state=from_state,
            to_state=procedure.state,
            comment=comment,
            payload={"input": model, **extra, "effects": summary},
        ),
    )
    for item in resolved:
        item.persist(session, procedure, event.id, now)
    return FireResult(
        procedure.id,
        action.trigger,
        from_state,
        procedure.state,
        procedure.version,
        event.id,
        event.hash,
        effects=summary,
    )


def _correction(
    session: Session, definition: ProcedureDefinition, view: ProcedureView, model: Any
) -> list[Write]:
    """Re-validate corrected data with the original action's payload and record it over the earlier facts."""
    originals = [f for f in view.history if f.event_id == model.event_id]
    action = _recording_action(session, definition, view.id, model.event_id)
    if not originals or action is None or not action.correctable or action.payload is None:
        raise GuardFailed(
            [
                Unmet(
                    "correction_not_allowed",
                    "운영방침: 기록 정정",
                    f"{model.event_id}번 사건은 이 절차에서 정정할 수 있는 기록이 아닙니다 "
                    "(결재·단계 전환은 새 처리로 바로잡습니다)",
                )
            ]
        )
    corrected = validate_payload(action, model.data)
    by_key = {(f.kind, f.subject): f for f in originals}
    result: list[Write] = []
    for write in action.effects(view, corrected) if action.effects else []:
        if not isinstance(write, RecordFact):
            continue
        original = by_key.get((write.kind, write.subject))
        if original is None:
            raise GuardFailed(
                [
                    Unmet(
                        "correction_changes_subject",
                        "운영방침: 기록 정정",
                        "정정은 같은 대상의 기록만 바로잡을 수 있습니다 (대상이 바뀌었습니다)",
                    )
                ]
            )
        data = {**write.data, "correction_reason": model.reason, "corrects_event_id": model.event_id}
        result.append(RecordFact(write.kind, data, subject=write.subject, corrects_fact_id=original.id))
    return result


def _recording_action(
    session: Session, definition: ProcedureDefinition, procedure_id: int, event_id: int
) -> Action | None:
    """The action whose event recorded the facts; a correction of a correction leads back to the original."""
    while True:
        row = session.execute(
            select(AuditEvent.trigger, AuditEvent.payload).where(
                AuditEvent.id == event_id, AuditEvent.procedure_id == procedure_id
            )
        ).one_or_none()
        if row is None:
            return None
        if row.trigger != "correct":
            return definition.action(row.trigger)
        event_id = loads(row.payload)["input"]["event_id"]


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
                    data=canonical_text(self.summary),
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


def _resolve(ctx: Context, session: Session, procedure: Procedure, writes: list[Write]) -> list[_Resolved]:
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
    """Register an official number, unique per series and year; the local series is gap-free (procedure.md §7)."""
    if write.formatted is None:
        series = session.execute(
            select(NumberSeries)
            .where(NumberSeries.series == write.series, NumberSeries.year == write.year)
            .with_for_update()
        ).scalar_one_or_none()
        if series is None:
            series = NumberSeries(series=write.series, year=write.year, last_serial=0)
            session.add(series)
        series.last_serial += 1
        serial, formatted, source = (
            series.last_serial,
            format_notice_number(write.series, write.year, series.last_serial),
            "local",
        )
    else:
        _, _, serial = parse_notice_number(write.formatted)
        formatted, source = format_notice_number(write.series, write.year, serial), "manual"
    taken = session.execute(
        select(RegisteredNumber.procedure_id).where(
            RegisteredNumber.series == write.series,
            RegisteredNumber.year == write.year,
            RegisteredNumber.serial == serial,
        )
    ).scalar_one_or_none()
    if taken is not None:
        raise GuardFailed(
            [
                Unmet(
                    "number_already_used",
                    "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
                    f"{formatted}은(는) 이미 {taken}번 절차에 등록된 번호입니다",
                )
            ]
        )
    return _Resolved(
        {"number": formatted, "series": write.series, "year": write.year, "serial": serial, "source": source},
        write,
        {"serial": serial},
    )


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


# --- sign-off (결재) --------------------------------------------------------------------------------


def _signed_digest(action: Action, view: ProcedureView, model: Any) -> str:
    content = action.signed_content(view, model) if action.signed_content else None
    return digest({"trigger": action.trigger, "payload": model, "content": content})


def _propose(
    ctx: Context,
    session: Session,
    procedure: Procedure,
    definition: ProcedureDefinition,
    principal: Principal,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None,
) -> FireResult:
    trigger = payload.get("trigger")
    action = _action(definition, str(trigger))
    if not action.signoff:
        raise InvalidInput(f"'{action.label}'은(는) 결재 사항이 아니므로 직접 처리하십시오")
    if Role.CLERK not in principal.roles or procedure.clerk_id != principal.user.id:
        raise Forbidden("결재 상신은 이 절차의 담당 주무관만 할 수 있습니다")
    model = validate_payload(action, payload.get("payload") or {})
    view = build_view(ctx, session, procedure)
    # Check now what approval will check again, so the approver's in-tray holds only actions that can pass.
    probe = session.get(Procedure, procedure.id)
    state = probe.state
    try:
        _run_machine(definition, probe, action, view, model)
    finally:
        probe.state = state
    content_sha256 = _signed_digest(action, view, model)
    from_state = procedure.state
    now = ctx.clock.now()
    procedure.last_action_at = now
    procedure.version += 1
    session.flush()
    event = audit.append(
        session,
        audit.EventInput(
            chain=audit.procedure_chain(procedure.id),
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            occurred_at=now,
            actor=principal.user.username,
            actor_role=Role.CLERK.value,
            interface=actor.interface,
            os_user=actor.os_user,
            trigger="propose",
            from_state=from_state,
            to_state=from_state,
            comment=comment,
            payload={"trigger": action.trigger, "input": model, "content_sha256": content_sha256},
        ),
    )
    proposal = Proposal(
        procedure_id=procedure.id,
        trigger=action.trigger,
        payload=canonical_text(model),
        procedure_version=procedure.version,
        content_sha256=content_sha256,
        proposed_by_id=principal.user.id,
        proposed_at=now,
        status="pending",
    )
    session.add(proposal)
    session.flush()
    return FireResult(
        procedure.id,
        "propose",
        from_state,
        from_state,
        procedure.version,
        event.id,
        event.hash,
        proposal_id=proposal.id,
    )


def _pending_proposal(session: Session, procedure: Procedure, payload: dict[str, Any]) -> Proposal:
    try:
        proposal_id = int(payload["proposal_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("결재할 상신 번호(proposal_id)를 지정하십시오") from exc
    proposal = session.execute(
        select(Proposal).where(Proposal.id == proposal_id).with_for_update()
    ).scalar_one_or_none()
    if proposal is None or proposal.procedure_id != procedure.id:
        raise NotFound(f"이 절차에 {proposal_id}번 상신이 없습니다")
    if proposal.status != "pending":
        raise Conflict(f"{proposal_id}번 상신은 이미 처리되었습니다 ({proposal.status})")
    return proposal


def _approver_role(session: Session, procedure: Procedure, principal: Principal, proposal: Proposal) -> bool:
    """Checks the two-person rule and assignment; returns whether the approval is an acting one (대결)."""
    if Role.APPROVER not in principal.roles:
        raise Forbidden(
            f"결재는 결재권자만 할 수 있습니다 ({principal.user.username}의 권한: {_role_names(principal.roles)})"
        )
    if proposal.proposed_by_id == principal.user.id:
        raise Forbidden("자신이 상신한 안건은 결재할 수 없습니다 (procedure.md §6, 2인 원칙)")
    if procedure.approver_id == principal.user.id:
        return False
    if acting_approver(session, procedure.id) == principal.user.username:
        return True
    raise Forbidden(f"{principal.user.username}은(는) 이 절차의 결재권자나 대결자가 아닙니다")


def _approve(
    ctx: Context,
    session: Session,
    procedure: Procedure,
    definition: ProcedureDefinition,
    principal: Principal,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None,
) -> FireResult:
    proposal = _pending_proposal(session, procedure, payload)
    acting = _approver_role(session, procedure, principal, proposal)
    if procedure.version != proposal.procedure_version:
        raise Conflict(
            f"상신 뒤에 절차가 변경되었습니다 (상신 때 판 {proposal.procedure_version}, 현재 판 {procedure.version}). "
            "담당 주무관이 내용을 확인하고 다시 상신해야 합니다."
        )
    action = _action(definition, proposal.trigger)
    model = validate_payload(action, loads(proposal.payload))
    view = build_view(ctx, session, procedure)
    if _signed_digest(action, view, model) != proposal.content_sha256:
        raise Conflict("결재 대상 내용이 상신 때와 다릅니다. 담당 주무관이 다시 상신해야 합니다.")
    proposer = session.get(User, proposal.proposed_by_id)
    extra = {
        "proposal": {
            "id": proposal.id,
            "proposed_by": proposer.username if proposer else None,
            "content_sha256": proposal.content_sha256,
            "acting": acting,
        }
    }
    result = _apply(
        ctx,
        session,
        procedure,
        definition,
        action,
        view,
        model,
        principal,
        Role.APPROVER,
        actor,
        comment,
        extra,
    )
    proposal.status = "approved"
    proposal.decided_by_id = principal.user.id
    proposal.decided_at = ctx.clock.now()
    proposal.decision_comment = comment
    proposal.acting = acting
    return FireResult(
        result.procedure_id,
        result.trigger,
        result.from_state,
        result.to_state,
        result.version,
        result.event_id,
        result.event_hash,
        proposal.id,
        result.effects,
    )


def _reject(
    ctx: Context,
    session: Session,
    procedure: Procedure,
    principal: Principal,
    actor: Actor,
    payload: dict[str, Any],
    comment: str | None,
) -> FireResult:
    proposal = _pending_proposal(session, procedure, payload)
    acting = _approver_role(session, procedure, principal, proposal)
    if not comment:
        raise InvalidInput("반려 사유(comment)를 적으십시오")
    now = ctx.clock.now()
    procedure.last_action_at = now
    procedure.version += 1
    session.flush()
    event = audit.append(
        session,
        audit.EventInput(
            chain=audit.procedure_chain(procedure.id),
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            occurred_at=now,
            actor=principal.user.username,
            actor_role=Role.APPROVER.value,
            interface=actor.interface,
            os_user=actor.os_user,
            trigger="reject_proposal",
            from_state=procedure.state,
            to_state=procedure.state,
            comment=comment,
            payload={"proposal_id": proposal.id, "trigger": proposal.trigger, "acting": acting},
        ),
    )
    proposal.status = "rejected"
    proposal.decided_by_id = principal.user.id
    proposal.decided_at = now
    proposal.decision_comment = comment
    proposal.acting = acting
    return FireResult(
        procedure.id,
        "reject_proposal",
        procedure.state,
        procedure.state,
        procedure.version,
        event.id,
        event.hash,
        proposal.id,
    )


# --- actions outside any procedure: the system chain ----------------------------------------------------


def act_on_system(
    ctx: Context,
    actor: Actor,
    trigger: str,
    payload: Mapping[str, Any],
    roles: frozenset[Role],
    apply: Callable[[Session, Principal], dict[str, Any]],
    *,
    comment: str | None = None,
) -> int:
    """An audited action with no procedure (users, roles, clusters, holiday overrides): one transaction,
    appended to the ``system`` chain with what it did. Returns the event id."""
    try:
        with ctx.db.write() as session:
            principal = load_principal(session, actor.username)
            usable = [r for r in Role if r in roles and r in principal.roles]
            if not usable:
                raise Forbidden(
                    f"이 작업은 {_role_names(roles)}의 권한입니다 ({actor.username}의 권한: {_role_names(principal.roles)})"
                )
            effects = apply(session, principal)
            event = audit.append(
                session,
                audit.EventInput(
                    chain=audit.SYSTEM_CHAIN,
                    procedure_id=None,
                    procedure_version=None,
                    occurred_at=ctx.clock.now(),
                    actor=principal.user.username,
                    actor_role=usable[0].value,
                    interface=actor.interface,
                    os_user=actor.os_user,
                    trigger=trigger,
                    from_state=None,
                    to_state=None,
                    comment=comment,
                    payload={"input": dict(payload), "effects": effects},
                ),
            )
            return event.id
    except IntegrityError as exc:
        error: GcwError = Conflict(f"이미 있는 값과 겹칩니다 ({exc.orig})")
        record_refusal(ctx, None, trigger, actor, error)
        raise error from exc
    except GcwError as error:
        record_refusal(ctx, None, trigger, actor, error)
        raise


def open_procedure(
    ctx: Context,
    actor: Actor,
    kind: str,
    *,
    cluster_id: int | None,
    approver: str,
    title: str | None = None,
    comment: str | None = None,
) -> FireResult:
    """Open a procedure: the opening clerk is assigned, with the named approver (procedure.md §6)."""
    try:
        with ctx.db.write() as session:
            return _open(ctx, session, actor, kind, cluster_id, approver, title, comment)
    except GcwError as error:
        record_refusal(ctx, None, f"open:{kind}", actor, error)
        raise


def _open(
    ctx: Context,
    session: Session,
    actor: Actor,
    kind: str,
    cluster_id: int | None,
    approver: str,
    title: str | None,
    comment: str | None,
) -> FireResult:
    try:
        definition = definition_of(kind)
    except KeyError as exc:
        raise InvalidInput(f"알 수 없는 절차 종류입니다: {kind}") from exc
    clerk = load_principal(session, actor.username)
    if Role.CLERK not in clerk.roles:
        raise Forbidden("절차는 담당 주무관이 개시합니다")
    approving = load_principal(session, approver)
    if Role.APPROVER not in approving.roles:
        raise InvalidInput(f"{approver}에게 결재권자 권한이 없습니다")
    if approving.user.id == clerk.user.id:
        raise InvalidInput("담당 주무관과 결재권자는 서로 다른 사람이어야 합니다 (procedure.md §6)")
    cluster = None
    if cluster_id is not None:
        cluster = session.execute(
            select(Cluster).where(Cluster.id == cluster_id).with_for_update()
        ).scalar_one_or_none()
        if cluster is None:
            raise NotFound(f"{cluster_id}번 클러스터가 없습니다")
        _check_cluster_free(session, definition, cluster)
    now = ctx.clock.now()
    procedure = Procedure(
        kind=definition.kind,
        definition_version=definition.version,
        cluster_id=cluster_id,
        title=title or (f"{cluster.name} {definition.title_suffix}" if cluster else definition.label),
        state=definition.initial,
        version=1,
        clerk_id=clerk.user.id,
        approver_id=approving.user.id,
        imported=False,
        opened_at=now,
        last_action_at=now,
    )
    session.add(procedure)
    session.flush()
    event = audit.append(
        session,
        audit.EventInput(
            chain=audit.procedure_chain(procedure.id),
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            occurred_at=now,
            actor=clerk.user.username,
            actor_role=Role.CLERK.value,
            interface=actor.interface,
            os_user=actor.os_user,
            trigger="open",
            from_state=None,
            to_state=procedure.state,
            comment=comment,
            payload={
                "input": {
                    "kind": definition.kind,
                    "definition_version": definition.version,
                    "cluster_id": cluster_id,
                    "approver": approver,
                    "title": procedure.title,
                },
                "effects": [],
            },
        ),
    )
    return FireResult(procedure.id, "open", "", procedure.state, procedure.version, event.id, event.hash)


def _check_cluster_free(session: Session, definition: ProcedureDefinition, cluster: Cluster) -> None:
    policy = "운영방침: 클러스터당 진행 중인 절차는 하나"
    busy = session.execute(
        select(Procedure.id).where(Procedure.cluster_id == cluster.id, Procedure.closed_at.is_(None))
    ).scalar_one_or_none()
    if busy is not None:
        raise GuardFailed(
            [
                Unmet(
                    "cluster_has_open_procedure",
                    policy,
                    f"{cluster.name}에는 이미 진행 중인 {busy}번 절차가 있습니다. 그 절차가 끝난 뒤 개시하십시오",
                )
            ]
        )
    if definition.kind == "designation" and cluster.status == "designated":
        raise GuardFailed(
            [
                Unmet(
                    "cluster_already_designated",
                    f"{LAW_NAME} 제9조제1항",
                    f"{cluster.name}은(는) 이미 지정된 클러스터입니다",
                )
            ]
        )


LAW_NAME = "녹색융합클러스터법"
