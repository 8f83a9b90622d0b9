"""``/metrics`` over real HTTP (issue 16), on SQLite and PostgreSQL: who may scrape, and that the numbers move
with what happened — an action, a refusal, a deadline falling due, the outbox filling and emptying, a
document issued, a sweep, a dispatch, a checkpoint and a verification — read back with Prometheus' own parser."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gcworkflow import audit, automation, contacts, deadlines
from gcworkflow.clock import to_kst
from gcworkflow.context import Context
from gcworkflow.notify import dispatch
from gcworkflow.settings import Settings
from gcworkflow.web import accounts
from gcworkflow.web.app import create_app
from tests.cli import Gcw
from tests.support import ADMIN, APPROVER, AUDITOR, CLERK, actor, fire, gumi_plan, on, open_gumi, signed
from tests.web.conftest import Desk, serving

GCW = os.path.join(os.path.dirname(sys.executable), "gcw")
PROPOSE_OPINIONS = {"trigger": "propose", "payload": {"trigger": "request_governor_opinions", "payload": {}}}
SITE_SELECTION = {
    "trigger": "record_site_selection",
    "payload": {"announced_on": "2026-01-05", "selected_on": "2026-02-02", "summary": "공모 선정"},
}


class Scrape:
    """One scrape, parsed: ``value("gcw_actions_total", trigger=…, outcome=…)`` is the sample or None."""

    def __init__(self, response: httpx.Response) -> None:
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/plain")
        self.families = {f.name: f for f in text_string_to_metric_families(response.text)}
        self.samples = [s for f in self.families.values() for s in f.samples]

    def value(self, name: str, **labels: str) -> float | None:
        found = [s.value for s in self.samples if s.name == name and s.labels == labels]
        assert len(found) <= 1, (name, labels, found)
        return found[0] if found else None

    def count(self, name: str, **labels: str) -> float:
        """A counter's value, 0 when its series has not appeared yet."""
        return self.value(name, **labels) or 0.0


def scrape(client: httpx.Client) -> Scrape:
    return Scrape(client.get("/metrics"))


def scraper(desk: Desk) -> httpx.Client:
    """Prometheus with the installation's metrics token (which, unlike an API token, never expires: the test's
    clock moves months ahead)."""
    secret = "prometheus-scraper-0123456789abcdef"
    desk.ctx.settings = desk.ctx.settings.model_copy(
        update={"metrics_token_sha256": hashlib.sha256(secret.encode()).hexdigest()}
    )
    return httpx.Client(base_url=desk.url, headers={"authorization": f"Bearer {secret}"})


def test_only_a_metrics_credential_may_scrape(desk: Desk) -> None:
    anonymous = httpx.get(f"{desk.url}/metrics")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "unauthenticated"
    assert "gcw_" not in anonymous.text
    stranger = httpx.get(f"{desk.url}/metrics", headers={"authorization": "Bearer not-a-token"})
    assert stranger.status_code == 401 and stranger.json()["code"] == "unauthenticated"
    # A clerk's token is a real token of the wrong role: refused, and kept among the refusals like any other.
    clerk = desk.api(CLERK, "clerk").get("/metrics")
    assert clerk.status_code == 403 and clerk.json()["code"] == "forbidden"
    assert "관리자" in clerk.json()["message"] or "admin" in clerk.json()["message"]
    for user, role in ((AUDITOR, "auditor"), (ADMIN, "admin")):
        assert scrape(desk.api(user, role)).value("gcw_database_up") == 1.0
    after = scrape(desk.api(AUDITOR, "auditor"))
    assert after.count("gcw_actions_total", trigger="metrics", outcome="forbidden") == 1.0

    # The scraper's own credential: only its SHA-256 is in the settings, and it is no API token.
    prometheus = scraper(desk)
    assert scrape(prometheus).value("gcw_database_up") == 1.0
    wrong = httpx.get(
        f"{desk.url}/metrics", headers={"authorization": prometheus.headers["authorization"] + "x"}
    )
    assert wrong.status_code == 401
    # Public only when the installation says so.
    desk.ctx.settings = desk.ctx.settings.model_copy(update={"metrics_public": True})
    assert scrape(httpx.Client(base_url=desk.url)).value("gcw_database_up") == 1.0


