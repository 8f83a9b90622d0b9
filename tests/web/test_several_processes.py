"""The desk as several processes over one database (issue 16): real `gcw serve` subprocesses, on SQLite and
PostgreSQL. Two servers on two ports are the honest test — a request goes to the process the test chooses, so
"sign in on one, act on the other" is exactly that; `gcw serve --workers 2` is started too, where the OS picks
the worker, as a smoke test of the command itself.

Nothing a process keeps to itself may decide anything: sessions, CSRF tokens (an HMAC of the session's own
secret), the sign-in waits and the procedure's version all live in the database."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, LoginAttempt, WebSession
from gcworkflow.settings import Settings
from tests.support import ADMIN, APPROVER, CLERK, CLERK2, open_gumi
from tests.web.conftest import PASSWORD, csrf_of, give_passwords

GCW = os.path.join(os.path.dirname(sys.executable), "gcw")
# The tests' clock (tests.support.context_for), so that the servers and the test agree on "now".
NOW = "2026-03-02T10:00:00+09:00"
STARTUP_SECONDS = (
    90  # a worker is a fresh interpreter importing FastAPI and the engine: generous on a busy CI
)
SITE_SELECTION = {"announced_on": "2026-01-05", "selected_on": "2026-02-02", "summary": "공모 선정"}


@dataclass
class Tab:
    """A browser's tab on one process: the browser's one cookie jar (cookies are the host's, whatever the
    port), this process's address."""

    http: httpx.Client
    base: str

    def get(self, path: str) -> httpx.Response:
        return self.http.get(self.base + path)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(self.base + path, **kwargs)

    def on(self, server: Server) -> Tab:
        """Another tab of the same browser, on ``server``."""
        return Tab(self.http, server.url)


