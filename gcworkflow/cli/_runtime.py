"""What every command shares: who acts, the context it acts in, and refusals turned into exit codes.

Only the standard library, Typer and ``gcworkflow.errors`` (plain dataclasses) are imported at module level:
`gcw --help` must not pay for SQLAlchemy, pydantic-settings or the engine, so those are imported inside the
functions that use them.
"""

from __future__ import annotations

import getpass
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import click
import typer

from gcworkflow.cli._output import dumps
from gcworkflow.errors import Forbidden, GcwError, InvalidInput

if TYPE_CHECKING:
    from gcworkflow.audit.queries import Reader
    from gcworkflow.context import Context
    from gcworkflow.engine import Actor
    from gcworkflow.settings import Settings

OPERATOR = "operator"

# Stable exit statuses, documented in `gcw --help`; scripts branch on them.
EXIT_CODES = {
    "invalid_input": 2,
    "guard_failed": 3,
    "conflict": 4,
    "forbidden": 5,
    "not_found": 6,
    "local_files": 8,  # a folder or file on this server cannot be written (GCW_VAR_DIR, -o FILE)
}
EXIT_FAILED = 1  # the audit trail is broken, or a refusal of a code not listed above
EXIT_NOT_READY = 7  # the database cannot be reached or its schema is missing or older than the code
EXIT_INTERNAL = 9  # a defect: said in one Korean line; GCW_DEBUG=1 shows the traceback
# `gcw doctor` found a check that fails. Its own status: 7 and 8 each name one cause a script acts on, and 1 is
# the audit trail's; a doctor's failure may be a font, an office setting or the mail server, each line says which.
EXIT_CHECKS_FAILED = 10
# `gcw documents verify` found a check the file does not pass: the answer about the file, not a refusal.
EXIT_NOT_VERIFIED = 11
# + the signal's number, as the shell reports a process ended by it (130 Ctrl-C, 143 SIGTERM)
EXIT_SIGNAL = 128
_TOO_LARGE: dict[type[Exception], str] = {
    RecursionError: "입력의 중첩이 너무 깊어 처리할 수 없습니다: 파일·--payload·-p 값의 묶음·목록 단계를 줄이십시오.",
    OverflowError: "입력한 수나 날짜가 다룰 수 있는 범위를 넘습니다: 번호·연도·일수·면적·날짜를 확인하십시오.",
}

JsonOption = Annotated[
    bool, typer.Option("--json", help="결과를 JSON으로 표준 출력에 씁니다 (오류도 JSON으로).")
]
AsSystemOption = Annotated[
    bool,
    typer.Option(
        "--as-system",
        help="자동 처리(system)로서 실행합니다. 문서 생성·발송·알림 계획은 사람이 아닌 system의 일이라 이 표시 "
        "없이는 하지 않으며, 실행 사실이 OS 사용자와 함께 감사 기록(system 체인)에 남습니다.",
    ),
]
# Why the flows' work is nobody's but `system`'s (procedure.md §6, the role table).
SYSTEM_BASIS = "운영방침: 문서 생성·발송·알림 계획은 자동 처리(system)의 일"


@dataclass(frozen=True)
class Options:
    """What the root command was given, shared with every subcommand through ``typer.Context.obj``."""

    user: str | None


def os_user() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        # A container may run under a uid with no passwd entry; the audit row then simply has no OS user.
        return None


def parse_moment(text: str) -> datetime | date:
    """``GCW_NOW``: an ISO-8601 instant with its offset, or a bare date (09:00 KST, see Clock.set)."""
    example = "예: 2026-09-23T10:00:00+09:00 또는 2026-09-23"
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"GCW_NOW 형식이 올바르지 않습니다: {text!r} ({example})") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"GCW_NOW에는 시간대가 있어야 합니다: {text!r} ({example})")
    return moment


