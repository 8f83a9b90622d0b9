"""`gcw serve` (the clerks' desk and the REST API), `gcw users password` and `gcw tokens …`.

FastAPI, uvicorn and argon2 are imported inside the commands, so `gcw --help` does not pay for them.
"""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from gcworkflow.cli._input import record_id
from gcworkflow.cli._output import echo_table, kst
from gcworkflow.cli._runtime import JsonOption, Options, Runtime, command, describe_url

tokens = typer.Typer(
    help="API 토큰: 스크립트용, 한 사용자의 한 권한으로 한정 (관리자).", no_args_is_help=True
)

ROLES_HELP = "clerk, approver, committee_secretary, auditor, admin"


def serve(
    cli: typer.Context,
    host: Annotated[str, typer.Option("--host", help="들을 주소")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="들을 포트")] = 8000,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="앞단 프록시의 X-Forwarded-Proto/For를 믿습니다 (HTTPS 종단 뒤에서: 쿠키에 Secure가 붙음)",
        ),
    ] = False,
    forwarded_allow_ips: Annotated[
        str, typer.Option("--forwarded-allow-ips", help="--proxy-headers를 믿을 프록시 주소")
    ] = "127.0.0.1",
    log_level: Annotated[str, typer.Option("--log-level", help="uvicorn 로그 수준")] = "info",
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="작업 프로세스 수 (세션·보안 토큰·로그인 대기는 데이터베이스로 공유되어 어느 프로세스가 받아도 같음)",
        ),
    ] = 1,
) -> None:
    """웹 화면(주무관·결재권자)과 REST API(/api/, 문서 /docs)를 uvicorn으로 띄웁니다."""
    with command(cli, False) as rt:
        import uvicorn

        from gcworkflow.web.app import create_app

        # Built even when workers build their own: a bad GCW_… setting, database URL or GCW_NOW is then said
        # once, in Korean, before any worker starts (a worker could only print uvicorn's traceback).
        ctx = rt.ctx
        # Before any worker starts: the log, and the folder where the workers add up their request latencies
        # (PROMETHEUS_MULTIPROC_DIR, inherited; gcworkflow.metrics.prepare_processes).
        from gcworkflow import logs
        from gcworkflow.metrics import prepare_processes

        # GCW_LOG_LEVEL, else uvicorn's --log-level: `--log-level warning` quiets our lines too. Through the
        # environment, so that each worker logs as this process does.
        level = rt.settings.log_level or logs.level_name(log_level)
        os.environ["GCW_LOG_LEVEL"] = level
        logs.for_service(rt.settings.log_format, level)
        prepare_processes(rt.settings.var_dir, workers, port)
        app: Any = create_app(ctx) if workers == 1 else WORKER_APP
        processes = f", 작업 프로세스 {workers}개" if workers > 1 else ""
        typer.echo(
            f"gcworkflow 웹: http://{host}:{port}/ (API 문서 /docs, 상태 /healthz; "
            f"데이터베이스 {describe_url(rt.settings.resolved_database_url)}{processes})"
        )
        uvicorn.run(
            app,
            factory=workers > 1,
            workers=workers,
            host=host,
            port=port,
            proxy_headers=proxy_headers,
            forwarded_allow_ips=forwarded_allow_ips,
            log_level=log_level,
            server_header=False,
        )


# uvicorn starts each worker as a fresh interpreter and needs the application as an import string.
WORKER_APP = "gcworkflow.cli.web:worker_app"


def worker_app() -> Any:
    """The desk in one worker process of `gcw serve --workers N`, which uvicorn calls once per worker.

    It is the context a single `gcw serve` builds, from the environment the workers inherit from it
    (GCW_DATABASE_URL, GCW_VAR_DIR, GCW_NOW and every other GCW_ setting; the parent has checked them). Nothing
    else passes between the processes: sessions, CSRF tokens (an HMAC of the session's own secret) and
    sign-in waits live in the database, so any worker answers any request alike.
    """
    from gcworkflow import logs
    from gcworkflow.web.app import create_app

    runtime = Runtime(Options(None), json_output=False)
    logs.for_service(runtime.settings.log_format, runtime.settings.log_level)  # a fresh interpreter's log
    return create_app(runtime.ctx)


