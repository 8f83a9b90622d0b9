"""Issue 15 §2 over real HTTP: every input has a limit, and what is refused leaves nothing behind — oversized
bodies, YAML aliases read only after authorization, uploads sniffed and never stored for someone refused,
names without control characters, tokens that expire."""

from __future__ import annotations

import hashlib
import http.client
import re
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select

from gcworkflow import engine
from gcworkflow.db.models import AuditEvent
from tests.support import APPROVER, AUDITOR, CLERK, actor
from tests.web.conftest import Desk, csrf_of

HTML_AS_PDF = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Nine aliases to the level below, three levels: a few hundred bytes, 9^n strings once expanded.
LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
)


def _declared(url: str, path: str, length: int, content_type: str) -> tuple[int, str, str]:
    """A POST that announces ``length`` bytes and sends none: the server must answer from the headers alone."""
    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", content_type)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("content-type") or "", response.read().decode()
    finally:
        connection.close()


def _events(desk: Desk) -> int:
    with desk.ctx.db.read() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def _post(client: httpx.Client, path: str, data: dict[str, str], files: dict | None = None) -> httpx.Response:
    token = csrf_of(client.get("/dashboard").text)
    return client.post(path, data={"csrf_token": token, **data}, files=files)


def test_an_oversized_post_is_a_413_in_korean_not_a_500(desk: Desk) -> None:
    form = "application/x-www-form-urlencoded"
    for path, length in (
        ("/login", 2 << 20),
        ("/logout", 2 << 20),
        (f"/procedures/{desk.procedure_id}/actions/receive_document", 30 << 20),  # beyond the upload limit
    ):
        status, media, body = _declared(desk.url, path, length, form)
        assert status == 413, (path, body)
        assert media.startswith("text/html")
        limit = 25 if "actions" in path else 1
        assert f"요청 본문이 너무 큽니다 (최대 {limit} MiB)." in body and "오류 413" in body
    status, media, body = _declared(desk.url, "/api/documents", 30 << 20, "application/octet-stream")
    assert status == 413 and media == "application/json"
    assert '"code":"payload_too_large"' in body
    # A body without a length, cut off as it streams past the limit, is refused the same way.
    streamed = desk.client().post(
        "/login", content=(b"x" * 65536 for _ in range(40)), headers={"content-type": form}
    )
    assert streamed.status_code == 413 and "요청 본문이 너무 큽니다" in streamed.text


def test_yaml_aliases_are_refused_and_only_after_authorization(desk: Desk) -> None:
    action = f"/procedures/{desk.procedure_id}/actions/correct"
    before = _events(desk)
    clerk = desk.client(CLERK)
    refused = _post(clerk, action, {"event_id": "1", "data": LAUGHS, "reason": "오기 정정"})
    assert refused.status_code == 400
    assert (
        "YAML 별칭(*a, 2행)이 있습니다: 별칭은 받지 않으니 같은 값을 그 자리에 직접 적으십시오"
        in refused.text
    )
    # Someone who may not correct anything is refused for that, before a byte of their YAML is parsed.
    auditor = desk.client(AUDITOR)
    malformed = _post(auditor, action, {"event_id": "1", "data": "a: [unclosed", "reason": "x"})
    assert malformed.status_code == 403, malformed.text
    assert "형식이 맞지 않습니다" not in malformed.text
    assert _events(desk) == before
    # The plan page of a basic plan (기본계획) takes its content as YAML: the same reader, the same order.
    basic = engine.open_procedure(desk.ctx, actor(CLERK), "basic_plan", cluster_id=None, approver=APPROVER)
    plan = f"/procedures/{basic.procedure_id}/plan"
    before = _events(desk)
    refused = _post(clerk, plan, {"expected_version": "1", "content_yaml": LAUGHS})
    assert refused.status_code == 400 and "계획 내용에 YAML 별칭(*a, 2행)이 있습니다" in refused.text
    malformed = _post(auditor, plan, {"expected_version": "1", "content_yaml": "a: [unclosed"})
    assert malformed.status_code == 403 and "형식이 맞지 않습니다" not in malformed.text
    assert _events(desk) == before


