"""Where e-mail goes: an SMTP server (STARTTLS or implicit TLS, with authentication from settings) or, for a
local installation and the demo, a Maildir under ``GCW_VAR_DIR`` that any mail client can open."""

from __future__ import annotations

import contextlib
import mailbox
import smtplib
import ssl
from pathlib import Path
from typing import Protocol

from gcworkflow.local_files import LocalFilesError, ensure_dir, os_reason
from gcworkflow.notify.compose import Composed
from gcworkflow.settings import Settings


class SendFailed(Exception):
    """The server refused the message or could not be reached; the message is retried later."""


class Channel(Protocol):
    name: str

    def send(self, message: Composed) -> str: ...  # the server's answer, as the record keeps it
    def close(self) -> None: ...


class MaildirChannel:
    """Opened on the first message, folders and parents made then: a folder that cannot be written fails each
    message like a server that refuses it (retried later, the reason in Korean), never half a dispatch."""

    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._box: mailbox.Maildir | None = None

    def send(self, message: Composed) -> str:
        try:
            if self._box is None:
                ensure_dir(self.path.parent, "메일 보관함(Maildir) 폴더")
                self._box = mailbox.Maildir(self.path, create=True)
            key = self._box.add(message.data)
        except LocalFilesError as exc:
            raise SendFailed(exc.message) from exc
        except OSError as exc:
            raise SendFailed(LocalFilesError("메일 보관함(Maildir)", self.path, exc).message) from exc
        return f"maildir {key}"

    def close(self) -> None:
        if self._box is not None:
            self._box.close()


class SmtpChannel:
    """One connection for a whole dispatch batch, opened on the first message and reopened after a failure."""

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise SendFailed("SMTP 서버(GCW_SMTP_HOST)가 설정되지 않았습니다")
        self.settings = settings
        self._client: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
            )
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            if s.smtp_security == "starttls":
                client.starttls(context=context)
        client.ehlo_or_helo_if_needed()  # MAIL before EHLO is refused (503); STARTTLS forgets the first EHLO
        if s.smtp_username:
            client.login(s.smtp_username, s.smtp_password or "")
        return client

    def send(self, message: Composed) -> str:
        """MAIL, RCPT, DATA one by one, so that the server's own answer to DATA is what we record."""
        try:
            if self._client is None:
                self._client = self._connect()
            client = self._client
            code, reply = client.mail(message.mail_from)
            if code != 250:
                raise SendFailed(f"보내는 주소를 서버가 거부했습니다: {code} {reply!r}")
            code, reply = client.rcpt(message.rcpt_to)
            if code not in (250, 251):
                raise SendFailed(f"받는 주소 {message.rcpt_to}를 서버가 거부했습니다: {code} {reply!r}")
            code, reply = client.data(message.data)
            if code != 250:
                raise SendFailed(f"서버가 메시지를 받지 않았습니다: {code} {reply!r}")
            return f"{code} {reply.decode(errors='replace')}".strip()
        except SendFailed:
            self.close()
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            # SMTPException is an OSError without an errno: the server's words are kept as they came.
            reason = os_reason(exc) if exc.errno is not None else f"{type(exc).__name__} {exc}".strip()
            raise SendFailed(f"SMTP 발송 실패: {reason}") from exc

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._client.quit()
            self._client = None


def channel_for(settings: Settings) -> Channel:
    if settings.mail_channel == "smtp":
        return SmtpChannel(settings)
    return MaildirChannel(settings.maildir)
