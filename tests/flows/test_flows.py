"""The flows end to end, in this process, on the session's Prefect test server (heartbeats off): a published
designation is notified to its governor by e-mail through a real SMTP server and becomes `designated`; the daily
sweep reminds of an overdue deadline and writes one audit checkpoint a day.

The flows build their context from the environment and the process clock (`Context.from_settings()`), as they
do when served; the `flows_ctx` fixture gives them the test's database, folders, mail server and time.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from gcworkflow import queries
from gcworkflow.clock import clock
from gcworkflow.context import Context
from gcworkflow.db.models import AuditCheckpoint
from gcworkflow.procedures.deadline_kinds import TO_DO
from gcworkflow.settings import get_settings
from tests.notify import (
    CONTACTS,
    EMAILS,
    GOVERNOR,
    TITLE,
    env,
    facts,
    letter_row,
    opinion_letter,
    ready,
    set_contacts,
    set_user_emails,
)
from tests.notify.smtp import SmtpServer
from tests.support import (
    APPROVER,
    CLERK,
    advance,
    committee_approves,
    on,
    publish_the_notice,
    through_notice_signoff,
    to_committee,
)


@pytest.fixture
def flows_ctx(
    ctx: Context, smtp_server: SmtpServer, prefect_api: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Context]:
    ready(ctx, smtp_server)
    for key, value in env(ctx, smtp_server).items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    clock.set(ctx.clock.now())
    ctx.clock = clock  # the flows' clock: the helpers' on()/advance() move it for both
    yield ctx
    clock.release()
    get_settings.cache_clear()


def run(name: str, **parameters: Any) -> Any:
    from flows.running import run as run_flow

    return run_flow(name, heartbeats=False, **parameters)


def latest_run(name: str) -> tuple[str, dict[str, Any]]:
    """What the Prefect server recorded for the newest run of flow ``name``: its state type and parameters."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        (newest,) = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[name])),
            sort=FlowRunSort.START_TIME_DESC,
            limit=1,
        )
    assert newest.state is not None
    return newest.state.type.value, dict(newest.parameters)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_notify_governors_sends_letter_and_notice_and_designates(flows_ctx: Context, smtp_server: SmtpServer):
    ctx = flows_ctx
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    set_contacts(ctx)
    issued = run("issue_documents", procedure_id=pid)
    assert not issued["refused"] and "designation_notice" in [i["kind"] for i in issued["issued"]]
    publish_the_notice(ctx, pid, stand_in_pdf=False)

    result = run("notify_governors", procedure_id=pid)
    assert result["outcome"] == {pid: "designated"} and result["recorded"] == {pid: [GOVERNOR]}
    assert latest_run("notify_governors") == ("COMPLETED", {"procedure_id": pid})
    assert queries.procedure_status(ctx, pid)["state"] == "designated"

    (received,) = [r for r in smtp_server.to(CONTACTS[GOVERNOR]) if "지정 결과 통보" in r.subject]
    name = facts(ctx, pid, "notice_content")[-1]["name"]
    assert received.subject == f"[지정 결과 통보] {name}"
    for expected in ("수신: 경상북도지사", "제9조제3항", f"{name} 지정 결과를 통보합니다", "14일 이상"):
        assert expected in received.body, (expected, received.body)
    # The notification letter, the notice and the 조성계획(요약) its 붙임 lines name, as issued (the store's bytes).
    documents = {f["document"]: f for f in facts(ctx, pid, "document_issued")}
    letter, notice = documents["designation_notification"], documents["designation_notice"]
    (summary,) = letter["enclosures"]
    assert [(n, k) for n, k, _ in received.attachments] == [
        (f"{letter['title']}.pdf", "application/pdf"),
        (f"{notice['title']}.pdf", "application/pdf"),
        (f"{summary['title']}.pdf", "application/pdf"),
    ]
    assert [d for _, _, d in received.attachments] == [
        ctx.store.get(letter["sha256"]),
        ctx.store.get(notice["sha256"]),
        ctx.store.get(summary["sha256"]),
    ]
    letter_text, notice_text, _ = (pdf_text(d) for _, _, d in received.attachments)
    for expected in ("경상북도지사", "지정 결과 통보", "14일 이상", "기후에너지환경부장관"):
        assert expected in letter_text, expected
    for expected in ("기후에너지환경부고시 제2026-1호", "지정 목적", "열람"):
        assert expected in notice_text, expected

    (notification,) = facts(ctx, pid, "governor_notification")
    assert notification["message_id"] == received.message_id and notification["late"] is False
    row = letter_row(ctx, pid, "designation_notification")
    assert row["status"] == "sent" and row["message_id"] == received.message_id
    # Run again: nothing is sent, recorded or fired twice.
    again = run("notify_governors", procedure_id=pid)
    assert again["dispatch"]["claimed"] == 0 and again["recorded"] == {pid: []}
    assert again["outcome"] == {pid: "designated"}
    assert smtp_server.counts()[0] == smtp_server.counts()[1]


