"""Read-side answers the clerks' desk needs beyond gcworkflow.queries: the dashboard, consultations as a
table, the list of plan versions, and where a proposal belongs. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import Reader, read_procedure
from gcworkflow.canonical import format_instant
from gcworkflow.clock import to_kst
from gcworkflow.context import Context, load_calendar
from gcworkflow.db.models import AuditEvent, Cluster, PlanVersion, Procedure, Proposal, User
from gcworkflow.deadlines import open_deadlines
from gcworkflow.procedures.common import party_name
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import definitions


@dataclass(frozen=True)
class Filters:
    stage: str | None = None
    cluster: int | None = None
    kind: str | None = None
    person: str | None = None

    def as_query(self) -> dict[str, str]:
        return {k: str(v) for k, v in vars(self).items() if v not in (None, "")}


def _stage_entered(session: Any) -> dict[int, Any]:
    """When each open procedure entered its current stage: the last event that moved it there."""
    e, p = AuditEvent.__table__.c, Procedure.__table__.c
    rows = session.execute(
        select(e.procedure_id, func.max(e.occurred_at))
        .select_from(AuditEvent.__table__.join(Procedure.__table__, p.id == e.procedure_id))
        .where(
            p.closed_at.is_(None),
            e.to_state == p.state,
            or_(e.from_state.is_(None), e.from_state != e.to_state),
        )
        .group_by(e.procedure_id)
    )
    return dict(rows.all())


def dashboard(ctx: Context, filters: Filters) -> list[dict[str, Any]]:
    """Every open procedure with its stage, days in the stage and next deadline; overdue ones first."""
    today = ctx.clock.today()
    with ctx.db.read() as session:
        users = dict(session.execute(select(User.id, User.username)).all())
        query = (
            select(Procedure, Cluster.name)
            .outerjoin(Cluster, Cluster.id == Procedure.cluster_id)
            .where(Procedure.closed_at.is_(None))
            .order_by(Procedure.id)
        )
        if filters.stage:
            query = query.where(Procedure.state == filters.stage)
        if filters.kind:
            query = query.where(Procedure.kind == filters.kind)
        if filters.cluster is not None:
            query = query.where(Procedure.cluster_id == filters.cluster)
        if filters.person:
            person = session.execute(select(User.id).where(User.username == filters.person)).scalar()
            query = query.where(or_(Procedure.clerk_id == person, Procedure.approver_id == person))
        procedures = session.execute(query).all()
        entered = _stage_entered(session)
        calendar = load_calendar(session)
        deadlines: dict[int, list[dict[str, Any]]] = {}
        for row in open_deadlines(session, today, calendar):
            deadlines.setdefault(row["procedure_id"], []).append(row)
        pending = dict(
            session.execute(
                select(Proposal.procedure_id, func.count())
                .where(Proposal.status == "pending")
                .group_by(Proposal.procedure_id)
            ).all()
        )
    rows = []
    for procedure, cluster in procedures:
        definition = definition_of(procedure.kind, procedure.definition_version)
        since = to_kst(entered.get(procedure.id, procedure.opened_at)).date()
        own = deadlines.get(procedure.id, [])
        overdue = [d for d in own if d["days_left"] < 0]
        rows.append(
            {
                "id": procedure.id,
                "title": procedure.title,
                "kind": procedure.kind,
                "kind_label": definition.label,
                "cluster": cluster,
                "state": procedure.state,
                "state_label": definition.state(procedure.state).label,
                "version": procedure.version,
                "clerk": users.get(procedure.clerk_id),
                "approver": users.get(procedure.approver_id),
                "stage_since": since.isoformat(),
                "days_in_stage": (today - since).days,
                "working_days_in_stage": calendar.working_days_between(since, today),
                "next_deadline": _deadline(own[0], today) if own else None,
                "overdue": len(overdue),
                "open_deadlines": len(own),
                "pending_proposals": pending.get(procedure.id, 0),
                "last_action_at": format_instant(procedure.last_action_at),
            }
        )
    # Overdue first (most overdue on top), then the nearest deadline, then those with none, oldest first.
    rows.sort(
        key=lambda r: (
            0 if r["overdue"] else 1 if r["next_deadline"] else 2,
            r["next_deadline"]["due_on"] if r["next_deadline"] else date.max.isoformat(),
            r["id"],
        )
    )
    return rows


def subject_label(subject: str, today: date) -> str:
    """A deadline's subject as a clerk reads it: a party key (governor:47) by the party's name."""
    return party_name(subject, today) if ":" in subject else subject


def _deadline(row: dict[str, Any], today: date) -> dict[str, Any]:
    return {
        "id": row["id"],
        "label": row["label"],
        "subject": row["subject"],
        "subject_label": subject_label(row["subject"], today),
        "due_on": row["due_on"].isoformat(),
        "days_left": row["days_left"],
        "working_days_left": row["working_days_left"],
        "basis": row["basis"],
    }


def filter_choices(ctx: Context) -> dict[str, list[tuple[str, str]]]:
    """The values the dashboard's filters offer: stages, clusters, kinds and people."""
    stages: dict[str, str] = {}
    for definition in definitions():
        for state in definition.states:
            if not state.final:
                stages.setdefault(state.name, state.label)
    with ctx.db.read() as session:
        clusters = session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name)).all()
        people = session.execute(
            select(User.username, User.display_name)
            .where(User.username.not_in(("system", "operator")))
            .order_by(User.username)
        ).all()
    return {
        "stage": list(stages.items()),
        "cluster": [(str(i), n) for i, n in clusters],
        "kind": sorted({(d.kind, d.label) for d in definitions()}),
        "person": [(u, f"{n} ({u})") for u, n in people],
    }


