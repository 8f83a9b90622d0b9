"""`gcw serve`, `gcw users password` and `gcw tokens …` as an operator runs them, and a --help that still
imports no web framework."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
from sqlalchemy import select
from typer.testing import CliRunner

from gcworkflow.cli import app
from gcworkflow.db.models import ApiToken, User
from gcworkflow.settings import Settings
from tests.cli import help_in_a_fresh_interpreter
from tests.support import ADMIN, CLERK, cast

NEW = "a long enough passphrase"


def _gcw(settings: Settings, *args: str, user: str | None = None, input: str | None = None):  # type: ignore[no-untyped-def]
    env = {
        "GCW_DATABASE_URL": settings.resolved_database_url,
        "GCW_VAR_DIR": str(settings.var_dir),
        "GCW_NOW": "2026-03-02T10:00:00+09:00",
        "GCW_USER": None,
    }
    argv = [*(["--as", user] if user else []), *args]
    return CliRunner().invoke(app, argv, env=env, input=input, catch_exceptions=False)


def test_passwords_are_set_at_a_hidden_prompt(ctx, settings: Settings) -> None:
    cast(ctx)
    # The first admin sets their own first password (there is no old one yet).
    first = _gcw(settings, "users", "password", ADMIN, user=ADMIN, input=f"\n{NEW}\n{NEW}\n")
    assert first.exit_code == 0, first.output
    assert NEW not in first.output  # hidden input is not echoed
    done = _gcw(settings, "users", "password", CLERK, user=ADMIN, input=f"{NEW}\n{NEW}\n")
    assert done.exit_code == 0 and f"{CLERK}의 비밀번호를 정했습니다" in done.output
    wrong_old = _gcw(settings, "users", "password", CLERK, user=CLERK, input=f"not it\n{NEW}x\n{NEW}x\n")
    assert wrong_old.exit_code == 5 and "지금 비밀번호가 맞지 않습니다" in wrong_old.output
    short = _gcw(settings, "users", "password", CLERK, user=ADMIN, input="short\nshort\n")
    assert short.exit_code == 2 and "10자 이상" in short.output
    with ctx.db.read() as session:
        hashes = dict(session.execute(select(User.username, User.password_hash)).all())
    assert hashes[ADMIN].startswith("$argon2id$") and hashes[CLERK].startswith("$argon2id$")


def test_tokens_are_created_listed_and_revoked_by_an_admin(ctx, settings: Settings) -> None:
    cast(ctx)
    refused = _gcw(
        settings, "tokens", "create", "--user", CLERK, "--role", "clerk", "--name", "x", user=CLERK
    )
    assert refused.exit_code == 5
    created = _gcw(
        settings,
        "tokens",
        "create",
        "--user",
        CLERK,
        "--role",
        "clerk",
        "--name",
        "발송 스크립트",
        "--json",
        user=ADMIN,
    )
    assert created.exit_code == 0, created.output
    token = json.loads(created.stdout)
    assert token["token"].startswith("gcw_")
    listed = _gcw(settings, "tokens", "list", user=ADMIN)
    assert "발송 스크립트" in listed.output and token["token"] not in listed.output
    assert _gcw(settings, "tokens", "revoke", str(token["id"]), user=ADMIN).exit_code == 0
    with ctx.db.read() as session:
        assert session.get(ApiToken, token["id"]).revoked_by == ADMIN
    again = _gcw(settings, "tokens", "revoke", str(token["id"]), user=ADMIN)
    assert again.exit_code == 4 and "이미 폐기" in again.output


def test_serve_starts_the_desk(settings: Settings, ctx) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "GCW_DATABASE_URL": settings.resolved_database_url,
        "GCW_VAR_DIR": str(settings.var_dir),
    }
    gcw = os.path.join(os.path.dirname(sys.executable), "gcw")
    server = subprocess.Popen(
        [gcw, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "gcw serve did not come up"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/dashboard").status_code == 303
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output


def test_help_imports_no_web_framework() -> None:
    output = help_in_a_fresh_interpreter(
        [["--help"], ["serve", "--help"], ["tokens", "--help"], ["users", "password", "--help"]],
        ("fastapi", "starlette", "uvicorn", "argon2", "sqlalchemy", "jinja2"),
    )
    assert "serve" in output
    assert output.strip().splitlines()[-1] == "[]"
