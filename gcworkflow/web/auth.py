"""Who is asking: password sign-in with a growing wait after failures, server-side sessions, CSRF tokens and API
tokens.

The web layer only authenticates (DESIGN.md §2, "Who acts"): it turns a cookie or a bearer token into an
:class:`Identity` and hands the engine ``Actor(username, interface)``; roles, assignment and the two-person
rule stay the engine's. Secrets are random and high-entropy, so their SHA-256 is what the database keeps;
passwords are argon2id hashes (memory-hard).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import bindparam, case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import Reader
from gcworkflow.context import Context
from gcworkflow.db.models import ApiToken, LoginAttempt, RoleGrant, SignInThrottle, User, WebSession
from gcworkflow.engine import Actor, record_refusal
from gcworkflow.errors import Forbidden, GcwError
from gcworkflow.procedures.spec import ROLE_LABELS, Role
from gcworkflow.settings import Settings

SESSION_COOKIE = "gcw_session"
# Before sign-in there is no session to bind a CSRF token to; this cookie seeds the sign-in form's token.
LOGIN_COOKIE = "gcw_login"
# Touching last_seen_at on every request would make every page view a write transaction.
TOUCH_EVERY = timedelta(seconds=60)
TOKEN_PREFIX = "gcw_"

_hasher = PasswordHasher()
# Verified against when the name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class Unauthenticated(GcwError):
    """No valid credentials (a missing, expired or revoked session or token)."""

    code = "unauthenticated"
    http_status = 401


class SignInRefused(Unauthenticated):
    pass


@dataclass(frozen=True)
class Identity:
    """A signed-in person (web session) or script (API token)."""

    username: str
    display_name: str
    roles: frozenset[str]
    interface: str  # web | api
    # An API token acts with one of its user's roles only; None for a browser session.
    token_role: str | None = None

    def actor(self) -> Actor:
        return Actor(
            self.username, interface=self.interface, role=Role(self.token_role) if self.token_role else None
        )

    def reader(self) -> Reader:
        """Who reads the audit record, as its scope and its record of reads name them."""
        return Reader(self.username, interface=self.interface, role=self.actor().role)

    def has(self, role: Role) -> bool:
        return role.value in self.roles and self.token_role in (None, role.value)

    @property
    def role_labels(self) -> str:
        return ", ".join(ROLE_LABELS[role] for role in Role if role.value in self.roles)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def csrf_token(seed: str) -> str:
    """The form token for a session (or a sign-in cookie): an HMAC keyed by the secret only the browser and
    this request hold, so the database (which keeps only the secret's SHA-256) cannot be used to forge it."""
    return hmac.new(seed.encode(), b"gcw-csrf-v1", hashlib.sha256).hexdigest()


def csrf_ok(seed: str | None, given: str | None) -> bool:
    return bool(seed and given) and hmac.compare_digest(csrf_token(seed or ""), given or "")


def _roles(session, user_id: int) -> frozenset[str]:
    return frozenset(session.execute(select(RoleGrant.role).where(RoleGrant.user_id == user_id)).scalars())


# --- sign-in ------------------------------------------------------------------------------------------


# Failures in a row are forgotten after a day without one (or at a success, for the name).
FORGET_AFTER = timedelta(days=1)
FIRST_WAIT = timedelta(minutes=1)
THROTTLE_BASIS = "운영방침: 로그인 잇단 실패 시 대기 (OWASP ASVS V2.2.1)"
_throttle = SignInThrottle.__table__


@dataclass(frozen=True)
class _Counted:
    """One key's count of this attempt: the wait it set (if any) and the wait it replaced, to undo at a success."""

    key: str
    wait_set: datetime | None
    wait_before: datetime | None


def _throttle_keys(settings: Settings, username: str, remote_addr: str | None) -> dict[str, int]:
    """The counters an attempt goes on, each with the failures it allows in a row before a wait: the name's
    (whether or not it exists, so that waits tell nothing about who is registered) and the address's (so that
    one address can neither guess at many names nor make many people wait)."""
    keys = {f"name:{username}": settings.web_lock_after_failures}
    if remote_addr:
        keys[f"addr:{remote_addr[:64]}"] = settings.web_lock_address_failures
    return keys


def _wait(failures: int, allowed: int, longest: timedelta) -> timedelta | None:
    """None below the limit; a minute at it, twice as long with each further failure, never above ``longest``."""
    if failures < allowed:
        return None
    return min(longest, FIRST_WAIT * 2 ** min(failures - allowed, 20))


def _count_attempt(ctx: Context, keys: dict[str, int], now: datetime) -> list[_Counted]:
    """Count this attempt as a failure on every key *before* its password is checked, under the rows' locks
    (``FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so that parallel attempts cannot get more
    checks than allowed; a success undoes it. While a key must wait, refuse the attempt without counting it, so
    that hammering a waiting name does not make its owner wait longer."""
    longest = timedelta(minutes=ctx.settings.web_lock_minutes)
    with ctx.db.write() as session:
        dialect = session.get_bind().dialect.name
        create = (postgresql if dialect == "postgresql" else sqlite).insert(_throttle)
        rows: list[Any] = []
        while len(rows) < len(keys):  # again if pruning took a stale row between the two steps
            for key in sorted(
                keys
            ):  # one order for every attempt, so that two never wait on each other's rows
                session.execute(create.values(key=key, failures=0).on_conflict_do_nothing())
            rows = session.execute(
                select(_throttle)
                .where(_throttle.c.key.in_(sorted(keys)))
                .order_by(_throttle.c.key)
                .with_for_update()
            ).all()
        fresh = {r.key: r.last_failed_at is not None and now - r.last_failed_at < FORGET_AFTER for r in rows}
        waiting = [r for r in rows if fresh[r.key] and r.wait_until is not None and r.wait_until > now]
        if waiting:
            row = max(waiting, key=lambda r: r.wait_until)
            minutes = max(1, math.ceil((row.wait_until - now) / timedelta(minutes=1)))
            where = "이 주소에서 " if row.key.startswith("addr:") else ""
            raise SignInRefused(
                f"{where}로그인에 {row.failures}번 잇달아 실패하여 잠시 잠겼습니다. {minutes}분 뒤에 다시 "
                f"시도하거나 관리자에게 문의하십시오 ({THROTTLE_BASIS})."
            )
        counted = []
        for row in rows:
            failures = (row.failures if fresh[row.key] else 0) + 1
            wait = _wait(failures, keys[row.key], longest)
            wait_set = now + wait if wait is not None else None
            session.execute(
                update(_throttle)
                .where(_throttle.c.key == row.key)
                .values(failures=failures, last_failed_at=now, wait_until=wait_set)
            )
            counted.append(_Counted(row.key, wait_set, row.wait_until))
    _prune(ctx, now)
    return counted


def _prune(ctx: Context, now: datetime) -> None:
    """Forget counters a day old, which say nothing any more (else names sprayed at the form pile up), in a
    transaction of their own that skips rows an attempt holds, so that pruning never waits on an attempt."""
    c = _throttle.c
    stale = select(c.key).where(c.last_failed_at < now - FORGET_AFTER).with_for_update(skip_locked=True)
    with ctx.db.write() as session:
        session.execute(delete(_throttle).where(c.key.in_(stale.scalar_subquery())))


def _undo_count(session: Session, counted: list[_Counted]) -> None:
    """A success: the name starts afresh; the address only loses this attempt's count (signing in to one's own
    account must not clear what an address did to others), and the wait this attempt set, unless another
    attempt has set one since."""
    c = _throttle.c
    for item in counted:
        values: dict[str, Any]
        if item.key.startswith("name:"):
            values = {"failures": 0, "last_failed_at": None, "wait_until": None}
        else:
            values = {"failures": case((c.failures > 0, c.failures - 1), else_=0)}
            if item.wait_set is not None:
                before = literal(item.wait_before, c.wait_until.type)
                values["wait_until"] = case((c.wait_until == item.wait_set, before), else_=c.wait_until)
        session.execute(update(_throttle).where(c.key == item.key).values(**values))


def sign_in(
    ctx: Context, username: str, password: str, remote_addr: str | None, user_agent: str | None
) -> tuple[str, Identity]:
    """Check the password and open a session; returns the cookie's secret (shown once) and who signed in."""
    username = username.strip()[:64]
    now = ctx.clock.now()
    counted = _count_attempt(ctx, _throttle_keys(ctx.settings, username, remote_addr), now)
    with ctx.db.read() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        stored = user.password_hash if user is not None else None
    # The hash is verified outside any transaction: it takes tens of milliseconds by design (and is verified
    # even for an unknown name, so that the answer takes as long).
    good = verify_password(stored, password) and user is not None and user.active
    attempt = LoginAttempt(username=username, occurred_at=now, succeeded=good, remote_addr=remote_addr)
    if not good or user is None:
        with ctx.db.write() as session:
            session.add(attempt)
        raise SignInRefused("사용자 이름 또는 비밀번호가 올바르지 않습니다.")
    # A hash made with weaker parameters than today's is replaced while the password is at hand.
    rehashed = hash_password(password) if _hasher.check_needs_rehash(stored or "") else None
    secret = new_secret()
    with ctx.db.write() as session:
        _undo_count(session, counted)
        session.add(attempt)
        session.add(
            WebSession(
                token_sha256=secret_sha256(secret),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=ctx.settings.web_session_hours),
                remote_addr=remote_addr,
                user_agent=(user_agent or "")[:300] or None,
            )
        )
        if rehashed is not None:
            session.execute(update(User).where(User.id == user.id).values(password_hash=rehashed))
        identity = Identity(user.username, user.display_name, _roles(session, user.id), "web")
    return secret, identity


