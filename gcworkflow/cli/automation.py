"""`gcw flows …` (the Prefect flows, run now or served), `gcw outbox …` and `gcw contacts …`.

Prefect is imported only inside `gcw flows` (it costs ~1 s and creates its home at import)."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._input import record_id
from gcworkflow.cli._output import compact, dumps, echo_table
from gcworkflow.cli._runtime import AsSystemOption, JsonOption, command

flows_app = typer.Typer(
    help="자동화 흐름(Prefect): 기한 점검·알림, 발송, 문서 발행, 시·도지사 통보.", no_args_is_help=True
)
outbox_app = typer.Typer(help="발송 대기열: 목록, 지금 발송, dead 재시도.", no_args_is_help=True)
contacts_app = typer.Typer(help="상대방(시·도, 부처) 전자우편 주소록 (관리자).", no_args_is_help=True)

HeartbeatOption = Annotated[
    bool,
    typer.Option("--heartbeats/--no-heartbeats", help="흐름 실행 heartbeat (한 번 실행에는 끄는 것이 빠름)"),
]


@flows_app.command("list")
def list_flows(cli: typer.Context, json_output: JsonOption = False) -> None:
    """흐름과 일정(UTC cron)."""
    with command(cli, json_output) as rt:
        rows = [
            (
                "deadline_sweep",
                "5 15 * * * (UTC) = 매일 00:05 KST",
                "기한 알림·경과 보고 계획, 발송, 일일 체크포인트",
            ),
            ("dispatch_outbox", "*/5 * * * * (UTC)", "발송 대기열 발송 (SMTP 또는 Maildir)"),
            ("issue_documents", "*/10 * * * * (UTC)", "절차가 필요로 하는 공문·고시 발행"),
            ("issue_notice", "-", "결재된 고시문: 번호·PDF·저장·document_issued"),
            ("notify_governors", "*/15 * * * * (UTC)", "지정 결과 통보 발송·기록, 기한 내면 통보 완료 확인"),
        ]
        rt.emit(
            [{"name": n, "schedule": s, "does": d} for n, s, d in rows],
            lambda: echo_table(["흐름", "일정", "하는 일"], rows, ""),
        )


@flows_app.command("run")
def run_flow(
    cli: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="gcw flows list 참고")],
    procedure_id: Annotated[
        int | None, typer.Option("--procedure", metavar="ID", help="절차 번호", parser=record_id)
    ] = None,
    heartbeats: HeartbeatOption = False,
    as_system: AsSystemOption = False,
    json_output: JsonOption = False,
) -> None:
    """흐름 하나를 지금 실행합니다 (자동 처리이므로 --as-system). PREFECT_API_URL이 없으면 임시 Prefect 서버를
    띄웠다가 끝나면(중단되어도) 멈춥니다."""
    with command(cli, json_output) as rt:
        from flows.environment import prepare

        rt.as_system(as_system, f"flows run {name}", {"procedure_id": procedure_id})
        prepare(rt.settings)
        from flows.definitions import FLOWS
        from flows.running import prefect_api, run

        if name not in FLOWS:
            from gcworkflow.errors import InvalidInput

            raise InvalidInput(f"알 수 없는 흐름입니다: {name} (가능: {', '.join(FLOWS)})")
        parameters = (
            {"procedure_id": procedure_id} if "procedure_id" in FLOWS[name].parameters.properties else {}
        )
        with prefect_api():
            result = run(name, heartbeats=heartbeats, **parameters)
        rt.emit(result, lambda: typer.echo(dumps(result)))


@flows_app.command("serve")
def serve_flows(
    cli: typer.Context, heartbeats: HeartbeatOption = True, as_system: AsSystemOption = False
) -> None:
    """흐름을 일정대로 실행합니다 (자동 처리이므로 --as-system; Prefect 서버 필요: `prefect server start`,
    PREFECT_API_URL). Ctrl-C로 멈춥니다."""
    with command(cli, False) as rt:
        from flows.environment import prepare

        rt.as_system(as_system, "flows serve")
        prepare(rt.settings)
        from flows.running import serve_all

        serve_all(heartbeats=heartbeats)


@outbox_app.command("list")
def list_outbox(
    cli: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="pending, sending, sent, dead")] = None,
    procedure_id: Annotated[int | None, typer.Option("--procedure", metavar="ID", parser=record_id)] = None,
    json_output: JsonOption = False,
) -> None:
    """발송 대기열 (최근 것부터). 재발송 표시는 발송 도중 멈춘 뒤 같은 Message-ID로 다시 보낸 것입니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.notify import list_outbox as rows_of

        rt.require_reader()
        rows = rows_of(rt.ctx, status, procedure_id)
        rt.emit(
            rows,
            lambda: echo_table(
                ["번호", "절차", "종류", "받는 곳", "상태", "시도", "Message-ID", "비고"],
                [
                    [
                        r["id"],
                        r["procedure_id"],
                        r["kind"],
                        r["address"] or r["recipient"],
                        r["status"],
                        r["attempts"],
                        r["message_id"],
                        "재발송(중복 가능)" if r["resent"] else (r["last_error"] or "")[:60],
                    ]
                    for r in rows
                ],
                "발송 대기열이 비어 있습니다.",
            ),
        )


