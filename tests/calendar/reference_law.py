"""A deliberately naive reading of the statutes, for property tests only (law.md §3.1–§3.3).

Written from the text of 민법 제157조–제161조, 행정기본법 제6조·제7조 and 「관공서의 공휴일에 관한 규정」
제2조·제3조, independently of gcworkflow.calendar: counters step one day or one month at a time, and the
holiday rules are re-derived from the 규정 with their effective dates. Slow on purpose; clarity over speed.

Only the lunar dates (설날, 부처님 오신 날, 추석), election days and 임시공휴일 come from the ``holidays``
package: they are facts (lunar tables, 공직선거법, government announcements), not rules to check here.
"""

from datetime import date, timedelta
from functools import cache

import holidays as pyholidays

ONE_DAY = timedelta(days=1)

# 제2조 items (호) whose holidays can yield a substitute, with the day each one's rule took effect.
NATIONAL_DAY = 2  # 국경일
NEW_YEAR = 3  # 1월 1일
SEOLLAL = 4  # 설날 전날·설날·다음 날
BUDDHA = 5  # 부처님 오신 날
LABOR_DAY = 6  # 노동절
CHILDREN = 7  # 어린이날
MEMORIAL = 8  # 현충일
CHUSEOK = 9  # 추석 전날·추석·다음 날
CHRISTMAS = 10  # 기독탄신일
OTHER = 11  # 선거일 (10의2), 임시공휴일 (11): never a substitute, never an "다른 공휴일" of 제3조①3

SUBSTITUTE_SINCE = {
    NATIONAL_DAY: date(2021, 8, 4),
    SEOLLAL: date(2014, 1, 1),
    CHUSEOK: date(2014, 1, 1),
    CHILDREN: date(2014, 1, 1),
    BUDDHA: date(2023, 5, 4),
    CHRISTMAS: date(2023, 5, 4),
    LABOR_DAY: date(2026, 5, 1),
}
SAT_OR_SUN_ITEMS = {NATIONAL_DAY, BUDDHA, LABOR_DAY, CHILDREN, CHRISTMAS}  # 제3조①1
SUNDAY_ONLY_ITEMS = {SEOLLAL, CHUSEOK}  # 제3조①2
# The package's names for holidays this module derives from the law by date; any other name it lists is a
# fact taken as given (an election day, a 임시공휴일).
FIXED_BY_LAW = {
    "신정연휴",
    "삼일절",
    "노동절",
    "어린이날",
    "현충일",
    "제헌절",
    "광복절",
    "개천절",
    "한글날",
    "기독탄신일",
    "설날 전날",
    "설날 다음날",
    "추석 전날",
    "추석 다음날",
}


def is_saturday(day: date) -> bool:
    return day.strftime("%A") == "Saturday"


def is_sunday(day: date) -> bool:
    return day.strftime("%A") == "Sunday"


def _base_holidays(year: int) -> dict[date, list[int]]:
    """제2조 holidays of ``year`` (without substitutes), each with its 호."""
    items: dict[date, list[int]] = {}

    def add(day: date, item: int) -> None:
        items.setdefault(day, []).append(item)

    add(date(year, 1, 1), NEW_YEAR)
    for month, day in ((3, 1), (8, 15), (10, 3), (10, 9)):
        add(date(year, month, day), NATIONAL_DAY)
    if date(year, 7, 17) >= date(2026, 5, 11):
        add(date(year, 7, 17), NATIONAL_DAY)
    if date(year, 5, 1) >= date(2026, 5, 1):
        add(date(year, 5, 1), LABOR_DAY)
    add(date(year, 5, 5), CHILDREN)
    add(date(year, 6, 6), MEMORIAL)
    add(date(year, 12, 25), CHRISTMAS)

    facts = pyholidays.KR(years=year, language="ko", observed=False)
    for day in facts:
        for name in facts.get_list(day):
            if name == "설날":
                for offset in (-1, 0, 1):
                    add(day + timedelta(days=offset), SEOLLAL)
            elif name == "추석":
                for offset in (-1, 0, 1):
                    add(day + timedelta(days=offset), CHUSEOK)
            elif name == "부처님오신날":
                add(day, BUDDHA)
            elif name not in FIXED_BY_LAW:
                add(day, OTHER)
    return items


