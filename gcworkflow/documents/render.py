"""Official documents as archival PDFs: Jinja2 (forms/) → HTML → WeasyPrint PDF/A-3b (issue #4).

Each PDF carries the canonical JSON of its document as an embedded file, so an archive or another system can
read the content back without OCR. The same document gives the same bytes: every date WeasyPrint would take
from the clock is fixed from the document's own date.

WeasyPrint is imported inside the functions that need it (DESIGN.md §1): importing it costs about half a
second and loads Pango, which the engine, the CLI and the tests that never render must not pay for.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from gcworkflow.canonical import canonical_bytes
from gcworkflow.documents.models import Letter, Notice

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

__all__ = ["FORMS_DIR", "FontNotEmbedded", "Rendered", "item_label", "render", "render_html"]

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
SEOUL = ZoneInfo("Asia/Seoul")

# The JSON is the data the printed page was derived from: ISO 32000-2 §14.13 calls that /Data. It is not the
# /Source (the page is made from it plus a template, not converted from it) nor an /Alternative (the PDF is
# the authoritative document; the JSON has no layout and is not a rendition a reader could use instead).
ATTACHMENT_RELATIONSHIP = "Data"

# PostScript names inside the font programs of pylopdf-fonts-ko: their presence in every embedded font proves
# the glyphs came from those files, whatever family name the stylesheet gave them.
KOREAN_FONT_NAMES = (b"NotoSerifKR", b"NotoSansKR")

# Labels of body items by depth (행정업무의 운영 및 혁신에 관한 규정 시행규칙 제2조제1항).
_HANGUL_SERIES = "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허"
_CIRCLED_NUMBERS = (
    [chr(0x2460 + i) for i in range(20)]  # ①–⑳
    + [chr(0x3251 + i) for i in range(15)]  # ㉑–㉟
    + [chr(0x32B1 + i) for i in range(15)]  # ㊱–㊿
)
_CIRCLED_HANGUL = [chr(0x326E + i) for i in range(14)]  # ㉮–㉻
_LABELS: tuple[tuple[str, Any], ...] = (
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


def item_label(index: int, depth: int) -> str:
    """The symbol of the ``index``-th item (0-based) at ``depth`` (0-based): 1. 가. 1) 가) (1) (가) ① ㉮."""
    if not 0 <= depth < len(_LABELS):
        raise ValueError(
            f"항목 기호는 {len(_LABELS)}단계까지입니다 (1. 가. 1) 가) (1) (가) ① ㉮): {depth + 1}단계"
        )
    pattern, series = _LABELS[depth]
    if series is None:
        return pattern.format(index + 1)
    if index >= len(series):
        raise ValueError(f"{depth + 1}단계 항목은 {len(series)}개까지 표시할 수 있습니다: {index + 1}번째")
    return pattern.format(series[index])


def words(text: str) -> Markup:
    """HTML-escape ``text`` and wrap each word in a no-wrap span, so lines break only between words.

    WeasyPrint lacks ``word-break: keep-all`` (DESIGN.md §3) and otherwise breaks Korean between any two
    syllables. Line breaks in the text are kept as ``<br>``.
    """
    lines = []
    for line in str(text).split("\n"):
        lines.append(Markup(" ").join(Markup('<span class="w">{}</span>').format(w) for w in line.split()))
    return Markup("<br>").join(lines)


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def dotted(iso: str) -> str:
    """ "2026-03-05" → "2026. 3. 5." (행정업무의 운영 및 혁신에 관한 규정 제7조제5항)."""
    d = _day(iso)
    return f"{d.year}. {d.month}. {d.day}."


def spelled(iso: str) -> str:
    """ "2026-10-13" → "2026년 10월 13일", the date line of a notice (law.md §4.1)."""
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

    return FontConfiguration()


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


def render_html(document: Letter | Notice, *, forms_dir: Path | None = None) -> str:
    """The HTML that becomes the PDF: forms/<kind>.html filled with the document."""
    forms = (forms_dir or FORMS_DIR).resolve()
    return _environment(forms).get_template(f"{document.kind}.html").render(doc=document)


def render(document: Letter | Notice, *, forms_dir: Path | None = None) -> Rendered:
    """Render a document as PDF/A-3b with its canonical JSON attached as ``<kind>.json``.

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
    with _LOCK:
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
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
            finisher=_check_fonts,
        )
    return Rendered(
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        title=document.document_title,
        kind=document.kind,
        data_json=data_json,
    )


def _check_fonts(_document: Any, pdf: Any) -> None:
    """Refuse a PDF whose fonts are not all the embedded Korean Noto fonts (WeasyPrint's finisher hook).

    Runs on WeasyPrint's object tree before it is written, so no PDF parser is needed.
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
