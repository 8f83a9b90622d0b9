"""PAdES B-T: the signature with a timestamp from a timestamp authority (GCW_SIGNING_TSA_URL), against a real
RFC 3161 server on this machine (pyHanko's own TSA logic, answering HTTP on a free port, its certificate from a
예시 timestamping authority the test trusts) — and the refusal when no authority answers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from gcworkflow.documents.render import render
from gcworkflow.documents.signing import OfficeKey, office_key, sign_pdf
from gcworkflow.documents.verification import TrustAnchors, trust_anchors, verify_pdf
from gcworkflow.errors import InvalidInput
from gcworkflow.settings import Settings
from tests.documents import samples
from tests.notify.smtp import free_port

SIGNED_AT = datetime(2026, 10, 13, 1, 30, tzinfo=UTC)
STAMPED_AT = datetime(2026, 10, 13, 1, 30, 7, tzinfo=UTC)  # what the authority says: its own clock


def _timestamping_authority() -> tuple[x509.Certificate, x509.Certificate, rsa.RSAPrivateKey]:
    """A 예시 root and the timestamping certificate it issued (extended key usage timeStamping, critical)."""
    root_key, key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def build(subject: str, issuer: str, public: rsa.RSAPublicKey) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(name(issuer))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
            .not_valid_after(datetime(2050, 1, 1, tzinfo=UTC))
        )

    root = (
        build("예시 시점확인 인증기관", "예시 시점확인 인증기관", root_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    stamping = (
        build("예시 시점확인 서버", "예시 시점확인 인증기관", key.public_key())
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    return root, stamping, key


@pytest.fixture(scope="module")
def authority() -> Iterator[tuple[str, x509.Certificate]]:
    """The timestamp server's URL and the root that vouches for it."""
    # Imported here, after gcworkflow.documents.signing has imported pyHanko with cryptography's DSA warning off.
    from pyhanko.sign.timestamps import DummyTimeStamper

    root, stamping, key = _timestamping_authority()
    der = serialization.Encoding.DER
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(stamping.public_bytes(der)),
        tsa_key=keys.PrivateKeyInfo.load(
            key.private_bytes(der, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        ),
        fixed_dt=STAMPED_AT,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            reply = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/tsa", root
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(var_dir=tmp_path_factory.mktemp("var"))


def test_a_b_t_signature_carries_the_authority_s_time(settings: Settings, authority, tmp_path: Path):
    url, root = authority
    office: OfficeKey = replace(office_key(settings), tsa_url=url)
    pdf = render(samples.designation_notice()).pdf
    signed = sign_pdf(pdf, office, signed_at=SIGNED_AT, reason="기후에너지환경부 공문서 발행", location="과")
    anchors = trust_anchors(settings)
    both = TrustAnchors((*anchors.certificates, root), anchors.source)
    result = verify_pdf(signed, both)
    assert result.ok, result.lines()
    assert result.signed_at == STAMPED_AT  # the authority's time, not the one the signer claims
    assert "(2026-10-13 10:30 KST (시점확인 타임스탬프)" in result.checks[0].message


def test_no_timestamp_no_signature(settings: Settings):
    office = replace(office_key(settings), tsa_url=f"http://127.0.0.1:{free_port()}/tsa")
    with pytest.raises(InvalidInput) as refused:
        sign_pdf(
            render(samples.designation_notice()).pdf, office, signed_at=SIGNED_AT, reason="r", location="l"
        )
    assert refused.value.message == (
        f"시점확인 서비스에서 타임스탬프를 받지 못해 서명하지 못했습니다: {office.tsa_url} "
        "(GCW_SIGNING_TSA_URL과 네트워크를 확인하십시오)"
    )
