"""The web application: the REST API under ``/api/``, the clerks' pages, ``/healthz`` and the API reference.

``create_app(ctx)`` builds it around one :class:`~gcworkflow.context.Context`; ``gcw serve`` runs it with
uvicorn. Refusals are the engine's (DESIGN.md §4): the API answers them as JSON with their stable code and
HTTP status, the pages show them beside the form.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import func, select, text
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from gcworkflow.context import Context
from gcworkflow.db.models import OutboxMessage
from gcworkflow.errors import GcwError
from gcworkflow.inputs import MAX_DEPTH
from gcworkflow.procedures.spec import Role
from gcworkflow.validation import korean_message
from gcworkflow.web import (
    api_accounts,
    api_calendar,
    api_documents,
    api_plans,
    api_procedures,
    api_proposals,
    audit_views,
    pages_account,
    pages_admin,
    pages_plans,
    pages_procedures,
    pages_proposals,
    pages_public,
)
from gcworkflow.web.api import ERRORS
from gcworkflow.web.auth import require_scope
from gcworkflow.web.deps import ApiUser
from gcworkflow.web.metrics import Latency, Metrics
from gcworkflow.web.metrics import router as metrics_router
from gcworkflow.web.rendering import render

log = logging.getLogger("gcworkflow.web")

STATIC = Path(__file__).with_name("static")
BODY_LIMIT = 1 << 20  # 1 MiB: every form and JSON body of the desk
# Scripts and styles come from /static only; no inline script, no inline style, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's words for a body it could not read or parse (JSON nested past the parser's recursion, a broken
# multipart body), said in Korean like every other refusal.
FASTAPI_UNPARSED_BODY = "There was an error parsing the body"
UNPARSED_BODY = f"요청 본문을 읽을 수 없습니다: JSON이나 양식의 형식, 묶음·목록의 중첩({MAX_DEPTH}단계까지)을 확인하십시오."
STATUS_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "invalid_input",
    422: "invalid_input",
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def _upload_path(method: str, path: str) -> bool:
    return method == "POST" and (
        path == "/api/documents" or (path.startswith("/procedures/") and "/actions/" in path)
    )


class Guard:
    """Security headers on every response and a limit on every request body (ASGI middleware).

    The limit is checked against Content-Length first, and counted as the body streams in, so a chunked
    request cannot get round it (FastAPI passes an HTTPException raised while reading the body on to the
    handlers, which answer 413 in the form the client reads).
    """

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit  # GCW_WEB_UPLOAD_MIB: a scanned reply or a gazette page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if _upload_path(scope["method"], scope["path"]) else BODY_LIMIT
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                names = {name.lower() for name, _ in headers}
                for name, value in _security_headers(https, scope["path"]):
                    if name not in names:
                        headers.append((name, value))
            await send(message)

        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, send_with_headers, limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise StarletteHTTPException(413, _too_large_message(limit))
            return message

        await self.app(scope, counted, send_with_headers)


def _security_headers(https: bool, path: str) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if not path.startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


def _too_large_message(limit: int) -> str:
    return f"요청 본문이 너무 큽니다 (최대 {limit // (1 << 20)} MiB)."


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    """Answered from the headers, before any route (and so before signing in): the same error as every other,
    JSON under /api/, the Korean error page elsewhere."""
    body = _error(scope["path"], 413, "payload_too_large", _too_large_message(limit), [])
    await body({**scope, "type": "http"}, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _wants_json(path: str) -> bool:
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json", "/metrics")


def _error(path: str, status: int, code: str, message: str, unmet: list[dict[str, str]]) -> Response:
    if _wants_json(path):
        return JSONResponse({"code": code, "message": message, "unmet": unmet}, status_code=status)
    return HTMLResponse(
        render("error.html", {"status": status, "message": message, "unmet": unmet}), status_code=status
    )


def _validation_message(exc: RequestValidationError) -> str:
    lines = []
    for error in exc.errors()[:10]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "요청"
        # FastAPI's own checks speak pydantic's English: said in Korean like every other input error.
        lines.append(f"{where}: {korean_message(error)}")
    return "요청 형식이 맞지 않습니다:\n" + "\n".join(lines)


@asynccontextmanager
async def _threads_within_the_pool(app: FastAPI) -> AsyncIterator[None]:
    """Run no more page and API handlers at once than the database pool has connections: under a load beyond
    the server's pace the rest wait their turn for a thread, instead of taking one and then timing out in the
    pool's queue (anyio's 40 threads against SQLAlchemy's 15 connections)."""
    connections = app.state.ctx.db.connections
    if connections is not None:
        to_thread.current_default_thread_limiter().total_tokens = connections
    yield


