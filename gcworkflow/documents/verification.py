"""Verifying an issued PDF as anyone who received it can (``gcw documents verify``, ``gcw audit verify``), with
no database: four checks, each one Korean line.

1. 서명: the PAdES signature is intact (its digest and signature value match the signed bytes);
2. 변경: it covers the whole file but the signature itself, so nothing was added after signing;
3. 인증서: the signer's certificate chains to the trust anchors and was valid when it signed (revocation is
   not asked over the network: a recipient may be offline, and a B-B signature carries no revocation data);
4. 내용: the attached ``<kind>.json`` is a document of this system and its key fields — number, date line,
   name, area for a notice; 시행 number, date, 수신 and 제목 for a letter; heading, date, name, area for a
   붙임 — are what the page shows;
5. 발행 기록 (``--record`` only): the installation's records name the procedure and action that issued it.

A damaged or foreign file fails the checks it cannot pass; it is never an error of the program.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from cryptography import x509

from gcworkflow.clock import to_kst
from gcworkflow.documents import signing
from gcworkflow.documents.embedded import embedded_document
from gcworkflow.documents.example_ca import CA_FILE
from gcworkflow.documents.models import Document, Letter, Notice
from gcworkflow.documents.render import WORD_JOINER, dotted, spelled
from gcworkflow.errors import Conflict, InvalidInput
from gcworkflow.local_files import os_reason
from gcworkflow.settings import Settings

__all__ = [
    "MAX_PDF_BYTES",
    "Check",
    "TrustAnchors",
    "Verification",
    "key_fields",
    "read_pdf",
    "stored_signature_problem",
    "trust_anchors",
    "verify_pdf",
]

MAX_PDF_BYTES = 200 << 20  # the web's largest upload limit: no issued document comes near it
MAX_TRUST_BYTES = 10 << 20
CheckName = Literal["signature", "unchanged", "certificate", "data", "record"]
LABELS: dict[CheckName, str] = {
    "signature": "서명",
    "unchanged": "변경",
    "certificate": "인증서",
    "data": "내용",
    "record": "발행 기록",
}
_SPACE = re.compile(r"\s+")
# The labels (spaces removed) of a notice's or an enclosure's lines that are checked against the page.
_KEY_LINES = ("명칭", "면적")


@dataclass(frozen=True)
class Check:
    name: CheckName
    ok: bool
    message: str

    def line(self) -> str:
        return f"{LABELS[self.name]}: {'통과' if self.ok else '실패'} — {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"check": self.name, "ok": self.ok, "message": self.message}


@dataclass
class Verification:
    """What verifying one file found; ``issued`` is the record that issued it, when a database was asked."""

    sha256: str
    checks: list[Check] = field(default_factory=list)
    signer: str | None = None
    signer_sha256: str | None = None
    signed_at: datetime | None = None
    kind: str | None = None
    issued: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: CheckName, ok: bool, message: str) -> None:
        self.checks.append(Check(name, ok, message))

    def found(self, issued: dict[str, Any] | None) -> None:
        """What the database says issued these bytes (``--record``): a check of its own, failed when nothing
        this installation issued has them."""
        self.issued = issued
        if issued is None:
            self.add("record", False, "이 파일(SHA-256)과 같은 발행 문서가 이 시스템의 기록에 없습니다")
            return
        document, procedure, event = issued["document"], issued["procedure"], issued["event"]
        self.add(
            "record",
            True,
            f"{procedure['id']}번 절차({procedure['title']})의 {event['label']}({event['trigger']}, "
            f"{event['chain']} #{event['seq']}, {event['occurred_at']})로 발행된 문서 {document['id']}번입니다",
        )

    def lines(self) -> list[str]:
        verdict = "모두 통과" if self.ok else "실패한 확인이 있습니다"
        return [*(c.line() for c in self.checks), f"결과: {verdict} (SHA-256 {self.sha256})"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "sha256": self.sha256,
            "kind": self.kind,
            "signer": self.signer,
            "signer_sha256": self.signer_sha256,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "checks": [c.as_dict() for c in self.checks],
            "issued": self.issued,
        }


@dataclass(frozen=True)
class TrustAnchors:
    """The certificates a signer must chain to, and where they came from (said on the certificate's line)."""

    certificates: tuple[x509.Certificate, ...]
    source: str


def trust_anchors(settings: Settings, given: Path | None = None) -> TrustAnchors:
    """``--trust``'s file, else GCW_SIGNING_TRUST, else (an illustrative installation) the 예시 authority this
    installation made; none when nothing is configured, and then no signer is trusted."""
    if given is not None:
        return TrustAnchors(_read_pem(given, "--trust"), str(given))
    if settings.signing_trust is not None:
        return TrustAnchors(
            _read_pem(settings.signing_trust, "GCW_SIGNING_TRUST"), str(settings.signing_trust)
        )
    example = settings.var_dir / signing.EXAMPLE_CA_FOLDER / CA_FILE
    if settings.documents_illustrative and example.is_file():
        return TrustAnchors(_read_pem(example, "예시 인증기관"), f"{example} (예시 인증기관)")
    return TrustAnchors((), "")


def _read_pem(path: Path, where: str) -> tuple[x509.Certificate, ...]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_TRUST_BYTES + 1)
    except OSError as exc:
        raise InvalidInput(f"신뢰할 인증서 파일을 읽을 수 없습니다: {path} ({where})") from exc
    if len(data) > MAX_TRUST_BYTES:
        raise InvalidInput(f"신뢰할 인증서 파일이 너무 큽니다: {path} (최대 10 MiB, {where})")
    try:
        certificates = tuple(x509.load_pem_x509_certificates(data))
    except ValueError as exc:
        raise InvalidInput(
            f"신뢰할 인증서 파일이 PEM 인증서 묶음이 아닙니다: {path} ({where}; "
            "-----BEGIN CERTIFICATE-----로 시작하는 파일이어야 합니다)"
        ) from exc
    return certificates


