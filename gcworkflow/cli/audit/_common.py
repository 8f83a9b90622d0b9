"""What every `gcw audit` command shares: the Typer apps, the narrowing and output options (declared once, as
``Annotated`` aliases), turning their values into ``Filters`` and a ``Page``, and printing a result as a table,
JSON or CSV."""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._input import record_id
from gcworkflow.cli._output import cell, dumps, table
from gcworkflow.cli._runtime import Runtime, command
from gcworkflow.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from gcworkflow.audit.queries import Filters, Page, QueryResult

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

# --- the options the queries share, each declared once ----------------------------------------------------

WHERE, OUT = "조건", "출력·쪽"


def _where(
    kind: Any, name: str, metavar: str, help_text: str, parser: Callable[[str], Any] | None = None
) -> Any:
    return Annotated[
        kind, typer.Option(name, metavar=metavar, help=help_text, parser=parser, rich_help_panel=WHERE)
    ]


def outcome_opt(help_text: str) -> Any:
    """``--outcome``: each query has its own outcomes, so its own help."""
    return _where(str | None, "--outcome", "OUTCOME", help_text)


ProcedureOpt = _where(int | None, "--procedure", "ID", "이 절차만", record_id)
ClusterOpt = _where(str | None, "--cluster", "NAME|ID", "이 클러스터의 절차만")
KindOpt = _where(str | None, "--kind", "KIND", "절차 종류 (예: designation)")
ActorOpt = _where(str | None, "--actor", "USER", "이 사람의 처리만")
ReaderOpt = _where(str | None, "--actor", "USER", "이 사람의 조회만")
RoleOpt = _where(str | None, "--role", "ROLE", "이 역할로 한 처리만 (clerk, approver, …)")
TriggerOpt = _where(str | None, "--trigger", "TRIGGER", "이 처리만 (예: approve)")
StateOpt = _where(str | None, "--state", "STATE", "이 단계에서의(로의) 처리만")
StageOpt = _where(str | None, "--state", "STATE", "이 단계만")
ArticleOpt = _where(
    str | None, "--article", "TEXT", "이 조문에 근거한 것만 (예: 제9조제1항, '법 제10조', '영 제6조', 제9조①)"
)
SinceOpt = _where(str | None, "--from", "YYYY-MM-DD", "이날부터 (KST)")
UntilOpt = _where(str | None, "--to", "YYYY-MM-DD", "이날까지 (KST)")
YearOpt = _where(int | None, "--year", "YYYY", "이해 (KST)")
MonthOpt = _where(str | None, "--month", "YYYY-MM", "이달 (KST)")
# The queries over procedures (as-of, report stages) take the period as when a procedure was opened.
OpenedSinceOpt = _where(str | None, "--from", "YYYY-MM-DD", "이날부터 개시된 절차만")
OpenedUntilOpt = _where(str | None, "--to", "YYYY-MM-DD", "이날까지 개시된 절차만")
OpenedYearOpt = _where(int | None, "--year", "YYYY", "이해에 개시된 절차만")

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        metavar="table|json|csv",
        help="출력 형식 (csv는 UTF-8 BOM: 엑셀에서 한글이 바로 보임)",
        rich_help_panel=OUT,
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="json·csv를 이 파일로 (확장자로 형식 추정)",
        rich_help_panel=OUT,
    ),
]
LimitOpt = Annotated[int, typer.Option("--limit", metavar="N", help="한 쪽의 행 수", rich_help_panel=OUT)]
OffsetOpt = Annotated[
    int | None, typer.Option("--offset", metavar="N", help="앞에서 건너뛸 행 수", rich_help_panel=OUT)
]
PageOpt = Annotated[
    int | None,
    typer.Option("--page", metavar="N", help="쪽 번호 (1부터, --limit 행씩)", rich_help_panel=OUT),
]
AllOpt = Annotated[bool, typer.Option("--all", help="모든 행 (쪽 나눔 없이)", rich_help_panel=OUT)]


# --- from the options' values to a query's Filters and Page ------------------------------------------------


