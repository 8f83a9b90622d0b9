"""The README's commands, run as a newcomer would run them (issue #12).

Every shell block of README.md and bench/README.md is a test, found by pytest-codeblocks' extractor, whose
conventions the READMEs' source uses (HTML comments, invisible on the rendered page):

- a ```sh block runs as one ``bash -e`` script and must exit 0 (or the status of ``pytest.mark.exit_status(N)``);
- a ```console block is a transcript: each ``$ command`` runs, and the lines shown under it must be what it prints
  (stdout and stderr together; a line ending in ``…`` matches any line that starts with what precedes it);
  commands shown without output are run but their output is not compared;
- ``pytest.mark.skip(reason=…)`` marks the few blocks a test cannot run, saying why;
- a block inside ``<!-- … -->`` followed by ``pytest-codeblocks:cont`` is a set-up the reader does not see: it is
  run first, in the same script or transcript;
- ``pytest.mark.stdin("…")`` is what a person would type at the block's prompts.

Each block runs in a new folder that looks like a fresh clone (links to the checkout's files, and to its `.venv`
that `make test` has just set up), with a fresh GCW_VAR_DIR, the clock fixed by GCW_NOW, and none of the suite's
settings. The placeholders a README shows for a site's own values are replaced with the test's: the
PostgreSQL URL with a new empty database of the test server (the block is skipped without one) and `/srv/gcw`
with a folder of the test's.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_codeblocks import extract_from_file
from pytest_codeblocks.main import CodeBlock

from tests.fresh import PG_URL, clean_env, empty_postgres

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = (ROOT / "README.md", ROOT / "bench" / "README.md")
SHELLS = {"sh", "bash", "console"}
NOW = "2026-03-02T10:00:00+09:00"
PG_PLACEHOLDER = "postgresql://postgres@127.0.0.1:5432/gcw"
SITE_PLACEHOLDER = "/srv/gcw"
BLOCK_TIMEOUT = 600
# The README promises that the blocks a test cannot run are few; more than this and the promise is broken.
MOST_SKIPPED = 6
LOCAL_ENTRIES = {"var", ".pytest_cache", ".ruff_cache", ".hypothesis", ".git"}


@dataclass(frozen=True)
class Block:
    document: Path
    code: CodeBlock

    @property
    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.code.lineno}"

    def marks(self) -> list[pytest.MarkDecorator]:
        return [eval(mark, {"pytest": pytest}) for mark in self.code.marks]  # the READMEs' own comments

    def mark(self, name: str) -> pytest.Mark | None:
        return next((m.mark for m in self.marks() if m.mark.name == name), None)


def shell_blocks() -> list[Block]:
    return [
        Block(document, code)
        for document in DOCUMENTS
        for code in extract_from_file(document)
        if code.syntax in SHELLS
    ]


def _params() -> Iterator[object]:
    for block in shell_blocks():
        skips = [m for m in block.marks() if m.mark.name == "skip"]
        yield pytest.param(block, id=block.where, marks=skips)


def test_the_blocks_a_test_cannot_run_are_few_and_say_why() -> None:
    skipped = [b for b in shell_blocks() if b.mark("skip")]
    assert len(skipped) <= MOST_SKIPPED, [b.where for b in skipped]
    for block in skipped:
        reason = block.mark("skip").kwargs.get("reason", "")  # type: ignore[union-attr]
        assert len(reason) > 20, f"{block.where}: a skipped block must say why it cannot run in a test"
    assert len(shell_blocks()) - len(skipped) >= 10


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A folder that looks like a fresh clone: the checkout's files linked, its own var/ not."""
    clone = tmp_path / "clone"
    clone.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in LOCAL_ENTRIES:
            (clone / entry.name).symlink_to(entry)
    return clone


def _substitute(text: str, site: Path, pg_url: str | None) -> str:
    text = text.replace(SITE_PLACEHOLDER, str(site))
    return text.replace(PG_PLACEHOLDER, pg_url) if pg_url else text


def _run(script: str, cwd: Path, env: dict[str, str], stdin: str | None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=BLOCK_TIMEOUT,
        start_new_session=True,  # no controlling terminal: a hidden prompt reads what the test types
        check=False,
    )


def _transcript(code: str) -> list[tuple[str, list[str]]]:
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line.rstrip())
        elif line.strip():
            raise AssertionError(f"a transcript starts with a `$ ` command, not {line!r}")
    return steps


def _matches(expected: str, actual: str) -> bool:
    return actual.startswith(expected[:-1]) if expected.endswith("…") else actual == expected


def _compare(command: str, expected: list[str], printed: str) -> None:
    actual = [line.rstrip() for line in printed.rstrip("\n").splitlines()]
    while expected and not expected[-1]:
        expected = expected[:-1]
    assert len(actual) == len(expected) and all(map(_matches, expected, actual)), (
        f"$ {command}\n--- the README shows:\n" + "\n".join(expected) + "\n--- it printed:\n" + printed
    )


@pytest.mark.parametrize("block", list(_params()))
def test_readme_block(block: Block, checkout: Path, tmp_path: Path) -> None:
    code = block.code.code
    with ExitStack() as stack:
        pg_url = None
        if PG_PLACEHOLDER in code:
            if not PG_URL:
                pytest.skip("GCW_TEST_DATABASE_URL이 없어 PostgreSQL 블록을 건너뜁니다 (CI에서는 설정됨)")
            pg_url = stack.enter_context(empty_postgres("readme"))
        code = _substitute(code, tmp_path / "srv" / "gcw", pg_url)
        env = clean_env(GCW_VAR_DIR=str(tmp_path / "var"), GCW_NOW=NOW)
        stdin_mark = block.mark("stdin")
        stdin = stdin_mark.args[0] if stdin_mark else None
        status_mark = block.mark("exit_status")
        status = status_mark.args[0] if status_mark else 0

        if block.code.syntax != "console":
            done = _run(code, checkout, env, stdin)
            assert done.returncode == status, (
                f"{block.where} exited {done.returncode}:\n{done.stdout[-4000:]}"
            )
            assert "Traceback" not in done.stdout, done.stdout[-4000:]
            return
        steps = _transcript(code)
        for number, (command, expected) in enumerate(steps, start=1):
            done = _run(command, checkout, env, stdin)
            wanted = status if number == len(steps) else 0
            assert done.returncode == wanted, f"$ {command} exited {done.returncode}:\n{done.stdout[-4000:]}"
            if expected:
                _compare(command, expected, done.stdout)


def test_the_placeholders_are_the_readme_s_own() -> None:
    """A placeholder the harness replaces must stand in the README, or the replacement tests nothing."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert PG_PLACEHOLDER in text and SITE_PLACEHOLDER in text
    assert re.search(r"^make demo", text, re.MULTILINE) and re.search(r"^make test", text, re.MULTILINE)
