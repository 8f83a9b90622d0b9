"""Every issued document has an HWPX twin (issue 17): built from the same content when the PDF is issued, kept
in the store, recorded in the `document_issued` event and linked as its own documents row, so that backups and
`gcw audit verify` cover it; `gcw documents export` hands either file on, within the reader's scope, and rebuilds
the twin of a document issued before twins existed from the data its PDF carries."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from hwpx.tools.text_extractor import TextExtractor
from sqlalchemy import select

from gcworkflow import audit, engine, exports, queries
from gcworkflow.audit.queries import Reader, audit_reads
from gcworkflow.automation.issuing import SYSTEM, issue
from gcworkflow.canonical import sha256_hex
from gcworkflow.db.models import Document
from gcworkflow.documents import hwpx
from gcworkflow.documents.render import render
from gcworkflow.errors import Forbidden, InvalidInput
from tests.cli import Gcw
from tests.documents import samples
from tests.support import AUDITOR, CLERK, CLERK2, fire, gumi_plan, on, open_gumi, signed


def _text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return TextExtractor(archive).extract_text()


def _rows(ctx, pid: int) -> list[Document]:
    with ctx.db.read() as session:
        rows = session.execute(select(Document).where(Document.procedure_id == pid).order_by(Document.id))
        return list(rows.scalars())


@pytest.fixture
def letter_issued(office):
    """The 구미 procedure's opinion request to 경상북도지사, issued with its enclosure."""
    ctx = office
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions")
    (letter,) = issue(ctx, pid, "opinion_request")
    return ctx, pid, letter


def test_each_issued_document_is_linked_with_its_hwpx_twin(letter_issued):
    ctx, pid, letter = letter_issued
    facts = {
        f["subject"]: f["data"]
        for f in queries.procedure_status(ctx, pid)["facts"]
        if f["kind"] == "document_issued"
    }
    issued = facts["opinion_request:1:governor:47"]
    twin = ctx.store.get(issued["hwpx_sha256"])
    assert sha256_hex(twin) == issued["hwpx_sha256"] and len(twin) == issued["hwpx_size"]
    rows = [r for r in _rows(ctx, pid) if r.kind == "opinion_request"]
    assert [(r.media_type, r.filename) for r in rows] == [
        ("application/pdf", f"opinion_request-{letter.sha256[:12]}.pdf"),
        ("application/hwp+zip", f"opinion_request-{issued['hwpx_sha256'][:12]}.hwpx"),
    ]
    assert rows[0].title == rows[1].title and rows[0].event_id == rows[1].event_id
    # Made from the letter's content: its number, its date and its items, read back by python-hwpx.
    text = _text(twin)
    assert "시행  탈탄소녹색산업혁신과-1 (2026. 9. 23.)" in text and "수신  경상북도지사" in text
    # Every issued document has its twin: the enclosure (조성계획(요약)) too.
    kinds = {(r.kind, r.media_type) for r in _rows(ctx, pid)}
    assert {kind for kind, media in kinds if media == "application/hwp+zip"} == {
        kind for kind, media in kinds if media == "application/pdf"
    }
    with ctx.db.read() as session:
        assert audit.verify(session, ctx.store).ok
    # The twin is a stored document like the PDF: replaced behind the records' back, verification says so.
    ctx.store.path(issued["hwpx_sha256"]).write_bytes(twin + b"\0")
    with ctx.db.read() as session:
        assert not audit.verify(session, ctx.store).ok


def test_a_twin_is_issued_once_with_its_pdf(letter_issued):
    ctx, pid, _ = letter_issued
    before = len(_rows(ctx, pid))
    (again,) = issue(ctx, pid, "opinion_request")
    assert not again.new and len(_rows(ctx, pid)) == before