def test_a_refused_upload_leaves_nothing_in_the_document_store(desk: Desk) -> None:
    auditor = desk.client(AUDITOR)
    refused = _post(
        auditor,
        f"/procedures/{desk.procedure_id}/actions/receive_document",
        {"expected_version": "1", "title": "감사인의 파일"},
        files={"sha256": ("memo.pdf", PDF, "application/pdf")},
    )
    assert refused.status_code == 403
    assert not desk.ctx.store.exists(hashlib.sha256(PDF).hexdigest())


def test_uploads_are_recorded_and_served_as_what_their_bytes_are(desk: Desk) -> None:
    clerk = desk.client(CLERK)
    page = f"/procedures/{desk.procedure_id}"
    for version, (title, name, data) in enumerate(
        (("공모 결과", "result.pdf", PDF), ("위장 보고서", "report.pdf", HTML_AS_PDF)), start=1
    ):
        done = _post(
            clerk,
            f"{page}/actions/receive_document",
            {"expected_version": str(version), "title": title},
            files={"sha256": (name, data, "application/pdf")},  # both claim to be PDFs
        )
        assert done.status_code == 303, done.text
    html = clerk.get(page).text
    pdf_id = re.search(r'<a href="/documents/(\d+)"[^>]*>공모 결과</a>', html).group(1)
    html_id = re.search(r'<a href="/documents/(\d+)"[^>]*>위장 보고서</a>', html).group(1)
    api = desk.api(CLERK, "clerk")
    assert api.get(f"/api/documents/{pdf_id}").json()["media_type"] == "application/pdf"
    assert api.get(f"/api/documents/{html_id}").json()["media_type"] == "text/html"
    for served in (clerk.get(f"/documents/{pdf_id}"), api.get(f"/api/documents/{pdf_id}/content")):
        assert served.headers["content-type"] == "application/pdf"
        assert served.headers["content-disposition"].startswith("inline;")
    for served in (clerk.get(f"/documents/{html_id}"), api.get(f"/api/documents/{html_id}/content")):
        assert served.content == HTML_AS_PDF
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["content-disposition"].startswith("attachment;")
        assert served.headers["x-content-type-options"] == "nosniff"
    # The API's upload says what it received, whatever the client declared.
    stored = api.post("/api/documents", content=HTML_AS_PDF, headers={"content-type": "application/pdf"})
    assert stored.status_code == 201 and stored.json()["media_type"] == "text/html"
    # A PDF cut short (no %%EOF trailer) is not a checked PDF: a download.
    truncated = api.post("/api/documents", content=PDF[:40])
    assert truncated.json()["media_type"] == "application/octet-stream"


def test_names_with_control_characters_are_refused(desk: Desk) -> None:
    admin = desk.api("admin", "admin")
    for name in ("홍길동\x1b[2J", "홍길동\x07", "홍\r\n길동", "홍길동\u202e"):
        refused = admin.post(
            "/api/users", json={"username": "hong", "display_name": name, "roles": ["clerk"]}
        )
        assert refused.status_code == 400, refused.text
        assert "표시 이름에 제어 문자(" in refused.json()["message"]
    clerk = desk.api(CLERK, "clerk")
    titled = clerk.post(
        "/api/procedures", json={"kind": "basic_plan", "approver": "park", "title": "기본계획\x1b]0;x\x07"}
    )
    assert (
        titled.status_code == 400 and "절차 제목에 제어 문자(\\x1b, 5번째 글자)" in titled.json()["message"]
    )


def test_an_api_token_always_expires(desk: Desk) -> None:
    admin = desk.api("admin", "admin")
    listed = len(admin.get("/api/tokens").json())
    body = {"username": CLERK, "role": "clerk", "name": "영구 토큰", "days": None}
    refused = admin.post("/api/tokens", json=body)
    assert refused.status_code == 400, refused.text
    assert refused.json()["code"] == "invalid_input"
    for days in (0, 367):
        assert admin.post("/api/tokens", json=body | {"days": days}).status_code == 400
    assert len(admin.get("/api/tokens").json()) == listed
    created = admin.post("/api/tokens", json=body | {"days": 366})
    assert created.status_code == 201
    (token,) = [t for t in admin.get("/api/tokens").json() if t["id"] == created.json()["id"]]
    assert token["expires_at"] is not None
