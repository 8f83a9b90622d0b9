"""`gcw db …` (the schema, through Alembic only) and `gcw init` (schema plus the first admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._output import fields
from gcworkflow.cli._runtime import JsonOption, command, describe_url, os_user, schema_revisions
from gcworkflow.errors import InvalidInput
from gcworkflow.korean import particle

app = typer.Typer(help="데이터베이스 스키마 (Alembic 마이그레이션).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    cli: typer.Context,
    revision: Annotated[str, typer.Option(help="올릴 판 (기본: 최신 head)")] = "head",
    json_output: JsonOption = False,
) -> None:
    """스키마를 최신 판으로 올립니다 (이미 최신이면 아무것도 하지 않습니다)."""
    with command(cli, json_output) as rt:
        from alembic.util import CommandError

        from gcworkflow.db.migrate import upgrade as migrate_up

        url = rt.settings.resolved_database_url
        if not revision:
            raise InvalidInput(
                "--revision에 올릴 판을 적으십시오 (보통은 --revision 없이 최신 head로 올립니다)."
            )
        try:
            migrate_up(url, revision)
        except CommandError as exc:
            # Alembic's own words (English) name what it could not find or reach; ours say what to do.
            raise InvalidInput(
                f"스키마를 {revision!r} 판으로 올릴 수 없습니다: 판 이름을 확인하십시오 (보통은 --revision 없이 "
                f"최신 head로 올립니다; 지금 판은 `gcw db current`). ({exc})"
            ) from exc
        current, head = schema_revisions(url)
        data = {"database": describe_url(url), "current": current, "head": head}
        rt.emit(
            data,
            lambda: typer.echo(f"데이터베이스 스키마를 {current} 판으로 올렸습니다 ({data['database']})."),
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