def read_pdf(path: Path) -> bytes:
    """A file to verify, read no further than :data:`MAX_PDF_BYTES`."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PDF_BYTES + 1)  # a pipe or a device has no size to ask for beforehand
    except OSError as exc:
        raise InvalidInput(f"확인할 파일을 읽을 수 없습니다: {path} ({os_reason(exc)})") from exc
    if len(data) > MAX_PDF_BYTES:
        raise InvalidInput(f"확인할 파일이 너무 큽니다: {path} (최대 {MAX_PDF_BYTES >> 20} MiB)")
    return data


def verify_pdf(data: bytes, anchors: TrustAnchors) -> Verification:
    """Every check of one file's bytes against ``anchors``."""
    result = Verification(hashlib.sha256(data).hexdigest())
    _check_signature(data, anchors, result)
    _check_data(data, result)
    return result


class _Unreadable(Exception):
    """No signature could be read from the file; ``reason`` says why, in Korean."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Signed:
    count: int  # signatures in the file; the last one is checked
    status: Any  # pyHanko's PdfSignatureStatus of the last one
    claimed: datetime | None  # the signing time it states (/M)

    @property
    def intact(self) -> bool:
        return bool(self.status.intact and self.status.valid)

    @property
    def whole_file(self) -> bool:
        from pyhanko.sign.validation.status import SignatureCoverageLevel

        return bool(self.status.coverage == SignatureCoverageLevel.ENTIRE_FILE)


def _read_signature(data: bytes, anchors: TrustAnchors) -> _Signed:
    """The file's last signature validated against ``anchors`` at the time it states; :class:`_Unreadable`
    when there is none or it cannot be parsed (the file is untrusted input: whatever a parser raises on it is
    the verdict, not a defect)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    with _quiet("pyhanko", "pyhanko_certvalidator"):
        try:
            signatures = PdfFileReader(BytesIO(data), strict=False).embedded_regular_signatures
        except Exception as exc:
            raise _Unreadable("PDF로 읽을 수 없습니다") from exc
        if not signatures:
            raise _Unreadable("전자서명이 없습니다")
        try:
            claimed = signatures[-1].self_reported_timestamp
            trust = [_asn1(c) for c in anchors.certificates]
            context = ValidationContext(
                trust_roots=trust, allow_fetching=False, revocation_mode="soft-fail", moment=claimed
            )
            status = signing.run_to_completion(
                async_validate_pdf_signature(signatures[-1], context, ts_validation_context=context)
            )
        except Exception as exc:
            raise _Unreadable("서명을 읽을 수 없습니다 (서명이 손상되었거나 바뀌었습니다)") from exc
    return _Signed(len(signatures), status, claimed)


