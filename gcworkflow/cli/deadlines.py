"""`gcw deadlines` (open deadlines, most urgent first, and procedures nothing will remind anyone of) and
`gcw reminders plan` (the reminder planner, run now).

Planning reminders is the ``system``'s work (procedure.md §6), which the daily sweep does: by hand it runs only
with ``--as-system``, recorded on the system chain (the read-only operator writes nothing); each reminder is
queued once whatever re-runs happen (procedure.md §5).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from gcworkflow.cli._input import record_id
from gcworkflow.cli._output import echo_table, kst
from gcworkflow.cli._runtime import AsSystemOption, JsonOption, command
from gcworkflow.errors import InvalidInput, NotFound

reminders = typer.Typer(help="기한 알림 (발송 대기열).", no_args_is_help=True)


def days_left_text(days: int, working_days: int) -> str:
    """How far a due date is, in calendar and working days; an overdue one says 경과 plainly."""
    if days > 0:
        return f"{days}일 남음 (근무일 {working_days}일)"
    if days == 0:
        return "오늘 만료"
    return f"{-days}일 경과 (근무일 {-working_days}일)"


def _render_deadline(item: dict[str, Any]) -> None:
    from gcworkflow.calendar import format_date_ko_weekday

    subject = f" [{item['subject']}]" if item["subject"] else ""
    fixed = " (발송 문서에 적힌 기한)" if item["fixed"] else ""
    where = (
        f"{item['procedure_id']}번 절차 {item['title']}"
        if item["procedure_id"] is not None
        else "절차 밖 기한"
    )
    typer.echo(
        f"{format_date_ko_weekday(item['due_on'])}  {days_left_text(item['days_left'], item['working_days_left'])}"
        f"  {item['label']}{subject}{fixed}"
    )
    typer.echo(f"    {where}")
    typer.echo(f"    계산: {item['explanation']}")
    typer.echo(f"    근거: {item['basis']}")
    if item["note"]:
        typer.echo(f"    비고: {item['note']}")


def deadlines(
    cli: typer.Context,
    procedure_id: Annotated[
        int | None, typer.Option("--procedure", metavar="ID", help="이 절차의 기한만", parser=record_id)
    ] = None,
    stuck_days: Annotated[
        int | None,
        typer.Option(
            "--stuck-days",
            metavar="N",
            help="열린 기한 없이 N일 넘게 처리가 없는 절차를 멈춘 것으로 봄 (기본: 설정값)",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """열린 기한 (급한 순: 남은 날·근무일, 경과 표시)과 멈춘 것으로 보이는 절차."""
    with command(cli, json_output) as rt:
        from sqlalchemy import select

        from gcworkflow.calendar import format_date_ko_weekday
        from gcworkflow.canonical import format_instant
        from gcworkflow.context import load_calendar
        from gcworkflow.db.models import Procedure
        from gcworkflow.deadlines import open_deadlines, stuck_procedures
        from gcworkflow.procedures.registry import definition

        rt.require_reader()
        idle = stuck_days if stuck_days is not None else rt.settings.stuck_after_days
        if idle < 1:
            raise InvalidInput(f"--stuck-days는 1 이상이어야 합니다: {idle}")
        today, now = rt.ctx.clock.today(), rt.ctx.clock.now()
        with rt.ctx.db.read() as session:
            if procedure_id is not None and session.get(Procedure, procedure_id) is None:
                raise NotFound(f"{procedure_id}번 절차가 없습니다")
            open_items = open_deadlines(session, today, load_calendar(session), procedure_id)
            stuck = [
                s
                for s in stuck_procedures(session, now, idle)
                if procedure_id is None or s["id"] == procedure_id
            ]
            # The stage's Korean name needs the definition each procedure was opened under.
            definitions = {
                row.id: definition(row.kind, row.definition_version)
                for row in session.execute(
                    select(Procedure.id, Procedure.kind, Procedure.definition_version).where(
                        Procedure.id.in_([s["id"] for s in stuck])
                    )
                )
            }
        stuck_items = [
            {
                **s,
                "state_label": definitions[s["id"]].state(s["state"]).label,
                "last_action_at": format_instant(s["last_action_at"]),
            }
            for s in stuck
        ]

        def render() -> None:
            scope = f"{procedure_id}번 절차의 " if procedure_id is not None else ""
            if open_items:
                typer.echo(
                    f"{scope}열린 기한 {len(open_items)}건 ({format_date_ko_weekday(today)} 기준, 급한 순)"
                )
                for item in open_items:
                    typer.echo("")
                    _render_deadline(item)
            else:
                typer.echo(f"{scope}열린 기한이 없습니다 ({format_date_ko_weekday(today)} 기준).")
            typer.echo(f"\n멈춘 것으로 보이는 절차: 열린 기한이 없고 {idle}일 넘게 처리가 없음")
            echo_table(
                ["번호", "제목", "단계", "최근 처리(KST)", "처리 없는 날수", "비고"],
                [
                    [
                        s["id"],
                        s["title"],
                        s["state_label"],
                        kst(s["last_action_at"]),
                        f"{s['idle_days']}일",
                        "결재 대기" if s["awaiting_signoff"] else "",
                    ]
                    for s in stuck_items
                ],
                "  없음",
            )

        rt.emit({"deadlines": open_items, "stuck": stuck_items}, render)


@reminders.command("plan")
def plan(cli: typer.Context, as_system: AsSystemOption = False, json_output: JsonOption = False) -> None:
    """오늘 보낼 기한 알림(D-7·D-3·D-1·당일·경과)과 결재권자 보고를 발송 대기열에 올립니다 (다시 실행해도 중복 없음).

    자동 처리(system)의 일이므로 --as-system을 붙여 실행합니다 (매일 deadline_sweep 흐름도 같은 일을 합니다)."""
    with command(cli, json_output) as rt:
        from gcworkflow.calendar import format_date_ko_weekday
        from gcworkflow.deadlines import plan_due_reminders

        rt.as_system(as_system, "reminders plan")
        today = rt.ctx.clock.today()
        planned = plan_due_reminders(rt.ctx)
        queued = planned.total
        when = format_date_ko_weekday(today)
        rt.emit(
            {
                "today": today,
                "queued": queued,
                "reminders": planned.reminders,
                "escalations": planned.escalations,
            },
            lambda: typer.echo(
                f"{when} 기준 기한 알림 {planned.reminders}건, 결재권자 경과 보고 {planned.escalations}건을 "
                "발송 대기열에 올렸습니다."
                if queued
                else f"{when} 기준 새로 올릴 기한 알림이 없습니다 (이미 올린 알림은 다시 올리지 않습니다)."
            ),
        )


def register(root: typer.Typer) -> None:
    root.command("deadlines", rich_help_panel="기한·공휴일")(deadlines)
    root.add_typer(reminders, name="reminders", rich_help_panel="기한·공휴일")
