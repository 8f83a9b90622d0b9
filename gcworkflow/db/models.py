"""The tables. The schema is created only by Alembic (migrations/); these are its typed mirror.

Append-only tables (audit events, facts, plan versions, checkpoints, refusals, registered numbers) are
protected by triggers in the migration, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gcworkflow.canonical import format_instant
from gcworkflow.db.types import UTCDateTime

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# The events that change the state: the partial index the as-of and stage queries replay from (migration 0006).
TRANSITIONS = "procedure_id IS NOT NULL AND (from_state IS NULL OR from_state <> to_state)"


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoleGrant(Base):
    __tablename__ = "role_grants"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class Cluster(Base):
    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(20))  # planned | designated | released
    basis: Mapped[str | None] = mapped_column(String(200))  # e.g. 법 부칙 제2조제1항 for a deemed cluster
    designated_on: Mapped[date | None] = mapped_column(Date)
    profile: Mapped[str] = mapped_column(Text)  # canonical JSON: location, area, budget as registered
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Procedure(Base):
    __tablename__ = "procedures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    definition_version: Mapped[int] = mapped_column(Integer)
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("clusters.id"))
    title: Mapped[str] = mapped_column(String(300))
    state: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    clerk_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported: Mapped[bool] = mapped_column(Boolean, default=False)
    # The head of this procedure's audit chain lives on its row, so one UPDATE under the row lock moves the
    # state, the version and the chain together (the system chain keeps its head in audit_chains).
    chain_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    chain_head: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_action_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Every action bumps the version explicitly (engine), even one that changes no other column of this row;
    # SQLAlchemy adds "WHERE version = <old>" to the UPDATE, so a lost race can never overwrite silently.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012

    __table_args__ = (Index("ix_procedures_cluster_open", "cluster_id", "closed_at"),)


class PlanVersion(Base):
    __tablename__ = "plan_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # canonical JSON
    sha256: Mapped[str] = mapped_column(String(64))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("procedure_id", "number"),)


class Fact(Base):
    """A recorded fact: an opinion, a reply, a meeting, a decision… Latest per (kind, subject) is current."""

    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")
    data: Mapped[str] = mapped_column(Text)  # canonical JSON
    corrects_fact_id: Mapped[int | None] = mapped_column(ForeignKey("facts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_facts_procedure_kind", "procedure_id", "kind", "subject"),)


class Proposal(Base):
    """A clerk's proposal of an approver's transition (결재 상신), bound to a version and a content hash."""

    __tablename__ = "proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    trigger: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    procedure_version: Mapped[int] = mapped_column(Integer)
    content_sha256: Mapped[str] = mapped_column(String(64))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))  # pending | approved | rejected
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    acting: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_proposals_status", "status", "procedure_id"),)


class AuditChain(Base):
    __tablename__ = "audit_chains"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    chain: Mapped[str] = mapped_column(String(40))
    seq: Mapped[int] = mapped_column(BigInteger)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    procedure_version: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    interface: Mapped[str] = mapped_column(String(16))
    os_user: Mapped[str | None] = mapped_column(String(64))
    trigger: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)  # canonical JSON of the payload alone
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    canonical: Mapped[str] = mapped_column(Text)  # the exact hashed text (DESIGN.md §2)

    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_audit_events_procedure", "procedure_id", "id"),
        Index("ix_audit_events_actor", "actor", "occurred_at"),
        # The audit queries' paths (migration 0006).
        Index("ix_audit_events_occurred", "occurred_at", "id"),
        Index("ix_audit_events_trigger", "trigger", "occurred_at"),
        Index(
            "ix_audit_events_transitions",
            "procedure_id",
            "seq",
            sqlite_where=text(TRANSITIONS),
            postgresql_where=text(TRANSITIONS),
        ),
    )


class AuditCheckpoint(Base):
    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    heads: Mapped[str] = mapped_column(Text)  # canonical JSON {chain: [seq, hash]}
    digest: Mapped[str] = mapped_column(String(64))


class RefusedAttempt(Base):
    """A refused action, kept outside the chains: the transaction that tried it was rolled back."""

    __tablename__ = "refused_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    procedure_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    interface: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(60))
    code: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    unmet: Mapped[str] = mapped_column(Text)  # canonical JSON list

    __table_args__ = (
        Index("ix_refused_attempts_procedure", "procedure_id", "occurred_at"),
        Index("ix_refused_attempts_occurred", "occurred_at"),
        Index("ix_refused_attempts_actor", "actor", "occurred_at"),
        # The /metrics scrape counts refusals per action and code from this index alone (migration 0009).
        Index("ix_refused_attempts_trigger_code", "trigger", "code"),
    )


class AuditRead(Base):
    """Who read the trail, what they asked and what came of it: append-only, outside the chains, so that
    reading never lengthens them."""

    __tablename__ = "audit_reads"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    roles: Mapped[str] = mapped_column(String(200))
    interface: Mapped[str] = mapped_column(String(16))
    os_user: Mapped[str | None] = mapped_column(String(64))
    query: Mapped[str] = mapped_column(String(40))
    parameters: Mapped[str] = mapped_column(Text)  # canonical JSON
    rows: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_audit_reads_actor", "actor", "occurred_at"),
        Index("ix_audit_reads_occurred", "occurred_at"),
        # The last `gcw audit verify` (query 'verify'), found without walking every read (migration 0009).
        Index("ix_audit_reads_query", "query", "occurred_at"),
    )


class Document(Base):
    """A document linked to a procedure; its bytes live in the content-addressed store under its SHA-256."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    direction: Mapped[str] = mapped_column(String(10))  # received | issued
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    filename: Mapped[str | None] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    plan_version_id: Mapped[int | None] = mapped_column(ForeignKey("plan_versions.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_documents_procedure", "procedure_id"),
        Index("ix_documents_sha256", "sha256"),
        Index("ix_documents_event", "event_id"),
    )

    def record(self) -> dict[str, Any]:
        """The row as the desk, the auditors' answers and the records archive all show it: one shape."""
        return {
            "id": self.id,
            "procedure_id": self.procedure_id,
            "sha256": self.sha256,
            "direction": self.direction,
            "kind": self.kind,
            "title": self.title,
            "filename": self.filename,
            "media_type": self.media_type,
            "size": self.size,
            "plan_version_id": self.plan_version_id,
            "event_id": self.event_id,
            "created_at": format_instant(self.created_at),
        }