def password(
    cli: typer.Context,
    username: Annotated[str, typer.Argument(metavar="NAME", help="사용자 이름")],
    json_output: JsonOption = False,
) -> None:
    """비밀번호를 정합니다: 관리자는 누구의 것이든, 사용자는 자기 것을 지금 비밀번호와 함께 (입력은 화면에 보이지 않음)."""
    with command(cli, json_output) as rt:
        from gcworkflow.web import accounts

        actor = rt.actor()
        old = None
        if actor.username == username:
            old = typer.prompt(
                "지금 비밀번호 (처음 정하는 관리자면 Enter)", hide_input=True, default="", show_default=False
            )
        new = typer.prompt("새 비밀번호 (10자 이상)", hide_input=True, confirmation_prompt="새 비밀번호 확인")
        event_id = accounts.set_password(rt.ctx, actor, username, new, old_password=old or None)
        rt.emit(
            {"username": username, "event_id": event_id},
            lambda: typer.echo(
                f"{username}의 비밀번호를 정했습니다 (감사 사건 #{event_id}). 다른 로그인은 끝났습니다."
            ),
        )


@tokens.command("create")
def create(
    cli: typer.Context,
    user: Annotated[str, typer.Option("--user", help="토큰이 대신할 사용자")],
    role: Annotated[str, typer.Option("--role", help=f"토큰의 권한 (그 사용자의 권한 하나): {ROLES_HELP}")],
    name: Annotated[str, typer.Option("--name", help="이름(용도), 예: 문서 발송 스크립트")],
    days: Annotated[int, typer.Option("--days", min=1, max=366, help="유효 기간(일)")] = 90,
    json_output: JsonOption = False,
) -> None:
    """API 토큰을 발급합니다. 값은 이때 한 번만 출력됩니다 (서버에는 SHA-256만 남음)."""
    with command(cli, json_output) as rt:
        from gcworkflow.web import accounts

        created = accounts.create_token(rt.ctx, rt.actor(), user, role, name, days)
        rt.emit(
            {"id": created.id, "token": created.secret, "event_id": created.event_id},
            lambda: typer.echo(
                f"{created.id}번 토큰 ({user}, {role}, {days}일; 감사 사건 #{created.event_id}):\n"
                f"{created.secret}\n이 값은 다시 볼 수 없습니다. 스크립트에는 Authorization: Bearer 머리글로 주십시오."
            ),
        )


@tokens.command("revoke")
def revoke(
    cli: typer.Context,
    token_id: Annotated[
        int, typer.Argument(metavar="ID", help="토큰 번호 (gcw tokens list)", parser=record_id)
    ],
    json_output: JsonOption = False,
) -> None:
    """API 토큰을 폐기합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow.web import accounts

        event_id = accounts.revoke_token(rt.ctx, rt.actor(), token_id)
        rt.emit(
            {"id": token_id, "event_id": event_id},
            lambda: typer.echo(f"{token_id}번 토큰을 폐기했습니다 (감사 사건 #{event_id})."),
        )


@tokens.command("list")
def list_(cli: typer.Context, json_output: JsonOption = False) -> None:
    """API 토큰 목록 (값은 보이지 않습니다)."""
    with command(cli, json_output) as rt:
        from gcworkflow.web import accounts

        _require_admin(rt)
        rows = accounts.list_tokens(rt.ctx)
        rt.emit(
            rows,
            lambda: echo_table(
                ["번호", "이름", "사용자", "권한", "앞자리", "발급", "만료", "마지막 사용", "상태"],
                [
                    [
                        t["id"],
                        t["name"],
                        t["username"],
                        t["role"],
                        f"{t['prefix']}…",
                        kst(t["created_at"]),
                        kst(t["expires_at"]),
                        kst(t["last_used_at"]),
                        "폐기" if t["revoked_at"] else "사용" if t["active"] else "만료",
                    ]
                    for t in rows
                ],
                "발급된 토큰이 없습니다.",
            ),
        )


def _require_admin(rt: Runtime) -> None:
    """Listing tokens is an admin's; the operator (who holds the database) may read it too."""
    if rt.is_operator:
        return
    from gcworkflow.engine import load_principal
    from gcworkflow.errors import Forbidden
    from gcworkflow.procedures.spec import Role

    with rt.ctx.db.read() as session:
        if Role.ADMIN not in load_principal(session, rt.username).roles:
            raise Forbidden("토큰 목록은 관리자만 볼 수 있습니다")


def register(root: typer.Typer) -> None:
    from gcworkflow.cli import users

    root.command("serve", rich_help_panel="준비")(serve)
    users.app.command("password")(password)
    root.add_typer(tokens, name="tokens", rich_help_panel="준비")
