"""The directory of parties' e-mail addresses (a governor's or a ministry's office). Admin-kept, audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.context import Context
from gcworkflow.db.models import Contact
from gcworkflow.engine import Actor, Principal, act_on_system
from gcworkflow.errors import InvalidInput
from gcworkflow.inputs import single_line
from gcworkflow.procedures.common import party_name
from gcworkflow.procedures.spec import Role
from gcworkflow.reference import known_body, sido_by_key, sido_in_force

_EXAMPLES = "예: governor:47, ministry:산업통상부"


def normalise_party(party: str, day: date) -> str:
    """``governor:47``, ``47`` or a stable key (``gyeongbuk``) for governors; ``ministry:<name>`` for ministries.

    A 시·도 code must be one in use on ``day`` (the day the contact is entered), as the consultation rounds
    key their parties by the code of their own day: an old code would file the address under a party that no
    letter is sent to.
    """
    kind, _, key = party.partition(":")
    if kind == "ministry" and key.strip():
        try:
            # The name is kept as written: a party recorded under a former name keeps that key.
            return f"ministry:{known_body(key.strip())}"
        except ValueError as exc:
            raise InvalidInput(f"{exc} (상대방: {party!r}, {_EXAMPLES})") from exc
    code = (key if kind == "governor" else party).strip()
    if code.isdigit():
        try:
            return f"governor:{sido_in_force(code, day).code}"
        except ValueError as exc:
            # The reference's message names the code and the codes in use that day, which is what to fix.
            raise InvalidInput(f"상대방을 확인하십시오: {party!r} — {exc}") from exc
    try:
        return f"governor:{sido_by_key(code).on(day).code}"
    except ValueError as exc:
        raise InvalidInput(f"알 수 없는 상대방입니다: {party!r} ({_EXAMPLES})") from exc


def set_contact(
    ctx: Context, actor: Actor, party: str, email: str, name: str | None = None, unit: str | None = None
) -> int:
    """``unit``: the handling unit (처리과, e.g. 환경정책과) a letter's 수신 line names after the head's title."""
    key = normalise_party(party, ctx.clock.today())
    if "@" not in email or email.strip() != email or " " in email or not email.isprintable():
        raise InvalidInput(f"전자우편 주소 형식이 아닙니다: {email!r}")
    if name is not None:
        single_line(name, "상대방 이름")  # the 수신 line of every letter to this party
    if unit is not None and (not unit.strip() or len(unit) > 100 or not unit.isprintable()):
        raise InvalidInput(f"처리과 이름은 100자 이내의 한 줄로 적으십시오: {unit!r}")
    label = name or party_name(key, ctx.clock.today())

    def apply(session: Session, _principal: Principal) -> dict[str, Any]:
        row = session.get(Contact, key)
        if row is None:
            session.add(Contact(party=key, name=label, email=email, unit=unit, updated_at=ctx.clock.now()))
        else:
            row.name, row.email, row.unit, row.updated_at = label, email, unit, ctx.clock.now()
        return {"contact": key, "email": email, "name": label, "unit": unit}

    return act_on_system(
        ctx,
        actor,
        "set_contact",
        {"party": key, "email": email, "name": label, **({"unit": unit} if unit else {})},
        frozenset({Role.ADMIN}),
        apply,
    )


def list_contacts(ctx: Context) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        return [
            {"party": c.party, "name": c.name, "email": c.email, "unit": c.unit}
            for c in session.execute(select(Contact).order_by(Contact.party)).scalars()
        ]
