"""A signed notice on its way to being published (관보 고시): its number (고시 번호, procedure.md §7), its PDF
issued and hashed (and the system's record of every issued document), its gazette publication (관보 게재), and
what must hold before it counts as published.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from gcworkflow.calendar import format_date_ko
from gcworkflow.errors import Unmet
from gcworkflow.procedures.common import Payload, Sha256, Text, Title, not_after_today
from gcworkflow.procedures.decision import designation_decided, requirements_met
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.notice import (
    NOTICE,
    notice_document,
    notice_items_complete,
    notice_render_digest,
    notice_signed,
)
from gcworkflow.procedures.spec import (
    Action,
    Guard,
    LinkDocument,
    ProcedureView,
    RecordFact,
    RegisterNumber,
    Role,
    Write,
)
from gcworkflow.reference import parse_notice_number

# --- the number (고시 번호, procedure.md §7) ----------------------------------------------------------


class NoticeNumberPayload(Payload):
    number: Text = Field(description="부처 문서등록대장이 부여한 번호 (예: 기후에너지환경부고시 제2026-41호)")


def _number_guard(view: ProcedureView, payload: NoticeNumberPayload) -> list[Unmet]:
    basis = "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조"
    if view.fact("notice_number", NOTICE) is not None:
        number = view.fact("notice_number", NOTICE).data["number"]
        return [
            Unmet(
                "notice_number_already_registered", basis, f"이 고시에는 이미 번호({number})가 등록되었습니다"
            )
        ]
    unmet = notice_signed(view, payload)
    try:
        series, year, _serial = parse_notice_number(payload.number)
    except ValueError as exc:
        return [*unmet, Unmet("notice_number_malformed", basis, str(exc))]
    notice = view.fact("notice_content", NOTICE)
    if notice is not None:
        notice_date = date.fromisoformat(notice.data["notice_date"])
        if series != notice.data["notice_series"]:
            unmet.append(
                Unmet(
                    "notice_number_wrong_authority",
                    "정부조직법 부칙 제7조 (2025. 10. 1.)",
                    f"고시일({format_date_ko(notice_date)})의 고시 명의는 '{notice.data['notice_series']}'입니다",
                )
            )
        if year != notice_date.year:
            unmet.append(
                Unmet(
                    "notice_number_wrong_year",
                    basis,
                    f"번호의 연도({year})가 고시일의 연도({notice_date.year})와 다릅니다",
                )
            )
    return unmet


def register_notice_number(sources: tuple[str, ...]) -> Action:
    def effects(_view: ProcedureView, payload: NoticeNumberPayload) -> list[Write]:
        series, year, _ = parse_notice_number(payload.number)
        return [RegisterNumber(series=series, year=year, purpose=NOTICE, formatted=payload.number)]

    return Action(
        trigger="register_notice_number",
        label="고시 번호 등록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis="행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
        payload=NoticeNumberPayload,
        guards=(_number_guard,),
        effects=effects,
    )


def number_registered(view: ProcedureView, _payload: object) -> list[Unmet]:
    if view.fact("notice_number", NOTICE) is None:
        return [
            Unmet(
                "notice_number_missing",
                "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
                "고시 번호가 등록되지 않았습니다",
            )
        ]
    return []


# --- issued documents (system) -------------------------------------------------------------------------


class EnclosedDocument(Payload):
    """One 붙임 of a letter, as issued before it."""

    document: str = Field(description="붙임의 문서 종류 (예: plan_summary)")
    subject: str = Field(description="붙임의 구분 (예: 조성계획 판 번호 3)")
    sha256: Sha256
    title: Title


class IssuedDocumentPayload(Payload):
    document: str = Field(description="문서 종류 (예: designation_notice, opinion_request)")
    subject: str = Field(default="", description="같은 종류의 문서가 여럿일 때 구분 (예: governor:47)")
    sha256: Sha256
    title: Title
    media_type: str = "application/pdf"
    size: int = Field(ge=1)
    content_sha256: str = Field(description="문서를 만든 기록 내용의 SHA-256")
    # The HWPX twin (관보 편집·온나라용), built from the same content; absent on documents issued before twins.
    hwpx_sha256: Sha256 | None = Field(default=None, description="같은 내용의 HWPX 사본 SHA-256")
    hwpx_size: int | None = Field(default=None, ge=1, description="HWPX 사본 크기 (바이트)")
    # A letter's 붙임 (시행규칙 제4조제4항), each issued as its own document: what its e-mail carries.
    enclosures: list[EnclosedDocument] | None = Field(default=None, max_length=20)
    # What an enclosure was made from: the plan version (its number and the SHA-256 of its content).
    plan_version: int | None = Field(default=None, ge=1)
    plan_sha256: Sha256 | None = None
    # Who signed the PDF (PAdES, issue #17); absent on documents issued before they were signed.
    signer: Text | None = Field(default=None, description="서명자 인증서의 주체 (RFC 4514)")
    signer_sha256: Sha256 | None = Field(default=None, description="서명자 인증서의 SHA-256 지문")


def _not_issued_already(view: ProcedureView, p: IssuedDocumentPayload) -> list[Unmet]:
    # Two runs of the documents flow (two workers) can render the same document at once; checked here, under
    # the procedure's lock, the second to record it is refused, so a document is recorded once per content.
    issued = view.fact("document_issued", f"{p.document}:{p.subject}".rstrip(":"))
    if issued is not None and issued.data["content_sha256"] == p.content_sha256:
        return [
            Unmet(
                "document_already_issued",
                "행정업무의 운영 및 혁신에 관한 규정 제6조",
                f"같은 내용의 문서가 이미 발행되었습니다 ({issued.data['title']})",
            )
        ]
    return []


def document_issued(sources: tuple[str, ...]) -> Action:
    def effects(_view: ProcedureView, p: IssuedDocumentPayload) -> list[Write]:
        return [
            LinkDocument(
                sha256=p.sha256,
                direction="issued",
                kind=p.document,
                title=p.title,
                filename=f"{p.document}-{p.sha256[:12]}.pdf",
            ),
            *(
                [
                    LinkDocument(
                        sha256=p.hwpx_sha256,
                        direction="issued",
                        kind=p.document,
                        title=p.title,
                        filename=f"{p.document}-{p.hwpx_sha256[:12]}.hwpx",
                    )
                ]
                if p.hwpx_sha256
                else []
            ),
            RecordFact(
                "document_issued",
                p.model_dump(mode="json", exclude_none=True),
                subject=f"{p.document}:{p.subject}".rstrip(":"),
            ),
        ]

    return Action(
        trigger="document_issued",
        label="문서 생성 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.SYSTEM}),
        basis="행정업무의 운영 및 혁신에 관한 규정 제6조",
        payload=IssuedDocumentPayload,
        guards=(_not_issued_already,),
        effects=effects,
        unassigned_roles=frozenset({Role.SYSTEM}),
    )


def notice_document_issued(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        issued = view.fact("document_issued", notice_document(view))
        number = view.fact("notice_number", NOTICE)
        notice = view.fact("notice_content", NOTICE)
        expected = notice_render_digest(notice.data, number.data["number"]) if number and notice else None
        if issued is None or issued.data["content_sha256"] != expected:
            return [
                Unmet(
                    "notice_pdf_missing",
                    law.notice_basis,
                    "현재 고시문과 번호로 만든 고시문 PDF와 그 SHA-256이 기록되지 않았습니다",
                )
            ]
        return []

    return guard


# --- the gazette (관보 게재) ------------------------------------------------------------------------


class GazettePayload(Payload):
    published_on: date = Field(description="관보 게재일")
    gazette_issue: Text = Field(description="관보 호수 (예: 제21234호)")
    page_document_sha256: Sha256 | None = Field(default=None, description="관보 게재면 (문서 저장소 SHA-256)")


def record_gazette_publication(sources: tuple[str, ...], law: KindLaw) -> Action:
    def guard(view: ProcedureView, payload: GazettePayload) -> list[Unmet]:
        unmet = number_registered(view, payload) + not_after_today(
            view, payload.published_on, "관보 게재일", law.notice_basis, "gazette_in_future"
        )
        notice = view.fact("notice_content", NOTICE)
        # procedure.md §2: the notice's date line is its 고시일, which is the day the gazette carries it.
        if notice is not None and notice.data["notice_date"] != payload.published_on.isoformat():
            dated = date.fromisoformat(notice.data["notice_date"])
            unmet.append(
                Unmet(
                    "gazette_date_differs",
                    law.notice_basis,
                    f"관보 게재일({format_date_ko(payload.published_on)})이 고시문의 고시일({format_date_ko(dated)})과 "
                    "다릅니다. 게재일을 확인하거나 고시일을 고쳐 고시문을 다시 작성·결재하십시오",
                )
            )
        return unmet

    def effects(_view: ProcedureView, p: GazettePayload) -> list[Write]:
        writes: list[Write] = [RecordFact("gazette_publication", p.model_dump(mode="json"), subject=NOTICE)]
        if p.page_document_sha256:
            writes.append(
                LinkDocument(
                    sha256=p.page_document_sha256,
                    direction="received",
                    kind="gazette_page",
                    title=f"관보 {p.gazette_issue} 게재면",
                )
            )
        return writes

    return Action(
        trigger="record_gazette_publication",
        label="관보 게재 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=law.notice_basis,
        payload=GazettePayload,
        guards=(guard,),
        effects=effects,
        correctable=True,
    )


def gazette_recorded(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        if view.fact("gazette_publication", NOTICE) is None:
            return [
                Unmet(
                    "gazette_publication_missing",
                    law.notice_basis,
                    "관보 게재일과 관보 호수가 기록되지 않았습니다",
                )
            ]
        return []

    return guard


def publish_guards(law: KindLaw, *, assess_requirements: bool) -> tuple[Guard, ...]:
    """What must hold before the notice counts as published. A change or release is not a new designation:
    법 제10조's requirements are assessed for a designation only."""
    return (
        designation_decided(law),
        *((requirements_met,) if assess_requirements else ()),
        notice_items_complete(law),
        notice_signed,
        number_registered,
        notice_document_issued(law),
        gazette_recorded(law),
    )
