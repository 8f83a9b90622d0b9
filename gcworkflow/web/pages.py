"""The clerks' desk: server-rendered pages in Korean over the same engine functions as the CLI and the API.

Every action is a plain form carrying the procedure version the page was rendered at (→ ``expected_version``)
and a CSRF token; a refusal is shown beside its form with each unmet requirement and its article, and a
stale page gets the engine's conflict message with a link to reload, never a silent overwrite.

This module holds what the page routers share. The pages are by area: ``pages_account`` (sign-in and one's
password), ``pages_procedures`` (the dashboard, the procedure page and its action forms, stored documents),
``pages_proposals`` (the sign-off in-tray), ``pages_plans`` (the plan, its versions and differences) and
``pages_admin`` (users, tokens, holidays).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse, RedirectResponse

from gcworkflow.errors import InvalidInput
from gcworkflow.inputs import MAX_ID
from gcworkflow.web.deps import Page
from gcworkflow.web.rendering import render


def render_page(template: str, page: Page | None, http_status: int = 200, **context: Any) -> HTMLResponse:
    if page is not None:
        context.update(identity=page.identity, csrf=page.csrf)
    return HTMLResponse(render(template, context), status_code=http_status)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def is_local(target: str | None) -> bool:
    """A redirect target on this site (not ``//elsewhere`` or a backslash trick): the only kind followed."""
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target


def check_id(value: int) -> int:
    if not 1 <= value <= MAX_ID:
        raise InvalidInput(f"번호가 올바르지 않습니다: {value}")
    return value


def expected_version(values: dict[str, str]) -> int:
    text = values.get("expected_version", "")
    if not text.isdigit() or int(text) > MAX_ID:
        raise InvalidInput("화면의 판 번호가 없습니다. 화면을 새로 고친 뒤 다시 시도하십시오.")
    return int(text)
