"""What every route needs: the context, who is asking (a session for the pages, a token for the API) and,
for every form post, the CSRF check."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException

from gcworkflow.canonical import sha256_hex
from gcworkflow.context import Context
from gcworkflow.documents.sniff import INLINE_TYPES, UNKNOWN
from gcworkflow.documents.sniff import media_type as sniffed_type
from gcworkflow.errors import Forbidden
from gcworkflow.exports import Exported
from gcworkflow.inputs import check_text
from gcworkflow.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Identity,
    csrf_ok,
    csrf_token,
    secret_sha256,
    session_identity,
    token_identity,
)

log = logging.getLogger("gcworkflow.web")

MAX_FIELDS = 400  # the plan form has many inputs; nothing needs more
MAX_FILES = 4


def get_ctx(request: Request) -> Context:
    return request.app.state.ctx


Ctx = Annotated[Context, Depends(get_ctx)]

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiToken",
    description="관리자가 발급한 API 토큰 (`gcw tokens create`): Authorization: Bearer gcw_…",
)


def api_identity(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Identity:
    return token_identity(get_ctx(request), credentials.credentials if credentials else None)


ApiUser = Annotated[Identity, Depends(api_identity)]


@dataclass(frozen=True)
class Page:
    """A signed-in person on a page: who, and the CSRF token every form they see carries."""

    identity: Identity
    csrf: str
    session_sha256: str


def _redirect_to_login(request: Request) -> HTTPException:
    """To the sign-in form, and back afterwards: to this page, or after a post to the page it came from."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        referer = urlsplit(request.headers.get("referer", ""))
        same = f"{referer.scheme}://{referer.netloc}" == f"{request.url.scheme}://{request.url.netloc}"
        target = referer.path if same and referer.path else "/dashboard"
    return HTTPException(303, headers={"Location": f"/login?next={quote(target, safe='')}"})


def page_user(request: Request) -> Page:
    secret = request.cookies.get(SESSION_COOKIE)
    identity = session_identity(get_ctx(request), secret)
    if identity is None or secret is None:
        raise _redirect_to_login(request)
    return Page(identity, csrf_token(secret), secret_sha256(secret))


PageUser = Annotated[Page, Depends(page_user)]


@dataclass
class Posted:
    """A form post that passed the CSRF check: its fields, its files, and who sent it (None on sign-in)."""

    values: dict[str, str]
    files: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # name → (filename, type, bytes)
    page: Page | None = None


def _same_origin(request: Request) -> bool:
    """A browser names the page a post came from; a post from another site is refused even with a token."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return origin == f"{request.url.scheme}://{request.url.netloc}"


async def _read_form(request: Request) -> Posted:
    form = await request.form(max_files=MAX_FILES, max_fields=MAX_FIELDS)
    posted = Posted({})
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            data = await value.read()
            if data:
                posted.files[name] = (value.filename or "", value.content_type or "", data)
        else:
            posted.values[name] = check_text(value)
    return posted


def _refuse_forgery(request: Request, why: str) -> Forbidden:
    log.warning("CSRF 검사 실패 (%s): %s %s", why, request.method, request.url.path)
    return Forbidden(
        "요청을 확인할 수 없어 처리하지 않았습니다 (보안 토큰이 없거나 맞지 않음). 화면을 새로 고친 뒤 다시 "
        "시도하십시오."
    )


async def posted_form(request: Request) -> Posted:
    """A signed-in person's form post: the session, the same origin and the form's CSRF token must agree."""
    secret = request.cookies.get(SESSION_COOKIE)
    identity = await run_in_threadpool(session_identity, get_ctx(request), secret)
    if identity is None or secret is None:
        raise _redirect_to_login(request)
    if not _same_origin(request):
        raise _refuse_forgery(request, "다른 출처")
    posted = await _read_form(request)
    if not csrf_ok(secret, posted.values.get("csrf_token")):
        raise _refuse_forgery(request, "토큰 불일치")
    posted.page = Page(identity, csrf_token(secret), secret_sha256(secret))
    return posted


async def sign_in_form(request: Request) -> Posted:
    """The sign-in form: no session yet, so its token is bound to the sign-in cookie set with the form."""
    if not _same_origin(request):
        raise _refuse_forgery(request, "다른 출처")
    posted = await _read_form(request)
    if not csrf_ok(request.cookies.get(LOGIN_COOKIE), posted.values.get("csrf_token")):
        raise _refuse_forgery(request, "로그인 토큰 불일치")
    return posted


Form = Annotated[Posted, Depends(posted_form)]
SignInForm = Annotated[Posted, Depends(sign_in_form)]


def export_response(exported: Exported) -> Response:
    """An issued document as a download in the format asked for (exports.export): its own type, and a Korean
    file name (RFC 6266 with RFC 5987's filename*), with an ASCII name for clients that read only that."""
    fallback = "document." + exported.filename.rpartition(".")[2]
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={
            "content-disposition": (
                f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(exported.filename)}"
            ),
            "x-content-sha256": sha256_hex(exported.data),
            # Built now from the data the issued PDF carries: a document issued before HWPX twins existed.
            **({"x-gcw-rebuilt": "pdf-data"} if exported.rebuilt else {}),
        },
    )


def document_response(row: dict[str, Any], data: bytes) -> Response:
    """A stored document's bytes (already checked against their recorded SHA-256): inline only when the bytes
    themselves are a checked PDF or an image, whatever type the row was recorded with (rows recorded before
    uploads were sniffed carry the sender's claim); anything else (HTML, SVG, scripts) comes as a download, so
    a stored file can never run as a page of the desk. The middleware adds ``X-Content-Type-Options: nosniff``."""
    filename = row["filename"] or f"document-{row['id']}.pdf"
    sniffed = sniffed_type(data)
    inline = sniffed in INLINE_TYPES
    return Response(
        data,
        media_type=sniffed if inline else UNKNOWN,
        headers={
            "content-disposition": f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}",
            "x-content-sha256": row["sha256"],
        },
    )
