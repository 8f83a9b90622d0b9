"""The audit queries: history, actions, decisions, refusals, late notifications, as-of, report stages, reads.

Each takes the narrowing options its query understands and the same output and paging (see ``_common``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._input import ProcedureId
from gcworkflow.cli._output import dumps, table
from gcworkflow.cli._runtime import JsonOption, command
from gcworkflow.cli.audit._common import (
    OUT,
    ActorOpt,
    AllOpt,
    ArticleOpt,
    ClusterOpt,
    FormatOpt,
    KindOpt,
    LimitOpt,
    Listing,
    MonthOpt,
    OffsetOpt,
    OpenedSinceOpt,
    OpenedUntilOpt,
    OpenedYearOpt,
    OutputOpt,
    PageOpt,
    ProcedureOpt,
    ReaderOpt,
    RoleOpt,
    SinceOpt,
    StageOpt,
    StateOpt,
    TriggerOpt,
    UntilOpt,
    YearOpt,
    app,
    emit,
    fetch,
    footer,
    outcome_opt,
    parse_day,
    report_app,
    run_query,
    write,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from gcworkflow.audit.queries import StageReport

HistoryOutcomeOpt = outcome_opt("transition, record, proposal, committee_decision 또는 의결 (부결 등)")
OpenOrClosedOpt = outcome_opt("open(진행 중), closed(종료)")
ReadOutcomeOpt = outcome_opt("ok, forbidden, invalid_input, not_found …")


@app.command("history")
def history(
    cli: typer.Context,
    procedure_id: ProcedureId,
    actor: ActorOpt = None,
    role: RoleOpt = None,
    trigger: TriggerOpt = None,
    state: StateOpt = None,
    outcome: HistoryOutcomeOpt = None,
    article: ArticleOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    year: YearOpt = None,
    month: MonthOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = None,
    page: PageOpt = None,
    every: AllOpt = False,
    json_output: JsonOption = False,
) -> None:
    """한 절차의 모든 처리(사건)를 체인 순서로: 시각, 행위자와 역할, 처리, 단계, 근거 조문, 그 처리가 만든 문서와 해시."""
    listing = Listing(fmt, output, json_output, limit, offset, page, every)
    what = {"trigger": trigger, "state": state, "outcome": outcome, "article": article}
    period = {"since": since, "until": until, "year": year, "month": month}
    run_query(cli, listing, "history", procedure_id, actor=actor, role=role, **what, **period)


def _query_command(name: str, function: str, summary: str, outcomes: str) -> Callable[..., None]:
    """A query over many procedures with every narrowing option: the same command for each."""

    def run(
        cli: typer.Context,
        procedure: ProcedureOpt = None,
        cluster: ClusterOpt = None,
        kind: KindOpt = None,
        actor: ActorOpt = None,
        role: RoleOpt = None,
        trigger: TriggerOpt = None,
        state: StateOpt = None,
        outcome: str | None = None,
        article: ArticleOpt = None,
        since: SinceOpt = None,
        until: UntilOpt = None,
        year: YearOpt = None,
        month: MonthOpt = None,
        fmt: FormatOpt = "table",
        output: OutputOpt = None,
        limit: LimitOpt = 50,
        offset: OffsetOpt = None,
        page: PageOpt = None,
        every: AllOpt = False,
        json_output: JsonOption = False,
    ) -> None:
        listing = Listing(fmt, output, json_output, limit, offset, page, every)
        scope = {"procedure": procedure, "cluster": cluster, "kind": kind, "actor": actor, "role": role}
        what = {"trigger": trigger, "state": state, "outcome": outcome, "article": article}
        period = {"since": since, "until": until, "year": year, "month": month}
        run_query(cli, listing, function, **scope, **what, **period)

    run.__doc__ = summary
    # The module's annotations are strings resolved in its globals; this one needs the factory's argument.
    run.__annotations__["outcome"] = outcome_opt(outcomes)
    app.command(name)(run)
    return run


_query_command(
    "actions",
    "actions",
    "처리 기록을 시간순으로 (예: 한 사람의 한 달 처리: --actor kim --month 2026-03). --outcome refused는 거부된 시도.",
    "transition(단계 전환), record(기록), proposal(결재 상신·반려), committee_decision, system, refused, "
    "또는 의결 (원안 의결·수정 의결·보완·부결·보류)",
)
_query_command(
    "decisions",
    "decisions",
    "위원회 심의 결과(와 그 정정): 회의, 의결, 표결, 의결서 해시 (예: --year 2026 --outcome 부결).",
    "원안 의결, 수정 의결, 보완, 부결, 보류",
)
_query_command(
    "refusals",
    "refusals",
    "거부된 시도와 그 이유: 누가, 언제, 무엇을, 당시 단계, 충족되지 않은 요건과 근거 조문.",
    "guard_failed(요건 미충족), forbidden(권한 없음), conflict(충돌), invalid_input(입력 오류), not_found, "
    "integrity(변조 의심)",
)
_query_command(
    "late-notifications",
    "late_notifications",
    "'지체 없이' 기한(법 제9조제3항)을 넘긴 시·도지사 통보와 기록된 지연 사유.",
    "justified(사유 기록됨), unjustified(사유 없음)",
)


@app.command("as-of")
def as_of(
    cli: typer.Context,
    day: Annotated[str, typer.Argument(metavar="DATE", help="기준일 (KST, 그날 끝 기준; 예: 2026-03-31)")],
    procedure: ProcedureOpt = None,
    cluster: ClusterOpt = None,
    kind: KindOpt = None,
    actor: ActorOpt = None,
    role: RoleOpt = None,
    trigger: TriggerOpt = None,
    state: StateOpt = None,
    outcome: OpenOrClosedOpt = None,
    article: ArticleOpt = None,
    since: OpenedSinceOpt = None,
    until: OpenedUntilOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = None,
    page: PageOpt = None,
    every: AllOpt = False,
    json_output: JsonOption = False,
) -> None:
    """그날(KST) 끝 시점의 모든 절차 상태를, 현재 행이 아니라 그때까지의 사건을 재생해서 보여 줍니다."""
    listing = Listing(fmt, output, json_output, limit, offset, page, every)
    scope = {"procedure": procedure, "cluster": cluster, "kind": kind, "actor": actor, "role": role}
    what = {"trigger": trigger, "state": state, "outcome": outcome, "article": article}
    with command(cli, json_output) as rt:
        shape = listing.shape()
        when = parse_day(day, "기준일")
        assert when is not None
        result = fetch(rt, listing, "as_of", when, **scope, **what, since=since, until=until)
        emit(shape, output, result)


@report_app.command("stages")
def report_stages(
    cli: typer.Context,
    procedure: ProcedureOpt = None,
    cluster: ClusterOpt = None,
    kind: KindOpt = None,
    actor: ActorOpt = None,
    role: RoleOpt = None,
    trigger: TriggerOpt = None,
    state: StageOpt = None,
    outcome: OpenOrClosedOpt = None,
    article: ArticleOpt = None,
    since: OpenedSinceOpt = None,
    until: OpenedUntilOpt = None,
    year: OpenedYearOpt = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="단계별 중앙값만 (csv·json도)", rich_help_panel=OUT)
    ] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = None,
    page: PageOpt = None,
    every: AllOpt = False,
    json_output: JsonOption = False,
) -> None:
    """단계별 소요 기간(SLA 보고서): 절차마다 각 단계에 머문 날수(사건 기준: 들어간 때 → 나온 때)와
    단계별 중앙값(그 단계를 마친 절차 기준). 진행 중인 단계는 지금까지이며 * 표시, 중앙값에서는 빠집니다."""
    listing = Listing(fmt, output, json_output, limit, offset, page, every)
    scope = {"procedure": procedure, "cluster": cluster, "kind": kind, "actor": actor, "role": role}
    what = {"trigger": trigger, "state": state, "outcome": outcome, "article": article}
    with command(cli, json_output) as rt:
        shape = listing.shape()
        report = fetch(rt, listing, "stage_report", **scope, **what, since=since, until=until, year=year)
        if shape == "json" and not summary:
            write(output, dumps(report.as_dict()) + "\n", "JSON")
            return
        chosen = report.summary if summary else report.procedures
        emit(shape, output, chosen, None if summary else (lambda: _render_stages(report)))


def _render_stages(report: StageReport) -> None:
    procedures, stages = report.procedures, report.stages
    typer.echo(procedures.title)
    headers = ["절차", "현재 단계", *(label for _, label in stages)]
    rows: list[list[Any]] = []
    for row in procedures.rows:
        days = [
            "-"
            if row[f"days_{s}"] is None
            else f"{row[f'days_{s}']:.1f}{'*' if row['ongoing_stage'] == s else ''}"
            for s, _ in stages
        ]
        rows.append([row["procedure_id"], row["state_label"], *days])
    medians = {r["stage"]: r for r in report.summary.rows}
    median = [medians[s]["median_days"] for s, _ in stages]
    rows.append(["중앙값", "", *("-" if m is None else f"{m:.1f}" for m in median)])
    rows.append(["완료 절차", "", *(medians[s]["procedures"] for s, _ in stages)])
    rows.append(["진행 중", "", *(medians[s]["ongoing"] for s, _ in stages)])
    typer.echo(table(headers, rows))
    typer.echo(footer(procedures))


@app.command("reads")
def reads(
    cli: typer.Context,
    actor: ReaderOpt = None,
    role: RoleOpt = None,
    outcome: ReadOutcomeOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    year: YearOpt = None,
    month: MonthOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = None,
    page: PageOpt = None,
    every: AllOpt = False,
    json_output: JsonOption = False,
) -> None:
    """감사 기록을 누가, 언제, 어떤 조건으로 조회했는지 (감사·결재권자만)."""
    listing = Listing(fmt, output, json_output, limit, offset, page, every)
    period = {"since": since, "until": until, "year": year, "month": month}
    run_query(cli, listing, "reads", actor=actor, role=role, outcome=outcome, **period)
