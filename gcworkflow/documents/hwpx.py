"""Official documents as HWPX (OWPML, KS X 6101), the twin of each issued PDF for the systems that work in
한글: a notice's HWPX is what a clerk sends to the 관보's editors, a letter's is what goes into 온나라 (issue 17).

Built from the structured document (models.py), never from the PDF, with python-hwpx on the blank document it
ships; the PDF stays the authoritative document. The same document gives the same bytes: python-hwpx numbers
new paragraphs and tables at random and stamps its template's packaging date, so the ids are renumbered in
document order and every ZIP entry is dated with the document's date.

Fonts are named as 한글 names them in a file it writes: 함초롬바탕 for the text and 함초롬돋움 for the
headings. Both ship with every 한컴오피스 (and are what its blank document uses), so the 관보's editors and
온나라's 한글 show them without substitution; 맑은 고딕 comes with Windows, not with 한글, and a 한글 on
another system would replace it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from gcworkflow.documents.models import Document, Enclosure, Item, Letter, Notice, Section, Signature
from gcworkflow.documents.render import dotted, item_label, spelled, with_period

if TYPE_CHECKING:
    from hwpx import HwpxDocument
    from hwpx.oxml import HwpxOxmlParagraph

__all__ = ["EXTENSION", "MEDIA_TYPE", "build"]

MEDIA_TYPE = "application/hwp+zip"  # the package's own mimetype entry, as 한글 writes it
EXTENSION = "hwpx"
BODY_FONT = "함초롬바탕"
HEADING_FONT = "함초롬돋움"
ILLUSTRATIVE_NOTE = "예시 문서 — 실제 고시·공문이 아님"  # the PDF's margin note, word for word
END_MARK = "  끝."  # 행정업무의 운영 및 혁신에 관한 규정 시행규칙 제4조: two spaces, then 끝.
SEOUL = ZoneInfo("Asia/Seoul")
_HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
_NUMBERED = (f"{_HP}p", f"{_HP}tbl")
INDENT_MM = 6.0  # one level of a body item's indent: about two Korean letters at 12 pt


@dataclass(frozen=True)
class _Shape:
    """A paragraph's look: alignment, left indent in levels, a rule beneath it."""

    align: str = "JUSTIFY"
    level: int = 0
    rule: bool = False


@dataclass(frozen=True)
class _Type:
    """A character shape: size in points, bold, the heading font."""

    size: float = 12
    bold: bool = False
    heading: bool = False


BODY = _Type()
SMALL = _Type(size=9)
NOTE = _Type(size=8, heading=True)
CELL = _Type(size=10.5)
CELL_HEAD = _Type(size=10.5, bold=True)


@dataclass
class _Writer:
    """Appends paragraphs and tables to a blank python-hwpx document, each paragraph shape minted once (every
    formatting call of python-hwpx adds a new one to the header) and each character shape looked up once."""

    doc: HwpxDocument
    shapes: dict[_Shape, str] = field(default_factory=dict)
    types: dict[_Type, str] = field(default_factory=dict)
    started: bool = False

    def char(self, kind: _Type) -> str:
        if kind not in self.types:
            self.types[kind] = self.doc.styles.ensure_run(
                font=HEADING_FONT if kind.heading else BODY_FONT, size=kind.size, bold=kind.bold
            )
        return self.types[kind]

    def paragraph(self, text: str, kind: _Type = BODY, shape: _Shape = _Shape()) -> HwpxOxmlParagraph:
        char = self.char(kind)
        if not self.started:
            # The blank document's one paragraph holds the page settings: it takes the first line.
            self.started = True
            paragraph = self.doc.paragraphs[0]
            paragraph.text = text
            paragraph.char_pr_id_ref = char
        else:
            paragraph = self.doc.add_paragraph(
                text, char_pr_id_ref=char, para_pr_id_ref="0", inherit_style=False
            )
        self._shape(paragraph, shape)
        return paragraph

    def _shape(self, paragraph: HwpxOxmlParagraph, shape: _Shape) -> None:
        if shape in self.shapes:
            paragraph.para_pr_id_ref = self.shapes[shape]
            return
        self.doc.styles.apply_paragraph_format(
            paragraphs=[paragraph],
            alignment=shape.align,
            indent_left_mm=shape.level * INDENT_MM,
            bottom_border=shape.rule,
            border_color="#000000",
        )
        self.shapes[shape] = str(paragraph.para_pr_id_ref)

    def table(self, rows: Sequence[Sequence[str]], *, header: bool) -> None:
        """A real table (hp:tbl), one paragraph per cell; the first row bold when it is the header."""
        columns = max(len(row) for row in rows)
        table = self.doc.add_table(len(rows), columns, char_pr_id_ref=self.char(CELL))
        head = self.char(CELL_HEAD)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                cell = table.cell(r, c)
                cell.text = text
                if header and r == 0:
                    for paragraph in cell.paragraphs:
                        paragraph.char_pr_id_ref = head