class NumberSeries(Base):
    """The local gap-free series per (series, year), for stand-alone installations (procedure.md §7)."""

    __tablename__ = "number_series"

    series: Mapped[str] = mapped_column(String(60), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class RegisteredNumber(Base):
    __tablename__ = "registered_numbers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    # "<year>:<number as printed>": a letter's 시행 number ("<처리과>-12") restarts every year.
    formatted: Mapped[str] = mapped_column(String(100), unique=True)
    source: Mapped[str] = mapped_column(String(10))  # manual | local
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"))

    __table_args__ = (UniqueConstraint("series", "year", "serial"),)


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    kind: Mapped[str] = mapped_column(String(40))  # letter | reminder | …
    recipient: Mapped[str] = mapped_column(String(200))  # a party key (governor:47) or an address
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # pending | sending | sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    deadline_id: Mapped[int | None] = mapped_column(ForeignKey("deadlines.id"))
    address: Mapped[str | None] = mapped_column(String(200))  # the e-mail address it was sent to
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # the dispatcher sending it now
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    server_reply: Mapped[str | None] = mapped_column(Text)  # the mail server's answer, as received
    # Claimed again after a dispatcher died mid-send: the server may have accepted it already, so the re-send
    # carries the same Message-ID and the row says so.
    resent: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_status", "status", "next_attempt_at"),)


class HolidayOverride(Base):
    """임시공휴일 and corrections an admin enters (procedure.md §5); every edit is an audited system action."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    is_holiday: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Deadline(Base):
    """A deadline the engine keeps (procedure.md §5): due date, the rule that computed it, status.

    The rule's inputs are stored so that a holiday override can recompute the engine's own deadlines; a date
    already printed in a sent letter (``fixed``) is never moved, only flagged for the clerk.
    """

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")
    label: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(20))  # civil | working_days | date
    base_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(10))
    from_midnight: Mapped[bool] = mapped_column(Boolean)
    explanation: Mapped[str] = mapped_column(Text)
    calendar_version: Mapped[str] = mapped_column(String(80))
    fixed: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10))  # open | met | missed | waived
    note: Mapped[str | None] = mapped_column(Text)  # what a recomputation did, or why a fixed date is flagged
    opened_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    closed_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))
    closed_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_deadlines_open_due", "status", "due_on"),
        Index("ix_deadlines_procedure", "procedure_id", "kind", "subject"),
    )


class Contact(Base):
    """Where a party is reached (a governor's or a ministry's office): kept by an admin, audited."""

    __tablename__ = "contacts"

    party: Mapped[str] = mapped_column(String(120), primary_key=True)  # governor:47, ministry:산업통상부
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    unit: Mapped[str | None] = mapped_column(String(100), nullable=True)  # 처리과, in a letter's 수신 line


# --- the web desk's credentials: sign-in sessions, API tokens, sign-in attempts (migration 0005) ------------
# Kept here, on the storage floor, so that verification (audit/) can compare the tokens with the trail without
# importing the web layer. Secrets are never stored: a session cookie and an API token are high-entropy random
# strings, kept as their SHA-256; passwords live on ``users.password_hash`` as argon2 hashes.


class WebSession(Base):
    """A signed-in browser: the cookie's SHA-256, its user, and when it stops being valid."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute limit, whatever the activity
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_web_sessions_user", "user_id", "revoked_at"),)


class ApiToken(Base):
    """A script's credential: acts as its user, limited to one of that user's roles."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings so an admin can tell tokens apart
    name: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """One password sign-in attempt, kept whether the name exists or not (the lock-out counts failures)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)
    remote_addr: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_login_attempts_username", "username", "occurred_at"),)


class SignInThrottle(Base):
    """Failed sign-ins in a row for one key (``name:<user name>`` or ``addr:<address>``) and until when the next
    attempt must wait (migration 0008). An attempt counts itself here under the row's lock before its password
    is checked, so parallel attempts cannot get more checks than allowed."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    wait_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(Base):
    """When each scheduled job last finished without an error (migration 0009): one row per job, written by the
    job itself, so that a deadline sweep or a dispatch that found nothing to do is still seen to have run
    (``/metrics``: ``gcw_job_last_success_timestamp_seconds``). Operational bookkeeping, not evidence: the
    audit trail does not depend on it."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_success_at: Mapped[datetime] = mapped_column(UTCDateTime)
    successes: Mapped[int] = mapped_column(BigInteger)