def test_the_numbers_follow_what_happened(office: Context, desk: Desk) -> None:
    ctx, pid = desk.ctx, desk.procedure_id
    auditor = scraper(desk)
    clerk = desk.api(CLERK, "clerk")
    before = scrape(auditor)
    assert before.count("gcw_actions_total", trigger="open", outcome="ok") == 1.0
    assert before.value("gcw_deadlines_open") == 0.0
    assert before.value("gcw_outbox_messages", status="pending") == 0.0
    assert before.value("gcw_audit_verify_ok") is None  # never verified: no series rather than "broken"

    # One action and one refusal, through the API.
    assert clerk.post(f"/api/procedures/{pid}/transitions", json=SITE_SELECTION).status_code == 200
    assert clerk.post(f"/api/procedures/{pid}/transitions", json=PROPOSE_OPINIONS).status_code == 422
    moved = scrape(auditor)
    ok = ("gcw_actions_total", {"trigger": "record_site_selection", "outcome": "ok"})
    assert moved.count(ok[0], **ok[1]) == before.count(ok[0], **ok[1]) + 1
    refused = {"trigger": "propose", "outcome": "guard_failed"}
    assert moved.count("gcw_actions_total", **refused) == before.count("gcw_actions_total", **refused) + 1
    assert moved.count("gcw_refusals_total", code="guard_failed") == (
        before.count("gcw_refusals_total", code="guard_failed") + 1
    )

    # The governors are asked for their opinion: a deadline opens and a letter is issued and queued.
    fire(ctx, pid, "record_plan", CLERK, content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions", CLERK, APPROVER)
    assert len(automation.issue_documents(ctx, pid).issued) == 1
    asked = scrape(auditor)
    assert asked.value("gcw_deadlines_open") == 1.0 and asked.value("gcw_deadlines_overdue") == 0.0
    assert asked.count("gcw_documents_issued_total", kind="opinion_request") == 1.0
    health = desk.api(AUDITOR, "auditor").get("/api/health").json()["outbox"]
    assert health["pending"] >= 1
    for status in ("pending", "sending", "dead"):
        assert asked.value("gcw_outbox_messages", status=status) == health[status]
    queued_at = datetime.fromisoformat(health["oldest_pending_at"])

    # A day after the reply was due: overdue, the letter has waited a day longer, the sweep and dispatch run.
    on(ctx, date(2026, 10, 26))
    late = scrape(auditor)
    assert late.value("gcw_deadlines_overdue") == 1.0
    assert (
        late.value("gcw_outbox_oldest_pending_age_seconds") == (ctx.clock.now() - queued_at).total_seconds()
    )
    swept_at = ctx.clock.now()
    assert deadlines.plan_due_reminders(ctx).total >= 1
    ctx.clock.advance(timedelta(minutes=5))
    dispatched_at = ctx.clock.now()
    # The governor's address is known, the clerk's and approver's are not: their reminders are given up at once.
    contacts.set_contact(ctx, actor(ADMIN), "governor:47", "env@gb.example.kr")
    ctx.settings = ctx.settings.model_copy(update={"outbox_max_attempts": 1})
    sent = dispatch(ctx)
    assert (sent.sent, sent.dead) == (1, 2), sent
    ctx.clock.advance(timedelta(minutes=5))
    with ctx.db.write() as session:
        checkpointed_at = audit.checkpoint(session, "system", ctx.clock.now()).created_at
    done = scrape(auditor)
    assert done.value("gcw_outbox_messages", status="pending") == 0.0
    assert done.value("gcw_outbox_messages", status="dead") == 2.0
    assert done.value("gcw_outbox_oldest_pending_age_seconds") == 0.0
    last = "gcw_job_last_success_timestamp_seconds"
    assert done.value(last, job="deadline_sweep") == swept_at.timestamp()
    assert done.value(last, job="dispatch_outbox") == dispatched_at.timestamp()
    assert done.value(last, job="checkpoint") == checkpointed_at.timestamp()

    # `gcw audit verify`, as the operator runs it, leaves its result where the scrape finds it. Here it finds
    # the passwords the desk fixture wrote behind the engine's back, and says so.
    verified_at = ctx.clock.now() + timedelta(hours=1)
    result = Gcw.against(ctx.settings, to_kst(verified_at).isoformat())("audit", "verify")
    assert result.exit_code == 1 and "password_hash" in result.stdout
    verified = scrape(auditor)
    assert verified.value("gcw_audit_verify_ok") == 0.0
    assert verified.value("gcw_audit_verify_timestamp_seconds") == verified_at.timestamp()


def test_a_clean_verification_reads_one(ctx: Context) -> None:
    open_gumi(ctx)
    Gcw.against(ctx.settings, "2026-03-02T11:00:00+09:00").ok("audit", "verify")
    with serving(create_app(ctx)) as url:
        got = scrape(scraper(Desk(ctx, url, 1)))
    assert got.value("gcw_audit_verify_ok") == 1.0
    assert (
        got.value("gcw_audit_verify_timestamp_seconds")
        == datetime.fromisoformat("2026-03-02T11:00:00+09:00").timestamp()
    )


def test_request_latency_per_route_template(desk: Desk) -> None:
    auditor = desk.api(AUDITOR, "auditor")
    clerk = desk.api(CLERK, "clerk")
    for _ in range(3):
        assert clerk.get(f"/api/procedures/{desk.procedure_id}").status_code == 200
    assert clerk.get("/api/procedures/999").status_code == 404
    assert clerk.get("/no/such/page/at/all").status_code == 404
    got = scrape(auditor)
    count = "gcw_http_request_duration_seconds_count"
    route = "/api/procedures/{procedure_id}"
    assert got.value(count, route=route, method="GET", status="2xx") == 3.0
    assert got.value(count, route=route, method="GET", status="4xx") == 1.0
    # Unknown paths share one series, whatever they were.
    assert got.value(count, route="<unmatched>", method="GET", status="4xx") == 1.0
    assert not [s for s in got.samples if "/no/such" in str(s.labels)]
    buckets = [s for s in got.samples if s.name == "gcw_http_request_duration_seconds_bucket"]
    assert {s.labels["le"] for s in buckets} >= {"0.005", "0.1", "1.0", "+Inf"}


@pytest.mark.parametrize("value", ["", "Bearer", "Basic YWRtaW46eA==", "Bearer " + "x" * 300])
def test_malformed_credentials_are_refused_plainly(desk: Desk, value: str) -> None:
    response = httpx.get(f"{desk.url}/metrics", headers={"authorization": value})
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_latency_adds_up_over_the_workers(ctx: Context, settings: Settings, tmp_path: Path) -> None:
    """`gcw serve --workers 2`: the OS hands each connection to either worker, and whichever answers the
    scrape reports the requests of both (their histograms meet in PROMETHEUS_MULTIPROC_DIR). Each worker
    writes its log lines as the server was told (GCW_LOG_FORMAT=json, at --log-level info)."""
    pid = open_gumi(ctx)
    clerk_token = accounts.create_token(ctx, actor(ADMIN), CLERK, "clerk", "시험").secret
    secret = "prometheus-scraper-0123456789abcdef"
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GCW_", "PROMETHEUS_"))},
        "GCW_DATABASE_URL": settings.resolved_database_url,
        "GCW_VAR_DIR": str(settings.var_dir),
        "GCW_METRICS_TOKEN_SHA256": hashlib.sha256(secret.encode()).hexdigest(),
        "GCW_LOG_FORMAT": "json",
        "GCW_NOW": to_kst(ctx.clock.now()).isoformat(),  # the token's clock
    }
    errors = tmp_path / "serve.err"
    with errors.open("wb") as err:
        process = subprocess.Popen(
            [GCW, "serve", "--port", str(port), "--workers", "2", "--log-level", "info"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # two fresh interpreters importing the desk, on a busy machine
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, errors.read_text(errors="replace")
            assert time.monotonic() < deadline, "gcw serve --workers 2 did not come up"
            time.sleep(0.2)
        for _ in range(30):  # a connection each: the OS spreads them over the workers
            assert httpx.get(f"{url}/login", timeout=30).status_code == 200
        shared = settings.var_dir / "metrics" / f"serve-{port}"
        # One file per worker that answered (histogram_<pid>.db): usually both, as the OS chose.
        assert [p.name for p in shared.glob("*.db")] and all(
            p.name.startswith("histogram_") for p in shared.glob("*.db")
        )
        for _ in range(6):  # each scrape on a connection of its own, answered by either worker
            got = Scrape(
                httpx.get(f"{url}/metrics", headers={"authorization": f"Bearer {secret}"}, timeout=30)
            )
            count = got.value(
                "gcw_http_request_duration_seconds_count", route="/login", method="GET", status="2xx"
            )
            assert count == 30.0
            assert got.value("gcw_database_up") == 1.0
        acted = httpx.post(
            f"{url}/api/procedures/{pid}/transitions",
            json=SITE_SELECTION,
            headers={"authorization": f"Bearer {clerk_token}"},
            timeout=30,
        )
        assert acted.status_code == 200, acted.text
    finally:
        process.terminate()
        process.wait(60)
    said = errors.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in said
    lines = [json.loads(line) for line in said.splitlines() if line.startswith("{")]
    assert [(line["trigger"], line["actor"], line["interface"], line["outcome"]) for line in lines] == [
        ("record_site_selection", CLERK, "api", "ok")
    ]
    assert clerk_token not in said and clerk_token[:12] not in said
