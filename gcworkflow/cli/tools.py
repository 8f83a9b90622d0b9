"""`gcw diagram` (the procedure diagrams from the definitions) and `gcw demo` (the scripted scenario)."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._runtime import EXIT_FAILED, JsonOption, command


def diagram(
    cli: typer.Context,
    write: Annotated[bool, typer.Option("--write", help="docs/ 아래 절차도 파일을 새로 씁니다")] = False,
    json_output: JsonOption = False,
) -> None:
    """절차도(Mermaid)를 출력하거나 docs/에 씁니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import diagram as diagrams
        from gcworkflow.procedures.registry import definitions

        if write:
            paths = [str(p) for p in diagrams.write_all()]
            rt.emit({"written": paths}, lambda: typer.echo("\n".join(f"썼습니다: {p}" for p in paths)))
            return
        charts = {f"{d.kind}-v{d.version}": diagrams.mermaid(d) for d in definitions()}
        rt.emit(charts, lambda: typer.echo("\n\n".join(c.rstrip() for c in charts.values())))


def demo(cli: typer.Context, json_output: JsonOption = False) -> None:
    """데모 시나리오를 실행합니다 (스키마를 먼저 최신으로 올립니다)."""
    with command(cli, json_output) as rt:
        try:
            from gcworkflow.demo.scenario import run_demo
        except ModuleNotFoundError as exc:
            if exc.name != "gcworkflow.demo.scenario":
                raise
            rt.fail(
                "demo_missing",
                "데모 시나리오(gcworkflow.demo.scenario)가 설치되어 있지 않습니다.",
                EXIT_FAILED,
            )
        from gcworkflow.db.migrate import upgrade

        upgrade(rt.settings.resolved_database_url)
        lines: list[str] = []
        # With --json the narration is collected and printed as one document at the end.
        run_demo(rt.ctx, lines.append if json_output else typer.echo)
        if json_output:
            rt.emit({"log": lines}, lambda: None)


def register(root: typer.Typer) -> None:
    root.command("diagram")(diagram)
    root.command("demo")(demo)
