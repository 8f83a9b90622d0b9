"""The e-mail as written for the wire (no database, no server): what any mail reader gets back from it with the
standard library's parser, and the rules of the wire format it keeps."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

from gcworkflow.notify.compose import Attachment, Outgoing, compose, is_plain_address
from gcworkflow.settings import Settings

SETTINGS = Settings(mail_from="gcworkflow@me.example.kr", mail_domain="me.example.kr")
SUBJECT = "[지정 결과 통보] 첨단 전자산업 자원순환 녹색융합클러스터 지정 고시 및 관할 시·도지사 통보 — 구미시"
LONG_NAME = "환경부 고시 제2026-12호 구미 첨단 전자산업 자원순환 녹색융합클러스터 지정 고시문 (경상북도지사 통보용).pdf"


def outgoing(*attachments: Attachment, subject: str = SUBJECT) -> Outgoing:
    return Outgoing(
        7,
        "letter:7:governor:47",
        "letter",
        "gov47@gb.example.kr",
        subject,
        "경상북도지사님께\n지정 고시를 붙임과 같이 통보합니다.\n기한: 2026. 4. 1.",
        "Mon, 30 Nov 2026 10:00:00 +0000",
        "붙임 고시문을 확인하고 주민 열람(14일)을 시작합니다",
        attachments,
    )


def test_a_letter_reads_back_whole_and_keeps_the_wire_rules() -> None:
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    composed = compose(outgoing(Attachment(LONG_NAME, pdf), Attachment("붙임2.pdf", b"%PDF-")), SETTINGS)
    lines = composed.data.split(b"\r\n")
    assert all(len(line) <= 78 for line in lines)  # RFC 5322 §2.1.1 recommends 78, requires 998
    assert b"\n" not in composed.data.replace(b"\r\n", b"") and composed.data.isascii()  # CRLF only, 7-bit
    message = BytesParser(policy=policy.default).parsebytes(composed.data)
    assert not message.defects
    assert str(message["Subject"]) == SUBJECT  # no space lost or added where the encoded words fold
    assert str(message["Message-ID"]) == composed.message_id
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "지정 고시를 붙임과 같이 통보합니다." in body and "할 일: 붙임 고시문을 확인하고" in body
    assert f"첨부: {LONG_NAME}, 붙임2.pdf" in body
    attached = [
        (part.get_filename(), part.get_content_type(), part.get_content())
        for part in message.iter_attachments()
    ]
    assert attached == [(LONG_NAME, "application/pdf", pdf), ("붙임2.pdf", "application/pdf", b"%PDF-")]


def test_the_same_row_gives_the_same_bytes() -> None:
    """A re-sent message (crash after the server's acceptance) is the first one again, byte for byte."""
    item = outgoing(Attachment("고시문.pdf", b"%PDF-1.7"))
    assert compose(item, SETTINGS) == compose(item, SETTINGS)


def test_a_plain_ascii_subject_stays_as_it_is() -> None:
    composed = compose(outgoing(subject="Reminder: opinion due 2026-04-01"), SETTINGS)
    assert b"\r\nSubject: Reminder: opinion due 2026-04-01\r\n" in composed.data


def test_only_a_plain_address_goes_into_a_header() -> None:
    assert is_plain_address("gov47@gb.example.kr")
    for bad in ("경북@gb.example.kr", "a@b.kr\r\nBcc: x@y.kr", "Kim <kim@me.kr>", "a@b.kr, c@d.kr", "nobody"):
        assert not is_plain_address(bad), bad
