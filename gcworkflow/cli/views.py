"""Reading one procedure: `gcw status`, `gcw history`, `gcw actions`, and `gcw refusals`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._input import ProcedureId, record_id
from gcworkflow.cli._output import cell, echo_table, fields, kst, table
from gcworkflow.cli._runtime import JsonOption, Runtime, command

if TYPE_CHECKING:
    from gcworkflow.procedures.spec import ProcedureDefinition


def _unmet_lines(unmet: list[dict[str, str]], indent: str = "    ") -> None:
    for u in unmet:
        typer.echo(f"{indent}- {u['message']} ({u['basis']}) [{u['id']}]")


def _render_status(rt: Runtime, data: dict[str, Any], definition: ProcedureDefinition) -> None:
    from gcworkflow.cli._lookup import action_label, state_label

    typer.echo(f"{data['id']}번 절차  {cell(data['title'])}")
    typer.echo(
        fields(
            [
                ("종류", f"{data['kind_label']} ({data['kind']} v{data['definition_version']})"),
                ("클러스터", data["cluster"]),
                ("단계", state_label(definition, data["state"])),
                ("판", data["version"]),
                ("담당 주무관", data["clerk"]),
                ("결재권자", data["approver"]),
                ("대결자", data["acting_approver"]),
                ("조성계획", f"제{data['plan_version']}판" if data["plan_version"] else "없음"),
                ("기록", f"{len(data['facts'])}건"),
                ("종료", data["closed"]),
            ]
        )
    )
    if data["pending_proposals"]:
        typer.echo("\n결재 대기")
        echo_table(
            ["상신", "처리", "상신자", "상신 때 판", "비고"],
            [
                [
                    p["id"],
                    action_label(definition, p["trigger"]),
                    p["proposed_by"],
                    p["procedure_version"],
                    "그 뒤 변경됨: 다시 상신 필요" if p["stale"] else "",
                ]
                for p in data["pending_proposals"]
            ],
            "",
        )
    if data["deadlines"]:
        typer.echo("\n열린 기한")
        echo_table(
            ["기한", "대상", "기한일", "남은 날", "계산", "비고"],
            [
                [
                    d["label"],
                    d["subject"],
                    d["due_on"],
                    f"{-d['days_left']}일 경과"
                    if d["days_left"] < 0
                    else f"{d['days_left']}일 (근무일 {d['working_days_left']})",
                    d["explanation"],
                    d["note"] or "",
                ]
                for d in data["deadlines"]
            ],
            "",
        )
    if data["documents"]:
        typer.echo("\n문서")
        echo_table(
            ["번호", "구분", "종류", "제목", "SHA-256"],
            [
                [
                    d["id"],
                    "접수" if d["direction"] == "received" else "발행",
                    d["kind"],
                    d["title"],
                    d["sha256"][:12],
                ]
                for d in data["documents"]
            ],
            "",
        )
    who = rt.username if not rt.is_operator else "operator: 조회 전용, 처리에는 --as 필요"
    typer.echo(f"\n지금 할 수 있는 처리 ({who}); 입력 항목은 gcw actions {data['id']}")
    echo_table(
        ["처리", "이름", "다음 단계", "방법"],
        [
            [
                a["trigger"],
                a["label"],
                state_label(definition, a["transition_to"]) if a["transition_to"] else "",
                "propose (결재)" if a["needs_signoff"] else "fire",
            ]
            for a in data["actions"]
        ],
        "  없음",
    )
    for action in data["actions"]:
        if action["unmet_now"]:
            typer.echo(f"{action['trigger']}: 아직 충족되지 않은 요건")
            _unmet_lines(action["unmet_now"], indent="  ")


def status(cli: typer.Context, procedure_id: ProcedureId, json_output: JsonOption = False) -> None:
    """절차의 단계·판·담당자·결재 대기와, 지금 할 수 있는 처리 및 아직 막는 요건."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries
        from gcworkflow.procedures.registry import definition as definition_of

        rt.require_reader()
        data = queries.procedure_status(rt.ctx, procedure_id, rt.as_reader())
        definition = definition_of(data["kind"], data["definition_version"])
        rt.emit(data, lambda: _render_status(rt, data, definition))


def _event_label(definition: ProcedureDefinition, event: dict[str, Any]) -> str:
    from gcworkflow.cli._lookup import action_label

    payload = event["payload"] if isinstance(event["payload"], dict) else {}
    if event["trigger"] == "propose" and "trigger" in payload:
        return f"결재 상신: {action_label(definition, payload['trigger'])}"
    if "proposal" in payload:
        acting = " (대결)" if payload["proposal"].get("acting") else ""
        return f"{event['label']} (상신 #{payload['proposal']['id']} 승인{acting})"
    return event["label"]


def _states(definition: ProcedureDefinition, before: str | None, after: str | None) -> str:
    from gcworkflow.cli._lookup import stage

    return (
        stage(definition, after)
        if before == after
        else f"{stage(definition, before)} → {stage(definition, after)}"
    )


