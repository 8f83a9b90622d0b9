"""The web tests' fixtures: a real uvicorn on a free 127.0.0.1 port over the test database (SQLite and, when
configured, PostgreSQL), HTTP clients signed in as the cast, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import update

from gcworkflow.context import Context
from gcworkflow.db.models import User
from gcworkflow.web import accounts
from gcworkflow.web.app import create_app
from gcworkflow.web.auth import hash_password
from tests.support import ADMIN, actor, open_gumi

PASSWORD = "correct horse battery staple"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def password_hash() -> str:
    # argon2id at its default cost takes ~0.15 s; the cast shares one hash made the real way, once.
    return hash_password(PASSWORD)


@dataclass
class Desk:
    """The cast with passwords, the 구미 designation procedure opened by the clerk, and the server's URL."""

    ctx: Context
    url: str
    procedure_id: int

    def client(self, username: str | None = None, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.url, follow_redirects=False, timeout=30, **kwargs)
        if username is not None:
            sign_in(client, username)
        return client

    def api(self, username: str, role: str) -> httpx.Client:
        token = accounts.create_token(self.ctx, actor(ADMIN), username, role, f"시험 {username}").secret
        return httpx.Client(base_url=self.url, timeout=30, headers={"authorization": f"Bearer {token}"})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: httpx.Client, username: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )
    assert response.status_code == 303, response.text
    return response


@contextmanager
def serving(app: Any, **config: Any) -> Iterator[str]:
    """uvicorn in a thread, on a port the OS picked; stopped (and joined) on exit."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off", **config)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        # The test is over: no need to wait for idle keep-alive connections to drain.
        server.should_exit = server.force_exit = True
        thread.join(10)
        sock.close()


def give_passwords(ctx: Context, hashed: str) -> None:
    with ctx.db.write() as session:
        session.execute(update(User).where(User.username != "system").values(password_hash=hashed))


@pytest.fixture
def desk(ctx: Context, password_hash: str) -> Iterator[Desk]:
    procedure_id = open_gumi(ctx)
    give_passwords(ctx, password_hash)
    with serving(create_app(ctx)) as url:
        yield Desk(ctx, url, procedure_id)


# --- the browser ----------------------------------------------------------------------------------


def _chromium() -> Path:
    """Debian's Chromium, installed by apt when missing and we are root; otherwise the browser tests skip."""
    if CHROMIUM.exists():
        return CHROMIUM
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip(
            "브라우저 시험 건너뜀: /usr/bin/chromium이 없고 설치할 수 없습니다 (root로 `apt-get install chromium`)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        [apt, "install", "-y", "-q", "chromium"],
        [apt, "update", "-q"],
        [apt, "install", "-y", "-q", "chromium"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if command[1] == "install" and done.returncode == 0 and CHROMIUM.exists():
            return CHROMIUM
    pytest.skip(f"브라우저 시험 건너뜀: apt-get install chromium 실패\n{done.stderr[-2000:]}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("브라우저 시험 건너뜀: pip 패키지 playwright가 없습니다")
    playwright = sync_playwright().start()
    launched = playwright.chromium.launch(executable_path=str(executable), headless=True, args=CHROMIUM_FLAGS)
    yield launched
    launched.close()
    playwright.stop()
