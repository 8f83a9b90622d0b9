"""`gcw audit …` as an auditor and an operator run it: Korean tables with pages, JSON and CSV (with a BOM) that
read back to the same rows, verification in one line per thing, checkpoint lines kept outside, the records
archive verified without the database, and the exit statuses of refusals."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gcworkflow.audit.queries import csv_cell
from gcworkflow.context import Context
from tests.cli import Gcw
from tests.support import AUDITOR, CLERK, CLERK2
from tests.test_audit import _attacker, _history
from tests.test_audit_queries import Seeded, seeded  # noqa: F401  (the module's seeded history)

NOW = "2026-04-20T10:00:00+09:00"
LINE = re.compile(r"^gcw-checkpoint \d+ \S+Z chains=\d+ sha256=[0-9a-f]{64}$")


def _gcw(ctx: Context) -> Gcw:
    return Gcw.against(ctx.settings, NOW)


@pytest.fixture(scope="module")
def gcw(seeded: Seeded) -> Gcw:  # noqa: F811
    return _gcw(seeded.ctx)


def test_history_prints_a_korean_table_in_pages(gcw: Gcw, seeded: Seeded) -> None:  # noqa: F811
    first = gcw.ok("audit", "history", str(seeded.a), "--limit", "5", user=AUDITOR).stdout
    assert "첨단 전자산업 자원순환 녹색융합클러스터 지정" in first
    assert "절차 개시" in first and "녹색융합클러스터법 제9조" in first
    total = gcw.json("audit", "history", str(seeded.a), "--all", user=AUDITOR)["total"]
    assert f"전체 {total}건 중 1–5 · 다음 쪽: --page 2" in first
    second = gcw.json("audit", "history", str(seeded.a), "--limit", "5", "--page", "2", user=AUDITOR)
    assert [r["seq"] for r in second["rows"]] == [6, 7, 8, 9, 10]
    issued = gcw.ok("audit", "history", str(seeded.a), "--trigger", "document_issued", user=AUDITOR).stdout
    assert f"designation_notice {seeded.ids['notice_pdf'][:12]}…" in issued


def test_csv_and_json_exports_read_back_to_the_same_rows(gcw: Gcw, tmp_path: Path) -> None:
    as_csv, as_json = tmp_path / "lee.csv", tmp_path / "lee.json"
    period = ["--actor", CLERK2, "--from", "2026-03-01", "--to", "2026-04-30", "--all"]
    written = gcw.ok("audit", "actions", *period, "--format", "csv", "--output", str(as_csv), user=AUDITOR)
    assert f"CSV 6행을 썼습니다: {as_csv}" in written.stderr
    gcw.ok("audit", "actions", *period, "--output", str(as_json), user=AUDITOR)  # the suffix says JSON
    data = json.loads(as_json.read_text(encoding="utf-8"))
    raw = as_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [c["label"] for c in data["columns"]]
    assert rows[1:] == [[csv_cell(r[c["key"]]) for c in data["columns"]] for r in data["rows"]]
    assert "접수 문서 등록" in raw.decode("utf-8-sig") and data["total"] == 6
    piped = gcw.ok("audit", "actions", *period, "--format", "csv", user=AUDITOR).stdout
    assert piped == raw.decode("utf-8").replace("\r\n", "\n")  # CliRunner folds the CRLF of CSV rows
    nested = tmp_path / "exports" / "2026" / "lee.csv"  # a folder that does not exist yet is made
    gcw.ok("audit", "actions", *period, "--format", "csv", "--output", str(nested), user=AUDITOR)
    assert nested.read_bytes() == raw
    blocked = gcw("audit", "actions", *period, "--output", str(as_csv / "x.json"), user=AUDITOR)
    assert blocked.exit_code == 8
    assert f"저장할 파일에 쓸 수 없습니다: {as_csv / 'x.json'} (" in blocked.stderr


def test_every_query_answers_in_korean(gcw: Gcw, seeded: Seeded) -> None:  # noqa: F811
    decisions = gcw.ok("audit", "decisions", "--year", "2026", user=AUDITOR).stdout
    assert "보류" in decisions and "원안 의결" in decisions and "전체 2건" in decisions
    refusals = gcw.ok("audit", "refusals", "--article", "제9조제1항", user=AUDITOR).stdout
    assert "요건 미충족" in refusals and "관할 시·도지사 의견수렴" in refusals and "전체 1건" in refusals
    late = gcw.ok("audit", "late-notifications", user=AUDITOR).stdout
    assert "경상북도지사" in late and "문서유통시스템 장애" in late and "2026-04-03" in late
    then = gcw.json("audit", "as-of", "2026-03-31", user=AUDITOR)
    assert {r["procedure_id"]: r["state"] for r in then["rows"]} == seeded.snapshots[date_of("2026-03-31")]
    report = gcw.ok("audit", "report", "stages", user=AUDITOR).stdout
    assert "중앙값" in report and "조성계획 수립" in report and "28.0*" in report
    summary = gcw.ok("audit", "report", "stages", "--summary", "--format", "csv", user=AUDITOR).stdout
    assert summary.startswith("\ufeff단계,") or summary.startswith("\ufeff단계 코드,")
    assert "관할 시·도지사 의견수렴" in summary
    reads = gcw.json("audit", "reads", "--actor", AUDITOR, "--all", user=AUDITOR)
    assert {"history", "actions", "decisions"} <= {r["query"] for r in reads["rows"]}


def date_of(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)


def test_refusals_have_their_exit_statuses(gcw: Gcw, seeded: Seeded) -> None:  # noqa: F811
    operator = gcw("audit", "actions")
    assert operator.exit_code == 5 and "gcw --as 사용자이름 audit" in operator.stderr
    assert gcw("audit", "history", str(seeded.a), user=CLERK2).exit_code == 5
    assert gcw("audit", "history", str(seeded.b), user=CLERK).exit_code == 0  # assigned now
    bad_date = gcw("audit", "actions", "--from", "2026-02-30", user=AUDITOR)
    assert bad_date.exit_code == 2 and "날짜 형식" in bad_date.stderr
    both = gcw("audit", "actions", "--year", "2026", "--month", "2026-03", user=AUDITOR)
    assert both.exit_code == 2
    table_file = gcw("audit", "actions", "--output", "x.txt", user=AUDITOR)
    assert table_file.exit_code == 2 and "--format csv" in table_file.stderr
    assert gcw("audit", "actions", "--outcome", "maybe", user=AUDITOR).exit_code == 2
    assert gcw("audit", "history", "999", user=AUDITOR).exit_code == 6


def test_operator_verifies_checkpoints_and_exports(gcw: Gcw, seeded: Seeded, tmp_path: Path) -> None:  # noqa: F811
    verified = gcw.ok("audit", "verify").stdout.splitlines()
    assert verified[0].startswith("체인: 3개, 사건 ") and verified[0].endswith("— 이상 없음")
    sections = ["체인", "기록", "현재 상태", "체크포인트", "문서", "결과"]
    assert [line.split(":")[0] for line in verified] == sections
    line = gcw.ok("audit", "checkpoint", "--line").stdout.strip()
    assert LINE.match(line)
    assert gcw.ok("audit", "checkpoint", "--line", "--latest").stdout.strip() == line
    against = gcw.ok("audit", "verify", "--since", "--against-line", line).stdout
    checkpoint_id = line.split()[1]
    assert f"외부 체크포인트 줄 {checkpoint_id}번: 일치" in against and "결과: 이상 없음" in against
    assert gcw("audit", "verify", "--against-line", "gcw-checkpoint 1 x").exit_code == 2

    archive = tmp_path / "a.zip"
    exported = gcw.json("audit", "export", "--procedure", str(seeded.a), "--output", str(archive))
    assert exported["checkpoint_line"] == line and exported["documents"] == 1
    offline = Gcw({**gcw.env, "GCW_DATABASE_URL": f"sqlite:///{tmp_path / 'missing' / 'none.sqlite3'}"})
    checked = offline.ok("audit", "verify", "--archive", str(archive), "--against-line", line).stdout
    assert checked.startswith(f"기록물 {archive}: 체인: 1개, 사건 {exported['events']}건")
    assert "결과: 이상 없음" in checked
    as_csv = gcw.ok("audit", "verify", "--format", "csv").stdout
    assert as_csv.startswith("\ufeff이상 없음,체인,사건") and "\ntrue,3," in as_csv
    other = tmp_path / "b.zip"
    stranger = gcw("audit", "export", "--procedure", str(seeded.a), "--output", str(other), user=CLERK2)
    assert stranger.exit_code == 5 and "(운영방침: 감사 기록 열람 범위)" in stranger.stderr
    assert not other.exists()


def test_verify_names_the_first_problem_and_exits_1(ctx: Context) -> None:
    pid = _history(ctx)
    with _attacker(ctx) as conn:
        from sqlalchemy import text

        target = conn.execute(
            text("SELECT id FROM audit_events WHERE procedure_id = :p AND seq = 2"), {"p": pid}
        ).scalar()
        conn.execute(text("UPDATE audit_events SET actor = 'lee' WHERE id = :i"), {"i": target})
    result = _gcw(ctx)("audit", "verify")
    assert result.exit_code == 1
    assert (
        f"첫 문제: procedure:{pid} #2 (event id {target}): 저장된 열 값이 해시된 원문과 다릅니다"
        in result.stdout
    )
    data = json.loads(_gcw(ctx)("audit", "verify", "--json").stdout)
    assert data["ok"] is False and data["problems"][0]["event_id"] == target


def test_audit_help_imports_nothing_heavy() -> None:
    probe = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from gcworkflow.cli import app\n"
        "for argv in (['audit', '--help'], ['audit', 'actions', '--help'], ['audit', 'report', 'stages', '--help']):\n"
        "    assert CliRunner().invoke(app, argv).exit_code == 0\n"
        "heavy = {'sqlalchemy', 'prefect', 'weasyprint', 'rich.progress'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
