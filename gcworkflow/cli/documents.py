"""`gcw documents …`: received documents, and the official documents the procedure issues (render, list,
show). Rendering loads WeasyPrint, so it is imported only inside the command that renders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from gcworkflow.canonical import sha256_hex
from gcworkflow.cli._input import attach_file, record_id
from gcworkflow.cli._output import echo_table, fields
from gcworkflow.cli._runtime import EXIT_NOT_VERIFIED, AsSystemOption, JsonOption, command
from gcworkflow.cli.fire import CommentOption, ExpectedVersionOption, fire_and_show

# The 형식 column of the list: each issued document is there twice, as its PDF and as its HWPX twin.
_FORMAT_LABELS = {"application/pdf": "PDF", "application/hwp+zip": "HWPX"}

documents = typer.Typer(
    help="문서: 접수 문서 등록, 공문·고시 생성(PDF/A-3b와 HWPX 사본), 조회·내보내기.", no_args_is_help=True
)


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
                ["번호", "절차", "구분", "종류", "형식", "제목", "SHA-256", "크기"],
                [
                    [
                        d["id"],
                        d["procedure_id"],
                        "발행" if d["direction"] == "issued" else "접수",
                        d["kind"],
                        _FORMAT_LABELS.get(d["media_type"], d["media_type"]),
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


@documents.command("export")
def export_document(
    cli: typer.Context,
    document_id: Annotated[
        int, typer.Argument(metavar="DOCUMENT", help="문서 번호 (gcw documents list)", parser=record_id)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="저장할 파일")],
    fmt: Annotated[
        str, typer.Option("--format", help="pdf: 발행한 PDF, hwpx: 관보 편집·온나라용 HWPX 사본")
    ] = "pdf",
    json_output: JsonOption = False,
) -> None:
    """발행한 공문·고시를 PDF 또는 HWPX로 저장합니다 (저장소의 파일을 해시를 확인한 뒤 꺼냅니다).

    HWPX 사본이 생기기 전에 발행한 문서는 그 PDF에 담긴 구조화 데이터로 HWPX를 새로 만들고 그렇다고 알립니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.exports import export
        from gcworkflow.local_files import write_file

        rt.require_reader()
        exported = export(rt.ctx, rt.as_reader(), document_id, fmt)
        write_file(output, exported.data, "저장할 파일")
        data = {
            "document_id": document_id,
            "format": fmt,
            "media_type": exported.media_type,
            "size": len(exported.data),
            "sha256": sha256_hex(exported.data),
            "written_to": str(output),
            "note": exported.note,
        }
        rt.emit(
            data,
            lambda: typer.echo(
                fields([(k, v) for k, v in data.items() if k != "note"])
                + (f"\n참고: {exported.note}" if exported.note else "")
            ),
        )


@documents.command("verify")
def verify_document(
    cli: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="확인할 PDF 파일")],
    trust: Annotated[
        Path | None,
        typer.Option("--trust", metavar="PEM", help="신뢰할 최상위 인증서 묶음 (없으면 GCW_SIGNING_TRUST)"),
    ] = None,
    record: Annotated[
        bool,
        typer.Option(
            "--record",
            help="데이터베이스에서 이 파일을 발행한 절차와 처리(document_issued)도 찾습니다 (조회가 기록됨).",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """받은 PDF를 확인합니다: 전자서명이 온전한지, 서명 뒤에 바뀐 곳이 없는지, 서명자 인증서가 신뢰하는
    인증기관에 이어지고 서명 시각에 유효했는지, 내장 데이터(JSON)가 본문의 번호·날짜·명칭·면적과 같은지.

    데이터베이스 없이 파일과 신뢰할 인증서만으로 확인합니다. 모두 통과하면 0, 하나라도 실패하면 11로
    끝납니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.documents.verification import read_pdf, trust_anchors, verify_pdf

        result = verify_pdf(read_pdf(file), trust_anchors(rt.settings, trust))
        if record:
            from gcworkflow import queries

            rt.require_reader()
            result.found(queries.issued_by(rt.ctx, rt.as_reader(), result.sha256))
        rt.emit(result.as_dict(), lambda: typer.echo("\n".join(result.lines())))
        if not result.ok:
            raise typer.Exit(EXIT_NOT_VERIFIED)


def register(root: typer.Typer) -> None:
    root.add_typer(documents, name="documents", rich_help_panel="절차")
