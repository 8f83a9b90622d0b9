"""Due dates: how the engine computes a deadline, in a form it can store and recompute (procedure.md §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gcworkflow.calendar.holidays import HolidayCalendar, format_date_ko_weekday
from gcworkflow.calendar.periods import PeriodRule, compute_period


@dataclass(frozen=True)
class DueRule:
    """How a due date is computed; stored with the deadline so a holiday override can recompute it.

    ``method``: ``civil`` (민법 period from ``base_on``), ``working_days`` (N working days after ``base_on``),
    ``date`` (a date fixed by a meeting or a letter: ``base_on`` itself).
    """

    method: str
    base_on: date
    amount: int = 0
    unit: str = "days"
    from_midnight: bool = False
    label: str = "기산일"


def compute_due(rule: DueRule, calendar: HolidayCalendar) -> tuple[date, str]:
    """The due date and its one-line explanation, by the rule's method."""
    if rule.method == "civil":
        period = compute_period(
            rule.base_on,
            rule.amount,
            rule.unit,
            PeriodRule.CIVIL,
            from_midnight=rule.from_midnight,
            calendar=calendar,
            label=rule.label,
        )
        return period.end, period.explanation
    if rule.method == "working_days":
        due = calendar.add_working_days(rule.base_on, rule.amount)
        return due, (
            f"{rule.label} {format_date_ko_weekday(rule.base_on)} 다음 근무일부터 {rule.amount}근무일 → "
            f"{format_date_ko_weekday(due)}"
        )
    if rule.method == "date":
        return rule.base_on, f"{rule.label} {format_date_ko_weekday(rule.base_on)}"
    raise ValueError(f"알 수 없는 기한 계산 방법입니다: {rule.method}")
