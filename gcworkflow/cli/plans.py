"""`gcw plan …`: the creation plan (조성계획, 법 제11조) as versions recorded through `record_plan`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from gcworkflow.cli._input import read_mapping, record_id
from gcworkflow.cli._output import fields
from gcworkflow.cli._runtime import JsonOption, command
from gcworkflow.cli.fire import CommentOption, ExpectedVersionOption, ProcedureId, fire_and_show
from gcworkflow.errors import InvalidInput

app = typer.Typer(help="조성계획 (법 제11조, 시행령 제7조).", no_args_is_help=True)

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-~]\s*(\d{4})\s*$")


def parse_period(text: str) -> dict[str, int]:
    match = _PERIOD.match(text)
    if match is None:
        raise InvalidInput(f"--period는 '시작연도-종료연도' 형식이어야 합니다 (예: 2026-2028): {text}")
    return {"start_year": int(match[1]), "end_year": int(match[2])}


@app.command("set")
def set_(
    cli: typer.Context,
    procedure_id: ProcedureId,
    file: Annotated[
        Path | None, typer.Option("--file", metavar="FILE", help="조성계획 (.yaml/.yml/.json)")
    ] = None,
    merge: Annotated[
        bool, typer.Option("--merge", help="파일에 있는 항목(절)만 바꾸고 나머지는 직전 판대로 둡니다")
    ] = False,
    name: Annotated[str | None, typer.Option("--name", help="명칭 (법 제11조제1호)")] = None,
    area: Annotated[int | None, typer.Option("--area", metavar="M2", help="면적 (㎡, 정수)")] = None,
    period: Annotated[
        str | None, typer.Option("--period", metavar="YYYY-YYYY", help="조성기간 (예: 2026-2028)")
    ] = None,
    comment: CommentOption = None,
    expected_version: ExpectedVersionOption = None,
    json_output: JsonOption = False,
) -> None:
    """조성계획의 새 판을 기록합니다: --file이면 전체 교체, --merge나 항목 옵션만 주면 그 항목만 바꿉니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.engine import authorise_first

        authorise_first(rt.ctx, procedure_id, "record_plan", rt.actor())  # before the plan file is read
        content: dict[str, Any] = read_mapping(file) if file else {}
        edits: dict[str, Any] = {"name": name, "area_m2": area}
        if period:
            edits["creation_period"] = parse_period(period)
        edits = {k: v for k, v in edits.items() if v is not None}
        if file is None and not edits:
            raise InvalidInput("--file 또는 --name·--area·--period 가운데 하나 이상을 주십시오")
        content.update(edits)
        mode = "replace" if file is not None and not merge else "merge"
        fire_and_show(
            rt, procedure_id, "record_plan", {"content": content, "mode": mode}, expected_version, comment
        )


@app.command("show")
def show(
    cli: typer.Context,
    procedure_id: ProcedureId,
    version: Annotated[
        int | None, typer.Option("--version", metavar="N", help="판 번호 (기본: 최신)", parser=record_id)
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """조성계획 한 판의 내용과 아직 빠진 항목을 봅니다."""
    with command(cli, json_output) as rt:
        import yaml

        from gcworkflow import queries
        from gcworkflow.cli._output import kst
        from gcworkflow.procedures.plan_content import missing_items, parse_plan

        rt.require_reader()
        plan = queries.plan_version(rt.ctx, rt.as_reader(), procedure_id, version)
        parsed = parse_plan(plan["content"])
        plan["missing"] = [
            {"id": m.id, "basis": m.basis, "message": m.message} for m in missing_items(parsed)
        ]
        # The stored text has its keys sorted (canonical JSON); people read the plan in the Act's order.
        readable = parsed.model_dump(mode="json", exclude_none=True)

        def render() -> None:
            typer.echo(
                fields(
                    [
                        ("절차", procedure_id),
                        ("판", f"제{plan['number']}판"),
                        ("기록 시각", kst(plan["created_at"])),
                        ("SHA-256", plan["sha256"]),
                        ("감사 사건", f"#{plan['event_id']}"),
                    ]
                )
            )
            typer.echo("")
            # No line folding: a folded Korean sentence is hard to read and to copy back into a plan file.
            typer.echo(
                yaml.safe_dump(readable, allow_unicode=True, sort_keys=False, width=1_000_000).rstrip()
            )
            typer.echo("")
            if plan["missing"]:
                typer.echo(f"빠진 항목 {len(plan['missing'])}개 (이대로는 의견조회를 요청할 수 없습니다):")
                for m in plan["missing"]:
                    typer.echo(f"  - {m['message']} ({m['basis']}) [{m['id']}]")
            else:
                typer.echo("빠진 항목 없음 (법 제11조·시행령 제7조의 항목을 모두 갖춤).")

        rt.emit(plan, render)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="plan", rich_help_panel="절차")
