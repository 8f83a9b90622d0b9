"""Who is asking: password sign-in with a lock-out, server-side sessions, CSRF tokens and API tokens.

The web layer only authenticates (DESIGN.md §2, "Who acts"): it turns a cookie or a bearer token into an
:class:`Identity` and hands the engine ``Actor(username, interface)``; roles, assignment and the two-person
rule stay the engine's. Secrets are random and high-entropy, so their SHA-256 is what the database keeps;
passwords are argon2id hashes (memory-hard).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select, update

from gcworkflow.context import Context
from gcworkflow.db.models import RoleGrant, User
from gcworkflow.engine import Actor
from gcworkflow.errors import Forbidden, GcwError
from gcworkflow.procedures.spec import ROLE_LABELS, Role
from gcworkflow.settings import Settings
from gcworkflow.web.models import ApiToken, LoginAttempt, WebSession

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


def _locked_until(session, settings: Settings, username: str, now: datetime) -> datetime | None:
    """Failures since the last success within the window (GCW_WEB_LOCK_MINUTES); GCW_WEB_LOCK_AFTER_FAILURES of
    them lock the name until the window ends.

    Names that do not exist are counted too, so the lock-out does not tell which names are real.
    """
    window = timedelta(minutes=settings.web_lock_minutes)
    last_success = session.execute(
        select(func.max(LoginAttempt.occurred_at)).where(
            LoginAttempt.username == username, LoginAttempt.succeeded.is_(True)
        )
    ).scalar_one()
    since = now - window
    if last_success is not None and last_success > since:
        since = last_success
    failures = (
        session.execute(
            select(LoginAttempt.occurred_at)
            .where(
                LoginAttempt.username == username,
                LoginAttempt.succeeded.is_(False),
                LoginAttempt.occurred_at > since,
            )
            .order_by(LoginAttempt.occurred_at.desc())
            .limit(settings.web_lock_after_failures)
        )
        .scalars()
        .all()
    )
    if len(failures) < settings.web_lock_after_failures:
        return None
    return failures[0] + window


def sign_in(
    ctx: Context, username: str, password: str, remote_addr: str | None, user_agent: str | None
) -> tuple[str, Identity]:
    """Check the password and open a session; returns the cookie's secret (shown once) and who signed in."""
    username = username.strip()[:64]
    now = ctx.clock.now()
    with ctx.db.read() as session:
        locked = _locked_until(session, ctx.settings, username, now)
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        stored = user.password_hash if user is not None else None
    if locked is not None:
        minutes = max(1, int((locked - now).total_seconds() // 60) + 1)
        raise SignInRefused(
            f"로그인에 {ctx.settings.web_lock_after_failures}번 잇달아 실패하여 잠시 잠겼습니다. "
            f"{minutes}분 뒤에 다시 시도하거나 관리자에게 문의하십시오."
        )
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


def session_identity(ctx: Context, secret: str | None) -> Identity | None:
    """The person behind a session cookie, or None when it is unknown, revoked, idle too long or expired."""
    if not secret:
        return None
    now = ctx.clock.now()
    with ctx.db.read() as session:
        row = session.execute(
            select(WebSession, User)
            .join(User, User.id == WebSession.user_id)
            .where(WebSession.token_sha256 == secret_sha256(secret))
        ).one_or_none()
        if row is None:
            return None
        web_session, user = row
        if (
            web_session.revoked_at is not None
            or web_session.expires_at <= now
            or web_session.last_seen_at + timedelta(minutes=ctx.settings.web_session_idle_minutes) <= now
            or not user.active
        ):
            return None
        identity = Identity(user.username, user.display_name, _roles(session, user.id), "web")
    if now - web_session.last_seen_at >= TOUCH_EVERY:
        with ctx.db.write() as session:
            session.execute(
                update(WebSession).where(WebSession.id == web_session.id).values(last_seen_at=now)
            )
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


def revoke_sessions(session, user_id: int, now: datetime, keep_sha256: str | None = None) -> int:
    """End a user's sessions (after a password change), except the one making the change."""
    query = update(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    if keep_sha256 is not None:
        query = query.where(WebSession.token_sha256 != keep_sha256)
    return session.execute(query.values(revoked_at=now)).rowcount


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


def require_scope(identity: Identity, allowed: Iterable[Role | str], what: str) -> None:
    """An API token works only for what its role may do; the engine then checks the user as always."""
    if identity.token_role is None:
        return
    names = {r.value if isinstance(r, Role) else r for r in allowed}
    if identity.token_role not in names:
        labels = ", ".join(sorted(names)) or "없음"
        raise Forbidden(
            f"이 API 토큰은 {identity.token_role} 권한으로만 쓸 수 있습니다. '{what}'에는 {labels} 권한의 토큰이 "
            "필요합니다."
        )
