"""The 17 시·도 (provincial-level units) with their names and administrative codes over time.

Names and codes change (강원도 → 강원특별자치도 on 2023-06-11, 전라북도 → 전북특별자치도 on 2024-01-18), and
letters and notices must use the name in force on their own date (procedure.md §4 item 1), so every lookup
here takes a date instead of assuming "today".

Only the changes since the Act came into force (2021-12-16) are modelled; earlier history (e.g. 제주도 before
2006) is outside what the engine ever has to print, so the first period of each 시·도 is open-ended backwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from gcworkflow.korean import with_particle

__all__ = [
    "SIDOS",
    "Sido",
    "SidoPeriod",
    "Sigungu",
    "UnknownRegion",
    "codes_on",
    "governor_title",
    "resolve_sido",
    "sido_by_code",
    "sido_by_key",
    "sido_in_force",
]

_SIDO_CODE = re.compile(r"\d{2}")
_SIGUNGU_CODE = re.compile(r"\d{5}")


class UnknownRegion(ValueError):
    """A 시·도 code, key or date that does not name a 시·도 (message in Korean for the clerk)."""


@dataclass(frozen=True)
class SidoPeriod:
    """The name and code of one 시·도 during [valid_from, valid_to); None means unbounded on that side."""

    valid_from: date | None
    valid_to: date | None  # exclusive: the renaming day already belongs to the next period
    code: str  # 2-digit 행정구역 code
    name: str  # official name, e.g. "강원특별자치도"
    short: str  # customary short form, e.g. "강원"
    head_title: str  # title of its head, e.g. "강원특별자치도지사"

    def __post_init__(self) -> None:
        if not _SIDO_CODE.fullmatch(self.code):
            raise ValueError(f"시·도 코드는 두 자리 숫자여야 합니다: {self.code!r}")
        if self.valid_from is not None and self.valid_to is not None and self.valid_from >= self.valid_to:
            raise ValueError(f"{self.name}의 유효기간이 잘못되었습니다: {self.valid_from} ~ {self.valid_to}")

    def covers(self, day: date) -> bool:
        """Whether this name/code is in force on `day`."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day < self.valid_to


@dataclass(frozen=True)
class Sido:
    """One 시·도 across its renamings, identified by a key that never changes."""

    key: str  # stable English key, e.g. "gangwon"
    periods: tuple[SidoPeriod, ...]  # chronological, contiguous

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError(f"시·도 {self.key}에 기간 정보가 없습니다")
        # Gaps or overlaps would make on() ambiguous or partial, so they are refused at definition time.
        for earlier, later in zip(self.periods, self.periods[1:], strict=False):
            if earlier.valid_to is None or earlier.valid_to != later.valid_from:
                raise ValueError(f"시·도 {self.key}의 기간이 연속되지 않습니다")

    def on(self, day: date) -> SidoPeriod:
        """The name and code in force on `day`."""
        for period in self.periods:
            if period.covers(day):
                return period
        raise UnknownRegion(f"{day.isoformat()}에는 시·도 {self.periods[0].name}의 정보가 없습니다")

    def codes(self) -> frozenset[str]:
        """Every code this 시·도 has ever had (old codes stay valid in stored plans and 시·군·구 codes)."""
        return frozenset(period.code for period in self.periods)

    def period_for_code(self, code: str) -> SidoPeriod:
        """The (latest) period in which `code` was this 시·도's code, to name it as a document of that time did."""
        for period in reversed(self.periods):
            if period.code == code:
                return period
        raise UnknownRegion(f"알 수 없는 시·도 코드입니다: {code}")

    @property
    def current(self) -> SidoPeriod:
        """The latest known period (the name as it stands now, unless a future renaming is already modelled)."""
        return self.periods[-1]


def _fixed(key: str, code: str, name: str, short: str, head_title: str) -> Sido:
    return Sido(key, (SidoPeriod(None, None, code, name, short, head_title),))


