"""`gcw doctor` as an operator runs it before opening an installation to users (issue 16): real databases
(SQLite, and PostgreSQL when configured), real folders, a real SMTP server (aiosmtpd) and a real Prefect server,
and the same checks against a database behind the code, folders that cannot be written, ports nobody listens on.
Each line says ok / warn / fail with its fix; any fail exits 10; nothing ever ends in a traceback."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import Result

from gcworkflow import automation
from gcworkflow.context import Context
from gcworkflow.db.migrate import downgrade
from gcworkflow.db.session import make_engine
from gcworkflow.notify import dispatch
from gcworkflow.settings import Settings
from tests.cli import Gcw
from tests.fresh import VENV_BIN, clean_env, locked_folder
from tests.notify import opinion_letter, ready
from tests.notify.smtp import SmtpServer, free_port
from tests.support import ADMIN, OFFICE

NOW = "2026-03-02T10:00:00+09:00"
EXIT_CHECKS_FAILED = 10
# Always run, in this order; smtp and prefect only when asked or configured, the maildir only for that channel.
ALWAYS = [
    "settings",
    "database",
    "admin",
    "var_dir",
    "document_store",
    "maildir",
    "fonts",
    "pdf_engine",
    "font_subsetter",
    "office",
    "documents",
    "signing",
    "mail",
    "checkpoint",
    "audit_chains",
    "outbox",
]


def _office_env() -> dict[str, str | None]:
    return {f"GCW_{key.upper()}": value for key, value in OFFICE.items()}


@pytest.fixture
def gcw(settings: Settings) -> Gcw:
    """`gcw` on an installation as an operator sets it up: the office block configured, mail to the Maildir, no
    Prefect server configured (whatever the environment running the tests has)."""
    doctor = Gcw.against(settings, NOW)
    doctor.env.update(_office_env())
    doctor.env.update(
        {
            "GCW_MAIL_CHANNEL": None,
            "GCW_SMTP_HOST": None,
            "GCW_SMTP_SECURITY": None,
            "GCW_SMTP_USERNAME": None,
            "GCW_NOTICE_NUMBERING": None,
            "GCW_DOCUMENTS_ILLUSTRATIVE": None,
            "PREFECT_API_URL": None,
            "PREFECT_PROFILE": None,
        }
    )
    return doctor


@pytest.fixture
def installed(gcw: Gcw, settings: Settings) -> Gcw:
    """`gcw init` done, GCW_VAR_DIR made and the first checkpoint written, as on the day the installation goes
    live (the test's database lives outside GCW_VAR_DIR, as PostgreSQL does)."""
    gcw.ok("init", "--admin", ADMIN, "--name", "관리자")
    settings.var_dir.mkdir(exist_ok=True)
    gcw.ok("audit", "checkpoint")
    return gcw


def _doctor(gcw: Gcw, *args: str, now: str | None = None) -> tuple[Result, dict[str, dict[str, Any]]]:
    result = gcw("doctor", "--json", *args, now=now)
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, EXIT_CHECKS_FAILED), result.output
    findings = json.loads(result.stdout)
    by_check = {f["check"]: f for f in findings}
    assert len(by_check) == len(findings), "each check gives one line"
    return result, by_check


