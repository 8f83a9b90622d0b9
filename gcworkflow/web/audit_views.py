"""Audit search, export and the SLA report (issue #6's ``audit.queries``) over the API and the pages.

The queries decide who may see what and record every read, answered or refused; this module only turns
request parameters into their :class:`~gcworkflow.audit.queries.Filters` and :class:`Page`, and their
:class:`QueryResult` into JSON, CSV, a table or the chart.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from gcworkflow.audit import queries as audit_queries
from gcworkflow.audit.queries import Filters, Page, QueryResult, Reader, StageReport
from gcworkflow.context import Context
from gcworkflow.errors import InvalidInput
from gcworkflow.inputs import check_text
from gcworkflow.korean import with_particle
from gcworkflow.web import svg
from gcworkflow.web.api import ERRORS, MAX_ID, CleanText
from gcworkflow.web.deps import ApiUser, Ctx, PageUser
from gcworkflow.web.rendering import render

api = APIRouter(prefix="/api/audit", tags=["감사"])
pages = APIRouter(include_in_schema=False)

# name in the URL → (function of audit_queries, Korean title, what ``outcome`` takes)
QUERIES: dict[str, tuple[str, str, str]] = {
    "actions": (
        "actions",
        "처리 기록",
        "transition, record, proposal, committee_decision, system, refused 또는 의결",
    ),
    "decisions": ("decisions", "위원회 심의 결과", "원안 의결, 수정 의결, 보완, 부결, 보류"),
    "refusals": ("refusals", "거부된 시도", "guard_failed, forbidden, conflict, invalid_input, not_found"),
    "late-notifications": ("late_notifications", "'지체 없이' 통보 지연", "justified, unjustified"),
    "reads": ("reads", "감사 기록 조회 이력", "ok 또는 거부 코드"),
}
QueryName = Literal["actions", "decisions", "refusals", "late-notifications", "reads"]
FILTER_NAMES = (
    "procedure_id",
    "cluster_id",
    "kind",
    "actor",
    "role",
    "trigger",
    "state",
    "outcome",
    "article",
    "since",
    "until",
)
Text = Annotated[CleanText | None, Query(max_length=200)]
Id = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]


def _day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} 날짜는 YYYY-MM-DD로 적으십시오: {text!r}") from None


def _number(text: str | None, what: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_ID:
        raise InvalidInput(f"{with_particle(what, '은')} 번호(숫자)로 적으십시오: {text!r}")
    return int(text)


def filters_from(params: dict[str, Any]) -> Filters:
    """The narrowing conditions from request parameters; blanks are absent."""
    given = {k: check_text(str(params[k])) if params.get(k) else None for k in FILTER_NAMES}
    return Filters(
        procedure_id=_number(given["procedure_id"], "절차"),
        cluster_id=_number(given["cluster_id"], "클러스터"),
        kind=given["kind"],
        actor=given["actor"],
        role=given["role"],
        trigger=given["trigger"],
        state=given["state"],
        outcome=given["outcome"],
        article=given["article"],
        since=_day(given["since"], "시작"),
        until=_day(given["until"], "끝"),
    )


def _run(ctx: Context, who: Reader, query: str, filters: Filters, page: Page) -> QueryResult:
    function, _, _ = QUERIES[query]
    return getattr(audit_queries, function)(ctx, who, filters, page)


def _csv(result: QueryResult, name: str) -> Response:
    return Response(
        audit_queries.csv_text(result),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="gcw-audit-{name}.csv"'},
    )


def _json(data: Any, name: str) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, default=str, indent=1),
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="gcw-audit-{name}.json"'},
    )


def chart(report: StageReport) -> str:
    medians = {row["stage"]: row["median_days"] for row in report.summary.rows}
    stages = []
    for state, label in report.stages:
        bars = [
            svg.StageDays(
                f"{row['procedure_id']}번 {row['title'] or ''}",
                row[f"days_{state}"],
                row["ongoing_stage"] == state,
            )
            for row in report.procedures.rows
            if row.get(f"days_{state}") is not None
        ]
        stages.append(svg.StageBars(label, bars, medians.get(state)))
    return svg.sla_chart(stages)


# --- the API ----------------------------------------------------------------------------------------


@api.get(
    "/stages",
    summary="단계별 소요 기간 (SLA 보고서): 절차별 일수와 중앙값; format=svg이면 차트",
    responses=ERRORS,
)
def stages(
    ctx: Ctx,
    who: ApiUser,
    request: Request,
    procedure_id: Id = None,
    cluster_id: Id = None,
    kind: Text = None,
    state: Text = None,
    outcome: Text = None,
    since: Text = None,
    until: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format: Literal["json", "csv", "svg"] = "json",
) -> Response:
    report = audit_queries.stage_report(
        ctx, who.reader(), filters_from(dict(request.query_params)), Page(limit, offset)
    )
    if format == "svg":
        return Response(chart(report), media_type="image/svg+xml")
    if format == "csv":
        return _csv(report.procedures, "stages")
    return Response(
        json.dumps(report.as_dict(), ensure_ascii=False, default=str), media_type="application/json"
    )


@api.get(
    "/history/{procedure_id}", summary="한 절차의 감사 기록 (문서 해시, 입력, 결과 포함)", responses=ERRORS
)
def history(
    ctx: Ctx,
    who: ApiUser,
    request: Request,
    procedure_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    actor: Text = None,
    trigger: Text = None,
    since: Text = None,
    until: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    filters = filters_from({k: v for k, v in request.query_params.items() if k != "procedure_id"})
    return audit_queries.history(ctx, who.reader(), procedure_id, filters, Page(limit, offset)).as_dict()


@api.get("/as-of/{day}", summary="그날 끝(KST) 기준 모든 절차의 단계 (사건에서 재구성)", responses=ERRORS)
def as_of(
    ctx: Ctx,
    who: ApiUser,
    request: Request,
    day: date,
    kind: Text = None,
    cluster_id: Id = None,
    state: Text = None,
    outcome: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    filters = filters_from(dict(request.query_params))
    return audit_queries.as_of(ctx, who.reader(), day, filters, Page(limit, offset)).as_dict()


@api.get(
    "/{query}",
    summary="감사 검색: actions(처리), decisions(심의 결과), refusals(거부), late-notifications(통보 지연), "
    "reads(조회 이력); format=csv이면 내보내기",
    responses=ERRORS,
)
def search(
    ctx: Ctx,
    who: ApiUser,
    request: Request,
    query: QueryName,
    procedure_id: Id = None,
    cluster_id: Id = None,
    kind: Text = None,
    actor: Text = None,
    role: Text = None,
    trigger: Text = None,
    state: Text = None,
    outcome: Text = None,
    article: Text = None,
    since: Text = None,
    until: Text = None,
    limit: Limit = 100,
    offset: Offset = 0,
    format: Literal["json", "csv"] = "json",
) -> Response:
    result = _run(ctx, who.reader(), query, filters_from(dict(request.query_params)), Page(limit, offset))
    if format == "csv":
        return _csv(result, query)
    return Response(
        json.dumps(result.as_dict(), ensure_ascii=False, default=str), media_type="application/json"
    )


# --- the pages --------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """What a table cell shows: requirements with their articles, documents by hash, the rest as text."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        if all("message" in v for v in value):
            return [f"{v['message']} ({v.get('basis', '')})" for v in value]
        if all("sha256" in v for v in value):
            return [f"{v.get('kind', '')} {v['sha256'][:16]}…" for v in value]
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bool):
        return "예" if value else "아니오"
    return "" if value is None else value


