"""Opening a procedure on a cluster (or on the basic plan), with its assigned clerk and approver."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow import audit
from gcworkflow._engine.baseline import approved_plans
from gcworkflow._engine.refusals import record_refusal
from gcworkflow._engine.results import Actor, FireResult
from gcworkflow._engine.writes import Resolved
from gcworkflow.access import Principal, load_principal
from gcworkflow.canonical import canonical_text, digest
from gcworkflow.context import Context
from gcworkflow.db.models import (
    Cluster,
    Fact,
    PlanVersion,
    Procedure,
)
from gcworkflow.errors import Forbidden, GcwError, GuardFailed, InvalidInput, NotFound, Unmet
from gcworkflow.inputs import single_line
from gcworkflow.korean import with_particle
from gcworkflow.logs import timed
from gcworkflow.procedures.plan_content import parse_plan
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.spec import (
    ProcedureDefinition,
    Role,
)

log = logging.getLogger("gcworkflow.engine")


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
    with timed(
        log, "action", trigger="open", kind=kind, actor=actor.username, interface=actor.interface
    ) as said:
        try:
            with ctx.db.write() as session:
                opened = _open(ctx, session, actor, kind, cluster_id, approver, title, comment)
        except GcwError as error:
            record_refusal(ctx, None, f"open:{kind}", actor, error)
            raise
        said.fields["procedure_id"] = opened.procedure_id
        return opened


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
    if title:
        single_line(title, "절차 제목")  # listed by every desk and CLI table
    clerk = load_principal(session, actor.username, acting_as=actor.role)
    if Role.CLERK not in clerk.roles:
        raise Forbidden("절차는 담당 주무관이 개시합니다")
    approving = load_principal(session, approver)
    if Role.APPROVER not in approving.roles:
        raise InvalidInput(f"{approver}에게 결재권자 권한이 없습니다")
    if approving.user.id == clerk.user.id:
        raise InvalidInput("담당 주무관과 결재권자는 서로 다른 사람이어야 합니다 (운영방침: 2인 결재 원칙)")
    cluster = None
    if cluster_id is not None:
        cluster = session.execute(
            select(Cluster).where(Cluster.id == cluster_id).with_for_update()
        ).scalar_one_or_none()
        if cluster is None:
            raise NotFound(f"{cluster_id}번 클러스터가 없습니다")
        _check_cluster_free(session, definition, cluster)
    procedure = _new_procedure(
        session,
        definition,
        cluster,
        state=definition.initial,
        clerk=clerk,
        approver=approving,
        imported=False,
        now=ctx.clock.now(),
        title=title,
    )
    starting = _starting_records(session, definition, cluster)
    return _first_event(
        session,
        procedure,
        actor=actor,
        by=clerk,
        role=Role.CLERK,
        trigger="open",
        comment=comment,
        given={
            "kind": definition.kind,
            "definition_version": definition.version,
            "cluster_id": cluster_id,
            "approver": approver,
            "title": procedure.title,
        },
        records=starting,
    )


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
    required = definition.requires_cluster_status
    if required is not None and cluster.status != required:
        raise GuardFailed(
            [
                Unmet(
                    "cluster_not_designated",
                    f"{LAW_NAME} 제12조제1항",
                    f"{with_particle(cluster.name, '은')} 지정된 클러스터가 아니어서 {definition.label} 절차를 "
                    f"개시할 수 없습니다 (현재: {cluster.status})",
                )
            ]
        )
    if definition.kind == "designation" and cluster.status == "designated":
        raise GuardFailed(
            [
                Unmet(
                    "cluster_already_designated",
                    f"{LAW_NAME} 제9조제1항",
                    f"{with_particle(cluster.name, '은')} 이미 지정된 클러스터입니다",
                )
            ]
        )


LAW_NAME = "녹색융합클러스터법"


def _starting_records(
    session: Session, definition: ProcedureDefinition, cluster: Cluster | None
) -> list[Resolved]:
    """A change or release starts from the cluster's approved plan: plan version 1 and the ``baseline`` fact
    (what a minor change is measured against), both listed in the ``open`` event."""
    if not definition.starts_from_baseline or cluster is None:
        return []
    approved = approved_plans(session, cluster.id)
    records = [
        Resolved(
            {"fact": "baseline", "subject": "", "data": approved.as_fact()},
            [
                (
                    Fact.__table__,
                    {
                        "kind": "baseline",
                        "subject": "",
                        "data": canonical_text(approved.as_fact()),
                        "corrects_fact_id": None,
                    },
                )
            ],
        )
    ]
    if approved.current is not None:
        records.append(_first_plan_version(approved.current))
    return records


def _first_plan_version(content: dict[str, Any]) -> Resolved:
    sha256 = digest(content)
    return Resolved(
        {"plan_version": 1, "sha256": sha256},
        [
            (
                PlanVersion.__table__,
                {"number": 1, "content": canonical_text(content), "sha256": sha256, "based_on_id": None},
            )
        ],
    )


def import_procedure(
    ctx: Context,
    actor: Actor,
    kind: str,
    *,
    cluster_id: int | None,
    state: str,
    clerk: str,
    approver: str,
    history: list[dict[str, Any]],
    plan: dict[str, Any] | None = None,
    source: str,
) -> FireResult:
    """Bring a procedure already under way at go-live into the engine at its current stage (procedure.md §3).

    Its earlier history is recorded as *imported* in the first event of its chain — the chain starts at the
    import, and nothing before it is claimed to have happened through the engine. An admin's action."""
    with timed(
        log, "action", trigger="import", kind=kind, actor=actor.username, interface=actor.interface
    ) as said:
        try:
            with ctx.db.write() as session:
                imported = _import(
                    ctx, session, actor, kind, cluster_id, state, clerk, approver, history, plan, source
                )
        except GcwError as error:
            record_refusal(ctx, None, f"import:{kind}", actor, error)
            raise
        said.fields["procedure_id"] = imported.procedure_id
        return imported


