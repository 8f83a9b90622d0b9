"""`gcw backup` and `gcw restore`: the whole installation into one archive and back, into either database.

Both are the operator's (the CLI without --as), like `gcw init` and `gcw db upgrade`: whoever runs them holds the
database credentials. A backup reads every table, password and token hashes included, so a named user may not
take one; a restore writes a whole database that has no users yet, so no user can be named. `--as` is refused
for both (exit 5), and a refused backup is recorded among the reads like any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gcworkflow.cli._runtime import EXIT_FAILED, JsonOption, command
from gcworkflow.cli.audit.trail import _progress_bar
from gcworkflow.errors import InvalidInput

PANEL = "준비"


def backup(
    cli: typer.Context,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="백업 파일 (기본: gcw-backup-<날짜>.zip; 폴더가 없으면 만듭니다)",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """운영 중에 설치 전체를 한 파일(ZIP)로 백업합니다: 한 시점의 모든 테이블, 문서 저장소의 파일, 그 시점의
    체크포인트 줄. 다 쓴 뒤 파일을 다시 읽어 테이블마다 행 수·SHA-256, 문서마다 SHA-256을 확인하고 나서야
    성공을 알립니다. `gcw restore FILE`로 빈 데이터베이스(SQLite 또는 PostgreSQL)에 복원합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.backup import backup as take_backup

        target = output or Path(f"gcw-backup-{rt.ctx.clock.today():%Y%m%d}.zip")
        with _progress_bar("백업") as progress:
            summary = take_backup(rt.ctx, rt.as_reader(), target, progress)

        def render() -> None:
            typer.echo(f"백업을 만들고 다시 읽어 확인했습니다: {summary.path} ({summary.size:,} B)")
            typer.echo(
                f"  데이터베이스({summary.dialect}, 스키마 {summary.revision} 판): 테이블 {summary.tables}개, "
                f"행 {summary.rows:,}개 ({summary.table_bytes:,} B), 감사 사건 {summary.events:,}건"
            )
            typer.echo(f"  문서 {summary.documents:,}건 ({summary.document_bytes:,} B)")
            typer.echo(f"  백업 시점의 체크포인트: {summary.checkpoint_line}")
            typer.echo(f"  복원: 빈 데이터베이스를 GCW_DATABASE_URL로 지정하고 gcw restore {summary.path}")

        rt.emit(summary.as_dict(), render)


def restore(
    cli: typer.Context,
    archive: Annotated[Path, typer.Argument(metavar="FILE", help="gcw backup으로 만든 백업 파일")],
    against_line: Annotated[
        str | None,
        typer.Option(
            "--against-line",
            metavar="LINE",
            help="백업 때 외부에 보관한 체크포인트 줄('gcw-checkpoint …'; 기본: 백업 파일 안의 줄)과 대조",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """백업 파일을 빈 데이터베이스(GCW_DATABASE_URL; SQLite 또는 PostgreSQL)에 복원하고 감사 기록을 검증합니다.

    파일 전체(테이블마다 행 수·SHA-256, 문서마다 SHA-256)를 먼저 확인하고, 잘못된 항목이 있으면 그 이름을 밝히고
    아무것도 쓰지 않습니다. 기록이 있는 데이터베이스에는 복원하지 않습니다 (스키마만 만든 빈 데이터베이스는 됩니다). 복원 뒤 `gcw audit verify
    --against-line`과 같이 백업 시점의 체크포인트 줄과 대조해 검증하고, 이상이 있으면 1로 끝납니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.audit import CheckpointLine
        from gcworkflow.backup import restore as load

        line = None
        if against_line is not None:
            try:
                line = CheckpointLine.parse(against_line)
            except ValueError as exc:
                raise InvalidInput(str(exc)) from None
        with _progress_bar("복원") as progress:
            summary = load(rt.ctx, rt.as_reader(), archive, line, progress)
        report = summary.report

        def render() -> None:
            typer.echo(f"복원했습니다: {summary.path} → {summary.database}")
            typer.echo(
                f"  {summary.origin_dialect}에서 만든 백업, 스키마 {summary.revision} 판"
                + ("" if summary.revision == summary.head else f" (최신 {summary.head} 판으로 올림)")
                + f": 테이블 {summary.tables}개, 행 {summary.rows:,}개, 감사 사건 {summary.events:,}건, "
                f"문서 {summary.documents:,}건"
            )
            for text in report.lines():
                typer.echo(f"  {text}")
            typer.echo(
                f"  체크포인트 줄 {summary.checkpoint_line.split()[1]}번과 대조: "
                + ("일치" if not report.section("checkpoints") else "불일치")
            )
            if report.ok:
                typer.echo("결과: 이상 없음")
                return
            typer.echo(f"결과: 이상 {len(report.problems)}건 — 첫 문제: {report.first_problem}")
            for problem in report.problems[1:20]:
                typer.echo(f"  - {problem}")

        data: dict[str, Any] = summary.as_dict()
        rt.emit(data, render)
        if not report.ok:
            raise typer.Exit(EXIT_FAILED)


def register(root: typer.Typer) -> None:
    root.command("backup", rich_help_panel=PANEL)(backup)
    root.command("restore", rich_help_panel=PANEL)(restore)