@cache
def reference_holidays(year: int) -> frozenset[date]:
    """All 제2조 holidays of ``year`` except plain Sundays, plus 제3조 substitutes.

    No substitute crosses into the next year (the latest holiday with one is 12. 25.), so a year stands alone.
    """
    base = _base_holidays(year)
    substitutes: list[date] = []

    def is_non_holiday(day: date) -> bool:
        return not is_sunday(day) and day not in base and day not in substitutes

    for day in sorted(base):
        eligible = [item for item in base[day] if item in SUBSTITUTE_SINCE and day >= SUBSTITUTE_SINCE[item]]
        if is_saturday(day):
            lost = sum(1 for item in eligible if item in SAT_OR_SUN_ITEMS)
        elif is_sunday(day):
            lost = sum(1 for item in eligible if item in SAT_OR_SUN_ITEMS | SUNDAY_ONLY_ITEMS)
        else:
            # Two holidays on one weekday lose one day off, so one substitute (as in 2025. 5. 6.).
            others = [item for item in base[day] if item != OTHER]
            lost = 1 if eligible and len(others) >= 2 else 0
        for _ in range(lost):
            candidate = day + ONE_DAY
            # 제3조①: the first 비공휴일 after; ③: never a Saturday; ②: never a day already a substitute.
            while not is_non_holiday(candidate) or is_saturday(candidate):
                candidate += ONE_DAY
            substitutes.append(candidate)
    return frozenset((*base, *substitutes))


def reference_is_holiday(day: date) -> bool:
    return is_sunday(day) or day in reference_holidays(day.year)


def roll_forward(day: date) -> date:
    """민법 제161조, applied again and again until the day is neither a Saturday nor a 공휴일."""
    while is_saturday(day) or reference_is_holiday(day):
        day += ONE_DAY
    return day


def _month_after(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def last_day_of_month(year: int, month: int) -> date:
    day = date(year, month, 28)
    while (day + ONE_DAY).month == month:
        day += ONE_DAY
    return day


def _has_day(year: int, month: int, day: int) -> bool:
    return last_day_of_month(year, month).day >= day


def period_last_day(first: date, amount: int, unit: str) -> date:
    """Last day of a period whose first counted day is ``first`` (민법 제159조·제160조), before any roll."""
    if unit == "days":
        day, counted = first, 1
        while counted < amount:
            day += ONE_DAY
            counted += 1
        return day
    if unit == "weeks":
        return period_last_day(first, 7 * amount, "days")
    months = amount if unit == "months" else 12 * amount
    year, month = first.year, first.month
    for _ in range(months):
        year, month = _month_after(year, month)
    if first.day == 1:
        # 제160조②, counted from the beginning of a month: the period is whole months and ends with the last one.
        return last_day_of_month(*_month_before(year, month))
    if not _has_day(year, month, first.day):
        return last_day_of_month(year, month)  # 제160조③
    return date(year, month, first.day) - ONE_DAY  # 제160조②


def civil_unrolled_end(start: date, amount: int, unit: str, from_midnight: bool = False) -> date:
    """민법 제157조: the first day is not counted, unless the period begins at 00:00 of it."""
    first = start if from_midnight else start + ONE_DAY
    return period_last_day(first, amount, unit)


def civil_end(start: date, amount: int, unit: str, from_midnight: bool = False) -> date:
    return roll_forward(civil_unrolled_end(start, amount, unit, from_midnight))


def restrictive_end(start: date, amount: int, unit: str) -> date:
    """행정기본법 제6조제2항: the first day counts, and the last day stands even on a Saturday or 공휴일."""
    return period_last_day(start, amount, unit)


def commencement_day(promulgated: date, amount: int, unit: str) -> date:
    """행정기본법 제7조: "공포한 날부터 N이 경과한 날부터 시행" — the day after the period, no roll."""
    if amount == 0:
        return promulgated  # 제1호: 공포한 날부터 시행
    return period_last_day(promulgated + ONE_DAY, amount, unit) + ONE_DAY


def backward_day(start: date, amount: int, unit: str) -> date:
    """ "N 전까지" by the 민법 역산 reading (law.md §3.2): the period is counted back from the day before the
    reference day, so that N whole days (weeks, months) lie between the last day to act and the reference
    day; a month without the day ends at its last day."""
    start -= ONE_DAY
    if unit in ("days", "weeks"):
        day = start
        for _ in range(amount * (7 if unit == "weeks" else 1)):
            day -= ONE_DAY
        return day
    year, month = start.year, start.month
    for _ in range(amount if unit == "months" else 12 * amount):
        year, month = _month_before(year, month)
    if _has_day(year, month, start.day):
        return date(year, month, start.day)
    return last_day_of_month(year, month)
