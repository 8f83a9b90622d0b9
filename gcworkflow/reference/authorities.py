"""The issuing authority (발신 명의) in force on a date, and gazette notice numbers.

The ministry became 기후에너지환경부 on 2025-10-01 (law.md §0.2). A document dated before that must keep
"환경부장관 / 환경부고시", one dated from then on must say "기후에너지환경부장관 / 기후에너지환경부고시", so
templates take the authority from here by the document's date and never spell it out themselves.

Notice numbers follow 행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조 (연도표시 일련번호: the year and a
serial restarting each year, joined by a hyphen), as in "기후에너지환경부고시 제2026-3호" (law.md §4.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "AUTHORITIES",
    "MINISTRY_RENAMED_ON",
    "Authority",
    "authority_on",
    "format_notice_number",
    "parse_notice_number",
]


@dataclass(frozen=True)
class Authority:
    """How the ministry names itself in documents of one period."""

    ministry: str  # 부처명, e.g. "기후에너지환경부"
    head: str  # 발신 명의, e.g. "기후에너지환경부장관"
    notice_series: str  # 고시 번호의 앞부분, e.g. "기후에너지환경부고시"
    ordinance: str  # 부령의 명칭, e.g. "기후에너지환경부령"
    division: str  # 담당 과, e.g. "탈탄소녹색산업혁신과"


# 정부조직법 법률 제21065호 부칙 제7조<330>, in force on promulgation (law.md §0.2).
MINISTRY_RENAMED_ON = date(2025, 10, 1)

_ENVIRONMENT = Authority(
    ministry="환경부",
    head="환경부장관",
    notice_series="환경부고시",
    ordinance="환경부령",
    division="녹색산업혁신과",
)
_CLIMATE_ENERGY_ENVIRONMENT = Authority(
    ministry="기후에너지환경부",
    head="기후에너지환경부장관",
    notice_series="기후에너지환경부고시",
    ordinance="기후에너지환경부령",
    division="탈탄소녹색산업혁신과",
)

# Chronological; useful to recognise either series in numbers recorded from the ministry's registry.
AUTHORITIES: tuple[Authority, ...] = (_ENVIRONMENT, _CLIMATE_ENERGY_ENVIRONMENT)


def authority_on(day: date) -> Authority:
    """The authority in whose name a document dated `day` is issued."""
    return _CLIMATE_ENERGY_ENVIRONMENT if day >= MINISTRY_RENAMED_ON else _ENVIRONMENT


_SERIES = re.compile(r"\S(?:.*\S)?고시")
# The body before "고시" may contain spaces ("서울특별시 마포구 고시"); a single space before "고시" is tolerated
# because some bodies write it that way, and it is dropped so that the same number written both ways is
# recognised as one (uniqueness per authority and year depends on it). Hyphen look-alikes are accepted because
# numbers are often pasted from documents that use U+2011 or dashes (law.md itself does).
_NOTICE_NUMBER = re.compile(
    r"(?P<body>\S(?:.*?\S)?) ?고시 ?제(?P<year>[0-9]{4})[-‐‑‒–—−](?P<serial>[0-9]+)호"
)


def format_notice_number(series: str, year: int, serial: int) -> str:
    """Format a number: ("기후에너지환경부고시", 2026, 3) → "기후에너지환경부고시 제2026-3호".

    No zero padding: the serial is a number, and padding is a registry's typography, not part of the number.
    """
    if not isinstance(series, str) or not _SERIES.fullmatch(series.strip()):
        raise ValueError(f"고시 번호의 명칭은 '…고시'로 끝나야 합니다: {series!r}")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 9999:
        raise ValueError(f"고시 번호의 연도는 네 자리 숫자여야 합니다: {year!r}")
    if isinstance(serial, bool) or not isinstance(serial, int) or serial < 1:
        raise ValueError(f"고시 번호의 일련번호는 1 이상의 정수여야 합니다: {serial!r}")
    return f"{series.strip()} 제{year}-{serial}호"


def parse_notice_number(text: str) -> tuple[str, int, int]:
    """Parse a number: "기후에너지환경부고시 제2025-018호" → ("기후에너지환경부고시", 2025, 18).

    The series comes back without a space before "고시" ("국가교육위원회 고시" → "국가교육위원회고시").
    """
    match = _NOTICE_NUMBER.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"고시 번호 형식이 아닙니다: {text!r} (예: 기후에너지환경부고시 제2026-3호)")
    serial = int(match["serial"])
    if serial < 1:
        raise ValueError(f"고시 번호의 일련번호는 1 이상이어야 합니다: {text!r}")
    return f"{match['body']}고시", int(match["year"]), serial


_LETTER_NUMBER = re.compile(r"(?P<division>[^\s\-‐‑–]+)[\-‐‑–](?P<serial>\d+)")


def format_letter_number(division: str, serial: int) -> str:
    """A 시행문's 생산등록번호 as written in practice (law.md §5.1): "탈탄소녹색산업혁신과-12"."""
    if not division.strip() or serial < 1:
        raise ValueError(f"시행 번호는 '처리과명-일련번호' 형식이어야 합니다: {division!r}, {serial!r}")
    return f"{division.strip()}-{serial}"


def parse_letter_number(text: str) -> tuple[str, int]:
    match = _LETTER_NUMBER.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or int(match["serial"]) < 1:
        raise ValueError(f"시행 번호 형식이 아닙니다: {text!r} (예: 탈탄소녹색산업혁신과-12)")
    return match["division"], int(match["serial"])
