"""Statutory period arithmetic: 민법 제157조–제161조 and 행정기본법 제6조·제7조 (law.md §3.1–§3.2).

``start`` is always the day of the triggering event (a request date, a promulgation date, a meeting date);
each rule decides from it which day is counted first. Pure: no I/O, no clock.
"""

from calendar import monthrange
from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, date, timedelta
from enum import StrEnum

from gcworkflow.calendar.holidays import (
    SATURDAY,
    SUNDAY_NAME,
    HolidayCalendar,
    format_date_ko,
    format_date_ko_weekday,
    require_date,
)


class PeriodRule(StrEnum):
    # 민법 제157조 (초일 불산입, 오전 0시 시작이면 산입), 제159조, 제160조, 제161조 (토요일·공휴일이면 익일 만료).
    CIVIL = "civil"
    # 행정기본법 제6조제2항: 첫날 산입, 말일이 토요일·공휴일이어도 그 날 만료.
    RESTRICTIVE = "restrictive"
    # 행정기본법 제7조: 공포한 날 불산입, 말일 연장 없음; the result is the 시행일, the day after the last day.
    COMMENCEMENT = "commencement"
    # "N일 전까지": the 민법 역산 reading — N whole days between the act and the reference day, counted back from
    # the day before it, Saturdays and holidays included, no roll (law.md §3.2).
    BACKWARD = "backward"


class PeriodUnit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


class CitizenFavours(StrEnum):
    """Which end of a 행정기본법 제6조제2항 period is to the citizen's advantage (같은 항 단서)."""

    # A bar, a suspension, a duty that lasts: the sooner it ends, the better.
    EARLIER_END = "earlier_end"
    # Time allowed to perform a duty, or a benefit: the later it ends, the better.
    LATER_END = "later_end"


@dataclass(frozen=True)
class PeriodResult:
    start: date
    end: date
    rule: PeriodRule
    unit: PeriodUnit
    amount: int
    basis: str
    explanation: str
    unrolled_end: date
    calendar_version: str


_UNIT_KO = {PeriodUnit.DAYS: "일", PeriodUnit.WEEKS: "주", PeriodUnit.MONTHS: "개월", PeriodUnit.YEARS: "년"}
# About 1000 years in each unit: anything longer is a typo, not a statutory period.
_MAX_AMOUNT = {
    PeriodUnit.DAYS: 365_250,
    PeriodUnit.WEEKS: 52_178,
    PeriodUnit.MONTHS: 12_000,
    PeriodUnit.YEARS: 1_000,
}
_CIVIL_BASIS = "민법 제157조·제159조·제160조·제161조"
_BASIS = {
    PeriodRule.CIVIL: _CIVIL_BASIS,
    PeriodRule.RESTRICTIVE: "행정기본법 제6조제2항",
    PeriodRule.COMMENCEMENT: "행정기본법 제7조",
    PeriodRule.BACKWARD: "행정기본법 제6조제1항 (민법 준용, 역산)",
}


def _shift_month(day: date, months: int) -> tuple[int, int]:
    index = day.year * 12 + day.month - 1 + months
    if not MINYEAR <= index // 12 <= MAXYEAR:
        # Same error as day arithmetic past date.max, so one handler reports both.
        raise OverflowError("date value out of range")
    return index // 12, index % 12 + 1


def _last_day(first: date, amount: int, unit: PeriodUnit) -> date:
    """Last day of a period whose first counted day is ``first`` (민법 제160조 for weeks, months, years)."""
    if unit is PeriodUnit.DAYS:
        return first + timedelta(days=amount - 1)
    if unit is PeriodUnit.WEEKS:
        return first + timedelta(days=7 * amount - 1)
    year, month = _shift_month(first, amount if unit is PeriodUnit.MONTHS else 12 * amount)
    month_length = monthrange(year, month)[1]
    if first.day > month_length:
        # 제160조③: the final month has no corresponding day, so the period ends on that month's last day.
        return date(year, month, month_length)
    # 제160조②: the day before the corresponding day. A period counted from the 1st thus ends on the last
    # day of the previous month, which is what "처음으로부터 기산하는 때" gives, so no separate branch.
    return date(year, month, first.day) - timedelta(days=1)


