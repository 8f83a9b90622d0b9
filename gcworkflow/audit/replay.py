"""The system chain replayed: who exists and is active, who holds which role, which API tokens were issued and
revoked, the contacts and the holiday overrides, as its events say; then compared with the current rows.

The chain is small (people and settings change rarely), so every event is read and replayed in order. A value
an older event does not carry yet (a token's SHA-256, a password's fingerprint, a revocation's instant) is
compared only where the event carries it. Left out, since no event records them: a token's ``last_used_at``,
the stamps written beside the event (``created_at``, ``updated_at``), display names and e-mail addresses of
users (not what anyone may do).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import SYSTEM_CHAIN
from gcworkflow.audit.findings import Findings, Source, effects_of, payload_of
from gcworkflow.canonical import format_instant, sha256_hex
from gcworkflow.db.models import ApiToken, AuditEvent, Contact, HolidayOverride, RoleGrant, User

# The `system` user and its role come from the first migration (0001_core_schema), before any event.
SEEDED_USER = "system"


def password_fingerprint(password_hash: str) -> str:
    """What an event records of a password: the SHA-256 of its stored argon2 hash. The hash itself never goes
    into the trail (auditors read it); without the hash's salt the fingerprint tells nothing of the password."""
    return sha256_hex(password_hash.encode("utf-8"))


@dataclass
class _Person:
    created: Source | None
    active: tuple[bool, Source | None] = (True, None)
    roles: dict[str, Source | None] = field(default_factory=dict)
    # The last event that set a password, and the fingerprint it recorded (None: an event before the field).
    password: tuple[Source, str | None] | None = None


@dataclass
class _Token:
    created: Source
    values: dict[str, Any]
    revoked: Source | None = None
    revoked_at: str | None = None


