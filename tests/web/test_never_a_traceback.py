"""Issue 15 §4 against the real uvicorn: a client that goes away mid-request is one quiet line in the log, no
unexpected error and no traceback; a JSON body nested past the parser is refused in Korean; a request that
cannot get a database connection in time is told to come back (503), and the server takes no more requests
at once than it has connections."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
from anyio import to_thread

from gcworkflow.db.session import POOL_OVERFLOW, POOL_SIZE, Database, make_engine
from gcworkflow.inputs import MAX_DEPTH
from gcworkflow.web.app import create_app
from tests.support import CLERK
from tests.web.conftest import Desk, serving

QUIET = "요청을 다 받기 전에 클라이언트가 연결을 끊었습니다"


@pytest.fixture
def server_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Our log and uvicorn's (which does not reach the root logger), from every thread."""
    uvicorn_errors = logging.getLogger("uvicorn.error")
    uvicorn_errors.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    uvicorn_errors.removeHandler(caplog.handler)


def _half_a_request(url: str, path: str, headers: dict[str, str]) -> None:
    """POST announcing 1,000 bytes, send 20 of them, and hang up."""
    where = urlsplit(url)
    head = "".join(f"{name}: {value}\r\n" for name, value in {**headers, "Content-Length": "1000"}.items())
    with socket.create_connection((where.hostname, where.port)) as connection:
        connection.sendall(f"POST {path} HTTP/1.1\r\nHost: {where.netloc}\r\n{head}\r\n".encode() + b"x" * 20)


@pytest.mark.parametrize(
    ("path", "media_type", "signed_in"),
    [
        ("/login", "application/x-www-form-urlencoded", False),  # a form, before signing in
        ("/api/documents", "multipart/form-data; boundary=gcw", True),  # an upload, with a token
    ],
)
def test_a_client_that_hangs_up_is_one_quiet_line(
    desk: Desk, server_log: pytest.LogCaptureFixture, path: str, media_type: str, signed_in: bool
) -> None:
    headers = {"Content-Type": media_type}
    if signed_in:
        headers["Authorization"] = desk.api(CLERK, "clerk").headers["authorization"]
    _half_a_request(desk.url, path, headers)
    deadline = time.monotonic() + 10  # the server notices the hang-up on its own thread
    while not any(QUIET in r.getMessage() for r in server_log.records) and time.monotonic() < deadline:
        time.sleep(0.02)

    said = [(r.name, r.levelname, r.getMessage()) for r in server_log.records]
    assert [m for _, _, m in said if QUIET in m] == [f"{QUIET}: POST {path}"], said
    assert not [r for r in server_log.records if r.exc_info or r.levelno >= logging.WARNING], said


def test_a_json_body_nested_past_the_parser_is_refused_in_korean(desk: Desk) -> None:
    api = desk.api(CLERK, "clerk")
    for depth in (MAX_DEPTH + 2, 100_000):  # past the payload's bound, and past the parser's recursion
        nested = "[" * depth + "]" * depth
        response = api.post(
            f"/api/procedures/{desk.procedure_id}/transitions",
            content=f'{{"trigger": "record_site_selection", "payload": {{"summary": {nested}}}}}',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "invalid_input"
        assert "중첩" in response.json()["message"], response.text


def test_a_request_that_waits_too_long_for_a_connection_is_told_to_come_back(
    desk: Desk, server_log: pytest.LogCaptureFixture
) -> None:
    """The pool's wait runs out (a database overloaded): 503 with Retry-After, in Korean, and no traceback."""
    tight = Database(
        desk.ctx.db.url, make_engine(desk.ctx.db.url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    )
    ctx = replace(desk.ctx, db=tight)
    token = desk.api(CLERK, "clerk").headers["authorization"]
    with tight.engine.connect(), serving(create_app(ctx)) as url:  # the pool's one connection, taken
        for path, headers in (("/public/", {}), ("/api/procedures", {"authorization": token})):
            response = httpx.get(f"{url}{path}", headers=headers, timeout=30)
            assert response.status_code == 503 and response.headers["retry-after"] == "5", response.text
            assert "요청이 많아 처리하지 못했습니다. 잠시 뒤 다시 시도하십시오." in response.text
    tight.dispose()
    assert not [r for r in server_log.records if r.exc_info or r.levelno >= logging.ERROR]


def test_the_server_runs_no_more_handlers_at_once_than_it_has_connections(desk: Desk) -> None:
    app = create_app(desk.ctx)

    async def threads_while_serving() -> float:
        async with app.router.lifespan_context(app):
            return to_thread.current_default_thread_limiter().total_tokens

    assert desk.ctx.db.connections == POOL_SIZE + POOL_OVERFLOW
    # On a thread of its own: the browser tests leave an event loop running on this one.
    with ThreadPoolExecutor(1) as thread:
        assert thread.submit(anyio.run, threads_while_serving).result() == desk.ctx.db.connections
