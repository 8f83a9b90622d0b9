"""scripts/production-check runs in CI after the tests (.ci/run), not here: it takes minutes and starts a Prefect
server, two workers and an SMTP server. These tests only notice it breaking: it parses, answers --help, its
Python half imports, and CI still runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "production-check"
HELPER = ROOT / "scripts" / "production_check.py"


def test_the_script_is_executable_and_parses() -> None:
    assert SCRIPT.is_file() and SCRIPT.stat().st_mode & 0o111
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def test_help_says_what_it_checks() -> None:
    shown = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True, check=True).stdout
    for expected in ("Usage: scripts/production-check", "TWO process workers", "gcw audit verify"):
        assert expected in shown, expected
    refused = subprocess.run([str(SCRIPT), "--bogus"], capture_output=True, text=True)
    assert refused.returncode == 2 and "usage:" in refused.stderr


def test_the_python_half_answers_help_for_each_step() -> None:
    for step in ("smtp", "wait-http", "seed", "wait", "deployments", "verify"):
        subprocess.run([sys.executable, str(HELPER), step, "--help"], capture_output=True, check=True)


def test_ci_runs_it_after_the_tests_and_before_the_benchmarks() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tests, check, bench = (
        ci.index(s) for s in ("make test 2>&1", '"$CHECK_TIMEOUT" scripts/production-check', "for bench in")
    )
    assert tests < check < bench