def build(document: Document) -> bytes:
    """The document as an HWPX package: the same document gives the same bytes (for one python-hwpx)."""
    from hwpx import HwpxDocument  # lxml and the OWPML templates load only when a twin is made

    writer = _Writer(HwpxDocument.new())
    if document.illustrative:
        writer.paragraph(ILLUSTRATIVE_NOTE, NOTE, _Shape(align="RIGHT"))
    if isinstance(document, Letter):
        _letter(writer, document)
        author, subject = document.office.head, document.subject
    elif isinstance(document, Notice):
        _notice(writer, document)
        author, subject = document.authority, document.number
    else:
        _enclosure(writer, document)
        author, subject = document.authority, document.title
    return _packed(writer.doc, document, author, subject)


# --- the three forms ------------------------------------------------------------------------------------------


def _letter(w: _Writer, letter: Letter) -> None:
    """시행문 (시행규칙 제4조, 별지 제1호서식): 두문, 본문 with its items and 붙임, 결문."""
    w.paragraph(letter.office.ministry, _Type(size=21, bold=True, heading=True), _Shape(align="CENTER"))
    recipient = letter.recipient + (f"({letter.recipient_unit})" if letter.recipient_unit else "")
    w.paragraph(f"수신  {recipient}")
    w.paragraph(f"(경유)  {letter.via or ''}".rstrip())
    w.paragraph(f"제목  {letter.subject}", _Type(bold=True), _Shape(rule=True))
    _items(w, letter.items, 0, closes=not letter.attachments)
    attachments = letter.attachments
    for index, attachment in enumerate(attachments):
        label = "" if len(attachments) == 1 else f"{item_label(index, 0, len(attachments))} "
        tag = "붙임  " if index == 0 else "      "
        end = END_MARK if index == len(attachments) - 1 else ""
        w.paragraph(f"{tag}{label}{with_period(attachment)}{end}")
    w.paragraph("")
    # The seal is left to the document system that dispatches the letter, as on the PDF (models.Letter.seal).
    w.paragraph(letter.office.head, _Type(size=20, bold=True, heading=True), _Shape(align="CENTER"))
    if letter.recipients:
        # 수신자 참조 (시행규칙 제4조제2항제2호나목): the addressees are listed under the 발신 명의.
        w.paragraph(f"수신자  {', '.join(letter.recipients)}", SMALL)
    w.paragraph("")
    w.table([[_box(s) for s in letter.signatures], [s.name for s in letter.signatures]], header=False)
    cooperators = " ".join(f"{_box(s)} {s.name}" for s in letter.cooperators)
    w.paragraph(f"협조자  {cooperators}".rstrip(), SMALL)
    receipt = letter.receipt_number or ""
    w.paragraph(
        f"시행  {letter.enforcement_number} ({dotted(letter.date)})    접수  {receipt}".rstrip(), SMALL
    )
    office = letter.office
    w.paragraph(f"우 {office.postcode}  {office.address}  / {office.homepage}", SMALL)
    w.paragraph(
        f"전화번호 {office.phone}  팩스번호 {office.fax}  / {office.email}  / {letter.disclosure}", SMALL
    )


