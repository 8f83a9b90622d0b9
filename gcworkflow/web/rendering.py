"""Jinja2 for the pages: autoescaped templates from the package, and the filters clerks' dates need."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from gcworkflow.calendar.holidays import format_date_ko_weekday
from gcworkflow.clock import SEOUL
from gcworkflow.procedures.plan_content import format_krw_eok


def kst(instant: str | datetime | None) -> str:
    """A stored UTC instant as clerks read it: KST, to the minute."""
    if not instant:
        return "-"
    moment = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    return moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def date_ko(day: str | date | None) -> str:
    if not day:
        return "-"
    return format_date_ko_weekday(date.fromisoformat(day) if isinstance(day, str) else day)


def days_left(days: int) -> str:
    if days < 0:
        return f"{-days}일 지남"
    return "오늘까지" if days == 0 else f"D-{days}"


def working_days(days: int) -> str:
    return f"근무일 {-days}일 지남" if days < 0 else f"근무일 {days}일"


def _krw(amount: Any) -> str:
    return format_krw_eok(amount) if isinstance(amount, int) else str(amount)


_env = Environment(
    loader=PackageLoader("gcworkflow.web", "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(kst=kst, date_ko=date_ko, days_left=days_left, working_days=working_days, krw=_krw)


def render(template: str, context: dict[str, Any]) -> str:
    # Every page reads these; the error page and the API reference have no signed-in user.
    base = {"identity": None, "csrf": "", "nav": "", "notice": None}
    return _env.get_template(template).render({**base, **context})
