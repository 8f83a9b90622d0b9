"""The web desk's HWPX downloads (issue 17) over real HTTP: beside each issued PDF on the procedure page, and by
the API, with the HWPX's own type and a Korean file name (RFC 5987 filename*), under the same reader scope as the
document itself."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import unquote

import httpx
import pytest

from gcworkflow.automation.issuing import issue
from gcworkflow.db.models import Document
from tests.support import CLERK, CLERK2, OFFICE, fire, gumi_plan, on, signed
from tests.web.conftest import Desk

HWPX = "application/hwp+zip"


@pytest.fixture
def issued(desk: Desk) -> tuple[Document, Document]:
    """The opinion request to 경상북도지사 issued: its PDF's documents row and its twin's."""
    ctx, pid = desk.ctx, desk.procedure_id
    ctx.settings = ctx.settings.model_copy(update={**OFFICE, "notice_numbering": "local"})
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions")
    issue(ctx, pid, "opinion_request")
    with ctx.db.read() as session:
        rows = (
            session.query(Document).filter_by(procedure_id=pid, kind="opinion_request").order_by(Document.id)
        )
        pdf, twin = rows.all()
    return pdf, twin


def _saved_as(response: httpx.Response) -> str:
    """The file name a browser saves the download as: RFC 6266 gives filename* (RFC 5987, UTF-8 percent-encoded)
    precedence over the ASCII filename."""
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    found = re.search(r"filename\*=UTF-8''([^;\s]+)", disposition)
    assert found, disposition
    return unquote(found.group(1), errors="strict")


def test_the_procedure_page_offers_the_hwpx_beside_the_pdf(desk: Desk, issued) -> None:
    pdf, twin = issued
    clerk = desk.client(CLERK)
    page = clerk.get(f"/procedures/{desk.procedure_id}").text
    assert f'href="/documents/{pdf.id}?format=hwpx"' in page
    assert f'href="/documents/{twin.id}"' not in page  # the twin is offered beside its PDF, not listed again
    download = clerk.get(f"/documents/{pdf.id}?format=hwpx")
    assert download.status_code == 200
    assert download.headers["content-type"] == HWPX
    assert download.content == desk.ctx.store.get(twin.sha256)
    assert download.headers["x-content-sha256"] == twin.sha256
    assert _saved_as(download) == f"{pdf.title}.hwpx"
    assert "의견 조회" in _saved_as(download)
    # The PDF as it was: served inline from its own row.
    assert clerk.get(f"/documents/{pdf.id}").headers["content-type"] == "application/pdf"


def test_the_api_exports_either_format_within_the_reader_scope(desk: Desk, issued) -> None:
    pdf, twin = issued
    api = desk.api(CLERK, "clerk")
    as_hwpx = api.get(f"/api/documents/{twin.id}/export", params={"format": "hwpx"})
    assert as_hwpx.status_code == 200 and as_hwpx.headers["content-type"] == HWPX
    assert as_hwpx.content == desk.ctx.store.get(twin.sha256) and "x-gcw-rebuilt" not in as_hwpx.headers
    as_pdf = api.get(f"/api/documents/{twin.id}/export", params={"format": "pdf"})
    assert as_pdf.headers["content-type"] == "application/pdf" and _saved_as(as_pdf) == f"{pdf.title}.pdf"
    assert as_pdf.content == desk.ctx.store.get(pdf.sha256)

    wrong = api.get(f"/api/documents/{pdf.id}/export", params={"format": "docx"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_input"
    assert "요청 형식이 맞지 않습니다" in wrong.json()["message"]

    stranger = desk.api(CLERK2, "clerk")
    refused = stranger.get(f"/api/documents/{pdf.id}/export", params={"format": "hwpx"})
    assert refused.status_code == 403 and "문서를 볼 수 없습니다" in refused.json()["message"]
    page = desk.client(CLERK2).get(f"/documents/{pdf.id}?format=hwpx")
    assert page.status_code == 403 and "문서를 볼 수 없습니다" in page.text


def test_a_received_document_is_not_exported(desk: Desk, issued) -> None:
    sha = desk.ctx.store.put(b"%PDF-1.7\n...\n%%EOF\n")
    fire(
        desk.ctx,
        desk.procedure_id,
        "receive_document",
        sha256=sha,
        title="경상북도 의견서",
        kind="governor_opinion",
    )
    with desk.ctx.db.read() as session:
        received = session.query(Document).filter_by(direction="received").one()
    answer = desk.api(CLERK, "clerk").get(f"/api/documents/{received.id}/export", params={"format": "hwpx"})
    assert (
        answer.status_code == 400
        and "접수한 문서라 PDF·HWPX로 내보낼 수 없습니다" in answer.json()["message"]
    )
    page = desk.client(CLERK).get(f"/procedures/{desk.procedure_id}").text
    assert f'href="/documents/{received.id}?format=hwpx"' not in page
