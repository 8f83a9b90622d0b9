"""Pure calendar: 관공서 공휴일 and statutory period arithmetic (no database, no I/O, no clock)."""

from gcworkflow.calendar.due import DueRule, compute_due
from gcworkflow.calendar.holidays import (
    HolidayCalendar,
    HolidayOverride,
    format_date_ko,
    format_date_ko_weekday,
    iter_holidays,
)
from gcworkflow.calendar.periods import (
    CitizenFavours,
    PeriodResult,
    PeriodRule,
    PeriodUnit,
    citizen_favourable,
    compute_period,
)

__all__ = [
    "CitizenFavours",
    "DueRule",
    "HolidayCalendar",
    "HolidayOverride",
    "PeriodResult",
    "PeriodRule",
    "PeriodUnit",
    "citizen_favourable",
    "compute_due",
    "compute_period",
    "format_date_ko",
    "format_date_ko_weekday",
    "iter_holidays",
]
