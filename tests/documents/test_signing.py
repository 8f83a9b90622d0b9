"""The office's PAdES signature on issued PDFs and their verification (issue #17), on real PDFs rendered by
WeasyPrint, signed by pyHanko with real keys (the session's 예시 authority from tests/conftest.py, and a second
one nobody trusts), and read back with pyHanko and pypdf."""

from __future__ import annotations

import io
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject

from gcworkflow.documents.example_ca import ExampleCa, make_example_ca
from gcworkflow.documents.render import Rendered, render
from gcworkflow.documents.signing import FIELD_NAME, OfficeKey, load_key, office_key, sign_pdf, sign_rendered
from gcworkflow.documents.verification import TrustAnchors, Verification, trust_anchors, verify_pdf
from gcworkflow.errors import InvalidInput
from gcworkflow.settings import Settings
from tests.documents import samples

SIGNED_AT = datetime(2026, 10, 13, 1, 30, tzinfo=UTC)  # 10:30 in Seoul
REASON, LOCATION = "기후에너지환경부 공문서 발행", "탈탄소녹색산업혁신과"


@pytest.fixture(scope="module")
def notice() -> Rendered:
    return render(samples.designation_notice())


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An installation configured as tests/conftest.py configures every test's: the session's authority."""
    return Settings(var_dir=tmp_path_factory.mktemp("var"))


@pytest.fixture(scope="module")
def office(settings: Settings) -> OfficeKey:
    return office_key(settings)


@pytest.fixture(scope="module")
def anchors(settings: Settings) -> TrustAnchors:
    return trust_anchors(settings)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> OfficeKey:
    """A key from another 예시 authority, which no test installation trusts."""
    other: ExampleCa = make_example_ca(tmp_path_factory.mktemp("stranger") / "ca")
    return load_key(other.certificate.read_bytes(), None, source=str(other.certificate))


def sign(pdf: bytes, key: OfficeKey, at: datetime = SIGNED_AT) -> bytes:
    return sign_pdf(pdf, key, signed_at=at, reason=REASON, location=LOCATION)


def failed(result: Verification) -> dict[str, str]:
    return {c.name: c.message for c in result.checks if not c.ok}


def test_the_signature_is_an_incremental_update_that_keeps_the_pdfa(notice: Rendered, office: OfficeKey):
    signed = sign(notice.pdf, office)
    assert signed.startswith(notice.pdf)  # the rendered bytes untouched: the signature is appended
    before, after = PdfReader(io.BytesIO(notice.pdf)), PdfReader(io.BytesIO(signed))
    # The PDF/A identification and every metadata entry as rendered (Info and XMP still agree), the data kept.
    xmp = after.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert xmp == before.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp
    assert after.metadata == before.metadata
    assert after.attachments == before.attachments == {"designation_notice.json": [notice.data_json]}
    (widget,) = [a.get_object() for a in after.pages[0]["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    assert widget["/T"] == FIELD_NAME
    assert widget["/F"] & 4 and not widget["/F"] & 2  # printed, not hidden: PDF/A allows no hidden annotation
    assert all(float(x) < 0 for x in widget["/Rect"])  # off the page: nothing drawn, nothing to tag
    value = widget["/V"].get_object()
    assert (value["/SubFilter"], value["/Reason"], value["/Location"]) == (
        "/ETSI.CAdES.detached",
        REASON,
        LOCATION,
    )
    assert value["/M"] == "D:20261013103000+09'00'"


def test_the_same_pdf_key_and_time_give_the_same_bytes(notice: Rendered, office: OfficeKey, stranger):
    first, second = sign(notice.pdf, office), sign(notice.pdf, office)
    assert first == second
    assert sign(notice.pdf, office, SIGNED_AT.replace(minute=31)) != first
    assert sign(notice.pdf, stranger) != first


def test_verify_accepts_a_signed_notice_and_says_each_check(notice: Rendered, office: OfficeKey, anchors):
    result = verify_pdf(sign(notice.pdf, office), anchors)
    assert result.ok, result.lines()
    assert [c.name for c in result.checks] == ["signature", "unchanged", "certificate", "data"]
    assert result.kind == "designation_notice" and result.signer == office.subject
    assert result.signer_sha256 == office.sha256 and "예시" in office.subject
    assert result.signed_at == SIGNED_AT
    lines = result.lines()
    assert lines[0].startswith("서명: 통과 — 서명이 온전합니다 (2026-10-13 10:30 KST")
    assert (
        lines[3]
        == "내용: 통과 — 내장 데이터(designation_notice.json)가 본문과 일치합니다 (번호, 날짜, 발신, 명칭, 면적)"
    )
    assert lines[-1].startswith("결과: 모두 통과")


@pytest.mark.parametrize("letter", [samples.opinion_request, samples.designation_notification])
def test_verify_reads_a_letter_s_number_date_recipient_and_subject(letter, office: OfficeKey, anchors):
    document = letter()
    result = verify_pdf(sign(render(document).pdf, office), anchors)
    assert result.ok, result.lines()
    assert "(시행 번호, 시행일, 수신, 제목)" in result.checks[3].message


def test_verify_refuses_a_copy_with_one_changed_byte(notice: Rendered, office: OfficeKey, anchors):
    signed = bytearray(sign(notice.pdf, office))
    signed[len(notice.pdf) // 2] ^= 0x01  # one bit, in the middle of what was signed
    result = verify_pdf(bytes(signed), anchors)
    assert not result.ok
    assert (
        failed(result)["signature"] == "서명값이 문서 내용과 맞지 않습니다 (서명한 뒤에 내용이 바뀌었습니다)"
    )
    assert failed(result)["unchanged"] == "서명한 범위의 내용이 바뀌었습니다"


def test_verify_refuses_a_copy_with_something_added_after_signing(
    notice: Rendered, office: OfficeKey, anchors
):
    signed = sign(notice.pdf, office)
    writer = PdfWriter(io.BytesIO(signed), incremental=True)
    writer.add_metadata({"/Title": "다른 제목"})
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue(), anchors)
    assert set(failed(result)) == {"unchanged"}, result.lines()
    assert failed(result)["unchanged"].startswith("서명 뒤에 덧붙인 내용이 있습니다")


def test_verify_refuses_a_copy_signed_by_another_key(notice: Rendered, office: OfficeKey, stranger, anchors):
    result = verify_pdf(sign(notice.pdf, stranger), anchors)
    assert set(failed(result)) == {"certificate"}, result.lines()
    assert result.signer == stranger.subject
    assert "신뢰하는 인증기관에 이어지지 않거나" in failed(result)["certificate"]


def test_verify_refuses_a_visible_number_that_differs_from_the_data(
    notice: Rendered, office: OfficeKey, anchors
):
    """The page says 제2026-152호; the attached data, changed before the trusted key signed, says 제2026-153호."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(notice.pdf)))
    data = json.loads(notice.data_json)
    data["number"] = data["number"].replace("152", "153")
    names = writer._root_object["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    stream.set_data(json.dumps(data, ensure_ascii=False).encode())
    stream[NameObject("/Params")] = stream["/Params"]  # the checksum is stale; nothing reads it here
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(sign(out.getvalue(), office), anchors)
    assert set(failed(result)) == {"data"}, result.lines()
    assert failed(result)["data"] == (
        "내장 데이터(designation_notice.json)의 값이 본문에 없습니다: 번호 '기후에너지환경부고시 제2026-153호'"
    )


def test_verify_refuses_an_unsigned_pdf_and_a_file_that_is_no_pdf(notice: Rendered, anchors):
    unsigned = verify_pdf(notice.pdf, anchors)
    assert failed(unsigned)["signature"] == "전자서명이 없습니다" and unsigned.checks[3].ok
    garbage = verify_pdf(b"%PDF-1.7 not really", anchors)
    assert failed(garbage)["signature"] == "PDF로 읽을 수 없습니다"
    assert set(failed(garbage)) == {"signature", "unchanged", "certificate", "data"}


def test_without_trust_anchors_no_signer_is_trusted(notice: Rendered, office: OfficeKey):
    result = verify_pdf(sign(notice.pdf, office), TrustAnchors((), ""))
    assert set(failed(result)) == {"certificate"}
    assert "--trust PEM 파일 또는 GCW_SIGNING_TRUST" in failed(result)["certificate"]


def test_an_installation_with_no_certificate_issues_nothing(monkeypatch, tmp_path: Path, notice: Rendered):
    for name in ("GCW_SIGNING_CERTIFICATE", "GCW_SIGNING_PASSPHRASE", "GCW_SIGNING_TRUST"):
        monkeypatch.delenv(name)
    with pytest.raises(InvalidInput) as refused:
        sign_rendered(Settings(var_dir=tmp_path), notice, SIGNED_AT)
    assert refused.value.message.startswith(
        "발행 문서에 전자서명할 기관 인증서가 설정되지 않아 문서를 발행할 수 없습니다 "
        "(운영방침: GCW_SIGNING_CERTIFICATE). GCW_SIGNING_CERTIFICATE에 기관 인증서(행정전자서명, PKCS#12 파일)를"
    )
    assert not (tmp_path / "signing").exists()


def test_an_illustrative_installation_signs_with_an_example_authority_it_makes(
    monkeypatch, tmp_path: Path, notice: Rendered
):
    for name in ("GCW_SIGNING_CERTIFICATE", "GCW_SIGNING_PASSPHRASE", "GCW_SIGNING_TRUST"):
        monkeypatch.delenv(name)
    settings = Settings(var_dir=tmp_path, documents_illustrative=True)
    signed, signer = sign_rendered(settings, notice, SIGNED_AT)
    folder = tmp_path / "signing"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in folder.iterdir()} == {
        "ca.pem": 0o600,
        "signer.p12": 0o600,
    }
    assert (
        signer["signer"].startswith("CN=예시 기후에너지환경부")
        and "O=예시 기후에너지환경부" in signer["signer"]
    )
    # Made once: the next document is signed by the same key, and the installation trusts its own authority.
    assert sign_rendered(settings, notice, SIGNED_AT)[1] == signer
    assert verify_pdf(signed.pdf, trust_anchors(settings)).ok


def test_a_wrong_passphrase_is_refused_in_korean(notice: Rendered):
    data = Path(os.environ["GCW_SIGNING_CERTIFICATE"]).read_bytes()
    with pytest.raises(InvalidInput) as refused:
        load_key(data, "틀린 암호".encode(), source="office.p12")
    assert refused.value.message == (
        "서명 인증서 파일을 열 수 없습니다: office.p12 (암호가 틀렸거나 PKCS#12 파일이 아닙니다). "
        "GCW_SIGNING_PASSPHRASE와 GCW_SIGNING_CERTIFICATE를 확인하십시오"
    )


def test_a_certificate_out_of_its_validity_signs_nothing(settings: Settings, notice: Rendered):
    with pytest.raises(InvalidInput) as refused:
        sign_rendered(settings, notice, datetime(2051, 1, 2, tzinfo=UTC))
    assert refused.value.message.startswith(
        "서명 인증서의 유효기간(2020-01-01~2050-12-31)이 아니어서 문서를 발행할 수 없습니다: CN=예시"
    )
