"""`gcw fire`: any action through the engine's one door."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._input import (
    ParamOption,
    PayloadFileOption,
    PayloadOption,
    ProcedureId,
    attach_file,
    build_payload,
    record_id,
)
from gcworkflow.cli._output import compact
from gcworkflow.cli._runtime import JsonOption, Runtime, command
from gcworkflow.korean import with_particle

if TYPE_CHECKING:
    from gcworkflow.engine import FireResult
    from gcworkflow.procedures.spec import ProcedureDefinition

CommentOption = Annotated[str | None, typer.Option("--comment", help="설명 (감사 기록에 남습니다)")]
ExpectedVersionOption = Annotated[
    int | None,
    typer.Option(
        "--expected-version",
        metavar="N",
        help="본 판 번호; 그 뒤 누가 바꿨으면 처리하지 않고 충돌로 알립니다",
        parser=record_id,
    ),
]


def render_result(definition: ProcedureDefinition, result: FireResult) -> None:
    from gcworkflow.cli._lookup import action_label, state_label

    if result.trigger == "propose":
        typer.echo(
            f"결재를 상신했습니다: 상신 #{result.proposal_id} ({result.procedure_id}번 절차, 판 {result.version}).\n"
            f"결재권자가 `gcw --as 결재권자 approve {result.proposal_id}`로 승인하거나 "
            f"`gcw --as 결재권자 reject {result.proposal_id} --comment 사유`로 반려합니다."
        )
        return
    if result.trigger == "reject_proposal":
        typer.echo(
            f"상신 #{with_particle(result.proposal_id, '을')} 반려했습니다 (절차 판 {result.version}, 감사 사건 #{result.event_id})."
        )
        return
    label = action_label(definition, result.trigger)
    if result.proposal_id is not None:
        typer.echo(f"상신 #{with_particle(result.proposal_id, '을')} 승인했습니다: {label}")
    else:
        typer.echo(f"처리했습니다: {label}")
    if result.from_state != result.to_state:
        change = f"{state_label(definition, result.from_state)} → {state_label(definition, result.to_state)}"
    else:
        change = f"{state_label(definition, result.to_state)} (그대로)"
    typer.echo(f"  단계: {change}")
    typer.echo(f"  절차 판 {result.version}, 감사 사건 #{result.event_id} ({result.event_hash[:16]}…)")
    for effect in result.effects:
        typer.echo(f"  결과: {compact(effect)}")


def fire_and_show(
    rt: Runtime,
    procedure_id: int,
    trigger: str,
    payload: dict[str, Any],
    expected_version: int | None,
    comment: str | None,
    definition: ProcedureDefinition | None = None,
) -> None:
    from gcworkflow import engine
    from gcworkflow.queries import procedure_definition

    actor = rt.actor()
    definition = definition or procedure_definition(rt.ctx, procedure_id)
    result = engine.fire(rt.ctx, procedure_id, trigger, actor, payload, expected_version, comment=comment)
    rt.emit(result.as_dict(), lambda: render_result(definition, result))


def fire(
    cli: typer.Context,
    procedure_id: ProcedureId,
    trigger: Annotated[str, typer.Argument(metavar="TRIGGER", help="처리 이름 (gcw actions ID로 확인)")],
    param: ParamOption = None,
    payload: PayloadOption = None,
    payload_file: PayloadFileOption = None,
    expected_version: ExpectedVersionOption = None,
    comment: CommentOption = None,
    attach: Annotated[
        Path | None,
        typer.Option(
            "--attach", metavar="FILE", help="문서 저장소에 넣고 그 SHA-256을 입력의 문서 항목에 넣습니다"
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """절차에 처리 하나를 합니다 (엔진의 단일 관문). 결재 사항은 `gcw propose`로 상신합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.engine import authorise_first
        from gcworkflow.queries import procedure_definition

        actor = rt.actor()  # the operator is told to name a user before anything else is read
        definition = procedure_definition(rt.ctx, procedure_id)
        # Who may act is settled before their files are read or an attachment stored.
        authorise_first(rt.ctx, procedure_id, trigger, actor)
        action = definition.action(trigger)
        model = action.payload if action else None
        data = build_payload(param, payload, payload_file, model)
        # An unknown trigger is left to the engine, which refuses it and records the refusal.
        if attach is not None and action is not None:
            attach_file(rt.ctx, attach, model, data)
        fire_and_show(rt, procedure_id, trigger, data, expected_version, comment, definition)


def register(root: typer.Typer) -> None:
    root.command("fire", rich_help_panel="절차")(fire)
