"""Official numbers (procedure.md §7): the notice number `<authority>고시 제YYYY-N호` and the 시행 number of
letters belong to the ministry's series, not to this system.

So a number is registered through a small interface with two implementations: :class:`MinistryRegister` takes
the number the ministry's document registry gave (the normal case); :class:`LocalSeries` draws the next number
of a local series per series and year, for a stand-alone installation and the demo — gap-free because it is
drawn inside the action's transaction under a row lock and rolled back with it. Either way a number is unique
per series and year (a unique constraint backs the check), and a duplicate is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gcworkflow.db.models import NumberSeries, RegisteredNumber
from gcworkflow.errors import GuardFailed, Unmet
from gcworkflow.korean import with_particle
from gcworkflow.reference import (
    format_letter_number,
    format_notice_number,
    parse_letter_number,
    parse_notice_number,
)

BASIS = "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조"


@dataclass(frozen=True)
class Number:
    series: str
    year: int
    serial: int
    formatted: str
    source: str  # "manual" | "local"


def formatted(style: str, series: str, year: int, serial: int) -> str:
    """A notice number "<authority>고시 제YYYY-N호", or a letter's 시행 number "<처리과>-N" (counted per year)."""
    return (
        format_notice_number(series, year, serial)
        if style == "notice"
        else format_letter_number(series, serial)
    )


def serial_of(style: str, text: str) -> int:
    return parse_notice_number(text)[2] if style == "notice" else parse_letter_number(text)[1]


class NumberRegistry(Protocol):
    def register(self, session: Session, series: str, year: int) -> Number: ...


@dataclass(frozen=True)
class MinistryRegister:
    """The number the ministry's document registry issued, as the clerk recorded it."""

    given: str
    style: str = "notice"

    def register(self, session: Session, series: str, year: int) -> Number:
        serial = serial_of(self.style, self.given)
        return _unique(
            session, Number(series, year, serial, formatted(self.style, series, year, serial), "manual")
        )


@dataclass(frozen=True)
class LocalSeries:
    """The next number of this installation's own series for (series, year)."""

    style: str = "notice"

    def register(self, session: Session, series: str, year: int) -> Number:
        # Two first numbers of a new year at once must not collide on creating the series row: create it if
        # missing without failing, then lock it; the lock is what makes the series gap-free.
        dialect = session.get_bind().dialect.name
        create = (postgresql if dialect == "postgresql" else sqlite).insert(NumberSeries.__table__)
        session.execute(create.values(series=series, year=year, last_serial=0).on_conflict_do_nothing())
        row = session.execute(
            select(NumberSeries)
            .where(NumberSeries.series == series, NumberSeries.year == year)
            .with_for_update()
        ).scalar_one()
        row.last_serial += 1
        serial = row.last_serial
        return _unique(
            session, Number(series, year, serial, formatted(self.style, series, year, serial), "local")
        )


def registry(given: str | None, style: str = "notice") -> NumberRegistry:
    return LocalSeries(style) if given is None else MinistryRegister(given, style)


def _unique(session: Session, number: Number) -> Number:
    taken = session.execute(
        select(RegisteredNumber.procedure_id).where(
            RegisteredNumber.series == number.series,
            RegisteredNumber.year == number.year,
            RegisteredNumber.serial == number.serial,
        )
    ).scalar_one_or_none()
    if taken is not None:
        raise GuardFailed(
            [
                Unmet(
                    "number_already_used",
                    BASIS,
                    f"{with_particle(number.formatted, '은')} 이미 {taken}번 절차에 등록된 번호입니다",
                )
            ]
        )
    return number