REPLY_KEYS = ("received_on", "summary", "position", "no_reply", "reason", "document_sha256")


def consultations(status: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """The current round of each consultation, one line per party: requested, reply-by, reply."""
    facts = {(f["kind"], f["subject"]): f["data"] for f in status["facts"]}
    groups = []
    for group, title in (("governor", "관할 시·도지사 의견수렴"), ("ministry", "관계부처 협의")):
        round_ = facts.get(("consultation_round", group))
        if round_ is None:
            continue
        parties = []
        for party in round_["parties"]:
            request = facts.get(("consultation_request", party), {})
            reply = facts.get(("consultation_reply", party))
            if reply is not None and reply.get("round") != round_["round"]:
                reply = None
            resolution = facts.get(("objection_resolution", party))
            reply_by = request.get("reply_by") or round_["reply_by"]
            if reply is not None:
                # Every key the page reads, whichever kind of reply (an opinion, a position, no reply) it is.
                reply = {k: reply.get(k) for k in REPLY_KEYS}
            parties.append(
                {
                    "party": party,
                    "name": request.get("party") or party_name(party, today),
                    "requested_on": request.get("requested_on", round_["requested_on"]),
                    "reply_by": reply_by,
                    "reply_by_rule": request.get("reply_by_rule"),
                    "days_left": (date.fromisoformat(reply_by) - today).days,
                    "reply": reply,
                    "resolution": resolution
                    if resolution and resolution.get("round") == round_["round"]
                    else None,
                }
            )
        groups.append({"group": group, "title": title, "round": round_, "parties": parties})
    return groups


def plan_versions(ctx: Context, reader: Reader, procedure_id: int) -> list[dict[str, Any]]:
    """The plan's versions, for a reader the audit rule lets see the procedure's record (the read recorded)."""

    def body(session: Session) -> list[dict[str, Any]]:
        rows = session.execute(
            select(PlanVersion.number, PlanVersion.sha256, PlanVersion.created_at, PlanVersion.event_id)
            .where(PlanVersion.procedure_id == procedure_id)
            .order_by(PlanVersion.number)
        ).all()
        return [
            {"number": n, "sha256": sha, "created_at": format_instant(at), "event_id": event}
            for n, sha, at, event in rows
        ]

    return read_procedure(ctx, reader, "plan_versions", procedure_id, body, len, operator=True)