def history(cli: typer.Context, procedure_id: ProcedureId, json_output: JsonOption = False) -> None:
    """절차의 처리 이력 (감사 기록): 순번, 시각, 행위자(역할), 처리, 단계, 설명.

    감사 기록이므로 `gcw audit history`와 같은 열람 범위(감사·결재권자는 모든 절차, 주무관·간사는 담당하거나
    처리한 절차)로 `--as 사용자이름`이 볼 수 있고, 열람은 조회 기록에 남습니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries
        from gcworkflow.queries import procedure_definition

        events = queries.history(rt.ctx, rt.as_reader(), procedure_id)
        definition = procedure_definition(rt.ctx, procedure_id)
        rt.emit(
            events,
            lambda: echo_table(
                ["순번", "시각(KST)", "행위자(역할)", "처리", "단계", "설명"],
                [
                    [
                        e["seq"],
                        e["occurred_at_kst"],
                        f"{e['actor']}({e['role_label']})",
                        _event_label(definition, e),
                        _states(definition, e["from_state"], e["to_state"]),
                        e["comment"],
                    ]
                    for e in events
                ],
                "기록이 없습니다.",
            ),
        )


def _type_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_name(s) for s in schema["anyOf"] if s.get("type") != "null")
    if "enum" in schema:
        return " / ".join(str(v) for v in schema["enum"])
    if schema.get("type") == "array":
        return f"[{_type_name(schema.get('items', {}))}]"
    return str(schema.get("format") or schema.get("type") or "any")


def _field_rows(schema: dict[str, Any] | None) -> list[list[str]]:
    if not schema:
        return []
    required = set(schema.get("required", []))
    return [
        [
            name,
            _type_name(prop),
            "필수" if name in required else "선택",
            prop.get("description") or prop.get("title") or "",
        ]
        for name, prop in schema.get("properties", {}).items()
    ]


def _render_actions(
    definition: ProcedureDefinition, procedure_id: int, offered: list[dict[str, Any]]
) -> None:
    from gcworkflow.cli._lookup import state_label

    if not offered:
        typer.echo("지금 할 수 있는 처리가 없습니다.")
    for action in offered:
        how = (
            f"결재 사항: gcw propose {procedure_id} {action['trigger']} …"
            if action["needs_signoff"]
            else f"gcw fire {procedure_id} {action['trigger']} …"
        )
        typer.echo(f"\n{action['trigger']} — {action['label']}")
        typer.echo(f"  근거: {action['basis']}")
        if action["transition_to"]:
            typer.echo(f"  다음 단계: {state_label(definition, action['transition_to'])}")
        typer.echo(f"  실행: {how}")
        rows = _field_rows(action["payload_schema"])
        if rows:
            typer.echo("  입력 항목:")
            lines = table(["항목", "형식", "구분", "설명"], rows).splitlines()
            typer.echo("\n".join(f"    {line}" for line in lines))
        if action["unmet_now"]:
            typer.echo("  지금 막는 요건:")
            _unmet_lines(action["unmet_now"])


def actions(cli: typer.Context, procedure_id: ProcedureId, json_output: JsonOption = False) -> None:
    """지금 할 수 있는 처리와 각 처리의 입력 항목 (JSON 스키마 포함)."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries
        from gcworkflow.procedures.registry import definition as definition_of

        rt.require_reader()
        data = queries.procedure_status(rt.ctx, procedure_id, rt.as_reader())
        definition = definition_of(data["kind"], data["definition_version"])
        offered = data["actions"]
        for offer in offered:
            action = definition.action(offer["trigger"])
            model = action.payload if action else None
            offer["payload_schema"] = model.model_json_schema() if model else None
        rt.emit(offered, lambda: _render_actions(definition, procedure_id, offered))


def refusals(
    cli: typer.Context,
    procedure_id: Annotated[
        int | None,
        typer.Option(
            "--procedure",
            metavar="ID",
            help="이 절차의 거부 (여러 절차에 걸친 조회는 gcw audit refusals: 권한 확인과 조회 기록이 따릅니다)",
            parser=record_id,
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """한 절차의 거부된 시도: 누가, 언제, 무엇을, 왜 (근거 조문). 열람 범위와 조회 기록은 history와 같습니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import queries
        from gcworkflow.errors import InvalidInput

        if procedure_id is None:
            raise InvalidInput(
                "절차 번호(--procedure)를 적으십시오. 여러 절차에 걸친 거부 조회는 "
                "`gcw --as 사용자이름 audit refusals`로 합니다 (권한 확인과 조회 기록이 따릅니다)."
            )
        rows = queries.refusals(rt.ctx, rt.as_reader(), procedure_id)

        def render() -> None:
            if not rows:
                typer.echo("거부된 시도가 없습니다.")
            for r in rows:
                where = f"{r['procedure_id']}번 절차" if r["procedure_id"] is not None else "절차 밖"
                typer.echo(
                    f"#{r['id']}  {kst(r['occurred_at'])}  {where}  {r['actor']}  {r['trigger']}  [{r['code']}]"
                )
                for line in r["message"].splitlines():
                    typer.echo(f"    {line}")
                _unmet_lines(r["unmet"], indent="      ")

        rt.emit(rows, render)


def register(root: typer.Typer) -> None:
    root.command("status", rich_help_panel="조회")(status)
    root.command("history", rich_help_panel="조회")(history)
    root.command("actions", rich_help_panel="조회")(actions)
    root.command("refusals", rich_help_panel="조회")(refusals)
