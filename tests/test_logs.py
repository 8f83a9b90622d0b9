"""The operators' log (issue 16): one line per action and per automation step, JSON when GCW_LOG_FORMAT=json,
naming the acting user and nothing else about anyone — no payload, no token, no e-mail address. `gcw` runs as a
real process here, so that its stderr is exactly what an operator's terminal or journal receives."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from gcworkflow.context import Context
from gcworkflow.settings import Settings, get_settings
from tests.support import ADMIN, CLERK, open_gumi

GCW = os.path.join(os.path.dirname(sys.executable), "gcw")
NOW = "2026-03-02T10:00:00+09:00"
SECRET_SUMMARY = "공모-선정-비공개-요약-7f3a"  # a payload value: it must never reach the log


def gcw(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GCW_")},
        "GCW_DATABASE_URL": settings.resolved_database_url,
        "GCW_VAR_DIR": str(settings.var_dir),
        "GCW_NOW": NOW,
        **env,
    }
    return subprocess.run([GCW, *args], env=environment, capture_output=True, text=True, timeout=120)


def json_lines(stderr: str) -> list[dict[str, Any]]:
    """The JSON log lines of ``stderr`` (a refusal's Korean message, said on stderr too, is not one)."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def site_selection(pid: int) -> list[str]:
    return [
        "fire", str(pid), "record_site_selection",
        "-p", "announced_on=2026-01-05", "-p", "selected_on=2026-02-02", "-p", f"summary={SECRET_SUMMARY}",
    ]  # fmt: skip


def test_one_json_line_per_action_with_no_payload_or_secret(ctx: Context, settings: Settings) -> None:
    pid = open_gumi(ctx)
    done = gcw(settings, "--as", CLERK, *site_selection(pid), "--json", GCW_LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["to_state"]  # stdout is the command's answer alone
    (line,) = [entry for entry in json_lines(done.stderr) if entry.get("event") == "action"]
    assert line["level"] == "INFO" and line["logger"] == "gcworkflow.engine"
    assert {k: line[k] for k in ("procedure_id", "trigger", "actor", "interface", "outcome")} == {
        "procedure_id": pid,
        "trigger": "record_site_selection",
        "actor": CLERK,
        "interface": "cli",
        "outcome": "ok",
    }
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["ts"].endswith("Z") and line["msg"].startswith("action ")
    assert SECRET_SUMMARY not in done.stderr

    # A refusal is one line too, its code as the outcome; the Korean message is still said as before.
    refused = gcw(
        settings, "--as", CLERK, "fire", str(pid), "request_governor_opinions", GCW_LOG_FORMAT="json"
    )
    assert refused.returncode == 5 and "결재 사항" in refused.stderr
    (line,) = [entry for entry in json_lines(refused.stderr) if entry.get("event") == "action"]
    assert (line["trigger"], line["outcome"], line["level"]) == (
        "request_governor_opinions",
        "forbidden",
        "INFO",
    )

    # An action outside any procedure: a user with an e-mail address, and an API token whose secret is printed
    # once on stdout. Neither the address nor the secret is in the log.
    added = gcw(
        settings, "--as", ADMIN, "users", "add", "yoon", "--name", "윤주무", "--role", "clerk",
        "--email", "yoon.private@example.go.kr", GCW_LOG_FORMAT="json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    token = gcw(
        settings, "--as", ADMIN, "tokens", "create", "--user", "yoon", "--role", "clerk", "--name", "스크립트",
        "--json", GCW_LOG_FORMAT="json",
    )  # fmt: skip
    assert token.returncode == 0, token.stderr
    secret = json.loads(token.stdout)["token"]
    lines = json_lines(added.stderr) + json_lines(token.stderr)
    assert [(entry["trigger"], entry["actor"], entry["outcome"]) for entry in lines] == [
        ("add_user", ADMIN, "ok"),
        ("create_api_token", ADMIN, "ok"),
    ]
    for text in (added.stderr, token.stderr):
        assert (
            "yoon.private" not in text and "@" not in text and secret not in text and secret[:12] not in text
        )


def test_plain_text_when_asked_and_nothing_by_default(ctx: Context, settings: Settings) -> None:
    pid = open_gumi(ctx)
    quiet = gcw(settings, "--as", CLERK, *site_selection(pid))
    assert quiet.returncode == 0 and quiet.stderr == ""  # a command's terminal is as it was

    text = gcw(
        settings, "--as", CLERK, "fire", str(pid), "record_plan", "-p", "content=3", GCW_LOG_LEVEL="info"
    )
    assert text.returncode == 2
    (line,) = [entry for entry in text.stderr.splitlines() if " gcworkflow.engine action " in entry]
    assert line.split()[1] == "INFO"
    assert (
        f"action procedure_id={pid} trigger=record_plan actor={CLERK} interface=cli outcome=invalid_input"
        in line
    )
    assert "duration_ms=" in line


class Kept(logging.Handler):
    """The records that reach the ``gcworkflow`` logger (Prefect's set-up, at its import, replaces the root's
    handlers, pytest's capture included)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def kept() -> Iterator[Kept]:
    logger = logging.getLogger("gcworkflow")
    handler, level = Kept(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_each_automation_step_is_a_line(
    ctx: Context, settings: Settings, kept: Kept, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep as a Prefect worker runs it (the flow's function, without a Prefect server): a line for the
    flow, one per step, and the engine's for each action a step takes."""
    from flows.definitions import deadline_sweep, issue_documents

    open_gumi(ctx)
    kept.records.clear()  # the set-up's own actions
    monkeypatch.setenv("GCW_DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("GCW_VAR_DIR", str(settings.var_dir))
    get_settings.cache_clear()
    try:
        deadline_sweep.fn()
        issue_documents.fn()
    finally:
        get_settings.cache_clear()
    said = [(r.name, r.gcw) for r in kept.records if hasattr(r, "gcw")]
    steps = [(name, fields["event"], fields.get("flow"), fields.get("step")) for name, fields in said]
    assert steps == [
        ("gcworkflow.flows", "step", "deadline_sweep", "plan_reminders"),
        ("gcworkflow.flows", "step", "deadline_sweep", "dispatch"),
        ("gcworkflow.automation", "step", None, "checkpoint"),
        ("gcworkflow.flows", "flow", "deadline_sweep", None),
        ("gcworkflow.automation", "step", None, "issue_documents"),
        ("gcworkflow.flows", "flow", "issue_documents", None),
    ]
    fields = dict(said)
    assert all(f["outcome"] == "ok" and f["duration_ms"] >= 0 for _, f in said)
    sweep = next(f for _, f in said if f.get("step") == "plan_reminders")
    assert (sweep["reminders"], sweep["escalations"]) == (0, 0)
    assert [f["written"] for _, f in said if f.get("step") == "checkpoint"] == [True]
    assert fields["gcworkflow.automation"]["issued"] == 0


def test_a_failed_step_says_so_and_the_error_goes_on(kept: Kept) -> None:
    from gcworkflow.logs import timed

    with pytest.raises(ZeroDivisionError), timed(logging.getLogger("gcworkflow.flows"), "step", step="x"):
        1 / 0  # noqa: B018
    (record,) = [r for r in kept.records if hasattr(r, "gcw")]
    assert record.levelno == logging.ERROR
    assert (record.gcw["outcome"], record.gcw["error"]) == ("error", "ZeroDivisionError")
