"""The command line's doors (issue #15 §3): the read-only operator (no ``--as``) writes nothing, the automated
flows' work done by hand is the ``system``'s by an explicit, audited ``--as-system``, and a procedure's record
is read under the same scope, and logged the same way, as `gcw audit history`."""

from __future__ import annotations

import getpass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, AuditRead, OutboxMessage
from gcworkflow.settings import Settings
from tests.cli import Gcw
from tests.support import CLERK, CLERK2, OFFICE, fire, gumi_plan, on, open_gumi, signed

NOW = "2026-09-24T10:00:00+09:00"


@pytest.fixture
def gcw(settings: Settings) -> Gcw:
    office = {f"GCW_{k.upper()}": v for k, v in OFFICE.items()}
    return Gcw({**Gcw.against(settings, NOW).env, **office, "GCW_NOTICE_NUMBERING": "local"})


@pytest.fixture
def consulting(ctx: Context) -> int:
    """The 구미 designation with its opinion request signed on 2026-09-23: a letter to issue, a reply to await."""
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions")
    return pid


def _events(ctx: Context) -> list[tuple[str, str, str, str | None, dict[str, Any]]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                AuditEvent.trigger,
                AuditEvent.actor,
                AuditEvent.interface,
                AuditEvent.os_user,
                AuditEvent.payload,
            ).order_by(AuditEvent.id)
        ).all()
    return [(r.trigger, r.actor, r.interface, r.os_user, loads(r.payload)) for r in rows]


def _queued(ctx: Context) -> int:
    with ctx.db.read() as session:
        return session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one()


def test_the_operator_plans_no_reminders_and_system_does_only_when_asked(
    ctx: Context, gcw: Gcw, consulting: int
) -> None:
    """`gcw reminders plan` queued messages for the read-only operator."""
    events, queued = _events(ctx), _queued(ctx)
    refused = gcw("reminders", "plan", now="2026-10-16")
    assert refused.exit_code == 5
    assert (
        "--as-system" in refused.stderr
        and "운영방침: 문서 생성·발송·알림 계획은 자동 처리(system)의 일" in (refused.stderr)
    )
    assert gcw("reminders", "plan", "--as-system", user=CLERK, now="2026-10-16").exit_code == 2
    assert (_events(ctx), _queued(ctx)) == (events, queued)

    planned = gcw.ok("reminders", "plan", "--as-system", "--json", now="2026-10-16")
    assert '"queued": 1' in planned.stdout and _queued(ctx) == queued + 1
    (run,) = _events(ctx)[len(events) :]
    assert run[:4] == ("run_as_system", "system", "cli", getpass.getuser())
    assert run[4]["input"] == {"command": "gcw reminders plan"}


def test_the_operator_renders_no_document_and_system_does_only_when_asked(
    ctx: Context, gcw: Gcw, consulting: int
) -> None:
    """`gcw documents render` appended an event for the read-only operator."""
    events = _events(ctx)
    refused = gcw("documents", "render", "opinion_request", "--procedure", str(consulting))
    assert refused.exit_code == 5 and "--as-system" in refused.stderr
    assert _events(ctx) == events

    gcw.ok("documents", "render", "opinion_request", "--procedure", str(consulting), "--as-system")
    run, numbered, enclosed, issued = _events(ctx)[len(events) :]
    assert run[:4] == ("run_as_system", "system", "cli", getpass.getuser())
    assert run[4]["input"] == {
        "command": "gcw documents render",
        "kind": "opinion_request",
        "procedure_id": consulting,
    }
    # The letter's number, its 붙임, then the letter: each the system's, each with the OS user who ran it.
    assert [e[:4] for e in (numbered, enclosed, issued)] == [
        ("register_letter_number", "system", "cli", getpass.getuser()),
        ("document_issued", "system", "cli", getpass.getuser()),
        ("document_issued", "system", "cli", getpass.getuser()),
    ]
    assert [e[4]["input"]["document"] for e in (enclosed, issued)] == ["plan_summary", "opinion_request"]


def test_every_command_doing_the_systems_work_asks_for_the_flag(gcw: Gcw, consulting: int) -> None:
    for command in (["outbox", "dispatch"], ["flows", "run", "dispatch_outbox"], ["flows", "serve"]):
        refused = gcw(*command)
        assert refused.exit_code == 5 and "--as-system" in refused.stderr, command
    assert "--as-system" in gcw.ok("--help").stdout
    for command in (["reminders", "plan"], ["documents", "render"], ["outbox", "dispatch"], ["flows", "run"]):
        assert "--as-system" in gcw.ok(*command, "--help").stdout, command


def _reads(ctx: Context) -> list[tuple[str, str, str | None, str, str]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                AuditRead.actor, AuditRead.interface, AuditRead.os_user, AuditRead.query, AuditRead.outcome
            )
        ).all()
    return [tuple(r) for r in rows]


def test_a_procedures_record_is_read_under_the_audit_scope_and_logged(ctx: Context, gcw: Gcw) -> None:
    pid = str(open_gumi(ctx))
    stranger = gcw("history", pid, user=CLERK2)
    assert stranger.exit_code == 5
    assert "담당하거나 처리한 절차가 아닙니다 (운영방침: 감사 기록 열람 범위)" in stranger.stderr
    assert gcw("refusals", "--procedure", pid, user=CLERK2).exit_code == 5
    operator = gcw("history", pid)
    assert operator.exit_code == 5 and "gcw --as 사용자이름 history" in operator.stderr
    assert [e["trigger"] for e in gcw.json("history", pid, user=CLERK)] == ["open"]
    assert gcw.json("refusals", "--procedure", pid, user=CLERK) == []
    me = getpass.getuser()
    assert _reads(ctx) == [
        (CLERK2, "cli", me, "history", "forbidden"),
        (CLERK2, "cli", me, "refusals", "forbidden"),
        ("operator", "cli", me, "history", "forbidden"),
        (CLERK, "cli", me, "history", "ok"),
        (CLERK, "cli", me, "refusals", "ok"),
    ]
