"""The issuing office's PAdES signature on every issued PDF (issue #17), made with pyHanko.

Baseline B-B, or B-T when a timestamp authority is configured (``GCW_SIGNING_TSA_URL``). The signature is an
incremental update: the rendered bytes stay as they were, so the PDF/A identification, the XMP and the attached
``<kind>.json`` are still there, and a verifier can check that nothing was added after it. The signature field
is invisible, printable and not hidden (PDF/A forbids hidden annotations) and lies outside the page, which is
also what PDF/UA asks of an untagged annotation.

A B-B signature is reproducible: the same PDF, key and signing time give the same bytes. RSA PKCS#1 v1.5 is
deterministic, the signing time is the caller's clock, and the two things pyHanko would take from the machine
are fixed here: the file's second /ID (random) and the metadata's modification date (the system clock). A
timestamp token (B-T) comes from the authority at the time asked, so B-T files differ from run to run.

Storage floor: no engine, no database. pyHanko is imported with this module (about 0.4 s), so callers import
it where they sign or verify, not at their own import.
"""

from __future__ import annotations

import asyncio
import hashlib
import warnings
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12

from gcworkflow.clock import to_kst
from gcworkflow.documents.example_ca import make_example_ca
from gcworkflow.errors import InvalidInput
from gcworkflow.reference import authority_on
from gcworkflow.settings import Settings, policy_basis

with warnings.catch_warnings():
    # pyHanko imports cryptography's DSA module, deprecated there; its English warning must not reach a clerk.
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    from asn1crypto.algos import SignedDigestAlgorithm
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession
    from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
    from pyhanko_certvalidator.registry import SimpleCertificateStore

if TYPE_CHECKING:
    from gcworkflow.documents.render import Rendered

__all__ = [
    "EXAMPLE_CA_FOLDER",
    "FIELD_NAME",
    "OfficeKey",
    "load_key",
    "office_key",
    "run_to_completion",
    "sign_pdf",
    "sign_rendered",
]

T = TypeVar("T")

FIELD_NAME = "OfficeSignature"
EXAMPLE_CA_FOLDER = "signing"  # under var_dir: the 예시 authority of illustrative installations
MAX_PKCS12_BYTES = 1 << 20  # a certificate bundle is a few kilobytes; anything this big is not one
TSA_TIMEOUT_SECONDS = 10
# Invisible: no appearance on the page. Print flag set and not hidden (PDF/A); outside the page (PDF/UA).
_INVISIBLE = fields.InvisSigSettings(set_print_flag=True, set_hidden_flag=False, box_out_of_bounds=True)
SETUP_ADVICE = (
    "GCW_SIGNING_CERTIFICATE에 기관 인증서(행정전자서명, PKCS#12 파일)를, 환경변수 GCW_SIGNING_PASSPHRASE에 "
    "그 암호를, GCW_SIGNING_TRUST에 행정전자서명 최상위 인증서(PEM)를 지정하십시오. 데모·교육용 설치라면 "
    "GCW_DOCUMENTS_ILLUSTRATIVE=true로 예시 인증서를 씁니다"
)


@dataclass(frozen=True)
class OfficeKey:
    """The office's signing key with its certificate and the chain its PKCS#12 file carried."""

    key: RSAPrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    tsa_url: str | None = None

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def sha256(self) -> str:
        """The certificate's SHA-256 fingerprint (of its DER bytes), as certificate viewers show it."""
        return self.certificate.fingerprint(hashes.SHA256()).hex()

    def recorded(self) -> dict[str, str]:
        """Who signed, as the ``document_issued`` event records it."""
        return {"signer": self.subject, "signer_sha256": self.sha256}


def load_key(data: bytes, passphrase: bytes | None, *, source: str, tsa_url: str | None = None) -> OfficeKey:
    """An office key from a PKCS#12 file's bytes; ``source`` names the file in the refusals."""
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(
            f"서명 인증서 파일을 열 수 없습니다: {source} (암호가 틀렸거나 PKCS#12 파일이 아닙니다). "
            "GCW_SIGNING_PASSPHRASE와 GCW_SIGNING_CERTIFICATE를 확인하십시오"
        ) from exc
    if certificate is None or not isinstance(key, RSAPrivateKey):
        raise InvalidInput(
            f"서명 인증서 파일에 RSA 서명키와 그 인증서가 함께 있어야 합니다: {source} "
            "(행정전자서명 인증서는 RSA입니다)"
        )
    return OfficeKey(key, certificate, tuple(chain), tsa_url)


def office_key(settings: Settings) -> OfficeKey:
    """The key every issued document is signed with: the configured certificate, or in an illustrative
    installation with none configured the 예시 authority under ``var_dir``; refused otherwise, before anything
    is issued."""
    passphrase = (
        settings.signing_passphrase.get_secret_value().encode() if settings.signing_passphrase else None
    )
    if settings.signing_certificate is not None:
        path = settings.signing_certificate
    elif settings.documents_illustrative:
        path = make_example_ca(settings.var_dir / EXAMPLE_CA_FOLDER).certificate
        passphrase = None
    else:
        raise InvalidInput(
            "발행 문서에 전자서명할 기관 인증서가 설정되지 않아 문서를 발행할 수 없습니다 "
            f"({policy_basis('GCW_SIGNING_CERTIFICATE')}). {SETUP_ADVICE}."
        )
    try:
        stat = path.stat()
    except OSError as exc:
        raise InvalidInput(f"서명 인증서 파일을 읽을 수 없습니다: {path} (GCW_SIGNING_CERTIFICATE)") from exc
    return _cached_key(str(path), stat.st_mtime_ns, stat.st_size, passphrase, settings.signing_tsa_url)


