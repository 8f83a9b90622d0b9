"""Read-side answers for the interfaces: procedures, their status, history, proposals and the actions open
to a user now. Nothing here writes but the record of reads: a procedure's history and refusals are the audit
trail, read under the audit queries' rule and recorded as they are (:func:`history`, :func:`refusals`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.access import Principal, authorise
from gcworkflow.audit import procedure_chain
from gcworkflow.audit.queries import (
    OPERATOR,
    Reader,
    Scope,
    answer,
    read_procedure,
    reader_scope,
    record_read,
    transition,
)
from gcworkflow.canonical import format_instant, loads, sha256_hex
from gcworkflow.clock import to_kst
from gcworkflow.context import Context, load_calendar
from gcworkflow.db.models import (
    AuditEvent,
    Cluster,
    Document,
    PlanVersion,
    Procedure,
    Proposal,
    RefusedAttempt,
    User,
)
from gcworkflow.deadlines import open_deadlines
from gcworkflow.engine import acting_approver, build_view, load_principal
from gcworkflow.errors import Conflict, Forbidden, GcwError, NotFound
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import ROLE_LABELS, Action, ProcedureDefinition, ProcedureView, Role


def _usernames(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username)).all())


def procedure_definition(ctx: Context, procedure_id: int) -> ProcedureDefinition:
    """The definition (kind and version) the procedure was opened under; ``not_found`` when there is none."""
    with ctx.db.read() as session:
        row = session.execute(
            select(Procedure.kind, Procedure.definition_version).where(Procedure.id == procedure_id)
        ).one_or_none()
    if row is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return definition_of(row.kind, row.definition_version)


def proposal_procedure(ctx: Context, proposal_id: int) -> int:
    """The procedure a proposal belongs to, whatever its status (the engine says why a decided one is refused)."""
    with ctx.db.read() as session:
        procedure_id = session.execute(
            select(Proposal.procedure_id).where(Proposal.id == proposal_id)
        ).scalar_one_or_none()
    if procedure_id is None:
        raise NotFound(f"{proposal_id}번 상신이 없습니다")
    return procedure_id


def list_procedures(ctx: Context, *, open_only: bool = False) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        names = _usernames(session)
        clusters = dict(session.execute(select(Cluster.id, Cluster.name)).all())
        query = select(Procedure).order_by(Procedure.id)
        if open_only:
            query = query.where(Procedure.closed_at.is_(None))
        result = []
        for p in session.execute(query).scalars():
            definition = definition_of(p.kind, p.definition_version)
            result.append(
                {
                    "id": p.id,
                    "kind": p.kind,
                    "definition_version": p.definition_version,
                    "title": p.title,
                    "cluster": clusters.get(p.cluster_id),
                    "state": p.state,
                    "state_label": definition.state(p.state).label,
                    "version": p.version,
                    "clerk": names.get(p.clerk_id),
                    "approver": names.get(p.approver_id),
                    "opened_at": format_instant(p.opened_at),
                    "last_action_at": format_instant(p.last_action_at),
                    "closed": p.closed_at is not None,
                }
            )
        return result


def _procedure(session: Session, procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id)
    if procedure is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return procedure


def _preview(action: Action, view: ProcedureView) -> list[dict[str, str]]:
    """What would still block this action now, where that can be told without the actor's input."""
    try:
        model = action.payload.model_validate({}) if action.payload else None
    except ValidationError:
        return []
    unmet = []
    for guard in action.guards:
        unmet.extend(u.as_dict() for u in guard(view, model))
    return unmet


def _may_take(session: Session, procedure: Procedure, action: Action, principal: Principal | None) -> bool:
    if principal is None:
        return False
    if action.signoff:  # the assigned clerk proposes it; the approver signs it from the in-tray
        return Role.CLERK in principal.roles and procedure.clerk_id == principal.user.id
    try:
        authorise(session, procedure, action, principal)
    except GcwError:
        return False
    return True