def schema_revisions(url: str) -> tuple[str | None, str | None]:
    """The database's Alembic revision and the code's head revision."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from gcworkflow.db.migrate import alembic_config
    from gcworkflow.db.session import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
    return current, ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def describe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


class Runtime:
    """One command's run: the acting user, the settings and context (built on first use), and output."""

    def __init__(self, options: Options, json_output: bool) -> None:
        self.options = options
        self.json_output = json_output
        self._clock_before: datetime | None = None

    @property
    def is_operator(self) -> bool:
        return self.options.user in (None, OPERATOR)

    @property
    def username(self) -> str:
        return self.options.user or OPERATOR

    def actor(self) -> Actor:
        """The named user for an action; the operator may read and verify but not act (DESIGN.md §2)."""
        if self.is_operator:
            raise Forbidden(
                "처리를 하려면 누가 하는지 밝혀야 합니다: `gcw --as 사용자이름 …` 또는 환경변수 GCW_USER를 "
                "지정하십시오. --as 없이는 operator로서 조회·검증·체크포인트만 할 수 있습니다."
            )
        from gcworkflow.engine import Actor

        return Actor(self.username, interface="cli", os_user=os_user())

    def as_system(self, asked: bool, command: str, given: dict[str, Any] | None = None) -> Actor:
        """The ``system`` actor, for a command that does the automated flows' work by hand (render documents,
        plan reminders, dispatch, run the flows): neither the read-only operator's nor a person's, so only when
        ``--as-system`` asks for it, and then recorded on the system chain *before* the work starts, so that
        nothing it writes is left without who ran it (the OS user) and when."""
        if not asked:
            raise Forbidden(
                f"이 명령(gcw {command})은 자동 처리(system)의 일입니다 ({SYSTEM_BASIS}). --as 없는 operator는 "
                "조회·검증·체크포인트만 합니다. 직접 실행하려면 --as-system을 붙이십시오: system으로 실행되고, "
                "실행 사실이 OS 사용자와 함께 감사 기록에 남습니다."
            )
        if not self.is_operator:
            raise InvalidInput(
                "--as-system은 사용자 지정(--as, GCW_USER)과 함께 쓸 수 없습니다: 이 명령은 사람이 아닌 "
                f"system으로만 실행됩니다 (지금 지정된 사용자: {self.username}). --as와 GCW_USER를 빼고 다시 "
                "실행하십시오."
            )
        from gcworkflow.engine import Actor, act_on_system
        from gcworkflow.procedures.spec import Role

        system = Actor("system", interface="cli", os_user=os_user(), role=Role.SYSTEM)
        act_on_system(
            self.ctx,
            system,
            "run_as_system",
            {"command": f"gcw {command}", **(given or {})},
            frozenset({Role.SYSTEM}),
            lambda _session, _principal: {"command": f"gcw {command}"},
            comment="운영자가 자동 처리를 직접 실행함 (--as-system)",
        )
        return system

    def as_reader(self) -> Reader:
        """Who reads the audit record (a procedure's history and refusals, the audit queries), as its scope and
        its record of reads name them; the operator is refused there unless the command is verify or export."""
        from gcworkflow.audit.queries import Reader

        return Reader(self.username, interface="cli", os_user=os_user())

    def require_reader(self) -> None:
        """A named user must exist and be active even to read; the operator always may."""
        from gcworkflow import queries

        queries.require_reader(self.ctx, self.username)

    @cached_property
    def settings(self) -> Settings:
        from pydantic import ValidationError
        from pydantic_settings import SettingsError

        from gcworkflow.settings import Settings, unreadable_setting
        from gcworkflow.validation import korean_errors

        try:
            # Fresh, not get_settings(): that one is cached for the process, and the environment is the input.
            return Settings()
        except ValidationError as exc:
            raise InvalidInput(f"환경 설정(GCW_…) 값을 확인하십시오:\n{korean_errors(exc)}") from exc
        except SettingsError as exc:
            name = unreadable_setting(exc)
            raise InvalidInput(
                f"환경 설정 {name}의 값을 읽을 수 없습니다: 목록은 JSON으로 적습니다 (예: [7, 3, 1])."
            ) from exc

    @cached_property
    def ctx(self) -> Context:
        from sqlalchemy.exc import ArgumentError

        from gcworkflow.clock import clock
        from gcworkflow.context import Context

        moment = parse_moment(os.environ["GCW_NOW"]) if os.environ.get("GCW_NOW") else None
        try:
            context = Context.from_settings(self.settings)
        except ArgumentError as exc:
            raise InvalidInput(f"GCW_DATABASE_URL 형식이 올바르지 않습니다: {exc}") from exc
        self._clock_before = clock.now() if clock.is_fixed else None
        if moment is not None:
            clock.set(moment)
        return context

    def close(self) -> None:
        if "ctx" not in self.__dict__:
            return
        from gcworkflow.clock import clock

        self.ctx.db.dispose()
        # Callers in the same process (tests, the demo's own steps) find the shared clock as they left it.
        if self._clock_before is not None:
            clock.set(self._clock_before)
        else:
            clock.release()

    def emit(self, data: Any, render: Callable[[], None]) -> None:
        """Print ``data`` as JSON with --json, else run ``render`` for the Korean, human form."""
        if self.json_output:
            typer.echo(dumps(data))
        else:
            render()

    def refuse(self, error: GcwError) -> NoReturn:
        if self.json_output:
            typer.echo(dumps(error.as_dict()))
        else:
            typer.echo(error.message, err=True)
            for unmet in error.unmet:
                typer.echo(f"  - {unmet.message} ({unmet.basis}) [{unmet.id}]", err=True)
        raise typer.Exit(EXIT_CODES.get(error.code, EXIT_FAILED))

    def fail(self, code: str, message: str, exit_code: int) -> NoReturn:
        if self.json_output:
            typer.echo(dumps({"code": code, "message": message, "unmet": []}))
        else:
            typer.echo(message, err=True)
        raise typer.Exit(exit_code)

    def database_problem(self, exc: BaseException) -> str | None:
        """Korean advice when a database error means "not set up" or "unreachable"; None for anything else."""
        sa_exc = sys.modules.get("sqlalchemy.exc")
        if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError) or "settings" not in self.__dict__:
            return None
        url = self.settings.resolved_database_url
        try:
            current, head = schema_revisions(url)
        except sa_exc.DBAPIError as unreachable:
            return (
                f"데이터베이스에 접속할 수 없습니다 ({describe_url(url)}): {unreachable.orig}\n"
                "GCW_DATABASE_URL(또는 GCW_VAR_DIR)을 확인하십시오."
            )
        if current is None:
            return (
                f"데이터베이스가 아직 준비되지 않았습니다 ({describe_url(url)}). 처음 설치라면 "
                "`gcw init --admin 사용자이름 --name 표시이름`을, 이미 쓰던 데이터베이스라면 "
                "`gcw db upgrade`를 실행하십시오."
            )
        from gcworkflow.db.migrate import known_revision

        if current != head and not known_revision(url, current):
            return (
                f"데이터베이스 스키마가 프로그램보다 새롭습니다 (데이터베이스 {current}, 프로그램 {head}). "
                "데이터베이스를 올린 새 판의 프로그램으로 실행하십시오."
            )
        if current != head:
            return (
                f"데이터베이스 스키마가 프로그램보다 오래되었습니다 (데이터베이스 {current}, 프로그램 {head}). "
                "`gcw db upgrade`를 실행하십시오."
            )
        return None


