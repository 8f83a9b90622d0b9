"""`gcw audit …`: verifying the hash chains and writing checkpoints to keep outside the database."""

from __future__ import annotations

import typer

from gcworkflow.cli._runtime import EXIT_FAILED, JsonOption, command

app = typer.Typer(help="감사 기록 검증과 체크포인트.", no_args_is_help=True)


@app.command("verify")
def verify(cli: typer.Context, json_output: JsonOption = False) -> None:
    """모든 해시 체인·기록·체크포인트와 보관 문서의 해시를 검증합니다. 이상이 있으면 첫 문제를 밝히고 1로 끝납니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import audit

        rt.require_reader()
        with rt.ctx.db.read() as session:
            report = audit.verify(session, rt.ctx.store)
        data = {
            "ok": report.ok,
            "chains": report.chains,
            "events": report.events,
            "checkpoints": report.checkpoints,
            "documents": report.documents,
            "problems": [
                {"chain": p.chain, "seq": p.seq, "event_id": p.event_id, "message": p.message}
                for p in report.problems
            ],
        }

        def render() -> None:
            typer.echo(f"체인: {report.chains}")
            typer.echo(f"사건: {report.events}")
            typer.echo(f"체크포인트: {report.checkpoints}")
            typer.echo(f"문서: {report.documents}")
            if report.ok:
                typer.echo("결과: 이상 없음")
                return
            typer.echo(f"결과: 이상 {len(report.problems)}건")
            typer.echo(f"  첫 문제: {report.first_problem}")
            for problem in report.problems[1:]:
                typer.echo(f"  - {problem}")

        rt.emit(data, render)
        if not report.ok:
            raise typer.Exit(EXIT_FAILED)


@app.command("checkpoint")
def checkpoint(cli: typer.Context, json_output: JsonOption = False) -> None:
    """모든 체인의 머리를 해시한 체크포인트를 기록하고 그 한 줄을 출력합니다 (데이터베이스 밖에 보관하십시오)."""
    with command(cli, json_output) as rt:
        from gcworkflow import audit
        from gcworkflow.canonical import format_instant

        rt.require_reader()
        with rt.ctx.db.write() as session:
            row = audit.checkpoint(session, rt.username, rt.ctx.clock.now())
            line = audit.checkpoint_line(row)
            data = {
                "id": row.id,
                "created_at": format_instant(row.created_at),
                "created_by": row.created_by,
                "digest": row.digest,
                "line": line,
            }
        rt.emit(data, lambda: typer.echo(line))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit", rich_help_panel="감사·도구")