def available_actions(
    session: Session,
    ctx: Context,
    procedure: Procedure,
    username: str | None,
    view: ProcedureView | None = None,
) -> list[dict[str, Any]]:
    """The actions of the current state: those this user may take now (with what would still block them), or,
    for a reader who cannot act (the operator, an auditor), every action with the roles that may take it.
    ``view``: the procedure's view when the caller has built it in this transaction already."""
    definition = definition_of(procedure.kind, procedure.definition_version)
    try:
        principal = load_principal(session, username) if username else None
    except GcwError:
        principal = None
    view = view or build_view(ctx, session, procedure)
    offered = []
    for action in definition.actions_from(procedure.state):
        mine = _may_take(session, procedure, action, principal)
        if principal is not None and not mine:
            continue
        offered.append(
            {
                "trigger": action.trigger,
                "label": action.label,
                "basis": action.basis,
                "transition_to": action.dest,
                "needs_signoff": action.signoff,
                "roles": sorted(r.value for r in action.roles),
                "yours": mine,
                "payload_fields": sorted(action.payload.model_fields) if action.payload else [],
                "unmet_now": _preview(action, view) if mine else [],
            }
        )
    return offered


def procedure_status(ctx: Context, procedure_id: int, reader: Reader | None = None) -> dict[str, Any]:
    """Where a procedure stands and what ``reader`` may do next. Its record — facts, pending proposals,
    documents — only as the audit rule lets this reader see it (``record_hidden`` says why not), the read
    recorded like any read of the record; the operator sees it, as it may export the whole archive. Without a
    reader: the installation's own narration (the demo), which no person reads through a door."""
    roles: tuple[str, ...] = ()
    hidden: str | None = None
    with ctx.db.read() as session:
        procedure = _procedure(session, procedure_id)
        if reader is not None:
            try:
                scope = reader_scope(session, reader, operator=True)
                roles = scope.roles
                scope.require(procedure_id)
            except Forbidden as error:
                hidden = error.message
        status = _status(ctx, session, procedure, reader, hidden)
    if reader is not None:
        shown = None if hidden else len(status["facts"])
        record_read(
            ctx,
            reader,
            roles,
            "status",
            {"procedure_id": procedure_id},
            shown,
            "forbidden" if hidden else "ok",
        )
    return status


def _status(
    ctx: Context, session: Session, procedure: Procedure, reader: Reader | None, hidden: str | None
) -> dict[str, Any]:
    definition = definition_of(procedure.kind, procedure.definition_version)
    names = _usernames(session)
    view = build_view(ctx, session, procedure)
    cluster = session.get(Cluster, procedure.cluster_id) if procedure.cluster_id else None
    facts: list[Any] = []
    proposals: Sequence[Proposal] = []
    documents: Sequence[Document] = []
    if not hidden:
        facts = sorted(view.facts.values(), key=lambda f: f.id)
        pending = Proposal.procedure_id == procedure.id, Proposal.status == "pending"
        proposals = session.execute(select(Proposal).where(*pending)).scalars().all()
        own = Document.procedure_id == procedure.id
        documents = session.execute(select(Document).where(own)).scalars().all()
    username = None if reader is None or reader.username == OPERATOR else reader.username
    return {
        "id": procedure.id,
        "kind": procedure.kind,
        "kind_label": definition.label,
        "definition_version": procedure.definition_version,
        "title": procedure.title,
        "cluster": cluster.name if cluster else None,
        "state": procedure.state,
        "state_label": definition.state(procedure.state).label,
        "version": procedure.version,
        "clerk": names.get(procedure.clerk_id),
        "approver": names.get(procedure.approver_id),
        "acting_approver": acting_approver(session, procedure.id),
        "plan_version": view.plan_version_no,
        "plan_sha256": view.plan_sha256,
        "facts": [
            {"kind": f.kind, "subject": f.subject, "data": dict(f.data), "event_id": f.event_id}
            for f in facts
        ],
        "pending_proposals": [
            {
                "id": p.id,
                "trigger": p.trigger,
                "proposed_by": names.get(p.proposed_by_id),
                "procedure_version": p.procedure_version,
                "stale": p.procedure_version != procedure.version,
                "content_sha256": p.content_sha256,
            }
            for p in proposals
        ],
        "documents": [d.record() for d in documents],
        "deadlines": open_deadlines(session, ctx.clock.today(), load_calendar(session), procedure.id),
        "actions": available_actions(session, ctx, procedure, username, view),
        "closed": procedure.closed_at is not None,
        "record_hidden": hidden,
    }


def _role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def history(ctx: Context, reader: Reader, procedure_id: int) -> list[dict[str, Any]]:
    """A procedure's events in chain order, for a reader its scope allows; the read is recorded
    (``audit.queries.read_procedure``: the same rule and record as `gcw audit history`)."""
    return read_procedure(ctx, reader, "history", procedure_id, lambda s: _events(s, procedure_id), len)


