"""Every `gcw` command driven with generated arguments (hypothesis), on SQLite and PostgreSQL: the cast's names
and the procedures' words mixed with hostile text, zero, negative and huge numbers, missing, empty, binary and
deeply nested files, `-o` into a folder that does not exist. Whatever it is given, a command ends with an exit
status from the README's table — never 9 (a defect) — and never with a traceback (issue 15 §4)."""

from __future__ import annotations

import json
import os
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
import typer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from gcworkflow.cli import app
from gcworkflow.context import Context
from tests.cli import Gcw
from tests.support import ADMIN, APPROVER, AUDITOR, CLERK, GUMI_PLAN, fire, gumi_plan, open_gumi

README = Path(__file__).resolve().parents[2] / "README.md"
NOW = "2026-03-02T10:00:00+09:00"
# Examples per command; raise it for a longer hunt (GCW_CLI_EXAMPLES=100).
EXAMPLES = int(os.environ.get("GCW_CLI_EXAMPLES", "3"))

# Not driven here, each for its reason; each is tested where named.
SKIPPED = {
    "serve": "serves until stopped (tests/web)",
    "demo": "the whole scenario, with a Prefect server of its own (tests/cli/test_demo.py)",
    "flows run": "starts a Prefect server (tests/flows)",
    "flows serve": "serves until stopped (tests/flows)",
}
# Options never given: `gcw diagram --write` rewrites the repository's docs/ and README.
NEVER = {("diagram", "write")}


def _exit_statuses() -> set[int]:
    """The README's exit-status table ("Exit codes: 0 done, 1 …, 130/143 interrupted"), without 9: that one
    is the internal error, a defect by definition."""
    text = README.read_text(encoding="utf-8")
    table = re.search(r"Exit codes: (.+?)\s+interrupted", text, re.DOTALL)
    assert table, "README.md has no 'Exit codes:' table"
    statuses = {int(n) for n in re.findall(r"(?:^|,\s+|/)(\d+)\b", table.group(1))}
    assert {0, 2, 9} <= statuses, statuses
    return statuses - {9}


def _commands() -> Iterator[tuple[str, Any]]:
    def walk(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path), command

    return walk(typer.main.get_command(app), [])


# --- what each kind of parameter is given -----------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "-",
            "0",
            "-1",
            "9" * 30,
            "2026-02-30",
            "\x1b[31m빨강\x1b[0m",
            "줄\n바꿈",
            "\u202eevil",
            "../../etc/passwd",
            "'; DROP TABLE users; --",
            "%s%s%n",
            "{}",
            "[" * 200,
            "가" * 3000,
        ]
    ),
    # argv cannot carry a NUL, nor a lone surrogate through the OS: generate what a shell can pass.
    st.text(st.characters(exclude_characters="\x00", exclude_categories=["Cs"]), max_size=30),
)
NUMBERS = st.sampled_from(
    [
        "1",
        "2",
        "0",
        "-1",
        "366",
        "9999",
        "10000",
        str(2**31 - 1),
        str(2**31),
        str(2**63),
        "9" * 20,
        "9" * 5000,
        "1.5",
        "x",
    ]
)
VOCABULARY = {
    ("admin", "user", "username", "actor", "approver", "party"): [ADMIN, CLERK, APPROVER, AUDITOR, "nobody"],
    ("role",): ["clerk", "approver", "auditor", "admin", "committee_secretary", "system", "chief"],
    ("trigger",): ["record_plan", "receive_document", "approve_proposal", "request_governor_opinion", "x"],
    ("kind",): ["designation", "change", "release", "basic_plan", "received", "designation_notice", "x"],
    ("state",): ["drafting", "governor_consultation", "designation_notice", "closed"],
    ("status", "outcome"): ["pending", "approved", "dead", "sent", "open", "closed", "refused", "부결"],
    ("fmt",): ["table", "json", "csv", "xml"],
    ("day", "start", "effective_on", "since", "until"): [
        "2026-03-02",
        "2026-02-30",
        "0001-01-01",
        "9999-12-31",
    ],
    ("month",): ["2026-03", "2026-13", "0000-01", "9999-12", "99999-01"],
    ("cluster",): ["1", "첨단 전자산업 자원순환 녹색융합클러스터", "0", str(2**63)],
    ("sido",): ["47", "11", "99"],
    ("revision",): ["head", "heads", "base", "zzz"],
    ("rule",): ["civil", "restrictive", "x"],
    ("period",): ["2026-2030", "2030-2026", "x"],
    ("email",): ["kim@example.go.kr", "not-an-address", "a@b"],
    ("against_line",): ["gcw-checkpoint 1 2026-03-02T00:00:00.000000Z chains=1 sha256=" + "0" * 64],
    ("param",): ["summary=이견 없음", "content={}", "content=" + "[" * 100 + "]" * 100, "=1", "x"],
}


