"""Faults, each ending with nothing lost and nothing doubled (issue #5).

The flows run as an operator runs them, `gcw flows run NAME` in a subprocess, against the session's Prefect test
server and a real SMTP server (aiosmtpd). Crashes are the named crash points of gcworkflow/faults.py: the process
ends right there with exit status 86, as a power cut would. What the server received is counted by Message-ID:
the total may exceed the number of distinct Message-IDs only when a dispatcher died after the server accepted a
message and before the outbox recorded it — and then the copy carries the same Message-ID and the row says
`resent`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gcworkflow import automation
from gcworkflow.automation.issuing import procedure_view
from gcworkflow.cli import app
from gcworkflow.notify import dispatch
from tests.flows import CRASHED, Gcw
from tests.notify import (
    env,
    events,
    facts,
    later,
    letter_row,
    opinion_letter,
    queue_messages,
    ready,
    row,
    rows,
)
from tests.notify.smtp import SmtpServer
from tests.support import committee_approves, through_notice_signoff, to_committee

# Each `gcw flows run` costs 2–3 s here (importing Prefect and the engine), so the faults whose handling does not
# depend on the database (backoff after an outage; crashes before any database write) run on SQLite only: the
# same logic runs on both databases in test_dispatch.py (backoff, dead, requeue) and tests/flows (the notice).
# The two that do depend on it, the lease re-claim and concurrent claims (SKIP LOCKED vs BEGIN IMMEDIATE), run
# on both.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def mail(ctx, smtp_server: SmtpServer):
    return ready(ctx, smtp_server, outbox_lease_seconds=30)


@pytest.fixture
def gcw(mail, smtp_server: SmtpServer, prefect_api: str, tmp_path: Path) -> Gcw:
    return Gcw.for_test(env(mail, smtp_server), prefect_api, tmp_path / "prefect")


def cli(gcw: Gcw, *args: str) -> str:
    """`gcw …` in this process (Typer's runner) with the subprocesses' GCW_ settings; its standard output."""
    result = CliRunner().invoke(
        app,
        list(args),
        env={k: v for k, v in gcw.env.items() if k.startswith("GCW_")},
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def now(ctx) -> str:
    return ctx.clock.now().isoformat()


def stored(ctx) -> list[str]:
    """The SHA-256 of every file in the document store (each file is named by the hash of its bytes)."""
    root = ctx.settings.document_dir
    hashes = []
    for path in sorted(root.glob("??/*")) if root.exists() else []:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.name == digest, f"{path}: not a finished document (a half-written file?)"
        hashes.append(digest)
    return hashes


@SQLITE_ONLY
def test_smtp_server_down_for_the_first_run_and_up_for_the_second(mail, smtp_server: SmtpServer, gcw: Gcw):
    ctx = mail
    pid = opinion_letter(ctx)
    automation.issue_documents(ctx, pid)
    letter = letter_row(ctx, pid, "opinion_request")["id"]
    smtp_server.stop()

    first = gcw.flow("dispatch_outbox", GCW_NOW=now(ctx))
    assert first.returncode == 0, first.explain()
    assert (first.json["claimed"], first.json["sent"], first.json["failed"]) == (1, 0, 1)
    item = row(ctx, letter)
    assert item["status"] == "pending" and item["attempts"] == 1 and "SMTP 발송 실패" in item["last_error"]
    backoff = timedelta(seconds=ctx.settings.outbox_backoff_seconds)
    assert item["next_attempt_at"] == ctx.clock.now() + backoff

    smtp_server.start()
    ctx.clock.advance(backoff - timedelta(seconds=1))
    assert dispatch(ctx).claimed == 0  # the server is back, but the message is still backing off
    second = gcw.flow("dispatch_outbox", GCW_NOW=later(ctx, 1))
    assert second.returncode == 0, second.explain()
    assert (second.json["sent"], second.json["failed"], second.json["resent"]) == (1, 0, 0)
    item = row(ctx, letter)
    assert item["status"] == "sent" and item["attempts"] == 2 and not item["resent"]
    assert smtp_server.counts() == (1, 1)  # distinct Message-IDs, total received
    (received,) = smtp_server.received
    # The letter and its 조성계획(요약).
    assert received.message_id == item["message_id"] and len(received.attachments) == 2


@SQLITE_ONLY
def test_crash_between_rendering_and_recording_the_notice(mail, gcw: Gcw):
    ctx = mail
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    (number,) = facts(ctx, pid, "notice_number")

    rendered = gcw.flow("issue_notice", pid, GCW_CRASH_AT="after_render", GCW_NOW=now(ctx))
    assert rendered.returncode == CRASHED, rendered.explain()
    assert facts(ctx, pid, "document_issued") == [] and stored(ctx) == []

    kept = gcw.flow("issue_notice", pid, GCW_CRASH_AT="after_store", GCW_NOW=now(ctx))
    assert kept.returncode == CRASHED, kept.explain()
    assert facts(ctx, pid, "document_issued") == []
    orphans = set(
        stored(ctx)
    )  # the signed PDF and its HWPX twin are in the store, no record points at them yet
    assert len(orphans) == 2

    done = gcw.flow("issue_notice", pid, GCW_NOW=now(ctx))
    assert done.returncode == 0, done.explain()
    (issued,) = done.json["issued"]
    assert issued["new"] is True and issued["number"] == number["number"] == "기후에너지환경부고시 제2026-1호"
    # Exactly one document_issued, one notice number, and the same PDF as the crashed runs rendered.
    (record,) = facts(ctx, pid, "document_issued")
    assert record["sha256"] == issued["sha256"] and {record["sha256"], record["hwpx_sha256"]} == orphans
    assert events(ctx, pid, "document_issued") == 1
    assert facts(ctx, pid, "notice_number") == [number]
    assert set(stored(ctx)) == orphans
    assert "designation_notice" not in automation.documents_due(procedure_view(ctx, pid))


def test_dispatcher_killed_after_the_server_accepted(mail, smtp_server: SmtpServer, gcw: Gcw):
    ctx = mail
    pid = opinion_letter(ctx)
    automation.issue_documents(ctx, pid)
    letter = letter_row(ctx, pid, "opinion_request")["id"]
    others = queue_messages(ctx, 2)  # claimed in the same batch, never handed to the server by the dead run

    crashed = gcw.flow("dispatch_outbox", GCW_CRASH_AT="after_smtp_accept", GCW_NOW=now(ctx))
    assert crashed.returncode == CRASHED, crashed.explain()
    assert smtp_server.counts() == (1, 1)
    first = smtp_server.received[0].message_id
    item = row(ctx, letter)
    assert item["status"] == "sending" and item["attempts"] == 0 and not item["resent"]
    assert {row(ctx, i)["status"] for i in others} == {"sending"}

    # Within the lease (GCW_OUTBOX_LEASE_SECONDS=30) nobody touches the rows: the dead run may still hold them.
    ctx.clock.advance(timedelta(seconds=29))
    assert dispatch(ctx).claimed == 0 and smtp_server.counts() == (1, 1)

    rerun = gcw.flow("dispatch_outbox", GCW_NOW=later(ctx, 2))
    assert rerun.returncode == 0, rerun.explain()
    assert (rerun.json["claimed"], rerun.json["sent"], rerun.json["failed"]) == (3, 3, 0)
    # Nothing lost: all three sent once more; the accepted one twice, with the SAME Message-ID.
    assert smtp_server.counts() == (3, 4)
    assert smtp_server.message_ids()[first] == 2
    item = row(ctx, letter)
    assert item["status"] == "sent" and item["resent"] is True and item["message_id"] == first
    assert {r["status"] for r in rows(ctx)} == {"sent"}

    # `gcw outbox list` (the same command, in this process: it needs no Prefect) shows the flag.
    listed = cli(gcw, "outbox", "list", "--json")
    shown = next(r for r in json.loads(listed) if r["id"] == letter)
    assert (shown["status"], shown["resent"], shown["message_id"]) == ("sent", True, first)
    table = cli(gcw, "outbox", "list", "--status", "sent")
    assert "재발송(중복 가능)" in table and first in table


def test_two_dispatchers_at_once(mail, smtp_server: SmtpServer, gcw: Gcw):
    ctx = mail
    ids = queue_messages(ctx, 30)
    args = ("flows", "run", "dispatch_outbox", "--as-system", "--json")
    started = [gcw.start(*args, GCW_NOW=now(ctx)) for _ in range(2)]
    done = [gcw.wait(process, args) for process in started]
    for run in done:
        assert run.returncode == 0, run.explain()
    assert sum(run.json["sent"] for run in done) == 30
    assert all(run.json["failed"] == 0 for run in done)
    assert smtp_server.counts() == (30, 30)
    assert [r["status"] for r in rows(ctx)] == ["sent"] * len(ids)
    assert not any(r["resent"] for r in rows(ctx))
