"""`gcw documents …`: received documents, and the official documents the procedure issues (render, list,
show). Rendering loads WeasyPrint, so it is imported only inside the command that renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gcworkflow.cli._input import attach_file, record_id
from gcworkflow.cli._output import echo_table, fields
from gcworkflow.cli._runtime import AsSystemOption, JsonOption, command
from gcworkflow.cli.fire import CommentOption, ExpectedVersionOption, fire_and_show

documents = typer.Typer(help="문서: 접수 문서 등록, 공문·고시 생성(PDF/A-3b), 조회.", no_args_is_help=True)


@documents.command("add")
def add_document(
    cli: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="등록할 파일")],
    procedure_id: Annotated[
        int, typer.Option("--procedure", metavar="ID", help="절차 번호", parser=record_id)
    ],
    title: Annotated[str, typer.Option("--title", help="문서 제목")],
    kind: Annotated[
        str, typer.Option("--kind", help="문서 종류 (예: governor_opinion, minutes, gazette_page)")
    ] = "received",
    comment: CommentOption = None,
    expected_version: ExpectedVersionOption = None,
    json_output: JsonOption = False,
) -> None:
    """접수한 문서를 문서 저장소에 넣고 절차에 등록합니다 (receive_document)."""
    with command(cli, json_output) as rt:
        from gcworkflow.engine import authorise_first
        from gcworkflow.queries import procedure_definition

        actor = rt.actor()
        definition = procedure_definition(rt.ctx, procedure_id)
        # A refused registration must leave nothing in the document store: who may register is checked first.
        authorise_first(rt.ctx, procedure_id, "receive_document", actor)
        action = definition.action("receive_document")
        data: dict[str, Any] = {"title": title, "kind": kind}
        attach_file(rt.ctx, file, action.payload if action else None, data)
        fire_and_show(rt, procedure_id, "receive_document", data, expected_version, comment, definition)


@documents.command("render")
def render_documents(
    cli: typer.Context,
    kind: Annotated[
        str,
        typer.Argument(
            metavar="KIND",
            help="designation_notice, opinion_request, consultation_request, designation_notification",
        ),
    ],
    procedure_id: Annotated[
        int, typer.Option("--procedure", metavar="ID", help="절차 번호", parser=record_id)
    ],
    as_system: AsSystemOption = False,
    json_output: JsonOption = False,
) -> None:
    """절차가 지금 필요로 하는 공문·고시를 만들어 문서 저장소에 넣고 `document_issued`로 기록합니다.

    같은 내용의 문서가 이미 있으면 다시 만들지 않습니다 (번호도 새로 받지 않습니다). 자동 처리(system)의
    일이므로 --as-system을 붙여 실행합니다 (issue_documents 흐름도 같은 일을 합니다)."""
    with command(cli, json_output) as rt:
        from gcworkflow.automation.issuing import issue

        system = rt.as_system(as_system, "documents render", {"kind": kind, "procedure_id": procedure_id})
        issued = issue(rt.ctx, procedure_id, kind, actor=system)
        rt.emit(
            [i.as_dict() for i in issued],
            lambda: echo_table(
                ["문서", "대상", "번호", "SHA-256", "크기", "비고"],
                [
                    [
                        i.title,
                        i.subject or "-",
                        i.number,
                        i.sha256[:16],
                        f"{i.size:,} B",
                        "새로 발행" if i.new else "이미 발행됨",
                    ]
                    for i in issued
                ],
                "만들 문서가 없습니다.",
            ),
        )


@documents.command("list")
def list_documents(
    cli: typer.Context,
    procedure_id: Annotated[
        int | None, typer.Option("--procedure", metavar="ID", help="절차 번호", parser=record_id)
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """절차에 연결된 문서(접수·발행)를 보여 줍니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries

        rt.require_reader()
        rows = queries.documents(rt.ctx, rt.as_reader(), procedure_id)
        rt.emit(
            rows,
            lambda: echo_table(
                ["번호", "절차", "구분", "종류", "제목", "SHA-256", "크기"],
                [
                    [
                        d["id"],
                        d["procedure_id"],
                        "발행" if d["direction"] == "issued" else "접수",
                        d["kind"],
                        d["title"],
                        d["sha256"][:16],
                        f"{d['size']:,} B",
                    ]
                    for d in rows
                ],
                "문서가 없습니다.",
            ),
        )


@documents.command("show")
def show_document(
    cli: typer.Context,
    document_id: Annotated[
        int, typer.Argument(metavar="DOCUMENT", help="문서 번호 (gcw documents list)", parser=record_id)
    ],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="PDF를 이 파일로 저장")] = None,
    json_output: JsonOption = False,
) -> None:
    """문서 한 건의 정보와 해시를 보여 주고, --output이면 저장소의 파일을 해시를 확인한 뒤 꺼냅니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries
        from gcworkflow.local_files import write_file

        rt.require_reader()
        data: dict[str, Any] = queries.document(rt.ctx, rt.as_reader(), document_id)
        if output is not None:
            write_file(output, queries.document_bytes(rt.ctx, data["sha256"]), "저장할 파일")
            data["written_to"] = str(output)
        rt.emit(data, lambda: typer.echo(fields([(k, v) for k, v in data.items()])))


def register(root: typer.Typer) -> None:
    root.add_typer(documents, name="documents", rich_help_panel="절차")
