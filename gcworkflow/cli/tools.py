"""`gcw diagram` (the procedure diagrams from the definitions) and `gcw demo` (the scripted scenario)."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._output import dumps
from gcworkflow.cli._runtime import JsonOption, command


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
    """데모 시나리오(구미 클러스터 지정 절차)를 실행합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.demo.scenario import run_demo

        lines: list[str] = []
        # With --json the narration is collected and printed as one document at the end.
        run_demo(rt.ctx, lines.append if json_output else typer.echo)
        if json_output:
            typer.echo(dumps({"log": lines}))


def register(root: typer.Typer) -> None:
    root.command("diagram", rich_help_panel="감사·도구")(diagram)
    root.command("demo", rich_help_panel="감사·도구")(demo)