def _box(signature: Signature) -> str:
    """One signature box's heading: ★ drafter / ⊙ reporter before the 직위, 전결 / 대결 and the date after."""
    marked = signature.mark if signature.mark in ("★", "⊙") else ""
    after = [signature.mark] if signature.mark in ("전결", "대결") else []
    if signature.signed_on:
        after.append(dotted(signature.signed_on))
    return " ".join([marked + signature.title, *after])


def _items(w: _Writer, items: Sequence[Item], depth: int, *, closes: bool) -> None:
    for index, item in enumerate(items):
        last = closes and index == len(items) - 1
        end = END_MARK if last and not item.children else ""
        w.paragraph(f"{item_label(index, depth, len(items))} {item.text}{end}", shape=_Shape(level=depth))
        _items(w, item.children, depth + 1, closes=last)


def _notice(w: _Writer, notice: Notice) -> None:
    """고시: the number, the basis sentence, the date line, the authority (no seal in the 관보), the sections."""
    w.paragraph(notice.number)
    w.paragraph(notice.basis_sentence)
    w.paragraph(spelled(notice.date), shape=_Shape(align="CENTER"))
    w.paragraph(notice.authority, _Type(size=17, bold=True, heading=True), _Shape(align="CENTER"))
    _sections(w, notice.sections)


def _enclosure(w: _Writer, enclosure: Enclosure) -> None:
    """붙임: the heading the letter's 붙임 line names, what it is about, the authority, the sections."""
    w.paragraph(enclosure.title, _Type(size=17, bold=True, heading=True), _Shape(align="CENTER"))
    w.paragraph(enclosure.subject, shape=_Shape(align="CENTER"))
    w.paragraph(enclosure.authority, shape=_Shape(align="RIGHT"))
    _sections(w, enclosure.sections)


def _sections(w: _Writer, sections: Sequence[Section]) -> None:
    for index, section in enumerate(sections):
        w.paragraph(f"{item_label(index, 0, len(sections))} {section.title}", _Type(bold=True))
        for number, line in enumerate(section.lines):
            w.paragraph(f"{item_label(number, 1)} {line.label}: {line.value}", shape=_Shape(level=1))
        if section.table is not None:
            w.table([section.table.columns, *section.table.rows], header=True)
        for paragraph in section.paragraphs:
            w.paragraph(paragraph, shape=_Shape(level=1))


# --- the package ----------------------------------------------------------------------------------------------


def _packed(doc: HwpxDocument, document: Document, author: str, subject: str) -> bytes:
    instant = datetime.combine(date.fromisoformat(document.date), time(), tzinfo=SEOUL).astimezone(UTC)
    stamp = instant.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The blank document's metadata names its own author and date: none of it may reach an official document.
    doc.parts.clear_document_metadata(keep=("language",), timestamp=stamp)
    doc.parts.set_document_metadata(
        title=document.document_title,
        creator=author,
        subject=subject,
        created_date=stamp,
        modified_date=stamp,
    )
    # The stored preview is the blank document's page; one of ours would have to be drawn by 한글.
    doc.parts.clear_preview()
    for number, element in enumerate(
        (e for section in doc.sections for e in section.element.iter() if e.tag in _NUMBERED), start=1
    ):
        element.set("id", str(number))
    for section in doc.sections:
        section.mark_dirty()
    return _dated(doc.to_bytes(), datetime.combine(date.fromisoformat(document.date), time()))


def _dated(package: bytes, when: datetime) -> bytes:
    """The package with every entry dated ``when`` (the document's date), in the same order and compression:
    the mimetype first and stored, as OCF and 한글 expect."""
    out = io.BytesIO()
    stamp = when.timetuple()[:6]
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info))
    return out.getvalue()
