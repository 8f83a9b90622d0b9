"""The API's documents: a procedure's documents, one document's record and file, and uploading a file into
the document store (an action then names it by its SHA-256)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from gcworkflow import exports, queries
from gcworkflow.documents.sniff import media_type as sniffed_type
from gcworkflow.errors import Forbidden, InvalidInput
from gcworkflow.exports import Format
from gcworkflow.procedures.spec import Role
from gcworkflow.web.api import ERRORS, ItemId, ProcedureId
from gcworkflow.web.auth import require_scope
from gcworkflow.web.deps import ApiUser, Ctx, document_response, export_response

router = APIRouter(prefix="/api")


@router.get(
    "/procedures/{procedure_id}/documents",
    tags=["문서"],
    summary="절차의 문서 (SHA-256 포함)",
    responses=ERRORS,
)
def procedure_documents(ctx: Ctx, who: ApiUser, procedure_id: ProcedureId) -> list[dict[str, Any]]:
    return queries.documents(ctx, who.reader(), procedure_id)


@router.get("/documents/{document_id}", tags=["문서"], summary="문서 정보", responses=ERRORS)
def document(ctx: Ctx, who: ApiUser, document_id: ItemId) -> dict[str, Any]:
    return queries.document(ctx, who.reader(), document_id)


@router.get(
    "/documents/{document_id}/content",
    tags=["문서"],
    summary="문서 파일 (기록된 해시와 다르면 409)",
    responses={**ERRORS, 200: {"content": {"application/pdf": {}, "application/octet-stream": {}}}},
    response_class=Response,
)
def document_content(ctx: Ctx, who: ApiUser, document_id: ItemId) -> Response:
    row = queries.document(ctx, who.reader(), document_id)
    return document_response(row, queries.document_bytes(ctx, row["sha256"]))


@router.get(
    "/documents/{document_id}/export",
    tags=["문서"],
    summary="발행 문서를 PDF 또는 HWPX(관보 편집·온나라용 사본)로 내려받기 (기록된 해시와 다르면 409)",
    responses={**ERRORS, 200: {"content": {"application/pdf": {}, "application/hwp+zip": {}}}},
    response_class=Response,
)
def document_export(
    ctx: Ctx, who: ApiUser, document_id: ItemId, fmt: Annotated[Format, Query(alias="format")]
) -> Response:
    return export_response(exports.export(ctx, who.reader(), document_id, fmt))


@router.post(
    "/documents",
    tags=["문서"],
    summary="접수 문서 파일을 저장소에 넣고 SHA-256을 받습니다 (처리의 문서 항목에 그 값을 넣음)",
    status_code=201,
    responses=ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload_document(request: Request, who: ApiUser) -> dict[str, Any]:
    require_scope(
        request.app.state.ctx, who, {Role.CLERK, Role.COMMITTEE_SECRETARY}, "문서 등록", "upload_document"
    )
    if not who.has(Role.CLERK) and not who.has(Role.COMMITTEE_SECRETARY):
        raise Forbidden("문서는 담당 주무관이나 위원회 간사가 등록합니다")
    data = await request.body()
    if not data:
        raise InvalidInput("빈 파일입니다")
    store = request.app.state.ctx.store
    sha256 = await run_in_threadpool(store.put, data)
    # What the bytes are (not what the client said): the type the document will be recorded and served with.
    return {"sha256": sha256, "size": len(data), "media_type": sniffed_type(data)}