def procedure_events(ctx: Context, procedure_id: int) -> list[dict[str, Any]]:
    """:func:`history` without a reader: for the installation's own narration (the demo's report), which no
    person reads through a door. Interfaces read through :func:`history`."""
    with ctx.db.read() as session:
        return _events(session, procedure_id)


# What a timeline shows of an event: not its canonical text or previous hash, the bulk of its row.
_SHOWN = (
    AuditEvent.seq,
    AuditEvent.id,
    AuditEvent.occurred_at,
    AuditEvent.actor,
    AuditEvent.actor_role,
    AuditEvent.interface,
    AuditEvent.os_user,
    AuditEvent.trigger,
    AuditEvent.from_state,
    AuditEvent.to_state,
    AuditEvent.procedure_version,
    AuditEvent.comment,
    AuditEvent.payload,
    AuditEvent.hash,
)


def _events(session: Session, procedure_id: int, latest: int | None = None) -> list[dict[str, Any]]:
    """The procedure's events in chain order; ``latest``: only the newest N (read from the newest back)."""
    procedure = _procedure(session, procedure_id)
    definition = definition_of(procedure.kind, procedure.definition_version)
    # Its chain rather than procedure_id (the same events: verification holds each event to its procedure's
    # chain): the unique (chain, seq) index gives them in order, and the newest N without reading the rest.
    query = select(*_SHOWN).where(AuditEvent.chain == procedure_chain(procedure_id))
    if latest is None:
        events = session.execute(query.order_by(AuditEvent.seq)).all()
    else:
        events = session.execute(query.order_by(AuditEvent.seq.desc()).limit(latest)).all()[::-1]
    labels = {a.trigger: a.label for a in definition.actions}
    labels.update(
        open="절차 개시", propose="결재 상신", reject_proposal="결재 반려", import_="진행 중 절차 이관"
    )
    labels["import"] = labels.pop("import_")
    return [
        {
            "seq": e.seq,
            "event_id": e.id,
            "occurred_at": format_instant(e.occurred_at),
            "occurred_at_kst": to_kst(e.occurred_at).strftime("%Y-%m-%d %H:%M"),
            "actor": e.actor,
            "role": e.actor_role,
            "role_label": _role_label(e.actor_role),
            "interface": e.interface,
            "os_user": e.os_user,
            "trigger": e.trigger,
            "label": labels.get(e.trigger, e.trigger),
            "from_state": e.from_state,
            "to_state": e.to_state,
            "version": e.procedure_version,
            "comment": e.comment,
            "payload": loads(e.payload),
            "hash": e.hash,
        }
        for e in events
    ]


def _visited(session: Session, procedure_id: int) -> set[str]:
    """Every state the procedure has been moved into, from its transitions alone (the partial index)."""
    moved = session.execute(
        select(AuditEvent.to_state)
        .where(AuditEvent.procedure_id == procedure_id, transition(AuditEvent.__table__))
        .distinct()
    ).scalars()
    return {state for state in moved if state}


def refusals(
    ctx: Context, reader: Reader, procedure_id: int, *, latest: int | None = None
) -> list[dict[str, Any]]:
    """One procedure's refused attempts, oldest first (``latest``: only the newest N), for a reader its scope
    allows, the read recorded as :func:`history`'s. Across procedures: ``audit.queries.refusals``."""
    return read_procedure(
        ctx, reader, "refusals", procedure_id, lambda s: _refusals(s, procedure_id, latest), len
    )


def procedure_refusals(ctx: Context, procedure_id: int) -> list[dict[str, Any]]:
    """:func:`refusals` without a reader, as :func:`procedure_events` is :func:`history` without one."""
    with ctx.db.read() as session:
        return _refusals(session, procedure_id, None)


@dataclass(frozen=True)
class Timeline:
    """What the procedure page shows of the record: its newest events (``earlier`` more before them), every
    state it has been in (for the diagram) and its newest refusals."""

    events: list[dict[str, Any]]
    earlier: int
    visited: set[str]
    refusals: list[dict[str, Any]]


