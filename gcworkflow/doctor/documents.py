"""What issuing a document needs: the Korean fonts and the forms' stylesheet, WeasyPrint and HarfBuzz's
subsetter, the office block every letter ends with, and how documents are numbered and marked."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

from gcworkflow.doctor.findings import Finding, first_line, ok, warned
from gcworkflow.local_files import os_reason
from gcworkflow.settings import Settings

__all__ = ["check_documents", "check_fonts", "check_office", "check_pdf_engine", "check_signing"]


def check_fonts() -> Iterator[Finding]:
    """The Korean font files the stylesheet loads (documents/render.py takes them from pylopdf-fonts-ko), with
    the PostScript names render.py looks for in every embedded font, and the forms' stylesheet."""
    from gcworkflow.documents.render import FORMS_DIR, KOREAN_FONT_NAMES

    fix = "pylopdf-fonts-ko 패키지를 다시 설치하십시오: .venv/bin/pip install -e . (또는 make)"
    try:
        import pylopdf_fonts_ko
    except ImportError:
        yield Finding("fonts", "fail", "한글 글꼴 패키지(pylopdf-fonts-ko)가 설치되지 않았습니다.", fix)
        return
    problems, found = [], []
    for path, name in zip(
        (pylopdf_fonts_ko.serif_path(), pylopdf_fonts_ko.sans_path()), KOREAN_FONT_NAMES, strict=True
    ):
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            problems.append(f"{path} ({os_reason(exc)})")
            continue
        if name not in data:
            problems.append(f"{path} ({name.decode()} 글꼴이 아닙니다)")
        else:
            found.append(Path(path).name)
    stylesheet = FORMS_DIR / "gcw.css"
    if not stylesheet.is_file():
        problems.append(f"{stylesheet} (문서 양식의 스타일시트가 없습니다)")
    if problems:
        yield Finding("fonts", "fail", "문서에 쓸 글꼴·양식을 읽을 수 없습니다: " + "; ".join(problems), fix)
        return
    yield ok("fonts", f"{', '.join(found)} (pylopdf-fonts-ko), 양식 {FORMS_DIR}")


def check_pdf_engine() -> Iterator[Finding]:
    """WeasyPrint and the libraries it loads (Pango, HarfBuzz), and HarfBuzz's subsetter as WeasyPrint itself
    finds it (DESIGN.md §3)."""
    # WeasyPrint prints its own English advice to stdout when a library is missing: kept out of --json.
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from gcworkflow.documents.render import pdf_engine

            engine = pdf_engine()
    except Exception as exc:
        yield Finding(
            "pdf_engine",
            "fail",
            f"PDF를 만드는 WeasyPrint를 불러올 수 없습니다 ({first_line(exc)}): 문서를 발행할 수 없습니다.",
            "Pango 등 시스템 라이브러리를 설치하십시오: sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 "
            "libharfbuzz0b (그다음 make)",
        )
        return
    yield ok("pdf_engine", f"WeasyPrint {engine.version}")
    fix = "sudo apt-get install libharfbuzz-subset0 (또는 root로 make system-libs)"
    if engine.subsetter == "missing":
        yield Finding(
            "font_subsetter",
            "warn",
            "HarfBuzz 서브셋(libharfbuzz-subset0)이 없어 글꼴을 fontTools로 줄입니다: 같은 PDF이지만 한 장에 "
            "1.7~3초 걸립니다 (있으면 0.1초 남짓).",
            fix,
        )
    elif engine.subsetter == "old":
        yield Finding(
            "font_subsetter",
            "warn",
            "HarfBuzz가 4.1보다 오래되어 WeasyPrint가 서브셋을 쓰지 않습니다: 한 장에 1.7~3초 걸립니다.",
            "HarfBuzz 4.1 이상(libharfbuzz0b, libharfbuzz-subset0)으로 올리십시오.",
        )
    else:
        yield ok("font_subsetter", "HarfBuzz 서브셋(libharfbuzz-subset)이 있습니다: 문서 한 장에 0.1초 남짓.")


