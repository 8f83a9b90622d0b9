"""`gcw audit verify`, `checkpoint` and `export`: the operator (no --as) may run them; they read or seal the
whole trail, or write one procedure's records archive."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._input import record_id
from gcworkflow.cli._output import dumps
from gcworkflow.cli._runtime import EXIT_FAILED, JsonOption, command
from gcworkflow.cli.audit._common import FormatOpt, OutputOpt, app, emit, output_shape, write
from gcworkflow.errors import InvalidInput

if TYPE_CHECKING:
    from gcworkflow.audit import Progress
    from gcworkflow.audit.queries import QueryResult


@contextmanager
def _progress_bar(what: str = "검증·내보내기") -> Iterator[Progress | None]:
    """A progress bar on the terminal's stderr for long runs; nothing in a pipe or a file. (`gcw backup` and
    `gcw restore` use it too, with their own ``what``.)"""
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
                tasks[phase] = bar.add_task(f"{what}: {phase}", total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield update


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
    """해시 체인, 각 처리가 쓴 기록, 현재 상태(절차·상신·기한·사용자·권한·토큰·연락처·공휴일 조정 행이 사건이
    남긴 값과 같은지), 체크포인트, 보관 문서의 해시(와 어떤 사건도 참조하지 않는 파일)를 검증하고 항목마다 한
    줄로 알립니다.

    이상이 있으면 첫 문제(변조·삭제된 첫 사건, 행과 열, 또는 문서)를 밝히고 1로 끝납니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import audit
        from gcworkflow.audit import archive as audit_archive
        from gcworkflow.audit.queries import record_read

        shape = output_shape(fmt, json_output, output)
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
                    rt.as_reader(),
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
            write(output, dumps({**report.as_dict(), "lines": lines}) + "\n", "JSON")
        else:
            first = report.first_problem
            emit(
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
                        ("rows", "현재 상태 행", report.rows),
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

        shape = output_shape(fmt, json_output, output)
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
            write(output, dumps(data) + "\n", "JSON")
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
            emit(shape, output, _summary_result("checkpoint", "체크포인트", pairs))


@app.command("export")
def export(
    cli: typer.Context,
    procedure_id: Annotated[
        int, typer.Option("--procedure", metavar="ID", help="내보낼 절차", parser=record_id)
    ],
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

        shape = output_shape(fmt, json_output, None)
        target = output or Path(f"gcw-procedure-{procedure_id}-{rt.ctx.clock.today():%Y%m%d}.zip")
        with _progress_bar() as progress:
            summary = audit_archive.export_procedure(rt.ctx, rt.as_reader(), procedure_id, target, progress)

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
            emit(shape, None, _summary_result("export", "절차 기록물", pairs), render)
