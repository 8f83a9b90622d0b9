"""Official documents as archival PDFs: Jinja2 (forms/) → HTML → WeasyPrint tagged PDF/A-3a (issues #4, #17).

Each PDF carries the canonical JSON of its document as an embedded file, so an archive or another system can
read the content back without OCR. It is tagged (PDF/A-3a, identified as PDF/UA-1 too): a structure tree in
Korean with headings, lists, tables and the seal's alternative text, built by WeasyPrint from the templates'
HTML elements and mended by :mod:`gcworkflow.documents.pdf_tags` (장애인차별금지법 제20조·제21조). The same
document gives the same bytes: every date WeasyPrint would take from the clock is fixed from the document's
own date.

WeasyPrint is imported inside the functions that need it (DESIGN.md §1): importing it costs about half a
second and loads Pango, which the engine, the CLI and the tests that never render must not pay for.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import os
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from gcworkflow.canonical import canonical_bytes
from gcworkflow.documents import pdf_tags
from gcworkflow.documents.models import Letter, Notice

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

__all__ = [
    "FORMS_DIR",
    "PDF_VARIANT",
    "WORD_JOINER",
    "FontNotEmbedded",
    "Rendered",
    "item_label",
    "pdf_engine",
    "render",
    "render_html",
    "words",
]

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
SEOUL = ZoneInfo("Asia/Seoul")

# Tagged (level A: logical structure, language, Unicode text), so a screen reader can read it; bench/documents.py
# renders its one-line baseline with the same variant.
PDF_VARIANT = "pdf/a-3a"

# The JSON is the data the printed page was derived from: ISO 32000-2 §14.13 calls that /Data. It is not the
# /Source (the page is made from it plus a template, not converted from it) nor an /Alternative (the PDF is
# the authoritative document; the JSON has no layout and is not a rendition a reader could use instead).
ATTACHMENT_RELATIONSHIP = "Data"

# PostScript names inside the font programs of pylopdf-fonts-ko: their presence in every embedded font proves
# the glyphs came from those files, whatever family name the stylesheet gave them.
KOREAN_FONT_NAMES = (b"NotoSerifKR", b"NotoSansKR")

STREAM_COMPRESSION = 6  # zlib's default; see _compress_streams
WORD_JOINER = "\u2060"
EN_SPACE = "\u2002"

# Labels of body items by depth (행정업무의 운영 및 혁신에 관한 규정 시행규칙 제2조제1항).
_HANGUL_SERIES = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허"
_CIRCLED_NUMBERS = (
    [chr(0x2460 + i) for i in range(20)]  # ①–⑳
    + [chr(0x3251 + i) for i in range(15)]  # ㉑–㉟
    + [chr(0x32B1 + i) for i in range(15)]  # ㊱–㊿
)
_CIRCLED_HANGUL = [chr(0x326E + i) for i in range(14)]  # ㉮–㉻
_LABELS: tuple[tuple[str, Sequence[str] | None], ...] = (
    ("{}.", None),  # 1.
    ("{}.", _HANGUL_SERIES),  # 가.
    ("{})", None),  # 1)
    ("{})", _HANGUL_SERIES),  # 가)
    ("({})", None),  # (1)
    ("({})", _HANGUL_SERIES),  # (가)
    ("{}", _CIRCLED_NUMBERS),  # ①
    ("{}", _CIRCLED_HANGUL),  # ㉮
)

# One render at a time per process: the shared FontConfiguration wraps Pango and fontconfig objects that
# WeasyPrint does not guard against concurrent use, and a web server renders from worker threads.
_LOCK = threading.Lock()


class FontNotEmbedded(RuntimeError):
    """The PDF would show empty boxes: a font other than the Korean Noto fonts was used, or not embedded.

    WeasyPrint falls back silently when a font cannot be loaded, and the text still extracts, so nothing else
    would notice (DESIGN.md §3).
    """


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    sha256: str
    title: str
    kind: str
    data_json: bytes  # the canonical JSON embedded in the PDF as <kind>.json


# --- template filters ---------------------------------------------------------------------------------------


def item_label(index: int, depth: int, count: int = 1) -> str:
    """The symbol of the ``index``-th (0-based) of ``count`` items at ``depth`` (0-based): 1. 가. 1) 가) (1) (가) ① ㉮.

    In a list of ten or more, one-digit numbers get a leading en space (U+2002, about a digit wide in Noto
    Serif KR) so that " 9." and "10." end at the same place and the hanging indent of the list (the `wide`
    class of forms/gcw.css) fits every item.
    """
    if not 0 <= depth < len(_LABELS):
        raise ValueError(
            f"항목 기호는 {len(_LABELS)}단계까지입니다 (1. 가. 1) 가) (1) (가) ① ㉮): {depth + 1}단계"
        )
    pattern, series = _LABELS[depth]
    if series is None:
        number = str(index + 1)
        return pattern.format(EN_SPACE + number if count >= 10 and index < 9 else number)
    if index >= len(series):
        raise ValueError(f"{depth + 1}단계 항목은 {len(series)}개까지 표시할 수 있습니다: {index + 1}번째")
    return pattern.format(series[index])


def words(text: str) -> Markup:
    """HTML-escape ``text`` so that its lines break only between words, never inside a Korean word.

    WeasyPrint lacks ``word-break: keep-all`` (DESIGN.md §3) and otherwise breaks Korean between any two
    syllables. A WORD JOINER (U+2060) goes between the letters of each word that holds a wide (Korean, CJK)
    character, which forbids a break there (UAX #14, LB11). It is a default-ignorable character: Pango draws
    nothing for it and the PDF's text has no trace of it. Per-word ``white-space: nowrap`` spans give the same
    lines but cost WeasyPrint ~0.3 ms per word: a notice took 170–220 ms with them, 110 ms with joiners
    (bench/README.md).
    Whitespace runs collapse to one space; line breaks in the text are kept as ``<br>``.
    """
    return Markup("<br>").join(
        Markup(" ").join(escape(_joined(word)) for word in line.split()) for line in str(text).split("\n")
    )


def _joined(word: str) -> str:
    letters = [word[0]]
    for before, letter in itertools.pairwise(word):
        if _wide(before) or _wide(letter):
            letters.append(WORD_JOINER)
        letters.append(letter)
    return "".join(letters)


def _wide(letter: str) -> bool:
    return unicodedata.east_asian_width(letter) in ("W", "F")


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def dotted(iso: str) -> str:
    """Dates in a letter: 2026-03-05 → "2026. 3. 5." (행정업무의 운영 및 혁신에 관한 규정 제7조제5항)."""
    d = _day(iso)
    return f"{d.year}. {d.month}. {d.day}."


def spelled(iso: str) -> str:
    """The date line of a notice: 2026-10-13 → "2026년 10월 13일" (law.md §4.1)."""
    d = _day(iso)
    return f"{d.year}년 {d.month}월 {d.day}일"


def _midnight_in_seoul(iso: str) -> datetime:
    return datetime.combine(_day(iso), datetime.min.time(), tzinfo=SEOUL)


def w3c_instant(iso: str) -> str:
    """The document's date as the instant the metadata records: 00:00 in Seoul, "2026-03-05T00:00:00+09:00"."""
    return _midnight_in_seoul(iso).isoformat()


def with_period(text: str) -> str:
    """An attachment line ends with a period: "조성계획(요약) 1부" → "조성계획(요약) 1부."."""
    return text if text.endswith(".") else f"{text}."


# --- environment, fonts, stylesheet -------------------------------------------------------------------------


@cache
def _environment(forms_dir: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(forms_dir),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(words=words, dotted=dotted, spelled=spelled, w3c=w3c_instant, period=with_period)
    env.globals["item_label"] = item_label
    return env


@cache
def _font_config() -> FontConfiguration:
    """The one FontConfiguration of the process (DESIGN.md §3): each new one reloads and rescans the fonts."""
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint copies the font files (12 MB) into a temporary folder that the configuration removes when it
    # is collected; collected during the interpreter's teardown it fails and leaves the folder behind.
    atexit.register(_release_fonts)
    return FontConfiguration()


def _release_fonts() -> None:
    _stylesheet.cache_clear()
    _font_config.cache_clear()


@cache
def _stylesheet(forms_dir: Path) -> CSS:
    """forms/gcw.css with the font files' absolute URLs filled in, parsed once per process.

    The fonts come from the pylopdf-fonts-ko package, so a fresh machine needs no system font.
    """
    import pylopdf_fonts_ko
    from weasyprint import CSS

    text = (
        _environment(forms_dir)
        .get_template("gcw.css")
        .render(
            serif_url=pylopdf_fonts_ko.serif_path().resolve().as_uri(),
            sans_url=pylopdf_fonts_ko.sans_path().resolve().as_uri(),
        )
    )
    return CSS(string=text, base_url=forms_dir.as_uri() + "/", font_config=_font_config())


# --- rendering ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfEngine:
    """What renders the PDFs here: WeasyPrint's version, and whether it found HarfBuzz's subsetter
    (``"missing"``, ``"old"``: below 4.1, which WeasyPrint does not use), which makes a page 0.1 s, not 2-3 s."""

    version: str
    subsetter: str


def pdf_engine() -> PdfEngine:
    """Load WeasyPrint as rendering would and say what it found (``gcw doctor``); raises what loading raises."""
    import weasyprint
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is None:
        subsetter = "missing"
    else:
        subsetter = "ok" if harfbuzz.hb_version_atleast(4, 1, 0) else "old"
    return PdfEngine(weasyprint.__version__, subsetter)


def render_html(document: Letter | Notice, *, forms_dir: Path | None = None) -> str:
    """The HTML that becomes the PDF: forms/<kind>.html filled with the document."""
    forms = (forms_dir or FORMS_DIR).resolve()
    return _environment(forms).get_template(f"{document.kind}.html").render(doc=document)


def render(document: Letter | Notice, *, forms_dir: Path | None = None) -> Rendered:
    """Render a document as tagged PDF/A-3a with its canonical JSON attached as ``<kind>.json``.

    ``forms_dir`` overrides the templates' folder (tests). Raises :class:`FontNotEmbedded` when the PDF would
    not show its Korean text.
    """
    from weasyprint import HTML, Attachment

    forms = (forms_dir or FORMS_DIR).resolve()
    html = render_html(document, forms_dir=forms)
    data_json = canonical_bytes(document.model_dump(mode="json"))
    # PDF dates in an embedded file's parameters are written as UTC ("D:…Z"), so give WeasyPrint the instant
    # in UTC; the info dictionary and the XMP get the same instant from the <meta> tags of the template.
    stamp = _midnight_in_seoul(document.date).astimezone(UTC).replace(tzinfo=None)
    with _LOCK, _font_timestamps(stamp):
        stylesheet = _stylesheet(forms)
        font_config = _font_config()
        # A new Attachment each time: WeasyPrint records the file's checksum on it while writing.
        attachment = Attachment(
            string=data_json,
            name=f"{document.kind}.json",
            description=f"{document.document_title} (구조화 데이터, JSON)",
            created=stamp,
            modified=stamp,
            relationship=ATTACHMENT_RELATIONSHIP,
        )
        pdf = HTML(string=html, base_url=forms.as_uri() + "/").write_pdf(
            stylesheets=[stylesheet],
            font_config=font_config,
            pdf_variant=PDF_VARIANT,
            attachments=[attachment],
            finisher=_finish,
        )
    return Rendered(
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        title=document.document_title,
        kind=document.kind,
        data_json=data_json,
    )


@contextmanager
def _font_timestamps(stamp: datetime) -> Iterator[None]:
    """Without HarfBuzz's subsetter WeasyPrint subsets fonts with fontTools, which stamps each subset's 'head'
    table with the current time unless SOURCE_DATE_EPOCH is set: set it to the document's date meanwhile, so
    that the fallback's PDFs are reproducible too. A value already set by the environment wins."""
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    os.environ["SOURCE_DATE_EPOCH"] = str(int(stamp.replace(tzinfo=UTC).timestamp()))
    try:
        yield
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]


def _finish(_document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher hook, run on its object tree after the PDF/A pass and before writing."""
    import pydyf

    _check_fonts(pdf)
    pdf_tags.mend(pdf)
    # WeasyPrint 70 lists each attachment twice in the catalog's /AF (once from the name tree, once from the
    # file specification itself); one reference is what PDF/A-3 asks for.
    if "AF" in pdf.catalog:
        pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
    _compress_streams(pdf, pydyf)


def _compress_streams(pdf: Any, pydyf: Any) -> None:
    """Deflate the streams WeasyPrint marked for compression at zlib's default level, not pydyf's level 9: a
    notice renders ~20 ms (17 %) faster for 0.4 % more bytes (bench/documents.py). The same streams are
    compressed with the same filter, so the PDF is as valid, and as reproducible, as before."""
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Stream) and obj.compress:
            raw = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
            obj.stream = [zlib.compress(raw, STREAM_COMPRESSION)]
            obj.compress = False
            obj.extra["Filter"] = "/FlateDecode"


def _check_fonts(pdf: Any) -> None:
    """Refuse a PDF whose fonts are not all embedded Korean Noto fonts.

    Reads WeasyPrint's object tree, so no PDF parser is needed. The family name in /BaseFont is whatever the
    stylesheet called it; the PostScript name inside the embedded font program says which file it came from.
    """
    objects = pdf.objects
    descriptors = [obj for obj in objects if isinstance(obj, dict) and obj.get("Type") == "/FontDescriptor"]
    fonts = [obj for obj in objects if isinstance(obj, dict) and obj.get("Type") == "/Font"]
    problems = []
    if not fonts:
        problems.append("글꼴이 하나도 없습니다")
    problems += [
        f"{_text(font.get('BaseFont'))}: 비트맵 글꼴입니다"
        for font in fonts
        if font.get("Subtype") == "/Type3"
    ]
    for descriptor in descriptors:
        name = _text(descriptor.get("FontName"))
        file_keys = [key for key in ("FontFile", "FontFile2", "FontFile3") if key in descriptor]
        if not file_keys:
            problems.append(f"{name}: 글꼴 파일이 포함되지 않았습니다")
            continue
        program = objects[int(descriptor[file_keys[0]].split()[0])]
        data = b"".join(_chunks(program.stream))
        if not any(known in data for known in KOREAN_FONT_NAMES):
            problems.append(f"{name}: Noto Serif KR / Noto Sans KR 글꼴이 아닙니다")
    if problems:
        raise FontNotEmbedded(
            "PDF의 글꼴이 올바르지 않아 한글이 빈 네모로 표시될 수 있습니다: "
            + "; ".join(problems)
            + " (pylopdf-fonts-ko 패키지 설치와 forms/gcw.css의 @font-face를 확인하십시오)"
        )


def _text(value: Any) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _chunks(stream: Iterable[Any]) -> Iterable[bytes]:
    for chunk in stream:
        yield chunk if isinstance(chunk, bytes) else str(chunk).encode("latin-1")