def _subtract(start: date, amount: int, unit: PeriodUnit) -> date:
    if unit is PeriodUnit.DAYS:
        return start - timedelta(days=amount)
    if unit is PeriodUnit.WEEKS:
        return start - timedelta(days=7 * amount)
    year, month = _shift_month(start, -(amount if unit is PeriodUnit.MONTHS else 12 * amount))
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def _why_not_working(day: date, calendar: HolidayCalendar) -> str:
    reasons = ["토요일"] if day.weekday() == SATURDAY else []
    name = calendar.holiday_name(day)
    if name == SUNDAY_NAME:
        reasons.append(SUNDAY_NAME)
    elif name is not None:
        reasons.append(f"공휴일({name})")
    return "·".join(reasons)


def _validate(start: date, amount: int, unit: PeriodUnit, rule: PeriodRule, from_midnight: bool) -> None:
    require_date(start, "기산일")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"기간은 정수여야 합니다: {amount!r}")
    if amount < 0:
        raise ValueError(f"기간은 0 이상이어야 합니다: {amount}{_UNIT_KO[unit]}")
    if amount > _MAX_AMOUNT[unit]:
        raise ValueError(f"기간이 너무 깁니다: {amount}{_UNIT_KO[unit]} (1000년 이내여야 합니다)")
    if amount == 0 and rule in (PeriodRule.CIVIL, PeriodRule.RESTRICTIVE):
        # Only "공포한 날부터 시행" and "0일 전" mean something with zero; a zero-length 민법 period does not.
        raise ValueError(f"민법·행정기본법 제6조의 기간은 1 이상이어야 합니다: 0{_UNIT_KO[unit]}")
    if from_midnight and rule is not PeriodRule.CIVIL:
        raise ValueError("오전 0시부터 기산(민법 제157조 단서)은 민법 기간에만 쓸 수 있습니다")


