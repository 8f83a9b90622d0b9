"""Sign-off (결재, procedure.md §6): `gcw propose`, the in-tray `gcw proposals`, `gcw approve`, `gcw reject`."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._input import ParamOption, PayloadFileOption, PayloadOption, build_payload, record_id
from gcworkflow.cli._output import echo_table, kst
from gcworkflow.cli._runtime import JsonOption, command
from gcworkflow.cli.fire import CommentOption, ExpectedVersionOption, ProcedureId, fire_and_show
from gcworkflow.errors import InvalidInput

ProposalId = Annotated[int, typer.Argument(metavar="PROPOSAL_ID", help="상신 번호", parser=record_id)]


def propose(
    cli: typer.Context,
    procedure_id: ProcedureId,
    trigger: Annotated[
        str, typer.Argument(metavar="TRIGGER", help="결재받을 처리 (예: request_governor_opinions)")
    ],
    param: ParamOption = None,
    payload: PayloadOption = None,
    payload_file: PayloadFileOption = None,
    expected_version: ExpectedVersionOption = None,
    comment: CommentOption = None,
    json_output: JsonOption = False,
) -> None:
    """결재 사항을 상신합니다 (담당 주무관). 상신하지 않은 결재권자가 승인해야 처리됩니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.engine import authorise_first
        from gcworkflow.queries import procedure_definition

        actor = rt.actor()
        definition = procedure_definition(rt.ctx, procedure_id)
        authorise_first(rt.ctx, procedure_id, trigger, actor)  # before the payload file is read
        action = definition.action(trigger)
        inner = build_payload(param, payload, payload_file, action.payload if action else None)
        fire_and_show(
            rt,
            procedure_id,
            "propose",
            {"trigger": trigger, "payload": inner},
            expected_version,
            comment,
            definition,
        )


def proposals(
    cli: typer.Context,
    mine: Annotated[bool, typer.Option("--mine", help="내가 결재권자(또는 대결자)인 것만")] = False,
    status: Annotated[
        str, typer.Option("--status", help="pending(대기), approved(승인), rejected(반려)")
    ] = "pending",
    json_output: JsonOption = False,
) -> None:
    """결재 대기함: 상신된 안건 목록."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries

        if mine and rt.is_operator:
            raise InvalidInput(
                "--mine은 누구의 결재함인지 알아야 합니다: `gcw --as 사용자이름 proposals --mine`"
            )
        if status not in ("pending", "approved", "rejected"):
            raise InvalidInput(f"--status는 pending, approved, rejected 중 하나여야 합니다: {status}")
        rt.require_reader()
        rows = queries.proposals(rt.ctx, approver=rt.username if mine else None, status=status)
        rt.emit(
            rows,
            lambda: echo_table(
                ["상신", "절차", "제목", "처리", "상신자", "상신 시각(KST)", "상신 때 판", "비고"],
                [
                    [
                        p["id"],
                        p["procedure_id"],
                        p["procedure_title"],
                        p["label"],
                        p["proposed_by"],
                        kst(p["proposed_at"]),
                        p["procedure_version"],
                        "그 뒤 변경됨" if p["stale"] and status == "pending" else "",
                    ]
                    for p in rows
                ],
                "결재할 안건이 없습니다." if status == "pending" else "해당하는 안건이 없습니다.",
            ),
        )


def approve(
    cli: typer.Context,
    proposal_id: ProposalId,
    comment: CommentOption = None,
    expected_version: ExpectedVersionOption = None,
    json_output: JsonOption = False,
) -> None:
    """상신된 안건을 승인합니다. 상신 뒤 절차나 내용이 바뀌었으면 처리하지 않습니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.queries import proposal_procedure

        rt.actor()
        procedure_id = proposal_procedure(rt.ctx, proposal_id)
        fire_and_show(
            rt, procedure_id, "approve_proposal", {"proposal_id": proposal_id}, expected_version, comment
        )


def reject(
    cli: typer.Context,
    proposal_id: ProposalId,
    comment: Annotated[str, typer.Option("--comment", help="반려 사유")],
    json_output: JsonOption = False,
) -> None:
    """상신된 안건을 반려합니다 (사유 필수)."""
    with command(cli, json_output) as rt:
        from gcworkflow.queries import proposal_procedure

        rt.actor()
        procedure_id = proposal_procedure(rt.ctx, proposal_id)
        fire_and_show(rt, procedure_id, "reject_proposal", {"proposal_id": proposal_id}, None, comment)


def register(root: typer.Typer) -> None:
    root.command("propose", rich_help_panel="결재")(propose)
    root.command("proposals", rich_help_panel="결재")(proposals)
    root.command("approve", rich_help_panel="결재")(approve)
    root.command("reject", rich_help_panel="결재")(reject)
