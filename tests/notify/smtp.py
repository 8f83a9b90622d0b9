"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1, in this process, in its own thread.

``Controller(port=0)`` does not work (aiosmtpd connects to its own port to check that it is up), so a free port
is picked first (DESIGN.md §3). The port is kept for the server's life: ``stop()`` and ``start()`` again on the
same port is how a test takes the mail server down and brings it back. What the server accepted is kept in
``received``, in order, and read back as parsed e-mails (Korean headers decoded, attachments as bytes).
"""

from __future__ import annotations

import io
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from functools import cached_property
from typing import Any

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it: the SMTP envelope and the bytes of DATA."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    mail_options: tuple[str, ...] = ()  # the MAIL FROM parameters (SIZE=…, BODY=8BITMIME …)

    @cached_property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def seven_bit(self) -> bool:
        return all(byte < 0x80 for byte in self.raw)

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])  # policy.default decodes the RFC 2047 words

    @property
    def to(self) -> list[str]:
        return [str(a) for a in self.message.get_all("To", [])]

    @property
    def body(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "no text/plain part"
        return part.get_content()

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(file name, content type, bytes) of each attachment, in order."""
        return [
            (part.get_filename() or "", part.get_content_type(), part.get_content())
            for part in self.message.iter_attachments()
        ]

    def pdf_text(self, index: int) -> str:
        from pypdf import PdfReader

        _name, kind, data = self.attachments[index]
        assert kind == "application/pdf" and data.startswith(b"%PDF-"), (kind, data[:8])
        reader = PdfReader(io.BytesIO(data))
        return "\n".join(page.extract_text() for page in reader.pages)


@dataclass
class Inbox:
    """aiosmtpd handler: keeps every accepted message. ``reject`` makes it refuse DATA with that reply."""

    received: list[Received] = field(default_factory=list)
    reject: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.reject:
            return self.reject
        # Kept before the reply goes out: once the client has its 250, the message is here.
        with self.lock:
            self.received.append(
                Received(
                    str(envelope.mail_from),
                    tuple(envelope.rcpt_tos),
                    bytes(envelope.original_content),
                    tuple(envelope.mail_options),
                )
            )
        return "250 Message accepted for delivery"


class SmtpServer:
    """The server on a port of its own, started and stopped by the test (``with SmtpServer() as server``)."""

    def __init__(self, port: int | None = None) -> None:
        self.host = HOST
        self.port = port or free_port()
        self.inbox = Inbox()
        self._controller: Controller | None = None

    # --- life ---------------------------------------------------------------------------------------

    def start(self) -> SmtpServer:
        if self._controller is None:
            controller = Controller(self.inbox, hostname=self.host, port=self.port, ready_timeout=10)
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    # --- what the product needs to reach it ----------------------------------------------------------

    def settings(self) -> dict[str, Any]:
        """For ``Settings.model_copy(update=…)``."""
        return {
            "mail_channel": "smtp",
            "smtp_host": self.host,
            "smtp_port": self.port,
            "smtp_security": "none",
            "smtp_timeout": 10.0,
            "mail_from": "gcworkflow@test.example.kr",
            "mail_domain": "test.example.kr",
        }

    def env(self) -> dict[str, str]:
        """The same settings as ``GCW_…`` environment variables, for a ``gcw`` subprocess or a flow."""
        return {f"GCW_{key.upper()}": str(value) for key, value in self.settings().items()}

    # --- what it received -----------------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        with self.inbox.lock:
            return list(self.inbox.received)

    def message_ids(self) -> Counter[str]:
        """Message-ID → how many times the server accepted it."""
        return Counter(r.message_id for r in self.received)

    def counts(self) -> tuple[int, int]:
        """(distinct Message-IDs, total messages) received."""
        ids = self.message_ids()
        return len(ids), sum(ids.values())

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]