_sessions, _users, _grants = WebSession.__table__.c, User.__table__.c, RoleGrant.__table__.c
# Every page asks it first: one statement (the session, its user and the user's roles), built once.
_SESSION_IDENTITY = (
    select(
        _sessions.id,
        _sessions.last_seen_at,
        _sessions.expires_at,
        _sessions.revoked_at,
        _users.username,
        _users.display_name,
        _users.active,
        _grants.role,
    )
    .select_from(
        WebSession.__table__.join(User.__table__, _users.id == _sessions.user_id).outerjoin(
            RoleGrant.__table__, _grants.user_id == _users.id
        )
    )
    .where(_sessions.token_sha256 == bindparam("token_sha256"))
)


def session_identity(ctx: Context, secret: str | None) -> Identity | None:
    """The person behind a session cookie, or None when it is unknown, revoked, idle too long or expired."""
    if not secret:
        return None
    now = ctx.clock.now()
    with ctx.db.read() as session:
        rows = session.execute(_SESSION_IDENTITY, {"token_sha256": secret_sha256(secret)}).all()
    if not rows:
        return None
    row = rows[0]
    if (
        row.revoked_at is not None
        or row.expires_at <= now
        or row.last_seen_at + timedelta(minutes=ctx.settings.web_session_idle_minutes) <= now
        or not row.active
    ):
        return None
    identity = Identity(row.username, row.display_name, frozenset(r.role for r in rows if r.role), "web")
    if now - row.last_seen_at >= TOUCH_EVERY:
        with ctx.db.write() as session:
            session.execute(update(WebSession).where(WebSession.id == row.id).values(last_seen_at=now))
    return identity


