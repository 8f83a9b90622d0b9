"""The hot path's statements, built once: Core tables and bound parameters.

An action runs about eight statements; building and cache-keying a fresh ``select()`` each time, or sending it
through the ORM's compile path, cost more than SQLite took to run it (bench/transitions.py). These are plain Core
constructs over the tables, executed on the session's connection.
"""

from __future__ import annotations

from sqlalchemy import Integer, String, and_, bindparam, cast, func, null, select, union_all, update

from gcworkflow.audit import procedure_chain_of
from gcworkflow.db.models import AuditEvent, Cluster, Fact, PlanVersion, Procedure, RoleGrant, User

procedures = Procedure.__table__
clusters = Cluster.__table__
users = User.__table__
grants = RoleGrant.__table__
facts = Fact.__table__
plans = PlanVersion.__table__
events = AuditEvent.__table__

# The chain's head event, found by the row's own chain_seq on the (chain, seq) unique index: its state and
# version are what the row must say (row.lock_procedure refuses a row changed outside the engine).
_head = events.alias("head")
LOCK_PROCEDURE = (
    select(
        procedures.c.id,
        procedures.c.kind,
        procedures.c.definition_version,
        procedures.c.cluster_id,
        clusters.c.name.label("cluster_name"),
        procedures.c.title,
        procedures.c.state,
        procedures.c.version,
        procedures.c.clerk_id,
        procedures.c.approver_id,
        procedures.c.closed_at,
        procedures.c.chain_seq,
        procedures.c.chain_head,
        _head.c.to_state.label("head_state"),
        _head.c.procedure_version.label("head_version"),
        _head.c.hash.label("head_hash"),
    )
    .select_from(
        procedures.outerjoin(clusters, clusters.c.id == procedures.c.cluster_id).outerjoin(
            _head,
            and_(
                _head.c.chain == procedure_chain_of(procedures.c.id),
                _head.c.seq == procedures.c.chain_seq,
            ),
        )
    )
    .where(procedures.c.id == bindparam("procedure_id"))
    .with_for_update(of=procedures)
)

# The same head, read in a statement of its own (see row.lock_procedure: a lock that waited on PostgreSQL).
HEAD_EVENT = select(events.c.to_state, events.c.procedure_version, events.c.hash).where(
    events.c.chain == procedure_chain_of(bindparam("procedure_id")), events.c.seq == bindparam("seq")
)

SAVE_PROCEDURE = (
    update(procedures)
    .where(procedures.c.id == bindparam("b_id"), procedures.c.version == bindparam("b_version"))
    .values(
        state=bindparam("state"),
        version=bindparam("version"),
        clerk_id=bindparam("clerk_id"),
        approver_id=bindparam("approver_id"),
        closed_at=bindparam("closed_at"),
        chain_seq=bindparam("chain_seq"),
        chain_head=bindparam("chain_head"),
        last_action_at=bindparam("last_action_at"),
    )
)

# The view's one read after the lock: the current value of each fact (the newest of its (kind, subject)) and,
# as one more row with a plan number, the latest plan version. One statement, not two: a round trip is what an
# action costs on PostgreSQL (bench/transitions.py). It runs after the lock, so it sees what a waited-for
# action committed, which a join in the locking statement would not on PostgreSQL.
_newest = (
    select(func.max(facts.c.id))
    .where(facts.c.procedure_id == bindparam("procedure_id"))
    .group_by(facts.c.kind, facts.c.subject)
    .scalar_subquery()
)
_latest_plan = (
    select(plans.c.id)
    .where(plans.c.procedure_id == bindparam("procedure_id"))
    .order_by(plans.c.number.desc())
    .limit(1)
    .scalar_subquery()
)
PLAN_AND_FACTS = union_all(
    select(
        facts.c.id,
        facts.c.kind,
        facts.c.subject,
        facts.c.data,
        facts.c.event_id,
        facts.c.created_at,
        cast(null(), Integer).label("plan_number"),
        cast(null(), String).label("plan_sha256"),
    ).where(facts.c.id.in_(_newest)),
    select(
        plans.c.id,
        cast(null(), String),
        cast(null(), String),
        plans.c.content,
        plans.c.event_id,
        plans.c.created_at,
        plans.c.number,
        plans.c.sha256,
    ).where(plans.c.id == _latest_plan),
).order_by("id")

LATEST_PLAN = (
    select(plans.c.id, plans.c.number, plans.c.sha256, plans.c.content)
    .where(plans.c.procedure_id == bindparam("procedure_id"))
    .order_by(plans.c.number.desc())
    .limit(1)
)

FACTS_OF_EVENT = select(
    facts.c.id, facts.c.kind, facts.c.subject, facts.c.data, facts.c.event_id, facts.c.created_at
).where(facts.c.procedure_id == bindparam("procedure_id"), facts.c.event_id == bindparam("event_id"))
