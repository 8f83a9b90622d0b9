"""Official documents as PDF/A-3a: what a reader, an archive and a validator would find in them (issue #4).

Every document kind is rendered once per module (about 0.1 s each with HarfBuzz's subsetter, ~3 s without),
then read back with pypdf: the Korean text of the required items, the embedded fonts, the metadata and the
attached JSON.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pypdf
import pytest
from markupsafe import Markup

from gcworkflow.canonical import canonical_bytes
from gcworkflow.documents.models import Letter, Line, Notice, Section, Table
from gcworkflow.documents.render import (
    FORMS_DIR,
    WORD_JOINER,
    Rendered,
    item_label,
    render,
    render_html,
    words,
)
from tests.documents import samples
from tests.documents.reading import flat, in_order

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[Letter | Notice, Rendered]]:
    documents = {make.__name__: make() for make in (*samples.ALL, samples.pre_rename_letter)}
    return {name: (document, render(document)) for name, document in documents.items()}


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in reader(pdf).pages)


LETTERS = [make.__name__ for make in samples.LETTERS]
NOTICES = [make.__name__ for make in samples.NOTICES]


# --- 시행문 ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LETTERS)
def test_letter_carries_every_part_of_the_form_in_order(rendered, name: str) -> None:
    letter, result = rendered[name]
    text = flat(text_of(result.pdf))
    recipient = letter.recipient + (f"({letter.recipient_unit})" if letter.recipient_unit else "")
    assert in_order(
        text,
        letter.office.ministry,
        "수신" + flat(recipient),
        "(경유)",
        "제목" + flat(letter.subject),
        "1." + flat(letter.items[0].text),
        "끝.",
        flat(letter.office.head),
        "시행" + letter.enforcement_number + "(" + flat(samples_dotted(letter.date)) + ")",
        "접수",
        "우" + letter.office.postcode,
        "전화번호" + letter.office.phone,
        "팩스번호" + letter.office.fax,
        letter.office.email,
        "/" + letter.disclosure,
    ), text
    for signature in letter.signatures:
        assert flat(signature.title) in text and signature.name in text
    assert text.count("끝.") == 1


def samples_dotted(iso: str) -> str:
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}. {month}. {day}."


def test_items_are_numbered_by_depth(rendered) -> None:
    letter, result = rendered["opinion_request"]
    text = flat(text_of(result.pdf))
    third = letter.items[2]
    assert in_order(
        text,
        "1.관련:",
        "2.우리부는",
        "3.같은법",
        "가." + flat(third.children[0].text),
        "나." + flat(third.children[1].text),
        "1)" + flat(third.children[1].children[0].text),
        "2)" + flat(third.children[1].children[1].text),
        "다." + flat(third.children[2].text),
    ), text


def test_several_attachments_are_numbered_and_end_with_the_end_mark(rendered) -> None:
    letter, result = rendered["opinion_request"]
    text = flat(text_of(result.pdf))
    first, second = letter.attachments
    assert in_order(text, "붙임1." + flat(first) + ".", "2." + flat(second) + ".끝.")
    # "끝." one space after the last letter, on the line of the last attachment.
    last_line = next(line for line in text_of(result.pdf).splitlines() if "끝." in line)
    assert re.search(r"1부\.\s+끝\.$", last_line), last_line


def test_a_single_attachment_is_not_numbered(rendered) -> None:
    letter, result = rendered["consultation_request"]
    text = flat(text_of(result.pdf))
    assert "붙임" + flat(letter.attachments[0]) + ".끝." in text
    assert "붙임1." not in text


def test_without_attachments_the_end_mark_follows_the_last_item(rendered) -> None:
    letter, result = rendered["release_notification"]
    text = flat(text_of(result.pdf))
    assert "붙임" not in text
    assert flat(letter.items[-1].text) + "끝." in text


def test_signature_block_marks_drafter_reporter_and_delegated_approval(rendered) -> None:
    text = flat(text_of(rendered["designation_notification"][1].pdf))
    assert in_order(text, "★주무관김하늘", "⊙사무관이도윤", "과장전결2026.10.13.박서연", "협조자사무관최민준")
    text = flat(text_of(rendered["release_notification"][1].pdf))
    assert "서기관대결2029.12.10.정수아" in text


def test_seal_box_only_where_a_seal_goes(rendered) -> None:
    letter, result = rendered["opinion_request"]
    assert "관인" in flat(text_of(result.pdf))
    unsealed = render(letter.model_copy(update={"seal": False}))
    assert "관인" not in flat(text_of(unsealed.pdf))
    for name in NOTICES:  # 관보: no seal (행정업무규정 제14조제3항)
        assert "관인" not in flat(text_of(rendered[name][1].pdf))


def test_authority_is_data_a_pre_rename_letter_prints_the_old_ministry(rendered) -> None:
    letter, result = rendered["pre_rename_letter"]
    assert letter.office.head == "환경부장관"
    text = text_of(result.pdf)
    assert "환경부장관" in flat(text)
    assert "기후에너지환경부" not in text
    assert f"시행 {letter.office.division}-977 (2025. 9. 15.)" in text
    info = reader(result.pdf).metadata
    assert info is not None and info.author == "환경부장관"


# --- 고시 --------------------------------------------------------------------------------------------------------


def test_designation_notice_follows_the_template_of_law_md_4_3(rendered) -> None:
    notice, result = rendered["designation_notice"]
    text = text_of(result.pdf)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    flat_text = flat(text)
    assert lines[0] == notice.number  # first, at the top left (the margin note is painted last)
    # The date line right after the basis sentence, then the authority, then the sections.
    assert in_order(
        flat_text,
        flat(notice.basis_sentence),
        "2026년10월13일",
        "기후에너지환경부장관",
        "1.녹색융합클러스터의명칭ㆍ위치및면적",
    ), flat_text
    assert "2026년 10월 13일" in lines
    # The four items of 시행규칙 제3조, in order, and the place of inspection (법 제9조제4항).
    assert in_order(
        flat_text,
        "1.녹색융합클러스터의명칭ㆍ위치및면적",
        "가.명칭:첨단전자산업자원순환녹색융합클러스터",
        "나.위치:경상북도구미시",
        "다.면적:33,000㎡",
        "2.녹색융합클러스터의지정목적및지정일",
        "3.녹색융합클러스터의조성기간",
        "2026년~2028년",
        "4.녹색융합클러스터의전문운영기관",
        "한국환경산업기술원",
        "6.관련자료의열람",
        "열람장소:기후에너지환경부탈탄소녹색산업혁신과",
        "열람기간:관할시ㆍ도지사가통보받은날부터14일이상",
    ), flat_text


def test_labels_keep_their_spacing_so_they_line_up(rendered) -> None:
    html = render_html(rendered["designation_notice"][0])
    assert '<span class="name">명  칭</span>:' in html
    # Each space of a label is half a Hangul letter wide, so "명  칭" is as wide as "지정일" (gcw.css).
    assert "word-spacing: 0.227em" in (FORMS_DIR / "gcw.css").read_text(encoding="utf-8")


def test_change_notice_prints_before_and_after_in_a_table(rendered) -> None:
    _, result = rendered["change_notice"]
    text = flat(text_of(result.pdf))
    assert in_order(text, "구분변경전변경후", "면적33,000㎡41,500㎡", "조성기간2026년~2028년2026년~2029년")
    assert "법률」제12조제1항및제4항" in text


def test_release_notice(rendered) -> None:
    notice, result = rendered["release_notice"]
    text = flat(text_of(result.pdf))
    assert in_order(text, flat(notice.number), "일부해제하고고시합니다.", "2029년12월10일", "1.해제하는구역")


# --- Korean line breaking ----------------------------------------------------------------------------------------

LONG_BEFORE = (
    "폐반도체ㆍ폐전자부품 유가금속 회수 및 희소금속 정제 재생원료 생산 전자산업 공정 부산물 재활용 실증"
)
LONG_AFTER = "구미 국가산업단지 제4단지 및 제5단지 일원의 연구ㆍ실증동, 기업지원동, 교육ㆍ훈련동과 공동 물류ㆍ폐수처리 시설"
LONG_WORDS = (LONG_BEFORE + " " + LONG_AFTER).split()


def two_long_cells_notice() -> Notice:
    """Two long Korean phrases side by side in a table: each must wrap, and only between words."""
    return samples.designation_notice().model_copy(
        update={
            "sections": (
                Section(
                    title="변경 내용",
                    table=Table(columns=("변경 전", "변경 후"), rows=((LONG_BEFORE, LONG_AFTER),)),
                ),
            )
        }
    )


def cell_lines(pdf: bytes) -> list[str]:
    """The extracted lines of the two cells, between the header row and the margin note. WeasyPrint paints
    one cell after the other, so the left cell's lines come first."""
    lines = text_of(pdf).splitlines()
    start = lines.index("변경 전 변경 후")
    end = next(i for i, line in enumerate(lines) if line.startswith("예시 문서"))
    return lines[start + 1 : end]


