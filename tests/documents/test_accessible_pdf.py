"""Accessible archival PDFs: every sample document is tagged PDF/A-3a, and its structure tree — what a screen
reader reads — is read back with pypdf (issue #17; 장애인차별금지법 제20조·제21조).

The text of each structure element comes from the page's marked content: pypdf's text extraction reports
the marked-content operators (BDC/BMC/EMC) before it reports the text they hold, so each piece of text is
credited to the MCID it was drawn under. No veraPDF or PAC here: these tests are the checks that were made.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pypdf
import pytest

from gcworkflow.documents.models import Document, Enclosure, Item, Letter, Notice
from gcworkflow.documents.render import Rendered, item_label, render
from tests.documents import samples
from tests.documents.reading import flat, in_order

NAMES = [make.__name__ for make in samples.ALL]


@dataclass
class Element:
    """A structure element: its type, attributes, and its kids (elements, or the text of an MCID)."""

    kind: str
    raw: Any
    kids: list[Element | str] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()

    def text(self) -> str:
        return "".join(kid if isinstance(kid, str) else kid.text() for kid in self.kids)

    def all(self, kind: str) -> list[Element]:
        return [element for element in self.walk() if element.kind == kind]


@dataclass
class Tagged:
    document: Document
    rendered: Rendered
    reader: pypdf.PdfReader
    root: Element  # the /Document element
    page_texts: list[dict[int | str, str]]  # per page: MCID (or "/Artifact", "unmarked") → text
    reachable_mcids: set[tuple[int, int]]


def marked_texts(page: pypdf.PageObject) -> dict[int | str, str]:
    stack: list[int | str] = []
    texts: dict[int | str, str] = {}

    def before(operator: bytes, operands: list, _cm: Any, _tm: Any) -> None:
        if operator == b"BDC":
            properties = operands[1]
            stack.append(properties["/MCID"] if "/MCID" in properties else str(operands[0]))
        elif operator == b"BMC":
            stack.append(str(operands[0]))
        elif operator == b"EMC":
            stack.pop()

    def text(content: str, *_: Any) -> None:
        if content.strip():
            key = stack[-1] if stack else "unmarked"
            texts[key] = texts.get(key, "") + content

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return texts


def read_tagged(document: Document, rendered: Rendered) -> Tagged:
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    page_texts = [marked_texts(page) for page in reader.pages]
    reachable: set[tuple[int, int]] = set()

    def build(raw: Any) -> Element:
        element = Element(str(raw["/S"]), raw)
        kids = raw.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if isinstance(kid, int):
                page = pages[raw.raw_get("/Pg").idnum]
                reachable.add((page, kid))
                element.kids.append(page_texts[page].get(kid, ""))
            elif kid.get_object().get("/Type") == "/StructElem":
                element.kids.append(build(kid.get_object()))
        return element

    tree_root = reader.trailer["/Root"]["/StructTreeRoot"]
    (top,) = tree_root["/K"] if isinstance(tree_root["/K"], list) else [tree_root["/K"]]
    return Tagged(document, rendered, reader, build(top.get_object()), page_texts, reachable)


@pytest.fixture(scope="module")
def tagged() -> dict[str, Tagged]:
    documents = {make.__name__: make() for make in samples.ALL}
    return {name: read_tagged(document, render(document)) for name, document in documents.items()}


# --- the catalog and the XMP ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_tagged_pdf_a_3a_in_korean_with_its_title_shown(tagged, name: str) -> None:
    case = tagged[name]
    catalog = case.reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert catalog["/Lang"] == "ko"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert case.root.kind == "/Document"
    assert all(page["/Tabs"] == "/S" for page in case.reader.pages)  # tab order follows the structure

    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    # PDF/A-3 predefines no pdfuaid schema: its extension schema must be declared beside it.
    assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>" in xmp
    title = re.search(r"<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">(.*?)</rdf:li>", xmp)
    assert title and title.group(1) == case.document.document_title
    assert case.reader.metadata is not None and case.reader.metadata.title == case.document.document_title

    # The data stay attached as PDF/A-3 asks, tagging or not.
    names = catalog["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == f"{case.document.kind}.json"
    assert names[1].get_object()["/EF"]["/F"].get_object().get_data() == case.rendered.data_json


# --- everything is either in the tree or an artifact ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_all_text_is_in_the_tree_or_an_artifact_and_no_element_is_empty(tagged, name: str) -> None:
    case = tagged[name]
    for page, texts in enumerate(case.page_texts):
        assert "unmarked" not in texts, texts["unmarked"]
        for key in texts:
            if isinstance(key, int):
                assert (page, key) in case.reachable_mcids, (page, key, texts[key])
        # The page number and the margin note are page furniture, not read as content.
        artifacts = flat(texts.get("/Artifact", ""))
        assert f"-{page + 1}-" in artifacts
        assert ("예시문서" in artifacts) == case.document.illustrative
    tree_text = flat(case.root.text())
    assert "예시문서" not in tree_text and "-1-" not in tree_text
    empty = [element.kind for element in case.root.walk() if not element.kids]
    assert empty == [], empty  # a screen reader would announce an empty group


# --- headings -------------------------------------------------------------------------------------------------------


def heading(document: Document) -> str:
    if isinstance(document, Letter):
        return "제목" + document.subject
    if isinstance(document, Notice):
        return document.number
    return document.title


@pytest.mark.parametrize("name", NAMES)
def test_headings(tagged, name: str) -> None:
    case = tagged[name]
    (h1,) = case.root.all("/H1")
    assert flat(h1.text()) == flat(heading(case.document))
    h2 = [flat(element.text()) for element in case.root.all("/H2")]
    if isinstance(case.document, Letter):
        assert h2 == []
    else:
        count = len(case.document.sections)
        assert h2 == [
            flat(item_label(index, 0, count) + section.title)
            for index, section in enumerate(case.document.sections)
        ]
    kinds = [element.kind for element in case.root.walk()]
    assert "/H2" not in kinds[: kinds.index("/H1")]  # no section before the document's heading


# --- lists ----------------------------------------------------------------------------------------------------------


def expected_labels(document: Document) -> list[str]:
    """The symbols of every numbered line, in reading order."""
    if isinstance(document, Letter):

        def items(entries: tuple[Item, ...], depth: int) -> list[str]:
            labels = []
            for index, item in enumerate(entries):
                labels.append(item_label(index, depth, len(entries)))
                labels += items(item.children, depth + 1)
            return labels

        attachments = document.attachments
        return items(document.items, 0) + (
            [item_label(index, 0, len(attachments)) for index in range(len(attachments))]
            if len(attachments) > 1
            else []
        )
    sections: tuple = document.sections
    return [item_label(index, 1) for section in sections for index in range(len(section.lines))]


@pytest.mark.parametrize("name", NAMES)
def test_numbered_lines_are_list_items_with_their_symbol_as_label(tagged, name: str) -> None:
    case = tagged[name]
    items = case.root.all("/LI")
    for item in items:
        kinds = [kid.kind for kid in item.kids if isinstance(kid, Element)]
        assert kinds in (["/Lbl", "/LBody"], ["/LBody"]), kinds  # ["/LBody"]: an item's part on a next page
        assert all(isinstance(kid, Element) for kid in item.kids)
    for element in case.root.walk():
        kids = [kid.kind for kid in element.kids if isinstance(kid, Element)]
        if element.kind == "/L":
            assert set(kids) <= {"/LI", "/L"}, kids
        if "/Lbl" in kids or "/LBody" in kids:
            assert element.kind == "/LI"
    labels = [flat(label.text()) for label in case.root.all("/Lbl")]
    assert labels == [flat(label) for label in expected_labels(case.document)]
    bodies = [flat(item.kids[-1].text()) for item in items if isinstance(item.kids[-1], Element)]
    if isinstance(case.document, Letter):
        assert bodies[0] == flat(case.document.items[0].text)
    elif any(section.lines for section in case.document.sections):
        first = next(section.lines[0] for section in case.document.sections if section.lines)
        assert bodies[0] == flat(f"{first.label}:{first.value}")


# --- tables ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_tables_have_header_cells_that_their_data_cells_name(tagged, name: str) -> None:
    case = tagged[name]
    tables = case.root.all("/Table")
    expected = [section.table for section in getattr(case.document, "sections", ()) if section.table]
    if not expected:
        assert tables == []
        return
    assert tables
    headers = [flat(cell.text()) for table in tables for cell in table.all("/TH")]
    for table in expected:
        assert [flat(column) for column in table.columns] == headers[: len(table.columns)]
        headers = headers[len(table.columns) :]
    for table in tables:
        ids = {str(cell.raw["/ID"]) for cell in table.all("/TH")}
        assert ids
        for cell in table.all("/TD"):
            names = cell.raw["/A"]["/Headers"]
            assert names and {str(name) for name in names} <= ids
        rows = table.all("/TR")
        assert rows and all(
            {kid.kind for kid in row.kids if isinstance(kid, Element)} <= {"/TH", "/TD"} for row in rows
        )


# --- the seal -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_seal_has_an_alternative_text_where_it_goes(tagged, name: str) -> None:
    case = tagged[name]
    figures = case.root.all("/Figure")
    if isinstance(case.document, Letter) and case.document.seal:
        (figure,) = figures
        assert figure.raw["/Alt"] == "관인 자리"
        # The figure stands in the 발신 명의's paragraph, after the name.
        sender = next(element for element in case.root.all("/P") if figure in list(element.walk()))
        assert flat(sender.text()).startswith(flat(case.document.office.head))
    else:
        assert figures == []  # 관보: no seal (행정업무규정 제14조제3항)


def test_a_letter_without_a_seal_has_no_figure() -> None:
    letter = samples.opinion_request().model_copy(update={"seal": False})
    assert read_tagged(letter, render(letter)).root.all("/Figure") == []


# --- reading order --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_tree_reads_in_the_order_of_the_form(tagged, name: str) -> None:
    case = tagged[name]
    text = flat(case.root.text())
    document = case.document
    if isinstance(document, Letter):
        order = [
            document.office.ministry,
            "수신",
            "제목" + document.subject,
            "1." + document.items[0].text,
            "끝.",
            document.office.head,
            "시행" + document.enforcement_number,
            "접수",
            "우" + document.office.postcode,
            "전화번호" + document.office.phone,
        ]
        if document.attachments:
            order.insert(order.index("끝."), "붙임")
        if document.seal:  # the seal's box reads as its alternative text, after the name
            order.insert(order.index(document.office.head) + 1, "관인")
    elif isinstance(document, Notice):
        order = [document.number, document.basis_sentence, document.authority]
        order += [section.title for section in document.sections]
    else:
        assert isinstance(document, Enclosure)
        order = [document.title] + [section.title for section in document.sections] + [document.authority]
    assert in_order(text, *(flat(part) for part in order)), text


def long_letter() -> Letter:
    """Twelve items (two-digit numbers), one nested to the eighth depth, ten attachments: two pages."""
    deep = Item(text="여덟째 단계 항목")
    for _ in range(7):
        deep = Item(text="하위 항목의 내용을 적습니다", children=(deep,))
    items = tuple(
        Item(text=f"{n}번째 항목: 조성계획의 세부 내용을 검토하여 주시기 바랍니다.") for n in range(1, 12)
    )
    return samples.opinion_request().model_copy(
        update={
            "items": (*items, deep),
            "attachments": tuple(f"참고 자료 {n} 1부" for n in range(1, 11)),
        }
    )


def test_a_long_letter_keeps_its_lists_and_labels_across_pages() -> None:
    letter = long_letter()
    case = read_tagged(letter, render(letter))
    assert len(case.reader.pages) == 2
    test_numbered_lines_are_list_items_with_their_symbol_as_label({"long": case}, "long")
    test_all_text_is_in_the_tree_or_an_artifact_and_no_element_is_empty({"long": case}, "long")
    test_the_tree_reads_in_the_order_of_the_form({"long": case}, "long")
    labels = [flat(label.text()) for label in case.root.all("/Lbl")]
    assert labels[:12] == [f"{n}." for n in range(1, 13)]  # the en space of " 9." is not text
    assert labels[12:19] == ["가.", "1)", "가)", "(1)", "(가)", "①", "㉮"]
