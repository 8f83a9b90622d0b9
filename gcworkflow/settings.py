"""Settings: one pydantic-settings class, environment prefix ``GCW_`` (DESIGN.md §3).

The defaults give a working local installation: an SQLite file and the document store under ``var/``.
Policy settings (procedure.md: **policy**) are cited in refusals as ``운영방침: <setting>``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GCW_", extra="ignore")

    var_dir: Path = Field(default=Path("var"), description="로컬 파일(SQLite, 문서 저장소, Maildir) 폴더")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; 없으면 var_dir/gcworkflow.sqlite3"
    )

    governor_reply_days: int = Field(
        default=30, ge=1, le=365, description="시·도지사 의견 회신 기한 기본값(일)"
    )
    ministry_reply_days: int = Field(
        default=20, ge=1, le=365, description="관계부처 협의 회신 기한 기본값(일)"
    )
    notification_sla_working_days: int = Field(
        default=1, ge=0, le=30, description="'지체 없이' 통보 목표(근무일)"
    )
    administrative_notice_days: int = Field(
        default=20,
        ge=1,
        le=365,
        description="행정예고 기간 기본값(일, 행정절차법 제46조제3항: 특별한 사정이 없으면 20일 이상)",
    )
    notice_sla_working_days: int = Field(
        default=10, ge=1, le=120, description="심의 의결 후 고시까지 내부 목표(근무일)"
    )
    reminder_offsets: list[int] = Field(default=[7, 3, 1], description="기한 전 알림 시점(달력 일수, D-n)")
    escalate_after_days: int = Field(
        default=3, ge=1, le=90, description="기한 경과 후 결재권자에게 알리는 날수"
    )
    stuck_after_days: int = Field(
        default=30, ge=1, le=365, description="기한도 처리도 없이 멈춘 절차로 보는 날수"
    )
    require_objection_resolution: bool = Field(
        default=True, description="이견마다 조치 결과를 기록해야 위원회에 회부할 수 있음 (운영방침)"
    )
    notice_numbering: Literal["manual", "local"] = Field(
        default="manual",
        description="고시 번호·시행 번호: manual = 부처 문서관리시스템 번호 기록, local = 자체 일련번호",
    )
    minor_change_notice: bool = Field(
        default=False,
        description="경미한 조성계획 변경도 변경 고시·통보를 하는지 (법문은 요구하지 않음, law.md §2.2)",
    )
    office_division: str | None = Field(default=None, description="처리과 (없으면 문서 날짜의 부처 담당 과)")
    office_postcode: str | None = Field(default=None, description="우편번호")
    office_address: str | None = Field(default=None, description="주소 (정부세종청사 등)")
    office_homepage: str | None = Field(default=None, description="홈페이지 주소")
    office_phone: str | None = Field(default=None, description="전화번호")
    office_fax: str | None = Field(default=None, description="팩스번호")
    office_email: str | None = Field(default=None, description="담당 공무원 전자우편")
    documents_illustrative: bool = Field(
        default=False, description="발행 문서에 '예시 문서 — 실제 고시·공문이 아님'을 표시 (데모·교육용)"
    )
    # The office's certificate for the PAdES signature on every issued PDF (issue #17): in production a
    # 행정전자서명(GPKI) certificate. The passphrase comes from the environment only, never from a file here.
    signing_certificate: Path | None = Field(
        default=None,
        description="문서 전자서명 인증서: PKCS#12 파일(.p12·.pfx; 운영에서는 행정전자서명 기관 인증서)",
    )
    signing_passphrase: SecretStr | None = Field(
        default=None, description="인증서 암호 (환경변수 GCW_SIGNING_PASSPHRASE로만 주십시오)"
    )
    signing_trust: Path | None = Field(
        default=None,
        description="서명 검증에 신뢰하는 최상위 인증서 묶음 (PEM; 행정전자서명 최상위 인증서 등)",
    )
    signing_tsa_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S{1,500}$",
        description="시점확인(타임스탬프) 서비스 URL: 있으면 서명 시각을 확인받습니다 (PAdES B-T)",
    )
    clerk_title: str = Field(default="주무관", description="서명란의 담당자 직급")
    approver_title: str = Field(default="과장", description="서명란의 결재권자 직위 (전결)")

    mail_channel: Literal["maildir", "smtp"] = Field(
        default="maildir", description="발송 경로: maildir = var_dir/maildir에 보관(로컬), smtp = 메일 서버"
    )
    smtp_host: str | None = Field(default=None, description="SMTP 서버")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = Field(default="starttls")
    smtp_username: str | None = None
    smtp_password: str | None = Field(default=None, description="환경변수로만 주십시오 (저장소에 두지 않음)")
    smtp_timeout: float = Field(default=30.0, gt=0)
    mail_from: str = Field(default="gcworkflow@localhost", description="보내는 주소")
    mail_domain: str = Field(default="gcworkflow.local", description="Message-ID의 도메인")
    outbox_max_attempts: int = Field(default=5, ge=1, le=50, description="이 횟수만큼 실패하면 dead")
    outbox_backoff_seconds: int = Field(default=60, ge=1, description="재시도 간격의 기준 (지수 증가)")
    outbox_lease_seconds: int = Field(
        default=600, ge=10, description="발송 중으로 잡힌 뒤 이 시간이 지나면 재발송"
    )
    # The web desk's security policy (issue #8): defaults as the desk shipped with them.
    web_session_idle_minutes: int = Field(
        default=120, ge=5, le=1440, description="이만큼 쓰지 않으면 로그아웃"
    )
    web_session_hours: int = Field(default=12, ge=1, le=72, description="로그인 한 번의 최대 유효 시간")
    # Sign-in throttling (OWASP ASVS V2.2.1): after this many failures in a row the next attempt waits 1 minute,
    # twice as long after each further failure, at most GCW_WEB_LOCK_MINUTES — a growing delay, not a hard lock.
    web_lock_after_failures: int = Field(
        default=5, ge=3, le=20, description="한 사용자 이름에 잇달아 이만큼 실패하면 대기 시작"
    )
    web_lock_address_failures: int = Field(
        default=20, ge=5, le=1000, description="한 주소에서 이름과 상관없이 잇달아 실패하면 대기 시작"
    )
    web_lock_minutes: int = Field(default=15, ge=1, le=1440, description="가장 긴 대기 (1분부터 두 배씩)")
    web_upload_mib: int = Field(default=25, ge=1, le=200, description="문서 업로드 한 건의 최대 크기 (MiB)")
    # The public register (issue #18): anyone may read it, so each address gets a share. Counted per worker
    # process: with `gcw serve --workers N` an address may get up to N times this.
    public_requests_per_minute: int = Field(
        default=120, ge=1, le=100_000, description="공개 열람(/public/): 한 주소에서 1분에 받는 요청 수"
    )
    public_tag_authority: str = Field(
        default="gcworkflow.local",
        pattern=r"^[a-z0-9.-]{1,100}$",
        description="고시 알림(Atom)의 항목 식별자(tag: URI)에 쓰는 기관 도메인. 한 번 정하면 바꾸지 않습니다",
    )
    # Seeing it run (issue #16): the operators' log and the /metrics scrape.
    log_format: Literal["text", "json"] = Field(
        default="text", description="로그 형식: text = 한 줄 글, json = 한 줄에 JSON 하나"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = Field(
        default=None,
        description="로그 수준 (없으면 gcw serve는 --log-level, 흐름은 INFO, 명령은 터미널에 로그를 쓰지 않음)",
    )
    metrics_token_sha256: str | None = Field(
        default=None,
        pattern=r"^[0-9a-f]{64}$",
        description="/metrics 수집 전용 토큰의 SHA-256 (소문자 16진수 64자; 토큰 자체는 두지 않음)",
    )
    metrics_public: bool = Field(
        default=False, description="/metrics를 인증 없이 공개 (수집기만 닿는 내부망에서만)"
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        # GCW_LOG_LEVEL=info means INFO, as logging's own names are written; empty means the default.
        return (value.strip().upper() or None) if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return (value.strip().lower() or "text") if isinstance(value, str) else value

    @field_validator(
        "signing_certificate", "signing_passphrase", "signing_trust", "signing_tsa_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # GCW_SIGNING_…= (empty) in a service file means "not configured", not the current folder.
        return (value if value.strip() else None) if isinstance(value, str) else value

    @field_validator("metrics_token_sha256", mode="before")
    @classmethod
    def _hex_in_any_case(cls, value: object) -> object:
        # sha256sum prints lower case; a digest copied from elsewhere may not be. Empty means no metrics token.
        return (value.strip().lower() or None) if isinstance(value, str) else value

    @property
    def maildir(self) -> Path:
        return self.var_dir / "maildir"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'gcworkflow.sqlite3').resolve()}"

    @property
    def document_dir(self) -> Path:
        return self.var_dir / "documents"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def unreadable_setting(error: Exception) -> str:
    """The variable a ``SettingsError`` is about: a list or mapping setting that is not JSON fails before
    validation, and pydantic-settings names only the field, in English."""
    field = re.search(r'field "(\w+)"', str(error))
    return f"GCW_{field.group(1).upper()}" if field else "GCW_…"


def policy_basis(setting: str) -> str:
    """Refusals grounded in ministry practice cite the setting, not an article (procedure.md, **policy**)."""
    return f"운영방침: {setting}"
