"""`gcw` as an operator runs it: real databases (SQLite, and PostgreSQL when configured), Korean output, the
refusals with their articles and exit statuses, and a --help that imports nothing heavy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gcworkflow.cli import app
from gcworkflow.db.session import make_engine
from gcworkflow.korean import with_particle
from gcworkflow.settings import Settings
from tests.cli import Gcw, help_in_a_fresh_interpreter
from tests.support import ADMIN, APPROVER, CLERK, GUMI_PLAN

CLUSTER = "첨단 전자산업 자원순환 녹색융합클러스터"
NOW = "2026-03-02T10:00:00+09:00"


@pytest.fixture
def gcw(settings: Settings) -> Gcw:
    return Gcw.against(settings, NOW)


@pytest.fixture
def procedure(gcw: Gcw) -> int:
    """An admin, a clerk and an approver, a planned cluster and a designation procedure opened by the clerk."""
    gcw.ok("init", "--admin", ADMIN, "--name", "관리자")
    gcw.ok("users", "add", CLERK, "--name", "김주무", "--role", "clerk", user=ADMIN)
    gcw.ok("users", "add", APPROVER, "--name", "박과장", "--role", "approver", user=ADMIN)
    gcw.ok("clusters", "add", CLUSTER, "--sido", "47", "--sigungu", "구미시", "--area", "33000", user=CLERK)
    opened = gcw.json("procedures", "open", "--cluster", CLUSTER, "--approver", APPROVER, user=CLERK)
    return opened["procedure_id"]


def test_init_and_user_administration(gcw: Gcw) -> None:
    assert "첫 관리자 admin" in gcw.ok("init", "--admin", ADMIN, "--name", "관리자").stdout
    again = gcw("init", "--admin", "other", "--name", "다른 관리자")
    assert again.exit_code == 4
    assert "관리자가 이미 있습니다" in again.stderr

    kim = ["--name", "김주무", "--role", "clerk", "--email", "kim@example.go.kr"]
    gcw.ok("users", "add", CLERK, *kim, user=ADMIN)
    gcw.ok("users", "grant", CLERK, "auditor", user=ADMIN)
    gcw.ok("users", "revoke", CLERK, "auditor", user=ADMIN)
    gcw.ok("users", "deactivate", CLERK, user=ADMIN)
    users = {u["username"]: u for u in gcw.json("users", "list")}
    assert users[CLERK] == {
        "username": CLERK,
        "display_name": "김주무",
        "email": "kim@example.go.kr",
        "roles": ["clerk"],
        "active": False,
    }
    # A deactivated user can no longer act, and says so in Korean.
    refused = gcw("clusters", "add", CLUSTER, user=CLERK)
    assert refused.exit_code == 5
    assert "사용이 중지된 사용자" in refused.stderr
    gcw.ok("users", "activate", CLERK, user=ADMIN)

    not_admin = gcw("users", "add", "lee", "--name", "이주무", "--role", "clerk", user=CLERK)
    assert not_admin.exit_code == 5
    assert "관리자의 권한" in not_admin.stderr
    bad_role = gcw("users", "grant", CLERK, "chief", user=ADMIN)
    assert bad_role.exit_code == 2
    assert "알 수 없는 권한" in bad_role.stderr
    listing = gcw.ok("users", "list").stdout
    assert "김주무" in listing and "clerk" in listing


def test_clerk_proposes_and_approver_approves(gcw: Gcw, procedure: int, tmp_path: Path) -> None:
    pid = str(procedure)
    recorded = gcw.ok("plan", "set", pid, "--file", str(GUMI_PLAN), user=CLERK).stdout
    assert "조성계획 작성·수정" in recorded
    shown = gcw.ok("plan", "show", pid).stdout
    assert "제1판" in shown and "빠진 항목 없음" in shown

    first = gcw.json("propose", pid, "request_governor_opinions", user=CLERK)
    assert (
        gcw("reject", str(first["proposal_id"]), user=APPROVER).exit_code == 2
    )  # a rejection needs its reason
    rejected = gcw.ok("reject", str(first["proposal_id"]), "--comment", "회신 기한 재검토", user=APPROVER)
    assert f"상신 #{with_particle(first['proposal_id'], '을')} 반려했습니다" in rejected.stdout

    proposed = gcw.json("propose", pid, "request_governor_opinions", "--comment", "의견조회 상신", user=CLERK)
    tray = gcw.json("proposals", "--mine", user=APPROVER)
    assert [(p["id"], p["trigger"], p["proposed_by"]) for p in tray] == [
        (proposed["proposal_id"], "request_governor_opinions", CLERK)
    ]
    approved = gcw.ok("approve", str(proposed["proposal_id"]), "--comment", "승인", user=APPROVER).stdout
    assert "관할 시·도지사 의견수렴" in approved
    assert gcw.json("proposals", "--mine", user=APPROVER) == []

    # `-p sido_code=47` stays the code "47" (the payload takes a string); the attachment lands in the store.
    reply = tmp_path / "경북-회신.pdf"
    reply.write_bytes(b"%PDF-1.7 opinion")
    gcw.ok(
        "fire", pid, "record_governor_opinion",
        "-p", "sido_code=47", "-p", "received_on=2026-03-10", "-p", "summary=이견 없음",
        "--attach", str(reply), user=CLERK, now="2026-03-10",
    )  # fmt: skip
    gcw.ok("documents", "add", str(reply), "--procedure", pid, "--title", "경상북도 회신 원본", user=CLERK)

    status = gcw.json("status", pid, user=CLERK)
    assert status["state"] == "governor_consultation"
    assert status["plan_version"] == 1
    assert {d["title"] for d in status["documents"]} >= {"경상북도 회신 원본"}
    human = gcw.ok("status", pid, user=CLERK).stdout
    assert "관할 시·도지사 의견수렴 (governor_consultation)" in human
    assert "request_ministry_consultation" in human and "propose (결재)" in human

    events = gcw.json("history", pid, user=CLERK)
    assert [e["trigger"] for e in events] == [
        "open", "record_plan", "propose", "reject_proposal", "propose", "request_governor_opinions",
        "record_governor_opinion", "receive_document",
    ]  # fmt: skip
    approval = events[5]
    assert (approval["actor"], approval["interface"], approval["comment"]) == (APPROVER, "cli", "승인")
    assert events[6]["occurred_at_kst"] == "2026-03-10 09:00"  # a bare GCW_NOW date is 09:00 KST
    timeline = gcw.ok("history", pid, user=CLERK).stdout
    assert "park(결재권자)" in timeline
    assert "조성계획 수립 → 관할 시·도지사 의견수렴" in timeline
    assert f"상신 #{proposed['proposal_id']} 승인" in timeline
    assert "결재 반려" in timeline and "회신 기한 재검토" in timeline


def test_clusters_including_deemed_ones(gcw: Gcw, procedure: int, tmp_path: Path) -> None:
    profile = tmp_path / "incheon.yaml"
    profile.write_text("sido_code: '28'\nsigungu: 서구\narea_m2: 1\n", encoding="utf-8")
    deemed = gcw.json(
        "clusters", "register-deemed", "창업·벤처 녹색융합클러스터", "--basis", "부칙 제2조제1항",
        "--institution", "한국환경산업기술원", "--profile", str(profile), "--area", "180000", user=CLERK,
    )  # fmt: skip
    assert deemed["status"] == "designated" and deemed["designated_on"] == "2021-12-16"
    assert deemed["profile"] == {
        "sido_code": "28", "sigungu": "서구", "area_m2": 180000, "operating_institution": "한국환경산업기술원",
    }  # fmt: skip
    wrong = gcw("clusters", "register-deemed", "다른 클러스터", "--basis", "부칙 제3조", user=CLERK)
    assert wrong.exit_code == 2 and "부칙 제2조제1항" in wrong.stderr
    listing = gcw.ok("clusters", "list").stdout
    assert "창업·벤처 녹색융합클러스터" in listing and "지정" in listing
    # A designated cluster cannot be the subject of a new designation procedure.
    refused = gcw(
        "procedures", "open", "--cluster", "창업·벤처 녹색융합클러스터", "--approver", APPROVER, user=CLERK
    )
    assert refused.exit_code == 3 and "녹색융합클러스터법 제9조제1항" in refused.stderr


def test_plan_merge_replaces_only_the_given_sections(gcw: Gcw, procedure: int, tmp_path: Path) -> None:
    pid = str(procedure)
    gcw.ok("plan", "set", pid, "--file", str(GUMI_PLAN), user=CLERK)
    change = tmp_path / "change.json"
    change.write_text(json.dumps({"location_detail": "구미 국가산업단지 제5단지 일원"}), encoding="utf-8")
    gcw.ok("plan", "set", pid, "--file", str(change), "--merge", "--period", "2027-2029", user=CLERK)
    plan = gcw.json("plan", "show", pid)
    assert plan["number"] == 2 and plan["missing"] == []
    assert plan["content"]["location_detail"] == "구미 국가산업단지 제5단지 일원"
    assert plan["content"]["creation_period"] == {"start_year": 2027, "end_year": 2029}
    assert plan["content"]["area_m2"] == 33000
    assert gcw.json("plan", "show", pid, "--version", "1")["content"]["creation_period"]["start_year"] == 2026
    bad = gcw("plan", "set", pid, "--period", "2029-2027", user=CLERK)
    assert bad.exit_code == 2 and "조성기간" in bad.stderr


def test_actions_describe_their_payloads(gcw: Gcw, procedure: int) -> None:
    offered = {a["trigger"]: a for a in gcw.json("actions", str(procedure), user=CLERK)}
    assert offered["record_plan"]["payload_schema"]["required"] == ["content"]
    assert offered["request_governor_opinions"]["needs_signoff"] is True
    human = gcw.ok("actions", str(procedure), user=CLERK).stdout
    assert f"gcw propose {procedure} request_governor_opinions" in human
    assert "content" in human and "필수" in human


def test_refusals_cite_the_article_and_exit_by_code(gcw: Gcw, procedure: int) -> None:
    pid = str(procedure)
    gcw.ok("plan", "set", pid, "--name", CLUSTER, "--area", "33000", "--period", "2026-2028", user=CLERK)

    direct = gcw("fire", pid, "request_governor_opinions", user=CLERK)
    assert direct.exit_code == 5
    assert "결재 사항" in direct.stderr

    incomplete = gcw("propose", pid, "request_governor_opinions", user=CLERK)
    assert incomplete.exit_code == 3
    assert "녹색융합클러스터법 제11조" in incomplete.stderr
    financing = (
        "조성계획에 재원조달에 관한 계획이 없습니다 (녹색융합클러스터법 제11조제6호) [plan_financing_missing]"
    )
    assert f"  - {financing}" in incomplete.stderr

    as_json = gcw("propose", pid, "request_governor_opinions", "--json", user=CLERK)
    assert as_json.exit_code == 3
    error = json.loads(as_json.stdout)
    assert error["code"] == "guard_failed"
    assert "plan_financing_missing" in {u["id"] for u in error["unmet"]}

    stale = gcw(
        "fire", pid, "record_plan", "--payload", '{"content": {}}', "--expected-version", "1", user=CLERK
    )
    assert stale.exit_code == 4
    bad_input = gcw("fire", pid, "record_plan", "-p", "content=3", user=CLERK)
    assert bad_input.exit_code == 2
    assert gcw("status", "999").exit_code == 6

    refused = gcw.json("refusals", "--procedure", pid, user=CLERK)
    assert [r["code"] for r in refused] == [
        "forbidden",
        "guard_failed",
        "guard_failed",
        "conflict",
        "invalid_input",
    ]
    assert "녹색융합클러스터법 제11조제6호" in gcw.ok("refusals", "--procedure", pid, user=CLERK).stdout
    # Across procedures the question is an audit query, with its access rule and read record.
    across = gcw("refusals")
    assert across.exit_code == 2 and "audit refusals" in across.output


def test_operator_reads_and_verifies_but_does_not_act(gcw: Gcw, procedure: int) -> None:
    refused = gcw("plan", "set", str(procedure), "--name", "이름")
    assert refused.exit_code == 5
    assert "--as" in refused.stderr and "GCW_USER" in refused.stderr
    with_env = gcw.env | {"GCW_USER": CLERK}
    assert Gcw(with_env).ok("plan", "set", str(procedure), "--name", CLUSTER).exit_code == 0

    gcw.ok("procedures", "list", "--open")
    verified = gcw.ok("audit", "verify").stdout.splitlines()
    assert verified[0].startswith("체인: 2개, 사건 6건") and verified[-1] == "결과: 이상 없음"
    assert any(line.startswith("문서: 0건") for line in verified)
    line = gcw.ok("audit", "checkpoint").stdout.strip()
    assert line.startswith("gcw-checkpoint 1 ") and "chains=2" in line
    assert gcw.json("audit", "verify")["checkpoints"] == 1


def test_audit_verify_names_the_altered_event(gcw: Gcw, procedure: int, settings: Settings) -> None:
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as conn:
            # As someone with database access would: the append-only triggers switched off first.
            if engine.dialect.name == "postgresql":
                conn.execute(text("SET session_replication_role = replica"))
            else:
                for trigger in ("audit_events_no_update", "audit_events_no_delete"):
                    conn.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
            event_id = conn.execute(
                text("SELECT id FROM audit_events WHERE procedure_id = :p AND trigger = 'open'"),
                {"p": procedure},
            ).scalar_one()
            conn.execute(text("UPDATE audit_events SET comment = '몰래' WHERE id = :i"), {"i": event_id})
            conn.commit()
    finally:
        engine.dispose()
    result = gcw("audit", "verify")
    assert result.exit_code == 1
    assert f"첫 문제: procedure:{procedure} #1 (event id {event_id})" in result.stdout
    assert "변조" in result.stdout


def test_an_unmigrated_database_says_what_to_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    gcw = Gcw({"GCW_DATABASE_URL": url, "GCW_VAR_DIR": str(tmp_path / "var"), "GCW_USER": None})
    result = gcw("procedures", "list")
    assert result.exit_code == 7
    assert "gcw db upgrade" in result.stderr and "gcw init" in result.stderr
    assert gcw.json("db", "current")["current"] is None
    gcw.ok("db", "upgrade")
    assert gcw.json("db", "current")["up_to_date"] is True
    assert "절차가 없습니다" in gcw.ok("procedures", "list").stdout


def test_bad_clock_is_invalid_input(tmp_path: Path) -> None:
    gcw = Gcw({"GCW_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "GCW_NOW": "2026-09-23T10:00"})
    result = gcw("procedures", "list")
    assert result.exit_code == 2
    assert "시간대" in result.stderr


def test_diagram_prints_mermaid() -> None:
    result = CliRunner().invoke(app, ["diagram"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "stateDiagram" in result.stdout and "조성계획 수립 (drafting)" in result.stdout


def test_help_imports_nothing_heavy() -> None:
    output = help_in_a_fresh_interpreter(
        [["--help"], ["fire", "--help"], ["users", "add", "--help"]],
        ("prefect", "weasyprint", "sqlalchemy", "pydantic_settings", "gcworkflow.engine", "alembic"),
    )
    assert "gcw" in output
    assert output.strip().splitlines()[-1] == "[]"
