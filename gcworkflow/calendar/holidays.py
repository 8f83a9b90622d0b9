"""관공서의 공휴일 (「관공서의 공휴일에 관한 규정」) and working days.

The computed base is the PyPI ``holidays`` package (``holidays.KR``), which implements the 규정 as in force on
each date: lunar holidays, election days under 공직선거법 제34조, the 대체공휴일 rules of 제3조 with their
history (국경일 from 2021-08-04; 부처님 오신 날 and 기독탄신일 from 2023-05-04), 노동절 from 2026-05-01 and
제헌절 from 2026-05-11. It was checked against law.md §3.3 (tests/calendar/test_holidays.py re-derives every
대체공휴일 from 제3조 independently) and matched for every year to 2062, so no correction table is needed
here; the test names the first cases the text leaves open (2063, 2066). What the package cannot know,
임시공휴일 declared at short notice (제2조제11호) and corrections, comes in as overrides.

Everything here is pure: no I/O, no clock.
"""

import hashlib
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from types import MappingProxyType

import holidays as pyholidays

from gcworkflow.korean import with_particle

WEEKDAYS_KO = "월화수목금토일"
SATURDAY = 5
SUNDAY = 6
# 제2조제1호: every Sunday is a 관공서 공휴일; this is the name we give a Sunday with no other holiday on it.
SUNDAY_NAME = "일요일"

# The package knows nothing outside this range (it returns an empty list, not an error); a silent empty list
# would turn 설날 into a working day, so such years are refused instead.
FIRST_SUPPORTED_YEAR: int = pyholidays.KR.start_year
LAST_SUPPORTED_YEAR: int = pyholidays.KR.end_year


def format_date_ko(day: date) -> str:
    """Date as official documents write it (행정업무규정 제7조⑤): ``2026. 9. 23.``."""
    return f"{day.year}. {day.month}. {day.day}."


def format_date_ko_weekday(day: date) -> str:
    """``2026. 9. 23. (수)``."""
    return f"{format_date_ko(day)} ({WEEKDAYS_KO[day.weekday()]})"


