"""`gcw audit …`: questions about past decisions, verification of the trail, checkpoints, records archives.

Queries (a named user with the role: `gcw --as USER audit …`; auditors and approvers see every procedure, a
clerk the procedures they are assigned to or acted on):

    history ID            the full history of one procedure, with each action's documents and hashes
    actions               actions across procedures, e.g. one person's in a month: --actor kim --month 2026-03
    decisions             committee decisions, e.g. --year 2026 [--outcome 부결]
    refusals              refused attempts and why (each unmet requirement and its article)
    late-notifications    governor notifications after the "지체 없이" date, with the justification
    as-of DATE            every procedure's state at the end of DATE (KST), replayed from the events
    report stages         days in each stage per procedure and the median per stage (the SLA report)
    reads                 who queried what, when

Each takes the same narrowing options (--procedure, --cluster, --kind, --actor, --role, --trigger, --state,
--outcome, --article, --from/--to/--year/--month in KST), pages (--limit, --page or --offset, --all) and
prints a table, JSON or CSV (--format; --json is --format json; --output FILE writes the file; CSV is UTF-8
with a BOM so that a spreadsheet shows the Korean). Every query is recorded in `audit_reads`.

The operator (no --as) may run `verify`, `checkpoint` and `export`, which read or seal the whole trail.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._output import cell, dumps, table
from gcworkflow.cli._runtime import EXIT_FAILED, JsonOption, Runtime, command, os_user
from gcworkflow.errors import InvalidInput

if TYPE_CHECKING:
    from gcworkflow.audit import Progress
    from gcworkflow.audit.queries import Filters, Page, QueryResult, Reader, StageReport

app = typer.Typer(
    help=(
        "감사 기록: 조회(이력·처리·위원회 의결·거부·통보 지연·시점 상태·단계별 소요 기간), 검증, "
        "체크포인트, 절차 기록물 내보내기. 조회는 `gcw --as 사용자이름 audit …`로 (감사·결재권자는 모든 "
        "절차, 담당 주무관은 맡거나 처리한 절차). 모든 조회는 조회 기록(audit_reads)에 남습니다."
    ),
    no_args_is_help=True,
)
report_app = typer.Typer(
    help="감사 보고서: stages (단계별 소요 기간·중앙값, SLA 보고서).", no_args_is_help=True
)
app.add_typer(report_app, name="report")

# --- the options every query shares -----------------------------------------------------------------------

_WHERE, _OUT = "조건", "출력·쪽"
ProcedureOpt = Annotated[
    int | None, typer.Option("--procedure", metavar="ID", help="이 절차만", rich_help_panel=_WHERE)
]
ClusterOpt = Annotated[
    str | None,
    typer.Option("--cluster", metavar="NAME|ID", help="이 클러스터의 절차만", rich_help_panel=_WHERE),
]
KindOpt = Annotated[
    str | None,
    typer.Option("--kind", metavar="KIND", help="절차 종류 (예: designation)", rich_help_panel=_WHERE),
]
ActorOpt = Annotated[
    str | None, typer.Option("--actor", metavar="USER", help="이 사람의 처리만", rich_help_panel=_WHERE)
]
RoleOpt = Annotated[
    str | None,
    typer.Option(
        "--role", metavar="ROLE", help="이 역할로 한 처리만 (clerk, approver, …)", rich_help_panel=_WHERE
    ),
]
TriggerOpt = Annotated[
    str | None,
    typer.Option("--trigger", metavar="TRIGGER", help="이 처리만 (예: approve)", rich_help_panel=_WHERE),
]
StateOpt = Annotated[
    str | None,
    typer.Option("--state", metavar="STATE", help="이 단계에서의(로의) 처리만", rich_help_panel=_WHERE),
]
ArticleOpt = Annotated[
    str | None,
    typer.Option(
        "--article",
        metavar="TEXT",
        help="이 조문에 근거한 것만 (예: 제9조제1항, '법 제10조', '영 제6조', 제9조①)",
        rich_help_panel=_WHERE,
    ),
]
SinceOpt = Annotated[
    str | None, typer.Option("--from", metavar="YYYY-MM-DD", help="이날부터 (KST)", rich_help_panel=_WHERE)
]
UntilOpt = Annotated[
    str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="이날까지 (KST)", rich_help_panel=_WHERE)
]
YearOpt = Annotated[
    int | None, typer.Option("--year", metavar="YYYY", help="이해 (KST)", rich_help_panel=_WHERE)
]
MonthOpt = Annotated[
    str | None, typer.Option("--month", metavar="YYYY-MM", help="이달 (KST)", rich_help_panel=_WHERE)
]
FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        metavar="table|json|csv",
        help="출력 형식 (csv는 UTF-8 BOM: 엑셀에서 한글이 바로 보임)",
        rich_help_panel=_OUT,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="json·csv를 이 파일로 (확장자로 형식 추정)",
        rich_help_panel=_OUT,
    ),
]
LimitOpt = Annotated[int, typer.Option("--limit", metavar="N", help="한 쪽의 행 수", rich_help_panel=_OUT)]
OffsetOpt = Annotated[
    int | None, typer.Option("--offset", metavar="N", help="앞에서 건너뛸 행 수", rich_help_panel=_OUT)
]
PageOpt = Annotated[
    int | None,
    typer.Option("--page", metavar="N", help="쪽 번호 (1부터, --limit 행씩)", rich_help_panel=_OUT),
]
AllOpt = Annotated[bool, typer.Option("--all", help="모든 행 (쪽 나눔 없이)", rich_help_panel=_OUT)]


def _outcome_option(help_text: str) -> Any:
    return typer.Option("--outcome", metavar="OUTCOME", help=help_text, rich_help_panel=_WHERE)


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} 날짜 형식이 올바르지 않습니다: {text!r} (예: 2026-03-31)") from None


def _period(
    since: str | None, until: str | None, year: int | None, month: str | None
) -> tuple[date | None, date | None]:
    if sum(x is not None for x in (year, month)) + (since is not None or until is not None) > 1:
        raise InvalidInput("기간은 --from/--to, --year, --month 중 하나로만 지정하십시오")
    if year is not None:
        return date(year, 1, 1), date(year, 12, 31)
    if month is not None:
        found = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not found or not 1 <= int(found[2]) <= 12:
            raise InvalidInput(f"--month 형식이 올바르지 않습니다: {month!r} (예: 2026-03)")
        first = date(int(found[1]), int(found[2]), 1)
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return first, date.fromordinal(following.toordinal() - 1)
    return _day(since, "--from"), _day(until, "--to")


def _filters(
    rt: Runtime,
    *,
    procedure: int | None = None,
    cluster: str | None = None,
    kind: str | None = None,
    actor: str | None = None,
    role: str | None = None,
    trigger: str | None = None,
    state: str | None = None,
    outcome: str | None = None,
    article: str | None = None,
    since: str | None = None,
    until: str | None = None,
    year: int | None = None,
    month: str | None = None,
) -> Filters:
    from gcworkflow.audit.queries import Filters

    cluster_id = None
    if cluster is not None:
        from gcworkflow.clusters import find_cluster

        cluster_id = find_cluster(rt.ctx, cluster).id
    first, last = _period(since, until, year, month)
    return Filters(
        procedure_id=procedure,
        cluster_id=cluster_id,
        kind=kind,
        actor=actor,
        role=role,
        trigger=trigger,
        state=state,
        outcome=outcome,
        article=article,
        since=first,
        until=last,
    )


def _page(limit: int, offset: int | None, page: int | None, every: bool) -> Page:
    from gcworkflow.audit.queries import Page

    if offset is not None and page is not None:
        raise InvalidInput("--offset과 --page 중 하나만 지정하십시오")
    if page is not None and page < 1:
        raise InvalidInput("--page는 1부터입니다")
    if every:
        return Page(None, offset or 0)
    return Page(limit, offset if offset is not None else ((page or 1) - 1) * limit)


def _reader(rt: Runtime) -> Reader:
    from gcworkflow.audit.queries import Reader

    return Reader(rt.username, interface="cli", os_user=os_user())


# --- output: a table for people, JSON or CSV for machines and spreadsheets ------------------------------------


def _format(fmt: str, json_output: bool, output: Path | None) -> str:
    if json_output:
        return "json"
    if fmt not in ("table", "json", "csv"):
        raise InvalidInput(f"--format은 table, json, csv 중 하나입니다 (받은 값: {fmt})")
    if fmt == "table" and output is not None:
        suffix = output.suffix.lower().lstrip(".")
        if suffix not in ("json", "csv"):
            raise InvalidInput(
                "표는 화면에만 보입니다: 파일로 쓰려면 --format csv 또는 --format json을 지정하십시오"
            )
        return suffix
    return fmt


def _table_cell(value: Any) -> str:
    if value == [] or value == {}:
        return "-"
    if isinstance(value, list) and all(isinstance(v, dict) and "sha256" in v for v in value):
        return ", ".join(f"{v.get('kind')} {v['sha256'][:12]}…" for v in value)  # a history's documents
    if isinstance(value, (list, dict)):
        from gcworkflow.cli._output import compact

        return compact(value)
    return cell(value)


def _render(result: QueryResult) -> None:
    columns = [c for c in result.columns if c.in_table]
    typer.echo(result.title)
    if not result.rows:
        typer.echo("해당하는 기록이 없습니다.")
    else:
        typer.echo(
            table(
                [c.label for c in columns],
                [[_table_cell(r.get(c.key)) for c in columns] for r in result.rows],
            )
        )
    typer.echo(_footer(result))


def _footer(result: QueryResult) -> str:
    first, shown = result.page.offset + 1, len(result.rows)
    text = f"전체 {result.total:,}건"
    if shown and (shown < result.total or result.page.offset):
        text += f" 중 {first:,}–{first + shown - 1:,}"
    limit = result.page.limit
    if limit is not None and result.page.offset + shown < result.total:
        text += f" · 다음 쪽: --page {result.page.offset // limit + 2} (또는 --all)"
    return text


def _write(output: Path | None, text: str, what: str) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    from gcworkflow.local_files import write_file

    write_file(output, text.encode("utf-8"), "저장할 파일")
    typer.echo(f"{what}을 썼습니다: {output}", err=True)  # every caller's `what` ends in 받침 (…행, JSON)


def _emit(
    fmt: str, output: Path | None, result: QueryResult, render: Callable[[], None] | None = None
) -> None:
    from gcworkflow.audit.queries import csv_text

    if fmt == "json":
        _write(output, dumps(result.as_dict()) + "\n", f"JSON {len(result.rows):,}행")
    elif fmt == "csv":
        _write(output, csv_text(result), f"CSV {len(result.rows):,}행")
    else:
        (render or (lambda: _render(result)))()


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A progress bar on the terminal's stderr for long runs; nothing in a pipe or a file."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(phase: str, done: int, total: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(f"검증·내보내기: {phase}", total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


# --- the queries ------------------------------------------------------------------------------------------


@app.command("history")
def history(
    cli: typer.Context,
    procedure_id: Annotated[int, typer.Argument(metavar="ID", help="절차 번호")],
    actor: ActorOpt = None,
    role: RoleOpt = None,
    trigger: TriggerOpt = None,
    state: StateOpt = None,
    outcome: Annotated[
        str | None, _outcome_option("transition, record, proposal, committee_decision 또는 의결 (부결 등)")
    ] = None,
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
    with command(cli, json_output) as rt:
        from gcworkflow.audit import queries as audit_queries

        shape = _format(fmt, json_output, output)
        filters = _filters(
            rt,
            actor=actor,
            role=role,
            trigger=trigger,
            state=state,
            outcome=outcome,
            article=article,
            since=since,
            until=until,
            year=year,
            month=month,
        )
        result = audit_queries.history(
            rt.ctx, _reader(rt), procedure_id, filters, _page(limit, offset, page, every)
        )
        _emit(shape, output, result)


def _query_command(name: str, function: str, summary: str, outcomes: str) -> Callable[..., None]:
    """A query over many procedures: the same narrowing, paging and output for each."""

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
        with command(cli, json_output) as rt:
            from gcworkflow.audit import queries as audit_queries

            shape = _format(fmt, json_output, output)
            filters = _filters(
                rt,
                procedure=procedure,
                cluster=cluster,
                kind=kind,
                actor=actor,
                role=role,
                trigger=trigger,
                state=state,
                outcome=outcome,
                article=article,
                since=since,
                until=until,
                year=year,
                month=month,
            )
            query = getattr(audit_queries, function)
            result = query(rt.ctx, _reader(rt), filters, _page(limit, offset, page, every))
            _emit(shape, output, result)

    run.__doc__ = summary
    # The module's annotations are strings resolved in its globals; this one needs the factory's argument.
    run.__annotations__["outcome"] = Annotated[str | None, _outcome_option(outcomes)]
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
    "guard_failed(요건 미충족), forbidden(권한 없음), conflict(충돌), invalid_input(입력 오류), not_found",
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
    outcome: Annotated[str | None, _outcome_option("open(진행 중), closed(종료)")] = None,
    article: ArticleOpt = None,
    since: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="이날부터 개시된 절차만", rich_help_panel=_WHERE),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM-DD", help="이날까지 개시된 절차만", rich_help_panel=_WHERE),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    limit: LimitOpt = 50,
    offset: OffsetOpt = None,
    page: PageOpt = None,
    every: AllOpt = False,
    json_output: JsonOption = False,
) -> None:
    """그날(KST) 끝 시점의 모든 절차 상태를, 현재 행이 아니라 그때까지의 사건을 재생해서 보여 줍니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.audit import queries as audit_queries

        shape = _format(fmt, json_output, output)
        when = _day(day, "기준일")
        assert when is not None
        filters = _filters(
            rt,
            procedure=procedure,
            cluster=cluster,
            kind=kind,
            actor=actor,
            role=role,
            trigger=trigger,
            state=state,
            outcome=outcome,
            article=article,
            since=since,
            until=until,
        )
        result = audit_queries.as_of(rt.ctx, _reader(rt), when, filters, _page(limit, offset, page, every))
        _emit(shape, output, result)