def parse_day(text: str | None, what: str) -> date | None:
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
        if not MINYEAR <= year <= MAXYEAR:
            raise InvalidInput(f"--year는 {MINYEAR}부터 {MAXYEAR}까지의 연도여야 합니다: {year} (예: 2026)")
        return date(year, 1, 1), date(year, 12, 31)
    if month is not None:
        found = re.fullmatch(r"(\d{4})-(\d{2})", month)
        if not found or int(found[1]) < MINYEAR or not 1 <= int(found[2]) <= 12:
            raise InvalidInput(f"--month 형식이 올바르지 않습니다: {month!r} (예: 2026-03)")
        first = date(int(found[1]), int(found[2]), 1)
        return first, first.replace(day=monthrange(first.year, first.month)[1])
    return parse_day(since, "--from"), parse_day(until, "--to")


def build_filters(
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
    """The narrowing options' values, by their parameter names, as the query's ``Filters``."""
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


def output_shape(fmt: str, json_output: bool, output: Path | None) -> str:
    """table, json or csv, from --format, --json and the suffix of -o FILE."""
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


@dataclass(frozen=True)
class Listing:
    """The output and paging options every query takes: --format, -o, --json, --limit, --offset or --page, --all."""

    fmt: str
    output: Path | None
    json_output: bool
    limit: int
    offset: int | None
    page: int | None
    every: bool

    def shape(self) -> str:
        return output_shape(self.fmt, self.json_output, self.output)

    def paging(self) -> Page:
        from gcworkflow.audit.queries import Page

        if self.offset is not None and self.page is not None:
            raise InvalidInput("--offset과 --page 중 하나만 지정하십시오")
        if self.page is not None and self.page < 1:
            raise InvalidInput("--page는 1부터입니다")
        if self.every:
            return Page(None, self.offset or 0)
        offset = self.offset if self.offset is not None else ((self.page or 1) - 1) * self.limit
        return Page(self.limit, offset)


def fetch(rt: Runtime, listing: Listing, query: str, *args: Any, **where: Any) -> Any:
    """Run ``gcworkflow.audit.queries.<query>(ctx, reader, *args, filters, page)``, which records the read."""
    from gcworkflow.audit import queries as audit_queries

    filters = build_filters(rt, **where)
    return getattr(audit_queries, query)(rt.ctx, rt.as_reader(), *args, filters, listing.paging())


def run_query(cli: typer.Context, listing: Listing, query: str, *args: Any, **where: Any) -> None:
    """The body of a plain query command: check the format, fetch one page, print or write it."""
    with command(cli, listing.json_output) as rt:
        shape = listing.shape()
        emit(shape, listing.output, fetch(rt, listing, query, *args, **where))


# --- output: a table for people, JSON or CSV for machines and spreadsheets ------------------------------------


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
    typer.echo(footer(result))


def footer(result: QueryResult) -> str:
    first, shown = result.page.offset + 1, len(result.rows)
    text = f"전체 {result.total:,}건"
    if shown and (shown < result.total or result.page.offset):
        text += f" 중 {first:,}–{first + shown - 1:,}"
    limit = result.page.limit
    if limit is not None and result.page.offset + shown < result.total:
        text += f" · 다음 쪽: --page {result.page.offset // limit + 2} (또는 --all)"
    return text


def write(output: Path | None, text: str, what: str) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    from gcworkflow.local_files import write_file

    write_file(output, text.encode("utf-8"), "저장할 파일")
    typer.echo(f"{what}을 썼습니다: {output}", err=True)  # every caller's `what` ends in 받침 (…행, JSON)


def emit(
    fmt: str, output: Path | None, result: QueryResult, render: Callable[[], None] | None = None
) -> None:
    from gcworkflow.audit.queries import csv_text

    if fmt == "json":
        write(output, dumps(result.as_dict()) + "\n", f"JSON {len(result.rows):,}행")
    elif fmt == "csv":
        write(output, csv_text(result), f"CSV {len(result.rows):,}행")
    else:
        (render or (lambda: _render(result)))()