@dataclass
class Server:
    """One `gcw serve` process (with its workers, if any): its URL, and its output files for the checks."""

    url: str
    process: subprocess.Popen[bytes]
    output: Path
    errors: Path

    def client(self, **kwargs: Any) -> Tab:
        """A new browser, on this process."""
        return Tab(httpx.Client(follow_redirects=False, timeout=60, **kwargs), self.url)

    def workers(self) -> list[int]:
        """The worker processes uvicorn spawned under this one (its multiprocessing resource tracker aside)."""
        found = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            for pid in (task / "children").read_text().split():
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"spawn_main" in cmdline:
                    found.append(int(pid))
        return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gcw_serve(settings: Settings, tmp_path: Path, *options: str) -> Iterator[Server]:
    """`gcw serve` over the test's database and files, as an operator would start it: everything through the
    environment (GCW_DATABASE_URL, GCW_VAR_DIR, GCW_NOW), which worker processes inherit. Waits for /healthz;
    stopped with SIGTERM afterwards, and its output must hold no traceback and no "database is locked"."""
    port = _free_port()
    env = {
        **os.environ,
        "GCW_DATABASE_URL": settings.resolved_database_url,
        "GCW_VAR_DIR": str(settings.var_dir),
        "GCW_NOW": NOW,
    }
    env.pop("GCW_USER", None)
    output, errors = tmp_path / f"serve-{port}.out", tmp_path / f"serve-{port}.err"
    with output.open("wb") as out, errors.open("wb") as err:
        process = subprocess.Popen(
            [GCW, "serve", "--port", str(port), "--log-level", "warning", *options],
            env=env,
            stdout=out,
            stderr=err,
        )
    server = Server(f"http://127.0.0.1:{port}", process, output, errors)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                health = httpx.get(f"{server.url}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, f"gcw serve ended: {errors.read_text(errors='replace')}"
                assert time.monotonic() < deadline, "gcw serve did not come up"
                time.sleep(0.2)
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        yield server
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
            raise AssertionError("gcw serve did not stop on SIGTERM") from None
    said = errors.read_text(encoding="utf-8", errors="replace") + output.read_text(
        encoding="utf-8", errors="replace"
    )
    for bad in ("Traceback", "database is locked", "예기치 않은 오류"):
        assert bad not in said, said


def _sign_in(login_on: Tab, post_to: Tab, username: str, password: str) -> httpx.Response:
    """The sign-in form as ``login_on`` shows it (its CSRF token, bound to the sign-in cookie), posted to
    ``post_to``."""
    page = login_on.get("/login")
    return post_to.post(
        "/login", data={"username": username, "password": password, "csrf_token": csrf_of(page.text)}
    )


def _pair(a: Server, b: Server) -> tuple[Tab, Tab]:
    """One browser with a tab on each process."""
    on_a = a.client()
    return on_a, on_a.on(b)


def _version(html: str) -> str:
    found = re.search(r'name="expected_version" value="(\d+)"', html)
    assert found, "no version on the page"
    return found.group(1)


def _triggers(ctx: Context, procedure_id: int) -> list[str]:
    with ctx.db.read() as session:
        return list(
            session.execute(
                select(AuditEvent.trigger)
                .where(AuditEvent.procedure_id == procedure_id)
                .order_by(AuditEvent.id)
            ).scalars()
        )


def _two_servers(stack: ExitStack, settings: Settings, tmp_path: Path) -> tuple[Server, Server]:
    return (
        stack.enter_context(gcw_serve(settings, tmp_path)),
        stack.enter_context(gcw_serve(settings, tmp_path)),
    )


def test_sign_in_on_one_process_act_on_the_other(
    settings: Settings, ctx: Context, password_hash: str, tmp_path: Path
) -> None:
    procedure_id = open_gumi(ctx)
    give_passwords(ctx, password_hash)
    with ExitStack() as stack:
        a, b = _two_servers(stack, settings, tmp_path)
        # The sign-in form of A, posted to B: the login CSRF token is bound to the browser's cookie, not to a
        # process.
        on_a, on_b = _pair(a, b)
        assert _sign_in(on_a, on_b, CLERK, PASSWORD).status_code == 303
        assert on_a.get("/dashboard").status_code == 200  # B's session cookie, honoured by A

        # The form loaded on both shows one token, and B takes the token of A's page.
        url = f"/procedures/{procedure_id}"
        page_a, page_b = on_a.get(url), on_b.get(url)
        assert page_a.status_code == page_b.status_code == 200
        assert csrf_of(page_a.text) == csrf_of(page_b.text)
        done = on_b.post(
            f"{url}/actions/record_site_selection",
            data={
                "csrf_token": csrf_of(page_a.text),
                "expected_version": _version(page_a.text),
                **SITE_SELECTION,
            },
        )
        assert done.status_code == 303, done.text
        assert _triggers(ctx, procedure_id) == ["open", "record_site_selection"]
        # A shows what B did at once (no process keeps the procedure to itself), and a stale form of A's is
        # refused on A as a conflict, not applied over it.
        assert _version(page_a.text) == "1" and _version(on_a.get(url).text) == "2"
        stale = on_a.post(
            f"{url}/actions/record_site_selection",
            data={
                "csrf_token": csrf_of(page_a.text),
                "expected_version": _version(page_a.text),
                **SITE_SELECTION,
            },
        )
        assert stale.status_code == 409
        assert _triggers(ctx, procedure_id) == ["open", "record_site_selection"]

        # Signing out on A ends the session on B.
        stolen = on_a.http.cookies["gcw_session"]
        assert on_a.post("/logout", data={"csrf_token": csrf_of(page_a.text)}).status_code == 303
        replay = b.client(cookies={"gcw_session": stolen})
        assert replay.get("/dashboard").status_code == 303


def test_a_stopped_user_is_signed_out_on_every_process(
    settings: Settings, ctx: Context, password_hash: str, tmp_path: Path
) -> None:
    open_gumi(ctx)
    give_passwords(ctx, password_hash)
    with ExitStack() as stack:
        a, b = _two_servers(stack, settings, tmp_path)
        admin_a, admin_b = _pair(a, b)
        assert _sign_in(admin_a, admin_a, ADMIN, PASSWORD).status_code == 303
        lee_a, lee_b = _pair(a, b)
        assert _sign_in(lee_b, lee_b, CLERK2, PASSWORD).status_code == 303
        assert lee_b.get("/dashboard").status_code == lee_a.get("/dashboard").status_code == 200

        users = admin_a.get("/admin/users")
        stopped = admin_a.post(
            "/admin/users/deactivate", data={"csrf_token": csrf_of(users.text), "username": CLERK2}
        )
        assert stopped.status_code == 200 and "계정을 중지했습니다" in stopped.text
        assert lee_b.get("/dashboard").status_code == 303
        assert lee_a.get("/dashboard").status_code == 303
        fresh = b.client()
        refused = _sign_in(fresh, fresh, CLERK2, PASSWORD)
        assert refused.status_code == 401
        # The admin's own session, made on A, still works on B.
        assert admin_b.get("/admin/users").status_code == 200


def test_failed_sign_ins_on_both_processes_count_together(
    settings: Settings, ctx: Context, password_hash: str, tmp_path: Path
) -> None:
    """GCW_WEB_LOCK_AFTER_FAILURES (5) for one name, whichever process each attempt reached: five failures
    spread over A and B make the next attempt wait on both — with the right password too."""
    open_gumi(ctx)
    give_passwords(ctx, password_hash)
    with ExitStack() as stack:
        a, b = _two_servers(stack, settings, tmp_path)
        for attempt in range(5):
            first, second = _pair(a, b) if attempt % 2 else _pair(b, a)
            wrong = _sign_in(first, second, APPROVER, "not the password")
            assert wrong.status_code == 401 and "올바르지 않습니다" in wrong.text
        for server in (a, b):
            client = server.client()
            locked = _sign_in(client, client, APPROVER, PASSWORD)
            assert locked.status_code == 401 and "5번 잇달아 실패하여 잠시 잠겼습니다" in locked.text
        # Parallel attempts on both processes get no more password checks than the limit allows.
        attempts = 8
        clients = [(a if i % 2 else b).client() for i in range(attempts)]
        pages = [c.get("/login") for c in clients]
        ready = threading.Barrier(attempts)
        answers: list[httpx.Response] = []

        def attempt(client: Tab, page: httpx.Response) -> None:
            form = {"username": CLERK, "password": "guess", "csrf_token": csrf_of(page.text)}
            ready.wait(60)
            answers.append(client.post("/login", data=form))

        threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, pages, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert sorted(r.status_code for r in answers) == [401] * attempts
        assert sum("올바르지 않습니다" in r.text for r in answers) == 5
        assert sum("잠시 잠겼습니다" in r.text for r in answers) == attempts - 5
    with ctx.db.read() as session:
        checked = session.execute(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == CLERK)
        ).scalar_one()
    assert checked == 5