def create_app(ctx: Context) -> FastAPI:
    app = FastAPI(
        lifespan=_threads_within_the_pool,
        title="gcworkflow API",
        version="1",
        summary="녹색융합클러스터 법정 절차 워크플로: 절차 처리·조회, 결재, 기한, 문서, 감사",
        description=(
            "모든 처리는 엔진의 단일 관문(engine.fire)을 거칩니다. 인증은 관리자가 발급한 API 토큰"
            "(`Authorization: Bearer gcw_…`)으로 하며, 토큰은 한 사용자·한 권한으로 한정됩니다.\n\n"
            "오류는 JSON `{code, message, unmet}`으로 돌려줍니다. code: `invalid_input`(400), "
            "`unauthenticated`(401), `forbidden`(403), `not_found`(404), `conflict`(409), "
            "`integrity`(409, 절차의 현재 상태가 감사 기록과 다름: 변조 의심, `gcw audit verify`), "
            "`guard_failed`(422, unmet에 요건·근거 조문), `payload_too_large`(413), "
            "`busy`(503, 요청이 몰려 처리하지 못함: Retry-After 초 뒤 다시)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.ctx = ctx

    @app.exception_handler(GcwError)
    async def gcw_error(request: Request, exc: GcwError) -> Response:
        return _error(
            request.url.path, exc.http_status, exc.code, exc.message, [u.as_dict() for u in exc.unmet]
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return _error(request.url.path, 400, "invalid_input", _validation_message(exc), [])

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (302, 303) and exc.headers:
            return Response(status_code=exc.status_code, headers=exc.headers)
        code = STATUS_CODES.get(exc.status_code, "error")
        messages = {404: "찾는 주소가 없습니다.", 405: "이 주소에서 허용되지 않는 요청 방식입니다."}
        message = messages.get(exc.status_code, str(exc.detail))
        if exc.status_code == 400 and exc.detail == FASTAPI_UNPARSED_BODY:
            message = UNPARSED_BODY
        response = _error(request.url.path, exc.status_code, code, message, [])
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        # The client closed the connection before its request had arrived: nothing failed here and nobody is
        # left to answer, so one quiet line instead of an unexpected error's traceback.
        log.info(
            "요청을 다 받기 전에 클라이언트가 연결을 끊었습니다: %s %s", request.method, request.url.path
        )
        return Response(status_code=499)  # nginx's "client closed request", for the access log

    @app.exception_handler(PoolTimeout)
    async def busy(request: Request, exc: PoolTimeout) -> Response:
        # A connection waited for longer than the pool allows (a database slowed down or overloaded): the
        # request did nothing and may simply be repeated, so 503 with a time to wait, not an internal error.
        log.warning(
            "데이터베이스 연결을 기다리다 시간이 다 되었습니다: %s %s", request.method, request.url.path
        )
        response = _error(
            request.url.path, 503, "busy", "요청이 많아 처리하지 못했습니다. 잠시 뒤 다시 시도하십시오.", []
        )
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("처리 중 예기치 않은 오류: %s %s", request.method, request.url.path)
        return _error(
            request.url.path, 500, "internal_error", "서버 내부 오류입니다. 관리자에게 알려 주십시오.", []
        )

    @app.get("/healthz", tags=["상태"], summary="살아 있는지만: ok·degraded·error (자세히는 /api/health)")
    def healthz() -> JSONResponse:
        # Anyone may ask, so the answer names no database, schema revision or queue (ASVS V14.3: no
        # unnecessary information to unauthenticated callers); 503 still tells a load balancer to look.
        report = health(ctx)
        return JSONResponse({"status": report["status"]}, status_code=_health_status(report))

    @app.get(
        "/api/health",
        tags=["상태"],
        summary="데이터베이스(종류, 스키마 판)와 발송 대기열(outbox) 상태 (관리자·감사 토큰)",
        responses=ERRORS,
    )
    def api_health(who: ApiUser) -> JSONResponse:
        require_scope(ctx, who, {Role.ADMIN, Role.AUDITOR}, "상태 상세 조회", "health")
        report = health(ctx)
        return JSONResponse(report, status_code=_health_status(report))

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render("api_docs.html", {"operations": operations(app.openapi())}))

    for resource in (api_procedures, api_plans, api_documents, api_proposals, api_calendar, api_accounts):
        app.include_router(resource.router)
    app.include_router(audit_views.api)
    for area in (pages_account, pages_procedures, pages_proposals, pages_plans, pages_admin):
        app.include_router(area.router)
    app.include_router(audit_views.pages)
    # Anyone may read the public register (no sign-in): only what a 고시 made public.
    pages_public.install(app, ctx)
    metrics = Metrics(ctx)
    app.include_router(metrics_router(metrics))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, upload_limit=ctx.settings.web_upload_mib << 20)
    # Outermost: a request's whole time, a 413 answered by the guard included.
    app.add_middleware(Latency, histogram=metrics.latency)
    return app


@cache
def _head_revision() -> str | None:
    """The code's schema head: it cannot change while the process runs."""
    from alembic.script import ScriptDirectory

    from gcworkflow.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("")).get_current_head()