@outbox_app.command("dispatch")
def dispatch_now(
    cli: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 500,
    as_system: AsSystemOption = False,
    json_output: JsonOption = False,
) -> None:
    """지금 보낼 메시지를 보냅니다 (Prefect 없이, dispatch_outbox 흐름과 같은 일; 자동 처리이므로 --as-system)."""
    with command(cli, json_output) as rt:
        from gcworkflow.notify import dispatch

        rt.as_system(as_system, "outbox dispatch", {"limit": limit})
        report = dispatch(rt.ctx, limit=limit)
        rt.emit(report.as_dict(), lambda: typer.echo(compact(report.as_dict())))


@outbox_app.command("retry")
def retry(
    cli: typer.Context,
    ids: Annotated[
        list[int] | None, typer.Argument(metavar="[ID]...", help="없으면 dead 전부", parser=record_id)
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """dead가 된 메시지를 다시 발송 대기로 돌립니다 (관리자; 감사 기록)."""
    with command(cli, json_output) as rt:
        from gcworkflow.engine import act_on_system
        from gcworkflow.notify import requeue
        from gcworkflow.procedures.spec import Role

        actor = rt.actor()
        requeued: list[int] = []

        def apply(session, _principal):
            requeued.extend(requeue(session, ids, rt.ctx.clock.now()))
            return {"requeued": requeued}

        act_on_system(rt.ctx, actor, "outbox_retry", {"ids": ids or []}, frozenset({Role.ADMIN}), apply)
        rt.emit(
            {"requeued": requeued},
            lambda: typer.echo(
                f"{len(requeued)}건을 다시 발송 대기로 돌렸습니다: {', '.join(map(str, requeued)) or '-'}"
            ),
        )


@contacts_app.command("set")
def set_contact(
    cli: typer.Context,
    party: Annotated[str, typer.Argument(metavar="PARTY", help="governor:47, 47, ministry:산업통상부")],
    email: Annotated[str, typer.Option("--email")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="처리과 (예: 환경정책과): 시행문 수신란에 '…지사(환경정책과장)'"),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """상대방의 전자우편 주소(와 처리과)를 등록하거나 바꿉니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.contacts import set_contact as save

        event = save(rt.ctx, rt.actor(), party, email, name, unit)
        rt.emit({"event_id": event}, lambda: typer.echo(f"등록했습니다 (감사 사건 #{event})."))


@contacts_app.command("list")
def list_contacts(cli: typer.Context, json_output: JsonOption = False) -> None:
    """주소록."""
    with command(cli, json_output) as rt:
        from gcworkflow.contacts import list_contacts as rows_of

        rt.require_reader()
        rows = rows_of(rt.ctx)
        rt.emit(
            rows,
            lambda: echo_table(
                ["상대방", "이름", "처리과", "전자우편"],
                [[r["party"], r["name"], r["unit"] or "-", r["email"]] for r in rows],
                "주소록이 비어 있습니다.",
            ),
        )


def register(root: typer.Typer) -> None:
    root.add_typer(flows_app, name="flows", rich_help_panel="자동화")
    root.add_typer(outbox_app, name="outbox", rich_help_panel="자동화")
    root.add_typer(contacts_app, name="contacts", rich_help_panel="자동화")
