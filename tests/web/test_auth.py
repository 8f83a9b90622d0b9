"""Signing in over real HTTP: argon2 passwords, server-side sessions, the lock-out, logout, cookies' flags,
CSRF on every form, and password changes through the audited service."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from gcworkflow.db.models import AuditEvent, LoginAttempt, User, WebSession
from gcworkflow.errors import Forbidden, InvalidInput
from gcworkflow.web import accounts
from gcworkflow.web.app import create_app
from tests.support import ADMIN, APPROVER, CLERK, actor, open_gumi
from tests.web.conftest import PASSWORD, Desk, csrf_of, give_passwords, serving


def _try(
    client: httpx.Client, username: str, password: str, *, login: str = "/login", next_page: str | None = None
) -> httpx.Response:
    """The sign-in form as the page at ``login`` shows it, posted (with ``next_page`` as its "next", if given)."""
    page = client.get(login)
    form = {"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    return client.post("/login", data=form | ({"next": next_page} if next_page is not None else {}))


def test_pages_need_a_session_and_sign_in_returns_to_them(desk: Desk) -> None:
    client = desk.client()
    bounced = client.get(f"/procedures/{desk.procedure_id}")
    assert bounced.status_code == 303
    assert bounced.headers["location"] == f"/login?next=%2Fprocedures%2F{desk.procedure_id}"
    signed = _try(
        client,
        CLERK,
        PASSWORD,
        login=bounced.headers["location"],
        next_page=f"/procedures/{desk.procedure_id}",
    )
    assert signed.status_code == 303 and signed.headers["location"] == f"/procedures/{desk.procedure_id}"
    cookie = signed.headers["set-cookie"]
    assert "gcw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on 127.0.0.1
    assert client.get(f"/procedures/{desk.procedure_id}").status_code == 200
    # Only the SHA-256 of the cookie is kept.
    secret = client.cookies["gcw_session"]
    with desk.ctx.db.read() as session:
        stored = session.execute(select(WebSession.token_sha256)).scalars().all()
    assert secret not in stored and len(stored) == 1
    # An external "next" is not followed.
    away = _try(desk.client(), CLERK, PASSWORD, next_page="//evil.example/")
    assert away.headers["location"] == "/dashboard"


def test_wrong_passwords_lock_the_name_for_a_while(desk: Desk) -> None:
    client = desk.client()
    for _ in range(5):
        wrong = _try(client, CLERK, "not the password")
        assert wrong.status_code == 401
        assert "사용자 이름 또는 비밀번호가 올바르지 않습니다" in wrong.text
    locked = _try(client, CLERK, PASSWORD)
    assert locked.status_code == 401 and "잠시 잠겼습니다" in locked.text
    # Names that do not exist are treated alike, so the lock-out tells nothing about who is registered.
    for _ in range(5):
        _try(client, "nobody", "whatever")
    assert "잠시 잠겼습니다" in _try(client, "nobody", "whatever").text
    # The approver is not affected, and the clerk may sign in again once the window has passed.
    assert _try(client, APPROVER, PASSWORD).status_code == 303
    desk.ctx.clock.advance(timedelta(minutes=16))
    assert _try(desk.client(), CLERK, PASSWORD).status_code == 303
    with desk.ctx.db.read() as session:
        attempts = (
            session.execute(
                select(LoginAttempt.succeeded).where(LoginAttempt.username == CLERK).order_by(LoginAttempt.id)
            )
            .scalars()
            .all()
        )
    assert attempts == [False] * 5 + [True]  # the refused attempt while locked was not even checked


def test_the_wait_after_failures_grows_and_the_policy_is_in_settings(desk: Desk) -> None:
    """GCW_WEB_LOCK_AFTER_FAILURES, GCW_WEB_LOCK_MINUTES (the longest wait) and GCW_WEB_SESSION_IDLE_MINUTES: the
    office's policy, not the code's. A growing delay (OWASP ASVS V2.2.1), not a hard lock: a minute after the
    limit, twice as long after each further failure, never longer than the setting."""
    desk.ctx.settings = desk.ctx.settings.model_copy(
        update={"web_lock_after_failures": 3, "web_lock_minutes": 4, "web_session_idle_minutes": 30}
    )
    client = desk.client()
    for _ in range(3):
        assert _try(client, CLERK, "not the password").status_code == 401
    locked = _try(client, CLERK, PASSWORD)
    assert locked.status_code == 401 and "3번 잇달아 실패하여 잠시 잠겼습니다. 1분 뒤에" in locked.text
    for waited, failures, next_wait in ((1, 4, 2), (2, 5, 4), (4, 6, 4)):
        desk.ctx.clock.advance(timedelta(minutes=waited, seconds=-1))
        assert "잠시 잠겼습니다" in _try(client, CLERK, PASSWORD).text
        desk.ctx.clock.advance(timedelta(seconds=1))
        assert "올바르지 않습니다" in _try(client, CLERK, "still not it").text
        assert (
            f"{failures}번 잇달아 실패하여 잠시 잠겼습니다. {next_wait}분 뒤에"
            in _try(client, CLERK, PASSWORD).text
        )
    desk.ctx.clock.advance(timedelta(minutes=4))
    signed_in = desk.client(CLERK)
    assert signed_in.get("/dashboard").status_code == 200
    desk.ctx.clock.advance(timedelta(minutes=31))
    assert signed_in.get("/dashboard").status_code == 303


def test_logout_and_idle_sessions_end(desk: Desk) -> None:
    client = desk.client(CLERK)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200
    stolen = client.cookies["gcw_session"]
    out = client.post("/logout", data={"csrf_token": csrf_of(dashboard.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replay = desk.client(cookies={"gcw_session": stolen})
    assert replay.get("/dashboard").status_code == 303  # the server ended it; the cookie alone is nothing

    idle = desk.client(CLERK)
    desk.ctx.clock.advance(timedelta(hours=2, minutes=1))
    assert idle.get("/dashboard").status_code == 303


def test_every_form_post_needs_its_token(desk: Desk) -> None:
    client = desk.client(CLERK)
    page = client.get(f"/procedures/{desk.procedure_id}")
    action = f"/procedures/{desk.procedure_id}/actions/record_site_selection"
    form = {
        "expected_version": "1",
        "announced_on": "2026-01-05",
        "selected_on": "2026-02-02",
        "summary": "공모 선정",
    }
    for forged in ({}, {"csrf_token": "0" * 64}):
        refused = client.post(action, data={**form, **forged})
        assert refused.status_code == 403
        assert "보안 토큰이 없거나 맞지 않음" in refused.text
    cross = client.post(
        action, data={**form, "csrf_token": csrf_of(page.text)}, headers={"origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    # Another person's token is no good either: it is bound to the session.
    other = desk.client(APPROVER)
    other_token = csrf_of(other.get("/dashboard").text)
    assert client.post(action, data={**form, "csrf_token": other_token}).status_code == 403
    done = client.post(action, data={**form, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    with desk.ctx.db.read() as session:
        triggers = (
            session.execute(select(AuditEvent.trigger).where(AuditEvent.procedure_id == desk.procedure_id))
            .scalars()
            .all()
        )
    assert triggers == ["open", "record_site_selection"]
    # The sign-in form is protected as well (login CSRF).
    assert desk.client().post("/login", data={"username": CLERK, "password": PASSWORD}).status_code == 403


def test_passwords_are_argon2id_and_changes_are_audited(desk: Desk) -> None:
    ctx = desk.ctx
    with pytest.raises(InvalidInput, match="10자 이상"):
        accounts.set_password(ctx, actor(ADMIN), CLERK, "short")
    with pytest.raises(Forbidden, match="관리자의 권한"):
        accounts.set_password(ctx, actor(APPROVER), CLERK, "another long password")
    with pytest.raises(Forbidden, match="지금 비밀번호가 맞지 않습니다"):
        accounts.set_password(ctx, actor(CLERK), CLERK, "another long password", old_password="wrong")

    elsewhere = desk.client(CLERK)
    here = desk.client(CLERK)
    page = here.get("/account")
    changed = here.post(
        "/account/password",
        data={
            "csrf_token": csrf_of(page.text),
            "old_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase",
        },
    )
    assert changed.status_code == 200 and "비밀번호를 바꾸었습니다" in changed.text
    assert here.get("/dashboard").status_code == 200  # the session that changed it stays
    assert elsewhere.get("/dashboard").status_code == 303  # every other one ended
    assert _try(desk.client(), CLERK, PASSWORD).status_code == 401
    assert _try(desk.client(), CLERK, "a brand new passphrase").status_code == 303
    with ctx.db.read() as session:
        stored = session.execute(select(User.password_hash).where(User.username == CLERK)).scalar_one()
        event = session.execute(
            select(AuditEvent).where(AuditEvent.trigger == "change_own_password")
        ).scalar_one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "passphrase" not in event.canonical and event.interface == "web"


def test_cookies_are_secure_behind_https(ctx, password_hash) -> None:
    open_gumi(ctx)
    give_passwords(ctx, password_hash)
    app = create_app(ctx)
    with serving(app, proxy_headers=True, forwarded_allow_ips="127.0.0.1") as url:
        client = httpx.Client(base_url=url, headers={"x-forwarded-proto": "https"})
        page = client.get("/login")
        assert "Secure" in page.headers["set-cookie"]
        assert page.headers["strict-transport-security"].startswith("max-age=")
        # httpx keeps Secure cookies for https only, so the sign-in cookie goes back by hand here.
        seed = page.headers["set-cookie"].split(";")[0].split("=", 1)[1]
        signed = client.post(
            "/login",
            data={"username": CLERK, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
            headers={"cookie": f"gcw_login={seed}"},
        )
        assert signed.status_code == 303 and "Secure" in signed.headers["set-cookie"]