@lru_cache(maxsize=4)
def _cached_key(
    path: str, _mtime_ns: int, size: int, passphrase: bytes | None, tsa_url: str | None
) -> OfficeKey:
    """Loaded once per file version: a web worker or a flow signs many documents with the same key."""
    if size > MAX_PKCS12_BYTES:
        raise InvalidInput(f"서명 인증서 파일이 너무 큽니다: {path} (PKCS#12 파일이 아닙니다)")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"서명 인증서 파일을 읽을 수 없습니다: {path} (GCW_SIGNING_CERTIFICATE)") from exc
    return load_key(data, passphrase, source=path, tsa_url=tsa_url)


class _OfficeSigner(signers.Signer):
    """pyHanko's signer over a key loaded once (its SimpleSigner parses the private key again for every
    signature, about 35 ms, twice per document). RSA PKCS#1 v1.5 with SHA-256 only: deterministic, and what a
    행정전자서명 certificate signs with."""

    def __init__(self, office: OfficeKey) -> None:
        certificates = [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in office.chain
        ]
        certificate = asn1_x509.Certificate.load(office.certificate.public_bytes(serialization.Encoding.DER))
        super().__init__(
            signing_cert=certificate,
            cert_registry=SimpleCertificateStore.from_certs([certificate, *certificates]),
            signature_mechanism=SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
            embed_roots=True,
        )
        self._key = office.key

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        if dry_run:  # pyHanko's estimate of the signature's size: only the length matters
            return bytes(self._key.key_size // 8)
        return self._key.sign(data, PKCS1v15(), hashes.SHA256())


class _SignedAt(signers.PdfSigner):
    """pyHanko's PDF signer with the signing time given, not read from the system clock."""

    def __init__(
        self,
        signed_at: datetime,
        metadata: signers.PdfSignatureMetadata,
        signer: signers.Signer,
        timestamper: HTTPTimeStamper | None,
    ) -> None:
        field = fields.SigFieldSpec(FIELD_NAME, invis_sig_settings=_INVISIBLE)
        super().__init__(metadata, signer, timestamper=timestamper, new_field_spec=field)
        self._signed_at = signed_at

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self._signed_at
        return session


class _Update(IncrementalPdfFileWriter):
    """The incremental update that carries the signature, as reproducible as the PDF it extends."""

    def __init__(self, pdf: bytes, version_id: bytes) -> None:
        super().__init__(BytesIO(pdf))
        # The first /ID stays (the same document); the second names this version, derived rather than random.
        first, _ = self._document_id
        self._document_id = generic.ArrayObject([first, generic.ByteStringObject(version_id)])

    def _update_meta(self) -> None:
        """Leave the metadata as rendered. pyHanko would stamp the modification date from the system clock and
        write itself as the XMP's pdf:Producer while appending itself to the Info's /Producer, so the two would
        no longer agree as PDF/A requires; the signature's /M says when it was signed."""


def run_to_completion(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one of pyHanko's coroutines from synchronous code. Its own synchronous calls use ``asyncio.run``, which
    fails in a thread whose event loop is running (a Prefect flow, an async web handler, Playwright's sync API in
    the tests): there the coroutine runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def sign_pdf(pdf: bytes, office: OfficeKey, *, signed_at: datetime, reason: str, location: str) -> bytes:
    """``pdf`` signed by ``office`` at ``signed_at`` (PAdES B-B; B-T when the key has a TSA URL)."""
    signed_at = to_kst(signed_at)  # /M in Korean time, as a reader in Korea expects to see it
    version_id = hashlib.sha256(pdf + signed_at.isoformat().encode() + office.sha256.encode()).digest()[:16]
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        reason=reason,
        location=location,
        subfilter=fields.SigSeedSubFilter.PADES,
    )
    timestamper = HTTPTimeStamper(office.tsa_url, timeout=TSA_TIMEOUT_SECONDS) if office.tsa_url else None
    signer = _SignedAt(signed_at, metadata, _OfficeSigner(office), timestamper)
    out = BytesIO()
    try:
        run_to_completion(signer.async_sign_pdf(_Update(pdf, version_id), output=out))
    except TimestampRequestError as exc:
        raise InvalidInput(
            f"시점확인 서비스에서 타임스탬프를 받지 못해 서명하지 못했습니다: {office.tsa_url} "
            "(GCW_SIGNING_TSA_URL과 네트워크를 확인하십시오)"
        ) from exc
    return out.getvalue()


def sign_rendered(settings: Settings, rendered: Rendered, now: datetime) -> tuple[Rendered, dict[str, str]]:
    """A rendered document signed by the office at ``now`` (the caller's clock), and who signed it as the event
    records it. The reason and place are the issuing ministry on that day and the office's division."""
    office = office_key(settings)
    certificate = office.certificate
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        # A signature by a certificate outside its validity would fail every recipient's verification.
        raise InvalidInput(
            f"서명 인증서의 유효기간({certificate.not_valid_before_utc:%Y-%m-%d}~"
            f"{certificate.not_valid_after_utc:%Y-%m-%d})이 아니어서 문서를 발행할 수 없습니다: {office.subject}. "
            "새로 발급받은 인증서를 GCW_SIGNING_CERTIFICATE에 지정하십시오"
        )
    authority = authority_on(to_kst(now).date())
    pdf = sign_pdf(
        rendered.pdf,
        office,
        signed_at=now,
        reason=f"{authority.ministry} 공문서 발행",
        location=settings.office_division or authority.division,
    )
    return replace(rendered, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest()), office.recorded()
