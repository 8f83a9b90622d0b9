"""The structured content of every official document: what a template prints and what the PDF carries as its
JSON attachment, so an archive or another system can read it back without OCR.

Dates are ISO strings in the data and are formatted by the templates ("2026. 3. 5." in letters per
행정업무규정 제7조, "2026년 3월 5일" on a notice's date line).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Office(_Model):
    """The issuing office (결문 of a 시행문): the ministry from the document's date, the rest from settings."""

    ministry: str  # 기후에너지환경부 (환경부 before 2025-10-01)
    head: str  # 발신 명의: 기후에너지환경부장관
    division: str  # 처리과: 탈탄소녹색산업혁신과
    postcode: str
    address: str
    homepage: str
    phone: str
    fax: str
    email: str


class Item(_Model):
    """A numbered body item; children are numbered one level deeper (1. → 가. → 1) → 가) → (1) → (가))."""

    text: str
    children: tuple[Item, ...] = ()


class Signature(_Model):
    """One box of the signature block (규칙 제6조·제7조)."""

    title: str  # 직위 or 직급: 주무관, 사무관, 과장
    name: str
    mark: Literal["", "★", "⊙", "전결", "대결"] = ""  # ★ drafter, ⊙ reporter; 전결 / 대결 on the approver
    signed_on: str | None = None  # the approver's box carries the date of signature


class Letter(_Model):
    """A 시행문 (별지 제1호서식 as sent): 두문, 본문, 결문 (행정업무규정 시행규칙 제4조)."""

    kind: Literal[
        "opinion_request",
        "consultation_request",
        "designation_notification",
        "change_notification",
        "release_notification",
        "basic_plan_notification",
    ]
    document_title: str  # the PDF's title metadata
    date: str  # 시행일 (ISO)
    office: Office
    recipient: str  # 수신: 경상북도지사, or "수신자 참조" when the letter goes to several at once
    recipient_unit: str | None = None  # (환경정책과장)
    via: str | None = None  # (경유)
    # 수신자 참조 (시행규칙 제4조제2항제2호나목): every addressee, on the 수신자 line under the 발신 명의.
    recipients: tuple[str, ...] = ()
    subject: str  # 제목
    items: tuple[Item, ...]
    attachments: tuple[str, ...] = ()  # 붙임: "조성계획(요약) 1부"
    signatures: tuple[Signature, ...]
    cooperators: tuple[Signature, ...] = ()
    enforcement_number: str  # 시행 탈탄소녹색산업혁신과-12
    receipt_number: str | None = None
    disclosure: str = "공개"  # 공개 구분
    seal: bool = True  # 관인 자리 (the electronic seal is affixed by the document system at dispatch)
    illustrative: bool = False  # demo data: printed as a watermark-like note "예시 문서"


class Line(_Model):
    label: str  # 명  칭
    value: str


class Table(_Model):
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class Section(_Model):
    """One numbered section of a notice: label/value lines (가. 나. …), a table, or free paragraphs."""

    title: str
    lines: tuple[Line, ...] = ()
    table: Table | None = None
    paragraphs: tuple[str, ...] = ()


class Notice(_Model):
    """A 고시 (공고문서): number, basis sentence, date line, issuing authority without seal, the sections."""

    kind: Literal["designation_notice", "change_notice", "release_notice", "basic_plan_notice"]
    document_title: str
    date: str  # 고시일 (ISO)
    number: str  # 기후에너지환경부고시 제2026-1호
    authority: str  # 기후에너지환경부장관 (no seal in the 관보: 행정업무규정 제14조제3항)
    basis_sentence: str
    sections: tuple[Section, ...]
    illustrative: bool = False


class Enclosure(_Model):
    """붙임: what a letter encloses about its matter, made from the plan version (or the release) the letter is
    about, e.g. 조성계획(요약); issued, signed and hashed like the letter, and attached to its e-mail."""

    kind: Literal[
        "plan_summary", "plan_change_table", "release_scope", "basic_plan_summary", "opinion_summary"
    ]
    document_title: str  # the PDF's title metadata
    # The day the record it was made from was written (ISO): the plan version's, so that every letter about
    # one version encloses one and the same document.
    date: str
    title: str  # the heading, as the letter's 붙임 line names it: 조성계획(요약)
    authority: str  # 기후에너지환경부
    subject: str  # what it is about, under the heading: the cluster's or the basic plan's name
    sections: tuple[Section, ...]
    # What it was made from: the plan version (number and SHA-256 of its content), as the procedure had it.
    plan_version: int | None = None
    plan_sha256: str | None = None
    illustrative: bool = False


Document = Letter | Notice | Enclosure
DOCUMENT_KINDS = (
    "designation_notice",
    "change_notice",
    "release_notice",
    "opinion_request",
    "consultation_request",
    "designation_notification",
    "change_notification",
    "release_notification",
    "basic_plan_notice",
    "basic_plan_notification",
    "plan_summary",
    "plan_change_table",
    "release_scope",
    "basic_plan_summary",
    "opinion_summary",
)

__all__ = [
    "DOCUMENT_KINDS",
    "Document",
    "Enclosure",
    "Item",
    "Letter",
    "Line",
    "Notice",
    "Office",
    "Section",
    "Signature",
    "Table",
]
