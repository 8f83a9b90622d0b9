"""The 예시 certificate authority: a root and an office certificate made at run time with ``cryptography``, for
the demo and the tests, so that their documents are signed as real ones are, by a key nobody can mistake for a
real one (every subject says 예시).

An installation that issues real documents configures its 행정전자서명(GPKI) certificate instead (settings
``GCW_SIGNING_…``); :func:`gcworkflow.documents.signing.office_key` uses this authority only when documents are
marked illustrative. Its files live in one folder (``<var_dir>/signing``), readable by the owner only.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gcworkflow.local_files import LocalFilesError, ensure_dir

__all__ = ["CA_FILE", "SIGNER_FILE", "ExampleCa", "make_example_ca"]

CA_FILE = "ca.pem"  # the root: what a verifier trusts
SIGNER_FILE = "signer.p12"  # the office's key and certificate with the root, as an office's holds them

# Fixed, wide validity: a test or the demo may set its clock anywhere in these years, and the signature must be
# made and verified at that time.
_VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
_VALID_UNTIL = datetime(2050, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class ExampleCa:
    folder: Path

    @property
    def certificate(self) -> Path:
        return self.folder / SIGNER_FILE

    @property
    def trust(self) -> Path:
        return self.folder / CA_FILE


def make_example_ca(
    folder: Path,
    *,
    passphrase: bytes | None = None,
    ministry: str = "기후에너지환경부",
    unit: str = "문서 발행",
) -> ExampleCa:
    """The example authority in ``folder``, made there first if it is not there yet.

    Made in a temporary folder beside it and renamed into place, so two processes starting at once (the web
    desk and a flow worker) never see half an authority: the second keeps the first one's.
    """
    ca = ExampleCa(folder)
    if ca.certificate.is_file() and ca.trust.is_file():
        return ca
    ensure_dir(folder.parent, "예시 인증서 폴더")
    try:
        building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    except OSError as exc:
        raise LocalFilesError("예시 인증서 폴더", folder.parent, exc) from exc
    try:
        _write(building, passphrase, ministry, unit)
        os.rename(building, folder)
    except OSError as exc:
        shutil.rmtree(building, ignore_errors=True)
        if ca.certificate.is_file() and ca.trust.is_file():
            return ca  # another process made it first
        raise LocalFilesError("예시 인증서 폴더", folder, exc) from exc
    return ca


def _write(folder: Path, passphrase: bytes | None, ministry: str, unit: str) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"예시 {ministry}"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "시험용, 실제 인증서 아님"),
                x509.NameAttribute(NameOID.COMMON_NAME, common),
            ]
        )

    def usage(*, signs_documents: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=signs_documents,
            content_commitment=signs_documents,  # non-repudiation: what a document signature asserts
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not signs_documents,
            crl_sign=not signs_documents,
            encipher_only=False,
            decipher_only=False,
        )

    # RSA, as 행정전자서명 certificates are: its PKCS#1 v1.5 signatures are deterministic, so a document signed
    # twice with the same key and time gives the same bytes.
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    office_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root_name = name("예시 전자서명 인증기관")
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_VALID_FROM)
        .not_valid_after(_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(signs_documents=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    office = (
        x509.CertificateBuilder()
        .subject_name(name(f"예시 {ministry} {unit}"))
        .issuer_name(root_name)
        .public_key(office_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_VALID_FROM)
        .not_valid_after(_VALID_UNTIL)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(signs_documents=True), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False
        )
        .sign(root_key, hashes.SHA256())
    )
    encryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    bundle = pkcs12.serialize_key_and_certificates(b"office", office_key, office, [root], encryption)
    folder.chmod(0o700)
    for file, data in ((SIGNER_FILE, bundle), (CA_FILE, root.public_bytes(serialization.Encoding.PEM))):
        descriptor = os.open(folder / file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