def test_words_filter_joins_the_letters_of_korean_words_only() -> None:
    j = WORD_JOINER
    assert words("명칭 <a&b>\n※ 33,000㎡  www.me.go.kr") == Markup(
        f"명{j}칭 &lt;a&amp;b&gt;<br>※ 33,000{j}㎡ www.me.go.kr"
    )
    html = render_html(two_long_cells_notice())
    # Breaks stay possible between words.
    assert j.join("폐반도체ㆍ폐전자부품") + " " + j.join("유가금속") in html


def test_a_long_korean_cell_wraps_between_words_only() -> None:
    pdf = render(two_long_cells_notice()).pdf
    assert WORD_JOINER not in text_of(pdf)  # the joiners leave no trace in the PDF's text
    lines = cell_lines(pdf)
    assert len(lines) >= 4, lines  # both phrases did wrap
    assert [token for line in lines for token in line.split()] == LONG_WORDS, lines


def test_without_the_filter_the_same_cell_breaks_inside_words(tmp_path: Path) -> None:
    """The control for the test above: the check does see a break inside a word when there is one."""
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms)
    template = forms / "_sections.html"  # the notice's sections
    template.write_text(
        template.read_text(encoding="utf-8").replace("{{ cell|words }}", "{{ cell }}"), encoding="utf-8"
    )
    lines = cell_lines(render(two_long_cells_notice(), forms_dir=forms).pdf)
    assert flat("".join(lines)) == flat(LONG_BEFORE + LONG_AFTER)
    assert [token for line in lines for token in line.split()] != LONG_WORDS, lines


