"""`gcw procedures …`: opening a procedure (the opening clerk is assigned) and listing them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Required

import typer
from typing_extensions import TypedDict  # pydantic validates typing's own TypedDict from Python 3.12 only

from gcworkflow.cli._output import echo_table, kst
from gcworkflow.cli._runtime import JsonOption, command

app = typer.Typer(help="절차 개시와 목록.", no_args_is_help=True)


class ImportFile(TypedDict, total=False):
    """What `gcw procedures import` reads: the items its help names, of the types the engine takes."""

    kind: str
    cluster: str | int
    state: Required[str]
    clerk: Required[str]
    approver: Required[str]
    source: str
    history: list[dict[str, Any]]
    plan: dict[str, Any] | None


@app.command("open")
def open_(
    cli: typer.Context,
    approver: Annotated[str, typer.Option("--approver", metavar="USER", help="결재권자 (사용자 이름)")],
    kind: Annotated[str, typer.Option("--kind", help="절차 종류")] = "designation",
    cluster: Annotated[
        str | None, typer.Option("--cluster", metavar="NAME_OR_ID", help="대상 클러스터 (명칭 또는 번호)")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="제목 (기본: '클러스터 명칭 + 절차 이름')")
    ] = None,
    comment: Annotated[str | None, typer.Option("--comment", help="설명")] = None,
    json_output: JsonOption = False,
) -> None:
    """절차를 개시합니다. 개시한 담당 주무관이 담당자가 됩니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import clusters, engine

        actor = rt.actor()
        cluster_id = clusters.find_cluster(rt.ctx, cluster).id if cluster else None
        result = engine.open_procedure(
            rt.ctx, actor, kind, cluster_id=cluster_id, approver=approver, title=title, comment=comment
        )
        rt.emit(
            result.as_dict(),
            lambda: typer.echo(
                f"{result.procedure_id}번 절차를 개시했습니다 (담당 {actor.username}, 결재 {approver}).\n"
                f"다음: gcw --as {actor.username} status {result.procedure_id}"
            ),
        )


@app.command("list")
def list_(
    cli: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="진행 중인 절차만")] = False,
    json_output: JsonOption = False,
) -> None:
    """절차 목록."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries

        rt.require_reader()
        rows = queries.list_procedures(rt.ctx, open_only=open_only)
        rt.emit(
            rows,
            lambda: echo_table(
                ["번호", "제목", "단계", "판", "담당", "결재", "최근 처리(KST)", "종료"],
                [
                    [
                        p["id"],
                        p["title"],
                        p["state_label"],
                        p["version"],
                        p["clerk"],
                        p["approver"],
                        kst(p["last_action_at"]),
                        p["closed"],
                    ]
                    for p in rows
                ],
                "진행 중인 절차가 없습니다." if open_only else "절차가 없습니다.",
            ),
        )


@app.command("import")
def import_(
    cli: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="이관할 절차 (YAML 또는 JSON)")],
    json_output: JsonOption = False,
) -> None:
    """시스템 도입 전부터 진행 중인 절차를 현재 단계로 이관합니다 (관리자). 이전 이력은 '이관' 기록으로 남고,
    감사 체인은 이관 시점부터 시작합니다.

    파일 항목: kind, cluster (명칭 또는 번호), state, clerk, approver, source, history (목록), plan (조성계획)."""
    with command(cli, json_output) as rt:
        from pydantic import TypeAdapter, ValidationError

        from gcworkflow import clusters, engine
        from gcworkflow.cli._input import read_mapping
        from gcworkflow.errors import InvalidInput
        from gcworkflow.validation import korean_errors

        actor = rt.actor()
        try:
            data = TypeAdapter(ImportFile).validate_python(read_mapping(file))
        except ValidationError as exc:
            raise InvalidInput(f"이관 파일 {file}의 항목을 확인하십시오:\n{korean_errors(exc)}") from exc
        cluster = data.get("cluster")
        result = engine.import_procedure(
            rt.ctx,
            actor,
            data.get("kind", "designation"),
            cluster_id=clusters.find_cluster(rt.ctx, str(cluster)).id if cluster is not None else None,
            state=data["state"],
            clerk=data["clerk"],
            approver=data["approver"],
            history=data.get("history", []),
            plan=data.get("plan"),
            source=data.get("source", str(file)),
        )
        rt.emit(
            result.as_dict(),
            lambda: typer.echo(
                f"{result.procedure_id}번 절차로 이관했습니다 (단계: {result.to_state}, 감사 사건 #{result.event_id})."
            ),
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="procedures", rich_help_panel="절차")