@pages.get("/audit", response_class=HTMLResponse)
def search_page(ctx: Ctx, page: PageUser, request: Request) -> Response:
    params = dict(request.query_params)
    query = params.get("query") or "actions"
    if query not in QUERIES:
        raise InvalidInput(f"알 수 없는 조회입니다: {query}")
    limit = _number(params.get("limit"), "쪽당 행 수") or 50
    offset = _number(params.get("offset"), "건너뛸 행 수") or 0
    result = _run(ctx, page.identity.reader(), query, filters_from(params), Page(min(limit, 500), offset))
    # The terminal's columns, and the unmet requirements themselves: a page has room for their articles.
    columns = [c for c in result.columns if c.in_table or c.key == "unmet"]
    rows = [[_cell(row.get(c.key)) for c in columns] for row in result.rows]
    base = {k: v for k, v in params.items() if v and k != "offset"}
    return HTMLResponse(
        render(
            "audit.html",
            {
                "identity": page.identity,
                "csrf": page.csrf,
                "nav": "audit",
                "queries": QUERIES,
                "query": query,
                "params": params,
                "result": result,
                "columns": columns,
                "rows": rows,
                "previous": urlencode({**base, "offset": max(0, offset - limit)}) if offset else None,
                "next": urlencode({**base, "offset": offset + limit})
                if offset + limit < result.total
                else None,
                "export": urlencode(base),
            },
        )
    )


@pages.get("/audit/export")
def export(ctx: Ctx, page: PageUser, request: Request) -> Response:
    """Every row of a search (no paging), as CSV (UTF-8 with BOM, Korean headings) or JSON."""
    params = dict(request.query_params)
    query = params.get("query") or "actions"
    if query not in QUERIES:
        raise InvalidInput(f"알 수 없는 조회입니다: {query}")
    result = _run(ctx, page.identity.reader(), query, filters_from(params), Page(None))
    if params.get("format") == "json":
        return _json(result.as_dict(), query)
    return _csv(result, query)


@pages.get("/audit/sla", response_class=HTMLResponse)
def sla_page(ctx: Ctx, page: PageUser, request: Request) -> Response:
    """The SLA report: days each procedure spent in each stage, the median per stage, drawn as a chart."""
    params = dict(request.query_params)
    limit = _number(params.get("limit"), "쪽당 절차 수") or 40
    report = audit_queries.stage_report(
        ctx, page.identity.reader(), filters_from(params), Page(min(limit, 200))
    )
    return HTMLResponse(
        render(
            "audit_sla.html",
            {
                "identity": page.identity,
                "csrf": page.csrf,
                "nav": "audit",
                "report": report,
                "chart": chart(report),
                "params": params,
                "export": urlencode({k: v for k, v in params.items() if v}),
            },
        )
    )


@pages.get("/audit/sla/export")
def sla_export(ctx: Ctx, page: PageUser, request: Request) -> Response:
    """The report's procedures as CSV (every one), or its chart as an SVG file."""
    params = dict(request.query_params)
    if params.get("format") == "svg":
        limit = _number(params.get("limit"), "쪽당 절차 수") or 40
        report = audit_queries.stage_report(
            ctx, page.identity.reader(), filters_from(params), Page(min(limit, 200))
        )
        return Response(
            chart(report),
            media_type="image/svg+xml",
            headers={"content-disposition": 'attachment; filename="gcw-audit-stages.svg"'},
        )
    report = audit_queries.stage_report(ctx, page.identity.reader(), filters_from(params), Page(None))
    return _csv(report.procedures, "stages")