def stored_signature_problem(data: bytes, signer_sha256: str | None) -> str | None:
    """What is wrong with the signature of a stored issued PDF whose event recorded ``signer_sha256`` (``gcw
    audit verify``), or None. The office's own record names the certificate, so no trust anchors are needed;
    a document issued before documents were signed recorded none, and has nothing to check."""
    if signer_sha256 is None:
        return None
    try:
        signed = _read_signature(data, TrustAnchors((), ""))
    except _Unreadable as unreadable:
        return f"{unreadable.reason} (발행 기록에는 서명자 인증서가 있습니다)"
    if not signed.intact:
        return "전자서명이 문서 내용과 맞지 않습니다 (서명한 뒤에 바뀜)"
    if not signed.whole_file:
        return "서명 뒤에 덧붙인 내용이 있습니다"
    if signed.status.signing_cert.sha256.hex() != signer_sha256:
        return f"서명자 인증서({signed.status.signing_cert.sha256.hex()[:12]}…)가 발행 기록의 인증서({signer_sha256[:12]}…)와 다릅니다"
    return None


def _check_signature(data: bytes, anchors: TrustAnchors, result: Verification) -> None:
    try:
        signed = _read_signature(data, anchors)
    except _Unreadable as unreadable:
        result.add("signature", False, unreadable.reason)
        result.add("unchanged", False, "서명을 읽을 수 없어 확인할 수 없습니다")
        result.add("certificate", False, "서명을 읽을 수 없어 확인할 수 없습니다")
        return
    status, claimed = signed.status, signed.claimed
    certificate = status.signing_cert
    result.signer = x509.load_der_x509_certificate(certificate.dump()).subject.rfc4514_string()
    result.signer_sha256 = certificate.sha256.hex()
    result.signed_at = to_kst(status.timestamp_validity.timestamp) if status.timestamp_validity else claimed
    when = f"{to_kst(result.signed_at):%Y-%m-%d %H:%M} KST" if result.signed_at else "서명 시각 없음"
    stamped = " (시점확인 타임스탬프)" if status.timestamp_validity else ""
    intact = signed.intact
    if intact:
        result.add("signature", True, f"서명이 온전합니다 ({when}{stamped}, {result.signer})")
    else:
        result.add("signature", False, "서명값이 문서 내용과 맞지 않습니다 (서명한 뒤에 내용이 바뀌었습니다)")
    others = f"; 이 파일의 서명 {signed.count}개 중 마지막 것" if signed.count > 1 else ""
    if not intact:
        result.add("unchanged", False, f"서명한 범위의 내용이 바뀌었습니다{others}")
    elif signed.whole_file:
        result.add(
            "unchanged", True, f"서명 뒤에 바뀌거나 덧붙은 곳이 없습니다 (파일 전체가 서명 범위{others})"
        )
    else:
        result.add(
            "unchanged", False, f"서명 뒤에 덧붙인 내용이 있습니다 (서명 범위가 파일 전체가 아님{others})"
        )
    if not intact:
        result.add("certificate", False, "서명이 맞지 않아 인증서를 확인하지 않았습니다")
    elif not anchors.certificates:
        result.add(
            "certificate",
            False,
            "신뢰할 인증서가 지정되지 않았습니다: --trust PEM 파일 또는 GCW_SIGNING_TRUST (행정전자서명 최상위 "
            "인증서 등)를 지정하십시오",
        )
    elif status.trusted:
        root = x509.load_der_x509_certificate(status.validation_path[0].dump()).subject.rfc4514_string()
        result.add(
            "certificate",
            True,
            f"서명자 인증서가 신뢰하는 인증기관({root})에 이어지고 서명 시각({when})에 유효했습니다 "
            f"(신뢰 목록: {anchors.source}; 폐지 여부는 조회하지 않음)",
        )
    else:
        result.add(
            "certificate",
            False,
            f"서명자 인증서({result.signer})가 신뢰하는 인증기관에 이어지지 않거나 서명 시각({when})에 유효하지 "
            f"않았습니다 (신뢰 목록: {anchors.source})",
        )


