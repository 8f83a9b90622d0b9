"""`gcw users …`: people and their roles (procedure.md §6); every change is an admin's audited action."""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow.cli._output import echo_table
from gcworkflow.cli._runtime import JsonOption, Runtime, command
from gcworkflow.korean import particle

app = typer.Typer(help="사용자와 권한 (관리자).", no_args_is_help=True)

ROLES_HELP = (
    "clerk(담당 주무관), approver(결재권자), committee_secretary(위원회 간사), auditor(감사), admin(관리자)"
)
Username = Annotated[str, typer.Argument(metavar="NAME", help="사용자 이름")]
RoleArgument = Annotated[str, typer.Argument(metavar="ROLE", help=ROLES_HELP)]


def _done(rt: Runtime, message: str, event_id: int, **data: object) -> None:
    rt.emit({**data, "event_id": event_id}, lambda: typer.echo(f"{message} (감사 사건 #{event_id})"))


@app.command("add")
def add(
    cli: typer.Context,
    username: Username,
    name: Annotated[str, typer.Option("--name", help="표시 이름 (예: 김주무)")],
    role: Annotated[list[str], typer.Option("--role", help=f"권한, 여러 번 줄 수 있음: {ROLES_HELP}")],
    email: Annotated[str | None, typer.Option("--email", help="전자우편")] = None,
    json_output: JsonOption = False,
) -> None:
    """사용자를 등록합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import people

        event_id = people.add_user(rt.ctx, rt.actor(), username, name, role, email)
        _done(
            rt,
            f"사용자 {username}({name}){particle(username, '을')} 등록했습니다: {', '.join(role)}",
            event_id,
            username=username,
            roles=role,
        )


@app.command("list")
def list_(cli: typer.Context, json_output: JsonOption = False) -> None:
    """사용자 목록."""
    with command(cli, json_output) as rt:
        from gcworkflow import people

        rt.require_reader()
        users = people.list_users(rt.ctx)
        rt.emit(
            [u.as_dict() for u in users],
            lambda: echo_table(
                ["이름", "표시 이름", "권한", "전자우편", "사용"],
                [[u.username, u.display_name, u.roles, u.email, u.active] for u in users],
                "등록된 사용자가 없습니다.",
            ),
        )


@app.command("grant")
def grant(
    cli: typer.Context, username: Username, role: RoleArgument, json_output: JsonOption = False
) -> None:
    """권한을 부여합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import people

        event_id = people.grant_role(rt.ctx, rt.actor(), username, role)
        _done(rt, f"{username}에게 {role} 권한을 부여했습니다", event_id, username=username, granted=role)


@app.command("revoke")
def revoke(
    cli: typer.Context, username: Username, role: RoleArgument, json_output: JsonOption = False
) -> None:
    """권한을 회수합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import people

        event_id = people.revoke_role(rt.ctx, rt.actor(), username, role)
        _done(rt, f"{username}의 {role} 권한을 회수했습니다", event_id, username=username, revoked=role)


@app.command("deactivate")
def deactivate(cli: typer.Context, username: Username, json_output: JsonOption = False) -> None:
    """계정 사용을 중지합니다 (기록은 남습니다)."""
    with command(cli, json_output) as rt:
        from gcworkflow import people

        event_id = people.set_active(rt.ctx, rt.actor(), username, False)
        _done(rt, f"{username} 계정 사용을 중지했습니다", event_id, username=username, active=False)


@app.command("activate")
def activate(cli: typer.Context, username: Username, json_output: JsonOption = False) -> None:
    """중지된 계정을 다시 사용하게 합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import people

        event_id = people.set_active(rt.ctx, rt.actor(), username, True)
        _done(rt, f"{username} 계정을 다시 사용하게 했습니다", event_id, username=username, active=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="users", rich_help_panel="준비")
