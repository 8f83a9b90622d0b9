"""The HWPX twins (documents/hwpx.py) of every sample document: built from the model, passed by python-hwpx's
two validators, read back by its reader (the text of every item, the number, the date line, the tables), and
the same bytes for the same document. No 한컴오피스 here: nothing checks how 한글 lays the pages out."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from hwpx import HwpxDocument
from hwpx.tools.package_validator import validate_package
from hwpx.tools.text_extractor import TextExtractor
from hwpx.tools.validator import validate_document

from gcworkflow.documents.hwpx import BODY_FONT, HEADING_FONT, ILLUSTRATIVE_NOTE, MEDIA_TYPE, build
from gcworkflow.documents.models import Enclosure, Item, Letter, Notice
from gcworkflow.documents.render import dotted, item_label, spelled
from gcworkflow.documents.sniff import media_type
from tests.documents import samples

SAMPLES = {make.__name__: make for make in (*samples.ALL, samples.pre_rename_letter)}


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    return {name: build(make()) for name, make in SAMPLES.items()}


def _text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return TextExtractor(archive).extract_text()


def _lines(data: bytes) -> list[str]:
    return _text(data).split("\n")


def _labelled(items: tuple[Item, ...], depth: int = 0) -> list[str]:
    lines = []
    for index, item in enumerate(items):
        lines.append(f"{item_label(index, depth, len(items))} {item.text}")
        lines += _labelled(item.children, depth + 1)
    return lines


@pytest.mark.parametrize("name", SAMPLES)
def test_both_validators_of_python_hwpx_pass_it(built, name):
    """validate_document: header and section XML against the bundled schemas and the full OWPML schema (KS X
    6101, less the deviations 한글's own files carry) and manifest drift; validate_package: the ZIP, a stored
    first "mimetype" entry, the required parts, container and manifest references, and the structures
    python-hwpx found 한글 refuses to open. The package validator warns about the library's blank document too
    (its manifest names no version part): nothing beyond that."""
    data = built[name]
    assert validate_document(data).issues == ()
    blank = {issue.message for issue in validate_package(HwpxDocument.new().to_bytes()).issues}
    report = validate_package(data)
    assert report.ok
    assert {issue.message for issue in report.issues} <= blank
    assert media_type(data) == MEDIA_TYPE


@pytest.mark.parametrize("name", SAMPLES)
def test_the_same_document_gives_the_same_bytes_dated_by_the_document(built, name):
    document = SAMPLES[name]()
    assert build(document) == built[name]
    day = date.fromisoformat(document.date)
    with zipfile.ZipFile(io.BytesIO(built[name])) as archive:
        infos = archive.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert {info.date_time for info in infos} == {(day.year, day.month, day.day, 0, 0, 0)}
        package = archive.read("Contents/content.hpf").decode()
        sections = archive.read("Contents/section0.xml").decode()
    # Ids numbered in document order, not drawn at random as python-hwpx draws them.
    ids = [int(i) for i in re.findall(r'<hp:(?:p|tbl) [^>]*?\bid="(\d+)"', sections)]
    assert sorted(ids) == list(range(1, len(ids) + 1))
    assert f"<opf:title>{document.document_title}</opf:title>" in package
    # Nothing of the blank document python-hwpx starts from: its author, its dates.
    assert "synthetic-fixture-author" not in package and "2025-09-17" not in package


@pytest.mark.parametrize("name", SAMPLES)
def test_every_run_is_set_in_hancom_fonts(built, name):
    opened = HwpxDocument.open(built[name])
    faces = {
        opened.styles.font_face(run.char_pr_id_ref, lang)
        for paragraph in _all_paragraphs(opened)
        for run in paragraph.runs
        for lang in ("HANGUL", "LATIN")
    }
    assert faces <= {BODY_FONT, HEADING_FONT} and BODY_FONT in faces


def _all_paragraphs(opened: HwpxDocument) -> list:
    paragraphs = []
    for paragraph in opened.paragraphs:
        paragraphs.append(paragraph)
        for table in paragraph.tables:
            for row in range(table.row_count):
                for column in range(table.column_count):
                    paragraphs += table.cell(row, column).paragraphs
    return paragraphs


@pytest.mark.parametrize("name", [make.__name__ for make in samples.LETTERS] + ["pre_rename_letter"])
def test_a_letter_reads_back_with_every_part_of_the_form(built, name):
    letter = SAMPLES[name]()
    assert isinstance(letter, Letter)
    lines, text = _lines(built[name]), _text(built[name])
    assert letter.office.ministry in lines
    recipient = letter.recipient + (f"({letter.recipient_unit})" if letter.recipient_unit else "")
    assert f"수신  {recipient}" in lines
    assert f"제목  {letter.subject}" in lines
    for line in _labelled(letter.items):
        assert line in text, line
    for attachment in letter.attachments:
        assert attachment in text
    assert text.count("끝.") == 1
    assert letter.office.head in lines
    if letter.recipients:
        assert f"수신자  {', '.join(letter.recipients)}" in lines
    assert f"시행  {letter.enforcement_number} ({dotted(letter.date)})" in text
    assert f"우 {letter.office.postcode}" in text and letter.office.homepage in text
    assert letter.office.phone in text and letter.office.fax in text and letter.office.email in text
    assert lines[-1].endswith(letter.disclosure)
    # The signature boxes: a real table, 직위 (with ★ ⊙ 전결 대결 and the date) over the names.
    (table,) = [t for p in HwpxDocument.open(built[name]).paragraphs for t in p.tables]
    assert (table.row_count, table.column_count) == (2, len(letter.signatures))
    names = [table.cell(1, c).text for c in range(table.column_count)]
    assert names == [s.name for s in letter.signatures]
    heads = [table.cell(0, c).text for c in range(table.column_count)]
    for head, signature in zip(heads, letter.signatures, strict=True):
        assert signature.title in head
        assert (signature.mark or "") in head
        if signature.signed_on:
            assert dotted(signature.signed_on) in head
    assert (ILLUSTRATIVE_NOTE in lines) == letter.illustrative


@pytest.mark.parametrize("name", [make.__name__ for make in samples.NOTICES + samples.ENCLOSURES])
def test_a_notice_or_an_enclosure_reads_back_with_its_sections_and_tables(built, name):
    document = SAMPLES[name]()
    assert isinstance(document, Notice | Enclosure)
    lines, text = _lines(built[name]), _text(built[name])
    if isinstance(document, Notice):
        assert lines[1:5] == [
            document.number,
            document.basis_sentence,
            spelled(document.date),
            document.authority,
        ]
    else:
        assert lines[1:4] == [document.title, document.subject, document.authority]
    tables = iter(t for p in HwpxDocument.open(built[name]).paragraphs for t in p.tables)
    for index, section in enumerate(document.sections):
        assert f"{item_label(index, 0, len(document.sections))} {section.title}" in lines
        for number, line in enumerate(section.lines):
            assert f"{item_label(number, 1)} {line.label}: {line.value}" in text
        for paragraph in section.paragraphs:
            assert paragraph in text
        if section.table is not None:
            table = next(tables)
            rows = [section.table.columns, *section.table.rows]
            assert (table.row_count, table.column_count) == (len(rows), len(section.table.columns))
            assert [
                tuple(table.cell(r, c).text for c in range(table.column_count))
                for r in range(table.row_count)
            ] == [tuple(row) for row in rows]
    assert next(tables, None) is None
    assert (ILLUSTRATIVE_NOTE in lines) == document.illustrative
