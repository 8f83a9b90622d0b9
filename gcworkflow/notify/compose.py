"""The e-mail for an outbox row: Korean text, a Message-ID derived from the row (stable across re-sends, so a
receiver can drop a duplicate), and the PDFs a letter carries."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

from gcworkflow.settings import Settings


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


def message_id(outbox_id: int, dedupe_key: str, domain: str) -> str:
    """Stable for the row: the same message sent twice carries the same Message-ID."""
    tag = hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:16]
    return f"<gcw.{outbox_id}.{tag}@{domain}>"


@dataclass(frozen=True)
class Outgoing:
    outbox_id: int
    dedupe_key: str
    kind: str
    address: str
    subject: str
    body: str
    created_at_header: str
    to_do: str | None
    attachments: tuple[Attachment, ...]


# Korean subjects are RFC 2047 encoded words; folding them at 78 columns loses the space at a fold between two
# words (CPython's header folder, gh-85725 family). RFC 5322 allows lines up to 998 octets: fold only there.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998, cte_type="7bit")  # 7-bit clean: no 8BITMIME needed


def compose(item: Outgoing, settings: Settings) -> EmailMessage:
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = settings.mail_from
    message["To"] = item.address
    message["Subject"] = item.subject
    message["Message-ID"] = message_id(item.outbox_id, item.dedupe_key, settings.mail_domain)
    message["Date"] = item.created_at_header
    message["X-GCW-Outbox"] = str(item.outbox_id)
    parts = [item.body.strip()]
    if item.to_do:
        parts.append(f"할 일: {item.to_do}")
    if item.attachments:
        parts.append("첨부: " + ", ".join(a.filename for a in item.attachments))
    parts.append(
        "이 메일은 녹색융합클러스터 절차 관리 시스템(gcworkflow)이 보냈습니다. 같은 Message-ID의 메일을 "
        "두 번 받으셨다면 하나는 무시하셔도 됩니다."
    )
    message.set_content("\n\n".join(parts), charset="utf-8")
    for attachment in item.attachments:
        message.add_attachment(
            attachment.data, maintype="application", subtype="pdf", filename=attachment.filename
        )
    return message


def date_header(moment) -> str:
    return format_datetime(moment)
