"""What every check of `gcw doctor` gives and shares: the :class:`Finding` (ok, warn or fail, with the fix),
the checks' titles in the order they run, and the guard that turns an error a check did not foresee into its
failing line."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

__all__ = [
    "DEBUG_FIX",
    "NETWORK_TIMEOUT",
    "TITLES",
    "Finding",
    "Status",
    "debugging",
    "failed",
    "first_line",
    "guarded",
    "ok",
    "unforeseen",
    "warned",
]

Status = Literal["ok", "warn", "fail"]

# Long enough for a server across a slow network, short enough that a dropped packet does not hang the check.
NETWORK_TIMEOUT = 10.0
DEBUG_FIX = "GCW_DEBUG=1 gcw doctor로 다시 실행해 자세한 내용을 관리자에게 알려 주십시오."

# Each check's name as an operator reads it, in the order they run.
TITLES: dict[str, str] = {
    "settings": "환경 설정",
    "database": "데이터베이스",
    "admin": "관리자",
    "var_dir": "로컬 파일 폴더",
    "document_store": "문서 저장소",
    "maildir": "메일 보관함",
    "fonts": "문서 글꼴",
    "pdf_engine": "PDF 엔진",
    "font_subsetter": "글꼴 서브셋",
    "office": "사무실 설정",
    "documents": "문서 번호·표시",
    "signing": "전자서명 인증서",
    "mail": "메일 설정",
    "smtp": "메일 서버",
    "prefect": "Prefect 서버",
    "checkpoint": "감사 체크포인트",
    "audit_chains": "감사 체인",
    "outbox": "발송 대기열",
}


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    message: str
    fix: str | None = None

    @property
    def title(self) -> str:
        return TITLES.get(self.check, self.check)

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


def failed(findings: Sequence[Finding]) -> bool:
    return any(f.status == "fail" for f in findings)


def ok(check: str, message: str) -> Finding:
    return Finding(check, "ok", message)


def warned(check: str, problems: Sequence[str], fixes: Sequence[str], otherwise: str) -> Finding:
    """One warning naming every problem and its fix, joined as a sentence; the ok line ``otherwise``. For the
    checks whose problems never stop the installation (documents, outbox)."""
    if problems:
        return Finding(check, "warn", "; ".join(problems) + ".", "; ".join(fixes) + ".")
    return ok(check, otherwise)


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


def unforeseen(check: str, exc: Exception) -> Finding:
    return Finding(
        check,
        "fail",
        f"점검하다가 예상하지 못한 오류가 났습니다 ({type(exc).__name__}: {first_line(exc)})",
        DEBUG_FIX,
    )


def guarded(check: str, run: Callable[[], Iterator[Finding]]) -> list[Finding]:
    """A check's findings; an error it did not foresee becomes its failing line, so one broken check neither
    hides the others nor ends the command with a traceback."""
    try:
        return list(run())
    except Exception as exc:
        if debugging():
            raise  # the traceback the failing line promises (cli/_runtime.command shows it)
        return [unforeseen(check, exc)]


def debugging() -> bool:
    return os.environ.get("GCW_DEBUG") == "1"