def _import(
    ctx: Context,
    session: Session,
    actor: Actor,
    kind: str,
    cluster_id: int | None,
    state: str,
    clerk: str,
    approver: str,
    history: list[dict[str, Any]],
    plan: dict[str, Any] | None,
    source: str,
) -> FireResult:
    try:
        definition = definition_of(kind)
    except KeyError as exc:
        raise InvalidInput(f"알 수 없는 절차 종류입니다: {kind}") from exc
    admin = load_principal(session, actor.username, acting_as=actor.role)
    if Role.ADMIN not in admin.roles:
        raise Forbidden("진행 중인 절차의 이관(가져오기)은 관리자가 합니다")
    if state not in {s.name for s in definition.states if not s.final}:
        raise InvalidInput(f"'{definition.label}'의 진행 중 단계가 아닙니다: {state}")
    clerk_user, approver_user = load_principal(session, clerk), load_principal(session, approver)
    if Role.CLERK not in clerk_user.roles or Role.APPROVER not in approver_user.roles:
        raise InvalidInput("담당 주무관(clerk)과 결재권자(approver) 권한이 있는 사용자를 지정하십시오")
    cluster = session.get(Cluster, cluster_id) if cluster_id is not None else None
    if cluster_id is not None and cluster is None:
        raise NotFound(f"{cluster_id}번 클러스터가 없습니다")
    if cluster is not None:
        _check_cluster_free(session, definition, cluster)
    parser = definition.plan_parser or parse_plan
    content = parser(plan).model_dump(mode="json", exclude_none=True) if plan else None
    procedure = _new_procedure(
        session,
        definition,
        cluster,
        state=state,
        clerk=clerk_user,
        approver=approver_user,
        imported=True,
        now=ctx.clock.now(),
    )
    return _first_event(
        session,
        procedure,
        actor=actor,
        by=admin,
        role=Role.ADMIN,
        trigger="import",
        comment=f"진행 중 절차 이관: {source}",
        given={
            "kind": kind,
            "state": state,
            "clerk": clerk,
            "approver": approver,
            "source": source,
            "imported_history": history,
        },
        records=[] if content is None else [_first_plan_version(content)],
    )


def _new_procedure(
    session: Session,
    definition: ProcedureDefinition,
    cluster: Cluster | None,
    *,
    state: str,
    clerk: Principal,
    approver: Principal,
    imported: bool,
    now: datetime,
    title: str | None = None,
) -> Procedure:
    """The row at version 1 with an empty chain, flushed: the chain is named by its id."""
    procedure = Procedure(
        kind=definition.kind,
        definition_version=definition.version,
        cluster_id=cluster.id if cluster else None,
        title=title or (f"{cluster.name} {definition.title_suffix}" if cluster else definition.label),
        state=state,
        version=1,
        clerk_id=clerk.user.id,
        approver_id=approver.user.id,
        imported=imported,
        chain_seq=0,
        chain_head=audit.GENESIS,
        opened_at=now,
        last_action_at=now,
    )
    session.add(procedure)
    session.flush()
    return procedure


def _first_event(
    session: Session,
    procedure: Procedure,
    *,
    actor: Actor,
    by: Principal,
    role: Role,
    trigger: str,
    comment: str | None,
    given: dict[str, Any],
    records: list[Resolved],
) -> FireResult:
    """The event that starts the procedure's chain, listing the records it starts with. It is the opening
    itself, so it happens at the row's ``opened_at``."""
    now = procedure.opened_at
    event = audit.append(
        session,
        audit.EventInput(
            chain=audit.procedure_chain(procedure.id),
            procedure_id=procedure.id,
            procedure_version=procedure.version,
            occurred_at=now,
            actor=by.user.username,
            actor_role=role.value,
            interface=actor.interface,
            os_user=actor.os_user,
            trigger=trigger,
            from_state=None,
            to_state=procedure.state,
            comment=comment,
            payload={"input": given, "effects": [r.summary for r in records]},
        ),
        audit.ChainHead(0, audit.GENESIS),
    )
    procedure.chain_seq, procedure.chain_head = event.seq, event.hash
    for record in records:
        record.persist(session, procedure, event.id, now)  # type: ignore[arg-type]
    return FireResult(procedure.id, trigger, "", procedure.state, procedure.version, event.id, event.hash)
