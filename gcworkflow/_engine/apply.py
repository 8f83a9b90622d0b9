"""Carrying one action out inside its transaction: payload, machine and guards, effects, version, event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from transitions import MachineError

from gcworkflow import audit
from gcworkflow._engine import sql
from gcworkflow._engine.attempt import Attempt
from gcworkflow._engine.results import FireResult
from gcworkflow._engine.row import ProcedureRow, save_procedure
from gcworkflow._engine.view import fact_record
from gcworkflow._engine.writes import Resolved, resolve_writes
from gcworkflow.canonical import loads
from gcworkflow.db.models import AuditEvent
from gcworkflow.errors import GuardFailed, InvalidInput, Unmet
from gcworkflow.korean import particle
from gcworkflow.procedures.plan_content import PlanValidationError
from gcworkflow.procedures.registry import machine as machine_of
from gcworkflow.procedures.spec import (
    Action,
    CloseDeadline,
    ProcedureDefinition,
    ProcedureView,
    RecordFact,
    Role,
    Write,
)
from gcworkflow.validation import field_errors, korean_errors


def action_of(definition: ProcedureDefinition, trigger: str) -> Action:
    action = definition.action(trigger)
    if action is None:
        raise InvalidInput(f"'{definition.label}' 절차에 없는 처리입니다: {trigger}")
    return action


def validate_payload(action: Action, payload: Mapping[str, Any]) -> BaseModel | None:
    if action.payload is None:
        if payload:
            raise InvalidInput(f"'{action.label}'에는 입력 항목이 없습니다: {', '.join(sorted(payload))}")
        return None
    try:
        return action.payload.model_validate(dict(payload))
    except ValidationError as exc:
        raise InvalidInput(
            f"'{action.label}' 입력값을 확인하십시오:\n{korean_errors(exc)}", fields=field_errors(exc)
        ) from exc


# --- carrying an action out --------------------------------------------------------------------------


def run_machine(
    definition: ProcedureDefinition, procedure: ProcedureRow, action: Action, view: ProcedureView, model: Any
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
                    f"현재 단계({state.label})에서는 '{action.label}'{particle(action.label, '을')} 할 수 없습니다",
                )
            ]
        ) from exc
    finally:
        machine.remove_model(procedure)
    if not passed:
        raise GuardFailed(unmet)


def apply_action(
    attempt: Attempt,
    action: Action,
    view: ProcedureView,
    model: Any,
    role: Role,
    extra: Mapping[str, Any] | None = None,
) -> FireResult:
    """``extra``: what the event records beside the input and the effects (an approval: its proposal)."""
    procedure, definition = attempt.procedure, attempt.definition
    from_state = procedure.state
    run_machine(definition, procedure, action, view, model)
    try:
        if action.trigger == "correct":
            writes = _correction(attempt.session, definition, view, model)
        else:
            writes = action.effects(view, model) if action.effects else []
    except PlanValidationError as exc:
        raise InvalidInput(str(exc)) from exc
    closing = procedure.state in definition.final_states and from_state != procedure.state
    if closing:
        # A closed procedure keeps no deadline of its own open; those this action opens (follow-ups) come after.
        writes = [CloseDeadline(None, None, "waived"), *writes]
    resolved = resolve_writes(attempt.ctx, attempt.session, procedure, writes, view)
    summary = [r.summary for r in resolved]
    appended = commit_event(
        attempt,
        trigger=action.trigger,
        from_state=from_state,
        role=role,
        payload={"input": model, **(extra or {}), "effects": summary},
        resolved=resolved,
        closes=closing,
    )
    return FireResult(
        procedure.id,
        action.trigger,
        from_state,
        procedure.state,
        procedure.version,
        appended.id,
        appended.hash,
        effects=summary,
    )


def commit_event(
    attempt: Attempt,
    *,
    trigger: str,
    from_state: str,
    role: Role,
    payload: dict[str, Any],
    resolved: Sequence[Resolved] = (),
    closes: bool = False,
) -> audit.Appended:
    """The end of every procedure action: next version, the event on the procedure's chain, the row saved
    (state, version and chain head in one UPDATE under the optimistic check), then the records it wrote."""
    session, procedure = attempt.session, attempt.procedure
    # Nothing before the event moves the version, so the row still holds the one read under the lock.
    read_version = procedure.version
    now = attempt.ctx.clock.now()
    procedure.version = read_version + 1
    if closes and procedure.closed_at is None:
        procedure.closed_at = now
    appended = audit.append(
        session,
        audit.EventInput(
            chain=audit.procedure_chain(procedure.id),
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            occurred_at=now,
            actor=attempt.principal.user.username,
            actor_role=role.value,
            interface=attempt.actor.interface,
            os_user=attempt.actor.os_user,
            trigger=trigger,
            from_state=from_state,
            to_state=procedure.state,
            comment=attempt.comment,
            payload=payload,
        ),
        audit.ChainHead(procedure.chain_seq, procedure.chain_head),
    )
    procedure.chain_seq, procedure.chain_head = appended.seq, appended.hash
    save_procedure(session, procedure, read_version, now)
    for item in resolved:
        item.persist(session, procedure, appended.id, now)
    return appended


def _correction(
    session: Session, definition: ProcedureDefinition, view: ProcedureView, model: Any
) -> list[Write]:
    """Re-validate corrected data with the original action's payload and record it over the earlier facts."""
    originals = [
        fact_record(r)
        for r in session.connection().execute(
            sql.FACTS_OF_EVENT, {"procedure_id": view.id, "event_id": model.event_id}
        )
    ]
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
