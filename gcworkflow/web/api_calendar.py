"""The API's deadlines and the working-day calendar they are counted on: the open deadlines and stuck
procedures, and the holiday overrides (임시공휴일 and corrections) an administrator records."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from gcworkflow import holiday_overrides
from gcworkflow.context import load_calendar
from gcworkflow.deadlines import open_deadlines, stuck_procedures
from gcworkflow.errors import InvalidInput
from gcworkflow.procedures.spec import Role
from gcworkflow.web.api import ERRORS, CleanText, EventOut, StrictIn
from gcworkflow.web.auth import require_scope
from gcworkflow.web.deps import ApiUser, Ctx

router = APIRouter(prefix="/api")


class HolidayIn(StrictIn):
    date: date
    name: Annotated[CleanText, StringConstraints(min_length=1, max_length=100)]
    reason: Annotated[CleanText, StringConstraints(min_length=1, max_length=1000)]


@router.get(
    "/deadlines", tags=["기한"], summary="열린 기한 (급한 순, 근무일 포함)과 멈춘 절차", responses=ERRORS
)
def deadlines(ctx: Ctx, who: ApiUser) -> dict[str, Any]:
    with ctx.db.read() as session:
        rows = open_deadlines(session, ctx.clock.today(), load_calendar(session))
        stuck = stuck_procedures(session, ctx.clock.now(), ctx.settings.stuck_after_days)
    return {"open": rows, "stuck": stuck}


@router.get("/holidays", tags=["공휴일"], summary="한 해의 공휴일 (규정 + 조정)", responses=ERRORS)
def holidays(
    ctx: Ctx, who: ApiUser, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> list[dict[str, Any]]:
    try:
        days = holiday_overrides.list_year(ctx, year or ctx.clock.today().year)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return [d.as_dict() for d in days]


@router.post(
    "/holidays",
    tags=["공휴일"],
    summary="공휴일 조정 추가 (임시공휴일 등, 관리자)",
    status_code=201,
    responses=ERRORS,
)
def add_holiday(ctx: Ctx, who: ApiUser, body: HolidayIn) -> EventOut:
    require_scope(ctx, who, {Role.ADMIN}, "공휴일 조정", "add_holiday")
    return EventOut(
        event_id=holiday_overrides.add_holiday(ctx, who.actor(), body.date, body.name, body.reason)
    )


@router.delete("/holidays/{day}", tags=["공휴일"], summary="공휴일 조정 삭제·정정 (관리자)", responses=ERRORS)
def remove_holiday(
    ctx: Ctx,
    who: ApiUser,
    day: date,
    reason: Annotated[CleanText, Query(min_length=1, max_length=1000)],
) -> EventOut:
    require_scope(ctx, who, {Role.ADMIN}, "공휴일 조정", "remove_holiday")
    return EventOut(event_id=holiday_overrides.remove_holiday(ctx, who.actor(), day, reason))