_GANGWON_RENAMED = date(2023, 6, 11)  # 강원특별자치도 설치 등에 관한 특별법 시행일
_JEONBUK_RENAMED = date(2024, 1, 18)  # 전북특별자치도 설치 등에 관한 특별법 시행일

SIDOS: tuple[Sido, ...] = (
    _fixed("seoul", "11", "서울특별시", "서울", "서울특별시장"),
    _fixed("busan", "26", "부산광역시", "부산", "부산광역시장"),
    _fixed("daegu", "27", "대구광역시", "대구", "대구광역시장"),
    _fixed("incheon", "28", "인천광역시", "인천", "인천광역시장"),
    _fixed("gwangju", "29", "광주광역시", "광주", "광주광역시장"),
    _fixed("daejeon", "30", "대전광역시", "대전", "대전광역시장"),
    _fixed("ulsan", "31", "울산광역시", "울산", "울산광역시장"),
    _fixed("sejong", "36", "세종특별자치시", "세종", "세종특별자치시장"),
    _fixed("gyeonggi", "41", "경기도", "경기", "경기도지사"),
    Sido(
        "gangwon",
        (
            SidoPeriod(None, _GANGWON_RENAMED, "42", "강원도", "강원", "강원도지사"),
            SidoPeriod(_GANGWON_RENAMED, None, "51", "강원특별자치도", "강원", "강원특별자치도지사"),
        ),
    ),
    _fixed("chungbuk", "43", "충청북도", "충북", "충청북도지사"),
    _fixed("chungnam", "44", "충청남도", "충남", "충청남도지사"),
    Sido(
        "jeonbuk",
        (
            SidoPeriod(None, _JEONBUK_RENAMED, "45", "전라북도", "전북", "전라북도지사"),
            SidoPeriod(_JEONBUK_RENAMED, None, "52", "전북특별자치도", "전북", "전북특별자치도지사"),
        ),
    ),
    _fixed("jeonnam", "46", "전라남도", "전남", "전라남도지사"),
    _fixed("gyeongbuk", "47", "경상북도", "경북", "경상북도지사"),
    _fixed("gyeongnam", "48", "경상남도", "경남", "경상남도지사"),
    _fixed("jeju", "50", "제주특별자치도", "제주", "제주특별자치도지사"),
)

_BY_CODE: dict[str, Sido] = {code: sido for sido in SIDOS for code in sido.codes()}
_BY_KEY: dict[str, Sido] = {sido.key: sido for sido in SIDOS}
# A code reused by two 시·도 would make old plans ambiguous; fail at import rather than mis-address a letter.
assert len(_BY_CODE) == sum(len(sido.codes()) for sido in SIDOS), "시·도 코드가 중복됩니다"
assert len(SIDOS) == 17


def sido_by_code(code: str) -> Sido:
    """The 시·도 that has or had `code` ("42" and "51" both give 강원)."""
    try:
        return _BY_CODE[code]
    except (KeyError, TypeError):
        raise UnknownRegion(f"알 수 없는 시·도 코드입니다: {code}") from None


def sido_by_key(key: str) -> Sido:
    """The 시·도 with the stable English key `key`, e.g. "gyeongbuk"."""
    try:
        return _BY_KEY[key]
    except (KeyError, TypeError):
        raise UnknownRegion(f"알 수 없는 시·도입니다: {key}") from None


def resolve_sido(code_or_key: str) -> Sido:
    """Accept either a code (old or new) or a stable key, since callers hold one or the other."""
    if isinstance(code_or_key, str) and _SIDO_CODE.fullmatch(code_or_key):
        return sido_by_code(code_or_key)
    if isinstance(code_or_key, str) and code_or_key in _BY_KEY:
        return _BY_KEY[code_or_key]
    raise UnknownRegion(f"알 수 없는 시·도 코드입니다: {code_or_key}")