@report_app.command("stages")
def report_stages(
    cli: typer.Context,
    procedure: ProcedureOpt = None,
    cluster: ClusterOpt = None,
    kind: KindOpt = None,
    actor: ActorOpt = None,
    role: RoleOpt = None,
    trigger: TriggerOpt = None,
    state: Annotated[
        str | None, typer.Option("--state", metavar="STATE", help="이 단계만", rich_help_panel=_WHERE)
    ] = None,
    outcome: Annotated[str | None, _outcome_option("open(진행 중), closed(종료)")] = None,
    article: ArticleOpt = None,
    since: Annotated[
        str | None,
        typer.Option("--from", metavar="YYYY-MM-DD", help="이날부터 개시된 절차만", rich_help_panel=_WHERE),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--to", metavar="YYYY-MM-DD", help="이날까지 개시된 절차만", rich_help_panel=_WHERE),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option("--year", metavar="YYYY", help="이해에 개시된 절차만", rich_help_panel=_WHERE),
    ] = None,
    summary: Annotated[
        bool, typer.Option("--summary", help="단계별 중앙값만 (csv·json도)", rich_help_panel=_OUT)
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
    with command(cli, json_output) as rt:
        from gcworkflow.audit import queries as audit_queries

        shape = _format(fmt, json_output, output)
        filters = _filters(
            rt,
            procedure=procedure,
            cluster=cluster,
            kind=kind,
            actor=actor,
            role=role,
            trigger=trigger,
            state=state,
            outcome=outcome,
            article=article,
            since=since,
            until=until,
            year=year,
        )
        report = audit_queries.stage_report(rt.ctx, _reader(rt), filters, _page(limit, offset, page, every))
        if shape == "json" and not summary:
            _write(output, dumps(report.as_dict()) + "\n", "JSON")
            return
        chosen = report.summary if summary else report.procedures
        _emit(shape, output, chosen, None if summary else (lambda: _render_stages(report)))


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
    typer.echo(_footer(procedures))


@app.command("reads")
def reads(
    cli: typer.Context,
    actor: Annotated[
        str | None, typer.Option("--actor", metavar="USER", help="이 사람의 조회만", rich_help_panel=_WHERE)
    ] = None,
    role: RoleOpt = None,
    outcome: Annotated[str | None, _outcome_option("ok, forbidden, invalid_input, not_found …")] = None,
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
    with command(cli, json_output) as rt:
        from gcworkflow.audit import queries as audit_queries

        shape = _format(fmt, json_output, output)
        filters = _filters(
            rt, actor=actor, role=role, outcome=outcome, since=since, until=until, year=year, month=month
        )
        result = audit_queries.reads(rt.ctx, _reader(rt), filters, _page(limit, offset, page, every))
        _emit(shape, output, result)


# --- verification, checkpoints, the records archive --------------------------------------------------------------


def _line(text: str | None) -> Any:
    if text is None:
        return None
    from gcworkflow.audit import CheckpointLine

    try:
        return CheckpointLine.parse(text)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None


def _summary_result(name: str, title: str, pairs: list[tuple[str, str, Any]]) -> QueryResult:
    """A one-row result (verify, checkpoint, export) so that --format csv works for them too."""
    from gcworkflow.audit.queries import Column, Page, QueryResult

    return QueryResult(
        name,
        title,
        tuple(Column(key, label) for key, label, _ in pairs),
        [{key: value for key, _, value in pairs}],
        1,
        Page(None),
        {},
    )


@app.command("verify")
def verify(
    cli: typer.Context,
    since: Annotated[
        bool, typer.Option("--since", help="마지막 체크포인트(또는 --against-line의 체크포인트) 이후만 검증")
    ] = False,
    against_line: Annotated[
        str | None,
        typer.Option(
            "--against-line",
            metavar="LINE",
            help="외부에 보관한 체크포인트 줄('gcw-checkpoint …')과 데이터베이스(또는 --archive)를 대조",
        ),
    ] = None,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive", metavar="FILE", help="데이터베이스 없이 절차 기록물(gcw audit export)을 검증"
        ),
    ] = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    json_output: JsonOption = False,
) -> None:
    """해시 체인, 각 처리가 쓴 기록, 체크포인트, 보관 문서의 해시를 검증하고 항목마다 한 줄로 알립니다.

    이상이 있으면 첫 문제(변조·삭제된 첫 사건 또는 문서)를 밝히고 1로 끝납니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import audit
        from gcworkflow.audit import archive as audit_archive
        from gcworkflow.audit.queries import record_read

        shape = _format(fmt, json_output, output)
        line = _line(against_line)
        with _progress_bar() as progress:
            if archive is not None:
                if since:
                    raise InvalidInput(
                        "--archive에는 --since를 쓸 수 없습니다 (기록물은 늘 처음부터 검증합니다)"
                    )
                report = audit_archive.verify_archive(archive, line, progress)
            else:
                rt.require_reader()
                report = audit.verify_database(
                    rt.ctx.db, rt.ctx.store, since=since, against=line, progress=progress
                )
                parameters = {"since": since, "against": str(line) if line else None}
                record_read(
                    rt.ctx,
                    _reader(rt),
                    (),
                    "verify",
                    parameters,
                    report.events,
                    "ok" if report.ok else "failed",
                )
        lines = report.lines()
        if archive is not None:
            lines[0] = f"기록물 {archive}: " + lines[0]
        if line is not None:
            lines.append(
                f"외부 체크포인트 줄 {line.id}번: "
                + ("일치" if not report.section("checkpoints") else "불일치 — 위 체크포인트 문제 참고")
            )

        def render() -> None:
            for text in lines:
                typer.echo(text)
            if report.ok:
                typer.echo("결과: 이상 없음")
                return
            typer.echo(f"결과: 이상 {len(report.problems)}건")
            typer.echo(f"  첫 문제: {report.first_problem}")
            for problem in report.problems[1:20]:
                typer.echo(f"  - {problem}")
            if len(report.problems) > 20:
                typer.echo(f"  … 외 {len(report.problems) - 20}건 (--json으로 전부)")

        if shape == "json":
            _write(output, dumps({**report.as_dict(), "lines": lines}) + "\n", "JSON")
        else:
            first = report.first_problem
            _emit(
                shape,
                output,
                _summary_result(
                    "verify",
                    "감사 기록 검증",
                    [
                        ("ok", "이상 없음", report.ok),
                        ("chains", "체인", report.chains),
                        ("events", "사건", report.events),
                        ("records", "기록", report.records),
                        ("checkpoints", "체크포인트", report.checkpoints),
                        ("documents", "문서", report.documents),
                        ("problems", "문제 수", len(report.problems)),
                        ("first_problem", "첫 문제", str(first) if first else None),
                    ],
                ),
                render,
            )
        if not report.ok:
            raise typer.Exit(EXIT_FAILED)


@app.command("checkpoint")
def checkpoint(
    cli: typer.Context,
    line_only: Annotated[
        bool, typer.Option("--line", help="체크포인트 줄만 출력 (설명 없이; 인쇄·전자우편·게시용)")
    ] = False,
    latest: Annotated[
        bool, typer.Option("--latest", help="새로 쓰지 않고 마지막 체크포인트(매일 자동 기록 포함)를 출력")
    ] = False,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    json_output: JsonOption = False,
) -> None:
    """모든 체인의 머리를 해시한 체크포인트를 기록하고 그 한 줄을 출력합니다.

    이 줄을 데이터베이스 밖에 보관(인쇄·게시)하면, 나중에 `gcw audit verify --against-line "그 줄"`로 그 전의
    기록이 바뀌지 않았음(최근 사건 삭제 포함)을 증명할 수 있습니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import audit
        from gcworkflow.canonical import format_instant, loads
        from gcworkflow.cli._output import kst
        from gcworkflow.errors import NotFound

        shape = _format(fmt, json_output, output)
        rt.require_reader()
        with rt.ctx.db.read() if latest else rt.ctx.db.write() as session:
            row = (
                audit.latest_checkpoint(session)
                if latest
                else audit.checkpoint(session, rt.username, rt.ctx.clock.now())
            )
            if row is None:
                raise NotFound("체크포인트가 아직 없습니다: `gcw audit checkpoint`로 기록하십시오")
            data = {
                "id": row.id,
                "created_at": format_instant(row.created_at),
                "created_by": row.created_by,
                "chains": len(loads(row.heads)),
                "digest": row.digest,
                "line": audit.checkpoint_line(row),
            }
        line = data["line"]
        if shape == "table":
            # The line alone on stdout (`LINE=$(gcw audit checkpoint)`), what it is on stderr unless --line.
            if not line_only:
                what = "마지막 체크포인트" if latest else "체크포인트를 기록했습니다"
                typer.echo(
                    f"{what}: {data['id']}번 ({kst(data['created_at'])} KST, {data['created_by']}, "
                    f"체인 {data['chains']:,}개). "
                    "아래 줄을 데이터베이스 밖에 보관하십시오 (인쇄·게시·전자우편):",
                    err=True,
                )
            typer.echo(line)
        elif shape == "json":
            _write(output, dumps(data) + "\n", "JSON")
        else:
            labels = {
                "id": "번호",
                "created_at": "시각(UTC)",
                "created_by": "기록자",
                "chains": "체인",
                "digest": "SHA-256",
                "line": "체크포인트 줄",
            }
            pairs = [(key, labels.get(key, key), value) for key, value in data.items()]
            _emit(shape, output, _summary_result("checkpoint", "체크포인트", pairs))


@app.command("export")
def export(
    cli: typer.Context,
    procedure_id: Annotated[int, typer.Option("--procedure", metavar="ID", help="내보낼 절차")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="기록물 파일 (기본: gcw-procedure-<ID>-<날짜>.zip)"
        ),
    ] = None,
    fmt: FormatOpt = "table",
    json_output: JsonOption = False,
) -> None:
    """한 절차의 기록물(ZIP)을 만듭니다: 사건(해시된 원문 그대로)과 해시, 문서, 그 절차를 덮는 체크포인트 줄,
    사람이 읽는 이력(CSV). `gcw audit verify --archive FILE`로 데이터베이스 없이 검증됩니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.audit import archive as audit_archive

        shape = _format(fmt, json_output, None)
        target = output or Path(f"gcw-procedure-{procedure_id}-{rt.ctx.clock.today():%Y%m%d}.zip")
        with _progress_bar() as progress:
            summary = audit_archive.export_procedure(rt.ctx, _reader(rt), procedure_id, target, progress)

        def render() -> None:
            typer.echo(
                f"{summary.procedure_id}번 절차 기록물을 만들었습니다: {summary.path} ({summary.size:,} B)"
            )
            typer.echo(
                f"  사건 {summary.events:,}건 (머리 #{summary.head_seq} {summary.head_hash[:16]}…), 문서 {summary.documents}건"
            )
            typer.echo(f"  체크포인트: {summary.checkpoint_line}")
            typer.echo(f"  검증: gcw audit verify --archive {summary.path}")

        if shape == "json":
            typer.echo(dumps(summary.as_dict()))
        else:
            pairs = [(k, k, v) for k, v in summary.as_dict().items()]
            _emit(shape, None, _summary_result("export", "절차 기록물", pairs), render)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit", rich_help_panel="감사·도구")
