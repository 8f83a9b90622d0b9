"""``/metrics`` in the Prometheus exposition format, and the request latency it reports (issue #16).

The records' metrics are read from the database at each scrape (:class:`gcworkflow.metrics.RecordsCollector`).
Request latency is this process's: a histogram per route template (``/procedures/{procedure_id}``, never the
path itself, so that a scanner's thousand 404s make one series), method and status class. When ``gcw serve``
runs several workers it has set ``PROMETHEUS_MULTIPROC_DIR`` before they started; each worker then writes its
histogram there, and a scrape — whichever worker answers it — adds them all up.

Who may scrape (README "Metrics and logs"): the bearer of the metrics token whose SHA-256 is
``GCW_METRICS_TOKEN_SHA256`` (a scraper's credential that never expires and writes nothing), an admin's or
auditor's API token (as for ``/api/health``), or anyone when ``GCW_METRICS_PUBLIC=true``. Nobody else: the
counts say how busy the ministry is and who refuses what.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from gcworkflow.context import Context
from gcworkflow.metrics import MULTIPROCESS_ENV, RecordsCollector
from gcworkflow.procedures.spec import Role
from gcworkflow.web.api import ERRORS
from gcworkflow.web.auth import TOKEN_PREFIX, Unauthenticated, require_scope, secret_sha256, token_identity

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNMATCHED = "<unmatched>"  # no route: one label value for every unknown path
# From a cached page (~1 ms) to a slow document upload; Prometheus' default buckets stop at 10 s.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


class Latency:
    """ASGI middleware: the time from a request's arrival to its last response byte, per route template,
    method and status class (a request that raised counts as 5xx)."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.histogram.labels(_route_of(scope), scope["method"], f"{status // 100}xx").observe(
                time.perf_counter() - started
            )


def latency_histogram(registry: CollectorRegistry) -> Histogram:
    return Histogram(
        "gcw_http_request_duration_seconds",
        "웹 요청 처리 시간(초): 경로 틀(route), 방식(method), 상태 부류(status: 2xx…5xx)별",
        ["route", "method", "status"],
        buckets=BUCKETS,
        registry=registry,
    )


class Metrics:
    """One application's metrics: its latency histogram and the registry a scrape reads."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.registry = CollectorRegistry(auto_describe=False)
        self.latency = latency_histogram(self.registry)
        self.records = RecordsCollector(ctx)
        self.registry.register(self.records)
        # Decided once, as prometheus_client decided where this process's histogram lives (when first imported).
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_ENV))

    def exposition(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        # Several workers: the latencies of all of them from their files, the records from the database.
        registry = CollectorRegistry(auto_describe=False)
        MultiProcessCollector(registry)
        registry.register(self.records)
        return generate_latest(registry)


def authorise(ctx: Context, authorization: str | None) -> None:
    """The metrics token, an admin's or auditor's API token, or GCW_METRICS_PUBLIC; otherwise refused."""
    settings = ctx.settings
    if settings.metrics_public:
        return
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > 200:
        raise Unauthenticated(
            "지표(/metrics)를 읽으려면 지표 수집 토큰이나 관리자·감사 권한의 API 토큰이 필요합니다 "
            "(Authorization: Bearer …)."
        )
    expected = settings.metrics_token_sha256
    if expected is not None and hmac.compare_digest(secret_sha256(secret), expected):
        return
    if not secret.startswith(TOKEN_PREFIX):
        raise Unauthenticated("알 수 없는 지표 수집 토큰입니다 (GCW_METRICS_TOKEN_SHA256과 맞지 않음).")
    who = token_identity(ctx, secret)
    require_scope(ctx, who, {Role.ADMIN, Role.AUDITOR}, "운영 지표 조회", "metrics")


def router(metrics: Metrics) -> APIRouter:
    routes = APIRouter()

    @routes.get(
        "/metrics",
        tags=["상태"],
        summary="운영 지표 (Prometheus 형식; 지표 수집 토큰 또는 관리자·감사 토큰)",
        response_class=Response,
        responses={
            200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus 텍스트 형식"},
            **{status: ERRORS[status] for status in (401, 403)},
        },
    )
    def scrape(request: Request) -> Response:
        authorise(metrics.ctx, request.headers.get("authorization"))
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return routes
