"""Issue 15 §4 at the command line: input beyond what the parsers, the database or a date can hold — payloads
nested thousands deep, ids past PostgreSQL's integer, years outside the calendar — is refused in Korean as the
input error it is (exit 2), never an internal error (9) or a traceback; and `-o` makes its folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import Result

from gcworkflow import queries
from gcworkflow.inputs import MAX_ID
from gcworkflow.settings import Settings
from tests.cli import Gcw, open_gumi
from tests.support import ADMIN, APPROVER, AUDITOR, CLERK, GUMI_PLAN

NOW = "2026-03-02T10:00:00+09:00"
CLUSTER = "첨단 전자산업 자원순환 녹색융합클러스터"
TOO_LARGE = (str(MAX_ID + 1), "99999999999999999999")


@pytest.fixture
def gcw(settings: Settings) -> Gcw:
    return Gcw.against(settings, NOW)


@pytest.fixture
def procedure(gcw: Gcw) -> str:
    """The cast, the 구미 cluster and its designation procedure with a plan and one received document."""
    pid = open_gumi(gcw, CLUSTER)
    gcw.ok("plan", "set", pid, "--file", str(GUMI_PLAN), user=CLERK)
    gcw.ok("documents", "add", str(GUMI_PLAN), "--procedure", pid, "--title", "조성계획", user=CLERK)
    return pid


def _plain(text: str) -> str:
    """Text as said, without the frame and the line breaks of a usage error's box."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def _refused(result: Result, *said: str) -> None:
    shown = result.stdout + result.stderr
    assert result.exit_code == 2, shown
    assert "Traceback" not in shown and "내부 오류" not in shown, shown
    for words in said:
        assert _plain(words) in _plain(result.stderr), shown


def test_a_payload_nested_deeper_than_any_model_is_refused_before_it_is_parsed(
    gcw: Gcw, procedure: str, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.json"
    for depth in (100, 100_000):  # past the reader's bound, and past Python's own recursion limit
        nested = "[" * depth + "]" * depth
        deep.write_text(f'{{"summary": {nested}}}', encoding="utf-8")
        for args in (
            ("fire", procedure, "record_site_selection", "--payload-file", str(deep)),
            ("propose", procedure, "request_governor_opinions", "--payload-file", str(deep)),
            ("plan", "set", procedure, "--file", str(deep)),
            ("fire", procedure, "record_site_selection", "--payload", f'{{"summary": {nested}}}'),
            ("fire", procedure, "record_site_selection", "-p", f"summary={nested}"),
        ):
            _refused(gcw(*args, user=CLERK), "중첩이 너무 깊습니다")
    # A string full of brackets nests nothing.
    brackets = tmp_path / "brackets.json"
    brackets.write_text(json.dumps({"summary": "[" * 1000, "announced_on": "2026-02-02"}), encoding="utf-8")
    said = gcw("fire", procedure, "record_site_selection", "--payload-file", str(brackets), user=CLERK)
    _refused(said, "selected_on: 반드시 적어야 하는 값이 없습니다")  # read, and held to the model
    assert "중첩" not in said.stderr
    for depth in (100, 100_000):
        deep_yaml = tmp_path / "deep.yaml"
        deep_yaml.write_text("summary: " + "[" * depth + "]" * depth, encoding="utf-8")
        _refused(
            gcw("fire", procedure, "record_site_selection", "--payload-file", str(deep_yaml), user=CLERK)
        )
    assert gcw.json("history", procedure, user=CLERK)[-1]["trigger"] == "receive_document"


@pytest.mark.parametrize("number", TOO_LARGE)
def test_an_id_beyond_the_database_is_a_usage_error_naming_the_bound(
    gcw: Gcw, procedure: str, number: str
) -> None:
    bound = f"번호는 1부터 {MAX_ID}까지의 정수여야 합니다: '{number}'"
    for user, args in (
        (None, ("documents", "show", number)),
        (CLERK, ("status", number)),
        (CLERK, ("history", number)),
        (CLERK, ("plan", "show", procedure, "--version", number)),
        (CLERK, ("documents", "list", "--procedure", number)),
        (CLERK, ("fire", procedure, "record_site_selection", "--expected-version", number)),
        (APPROVER, ("approve", number)),
        (ADMIN, ("tokens", "revoke", number)),
        (ADMIN, ("outbox", "retry", "1", number)),
        (AUDITOR, ("audit", "history", number)),
        (AUDITOR, ("audit", "actions", "--procedure", number)),
        (None, ("audit", "export", "--procedure", number)),
    ):
        _refused(gcw(*args, user=user), bound)
    # The largest id the database holds is simply not there.
    missing = gcw("documents", "show", str(MAX_ID))
    assert missing.exit_code == 6 and f"{MAX_ID}번 문서가 없습니다" in missing.stderr, missing.output


def test_years_outside_the_calendar_are_refused_in_korean(gcw: Gcw, procedure: str) -> None:
    for args, said in (
        (("audit", "actions", "--year", "0"), "--year는 1부터 9999까지의 연도여야 합니다: 0"),
        (("audit", "actions", "--year", "99999999999999999999"), "--year는 1부터 9999까지의 연도여야 합니다"),
        (("audit", "decisions", "--month", "0000-05"), "--month 형식이 올바르지 않습니다"),
        (("holidays", "list", "--year", "0"), "0년의 공휴일 규칙이 없습니다: --year는 1948~2100년 사이로"),
    ):
        _refused(gcw(*args, user=AUDITOR), said)
    # The first and the last day a date can name are no limit at all.
    for args in (
        ("audit", "actions", "--month", "9999-12"),
        ("audit", "actions", "--from", "0001-01-01"),
        ("audit", "report", "stages", "--year", "9999"),
    ):
        gcw.ok(*args, user=AUDITOR)


def test_overflow_or_recursion_anywhere_is_an_input_error_not_a_defect(
    gcw: Gcw, procedure: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever path no check bounded yet: refused as input (2), in Korean, not as an internal error (9)."""
    for error, said in (
        (OverflowError("Python int too large to convert to SQLite INTEGER"), "다룰 수 있는 범위를 넘습니다"),
        (RecursionError("maximum recursion depth exceeded"), "입력의 중첩이 너무 깊어"),
    ):

        def unbounded(*_args: object, error: Exception = error) -> None:
            raise error

        monkeypatch.setattr(queries, "document", unbounded)
        _refused(gcw("documents", "show", "1"), said)


def test_output_into_a_folder_that_does_not_exist_makes_it(gcw: Gcw, procedure: str, tmp_path: Path) -> None:
    for user, args in (
        (CLERK, ("documents", "show", "1")),
        (None, ("audit", "export", "--procedure", procedure)),
        (AUDITOR, ("audit", "actions", "--format", "csv")),
        (None, ("audit", "verify", "--format", "json")),
        (None, ("audit", "checkpoint", "--format", "json")),
    ):
        target = tmp_path / "new" / args[0] / args[1] / "out"
        gcw.ok(*args, "-o", str(target), user=user)
        assert target.is_file() and target.stat().st_size > 0


def test_a_list_setting_that_is_not_json_is_named(tmp_path: Path) -> None:
    """A list setting that is not JSON failed before validation, and every command ended in exit 9."""
    done = Gcw({"GCW_VAR_DIR": str(tmp_path), "GCW_REMINDER_OFFSETS": "[x"})("clusters", "list")
    assert done.exit_code == 2 and "GCW_REMINDER_OFFSETS의 값을 읽을 수 없습니다" in done.stderr