def test_deadline_sweep_reminds_of_an_overdue_deadline_and_checkpoints_once_a_day(
    flows_ctx: Context, smtp_server: SmtpServer
):
    ctx = flows_ctx
    pid = opinion_letter(ctx)
    set_user_emails(ctx)
    (request,) = [f for f in facts(ctx, pid, "consultation_request") if f["subject"] == GOVERNOR]
    due = request["reply_by"]
    on(ctx, date.fromisoformat(due) + timedelta(days=3), hour=0)  # 3 days overdue, at the sweep's hour (KST)

    first = run("deadline_sweep")
    assert (first["reminders"], first["escalations"]) == (1, 1)
    assert first["dispatch"]["sent"] == 2 and first["checkpoint"].startswith("gcw-checkpoint ")
    assert latest_run("deadline_sweep")[0] == "COMPLETED"
    (reminder,) = smtp_server.to(EMAILS[CLERK])
    assert reminder.subject == f"[기한 D+3] 시·도지사 의견 회신 기한 — {TITLE}"
    for expected in (f"기한: {due}", f"절차: {TITLE}", f"할 일: {TO_DO['governor_reply']}"):
        assert expected in reminder.body, (expected, reminder.body)
    (escalation,) = smtp_server.to(EMAILS[APPROVER])
    assert escalation.subject.startswith("[기한 경과 보고] 시·도지사 의견 회신 기한")

    again = run("deadline_sweep")  # the same day: nothing new, no second checkpoint
    assert (again["reminders"], again["escalations"], again["dispatch"]["sent"]) == (0, 0, 0)
    assert again["checkpoint"] is None

    advance(ctx, 1)
    next_day = run("deadline_sweep")
    assert (next_day["reminders"], next_day["escalations"], next_day["dispatch"]["sent"]) == (1, 0, 1)
    assert next_day["checkpoint"] is not None and next_day["checkpoint"] != first["checkpoint"]
    with ctx.db.read() as session:
        assert session.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one() == 2
    assert [r.subject.split("]")[0] for r in smtp_server.to(EMAILS[CLERK])] == ["[기한 D+3", "[기한 D+4"]
    assert smtp_server.counts() == (3, 3)


def test_documents_then_dispatch_flows(flows_ctx: Context, smtp_server: SmtpServer):
    """The letter waits for its PDF; the documents flow issues it once; the dispatch flow sends it once."""
    ctx = flows_ctx
    pid = opinion_letter(ctx)
    waiting = run("dispatch_outbox")
    assert (waiting["waiting"], waiting["sent"]) == (1, 0) and smtp_server.received == []
    issued = run("issue_documents", procedure_id=pid)
    assert [i["kind"] for i in issued["issued"]] == ["opinion_request"]
    assert run("issue_documents", procedure_id=pid)["issued"] == []
    sent = run("dispatch_outbox")
    assert sent["sent"] == 1 and latest_run("dispatch_outbox")[0] == "COMPLETED"
    (received,) = smtp_server.received
    assert received.rcpt_tos == (CONTACTS[GOVERNOR],) and received.subject == f"[의견조회] {TITLE}"
    assert "의견 조회" in received.pdf_text(0)
    assert run("dispatch_outbox")["claimed"] == 0