def test_export_hands_on_the_stored_twin_or_the_pdf_from_either_row(letter_issued):
    ctx, pid, letter = letter_issued
    pdf_row, twin_row = [r for r in _rows(ctx, pid) if r.kind == "opinion_request"]
    clerk = Reader(CLERK)
    for row in (pdf_row, twin_row):
        as_hwpx = exports.export(ctx, clerk, row.id, "hwpx")
        assert as_hwpx.data == ctx.store.get(twin_row.sha256) and not as_hwpx.rebuilt and as_hwpx.note is None
        assert as_hwpx.filename == f"{twin_row.title}.hwpx" and as_hwpx.media_type == "application/hwp+zip"
        as_pdf = exports.export(ctx, clerk, row.id, "pdf")
        assert as_pdf.data == ctx.store.get(letter.sha256) and as_pdf.media_type == "application/pdf"
    with ctx.db.read() as session:
        reads = session.execute(
            select(audit_reads.c.actor, audit_reads.c.outcome).where(audit_reads.c.query == "document_export")
        ).all()
    assert reads == [(CLERK, "ok")] * 4


def test_export_keeps_the_reader_scope_and_refuses_received_documents(letter_issued):
    ctx, pid, _ = letter_issued
    pdf_row = next(r for r in _rows(ctx, pid) if r.kind == "opinion_request")
    with pytest.raises(Forbidden, match=f"{pdf_row.id}번 문서를 볼 수 없습니다"):
        exports.export(ctx, Reader(CLERK2), pdf_row.id, "hwpx")
    assert exports.export(ctx, Reader(AUDITOR), pdf_row.id, "hwpx").data
    sha = ctx.store.put(b"%PDF-1.7\n...\n%%EOF\n")
    fire(ctx, pid, "receive_document", sha256=sha, title="경상북도 의견서", kind="governor_opinion")
    received = next(r for r in _rows(ctx, pid) if r.direction == "received")
    with pytest.raises(InvalidInput, match="접수한 문서라 PDF·HWPX로 내보낼 수 없습니다"):
        exports.export(ctx, Reader(CLERK), received.id, "hwpx")
    with pytest.raises(InvalidInput, match="내보낼 형식은 pdf, hwpx 가운데 하나입니다: docx"):
        exports.export(ctx, Reader(CLERK), received.id, "docx")


def test_a_document_issued_before_twins_is_rebuilt_from_its_pdfs_data(office, settings):
    """Issued as before issue 17: the event names the PDF alone. Its twin is built now from the canonical JSON
    the PDF carries, equal to what the document's model gives, and the answer says so."""
    ctx = office
    pid = open_gumi(ctx)
    notice = samples.designation_notice()
    rendered = render(notice)
    sha = ctx.store.put(rendered.pdf)
    payload = {
        "document": notice.kind,
        "subject": "",
        "sha256": sha,
        "title": rendered.title,
        "size": len(rendered.pdf),
        "content_sha256": "0" * 64,
    }
    engine.fire(ctx, pid, "document_issued", SYSTEM, payload)
    (row,) = _rows(ctx, pid)
    exported = exports.export(ctx, Reader(CLERK), row.id, "hwpx")
    assert exported.rebuilt and exported.data == hwpx.build(notice)
    assert "PDF에 담긴 구조화 데이터로 HWPX를 지금 새로 만들었습니다" in exported.note

    gcw = Gcw.against(settings, "2026-10-13T10:00:00+09:00")
    out = settings.var_dir / "내보내기" / "고시.hwpx"
    result = gcw.ok("documents", "export", str(row.id), "--format", "hwpx", "-o", str(out), user=CLERK)
    assert out.read_bytes() == exported.data
    assert "참고: 이 문서는 HWPX 사본을 함께 만들기 전에 발행되어" in result.stdout
    answer = gcw.json(
        "documents", "export", str(row.id), "--format", "pdf", "-o", str(out.with_suffix(".pdf"))
    )
    assert answer["sha256"] == sha and answer["note"] is None
    refused = gcw("documents", "export", str(row.id), "--format", "hwpx", "-o", str(out), user=CLERK2)
    assert refused.exit_code != 0 and "문서를 볼 수 없습니다" in refused.stderr