@contextmanager
def _quiet(*loggers: str) -> Iterator[None]:
    """The libraries' log lines about a damaged file or an untrusted signer kept off the terminal: they are in
    English, with tracebacks, and each check's own line says what they mean."""
    logs = [logging.getLogger(name) for name in loggers]
    levels = [log.level for log in logs]
    for log in logs:
        log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for log, level in zip(logs, levels, strict=True):
            log.setLevel(level)


def _asn1(certificate: x509.Certificate) -> Any:
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))


def _check_data(data: bytes, result: Verification) -> None:
    """The attached JSON against the page's text, as pypdf reads both back."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        with _quiet("pypdf"):
            reader = PdfReader(BytesIO(data))
            names = [name for name in reader.attachments if name.endswith(".json")]
            text = "".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError):
        result.add("data", False, "PDF로 읽을 수 없어 내장 데이터를 확인할 수 없습니다")
        return
    if len(names) != 1:
        result.add("data", False, f"내장 데이터(<문서종류>.json)가 {len(names)}개입니다 (1개여야 함)")
        return
    (name,) = names
    try:
        with _quiet("pypdf"):
            document = embedded_document(data, name.removesuffix(".json"))
    except Conflict as refused:
        result.add("data", False, refused.message)
        return
    result.kind = document.kind
    shown = _compact(text)
    fields = key_fields(document)
    missing = [f"{label} '{value}'" for label, value in fields if _compact(value) not in shown]
    if missing:
        result.add("data", False, f"내장 데이터({name})의 값이 본문에 없습니다: {'; '.join(missing)}")
    else:
        checked = ", ".join(label for label, _ in fields)
        result.add("data", True, f"내장 데이터({name})가 본문과 일치합니다 ({checked})")


def key_fields(document: Document) -> list[tuple[str, str]]:
    """The fields of ``document`` whose printed form the page must show, as (label, text)."""
    if isinstance(document, Letter):
        return [
            ("시행 번호", document.enforcement_number),
            ("시행일", dotted(document.date)),
            ("수신", document.recipient),
            ("제목", document.subject),
        ]
    if isinstance(document, Notice):
        fields = [("번호", document.number), ("날짜", spelled(document.date)), ("발신", document.authority)]
    else:
        fields = [("제목", document.title), ("날짜", dotted(document.date)), ("발신", document.authority)]
    lines = [line for section in document.sections for line in section.lines]
    return fields + [
        (_compact(line.label), line.value) for line in lines if _compact(line.label) in _KEY_LINES
    ]


def _compact(text: str) -> str:
    """Text as compared: without the word joiners and without any whitespace, so that a value the page wrapped
    over two lines, or spaced differently in a table, still matches."""
    return _SPACE.sub("", text.replace(WORD_JOINER, ""))