def procedure_page(
    ctx: Context, reader: Reader, procedure_id: int, *, latest_events: int, latest_refusals: int
) -> tuple[dict[str, Any], Timeline | None]:
    """What the procedure page shows: :func:`procedure_status` and, when the audit rule lets this reader see
    the record, its :class:`Timeline` (else ``None``: the status says why in ``record_hidden``). One read
    transaction and one record of the read, as :func:`history`'s (``read_procedure``): a page need not carry a
    chain of hundreds of events; the audit search pages through all of them."""
    roles: tuple[str, ...] = ()
    refused: Forbidden | None = None
    with ctx.db.read() as session:
        procedure = _procedure(session, procedure_id)
        try:
            scope = reader_scope(session, reader)
            roles = scope.roles
            scope.require(procedure_id)
        except Forbidden as error:
            refused = error
        status = _status(ctx, session, procedure, reader, refused.message if refused else None)
        record = None
        if refused is None:
            events = _events(session, procedure_id, latest_events)
            record = Timeline(
                events,
                events[0]["seq"] - 1
                if events
                else 0,  # a procedure's chain holds its events alone, from seq 1
                _visited(session, procedure_id),
                _refusals(session, procedure_id, latest_refusals),
            )
    parameters = {"procedure_id": procedure_id, "events": latest_events, "refusals": latest_refusals}
    shown = len(record.events) if record else None
    record_read(ctx, reader, roles, "history", parameters, shown, refused.code if refused else "ok")
    return status, record


def _refusals(session: Session, procedure_id: int, latest: int | None) -> list[dict[str, Any]]:
    query = (
        select(RefusedAttempt)
        .where(RefusedAttempt.procedure_id == procedure_id)
        .order_by(RefusedAttempt.id.desc())
        .limit(latest)
    )
    newest_first = list(session.execute(query).scalars())
    return [
        {
            "id": r.id,
            "occurred_at": format_instant(r.occurred_at),
            "procedure_id": r.procedure_id,
            "actor": r.actor,
            "interface": r.interface,
            "trigger": r.trigger,
            "code": r.code,
            "message": r.message,
            "unmet": loads(r.unmet),
        }
        for r in reversed(newest_first)
    ]


def proposals(
    ctx: Context, *, approver: str | None = None, proposed_by: str | None = None, status: str = "pending"
) -> list[dict[str, Any]]:
    """The approver's in-tray: pending proposals on procedures the user approves (or acts for); with
    ``proposed_by``, only those that user proposed."""
    with ctx.db.read() as session:
        return proposals_in(session, approver=approver, proposed_by=proposed_by, status=status)


def proposals_in(
    session: Session, *, approver: str | None = None, proposed_by: str | None = None, status: str = "pending"
) -> list[dict[str, Any]]:
    """:func:`proposals` in the caller's transaction (a page that reads several lists from one snapshot)."""
    names = _usernames(session)
    query = (
        select(Proposal, Procedure)
        .join(Procedure, Procedure.id == Proposal.procedure_id)
        .where(Proposal.status == status)
        .order_by(Proposal.id)
    )
    if proposed_by is not None:
        proposer = select(User.id).where(User.username == proposed_by).scalar_subquery()
        query = query.where(Proposal.proposed_by_id == proposer)
    rows = session.execute(query).all()
    result = []
    for proposal, procedure in rows:
        if (
            approver is not None
            and names.get(procedure.approver_id) != approver
            and (acting_approver(session, procedure.id) != approver)
        ):
            continue
        definition = definition_of(procedure.kind, procedure.definition_version)
        action = definition.action(proposal.trigger)
        result.append(
            {
                "id": proposal.id,
                "procedure_id": procedure.id,
                "procedure_title": procedure.title,
                "trigger": proposal.trigger,
                "label": action.label if action else proposal.trigger,
                "payload": loads(proposal.payload),
                "proposed_by": names.get(proposal.proposed_by_id),
                "proposed_at": format_instant(proposal.proposed_at),
                "procedure_version": proposal.procedure_version,
                "stale": proposal.procedure_version != procedure.version,
                "content_sha256": proposal.content_sha256,
                "status": proposal.status,
            }
        )
    return result


