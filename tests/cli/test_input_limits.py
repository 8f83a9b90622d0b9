"""Issue 15 §2 at the command line: names without control characters (and old rows printed escaped), payload
files held to the API's rules, YAML without aliases, uploads limited and never stored for someone refused,
CSV cells a spreadsheet cannot run."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import text

from gcworkflow.db.session import make_engine
from gcworkflow.settings import Settings
from tests.cli import Gcw, open_gumi
from tests.support import ADMIN, APPROVER, AUDITOR, CLERK, GUMI_PLAN

NOW = "2026-03-02T10:00:00+09:00"
CLUSTER = "첨단 전자산업 자원순환 녹색융합클러스터"
FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def gcw(settings: Settings) -> Gcw:
    return Gcw.against(settings, NOW)


@pytest.fixture
def procedure(gcw: Gcw) -> str:
    """An admin, a clerk, an approver and an auditor; the 구미 cluster and its designation procedure."""
    return open_gumi(gcw, CLUSTER)


def _stored_files(settings: Settings) -> list[Path]:
    return [p for p in settings.document_dir.rglob("*") if p.is_file()]


def test_names_with_control_characters_are_refused_and_old_ones_printed_escaped(
    gcw: Gcw, procedure: str, settings: Settings
) -> None:
    for args in (
        ("clusters", "add", "구미\x1b[31m클러스터"),
        ("clusters", "add", "구미\x07클러스터"),
        ("clusters", "add", "구미\r클러스터"),
        ("procedures", "open", "--cluster", "1", "--approver", APPROVER, "--title", "제목\n둘째 줄"),
    ):
        refused = gcw(*args, user=CLERK)
        assert refused.exit_code == 2, refused.output
        assert "에 제어 문자(" in refused.stderr and "한 줄로, 보이는 글자만 적으십시오" in refused.stderr
    refused = gcw("users", "add", "hong", "--name", "홍\x9b2J길동", "--role", "clerk", user=ADMIN)
    assert refused.exit_code == 2 and "표시 이름에 제어 문자(\\x9b, 2번째 글자)" in refused.stderr
    # A name stored before names were checked is printed with its control characters escaped.
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE clusters SET name = :name"), {"name": "구미\x1b]0;pwned\x07\x1b[2J"})
    engine.dispose()
    for args in (("clusters", "list"), ("procedures", "list"), ("status", procedure)):
        shown = gcw.ok(*args, user=CLERK).stdout
        assert "\x1b" not in shown and "\x07" not in shown
    assert "구미\\x1b]0;pwned\\x07\\x1b[2J" in gcw.ok("clusters", "list", user=CLERK).stdout


def test_a_payload_file_is_held_to_the_apis_rules(gcw: Gcw, procedure: str, tmp_path: Path) -> None:
    nul_yaml, nul_json = tmp_path / "nul.yaml", tmp_path / "nul.json"
    dates = {"announced_on": "2026-02-02", "selected_on": "2026-02-20"}  # otherwise a valid selection
    nul_yaml.write_text(
        'summary: "구미\\0국가산업단지 선정"\n' + "".join(f"{k}: {v}\n" for k, v in dates.items()),
        encoding="utf-8",
    )
    nul_json.write_text(json.dumps({"summary": "구미\x00국가산업단지 선정", **dates}), encoding="utf-8")
    for payload in (nul_yaml, nul_json):
        refused = gcw("fire", procedure, "record_site_selection", "--payload-file", str(payload), user=CLERK)
        assert refused.exit_code == 2, refused.output
        assert "입력에 NUL 문자(\\x00)가 들어 있습니다" in refused.stderr
    aliased = tmp_path / "plan.yaml"
    aliased.write_text(GUMI_PLAN.read_text(encoding="utf-8") + "copy: &x [1]\nagain: *x\n", encoding="utf-8")
    refused = gcw("plan", "set", procedure, "--file", str(aliased), user=CLERK)
    assert refused.exit_code == 2
    assert f"파일 {aliased}에 YAML 별칭(*x," in refused.stderr
    assert gcw.json("history", procedure, user=CLERK)[-1]["trigger"] == "open"


def test_a_refused_upload_is_never_stored_and_uploads_have_the_webs_limit(
    gcw: Gcw, procedure: str, settings: Settings, tmp_path: Path
) -> None:
    reply = tmp_path / "회신.pdf"
    reply.write_bytes(b"%PDF-1.7\n% reply\n%%EOF\n")
    add = ("documents", "add", str(reply), "--procedure", procedure, "--title", "회신")
    refused = gcw(*add, user=AUDITOR)
    assert refused.exit_code == 5, refused.output
    attached = gcw(
        "fire", procedure, "receive_document", "-p", "title=회신", "--attach", str(reply), user=AUDITOR
    )
    assert attached.exit_code == 5, attached.output
    assert _stored_files(settings) == []

    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (1 << 20) + b"\n%%EOF\n")
    limited = gcw.env | {"GCW_WEB_UPLOAD_MIB": "1"}
    too_big = Gcw(limited)(
        "documents", "add", str(big), "--procedure", procedure, "--title", "큰 파일", user=CLERK
    )
    assert too_big.exit_code == 2, too_big.output
    assert (
        "첨부 파일이 너무 큽니다" in too_big.stderr
        and "최대 1 MiB, 설정 GCW_WEB_UPLOAD_MIB" in too_big.stderr
    )
    assert _stored_files(settings) == []

    # What is recorded is what the bytes are, not what the file's name claims.
    page = tmp_path / "report.pdf"
    page.write_bytes(b"<!doctype html><html><script>alert(1)</script></html>")
    gcw.ok("documents", "add", str(page), "--procedure", procedure, "--title", "위장 보고서", user=CLERK)
    (listed,) = gcw.json("documents", "list", "--procedure", procedure, user=CLERK)
    assert listed["media_type"] == "text/html" and listed["filename"] == "report.pdf"


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted(gcw: Gcw, procedure: str) -> None:
    gcw.ok("plan", "set", procedure, "--file", str(GUMI_PLAN), "--comment", FORMULA, user=CLERK)
    exported = gcw.ok("audit", "actions", "--all", "--format", "csv", user=AUDITOR).stdout
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    (planned,) = [r for r in rows if r["처리 코드"] == "record_plan"]
    assert planned["설명"] == "'" + FORMULA
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())


def test_areas_and_days_beyond_any_real_one_get_a_clear_answer(gcw: Gcw, procedure: str) -> None:
    """`clusters add --area` and `plan set --area` took 10²⁰ ㎡; `audit as-of 9999-12-31` ended in the generic
    out-of-range fallback."""
    refused = gcw("clusters", "add", "시험 클러스터", "--area", str(10**20), user=CLERK)
    assert refused.exit_code == 2 and "국토 면적 약 10만 ㎢" in refused.stderr, refused.output
    refused = gcw("plan", "set", procedure, "--area", str(10**20), user=CLERK)
    assert refused.exit_code == 2 and "100,000,000,000 이하여야 합니다" in refused.stderr, refused.output
    for day in ("9999-12-31", "0001-01-01"):
        shown = gcw.ok("audit", "as-of", day, "--format", "json", user=AUDITOR).stdout
        assert json.loads(shown)["total"] == (1 if day.startswith("9") else 0)
