"""Administration (관리자): users and roles, API tokens, and holiday overrides."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gcworkflow import holiday_overrides, people
from gcworkflow.calendar import format_date_ko
from gcworkflow.context import Context
from gcworkflow.errors import Forbidden, GcwError, InvalidInput
from gcworkflow.korean import with_particle
from gcworkflow.procedures.spec import ROLE_LABELS, Role
from gcworkflow.web import accounts
from gcworkflow.web.auth import Identity
from gcworkflow.web.deps import Ctx, Form, Page, PageUser
from gcworkflow.web.pages import check_id, render_page

router = APIRouter(include_in_schema=False)


def _require_admin(identity: Identity) -> None:
    if not identity.has(Role.ADMIN):
        raise Forbidden(
            f"관리자만 볼 수 있는 화면입니다 ({identity.username}의 권한: {identity.role_labels or '없음'})"
        )


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.SYSTEM]


# --- users and roles ----------------------------------------------------------------------------------


def _admin_users(ctx: Context, page: Page, status: int = 200, **extra: Any) -> HTMLResponse:
    _require_admin(page.identity)
    roles = _role_choices()
    return render_page(
        "admin_users.html", page, status, nav="admin", users=people.list_users(ctx), roles=roles, **extra
    )


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users(ctx: Ctx, page: PageUser) -> Response:
    return _admin_users(ctx, page)


@router.post("/admin/users/{operation}", response_class=HTMLResponse)
def admin_users_post(ctx: Ctx, form: Form, operation: str) -> Response:
    """Users and roles (관리자): every change is the engine's audited action on the system chain."""
    assert form.page is not None
    actor, values = form.page.identity.actor(), form.values
    username = values.get("username", "").strip()
    try:
        if operation == "add":
            roles = [r for r in values.get("roles", "").split(",") if r] or [values.get("role", "")]
            people.add_user(
                ctx, actor, username, values.get("display_name", ""), roles, values.get("email") or None
            )
            notice = f"사용자 {with_particle(username, '을')} 등록했습니다."
        elif operation == "grant":
            people.grant_role(ctx, actor, username, values.get("role", ""))
            notice = f"{username}에게 {values.get('role')} 권한을 부여했습니다."
        elif operation == "revoke":
            people.revoke_role(ctx, actor, username, values.get("role", ""))
            notice = f"{username}의 {values.get('role')} 권한을 회수했습니다."
        elif operation in ("activate", "deactivate"):
            people.set_active(ctx, actor, username, operation == "activate")
            notice = f"{username} 계정을 {'다시 사용하게' if operation == 'activate' else '중지'}했습니다."
        elif operation == "password":
            accounts.set_password(ctx, actor, username, values.get("password", ""))
            notice = f"{username}의 비밀번호를 정했습니다. 그 사용자의 로그인은 모두 끝났습니다."
        else:
            raise InvalidInput(f"알 수 없는 처리입니다: {operation}")
    except GcwError as error:
        return _admin_users(ctx, form.page, error.http_status, error=error, operation=operation)
    return _admin_users(ctx, form.page, notice=notice)


# --- API tokens ---------------------------------------------------------------------------------------


def _admin_tokens(ctx: Context, page: Page, status: int = 200, **extra: Any) -> HTMLResponse:
    _require_admin(page.identity)
    roles = _role_choices()
    users = [u for u in people.list_users(ctx) if u.active]
    return render_page(
        "admin_tokens.html",
        page,
        status,
        nav="admin",
        tokens=accounts.list_tokens(ctx),
        roles=roles,
        users=users,
        **extra,
    )


@router.get("/admin/tokens", response_class=HTMLResponse)
def admin_tokens(ctx: Ctx, page: PageUser) -> Response:
    return _admin_tokens(ctx, page)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(ctx: Ctx, form: Form) -> Response:
    assert form.page is not None
    values = form.values
    try:
        days = values.get("days", "").strip() or "90"
        if not days.isdigit() or len(days) > 4:
            raise InvalidInput("유효 기간은 일수(숫자)로 적으십시오.")
        created = accounts.create_token(
            ctx,
            form.page.identity.actor(),
            values.get("username", ""),
            values.get("role", ""),
            values.get("name", ""),
            int(days),
        )
    except GcwError as error:
        return _admin_tokens(ctx, form.page, error.http_status, error=error)
    # The secret is shown on this response only: it is not stored anywhere it could be shown again.
    return _admin_tokens(ctx, form.page, created=created)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(ctx: Ctx, form: Form, token_id: int) -> Response:
    assert form.page is not None
    try:
        accounts.revoke_token(ctx, form.page.identity.actor(), check_id(token_id))
    except GcwError as error:
        return _admin_tokens(ctx, form.page, error.http_status, error=error)
    return _admin_tokens(ctx, form.page, notice=f"{token_id}번 토큰을 폐기했습니다.")


# --- holiday overrides --------------------------------------------------------------------------------


def _admin_holidays(ctx: Context, page: Page, year: int, status: int = 200, **extra: Any) -> HTMLResponse:
    _require_admin(page.identity)
    try:
        days = holiday_overrides.list_year(ctx, year)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return render_page("admin_holidays.html", page, status, nav="admin", year=year, days=days, **extra)


@router.get("/admin/holidays", response_class=HTMLResponse)
def admin_holidays(ctx: Ctx, page: PageUser, year: int | None = Query(None, ge=2000, le=2100)) -> Response:
    return _admin_holidays(ctx, page, year if year is not None else ctx.clock.today().year)


@router.post("/admin/holidays/{operation}", response_class=HTMLResponse)
def admin_holidays_post(ctx: Ctx, form: Form, operation: str) -> Response:
    """임시공휴일 and corrections: audited, and the engine's own open deadlines are recomputed with them."""
    assert form.page is not None
    values = form.values
    actor = form.page.identity.actor()
    try:
        try:
            day = date.fromisoformat(values.get("date", ""))
        except ValueError as exc:
            raise InvalidInput("날짜를 YYYY-MM-DD 형식으로 적으십시오.") from exc
        year = day.year
        if operation == "add":
            holiday_overrides.add_holiday(ctx, actor, day, values.get("name", ""), values.get("reason", ""))
            notice = f"{with_particle(format_date_ko(day), '을')} 공휴일로 정했습니다. 열린 기한을 다시 계산했습니다."
        elif operation == "remove":
            holiday_overrides.remove_holiday(ctx, actor, day, values.get("reason", ""))
            notice = (
                f"{day.isoformat()}의 공휴일 조정(삭제·정정)을 기록했습니다. 열린 기한을 다시 계산했습니다."
            )
        else:
            raise InvalidInput(f"알 수 없는 처리입니다: {operation}")
    except GcwError as error:
        year = ctx.clock.today().year
        return _admin_holidays(ctx, form.page, year, error.http_status, error=error)
    return _admin_holidays(ctx, form.page, year, notice=notice)