def _vocabulary(name: str) -> list[str]:
    return next((words for names, words in VOCABULARY.items() if name in names), [])


def _files(folder: Path) -> list[str]:
    """Files a command may be given: good ones, and each way a file can be wrong."""
    folder.mkdir()
    files = {
        "plan.yaml": GUMI_PLAN.read_text(encoding="utf-8"),
        "payload.json": json.dumps({"summary": "이견 없음"}),
        "deep.json": "[" * 100_000 + "]" * 100_000,
        "deep.yaml": "a: " + "[" * 100_000 + "]" * 100_000,
        "aliases.yaml": "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
        "nul.yaml": 'title: "a\\0b"\n',
        "list.yaml": "- 1\n- 2\n",
        "empty.yaml": "",
        "note.txt": "text",
        "reply.pdf": "%PDF-1.4\n%%EOF\n",
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "binary.yaml").write_bytes(bytes(range(256)))
    return [
        *(str(folder / name) for name in [*files, "binary.yaml"]),
        str(folder),  # a folder, not a file
        str(folder / "missing.yaml"),
        str(folder / "missing" / "folder" / "out.json"),  # -o into a folder that does not exist yet
        str(folder / "plan.yaml" / "out.json"),  # a file where a folder should be
    ]


def _value(parameter: Any, annotation: Any, files: list[str]) -> st.SearchStrategy[str]:
    if annotation is Path:
        return st.sampled_from(files)
    words = _vocabulary(parameter.name)
    if annotation is int:
        return NUMBERS
    if words:
        return st.one_of(st.sampled_from(words), HOSTILE)
    return HOSTILE


def _argv(command_name: str, command: Any, files: list[str]) -> st.SearchStrategy[list[str]]:
    """The command's words, some of its options with generated values, ``--``, then its arguments."""
    parts: list[st.SearchStrategy[list[str]]] = [st.just(command_name.split())]
    arguments: list[st.SearchStrategy[list[str]]] = []
    for parameter in command.params:
        if (command_name, parameter.name) in NEVER:
            continue
        annotation = parameter.type_descriptor.annotation
        many = get_origin(annotation) is list
        value = _value(parameter, get_args(annotation)[0] if many else annotation, files)
        if parameter.param_type_name == "argument":
            arguments.append(st.lists(value, max_size=3) if many else value.map(lambda v: [v]))
            continue
        flag = parameter.opts[0]
        if getattr(parameter, "is_flag", False):
            given = st.booleans().map(lambda on, flag=flag: [flag] if on else [])
        elif many:
            given = st.lists(value, max_size=3).map(lambda vs, flag=flag: [x for v in vs for x in (flag, v)])
        else:
            given = value.map(lambda v, flag=flag: [flag, v])
        # An option now and then: many at once mostly meet the first check that they do not go together.
        parts.append(
            given
            if parameter.required
            else st.sampled_from([False, False, True]).flatmap(
                lambda on, given=given: given if on else st.just([])
            )
        )
    return st.tuples(*parts, st.just(["--"]), *arguments).map(lambda chunks: [w for c in chunks for w in c])


@pytest.fixture
def gcw(ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Gcw:
    """The cast, the 구미 procedure with its plan recorded; the working folder a temporary one (`audit export`
    writes there by default)."""
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    monkeypatch.chdir(tmp_path)
    return Gcw.against(ctx.settings, NOW)


def test_every_command_ends_with_a_documented_status_and_no_traceback(gcw: Gcw, tmp_path: Path) -> None:
    allowed = _exit_statuses()
    files = _files(tmp_path / "files")
    users = st.sampled_from([None, ADMIN, CLERK, APPROVER, AUDITOR, "nobody"])
    driven, failures = [], []
    for name, command in _commands():
        if name in SKIPPED:
            continue
        driven.append(name)

        @given(user=users, argv=_argv(name, command, files))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,  # the same examples every run: a failure here is reproducible
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        def run(user: str | None, argv: list[str]) -> None:
            result = gcw(*argv, user=user)
            shown = result.stdout + result.stderr
            said = f"gcw {'--as ' + user + ' ' if user else ''}{shlex.join(argv)} → {result.exit_code}\n{shown[-3000:]}"
            assert result.exit_code in allowed, said
            assert "Traceback" not in shown, said

        try:
            run()
        except Exception as failure:  # every command's own first failure, all of them in one report
            failures.append(f"{name}: {failure}")
    assert len(driven) > 50, driven
    assert not failures, "\n\n".join(failures)