def require_date(value: object, what: str) -> None:
    """Refuse datetimes: ``datetime`` is a ``date`` subclass but never equal to one, so holiday lookups miss."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{with_particle(what, '은')} 날짜(date)여야 합니다: {value!r}")


@cache
def _computed_holidays(year: int) -> Mapping[date, str]:
    if not FIRST_SUPPORTED_YEAR <= year <= LAST_SUPPORTED_YEAR:
        raise ValueError(
            f"{year}년의 공휴일 규칙이 없습니다 (지원 범위 {FIRST_SUPPORTED_YEAR}~{LAST_SUPPORTED_YEAR}년)"
        )
    computed = pyholidays.KR(years=year, language="ko")
    # Two holidays on one day (2025. 5. 5. 어린이날·부처님오신날) are joined the Korean way.
    return MappingProxyType(
        {day: "·".join(map(regulation_name, computed.get_list(day))) for day in sorted(computed)}
    )


# The package's dates, the 규정's names (제2조 "1월 1일", "3ㆍ1절"; 제3조 "대체공휴일").
_REGULATION_NAMES = {"신정연휴": "1월 1일", "삼일절": "3·1절"}
_SUBSTITUTE = " 대체 휴일"


def regulation_name(name: str) -> str:
    """A holiday as 「관공서의 공휴일에 관한 규정」 names it: "1월 1일", "3·1절", "개천절 대체공휴일"."""
    if name.endswith(_SUBSTITUTE):
        return f"{regulation_name(name.removesuffix(_SUBSTITUTE))} 대체공휴일"
    return _REGULATION_NAMES.get(name, name)


@dataclass(frozen=True)
class HolidayOverride:
    """One row of the admin's override table.

    ``is_holiday=True`` adds a holiday (임시공휴일 under 제2조제11호, or a correction), replacing the computed
    name if there is one; ``is_holiday=False`` removes a computed holiday (a correction). Overrides are facts,
    not rule inputs: a 대체공휴일 displaced by a new 임시공휴일 must be entered as its own override.
    A Sunday stays a holiday whatever the table says (제2조제1호).
    """

    day: date
    name: str
    is_holiday: bool

    def __post_init__(self) -> None:
        require_date(self.day, "공휴일 조정 날짜")
        if not self.name.strip():
            raise ValueError(f"공휴일 조정({format_date_ko(self.day)})에 이름이 없습니다")


@dataclass(frozen=True)
class HolidayCalendar:
    """관공서 공휴일 (computed rules + override table). Frozen and hashable, so it can key caches."""

    overrides: tuple[HolidayOverride, ...] = ()
    _by_day: Mapping[date, HolidayOverride] = field(init=False, repr=False, compare=False)
    _version: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Sorting makes equality, hashing and the version independent of the order rows were entered in.
        ordered = tuple(sorted(self.overrides, key=lambda override: override.day))
        by_day: dict[date, HolidayOverride] = {}
        for override in ordered:
            if override.day in by_day:
                raise ValueError(f"같은 날짜의 공휴일 조정이 두 번 있습니다: {format_date_ko(override.day)}")
            by_day[override.day] = override
        canonical = "\n".join(
            f"{override.day.isoformat()}\t{int(override.is_holiday)}\t{override.name}" for override in ordered
        )
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]
        object.__setattr__(self, "overrides", ordered)
        object.__setattr__(self, "_by_day", by_day)
        object.__setattr__(self, "_version", f"kr-holidays-{pyholidays.__version__}+ov-{digest}")

    @property
    def version(self) -> str:
        """Identifies rules and overrides, so a deadline can record which calendar computed it."""
        return self._version

    def holidays(self, year: int) -> dict[date, str]:
        """Public holidays of ``year`` with Korean names, overrides applied; plain Sundays are not listed."""
        result = dict(_computed_holidays(year))
        for override in self.overrides:
            if override.day.year != year:
                continue
            if override.is_holiday:
                result[override.day] = override.name
            else:
                result.pop(override.day, None)
        return dict(sorted(result.items()))

    def holiday_name(self, day: date) -> str | None:
        """Name of the public holiday on ``day`` (a plain Sunday gives ``"일요일"``), or None."""
        override = self._by_day.get(day)
        if override is not None:
            name = override.name if override.is_holiday else None
        else:
            name = _computed_holidays(day.year).get(day)
        if name is None and day.weekday() == SUNDAY:
            return SUNDAY_NAME
        return name

    def is_holiday(self, day: date) -> bool:
        """관공서 공휴일: Sundays, 제2조 holidays, 대체공휴일 and 임시공휴일 (민법 제161조 "공휴일")."""
        return self.holiday_name(day) is not None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() != SATURDAY and not self.is_holiday(day)

    def next_working_day(self, day: date) -> date:
        """First working day strictly after ``day``."""
        candidate = day + timedelta(days=1)
        while not self.is_working_day(candidate):
            candidate += timedelta(days=1)
        return candidate

    def add_working_days(self, day: date, n: int) -> date:
        """The ``n``-th working day after ``day``; ``n == 0`` gives ``day`` itself, working day or not."""
        if n < 0:
            raise ValueError(f"근무일 수는 0 이상이어야 합니다: {n}")
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative, by the same count, when ``end`` is before ``start``.

        Counted, not walked (the desk asks it of every open deadline and stage, some years long): weekdays
        by arithmetic, less the holidays that fall on a weekday."""
        if end < start:
            return -self.working_days_between(end, start)
        weeks, rest = divmod((end - start).days, 7)
        weekdays = 5 * weeks + sum(
            (start + timedelta(days=k)).weekday() < SATURDAY for k in range(1, rest + 1)
        )
        closed = 0
        for year in range(start.year, end.year + 1):
            days = _weekday_holidays(self, year)
            closed += bisect_right(days, end) - bisect_right(days, start)
        return weekdays - closed


@lru_cache(maxsize=512)
def _weekday_holidays(calendar: HolidayCalendar, year: int) -> tuple[date, ...]:
    """The year's holidays that fall Monday to Friday, in order (a calendar is equal, and hashes equal, to any
    other with the same overrides, so each request's freshly read calendar finds the ones worked out before)."""
    candidates = set(_computed_holidays(year)) | {o.day for o in calendar.overrides if o.day.year == year}
    return tuple(sorted(d for d in candidates if d.weekday() < SATURDAY and calendar.is_holiday(d)))


def iter_holidays(
    start: date, end: date, *, calendar: HolidayCalendar | None = None
) -> Iterator[tuple[date, str]]:
    """(date, name) of every public holiday in [start, end], in order; plain Sundays are not listed."""
    calendar = calendar if calendar is not None else HolidayCalendar()
    for year in range(start.year, end.year + 1):
        for day, name in calendar.holidays(year).items():
            if start <= day <= end:
                yield day, name