def plan_version(
    ctx: Context, reader: Reader | None, procedure_id: int, number: int | None = None
) -> dict[str, Any]:
    """One version of the procedure's plan (the latest without ``number``), for a reader the audit rule lets
    see the procedure's record, the read recorded; ``None``: the installation's own narration (the demo)."""

    def body(session: Session) -> dict[str, Any]:
        query = select(PlanVersion).where(PlanVersion.procedure_id == procedure_id)
        query = (
            query.where(PlanVersion.number == number) if number else query.order_by(PlanVersion.number.desc())
        )
        row = session.execute(query.limit(1)).scalar_one_or_none()
        if row is None:
            raise NotFound(f"{procedure_id}번 절차에 조성계획{f' 제{number}판' if number else ''}이 없습니다")
        return {
            "procedure_id": procedure_id,
            "number": row.number,
            "sha256": row.sha256,
            "content": loads(row.content),
            "created_at": format_instant(row.created_at),
            "event_id": row.event_id,
        }

    if reader is None:
        with ctx.db.read() as session:
            return body(session)
    parameters = {"number": number} if number else None
    return read_procedure(ctx, reader, "plan", procedure_id, body, lambda _: 1, parameters, operator=True)


def require_reader(ctx: Context, username: str) -> None:
    """Anyone registered (and the operator) may read in this issue; audit-wide access rules come with §6."""
    if username == "operator":
        return
    with ctx.db.read() as session:
        try:
            load_principal(session, username)
        except GcwError as exc:
            raise Forbidden(str(exc)) from exc


def documents(ctx: Context, reader: Reader, procedure_id: int | None = None) -> list[dict[str, Any]]:
    """The documents of one procedure, or of every procedure this reader may see, the read recorded."""

    def body(session: Session, scope: Scope) -> list[dict[str, Any]]:
        query = select(Document).where(*scope.procedure_ids(Document.procedure_id)).order_by(Document.id)
        if procedure_id is not None:
            _procedure(session, procedure_id)
            scope.require(procedure_id)
            query = query.where(Document.procedure_id == procedure_id)
        return [d.record() for d in session.execute(query).scalars()]

    parameters = {} if procedure_id is None else {"procedure_id": procedure_id}
    return answer(ctx, reader, "documents", parameters, body, len, operator=True)


def document(ctx: Context, reader: Reader, document_id: int) -> dict[str, Any]:
    """One document's record, for a reader who may see the procedure it belongs to, the read recorded."""

    def body(session: Session, scope: Scope) -> dict[str, Any]:
        row = session.get(Document, document_id)
        if row is None:
            raise NotFound(f"{document_id}번 문서가 없습니다")
        scope.require_document(document_id, row.procedure_id)
        return row.record()

    return answer(ctx, reader, "document", {"document_id": document_id}, body, lambda _: 1, operator=True)


def document_bytes(ctx: Context, sha256: str) -> bytes:
    """The stored bytes, refused when they no longer hash to what the trail recorded."""
    assert ctx.store is not None
    data = ctx.store.get(sha256)
    if sha256_hex(data) != sha256:
        raise Conflict(f"저장소의 문서 {sha256[:12]}…가 기록된 해시와 다릅니다 (변조 의심: gcw audit verify)")
    return data


def issued_by(ctx: Context, reader: Reader, sha256: str) -> dict[str, Any] | None:
    """Which procedure and action issued the document with these bytes (``gcw documents verify --record``):
    its ``documents`` row, the procedure and the ``document_issued`` event; None when no issued document has
    them. A reader who may not see that procedure is refused; the read is recorded either way."""

    def body(session: Session, scope: Scope) -> dict[str, Any] | None:
        row = session.execute(
            select(Document)
            .where(Document.sha256 == sha256, Document.direction == "issued")
            .order_by(Document.id)
            .limit(1)
        ).scalar_one_or_none()
        if row is None:
            return None
        scope.require_document(row.id, row.procedure_id)
        procedure = _procedure(session, row.procedure_id)
        event = session.get(AuditEvent, row.event_id)
        assert event is not None  # a foreign key: the row cannot outlive its event
        action = definition_of(procedure.kind, procedure.definition_version).action(event.trigger)
        return {
            "document": row.record(),
            "procedure": {"id": procedure.id, "kind": procedure.kind, "title": procedure.title},
            "event": {
                "id": event.id,
                "chain": event.chain,
                "seq": event.seq,
                "trigger": event.trigger,
                "label": action.label if action else event.trigger,
                "actor": event.actor,
                "occurred_at": format_instant(event.occurred_at),
            },
        }

    return answer(
        ctx,
        reader,
        "issued_by",
        {"sha256": sha256},
        body,
        lambda found: int(found is not None),
        operator=True,
    )
