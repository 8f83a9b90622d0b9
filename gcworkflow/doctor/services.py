"""The servers beside the installation, reached over the network: the mail server up to EHLO (STARTTLS,
login) with no message sent, and Prefect's ``/health`` at the URL the flows will use."""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import ssl
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path

from gcworkflow.doctor.findings import NETWORK_TIMEOUT, Finding, first_line, ok
from gcworkflow.korean import with_particle
from gcworkflow.local_files import os_reason
from gcworkflow.settings import Settings

__all__ = ["check_prefect", "check_smtp", "prefect_api_url"]


def check_smtp(settings: Settings) -> Iterator[Finding]:
    """Connect, EHLO, STARTTLS (or implicit TLS) and log in as the dispatcher does (notify/channels.py), then
    QUIT: no MAIL command, so no message."""
    if not settings.smtp_host:
        yield Finding(
            "smtp",
            "fail",
            "접속해 볼 메일 서버가 없습니다 (GCW_SMTP_HOST 없음).",
            "GCW_SMTP_HOST와 GCW_SMTP_PORT를 설정하십시오.",
        )
        return
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    timeout = min(settings.smtp_timeout, NETWORK_TIMEOUT)
    fix = (
        f"메일 서버 {with_particle(where, '가')} 실행 중인지, 이 서버에서 그 포트로 나갈 수 있는지(방화벽), GCW_SMTP_HOST·"
        "GCW_SMTP_PORT·GCW_SMTP_SECURITY가 맞는지 확인하십시오."
    )
    steps = ["접속", "EHLO"]
    try:
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if settings.smtp_security == "ssl":
            client = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout, context=context
            )
            steps.insert(1, "TLS")
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        try:
            code, reply = client.ehlo()
            if code != 250:
                raise smtplib.SMTPResponseException(code, reply)
            if settings.smtp_security == "starttls":
                if not client.has_extn("starttls"):
                    yield Finding(
                        "smtp",
                        "fail",
                        f"메일 서버 {with_particle(where, '가')} STARTTLS를 지원하지 않습니다.",
                        fix,
                    )
                    return
                client.starttls(context=context)
                client.ehlo()
                steps.append("STARTTLS")
            if settings.smtp_username:
                client.login(settings.smtp_username, settings.smtp_password or "")
                steps.append("로그인")
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                client.quit()
    except smtplib.SMTPAuthenticationError as exc:
        yield Finding(
            "smtp",
            "fail",
            f"메일 서버 {with_particle(where, '가')} 로그인을 거부했습니다: {exc.smtp_code} {_reply(exc.smtp_error)}",
            "GCW_SMTP_USERNAME과 GCW_SMTP_PASSWORD를 확인하십시오.",
        )
        return
    except smtplib.SMTPResponseException as exc:
        yield Finding(
            "smtp",
            "fail",
            f"메일 서버 {with_particle(where, '가')} 거부했습니다: {exc.smtp_code} {_reply(exc.smtp_error)}",
            fix,
        )
        return
    except ssl.SSLError as exc:
        yield Finding(
            "smtp",
            "fail",
            f"메일 서버 {with_particle(where, '와')} TLS 연결을 맺지 못했습니다 ({exc.reason or first_line(exc)}).",
            "GCW_SMTP_SECURITY(starttls·ssl)와 포트(587·465), 서버 인증서를 확인하십시오.",
        )
        return
    except (OSError, smtplib.SMTPException) as exc:
        yield Finding("smtp", "fail", f"메일 서버 {where}에 접속할 수 없습니다: {_network_reason(exc)}", fix)
        return
    yield ok("smtp", f"{where}: {'·'.join(steps)} 확인 (메일은 보내지 않았습니다).")


def _network_reason(exc: BaseException) -> str:
    """Why a server could not be reached, in Korean: a name that does not resolve and a timeout carry no
    errno that :func:`os_reason` knows."""
    if isinstance(exc, socket.gaierror):
        return "서버 이름을 찾을 수 없습니다"
    if isinstance(exc, TimeoutError):
        return "시간이 초과되었습니다"
    if isinstance(exc, OSError) and exc.errno is not None and exc.errno > 0:
        return os_reason(exc)
    return first_line(exc)


def _reply(raw: bytes | str) -> str:
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())[:200]


def prefect_api_url(settings: Settings | None, environ: Mapping[str, str] | None = None) -> str | None:
    """``PREFECT_API_URL`` as the flows will find it: the environment, else the active profile of the Prefect
    home ``gcw flows`` uses (PREFECT_HOME, by default GCW_VAR_DIR/prefect), read without importing Prefect
    (a second at import, and it makes its home)."""
    env = os.environ if environ is None else environ
    if env.get("PREFECT_API_URL"):
        return env["PREFECT_API_URL"]
    home = env.get("PREFECT_HOME") or (str(settings.var_dir / "prefect") if settings else None)
    profiles = env.get("PREFECT_PROFILES_PATH") or (str(Path(home) / "profiles.toml") if home else None)
    if not profiles:
        return None
    try:
        data = tomllib.loads(Path(profiles).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # no profile file (the usual case) or not one Prefect could read either
    active = env.get("PREFECT_PROFILE") or data.get("active")
    profile = data.get("profiles", {}).get(active, {}) if isinstance(active, str) else {}
    url = profile.get("PREFECT_API_URL") if isinstance(profile, dict) else None
    return url if isinstance(url, str) and url else None


def check_prefect(url: str | None) -> Iterator[Finding]:
    if not url:
        yield Finding(
            "prefect",
            "warn",
            "PREFECT_API_URL이 없습니다: 예약된 흐름(기한 점검·알림, 발송, 문서 발행, 통보)이 돌지 않고, "
            "gcw flows run은 실행할 때마다 임시 Prefect 서버를 띄웁니다.",
            "Prefect 서버(prefect server start)의 주소를 PREFECT_API_URL=http://호스트:4200/api로 설정하고 "
            "gcw flows serve --as-system 또는 prefect worker를 실행하십시오.",
        )
        return
    health = url.rstrip("/") + "/health"
    fix = "Prefect 서버(prefect server start)가 실행 중인지, PREFECT_API_URL(…/api로 끝남)이 맞는지 확인하십시오."
    if not health.startswith(("http://", "https://")):
        yield Finding("prefect", "fail", f"PREFECT_API_URL이 http(s) 주소가 아닙니다: {url!r}", fix)
        return
    try:
        with urllib.request.urlopen(health, timeout=NETWORK_TIMEOUT) as response:
            status, body = response.status, response.read(200).decode(errors="replace").strip()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, ""
    except (OSError, ValueError) as exc:
        # urllib wraps the socket's error in URLError.reason (a string for some failures).
        reason = getattr(exc, "reason", exc)
        said = _network_reason(reason if isinstance(reason, BaseException) else exc)
        yield Finding("prefect", "fail", f"Prefect 서버 {url}에 닿을 수 없습니다: {said}", fix)
        return
    if status != 200 or body != "true":
        yield Finding(
            "prefect",
            "fail",
            f"Prefect 서버 {url}의 /health가 정상이 아닙니다: HTTP {status} {body[:80]}",
            fix,
        )
        return
    yield ok("prefect", f"{url}: /health 정상")
