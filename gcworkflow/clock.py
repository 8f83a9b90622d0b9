"""The one clock: "now" in UTC and "today" in Asia/Seoul (DESIGN.md §2, Time).

Nothing else reads the system time. Tests and the demo set the clock; the CLI also honours ``GCW_NOW`` so
that a scripted run can replay a dated scenario.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SEOUL = ZoneInfo("Asia/Seoul")


class Clock:
    """System time, unless fixed; a fixed clock can be advanced by the scenario that set it."""

    def __init__(self, fixed: datetime | None = None) -> None:
        self._fixed = _as_utc(fixed) if fixed is not None else None

    def now(self) -> datetime:
        if self._fixed is not None:
            return self._fixed
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().astimezone(SEOUL).date()

    @property
    def is_fixed(self) -> bool:
        return self._fixed is not None

    def set(self, moment: datetime | date) -> None:
        if isinstance(moment, datetime):
            self._fixed = _as_utc(moment)
        else:
            # A bare date means the start of that working day in Seoul, which is how clerks date things.
            self._fixed = datetime(moment.year, moment.month, moment.day, 9, 0, tzinfo=SEOUL).astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._fixed = self.now() + delta

    def release(self) -> None:
        self._fixed = None


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("시각에는 시간대가 있어야 합니다 (예: 2026-09-23T10:00:00+09:00)")
    return moment.astimezone(UTC)


clock = Clock()


def to_kst(moment: datetime) -> datetime:
    return moment.astimezone(SEOUL)
