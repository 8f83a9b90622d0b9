"""Signing in and out, and changing one's own password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from gcworkflow.errors import GcwError, InvalidInput
from gcworkflow.web import accounts
from gcworkflow.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Unauthenticated,
    csrf_token,
    new_secret,
    session_identity,
    sign_in,
    sign_out,
)
from gcworkflow.web.deps import Ctx, Form, PageUser, SignInForm
from gcworkflow.web.pages import is_local, render_page, see_other
from gcworkflow.web.rendering import render

router = APIRouter(include_in_schema=False)


# --- sign-in ------------------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    if session_identity(ctx, request.cookies.get(SESSION_COOKIE)) is not None:
        return see_other(next if is_local(next) else "/dashboard")
    return _login_form(request, next, None)


def _login_form(request: Request, target: str | None, error: str | None, status: int = 200) -> Response:
    seed = request.cookies.get(LOGIN_COOKIE) or new_secret()
    settings = request.app.state.ctx.settings
    response = HTMLResponse(
        render(
            "login.html",
            {
                "csrf": csrf_token(seed),
                "next": target if is_local(target) else "",
                "error": error,
                "lock_after": settings.web_lock_after_failures,
                "lock_minutes": settings.web_lock_minutes,
            },
        ),
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE, seed, max_age=3600, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: Ctx, form: SignInForm) -> Response:
    target = form.values.get("next")
    client = request.client.host if request.client else None
    try:
        secret, _ = sign_in(
            ctx,
            form.values.get("username", ""),
            form.values.get("password", ""),
            client,
            request.headers.get("user-agent"),
        )
    except Unauthenticated as refused:
        return _login_form(request, target, refused.message, status=401)
    response = see_other(target if is_local(target) else "/dashboard")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ctx.settings.web_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, ctx: Ctx, form: Form) -> Response:
    sign_out(ctx, request.cookies.get(SESSION_COOKIE))
    response = see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- one's own password -------------------------------------------------------------------------------


@router.get("/account", response_class=HTMLResponse)
def account(page: PageUser) -> Response:
    return render_page("account.html", page, nav="account")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(ctx: Ctx, form: Form) -> Response:
    assert form.page is not None
    values = form.values
    try:
        if values.get("new_password") != values.get("confirm_password"):
            raise InvalidInput("새 비밀번호와 확인이 다릅니다.")
        accounts.set_password(
            ctx,
            form.page.identity.actor(),
            form.page.identity.username,
            values.get("new_password", ""),
            old_password=values.get("old_password", ""),
            keep_session_sha256=form.page.session_sha256,
        )
    except GcwError as error:
        return render_page("account.html", form.page, error.http_status, nav="account", error=error)
    return render_page(
        "account.html",
        form.page,
        nav="account",
        notice="비밀번호를 바꾸었습니다. 다른 기기의 로그인은 끝났습니다.",
    )