def test_the_desk_under_parallel_writes_from_two_processes(
    settings: Settings, ctx: Context, password_hash: str, tmp_path: Path
) -> None:
    """Sign-ins, uploads recorded on one procedure and sign-outs from several browsers at once, spread over two
    processes: every write waits for its turn (SQLite: WAL, BEGIN IMMEDIATE, a busy timeout; PostgreSQL: row
    locks) — a stale version is a conflict to retry, never a "database is locked" or a 500."""
    procedure_id = open_gumi(ctx)
    give_passwords(ctx, password_hash)
    browsers, uploads = 4, 3
    with ExitStack() as stack:
        a, b = _two_servers(stack, settings, tmp_path)
        url = f"/procedures/{procedure_id}"
        statuses: list[int] = []
        failures: list[str] = []

        def browse(n: int) -> None:
            try:
                here, there = _pair(a, b) if n % 2 else _pair(b, a)
                statuses.append(_sign_in(there, here, CLERK, PASSWORD).status_code)
                for i in range(uploads):
                    data = f"%PDF-1.7\n% 브라우저 {n}, 문서 {i}\n%%EOF\n".encode()
                    for _ in range(50):  # a conflict means another browser was first: reload and send again
                        page = (here, there)[i % 2].get(url)
                        sent = (there, here)[i % 2].post(
                            f"{url}/actions/receive_document",
                            data={
                                "csrf_token": csrf_of(page.text),
                                "expected_version": _version(page.text),
                                "title": f"접수 {n}-{i}",
                            },
                            files={"sha256": (f"{n}-{i}.pdf", data, "application/pdf")},
                        )
                        statuses.append(sent.status_code)
                        if sent.status_code != 409:
                            break
                    assert sent.status_code == 303, sent.text
                dashboard = there.get("/dashboard")
                statuses.append(dashboard.status_code)
                statuses.append(
                    here.post("/logout", data={"csrf_token": csrf_of(dashboard.text)}).status_code
                )
            except Exception as exc:  # reported by the test's thread, with what went wrong
                failures.append(f"browser {n}: {exc!r}")

        threads = [threading.Thread(target=browse, args=(n,)) for n in range(browsers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        assert not failures, failures
        assert set(statuses) <= {200, 303, 409}, statuses
    assert _triggers(ctx, procedure_id) == ["open"] + ["receive_document"] * browsers * uploads
    with ctx.db.read() as session:
        sessions = session.execute(select(WebSession.revoked_at)).scalars().all()
    assert len(sessions) == browsers and all(revoked is not None for revoked in sessions)


def test_serve_with_workers(settings: Settings, ctx: Context, password_hash: str, tmp_path: Path) -> None:
    """`gcw serve --workers 2`: two worker processes behind one port. The OS hands each connection to either, so
    every request below comes on a connection of its own, and the desk answers alike whoever took it."""
    procedure_id = open_gumi(ctx)
    give_passwords(ctx, password_hash)
    with gcw_serve(settings, tmp_path, "--workers", "2") as server:
        assert len(server.workers()) == 2
        assert "작업 프로세스 2개" in server.output.read_text(encoding="utf-8")
        fresh = httpx.Limits(max_keepalive_connections=0)  # a new connection for every request
        browser = server.client(limits=fresh)
        assert _sign_in(browser, browser, CLERK, PASSWORD).status_code == 303
        url = f"/procedures/{procedure_id}"
        for _ in range(6):
            assert browser.get(url).status_code == 200
        page = browser.get(url)
        done = browser.post(
            f"{url}/actions/record_site_selection",
            data={
                "csrf_token": csrf_of(page.text),
                "expected_version": _version(page.text),
                **SITE_SELECTION,
            },
        )
        assert done.status_code == 303, done.text
        assert browser.post("/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
        for _ in range(4):
            assert browser.get("/dashboard").status_code == 303
        for _ in range(5):
            assert _sign_in(browser, browser, APPROVER, "not the password").status_code == 401
        locked = _sign_in(browser, browser, APPROVER, PASSWORD)
        assert locked.status_code == 401 and "잠시 잠겼습니다" in locked.text
    assert _triggers(ctx, procedure_id) == ["open", "record_site_selection"]