def _health_status(report: dict[str, Any]) -> int:
    return 503 if report["status"] == "error" else 200


def health(ctx: Context) -> dict[str, Any]:
    """The database (reachable, schema at the code's head) and the outbox (waiting, stuck, dead)."""
    head = _head_revision()
    database: dict[str, Any] = {"dialect": ctx.db.dialect, "head": head}
    outbox: dict[str, Any] = {}
    try:
        with ctx.db.read() as session:
            database["revision"] = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
            counts = dict(
                session.execute(
                    select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
                ).all()
            )
            oldest = session.execute(
                select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
            ).scalar()
    except Exception as exc:  # any failure here is the answer, not a crash
        database.update(ok=False, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        return {"status": "error", "database": database, "outbox": None}
    database["ok"] = database["revision"] == head
    if not database["ok"]:
        from gcworkflow.db.migrate import known_revision

        database["error"] = (
            "스키마가 프로그램보다 오래되었습니다: gcw db upgrade"
            if known_revision(ctx.db.url, database["revision"] or "")
            else "스키마가 프로그램보다 새롭습니다: 데이터베이스를 올린 판의 프로그램으로 실행하십시오"
        )
    outbox = {
        "pending": counts.get("pending", 0),
        "sending": counts.get("sending", 0),
        "sent": counts.get("sent", 0),
        "dead": counts.get("dead", 0),
        "oldest_pending_at": oldest.isoformat() if oldest else None,
    }
    status = "ok" if database["ok"] and not outbox["dead"] else "degraded"
    if not database["ok"]:
        status = "error"
    return {"status": status, "database": database, "outbox": outbox}


def operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAPI operations, for the server-rendered reference at /docs (no CDN, no inline script)."""
    found = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            media = next(iter(body), None)
            body_schema = body.get(media, {}).get("schema", {}) if media else {}
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tag": (op.get("tags") or ["기타"])[0],
                    "parameters": op.get("parameters", []),
                    "body_media": media,
                    "body_fields": _fields(body_schema, schema),
                    "responses": sorted(op.get("responses", {}).items()),
                    "secured": bool(op.get("security")),
                }
            )
    return found


def _fields(body: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    ref = body.get("$ref")
    if ref:
        body = schema.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[-1], {})
    required = set(body.get("required", []))
    return [
        {
            "name": name,
            "required": name in required,
            "type": prop.get("type") or " | ".join(o.get("type", "?") for o in prop.get("anyOf", [])) or "",
            "description": prop.get("description", prop.get("title", "")),
        }
        for name, prop in body.get("properties", {}).items()
    ]