@dataclass
class SystemReplay:
    """The system chain's projection; ``moved`` is the deadlines' due dates as the holiday edits moved them."""

    people: dict[str, _Person] = field(default_factory=dict)
    tokens: dict[int, _Token] = field(default_factory=dict)
    contacts: dict[str, tuple[dict[str, Any], Source]] = field(default_factory=dict)
    # Each day's override as the last edit left it (None: removed), with that edit.
    holidays: dict[str, tuple[dict[str, Any] | None, Source]] = field(default_factory=dict)
    moved: dict[int, tuple[str, Source]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.people[SEEDED_USER] = _Person(None, roles={SEEDED_USER: None})

    def feed(self, source: Source, trigger: str, actor: str, payload: dict[str, Any]) -> None:
        given = payload.get("input") if isinstance(payload.get("input"), dict) else {}
        for effect in effects_of(payload):
            self._effect(source, trigger, actor, given, effect)

    def _effect(
        self, source: Source, trigger: str, actor: str, given: dict[str, Any], effect: dict[str, Any]
    ) -> None:
        if trigger in ("init", "add_user"):
            self.people[effect["user"]] = _Person(
                source, roles=dict.fromkeys(effect.get("roles", []), source)
            )
        elif trigger == "grant_role" and effect.get("user") in self.people:
            self.people[effect["user"]].roles[effect["granted"]] = source
        elif trigger == "revoke_role" and effect.get("user") in self.people:
            self.people[effect["user"]].roles.pop(effect["revoked"], None)
        elif trigger in ("activate_user", "deactivate_user") and effect.get("user") in self.people:
            self.people[effect["user"]].active = (bool(effect.get("active")), source)
            for token_id in effect.get("tokens_revoked", []):
                self._revoke(source, actor, int(token_id), effect.get("revoked_at"))
        elif trigger in ("set_password", "change_own_password") and effect.get("password_set") in self.people:
            self.people[effect["password_set"]].password = (source, effect.get("password_hash_sha256"))
        elif trigger == "create_api_token":
            self.tokens[int(effect["token_id"])] = _Token(
                source,
                {
                    "user": given.get("username"),
                    "role": given.get("role"),
                    "name": given.get("name"),
                    "prefix": effect.get("prefix"),
                    "expires_at": effect.get("expires_at"),
                    "created_by": actor,
                    **({"token_sha256": effect["token_sha256"]} if "token_sha256" in effect else {}),
                },
            )
        elif trigger == "revoke_api_token":
            self._revoke(source, actor, int(effect.get("token_id", 0)), effect.get("revoked_at"))
        elif trigger == "set_contact":
            values = {k: effect[k] for k in ("name", "email", "unit") if k in effect}
            self.contacts[effect["contact"]] = (values, source)
        elif trigger in ("add_holiday", "remove_holiday"):
            self._holiday(source, actor, given, effect)

    def _revoke(self, source: Source, actor: str, token_id: int, revoked_at: str | None) -> None:
        """A token revoked by hand or with its stopped account."""
        if token_id in self.tokens:
            token = self.tokens[token_id]
            token.revoked, token.revoked_at = source, revoked_at
            token.values["revoked_by"] = actor

    def _holiday(self, source: Source, actor: str, given: dict[str, Any], effect: dict[str, Any]) -> None:
        for item in effect.get("recomputed", []):
            if isinstance(item, dict) and item.get("moved"):
                self.moved[int(item["deadline"])] = (str(item["new_due"]), source)
        # The row keeps the name and reason as entered, trimmed (holiday_overrides.add_holiday).
        reason = str(given.get("reason", "")).strip()
        if "holiday" in effect:
            day, row = (
                str(effect["holiday"]),
                {"name": str(effect.get("name", "")).strip(), "is_holiday": True},
            )
        elif "not_holiday" in effect:
            day, row = str(effect["not_holiday"]), {"name": effect.get("name"), "is_holiday": False}
        else:
            self.holidays[str(effect.get("removed_override"))] = (None, source)
            return
        self.holidays[day] = ({**row, "reason": reason, "created_by": actor}, source)


def replay_system(session: Session) -> SystemReplay:
    e = AuditEvent.__table__.c
    replay = SystemReplay()
    rows = session.execute(
        select(e.id, e.seq, e.trigger, e.actor, e.payload).where(e.chain == SYSTEM_CHAIN).order_by(e.seq)
    )
    for row in rows:
        payload = payload_of(row.payload)
        try:
            replay.feed(Source(row.id, SYSTEM_CHAIN, row.seq), row.trigger, row.actor, payload)
        except (KeyError, TypeError, ValueError):
            continue  # an event whose payload was altered: the chain check reports it
    return replay


def compare_system(session: Session, replay: SystemReplay, found: Findings) -> None:
    """Users, role grants, API tokens, contacts and holiday overrides against the replay."""
    usernames = dict(session.execute(select(User.id, User.username)).all())
    _users(session, replay, found)
    _grants(session, replay, found, usernames)
    _tokens(session, replay, found, usernames)
    _contacts(session, replay, found)
    _holidays(session, replay, found)


def _users(session: Session, replay: SystemReplay, found: Findings) -> None:
    rows = session.execute(select(User.username, User.active, User.password_hash)).all()
    found.checked(len(rows))
    present = set()
    for username, active, password_hash in rows:
        present.add(username)
        person = replay.people.get(username)
        if person is None:
            found.unvouched("users", username, SYSTEM_CHAIN)
            continue
        expected_active, source = person.active
        if source is not None or person.created is not None:
            found.compare("users", username, "active", active, expected_active, source or person.created)
        if person.password is None:
            if password_hash is not None:
                found.unvouched("users", username, SYSTEM_CHAIN, "password_hash 값")
            continue
        set_by, fingerprint = person.password
        if password_hash is None:
            found.compare("users", username, "password_hash", None, "(설정됨)", set_by)
        elif fingerprint is not None:
            found.compare(
                "users",
                username,
                "password_hash의 SHA-256",
                password_fingerprint(password_hash),
                fingerprint,
                set_by,
            )
    for username, person in replay.people.items():
        if username not in present and person.created is not None:
            found.missing("users", username, person.created)


def _grants(session: Session, replay: SystemReplay, found: Findings, usernames: dict[int, str]) -> None:
    rows = {
        (usernames.get(user_id), role)
        for user_id, role in session.execute(select(RoleGrant.user_id, RoleGrant.role))
    }
    found.checked(len(rows))
    projected = {
        (name, role): source
        for name, person in replay.people.items()
        for role, source in person.roles.items()
    }
    for name, role in sorted(rows - set(projected), key=str):
        found.unvouched("role_grants", f"({name}, {role})", SYSTEM_CHAIN)
    for (name, role), source in sorted(projected.items(), key=str):
        if (name, role) not in rows and source is not None:
            found.missing("role_grants", f"({name}, {role})", source)


def _tokens(session: Session, replay: SystemReplay, found: Findings, usernames: dict[int, str]) -> None:
    tokens = session.execute(select(ApiToken)).scalars().all()
    found.checked(len(tokens))
    for token in tokens:
        row = f"{token.id}번"
        issued = replay.tokens.get(token.id)
        if issued is None:
            found.unvouched("api_tokens", row, SYSTEM_CHAIN)
            continue
        actual = {
            "user": usernames.get(token.user_id),
            "role": token.role,
            "name": token.name,
            "prefix": token.prefix,
            "expires_at": format_instant(token.expires_at) if token.expires_at else None,
            "created_by": token.created_by,
            "token_sha256": token.token_sha256,
        }
        for column, expected in issued.values.items():
            if column != "revoked_by":
                found.compare("api_tokens", row, column, actual[column], expected, issued.created)
        if issued.revoked is None:
            if token.revoked_at is not None or token.revoked_by is not None:
                found.unvouched("api_tokens", row, SYSTEM_CHAIN, "revoked_at 값")
            continue
        revoked_at = format_instant(token.revoked_at) if token.revoked_at else None
        found.compare(
            "api_tokens",
            row,
            "revoked_at",
            revoked_at,
            issued.revoked_at or revoked_at or "(폐기됨)",
            issued.revoked,
        )
        found.compare(
            "api_tokens", row, "revoked_by", token.revoked_by, issued.values["revoked_by"], issued.revoked
        )
    present = {t.id for t in tokens}
    for token_id, issued in sorted(replay.tokens.items()):
        if token_id not in present:
            found.missing("api_tokens", f"{token_id}번", issued.created)


def _contacts(session: Session, replay: SystemReplay, found: Findings) -> None:
    rows = session.execute(select(Contact.party, Contact.name, Contact.email, Contact.unit)).all()
    found.checked(len(rows))
    for row in rows:
        entry = replay.contacts.get(row.party)
        if entry is None:
            found.unvouched("contacts", row.party, SYSTEM_CHAIN)
            continue
        values, source = entry
        for column, expected in values.items():
            found.compare("contacts", row.party, column, getattr(row, column), expected, source)
    present = {row.party for row in rows}
    for party, (_values, source) in sorted(replay.contacts.items()):
        if party not in present:
            found.missing("contacts", party, source)


def _holidays(session: Session, replay: SystemReplay, found: Findings) -> None:
    rows = session.execute(
        select(
            HolidayOverride.day,
            HolidayOverride.name,
            HolidayOverride.is_holiday,
            HolidayOverride.reason,
            HolidayOverride.created_by,
        )
    ).all()
    found.checked(len(rows))
    present: set[str] = set()
    for row in rows:
        day = _day(row.day)
        present.add(day)
        entry = replay.holidays.get(day)
        if entry is None:
            found.unvouched("holiday_overrides", day, SYSTEM_CHAIN)
            continue
        values, source = entry
        if values is None:
            found.revived("holiday_overrides", day, source)
            continue
        for column, expected in values.items():
            found.compare("holiday_overrides", day, column, getattr(row, column), expected, source)
    for day, (values, source) in sorted(replay.holidays.items()):
        if values is not None and day not in present:
            found.missing("holiday_overrides", day, source)


def _day(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
