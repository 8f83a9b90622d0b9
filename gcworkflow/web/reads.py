"""Read-side answers the clerks' desk needs beyond gcworkflow.queries: the dashboard, consultations as a
table, the list of plan versions, and where a proposal belongs. Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ScalarSelect, Select, func, or_, select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import Reader, read_procedure, transition
from gcworkflow.canonical import format_instant
from gcworkflow.clock import to_kst
from gcworkflow.context import Context, load_calendar
from gcworkflow.db.models import AuditEvent, Cluster, PlanVersion, Procedure, Proposal, RoleGrant, User
from gcworkflow.deadlines import open_deadlines, stuck, stuck_procedures
from gcworkflow.people import RESERVED
from gcworkflow.procedures.common import party_name
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import definitions
from gcworkflow.procedures.spec import Role


@dataclass(frozen=True)
class Filters:
    stage: str | None = None
    cluster: int | None = None
    kind: str | None = None
    person: str | None = None
    stuck: bool = False  # only the procedures that look stuck (deadlines.stuck)

    def as_query(self) -> dict[str, str]:
        return {k: "1" if v is True else str(v) for k, v in vars(self).items() if v not in (None, "", False)}


def _stage_entered() -> ScalarSelect[Any]:
    """When an open procedure entered its current stage: the last event that moved it there. Per procedure,
    read back from its newest transition on the partial index (one or two rows each), not by grouping every
    transition of every open procedure."""
    e, p = AuditEvent.__table__.c, Procedure.__table__.c
    return (
        select(e.occurred_at)
        .where(e.procedure_id == p.id, transition(AuditEvent.__table__), e.to_state == p.state)
        .order_by(e.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def dashboard(ctx: Context, filters: Filters) -> list[dict[str, Any]]:
    """Every open procedure with its stage, days in the stage and next deadline; overdue ones first."""
    with ctx.db.read() as session:
        return dashboard_page(ctx, session, filters)[0]


def dashboard_page(
    ctx: Context, session: Session, filters: Filters, offset: int = 0, limit: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """:func:`dashboard`'s rows ``offset`` to ``offset + limit``, and how many there are in all. Every open
    procedure is ordered (by its deadlines, which are few), only the rows shown are worked out."""
    today = ctx.clock.today()
    users = dict(session.execute(select(User.id, User.username)).all())
    # The order needs only ids and the deadlines; the columns shown are read for the page's rows alone.
    query = select(Procedure.id).where(Procedure.closed_at.is_(None))
    if filters.stage:
        query = query.where(Procedure.state == filters.stage)
    if filters.kind:
        query = query.where(Procedure.kind == filters.kind)
    if filters.cluster is not None:
        query = query.where(Procedure.cluster_id == filters.cluster)
    if filters.stuck:
        query = query.where(*stuck(ctx.clock.now(), ctx.settings.stuck_after_days))
    if filters.person:
        person = session.execute(select(User.id).where(User.username == filters.person)).scalar()
        query = query.where(or_(Procedure.clerk_id == person, Procedure.approver_id == person))
    every = session.execute(query).scalars().all()
    calendar = load_calendar(session)
    deadlines: dict[int, list[dict[str, Any]]] = {}
    for row in open_deadlines(session, today, calendar):
        deadlines.setdefault(row["procedure_id"], []).append(row)

    def urgency(procedure_id: int) -> tuple[int, date, int]:
        """Overdue first, then the nearest deadline, then those with none, oldest first."""
        own = deadlines.get(procedure_id)
        if not own:
            return (2, date.max, procedure_id)
        return (0 if any(d["days_left"] < 0 for d in own) else 1, own[0]["due_on"], procedure_id)

    ids = sorted(every, key=urgency)[offset : None if limit is None else offset + limit]
    shown = session.execute(
        select(
            Procedure.id,
            Procedure.title,
            Procedure.kind,
            Procedure.definition_version,
            Procedure.state,
            Procedure.version,
            Procedure.clerk_id,
            Procedure.approver_id,
            Procedure.opened_at,
            Procedure.last_action_at,
            Cluster.name.label("cluster"),
            _stage_entered().label("entered"),
        )
        .outerjoin(Cluster, Cluster.id == Procedure.cluster_id)
        .where(Procedure.id.in_(ids))
    ).all()
    place = {pid: n for n, pid in enumerate(ids)}
    shown.sort(key=lambda p: place[p.id])
    pending = dict(
        session.execute(
            select(Proposal.procedure_id, func.count())
            .where(Proposal.status == "pending", Proposal.procedure_id.in_(ids))
            .group_by(Proposal.procedure_id)
        ).all()
    )
    since_of = {p.id: to_kst(p.entered or p.opened_at).date() for p in shown}
    rows = []
    for procedure in shown:
        definition = definition_of(procedure.kind, procedure.definition_version)
        since = since_of[procedure.id]
        own = deadlines.get(procedure.id, [])
        rows.append(
            {
                "id": procedure.id,
                "title": procedure.title,
                "kind": procedure.kind,
                "kind_label": definition.label,
                "cluster": procedure.cluster,
                "state": procedure.state,
                "state_label": definition.state(procedure.state).label,
                "version": procedure.version,
                "clerk": users.get(procedure.clerk_id),
                "approver": users.get(procedure.approver_id),
                "stage_since": since.isoformat(),
                "days_in_stage": (today - since).days,
                "working_days_in_stage": calendar.working_days_between(since, today),
                "next_deadline": _deadline(own[0], today) if own else None,
                "overdue": sum(d["days_left"] < 0 for d in own),
                "open_deadlines": len(own),
                "pending_proposals": pending.get(procedure.id, 0),
                "last_action_at": format_instant(procedure.last_action_at),
            }
        )
    return rows, len(every)


def stuck_shortlist(ctx: Context, session: Session, shown: int) -> tuple[list[dict[str, Any]], int]:
    """The ``shown`` procedures idle longest of those that look stuck, and how many look stuck in all (the
    dashboard's filter lists every one, a page at a time)."""
    now, days = ctx.clock.now(), ctx.settings.stuck_after_days
    with ctx.db.read() as session:
        rows = stuck_procedures(session, now, days, limit=shown)
        total = (
            len(rows) if len(rows) < shown else _count(session, select(Procedure.id).where(*stuck(now, days)))
        )
    return rows, total


def _count(session: Session, query: Select[Any]) -> int:
    return session.execute(select(func.count()).select_from(query.subquery())).scalar_one()


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


@dataclass(frozen=True)
class Choices:
    """What the dashboard's forms offer, read in one transaction: the filters' values (stages, clusters,
    kinds, people), and for a new procedure the clusters (id, name, status; as registered) and the active
    approvers (username, display name)."""

    filters: dict[str, list[tuple[str, str]]]
    clusters: list[Any]
    approvers: list[Any]


def dashboard_choices(session: Session) -> Choices:
    stages: dict[str, str] = {}
    for definition in definitions():
        for state in definition.states:
            if not state.final:
                stages.setdefault(state.name, state.label)
    by_name = session.execute(select(Cluster.id, Cluster.name).order_by(Cluster.name)).all()
    registered = session.execute(select(Cluster.id, Cluster.name, Cluster.status).order_by(Cluster.id)).all()
    people = session.execute(
        select(User.username, User.display_name).where(User.username.not_in(RESERVED)).order_by(User.username)
    ).all()
    approvers = session.execute(
        select(User.username, User.display_name)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.APPROVER.value, User.active, User.username.not_in(RESERVED))
        .order_by(User.username)
    ).all()
    filters = {
        "stage": list(stages.items()),
        "cluster": [(str(i), n) for i, n in by_name],
        "kind": sorted({(d.kind, d.label) for d in definitions()}),
        "person": [(u, f"{n} ({u})") for u, n in people],
    }
    return Choices(filters, registered, approvers)


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
