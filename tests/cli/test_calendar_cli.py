"""`gcw period`, `gcw holidays …`, `gcw deadlines` and `gcw reminders plan` (issue #3): the calculator with
and without a database, the override table as an admin edits it, and the deadlines a procedure opened."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from gcworkflow import clusters, engine
from gcworkflow.context import Context
from gcworkflow.settings import Settings
from tests.cli import Gcw
from tests.support import ADMIN, APPROVER, CLERK, actor, fire, gumi_plan, on, open_gumi, signed

OVERRIDE = ("holidays", "add", "2026-10-23", "--name", "임시공휴일", "--reason", "국무회의 의결 (시험)")


@pytest.fixture
def offline(tmp_path: Path) -> Gcw:
    """No database configured: the default SQLite file under GCW_VAR_DIR does not exist."""
    return Gcw(
        {"GCW_DATABASE_URL": None, "GCW_VAR_DIR": str(tmp_path / "var"), "GCW_USER": None, "GCW_NOW": None}
    )


@pytest.fixture
def gcw(settings: Settings) -> Gcw:
    return Gcw.against(settings, "2026-09-23T10:00:00+09:00")


@pytest.mark.parametrize(
    ("args", "end", "rule", "explained"),
    [
        (
            ["--start", "2026-09-23", "--days", "30"],
            "2026-10-23",
            "civil",
            "다음 날부터 30일 → 2026. 10. 23. (금)",
        ),
        # Sat 10. 3. is 개천절, Sun 10. 4., Mon 10. 5. its 대체공휴일: 민법 제161조 rolls to Tue 10. 6.
        (
            ["--start", "2026-09-03", "--days", "30"],
            "2026-10-06",
            "civil",
            "→ 2026. 10. 6. (화) (민법 제161조)",
        ),
        (
            ["--start", "2026-03-10", "--years", "3", "--rule", "restrictive"],
            "2029-03-09",
            "restrictive",
            "첫날 산입 3년 → 2029. 3. 9. (금)",
        ),
        (
            ["--start", "2021-06-15", "--months", "6", "--rule", "commencement"],
            "2021-12-16",
            "commencement",
            "시행일 2021. 12. 16. (목)",
        ),
        (
            ["--start", "2026-06-27", "--days", "3", "--rule", "backward"],
            "2026-06-23",
            "backward",
            "3일 전까지: 그 전날부터 거꾸로 3일이 온전히 남도록 → 2026. 6. 23. (화)까지 (민법 역산)",
        ),
        (
            ["--start", "2026-04-06", "--days", "14", "--from-midnight"],
            "2026-04-20",
            "civil",
            "오전 0시부터 14일 → 말일 2026. 4. 19. (일)은 일요일이므로",
        ),
    ],
)
def test_period_by_the_rules_alone_without_a_database(
    offline: Gcw, tmp_path: Path, args: list[str], end: str, rule: str, explained: str
) -> None:
    result = offline.ok("period", *args, "--json")
    data = json.loads(result.stdout)
    assert (data["start"], data["end"], data["rule"]) == (args[1], end, rule)
    assert explained in data["explanation"]
    # The fallback is said on stderr, never in the JSON, and no empty database file is left behind.
    assert "규정만으로 계산" in result.stderr
    assert not (tmp_path / "var").exists()
    human = offline.ok("period", *args).stdout.splitlines()
    assert human == [data["explanation"], f"근거: {data['basis']}"]


def test_period_refuses_bad_input(offline: Gcw) -> None:
    for args in (
        ["--start", "2026-09-23"],
        ["--start", "2026-09-23", "--days", "3", "--weeks", "1"],
        ["--start", "2026-09-31", "--days", "3"],
        ["--start", "2026-09-23", "--days", "3", "--rule", "lenient"],
        ["--start", "2026-09-23", "--days", "0"],
        ["--start", "2026-09-23", "--days", "3", "--rule", "restrictive", "--from-midnight"],
    ):
        result = offline("period", *args, "--json")
        assert result.exit_code == 2, args
        assert json.loads(result.stdout)["code"] == "invalid_input", args


def test_overrides_move_periods_and_are_listed_and_audited(gcw: Gcw) -> None:
    gcw.ok("init", "--admin", ADMIN, "--name", "관리자")
    gcw.ok("users", "add", CLERK, "--name", "김주무", "--role", "clerk", user=ADMIN)
    before = gcw.ok("period", "--start", "2026-09-23", "--days", "30", "--json")
    assert json.loads(before.stdout)["end"] == "2026-10-23" and before.stderr == ""

    assert gcw(*OVERRIDE).exit_code == 5  # the operator takes no action
    refused = gcw(*OVERRIDE, user=CLERK)
    assert refused.exit_code == 5 and "관리자의 권한" in refused.stderr
    added = gcw.json(*OVERRIDE, user=ADMIN)
    assert (added["date"], added["name"], added["recomputed"]) == ("2026-10-23", "임시공휴일", [])
    assert gcw(*OVERRIDE, user=ADMIN).exit_code == 4

    moved = gcw.json("period", "--start", "2026-09-23", "--days", "30", "--label", "요청일")
    assert moved["end"] == "2026-10-26"
    assert moved["explanation"].startswith(
        "요청일 2026. 9. 23. 다음 날부터 30일 → 말일 2026. 10. 23. (금)은 공휴일(임시공휴일)"
    )
    assert moved["calendar_version"] != json.loads(before.stdout)["calendar_version"]

    listed = gcw.json("holidays", "list", "--year", "2026")
    days = {d["date"]: (d["name"], d["source"]) for d in listed["holidays"]}
    assert days["2026-05-01"] == ("노동절", "규정") and days["2026-07-17"] == ("제헌절", "규정")
    assert days["2026-10-23"] == ("임시공휴일", "조정")
    assert [(o["date"], o["reason"], o["created_by"]) for o in listed["overrides"]] == [
        ("2026-10-23", "국무회의 의결 (시험)", ADMIN)
    ]
    human = gcw.ok("holidays", "list", "--year", "2026").stdout
    assert "2026. 10. 23. (금)  임시공휴일" in human and "공휴일 지정" in human

    removed = gcw.ok("holidays", "remove", "2026-10-23", "--reason", "착오 입력", user=ADMIN).stdout
    assert "2026. 10. 23. (금)의 공휴일 조정(임시공휴일)을 지웠습니다" in removed
    corrected = gcw.ok("holidays", "remove", "2026-05-01", "--reason", "정정 (시험)", user=ADMIN).stdout
    assert "노동절을 공휴일에서 제외했습니다 (정정)" in corrected
    listed = gcw.json("holidays", "list", "--year", "2026")
    assert {"2026-10-23", "2026-05-01"}.isdisjoint(d["date"] for d in listed["holidays"])
    assert [(o["date"], o["is_holiday"]) for o in listed["overrides"]] == [("2026-05-01", False)]
    assert gcw.json("period", "--start", "2026-09-23", "--days", "30")["end"] == "2026-10-23"
    assert gcw("holidays", "remove", "2026-10-22", "--reason", "착오", user=ADMIN).exit_code == 6
    assert gcw("holidays", "list", "--year", "1800").exit_code == 2
    assert (
        gcw("holidays", "add", "2200-01-01", "--name", "임시공휴일", "--reason", "시험", user=ADMIN).exit_code
        == 2
    )
    assert gcw.json("audit", "verify")["ok"] is True


def test_deadlines_and_reminders_after_the_governor_request(gcw: Gcw, ctx: Context) -> None:
    pid = open_gumi(ctx)  # 2026. 3. 2.
    idle = engine.open_procedure(
        ctx,
        actor(CLERK),
        "designation",
        cluster_id=clusters.register_cluster(ctx, actor(CLERK), "태양광 사용후 패널 녹색융합클러스터"),
        approver=APPROVER,
    ).procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions")  # reply by Fri 2026. 10. 23., printed in the letter

    listing = gcw.json("deadlines", user=CLERK)
    (due,) = listing["deadlines"]
    assert (due["procedure_id"], due["kind"], due["label"], due["due_on"], due["fixed"]) == (
        pid, "governor_reply", "시·도지사 의견 회신 기한", "2026-10-23", True,
    )  # fmt: skip
    # 추석, 개천절's 대체공휴일 and 한글날 fall on the way.
    assert (due["days_left"], due["working_days_left"]) == (30, 18)
    assert [(s["id"], s["state_label"], s["idle_days"]) for s in listing["stuck"]] == [
        (idle, "조성계획 수립", 205)
    ]
    assert gcw.json("deadlines", "--stuck-days", "300")["stuck"] == []
    assert gcw.json("deadlines", "--procedure", str(idle)) == {"deadlines": [], "stuck": listing["stuck"]}
    assert gcw("deadlines", "--procedure", "999").exit_code == 6

    soon = gcw.ok("deadlines", "--procedure", str(pid), now="2026-10-16").stdout
    assert "2026. 10. 23. (금)  7일 남음 (근무일 5일)  시·도지사 의견 회신 기한" in soon
    assert f"{pid}번 절차 " in soon and "요청일 2026. 9. 23. 다음 날부터 30일" in soon

    # Planning is the system's work, run by hand with --as-system; a second run the same day queues nothing.
    planned = gcw.ok("reminders", "plan", "--as-system", "--json", now="2026-10-16")
    assert json.loads(planned.stdout) == {
        "today": "2026-10-16",
        "queued": 1,
        "reminders": 1,
        "escalations": 0,
    }
    assert (
        "새로 올릴 기한 알림이 없습니다"
        in gcw.ok("reminders", "plan", "--as-system", now="2026-10-16").stdout
    )

    # A holiday on the reply-by date: the date printed in the letter stays, flagged for the clerk.
    added = gcw.ok(*OVERRIDE, user=ADMIN).stdout
    assert (
        f"기한 #{due['id']} {pid}번 절차 시·도지사 의견 회신 기한: 발송한 문서에 적힌 2026. 10. 23. (금)"
        in added
    )
    late = gcw.ok("deadlines", "--procedure", str(pid), now="2026-10-28").stdout
    assert "5일 경과 (근무일 3일)" in late
    assert "비고: 2026. 10. 23. 임시공휴일 지정: 다시 계산하면 2026. 10. 26. (월)" in late
    # D+5 and the approver's escalation (3 days overdue by default).
    assert (
        json.loads(gcw.ok("reminders", "plan", "--as-system", "--json", now="2026-10-28").stdout)["queued"]
        == 2
    )


def test_help_of_the_new_commands_imports_nothing_heavy() -> None:
    probe = (
        "import sys\n"
        "from gcworkflow.cli import app\n"
        "for argv in (['holidays', 'add', '--help'], ['period', '--help'], ['deadlines', '--help'],\n"
        "             ['reminders', 'plan', '--help']):\n"
        "    try:\n"
        "        app(argv, prog_name='gcw')\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, exit.code\n"
        "heavy = ('sqlalchemy', 'pydantic_settings', 'alembic', 'holidays', 'gcworkflow.engine')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