def codes_on(day: date) -> dict[str, SidoPeriod]:
    """The 17 codes in use on `day`, in code order, each with the name it stood for that day."""
    return dict(sorted((period.code, period) for period in (sido.on(day) for sido in SIDOS)))


def _ko(day: date) -> str:
    # As official documents write dates (행정업무규정 제7조⑤); kept here so this module stays free of the calendar.
    return f"{day.year}. {day.month}. {day.day}."


def sido_in_force(code: str, day: date) -> SidoPeriod:
    """The 시·도 whose code is `code` on `day`, for input entered that day (a registration, a contact).

    Stricter than sido_by_code, which also takes codes no longer (or not yet) in use because stored plans and
    documents keep the code of their own time: what a person enters on `day` must be that day's code, so that
    "42" is not silently stored for 강원특별자치도 (51) beside records that use 51.
    """
    valid = codes_on(day)
    if isinstance(code, str) and code in valid:
        return valid[code]
    listing = ", ".join(f"{c} {period.short}" for c, period in valid.items())
    in_force = f"{_ko(day)} 현재 쓰이는 시·도 코드: {listing}"
    if not isinstance(code, str):
        # YAML reads an unquoted 47 as a number; saying so is more useful than "unknown code 47".
        raise UnknownRegion(
            f'시·도 코드는 두 자리 숫자를 글자로 적어야 합니다 (예: "47"): {code!r} ({in_force})'
        )
    if code not in _BY_CODE:
        raise UnknownRegion(f"알 수 없는 시·도 코드입니다: {code} ({in_force})")
    sido = _BY_CODE[code]
    was, now = sido.period_for_code(code), sido.on(day)
    label = with_particle(f"{code}({was.name})", "은")
    if was.valid_to is not None and was.valid_to <= day:
        when = f"{_ko(was.valid_to)}부터 쓰이지 않습니다"
    elif was.valid_from is not None:
        when = f"{_ko(was.valid_from)}부터 쓰입니다"
    else:  # unreachable while periods are contiguous: a code not in use that day either ended or had not begun
        when = "그날 쓰이지 않습니다"
    raise UnknownRegion(
        f"시·도 코드 {label} {when}: {_ko(day)} 현재 {now.name}의 코드는 {now.code}입니다 ({in_force})"
    )


def governor_title(code_or_key: str, day: date) -> str:
    """The title of the competent governor as written on `day`, e.g. "강원도지사" before 2023-06-11."""
    return resolve_sido(code_or_key).on(day).head_title


@dataclass(frozen=True)
class Sigungu:
    """A 시·군·구, optionally with its 5-digit code.

    `sido_key`, when given, ties the 시·군·구 to its 시·도 so that a code from another 시·도 is refused; without it
    the code only has to start with some 시·도 code. Old codes (42xxx, 45xxx) stay acceptable because plans and
    documents drafted before a renaming keep them.
    """

    name: str
    code: str | None = None
    sido_key: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise ValueError("시·군·구 명칭이 비어 있습니다")
        sido = sido_by_key(self.sido_key) if self.sido_key is not None else None
        if self.code is None:
            return
        if not isinstance(self.code, str) or not _SIGUNGU_CODE.fullmatch(self.code):
            raise ValueError(f"시·군·구 코드는 다섯 자리 숫자여야 합니다: {self.code}")
        prefix = self.code[:2]
        if sido is None:
            if prefix not in _BY_CODE:
                raise UnknownRegion(
                    f"시·군·구 코드 {self.code}의 앞 두 자리는 알 수 없는 시·도 코드입니다: {prefix}"
                )
        elif prefix not in sido.codes():
            raise UnknownRegion(
                f"시·군·구 코드 {self.code}의 앞 두 자리({prefix})가 "
                f"{sido.current.name}의 코드({', '.join(sorted(sido.codes()))})와 맞지 않습니다"
            )