class Terminated(BaseException):
    """SIGTERM as an exception, like Ctrl-C's KeyboardInterrupt: every ``finally`` on the way out runs, so an
    open transaction rolls back and a temporary Prefect server is stopped. Not an ``Exception``, so that no
    handler meant for errors swallows it."""

    signum = signal.SIGTERM


def _terminate(signum: int, _frame: object) -> NoReturn:
    raise Terminated(signum)


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a command run from a worker thread keeps the default
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def command(cli: typer.Context, json_output: bool) -> Iterator[Runtime]:
    """Run one command body: refusals, interruptions, unwritable files and defects become a Korean message and
    an exit status, never a traceback."""
    options = cli.obj if isinstance(cli.obj, Options) else Options(None)
    runtime = Runtime(options, json_output)
    try:
        with _sigterm_raises():
            yield runtime
    except GcwError as error:
        runtime.refuse(error)
    except (click.exceptions.Exit, typer.Exit, typer.Abort):
        raise  # a command's own chosen exit status
    except (KeyboardInterrupt, Terminated) as stop:
        signum = signal.SIGINT if isinstance(stop, KeyboardInterrupt) else stop.signum
        runtime.fail(
            "interrupted",
            f"중단했습니다 ({'Ctrl-C' if signum == signal.SIGINT else signal.Signals(signum).name}). "
            "끝나지 않은 처리는 기록되지 않았습니다.",
            EXIT_SIGNAL + signum,
        )
    except (RecursionError, OverflowError) as exc:
        # Only input that no check on the way bounded makes these (ids, files and payloads are bounded where
        # they are read): a nesting the parsers cannot descend, a number no column, date or period can hold.
        # Said as the input error it is, not as a defect; GCW_DEBUG=1 shows where, to bound it there.
        if os.environ.get("GCW_DEBUG") == "1":
            raise
        runtime.refuse(InvalidInput(_TOO_LARGE[type(exc)]))
    except Exception as exc:
        advice = runtime.database_problem(exc)
        if advice is not None:
            runtime.fail("database_not_ready", advice, EXIT_NOT_READY)
        if isinstance(exc, OSError) and exc.filename is not None:
            from gcworkflow.local_files import PATH_ADVICE, LocalFilesError

            runtime.refuse(LocalFilesError("파일", exc.filename, exc, PATH_ADVICE))
        if os.environ.get("GCW_DEBUG") == "1" or isinstance(exc, click.exceptions.ClickException):
            raise
        runtime.fail(
            "internal_error",
            f"내부 오류로 처리하지 못했습니다 ({type(exc).__name__}). 끝나지 않은 처리는 기록되지 않았습니다. "
            "GCW_DEBUG=1로 다시 실행하면 자세한 내용이 보입니다; 관리자에게 알려 주십시오.",
            EXIT_INTERNAL,
        )
    finally:
        runtime.close()
