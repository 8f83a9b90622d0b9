"""The structured content an issued PDF carries (``<kind>.json``, attached by render.py), read back and
validated against its model: what a document issued before HWPX twins existed is rebuilt from."""

from __future__ import annotations

import io

from pydantic import TypeAdapter, ValidationError

from gcworkflow.documents.models import Document
from gcworkflow.errors import Conflict

__all__ = ["embedded_document"]

_DOCUMENT: TypeAdapter[Document] = TypeAdapter(Document)


def embedded_document(pdf: bytes, kind: str) -> Document:
    """The document of ``kind`` whose canonical JSON ``pdf`` carries; ``conflict`` when it carries none, or
    data that is not a document of that kind."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    name = f"{kind}.json"
    try:
        attached = PdfReader(io.BytesIO(pdf)).attachments.get(name)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise Conflict(f"PDF를 읽을 수 없어 담긴 구조화 데이터({name})를 꺼내지 못했습니다") from exc
    if not attached:
        raise Conflict(f"PDF에 구조화 데이터({name})가 없습니다: 이 시스템이 만든 문서가 아닙니다")
    try:
        document = _DOCUMENT.validate_json(attached[0])
    except ValidationError as exc:
        raise Conflict(
            f"PDF에 담긴 구조화 데이터({name})가 문서 형식에 맞지 않습니다 (오류 {exc.error_count()}건)"
        ) from exc
    if document.kind != kind:
        raise Conflict(f"PDF에 담긴 구조화 데이터의 문서 종류({document.kind})가 기록({kind})과 다릅니다")
    return document
