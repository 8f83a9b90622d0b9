"""An issued document as a file to hand on: the PDF as issued, or its HWPX twin, which a clerk sends to the
관보's editors (a notice) or puts into 온나라 (a letter) — `gcw documents export`, the web desk's downloads.

Either row of an issued document (the PDF's or the twin's) names it; the file comes from the store with its
hash checked. A document issued before twins existed has no HWPX in the store: its twin is built now from the
structured content its PDF carries, and the answer says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.queries import Reader, Scope, answer
from gcworkflow.canonical import loads
from gcworkflow.context import Context
from gcworkflow.db.models import Document, Fact
from gcworkflow.documents.sniff import HWPX, PDF
from gcworkflow.errors import InvalidInput, NotFound
from gcworkflow.queries import document_bytes

__all__ = ["FORMATS", "Exported", "Format", "export"]

Format = Literal["pdf", "hwpx"]
FORMATS: dict[str, str] = {"pdf": PDF, "hwpx": HWPX}
# Characters no file name may hold on Windows (where 한글 runs) or anywhere, and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_NAME_LIMIT = 120  # letters of the title kept in a file name: under every file system's 255 bytes in UTF-8


@dataclass(frozen=True)
class Exported:
    data: bytes
    media_type: str
    filename: str  # the title and the format's extension: what a download is saved as
    rebuilt: bool  # an HWPX built now from the PDF's data: the document was issued before twins existed

    @property
    def note(self) -> str | None:
        if not self.rebuilt:
            return None
        return (
            "이 문서는 HWPX 사본을 함께 만들기 전에 발행되어, 발행한 PDF에 담긴 구조화 데이터로 HWPX를 지금 "
            "새로 만들었습니다 (발행 기록에는 이 HWPX의 해시가 없습니다)"
        )


def export(ctx: Context, reader: Reader, document_id: int, fmt: str) -> Exported:
    """The issued document ``document_id`` as ``fmt``, for a reader who may see its procedure (the read
    recorded, as `gcw documents show` records it); a received document is refused."""
    if fmt not in FORMATS:
        raise InvalidInput(f"내보낼 형식은 {', '.join(FORMATS)} 가운데 하나입니다: {fmt}")

    def body(session: Session, scope: Scope) -> tuple[dict[str, Any], dict[str, Any]]:
        row = session.get(Document, document_id)
        if row is None:
            raise NotFound(f"{document_id}번 문서가 없습니다")
        scope.require_document(document_id, row.procedure_id)
        issued = session.execute(
            select(Fact.data).where(Fact.event_id == row.event_id, Fact.kind == "document_issued")
        ).scalar_one_or_none()
        if row.direction != "issued" or issued is None:
            raise InvalidInput(
                f"{document_id}번 문서는 접수한 문서라 PDF·HWPX로 내보낼 수 없습니다. 이 시스템이 발행한 공문·고시만 "
                f"내보냅니다 (받은 파일 그대로는 gcw documents show {document_id} -o FILE)"
            )
        return row.record(), loads(issued)

    record, issued = answer(
        ctx,
        reader,
        "document_export",
        {"document_id": document_id, "format": fmt},
        body,
        lambda _: 1,
        operator=True,
    )
    filename = f"{_UNSAFE.sub('_', record['title']).strip()[:_NAME_LIMIT]}.{fmt}"
    if fmt == "pdf":
        return Exported(document_bytes(ctx, issued["sha256"]), PDF, filename, rebuilt=False)
    if issued.get("hwpx_sha256"):
        return Exported(document_bytes(ctx, issued["hwpx_sha256"]), HWPX, filename, rebuilt=False)
    from gcworkflow.documents import hwpx
    from gcworkflow.documents.embedded import embedded_document

    document = embedded_document(document_bytes(ctx, issued["sha256"]), issued["document"])
    return Exported(hwpx.build(document), HWPX, filename, rebuilt=True)
