"""`gcw db …` (the schema, through Alembic only) and `gcw init` (schema plus the first admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._output import fields
from gcworkflow.cli._runtime import (
    EXIT_NOT_READY,
    JsonOption,
    command,
    describe_url,
    os_user,
    schema_revisions,
)
from gcworkflow.errors import InvalidInput
from gcworkflow.korean import particle

app = typer.Typer(help="데이터베이스 스키마 (Alembic 마이그레이션).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    cli: typer.Context,
    revision: Annotated[str, typer.Option(help="올릴 판 (기본: 최신 head)")] = "head",
    wait: Annotated[
        float,
        typer.Option(
            min=0,
            max=3600,
            help="쓰는 중인 다른 gcw 프로세스를 기다릴 최대 시간(초); 지나면 아무것도 바꾸지 않고 멈춥니다",
        ),
    ] = 30.0,
    json_output: JsonOption = False,
) -> None:
    """스키마를 최신 판으로 올립니다 (이미 최신이면 아무것도 하지 않습니다).

    올리는 동안 다른 gcw 프로세스의 쓰기는 기다리게 하고, 동시에 실행한 두 번째 upgrade는 거절합니다.
    올리기 전에 gcw serve와 Prefect 흐름을 멈추고, 새 판을 설치하기 전에 지금 판의 gcw backup으로 백업하십시오.
    올린 뒤에는 gcw audit verify로 감사 기록을 확인하십시오.
    """
    with command(cli, json_output) as rt:
        from alembic.util import CommandError

        from gcworkflow.db.migrate import known_revision
        from gcworkflow.db.migrate import upgrade as migrate_up

        url = rt.settings.resolved_database_url
        if not revision:
            raise InvalidInput(
                "--revision에 올릴 판을 적으십시오 (보통은 --revision 없이 최신 head로 올립니다)."
            )
        before, head = schema_revisions(url)
        if before is not None and not known_revision(url, before):
            # A database upgraded by a newer program: this program's migrations cannot read it, nor should it run.
            rt.fail(
                "database_not_ready",
                f"데이터베이스 스키마({before})가 이 프로그램의 최신 판({head})보다 새롭습니다 "
                f"({describe_url(url)}). 데이터베이스를 올린 새 판의 프로그램으로 실행하십시오.",
                EXIT_NOT_READY,
            )
        try:
            migrate_up(url, revision, wait=wait)
        except CommandError as exc:
            # Alembic's own words (English) name what it could not find or reach; ours say what to do.
            raise InvalidInput(
                f"스키마를 {revision!r} 판으로 올릴 수 없습니다: 판 이름을 확인하십시오 (보통은 --revision 없이 "
                f"최신 head로 올립니다; 지금 판은 `gcw db current`). ({exc})"
            ) from exc
        current, head = schema_revisions(url)
        data = {"database": describe_url(url), "before": before, "current": current, "head": head}
        rt.emit(
            data,
            lambda: typer.echo(_upgraded(before, current, data["database"])),
        )


def _upgraded(before: str | None, current: str | None, database: str) -> str:
    if before == current:
        return f"데이터베이스 스키마가 이미 {current} 판입니다 ({database})."
    if before is None:
        return f"빈 데이터베이스에 스키마를 만들었습니다: {current} 판 ({database})."
    return (
        f"데이터베이스 스키마를 {before} 판에서 {current} 판으로 올렸습니다 ({database}). "
        "이제 `gcw audit verify`로 감사 기록을 확인하십시오."
    )


@app.command("current")
def current(cli: typer.Context, json_output: JsonOption = False) -> None:
    """데이터베이스의 스키마 판과 프로그램의 최신 판을 봅니다."""
    with command(cli, json_output) as rt:
        url = rt.settings.resolved_database_url
        now, head = schema_revisions(url)
        data = {"database": describe_url(url), "current": now, "head": head, "up_to_date": now == head}
        rt.emit(
            data,
            lambda: typer.echo(
                fields(
                    [
                        ("데이터베이스", data["database"]),
                        ("현재 판", now or "없음 (gcw init 또는 gcw db upgrade 필요)"),
                        ("최신 판", head),
                        ("최신 여부", now == head),
                    ]
                )
            ),
        )


def init(
    cli: typer.Context,
    admin: Annotated[str, typer.Option("--admin", help="첫 관리자의 사용자 이름 (영문·숫자·._-)")],
    name: Annotated[str, typer.Option("--name", help="표시 이름 (예: 홍길동)")],
    email: Annotated[str | None, typer.Option("--email", help="전자우편")] = None,
    json_output: JsonOption = False,
) -> None:
    """데이터베이스를 만들고(최신 스키마) 첫 관리자를 등록합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import people
        from gcworkflow.db.migrate import upgrade as migrate_up

        migrate_up(rt.settings.resolved_database_url)
        event_id = people.init_admin(rt.ctx, admin, name, email, os_user=os_user())
        data = {"database": rt.ctx.db.describe(), "admin": admin, "event_id": event_id}
        rt.emit(
            data,
            lambda: typer.echo(
                f"데이터베이스를 준비하고 첫 관리자 {admin}({name}){particle(admin, '을')} 등록했습니다 (감사 사건 #{event_id}).\n"
                f"다음: gcw --as {admin} users add 사용자이름 --name 표시이름 --role clerk"
            ),
        )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="db", rich_help_panel="준비")
    root.command("init", rich_help_panel="준비")(init)