# --- fonts ------------------------------------------------------------------------------------------------------


def embedded_fonts(pdf: bytes) -> list[tuple[str, list[str]]]:
    """(BaseFont, the /FontFile keys of its descriptor) of every font of every page."""
    fonts = []
    for page in reader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for descendant in descendants:
                descriptor = descendant["/FontDescriptor"].get_object()
                fonts.append((str(font["/BaseFont"]), [k for k in descriptor if k.startswith("/FontFile")]))
    return fonts


@pytest.mark.parametrize("name", LETTERS + NOTICES)
def test_every_font_is_an_embedded_korean_noto_font(rendered, name: str) -> None:
    fonts = embedded_fonts(rendered[name][1].pdf)
    assert fonts
    for base_font, files in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+Noto(Serif|Sans)KR", base_font), base_font  # no synthetic Bold twin
        assert files, base_font
    families = {base_font.split("+")[1] for base_font, _ in fonts}
    # Notices are set in the serif face only; letters print their 결문 in the sans-serif face.
    assert families == ({"NotoSerifKR"} if name in NOTICES else {"NotoSerifKR", "NotoSansKR"})


def test_a_missing_font_fails_loudly(tmp_path: Path) -> None:
    """Point the stylesheet at font files that do not exist: the render must refuse, not draw empty boxes.

    In a fresh process, so that the fonts the other tests registered in this process's shared font
    configuration cannot stand in for the missing ones.
    """
    forms = tmp_path / "forms"
    shutil.copytree(FORMS_DIR, forms)
    css = forms / "gcw.css"
    css.write_text(
        css.read_text(encoding="utf-8")
        .replace("{{ serif_url }}", (tmp_path / "missing-serif.otf").as_uri())
        .replace("{{ sans_url }}", (tmp_path / "missing-sans.otf").as_uri())
        .replace('"NotoSerifKR"', '"MissingSerif"')
        .replace('"NotoSansKR"', '"MissingSans"'),
        encoding="utf-8",
    )
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from gcworkflow.documents.render import FontNotEmbedded, render
        from tests.documents.samples import designation_notice
        try:
            render(designation_notice(), forms_dir=Path({str(forms)!r}))
        except FontNotEmbedded as error:
            print("refused:", error)
        else:
            print("rendered")
        """
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("refused:"), done.stdout
    assert "Noto Serif KR / Noto Sans KR 글꼴이 아닙니다" in done.stdout


# --- PDF/A-3a, metadata, attachment (the structure tree: test_accessible_pdf.py) ---------------------------------


@pytest.mark.parametrize("name", ["designation_notice", "opinion_request"])
def test_pdf_a_3a_metadata_and_the_attached_json(rendered, name: str) -> None:
    document, result = rendered[name]
    pdf = reader(result.pdf)
    catalog = pdf.trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="A"' in xmp
    assert "<xmp:CreateDate>" + document.date + "T00:00:00+09:00</xmp:CreateDate>" in xmp
    assert "<xmp:ModifyDate>" + document.date + "T00:00:00+09:00</xmp:ModifyDate>" in xmp
    intents = catalog["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert catalog["/Lang"] == "ko"
    assert pdf.trailer["/ID"]

    info = pdf.metadata
    assert info is not None
    assert info.title == document.document_title
    compact = document.date.replace("-", "")
    assert info["/CreationDate"] == info["/ModDate"] == f"D:{compact}000000+09'00"

    names = catalog["/Names"]["/EmbeddedFiles"]["/Names"]
    assert names[0] == f"{document.kind}.json"
    spec = names[1].get_object()
    assert spec["/AFRelationship"] == "/Data"
    assert [ref.idnum for ref in catalog["/AF"]] == [names[1].idnum]
    embedded = spec["/EF"]["/F"].get_object()
    assert embedded.get_data() == result.data_json == canonical_bytes(document.model_dump(mode="json"))
    assert embedded["/Subtype"] == "/application/json"  # pypdf decodes the name's #2f
    # The document's date at 00:00 in Seoul, written in UTC as PDF file dates are.
    assert embedded["/Params"]["/ModDate"] == embedded["/Params"]["/CreationDate"]
    assert embedded["/Params"]["/ModDate"].endswith("150000Z")


def test_rendered_describes_its_pdf(rendered) -> None:
    import hashlib

    document, result = rendered["designation_notice"]
    assert result.sha256 == hashlib.sha256(result.pdf).hexdigest()
    assert (result.title, result.kind) == (document.document_title, "designation_notice")
    assert result.pdf.startswith(b"%PDF-1.7")
    assert len(result.pdf) < 250 * 1024


def test_the_same_data_gives_the_same_bytes(rendered) -> None:
    for name in ("designation_notice", "designation_notification"):
        document, first = rendered[name]
        assert render(document).pdf == first.pdf


def test_illustrative_documents_say_so_in_the_margin(rendered) -> None:
    notice, result = rendered["designation_notice"]
    note = "예시 문서 — 실제 고시·공문이 아님"
    pages = reader(result.pdf).pages
    assert len(pages) == 2 and all(note in page.extract_text() for page in pages)
    real = render(notice.model_copy(update={"illustrative": False}))
    assert "예시 문서" not in text_of(real.pdf)


# --- symbols, and what importing costs ---------------------------------------------------------------------------


def test_item_symbols_by_depth() -> None:
    symbols = ["1.", "가.", "1)", "가)", "(1)", "(가)", "①", "㉮"]
    assert [item_label(0, depth) for depth in range(8)] == symbols
    assert [item_label(i, 1) for i in (1, 13, 14)] == ["나.", "하.", "거."]
    assert item_label(19, 6) == "⑳" and item_label(20, 6) == "㉑"
    assert item_label(8, 0, count=12) == "\u20029." and item_label(9, 0, count=12) == "10."
    with pytest.raises(ValueError, match="8단계까지"):
        item_label(0, 8)
    with pytest.raises(ValueError, match="14개까지"):
        item_label(14, 7)


def test_importing_the_package_does_not_import_weasyprint() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, gcworkflow.documents, gcworkflow.documents.render; print('weasyprint' in sys.modules)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "False", done.stderr


def test_line_labels_are_data() -> None:
    # A label the template has never seen is printed as given, spaces included.
    notice = samples.designation_notice().model_copy(
        update={"sections": (Section(title="기타", lines=(Line(label="비  고", value="없음"),)),)}
    )
    assert f'<span class="name">비  고</span>: 없{WORD_JOINER}음' in render_html(notice)
