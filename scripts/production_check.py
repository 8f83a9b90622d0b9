"""The Python half of ``scripts/production-check`` (the shell script runs the servers and the commands; this
file does what is easier in Python). Subcommands:

- ``smtp``: a real SMTP server (aiosmtpd on 127.0.0.1, a free port written to a file) that appends one JSON
  line per accepted message (its Message-ID and recipients) to a receipts file, until SIGTERM;
- ``wait-http URL``: until URL answers 200 (Prefect's /api/health), or fail;
- ``seed``: pending work in the gcworkflow database, walked through the engine with the tests' own helpers
  (tests/support.py) on a clock set relative to the real "now" the workers will read: letters and a notice to
  issue, letters to send, a governor to notify, reminders and an escalation due today;
- ``wait RUN_ID …``: until every flow run is final on the Prefect server; prints each one's state, worker and
  timing, and the logs of any run that did not complete;
- ``deployments``: prefect.yaml's deployments are on the server as written (pool, cron, timezone);
- ``verify``: what the runs must have done, read from the database, the receipts and the document store:
  every outbox row sent and received exactly once, documents and numbers issued once, reminders queued once,
  one checkpoint today, the governor notified once and the procedure designated.

Run with the project's venv (``.venv/bin/python scripts/production_check.py …``) and the GCW_ settings of the
check in the environment.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import urllib.request
from collections import Counter
from datetime import datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/support.py, flows/

# --- smtp -----------------------------------------------------------------------------------------------


def smtp(args: argparse.Namespace) -> int:
    from aiosmtpd.controller import Controller

    receipts = Path(args.receipts)
    lock = threading.Lock()

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = BytesParser(policy=policy.compat32).parsebytes(
                bytes(envelope.original_content), headersonly=True
            )
            line = json.dumps(
                {"message_id": str(message["Message-ID"]), "rcpt_tos": list(envelope.rcpt_tos)},
                ensure_ascii=False,
            )
            # Written before the 250 goes out: once the client has its answer, the receipt is on disk.
            with lock, receipts.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
                out.flush()
                os.fsync(out.fileno())
            return "250 Message accepted for delivery"

    # Controller(port=0) does not work (it connects to its own port to see it is up): pick a free one first.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    Path(args.port_file).write_text(str(port))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


# --- wait-http ------------------------------------------------------------------------------------------


def wait_http(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(args.url, timeout=2) as response:
                if response.status == 200:
                    return 0
        except OSError:
            pass
        time.sleep(0.3)
    print(f"{args.url} did not answer 200 within {args.timeout:.0f} s", file=sys.stderr)
    return 1


# --- seed -----------------------------------------------------------------------------------------------

# The cast of tests/support.py (whose walks name these users), with addresses: reminders go to the clerk,
# escalations to the approver.
USERS = (
    ("kim", "김주무", "clerk"),
    ("lee", "이주무", "clerk"),
    ("park", "박과장", "approver"),
    ("jung", "정국장", "approver"),
    ("choi", "최간사", "committee_secretary"),
    ("han", "한감사", "auditor"),
)
CONTACTS = {
    "governor:47": ("env-policy@gyeongbuk.example.kr", "환경정책과"),
    "ministry:산업통상부": ("industry@motie.example.kr", None),
    "ministry:국토교통부": ("land@molit.example.kr", None),
}
# Four planned clusters in 경상북도 (the walks record 경상북도지사's opinion), one procedure each.
CLUSTERS = {
    "notify": ("첨단 전자산업 자원순환 녹색융합클러스터", "구미시"),
    "notice": ("이차전지 재활용 녹색융합클러스터", "포항시"),
    "reminder": ("폐배터리 재사용 녹색융합클러스터", "경주시"),
    "overdue": ("바이오가스 자원화 녹색융합클러스터", "상주시"),
}


def seed(args: argparse.Namespace) -> int:
    from gcworkflow import automation, clusters, contacts, engine, people
    from gcworkflow.clock import SEOUL, Clock
    from gcworkflow.context import Context
    from gcworkflow.settings import get_settings
    from tests.support import (
        APPROVER,
        CLERK,
        actor,
        committee_approves,
        fire,
        gumi_plan,
        publish_the_notice,
        signed,
        through_notice_signoff,
        to_committee,
    )

    # The workers read the real clock (flows use the process clock), so the story is dated back from now:
    # every seeded event is in the past, and what is due is due today.
    now = datetime.now(SEOUL).replace(second=0, microsecond=0)
    ctx = Context.from_settings(get_settings(), clock_=Clock(now - timedelta(days=45)))
    admin = actor("admin")
    for username, name, role in USERS:
        people.add_user(ctx, admin, username, name, [role], email=f"{username}@me.example.kr")
    for party, (email, unit) in CONTACTS.items():
        contacts.set_contact(ctx, admin, party, email, unit=unit)
    pids = {}
    for role, (name, sigungu) in CLUSTERS.items():
        cluster_id = clusters.register_cluster(
            ctx, actor(CLERK), name, {"sido_code": "47", "sigungu": sigungu}
        )
        pids[role] = engine.open_procedure(
            ctx, actor(CLERK), "designation", cluster_id=cluster_id, approver=APPROVER
        ).procedure_id

    def opinion_requested(pid: int, days_ago: int) -> None:
        ctx.clock.set(now - timedelta(days=days_ago))
        fire(ctx, pid, "record_plan", content=gumi_plan())
        signed(ctx, pid, "request_governor_opinions")

    # The governor's 30 days: overdue by about ten (a reminder D+n and an escalation), and due in about two
    # (D-3, or D-7 when holidays move the end); their opinion-request letters are left for the documents flow.
    opinion_requested(pids["overdue"], 40)
    opinion_requested(pids["reminder"], 28)
    # The walk to the committee takes 17 days (tests/support.to_committee); both end two hours ago, today.
    for role in ("notice", "notify"):
        ctx.clock.set(now - timedelta(days=17, hours=2))
        to_committee(ctx, pids[role])
        committee_approves(ctx, pids[role])
        through_notice_signoff(ctx, pids[role])
    # "notify": its letters and notice issued here, the notice published: its governor waits for the letter.
    report = automation.issue_documents(ctx, pids["notify"])
    if report.refused:
        raise SystemExit(f"seed: documents refused: {report.refused}")
    publish_the_notice(ctx, pids["notify"], stand_in_pdf=False)
    Path(args.out).write_text(json.dumps(pids))
    print(
        "seeded: "
        + ", ".join(f"{role} #{pid}" for role, pid in pids.items())
        + f" (story from {(now - timedelta(days=45)):%Y-%m-%d} to {now - timedelta(hours=2):%Y-%m-%d %H:%M} KST)"
    )
    return 0


# --- wait -----------------------------------------------------------------------------------------------


def wait(args: argparse.Namespace) -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    ids = args.run_ids
    deadline = time.monotonic() + args.timeout
    with get_client(sync_client=True) as client:
        while True:
            runs = [client.read_flow_run(i) for i in ids]
            if all(r.state is not None and r.state.is_final() for r in runs):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.5)
        failed = []
        flows = {f: client.read_flow(f).name for f in {r.flow_id for r in runs}}
        for run in runs:
            state = run.state.type.value if run.state else "NONE"
            took = run.total_run_time.total_seconds() if run.total_run_time else 0.0
            worker = _worker_of(run, args.worker_logs)
            started = run.start_time.strftime("%H:%M:%S.%f")[:-4] if run.start_time else "-"
            ended = run.end_time.strftime("%H:%M:%S.%f")[:-4] if run.end_time else "-"
            print(
                f"   {flows[run.flow_id]:<17} {state:<10} {worker:<9} {started}–{ended} UTC ({took:.1f} s)  {run.id}"
            )
            with Path(args.record).open("a") as out:
                out.write(json.dumps({"id": str(run.id), "state": state, "worker": worker}) + "\n")
            if state != "COMPLETED":
                failed.append(run)
        by_flow: dict[str, list[Any]] = {}
        for run in runs:
            by_flow.setdefault(flows[run.flow_id], []).append(run)
        for name, same in by_flow.items():
            timed = [r for r in same if r.start_time and r.end_time]
            if len(same) < 2 or len(timed) < 2:
                continue
            overlap = (min(r.end_time for r in timed) - max(r.start_time for r in timed)).total_seconds()
            workers = {_worker_of(r, args.worker_logs) for r in timed}
            print(
                f"   {name}: {len(same)} runs on {len(workers)} worker(s), "
                + (f"running together for {overlap:.1f} s" if overlap > 0 else "one after the other")
            )
        for run in failed:
            state = run.state.name if run.state else "no state"
            message = run.state.message if run.state and run.state.message else ""
            print(f"\n   flow run {run.id} ({run.name}) is {state}{': ' + message if message else ''}")
            logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])))
            for log in logs:
                print(f"     {log.timestamp:%H:%M:%S} {logging.getLevelName(log.level):<7} {log.message}")
    if failed:
        print(f"{len(failed)} of {len(ids)} flow runs did not complete (timeout {args.timeout:.0f} s)")
        return 1
    return 0


def _worker_of(run: Any, logs: list[str]) -> str:
    """Which worker ran it: the one whose log shows the run beginning (the flow run itself does not record it;
    a worker that lost the claim to the other logs the run's id too, as an aborted submission)."""
    for path in logs:
        if f"Flow run '{run.name}' - Beginning flow run" in Path(path).read_text(errors="replace"):
            return Path(path).stem
    return "?"


# --- deployments ----------------------------------------------------------------------------------------


def deployments(args: argparse.Namespace) -> int:
    """prefect.yaml's deployments are on the server, in the work pool, with their schedules (cron in UTC)."""
    import yaml
    from prefect.client.orchestration import get_client

    wanted = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    problems = []
    with get_client(sync_client=True) as client:
        for spec in wanted:
            flow_name = spec["entrypoint"].rpartition(":")[2]
            try:
                found = client.read_deployment_by_name(f"{flow_name}/{spec['name']}")
            except Exception as error:  # ObjectNotFound, or what the server answered
                problems.append(f"{flow_name}/{spec['name']}: {error}")
                continue
            crons = sorted((s.schedule.cron, s.schedule.timezone) for s in found.schedules)
            expected = sorted((s["cron"], s["timezone"]) for s in spec.get("schedules", []))
            if found.work_pool_name != spec["work_pool"]["name"] or crons != expected:
                problems.append(f"{flow_name}/{spec['name']}: pool {found.work_pool_name}, schedules {crons}")
    print(
        f"   {len(wanted) - len(problems)} of {len(wanted)} deployments of prefect.yaml on the server, as written"
    )
    for problem in problems:
        print(f"   ✗ {problem}")
    return 1 if problems else 0


# --- verify ---------------------------------------------------------------------------------------------


def verify(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from gcworkflow import queries
    from gcworkflow.canonical import loads
    from gcworkflow.clock import to_kst
    from gcworkflow.context import Context
    from gcworkflow.db.models import (
        AuditCheckpoint,
        AuditEvent,
        Fact,
        OutboxMessage,
        RefusedAttempt,
        RegisteredNumber,
    )

    ctx = Context.from_settings()
    pids = json.loads(Path(args.pids).read_text())
    receipts = [json.loads(line) for line in Path(args.receipts).read_text().splitlines() if line]
    received = Counter(r["message_id"] for r in receipts)
    problems: list[str] = []
    with ctx.db.read() as session:
        rows = session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.kind,
                OutboxMessage.status,
                OutboxMessage.message_id,
                OutboxMessage.dedupe_key,
                OutboxMessage.procedure_id,
            )
        ).all()
        issued = session.execute(
            select(Fact.procedure_id, Fact.subject, Fact.data).where(Fact.kind == "document_issued")
        ).all()
        issued_events = session.execute(
            select(AuditEvent.procedure_id, AuditEvent.payload).where(AuditEvent.trigger == "document_issued")
        ).all()
        letter_numbers = session.execute(
            select(Fact.procedure_id, Fact.subject).where(Fact.kind == "letter_number")
        ).all()
        numbers = session.execute(select(RegisteredNumber.formatted)).scalars().all()
        checkpoints = session.execute(select(AuditCheckpoint.created_at)).scalars().all()
        notified = session.execute(
            select(Fact.procedure_id, Fact.subject).where(Fact.kind == "governor_notification")
        ).all()
        # Refused by the system actor: what a flow run lost to a concurrent one (a number already registered).
        refusals = session.execute(
            select(RefusedAttempt.trigger, RefusedAttempt.unmet).where(RefusedAttempt.actor == "system")
        ).all()

    # Mail: every row sent, and each row's Message-ID received exactly once; nothing else received.
    statuses = Counter(r.status for r in rows)
    if set(statuses) != {"sent"}:
        problems.append(f"outbox rows not all sent: {dict(statuses)}")
    expected = {r.message_id for r in rows if r.status == "sent"}
    if len(expected) != statuses["sent"]:
        problems.append("two sent outbox rows share a Message-ID")
    twice = {m: n for m, n in received.items() if n > 1}
    if twice:
        problems.append(f"received more than once: {twice}")
    missing = expected - set(received)
    if missing:
        problems.append(f"sent but never received: {sorted(missing)}")
    unknown = set(received) - expected
    if unknown:
        problems.append(f"received but not in the outbox as sent: {sorted(unknown)}")
    kinds = Counter(r.kind for r in rows)

    # Documents: one issue per document (procedure, kind:subject), one event per document, numbers unique.
    per_document = Counter((p, s) for p, s, _ in issued)
    doubles = [k for k, n in per_document.items() if n > 1]
    if doubles:
        problems.append(f"documents issued more than once: {doubles}")
    if len(issued_events) != len(issued):
        problems.append(f"{len(issued_events)} document_issued events for {len(issued)} documents")
    per_number = Counter((p, s) for p, s in letter_numbers)
    if any(n > 1 for n in per_number.values()):
        problems.append(f"a letter numbered twice: {[k for k, n in per_number.items() if n > 1]}")
    if len(set(numbers)) != len(numbers):
        problems.append("a registered number appears twice")
    # What the seed left to do must be done: each procedure's letters, the signed notice, the notification.
    # A letter's 붙임 are documents of their own, each listed by the letter with its hash.
    documents = [(p, loads(data)) for p, _, data in issued]
    listed = {e["sha256"] for _, data in documents for e in data.get("enclosures", ())}
    recorded = {data["sha256"] for _, data in documents}
    if listed - recorded:
        problems.append(f"enclosures listed by a letter but never issued: {sorted(listed - recorded)}")
    by_procedure = Counter(p for p, data in documents if data["sha256"] not in listed)
    want = {"notify": 5, "notice": 4, "reminder": 1, "overdue": 1}  # letters (+ notice, + notification)
    for role, count in want.items():
        if by_procedure[pids[role]] != count:
            problems.append(
                f"procedure {role} #{pids[role]}: {by_procedure[pids[role]]} letters and notices, expected {count}"
            )

    # Reminders: queued once per deadline and point (the dedupe key), the seeded ones among them.
    keys = Counter(r.dedupe_key for r in rows)
    if any(n > 1 for n in keys.values()):
        problems.append("an outbox key queued twice")
    reminder_pids = Counter(r.procedure_id for r in rows if r.kind == "reminder")
    escalation_pids = Counter(r.procedure_id for r in rows if r.kind == "escalation")
    for role in ("reminder", "overdue"):
        if reminder_pids[pids[role]] != 1:
            problems.append(f"procedure {role}: {reminder_pids[pids[role]]} reminders, expected 1")
    if escalation_pids[pids["overdue"]] != 1:
        problems.append(f"overdue procedure: {escalation_pids[pids['overdue']]} escalations, expected 1")

    # The audit checkpoint: one today (KST), however many sweeps ran.
    today = to_kst(datetime.now().astimezone()).date()
    todays = [c for c in checkpoints if to_kst(c).date() == today]
    if len(todays) != 1:
        problems.append(f"{len(todays)} audit checkpoints today, expected 1")

    # The governor: notified once, and the procedure designated.
    if Counter(p for p, _ in notified)[pids["notify"]] != 1:
        problems.append(f"governor notifications of #{pids['notify']}: {notified}")
    state = queries.procedure_status(ctx, pids["notify"])["state"]
    if state != "designated":
        problems.append(f"procedure notify #{pids['notify']} is {state}, expected designated")

    summary = {
        "outbox": dict(statuses),
        "kinds": dict(kinds),
        "received": sum(received.values()),
        "distinct_received": len(received),
        "expected": len(expected),
        "documents": len(issued),
        "numbers": len(numbers),
        "checkpoints_today": len(todays),
        "system_refusals": [
            f"{trigger} refused: {', '.join(u['id'] for u in json.loads(unmet))}"
            for trigger, unmet in refusals
        ],
        "problems": problems,
    }
    summary["line"] = (
        f"{summary['received']} messages received for {summary['expected']} sent (outbox {dict(statuses)}), "
        f"{len(issued)} documents issued"
    )
    Path(args.out).write_text(json.dumps(summary, ensure_ascii=False))
    print(
        f"   mail: {summary['received']} received ({summary['distinct_received']} distinct Message-IDs) "
        f"for {summary['expected']} outbox rows sent {dict(kinds)}"
    )
    print(
        f"   documents issued: {len(issued)}, registered numbers: {len(numbers)}, checkpoints today: {len(todays)}"
    )
    for refusal, times in Counter(summary["system_refusals"]).items():
        print(
            f"   a run that lost a race to the other worker, refused at the door as designed: {refusal} ×{times}"
        )
    for problem in problems:
        print(f"   ✗ {problem}")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("smtp")
    p.add_argument("--port-file", required=True)
    p.add_argument("--receipts", required=True)
    p = sub.add_parser("wait-http")
    p.add_argument("url")
    p.add_argument("--timeout", type=float, default=60)
    p = sub.add_parser("seed")
    p.add_argument("--out", required=True)
    p = sub.add_parser("wait")
    p.add_argument("run_ids", nargs="+")
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--worker-logs", nargs="*", default=[])
    p.add_argument("--record", required=True)
    sub.add_parser("deployments")
    p = sub.add_parser("verify")
    p.add_argument("--pids", required=True)
    p.add_argument("--receipts", required=True)
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    return {
        "smtp": smtp,
        "wait-http": wait_http,
        "seed": seed,
        "wait": wait,
        "deployments": deployments,
        "verify": verify,
    }[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
