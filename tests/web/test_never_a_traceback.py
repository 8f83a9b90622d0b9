"""Issue 15 §4 against the real uvicorn: a client that goes away mid-request is one quiet line in the log, no
unexpected error and no traceback; a JSON body nested past the parser is refused in Korean."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from gcworkflow.inputs import MAX_DEPTH
from tests.support import CLERK
from tests.web.conftest import Desk

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