def sign_out(ctx: Context, secret: str | None) -> None:
    if not secret:
        return
    with ctx.db.write() as session:
        session.execute(
            update(WebSession)
            .where(WebSession.token_sha256 == secret_sha256(secret), WebSession.revoked_at.is_(None))
            .values(revoked_at=ctx.clock.now())
        )


# --- API tokens ---------------------------------------------------------------------------------------


def token_identity(ctx: Context, secret: str | None) -> Identity:
    """The user and role scope behind a bearer token; ``unauthenticated`` when it is not a valid one."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise Unauthenticated("API 토큰이 없거나 형식이 맞지 않습니다 (Authorization: Bearer gcw_…).")
    now = ctx.clock.now()
    with ctx.db.read() as session:
        row = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_sha256 == secret_sha256(secret))
        ).one_or_none()
        if row is None:
            raise Unauthenticated("알 수 없는 API 토큰입니다.")
        token, user = row
        if token.revoked_at is not None:
            raise Unauthenticated("폐기된 API 토큰입니다.")
        if token.expires_at is not None and token.expires_at <= now:
            raise Unauthenticated("기한이 지난 API 토큰입니다.")
        if not user.active:
            raise Unauthenticated(f"사용이 중지된 사용자({user.username})의 토큰입니다.")
        roles = _roles(session, user.id)
    if token.role not in roles:
        raise Forbidden(
            f"이 토큰의 권한({token.role})이 사용자 {user.username}에게 더 이상 없습니다. 관리자에게 문의하십시오."
        )
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        with ctx.db.write() as session:
            session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return Identity(user.username, user.display_name, roles, "api", token_role=token.role)


def require_scope(
    ctx: Context,
    identity: Identity,
    allowed: Iterable[Role | str],
    what: str,
    trigger: str,
    procedure_id: int | None = None,
) -> None:
    """An API token works only for what its role may do; the engine then checks the user as always. A refusal
    here is kept in ``refused_attempts`` like the engine's own (under ``trigger``, the action it would have
    been), so that the record of refusals does not depend on which check said no."""
    if identity.token_role is None:
        return
    names = {r.value if isinstance(r, Role) else r for r in allowed}
    if identity.token_role not in names:
        labels = ", ".join(sorted(names)) or "없음"
        error = Forbidden(
            f"이 API 토큰은 {identity.token_role} 권한으로만 쓸 수 있습니다. '{what}'에는 {labels} 권한의 토큰이 "
            f"필요합니다 (운영방침: API 토큰은 발급 때 정한 한 권한으로만 사용). 관리자에게 그 권한의 토큰을 "
            "요청하십시오."
        )
        record_refusal(ctx, procedure_id, trigger, identity.actor(), error)
        raise error
