"""The mail settings as written, without a connection: the channel, the sender's address, the Message-ID
domain, the login and the encryption (the server itself is services.check_smtp's)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from email.utils import parseaddr

from gcworkflow.doctor.findings import Finding, ok
from gcworkflow.korean import with_particle
from gcworkflow.settings import Settings

__all__ = ["check_mail"]

SMTP_DEFAULT_FROM = Settings.model_fields["mail_from"].default
SMTP_DEFAULT_DOMAIN = Settings.model_fields["mail_domain"].default
SECURITY_WORDS = {"none": "암호화 없음", "starttls": "STARTTLS", "ssl": "SSL/TLS"}


def check_mail(settings: Settings) -> Iterator[Finding]:
    if settings.mail_channel == "maildir":
        yield Finding(
            "mail",
            "warn",
            f"메일을 보내지 않고 {settings.maildir} 폴더(Maildir)에 보관합니다 (GCW_MAIL_CHANNEL=maildir): "
            "시·도지사와 담당자에게 실제로 가지 않습니다.",
            "GCW_MAIL_CHANNEL=smtp와 GCW_SMTP_HOST·GCW_SMTP_PORT·GCW_SMTP_SECURITY를 설정하고 gcw doctor --smtp로 "
            "확인하십시오.",
        )
        return
    fails, warns, fixes = [], [], []
    if not settings.smtp_host:
        fails.append("메일 서버(GCW_SMTP_HOST)가 설정되지 않았습니다")
        fixes.append("GCW_SMTP_HOST와 GCW_SMTP_PORT를 설정하십시오")
    _name, address = parseaddr(settings.mail_from)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        fails.append(
            f"보내는 주소(GCW_MAIL_FROM) {with_particle(repr(settings.mail_from), '가')} 전자우편 주소가 아닙니다"
        )
        fixes.append("GCW_MAIL_FROM을 기관의 주소로 설정하십시오")
    elif settings.mail_from == SMTP_DEFAULT_FROM or address.endswith("@localhost"):
        warns.append(f"보내는 주소가 {address}입니다: 받는 서버가 거부하거나 스팸으로 분류할 수 있습니다")
        fixes.append("GCW_MAIL_FROM을 기관의 주소로 설정하십시오")
    if settings.mail_domain == SMTP_DEFAULT_DOMAIN:
        warns.append(f"Message-ID의 도메인이 기본값({settings.mail_domain})입니다")
        fixes.append("GCW_MAIL_DOMAIN을 기관의 도메인으로 설정하십시오")
    if settings.smtp_username and not settings.smtp_password:
        fails.append("로그인 이름(GCW_SMTP_USERNAME)은 있는데 비밀번호(GCW_SMTP_PASSWORD)가 없습니다")
        fixes.append("GCW_SMTP_PASSWORD를 환경변수로 주십시오")
    if settings.smtp_host and settings.smtp_security == "none" and not _loopback(settings.smtp_host):
        warns.append(f"{settings.smtp_host}에 암호화하지 않고 보냅니다 (GCW_SMTP_SECURITY=none)")
        fixes.append("GCW_SMTP_SECURITY=starttls(587) 또는 ssl(465)로 설정하십시오")
    if fails or warns:
        yield Finding(
            "mail", "fail" if fails else "warn", "; ".join(fails + warns) + ".", "; ".join(fixes) + "."
        )
        return
    yield ok(
        "mail",
        f"SMTP {settings.smtp_host}:{settings.smtp_port} ({SECURITY_WORDS[settings.smtp_security]}), 보내는 주소 "
        f"{settings.mail_from}, Message-ID 도메인 {settings.mail_domain}",
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