def check_office(settings: Settings, now: datetime) -> Iterator[Finding]:
    """The 결문 of every letter (documents/content.py refuses a letter when one of these is missing)."""
    from gcworkflow.documents.content import office
    from gcworkflow.errors import InvalidInput

    try:
        # The very block a letter dated today would print, refused by the same words when incomplete.
        block = office(settings, _seoul_day(now))
    except InvalidInput as exc:
        yield Finding(
            "office",
            "fail",
            f"{exc.message}. 이대로는 시행문을 발행할 수 없습니다.",
            "위 환경변수를 설정하십시오 (예: GCW_OFFICE_PHONE=044-201-0000).",
        )
        return
    default = "" if settings.office_division else " (GCW_OFFICE_DIVISION 없음: 부처의 담당 과)"
    yield ok("office", f"{block.head}, 처리과 {block.division}{default}, {block.address}, 전화 {block.phone}")


def _seoul_day(now: datetime) -> date:
    from gcworkflow.clock import to_kst

    return to_kst(now).date()


def check_documents(settings: Settings) -> Iterator[Finding]:
    problems, fixes = [], []
    if settings.notice_numbering == "local":
        problems.append(
            "고시·시행 번호를 자체 일련번호로 매깁니다 (GCW_NOTICE_NUMBERING=local): 부처 문서관리시스템의 "
            "번호가 아니라 예시용입니다"
        )
        fixes.append("GCW_NOTICE_NUMBERING을 빼거나 manual로 두십시오")
    if settings.documents_illustrative:
        problems.append(
            "발행 문서마다 '예시 문서 — 실제 고시·공문이 아님'이 찍힙니다 (GCW_DOCUMENTS_ILLUSTRATIVE)"
        )
        fixes.append("GCW_DOCUMENTS_ILLUSTRATIVE를 빼십시오")
    yield warned(
        "documents",
        problems,
        fixes,
        f"번호는 부처 문서관리시스템의 번호를 기록합니다 (manual); 서명란 {settings.clerk_title}·"
        f"{settings.approver_title}",
    )


def check_signing(settings: Settings, now: datetime) -> Iterator[Finding]:
    """The certificate every issued PDF is signed with (issue #17): configured, readable with its passphrase,
    valid today and not for long; the trust anchors `gcw documents verify` checks against; the timestamp
    authority. An illustrative installation without one signs with the 예시 authority, made on first use (the
    doctor only reads, so it does not make it)."""
    from gcworkflow.documents.signing import EXAMPLE_CA_FOLDER, SETUP_ADVICE, office_key
    from gcworkflow.errors import InvalidInput

    if settings.signing_certificate is None:
        if settings.documents_illustrative:
            yield Finding(
                "signing",
                "warn",
                f"문서를 예시 인증서로 서명합니다 ({settings.var_dir / EXAMPLE_CA_FOLDER}): 받는 쪽에서는 신뢰할 수 "
                "없는 서명으로 보입니다.",
                SETUP_ADVICE + ".",
            )
            return
        yield Finding(
            "signing",
            "fail",
            "발행 문서에 전자서명할 기관 인증서가 설정되지 않았습니다: 이대로는 고시·시행문을 발행할 수 없습니다.",
            SETUP_ADVICE + ".",
        )
        return
    try:
        key = office_key(settings)
    except InvalidInput as exc:
        yield Finding("signing", "fail", f"{exc.message}.", SETUP_ADVICE + ".")
        return
    until = key.certificate.not_valid_after_utc
    if not key.certificate.not_valid_before_utc <= now <= until:
        yield Finding(
            "signing",
            "fail",
            f"서명 인증서의 유효기간이 아닙니다 ({until:%Y-%m-%d}까지): {key.subject}",
            "새로 발급받은 인증서를 GCW_SIGNING_CERTIFICATE에 지정하십시오.",
        )
        return
    problems, fixes = [], []
    if until - now < timedelta(days=30):
        problems.append(f"서명 인증서가 {until:%Y-%m-%d}에 만료됩니다")
        fixes.append("인증서를 갱신해 GCW_SIGNING_CERTIFICATE에 지정하십시오")
    if settings.signing_trust is None:
        problems.append(
            "신뢰할 최상위 인증서(GCW_SIGNING_TRUST)가 없어 gcw documents verify가 서명자를 확인하지 못합니다"
        )
        fixes.append("GCW_SIGNING_TRUST에 행정전자서명 최상위 인증서(PEM)를 지정하십시오")
    stamped = f"시점확인 {settings.signing_tsa_url} (PAdES B-T)" if settings.signing_tsa_url else "PAdES B-B"
    yield warned("signing", problems, fixes, f"{key.subject}, {until:%Y-%m-%d}까지 유효, {stamped}")