def _statuses(findings: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {check: f["status"] for check, f in findings.items()}


def test_a_healthy_installation_passes_with_only_the_expected_warnings(
    installed: Gcw, settings: Settings
) -> None:
    result, findings = _doctor(installed)
    assert result.exit_code == 0, result.stdout
    assert list(findings) == ALWAYS
    statuses = _statuses(findings)
    # Without libharfbuzz-subset0 PDFs are only slower (DESIGN.md §3): a warning, whichever this machine has.
    assert statuses.pop("font_subsetter") in ("ok", "warn")
    # Mail kept in the local Maildir reaches nobody: said, but it does not stop a local installation.
    assert statuses.pop("mail") == "warn"
    assert set(statuses.values()) == {"ok"}, findings
    assert "GCW_MAIL_CHANNEL=smtp" in findings["mail"]["fix"]
    assert "스키마가 최신 판" in findings["database"]["message"]
    assert f"활성 관리자 1명 ({ADMIN})" in findings["admin"]["message"]
    assert str(settings.var_dir) in findings["var_dir"]["message"]
    assert "NotoSerifKR" in findings["fonts"]["message"]
    assert "기후에너지환경부장관" in findings["office"]["message"]
    # The doctor made and removed its temporary file: nothing of it is left.
    assert not [p for p in settings.var_dir.rglob(".gcw-doctor-*")]

    # The same in Korean for a person: one line per check, the status first, the fix under a warning.
    shown = installed("doctor")
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("정상  환경 설정")
    assert any(line.startswith("경고  메일 설정") for line in lines)
    assert any(line.strip().startswith("조치: GCW_MAIL_CHANNEL=smtp") for line in lines)
    assert lines[-1].startswith("정상 ") and "실패 0" in lines[-1]


def test_a_checkpoint_older_than_two_days_is_a_warning(installed: Gcw) -> None:
    result, findings = _doctor(installed, now="2026-03-05T10:00:00+09:00")
    assert result.exit_code == 0
    checkpoint = findings["checkpoint"]
    assert checkpoint["status"] == "warn" and "3일 전" in checkpoint["message"]
    assert "deadline_sweep" in checkpoint["fix"] and "gcw audit checkpoint" in checkpoint["fix"]


def test_missing_office_settings_fail_by_name(installed: Gcw) -> None:
    installed.env.update({"GCW_OFFICE_FAX": None, "GCW_OFFICE_EMAIL": None})
    installed.env.update({"GCW_NOTICE_NUMBERING": "local", "GCW_DOCUMENTS_ILLUSTRATIVE": "true"})
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED
    office = findings["office"]
    assert office["status"] == "fail"
    assert "GCW_OFFICE_FAX, GCW_OFFICE_EMAIL" in office["message"] and "POSTCODE" not in office["message"]
    documents = findings["documents"]
    assert documents["status"] == "warn"
    assert "GCW_NOTICE_NUMBERING=local" in documents["message"]
    assert "GCW_DOCUMENTS_ILLUSTRATIVE" in documents["message"]


def test_a_database_behind_the_code_fails_with_gcw_db_upgrade(installed: Gcw, settings: Settings) -> None:
    downgrade(settings.resolved_database_url, "-1")
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED
    database = findings["database"]
    assert database["status"] == "fail"
    assert "스키마가 프로그램보다 오래되었습니다" in database["message"]
    assert "`gcw db upgrade`" in database["fix"]
    # What needs the schema is not checked against a schema that is not there; the rest still is.
    assert not {"admin", "checkpoint", "audit_chains", "outbox"} & set(findings)
    assert findings["var_dir"]["status"] == "ok" and findings["fonts"]["status"] == "ok"
    human = installed("doctor")
    assert human.exit_code == EXIT_CHECKS_FAILED and "실패  데이터베이스" in human.stdout

    installed.ok("db", "upgrade")
    result, findings = _doctor(installed)
    assert result.exit_code == 0 and findings["database"]["status"] == "ok"


def test_no_database_yet_fails_with_gcw_init_and_creates_nothing(tmp_path: Path) -> None:
    var = tmp_path / "var"
    doctor = Gcw({"GCW_DATABASE_URL": None, "GCW_VAR_DIR": str(var), "GCW_NOW": NOW, "GCW_USER": None})
    result, findings = _doctor(doctor)
    assert result.exit_code == EXIT_CHECKS_FAILED
    assert findings["database"]["status"] == "fail"
    assert "데이터베이스 파일이 없습니다" in findings["database"]["message"]
    assert "gcw init --admin" in findings["database"]["fix"]
    # GCW_VAR_DIR not made yet: made on first use, so a warning with the command that makes it.
    assert findings["var_dir"]["status"] == "warn" and f"mkdir -p {var}" in findings["var_dir"]["fix"]
    assert not var.exists(), "the doctor only reads: no folder, no empty SQLite file"


def test_a_var_dir_that_cannot_be_made_fails(gcw: Gcw, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    gcw.env["GCW_VAR_DIR"] = str(blocker / "var")
    result, findings = _doctor(gcw)
    assert result.exit_code == EXIT_CHECKS_FAILED
    var_dir = findings["var_dir"]
    assert var_dir["status"] == "fail"
    assert str(blocker / "var") in var_dir["message"] and "폴더가 아닌 파일" in var_dir["message"]
    assert "GCW_VAR_DIR" in var_dir["fix"]
    assert findings["document_store"]["status"] == "fail"
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_var_dir_without_write_permission_fails(settings: Settings, tmp_path: Path) -> None:
    with locked_folder(tmp_path) as (locked, prefix):
        done = subprocess.run(
            [*prefix, str(VENV_BIN / "gcw"), "doctor", "--json"],
            cwd=tmp_path,
            env=clean_env(
                GCW_DATABASE_URL=settings.resolved_database_url, GCW_VAR_DIR=str(locked), GCW_NOW=NOW
            ),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    assert done.returncode == EXIT_CHECKS_FAILED, done.stdout + done.stderr
    findings = {f["check"]: f for f in json.loads(done.stdout)}
    assert findings["var_dir"]["status"] == "fail"
    assert (
        f"{locked}" in findings["var_dir"]["message"] and "권한이 없습니다" in findings["var_dir"]["message"]
    )
    assert list(locked.iterdir()) == []


def test_the_smtp_server_is_reached_without_sending_mail(installed: Gcw, smtp_server: SmtpServer) -> None:
    installed.env.update(smtp_server.env())
    result, findings = _doctor(installed)
    assert result.exit_code == 0, result.stdout
    smtp = findings["smtp"]
    assert smtp["status"] == "ok", smtp
    assert f"127.0.0.1:{smtp_server.port}" in smtp["message"] and "EHLO" in smtp["message"]
    assert findings["mail"]["status"] == "ok" and "maildir" not in findings
    assert smtp_server.received == []


def test_an_smtp_port_nobody_listens_on_fails_with_host_and_port(installed: Gcw) -> None:
    closed = SmtpServer()  # its port, never started
    installed.env.update(closed.env())
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED
    smtp = findings["smtp"]
    assert smtp["status"] == "fail"
    assert f"127.0.0.1:{closed.port}" in smtp["message"] and "연결이 거부되었습니다" in smtp["message"]
    assert "GCW_SMTP_HOST" in smtp["fix"]


def test_smtp_asked_for_without_a_server_configured_fails(installed: Gcw) -> None:
    result, findings = _doctor(installed, "--smtp")
    assert result.exit_code == EXIT_CHECKS_FAILED
    assert findings["smtp"]["status"] == "fail" and "GCW_SMTP_HOST" in findings["smtp"]["message"]


def test_a_prefect_url_that_refuses_fails(installed: Gcw) -> None:
    installed.env["PREFECT_API_URL"] = f"http://127.0.0.1:{free_port()}/api"
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED
    prefect = findings["prefect"]
    assert prefect["status"] == "fail" and "연결이 거부되었습니다" in prefect["message"]
    assert "prefect server start" in prefect["fix"]

    # Asked for with nothing configured: the scheduled flows cannot run, said as a warning with the fix.
    installed.env["PREFECT_API_URL"] = None
    result, findings = _doctor(installed, "--prefect")
    assert result.exit_code == 0
    assert findings["prefect"]["status"] == "warn" and "PREFECT_API_URL" in findings["prefect"]["fix"]


def test_the_prefect_url_of_the_active_profile_is_checked_too(installed: Gcw, tmp_path: Path) -> None:
    home = tmp_path / "prefect-home"
    home.mkdir()
    refused = f"http://127.0.0.1:{free_port()}/api"
    (home / "profiles.toml").write_text(
        f'active = "production"\n\n[profiles.production]\nPREFECT_API_URL = "{refused}"\n', encoding="utf-8"
    )
    installed.env["PREFECT_HOME"] = str(home)
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED
    assert findings["prefect"]["status"] == "fail" and refused in findings["prefect"]["message"]


def test_a_running_prefect_server_is_healthy(installed: Gcw, prefect_api: str) -> None:
    installed.env["PREFECT_API_URL"] = prefect_api
    result, findings = _doctor(installed)
    assert result.exit_code == 0, result.stdout
    assert findings["prefect"] == {
        "check": "prefect",
        "status": "ok",
        "message": f"{prefect_api}: /health 정상",
        "fix": None,
    }


def test_dead_messages_are_a_warning(ctx: Context, smtp_server: SmtpServer) -> None:
    ready(ctx, smtp_server, outbox_max_attempts=1)
    pid = opinion_letter(ctx)
    automation.issue_documents(ctx, pid)
    smtp_server.stop()
    assert dispatch(ctx).dead == 1
    doctor = Gcw.against(ctx.settings, ctx.clock.now().isoformat())
    doctor.env.update({**_office_env(), "PREFECT_API_URL": None})
    result, findings = _doctor(doctor)
    assert result.exit_code == 0, (
        result.stdout
    )  # mail not sent is for the clerk to see to, not a broken install
    outbox = findings["outbox"]
    assert outbox["status"] == "warn" and "dead)가 1건" in outbox["message"]
    assert "gcw outbox list --status dead" in outbox["fix"] and "outbox retry" in outbox["fix"]


def test_chain_heads_that_disagree_with_the_events_fail(installed: Gcw, settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as connection:  # an edit behind the engine's back
            connection.execute(text("UPDATE audit_chains SET seq = seq + 1"))
    finally:
        engine.dispose()
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED
    chains = findings["audit_chains"]
    assert chains["status"] == "fail" and "system" in chains["message"]
    assert "gcw audit verify" in chains["fix"]


def test_the_json_lines_have_one_shape(installed: Gcw) -> None:
    _result, findings = _doctor(installed, "--smtp", "--prefect")
    for finding in findings.values():
        assert set(finding) == {"check", "status", "message", "fix"}
        assert finding["status"] in ("ok", "warn", "fail")
        assert isinstance(finding["message"], str) and finding["message"]
        assert (finding["fix"] is None) == (finding["status"] == "ok"), finding


@pytest.mark.parametrize(
    "environment",
    [
        {"GCW_DATABASE_URL": "::not a url::"},
        {"GCW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
        {"GCW_DATABASE_URL": "mysql://root@127.0.0.1/gcw"},
        {"GCW_DATABASE_URL": "sqlite:///:memory:"},
        {"GCW_SMTP_PORT": "0"},
        {"GCW_REMINDER_OFFSETS": "[x"},
        {"GCW_NOW": "어제"},
        {"GCW_MAIL_CHANNEL": "smtp", "GCW_SMTP_HOST": "", "GCW_MAIL_FROM": "@"},
        {"GCW_MAIL_CHANNEL": "smtp", "GCW_SMTP_HOST": "256.1.1.1", "GCW_SMTP_SECURITY": "ssl"},
        {"PREFECT_API_URL": "not a url"},
        {"PREFECT_API_URL": "http://[::1"},
    ],
    ids=lambda environment: ",".join(f"{k}={v}" for k, v in environment.items()),
)
def test_never_a_traceback_whatever_the_environment(gcw: Gcw, environment: dict[str, str]) -> None:
    gcw.env.update(environment)
    for args in ([], ["--json"]):
        result = gcw("doctor", *args)
        assert "Traceback" not in result.output, result.output
        assert result.exit_code == EXIT_CHECKS_FAILED, result.output
        if args:
            assert all(f["status"] in ("ok", "warn", "fail") for f in json.loads(result.stdout))


def test_the_signing_certificate_is_checked(installed: Gcw) -> None:
    """Issue #17: every issued PDF is signed. Configured (the suite's 예시 authority), the line names the
    certificate; with none an installation cannot issue (fail), an illustrative one signs with its own 예시
    authority (warn); a wrong passphrase is named."""
    _, findings = _doctor(installed)
    assert findings["signing"]["status"] == "ok"
    assert (
        findings["signing"]["message"].startswith("CN=예시 기후에너지환경부")
        and "PAdES B-B" in findings["signing"]["message"]
    )
    installed.env.update(
        {"GCW_SIGNING_CERTIFICATE": None, "GCW_SIGNING_PASSPHRASE": None, "GCW_SIGNING_TRUST": None}
    )
    result, findings = _doctor(installed)
    assert result.exit_code == EXIT_CHECKS_FAILED and findings["signing"]["status"] == "fail"
    assert "GCW_SIGNING_CERTIFICATE에 기관 인증서(행정전자서명, PKCS#12 파일)를" in findings["signing"]["fix"]
    installed.env["GCW_DOCUMENTS_ILLUSTRATIVE"] = "true"
    _, findings = _doctor(installed)
    assert (
        findings["signing"]["status"] == "warn"
        and "예시 인증서로 서명합니다" in findings["signing"]["message"]
    )
    installed.env.update(
        {
            "GCW_DOCUMENTS_ILLUSTRATIVE": None,
            "GCW_SIGNING_CERTIFICATE": os.environ["GCW_SIGNING_CERTIFICATE"],
            "GCW_SIGNING_PASSPHRASE": "틀린 암호",
        }
    )
    _, findings = _doctor(installed)
    assert findings["signing"]["status"] == "fail"
    assert "암호가 틀렸거나 PKCS#12 파일이 아닙니다" in findings["signing"]["message"]
