"""`gcw`: the operator's command line over the engine (DESIGN.md §2 "Who acts", §4 errors).

Whoever runs it holds the database credentials, so it names the acting user with ``--as USER`` (or
``GCW_USER``); without it the actor is ``operator``, who may read, verify and export but take no action and
write nothing but checkpoints. The automated flows' work (render documents, plan reminders, dispatch, run the
flows) is the ``system``'s: a command doing it by hand takes ``--as-system``, recorded on the system chain.
Each command module imports the engine only inside its commands, so that `gcw --help` stays fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

from gcworkflow import logs
from gcworkflow.cli import (
    audit,
    automation,
    backup,
    calendar,
    clusters,
    db,
    deadlines,
    doctor,
    documents,
    fire,
    plans,
    procedures,
    proposals,
    tools,
    users,
    views,
    web,
)
from gcworkflow.cli._runtime import Options

__all__ = ["app", "main"]

app = typer.Typer(
    name="gcw",
    help=(
        "녹색융합클러스터 법정 절차 워크플로 (gcworkflow).\n\n"
        "처리(fire, propose, approve …)는 `--as 사용자이름`(또는 GCW_USER)으로 행위자를 밝혀야 합니다. "
        "--as가 없으면 operator로서 조회·검증·체크포인트만 할 수 있습니다. 자동 처리(system)의 일인 문서 생성, "
        "알림 계획, 발송, 흐름 실행은 `--as-system`을 붙여야 system으로 실행되며 그 사실이 감사 기록에 남습니다.\n\n"
        "환경변수: GCW_DATABASE_URL(데이터베이스), GCW_VAR_DIR(로컬 파일 폴더), "
        "GCW_NOW(시각 고정, 예: 2026-09-23T10:00:00+09:00 또는 2026-09-23).\n\n"
        "종료 코드: 0 성공, 1 감사 기록 이상 등, 2 입력 오류, 3 요건 미충족, 4 충돌, 5 권한 없음, "
        "6 없음, 7 데이터베이스 미준비, 8 로컬 파일 쓰기 불가(GCW_VAR_DIR 등), 9 내부 오류, "
        "10 점검 실패(gcw doctor), 11 검증 실패(gcw documents verify), 130·143 중단(Ctrl-C·SIGTERM)."
    ),
    no_args_is_help=True,
    # A traceback's locals would print the database URL, password included.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def root(
    cli: typer.Context,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="GCW_USER",
            metavar="USER",
            help="처리하는 사용자 (없으면 operator: 조회·검증만)",
        ),
    ] = None,
) -> None:
    cli.obj = Options(as_user)
    # Log lines on stderr only when GCW_LOG_FORMAT or GCW_LOG_LEVEL asks: what a command prints stays as it was.
    logs.for_command_line()


for module in (
    db,
    users,
    clusters,
    procedures,
    plans,
    fire,
    documents,
    proposals,
    views,
    deadlines,
    calendar,
    automation,
    audit,
    backup,
    doctor,
    tools,
    web,
):
    module.register(app)


def main() -> None:
    app(prog_name="gcw")