def compute_period(
    start: date,
    amount: int,
    unit: PeriodUnit = PeriodUnit.DAYS,
    rule: PeriodRule = PeriodRule.CIVIL,
    *,
    from_midnight: bool = False,
    calendar: HolidayCalendar | None = None,
    label: str = "기산일",
) -> PeriodResult:
    """Compute a statutory period from the event day ``start``.

    - CIVIL: counted from the next day, or from ``start`` when the period begins at 00:00 (``from_midnight``,
      제157조 단서); ``end`` is the last day after the 제161조 roll past Saturdays and public holidays.
    - RESTRICTIVE: ``start`` counts; ``end`` is the last day even on a Saturday or holiday.
    - COMMENCEMENT: ``end`` is the 시행일, the day after the last day; ``amount == 0`` is "공포한 날부터 시행".
    - BACKWARD: ``end`` is the last day to act: the period is counted back from the day before ``start``, so
      that it lies whole between the act and ``start`` (reference − N − 1 for days; month ends clamped).

    ``unit`` and ``rule`` also accept their string values (as stored in configuration). ``label`` names
    ``start`` in the explanation (요청일, 공포일, 개최일 …). Without ``calendar`` the rules apply without
    overrides: pass the engine's calendar so that 임시공휴일 count.
    """
    try:
        unit, rule = PeriodUnit(unit), PeriodRule(rule)
    except ValueError as error:
        raise ValueError(f"알 수 없는 기간 단위 또는 계산 규칙입니다: {unit!r}, {rule!r}") from error
    _validate(start, amount, unit, rule, from_midnight)
    calendar = calendar if calendar is not None else HolidayCalendar()
    amount_ko = f"{amount}{_UNIT_KO[unit]}"
    try:
        if rule is PeriodRule.CIVIL:
            first = start if from_midnight else start + timedelta(days=1)
            unrolled = _last_day(first, amount, unit)
            end, skipped = unrolled, []
            while not calendar.is_working_day(end):
                skipped.append(end)
                end += timedelta(days=1)
            head = f"{label} {format_date_ko(start)} {'오전 0시부터' if from_midnight else '다음 날부터'} {amount_ko}"
            if skipped:
                reasons = ", ".join(
                    f"{format_date_ko_weekday(d)}은 {_why_not_working(d, calendar)}" for d in skipped
                )
                explanation = f"{head} → 말일 {reasons}이므로 → {format_date_ko_weekday(end)} (민법 제161조)"
            else:
                explanation = f"{head} → {format_date_ko_weekday(end)}"
        elif rule is PeriodRule.RESTRICTIVE:
            end = unrolled = _last_day(start, amount, unit)
            explanation = (
                f"{label} {format_date_ko(start)}부터 첫날 산입 {amount_ko} → {format_date_ko_weekday(end)}"
            )
            if not calendar.is_working_day(end):
                explanation += (
                    f" ({_why_not_working(end, calendar)}이어도 그 날 만료, 행정기본법 제6조제2항제2호)"
                )
        elif rule is PeriodRule.COMMENCEMENT:
            if amount == 0:
                end = start
                explanation = f"{label} {format_date_ko(start)} 공포한 날부터 시행 → 시행일 {format_date_ko_weekday(end)}"
            else:
                last = _last_day(start + timedelta(days=1), amount, unit)
                end = last + timedelta(days=1)
                note = ""
                if not calendar.is_working_day(last):
                    note = f" ({_why_not_working(last, calendar)}이어도 그 날 만료, 행정기본법 제7조제3호)"
                explanation = (
                    f"{label} {format_date_ko(start)} 다음 날부터 {amount_ko} → 말일 {format_date_ko_weekday(last)}"
                    f"{note}, 시행일 {format_date_ko_weekday(end)}"
                )
            unrolled = end
        else:
            end = unrolled = _subtract(start - timedelta(days=1), amount, unit)
            explanation = (
                f"{label} {format_date_ko(start)}의 {amount_ko} 전까지: 그 전날부터 거꾸로 {amount_ko}이 "
                f"온전히 남도록 → {format_date_ko_weekday(end)}까지 (민법 역산)"
            )
    except OverflowError as error:
        raise ValueError(
            f"{label} {format_date_ko(start)}부터 {amount_ko}: 날짜 범위를 벗어납니다"
        ) from error
    return PeriodResult(
        start=start,
        end=end,
        rule=rule,
        unit=unit,
        amount=amount,
        basis=_BASIS[rule],
        explanation=explanation,
        unrolled_end=unrolled,
        calendar_version=calendar.version,
    )


def citizen_favourable(
    start: date,
    amount: int,
    unit: PeriodUnit = PeriodUnit.DAYS,
    *,
    favours: CitizenFavours = CitizenFavours.EARLIER_END,
    calendar: HolidayCalendar | None = None,
    label: str = "기산일",
) -> PeriodResult:
    """A period that restricts rights or imposes a duty: 행정기본법 제6조제2항 with its 단서.

    The 본문 (first day counts, no roll) applies unless it is to the citizen's disadvantage, when the 민법
    rules apply instead. ``favours`` says which end helps the citizen. For a bar (EARLIER_END, e.g. the
    3-year bar of 법 제17조④) the 본문 always ends no later than 민법, so it always applies. For time to
    perform a duty (LATER_END) the 본문 ends earlier, so 민법 applies and the explanation says why.
    """
    restrictive = compute_period(start, amount, unit, PeriodRule.RESTRICTIVE, calendar=calendar, label=label)
    civil = compute_period(start, amount, unit, PeriodRule.CIVIL, calendar=calendar, label=label)
    if favours is CitizenFavours.EARLIER_END:
        disadvantageous = restrictive.end > civil.end
    else:
        disadvantageous = restrictive.end < civil.end
    if not disadvantageous:
        return restrictive
    return replace(
        civil,
        basis=f"행정기본법 제6조제2항 단서, {_CIVIL_BASIS}",
        explanation=(
            f"{civil.explanation}; 제6조제2항 기준({format_date_ko_weekday(restrictive.end)} 만료)은 "
            "국민에게 불리하므로 민법 적용 (행정기본법 제6조제2항 단서)"
        ),
    )
