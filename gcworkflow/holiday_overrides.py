"""The holiday override table: 임시공휴일 declared at short notice and corrections (procedure.md §5).

Every edit is an admin's audited action on the system chain, and in the same transaction the engine's own open
deadlines are recomputed with the new calendar (reply-by dates printed in sent letters are flagged, not
moved); the event lists what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from gcworkflow.calendar import format_date_ko, iter_holidays
from gcworkflow.calendar.holidays import FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR
from gcworkflow.context import Context, load_calendar
from gcworkflow.db.models import HolidayOverride as OverrideRow
from gcworkflow.deadlines import recompute_open
from gcworkflow.engine import Actor, Principal, act_on_system
from gcworkflow.errors import Conflict, InvalidInput, NotFound
from gcworkflow.inputs import single_line
from gcworkflow.korean import with_particle
from gcworkflow.procedures.spec import Role

BASIS = "관공서의 공휴일에 관한 규정 제2조제11호"


@dataclass(frozen=True)
class DayInfo:
    day: date
    name: str
    source: str  # 규정 (computed) | 조정 (override)

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "name": self.name, "source": self.source}


def list_year(ctx: Context, year: int) -> list[DayInfo]:
    with ctx.db.read() as session:
        calendar = load_calendar(session)
    overridden = {o.day for o in calendar.overrides if o.is_holiday}
    return [
        DayInfo(day, name, "조정" if day in overridden else "규정")
        for day, name in iter_holidays(date(year, 1, 1), date(year, 12, 31), calendar=calendar)
    ]


def _edit(
    ctx: Context,
    actor: Actor,
    trigger: str,
    payload: dict[str, Any],
    change: Callable[[Session, Principal], dict[str, Any]],
) -> int:
    day = payload["date"]
    if not FIRST_SUPPORTED_YEAR <= day.year <= LAST_SUPPORTED_YEAR:
        raise InvalidInput(
            f"공휴일 조정은 {FIRST_SUPPORTED_YEAR}~{LAST_SUPPORTED_YEAR}년 날짜만 할 수 있습니다: {format_date_ko(day)}"
        )

    def apply(session: Session, principal: Principal) -> dict[str, Any]:
        effect = change(session, principal)
        session.flush()
        recomputed = recompute_open(session, load_calendar(session), effect["reason"])
        return {**effect, "recomputed": [r.as_dict() for r in recomputed]}

    return act_on_system(ctx, actor, trigger, payload, frozenset({Role.ADMIN}), apply)


def add_holiday(ctx: Context, actor: Actor, day: date, name: str, reason: str) -> int:
    """Declare a holiday the rules do not compute (임시공휴일, or a correction)."""
    if not name.strip() or not reason.strip():
        raise InvalidInput("공휴일 이름과 근거(예: 국무회의 의결, 관보 공고)를 적으십시오")
    single_line(name, "공휴일 이름")  # printed in the calendar lists and in deadline explanations

    def change(session: Session, principal: Principal) -> dict[str, Any]:
        if session.execute(select(OverrideRow.id).where(OverrideRow.day == day)).first():
            raise Conflict(f"{format_date_ko(day)}에는 이미 공휴일 조정이 있습니다. 먼저 지우십시오")
        if load_calendar(session).is_holiday(day):
            raise Conflict(f"{with_particle(format_date_ko(day), '은')} 이미 공휴일입니다")
        session.add(
            OverrideRow(
                day=day,
                name=name.strip(),
                is_holiday=True,
                reason=reason.strip(),
                created_by=principal.user.username,
                created_at=ctx.clock.now(),
            )
        )
        return {"holiday": day, "name": name, "reason": f"{format_date_ko(day)} {name} 지정"}

    return _edit(ctx, actor, "add_holiday", {"date": day, "name": name, "reason": reason}, change)


def remove_holiday(ctx: Context, actor: Actor, day: date, reason: str) -> int:
    """Undo an override, or record that a computed day is not a holiday after all (a correction)."""
    if not reason.strip():
        raise InvalidInput("정정 사유를 적으십시오")

    def change(session: Session, principal: Principal) -> dict[str, Any]:
        existing = session.execute(select(OverrideRow).where(OverrideRow.day == day)).scalar_one_or_none()
        if existing is not None:
            session.execute(delete(OverrideRow).where(OverrideRow.id == existing.id))
            return {
                "removed_override": day,
                "name": existing.name,
                "reason": f"{format_date_ko(day)} 공휴일 조정 삭제",
            }
        name = load_calendar(session).holiday_name(day)
        if name is None or (day.weekday() == 6 and name == "일요일"):
            raise NotFound(
                f"{with_particle(format_date_ko(day), '은')} 공휴일이 아니거나 일요일이라 지울 수 없습니다"
            )
        session.add(
            OverrideRow(
                day=day,
                name=name,
                is_holiday=False,
                reason=reason.strip(),
                created_by=principal.user.username,
                created_at=ctx.clock.now(),
            )
        )
        return {
            "not_holiday": day,
            "name": name,
            "reason": f"{format_date_ko(day)} {with_particle(name, '을')} 공휴일에서 제외(정정)",
        }

    return _edit(ctx, actor, "remove_holiday", {"date": day, "reason": reason}, change)
