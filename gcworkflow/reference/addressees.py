"""Addressees of letters: the head of each body the engine writes to, by that body's own title (procedure.md §3).

A letter is addressed to the head of the body, never to the body, and each kind of body has its own title:
…부 → …부장관, …처 → …처장, …청 → …청장, 국무조정실 → 국무조정실장, …위원회 → …위원회 위원장. Appending
"장관" to whatever name was typed gave "산림청장관" and "국토교통부장관장관", so the title comes from this
table, which knows each body and its kind, and a name not in the table is refused instead of guessed at.

The table holds the central administrative bodies (중앙행정기관) a cluster plan can be consulted with: every
부 of 정부조직법 제26조①, 국무조정실, the 처 and 청, and the collegiate bodies (위원회) that are central
administrative bodies. Names change, as 시·도 names do (regions.py), so each name has the period in which it was
in force and, for a plain renaming, the name that replaced it; a letter goes to the body as named on the letter's
own date. Only changes since the Act came into force (2021-12-16) are modelled. The 2025 reorganisation
(정부조직법 법률 제21065호, 2025.10.1) is in law.md §0.2 only for 기후에너지환경부; its other renamings and the
2026-01-02 split of 기획재정부 come from public reports of the same Act and should be checked against the
법제처 text when it is added to the reference material.

Left out on purpose: 중앙환경정책위원회 (it deliberates on the plan, procedure.md §2; it is not consulted by
letter), and 검찰청 with the bodies meant to replace it (not a party to a cluster plan, and their dates hang on
Acts not yet in the reference material).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gcworkflow.korean import with_particle
from gcworkflow.reference.regions import governor_title

__all__ = [
    "CENTRAL_BODIES",
    "CentralBody",
    "UnknownBody",
    "addressee",
    "bodies_on",
    "body_on",
    "current_body",
    "head_title",
    "known_body",
]


class UnknownBody(ValueError):
    """A name that is not a body of the table, or not one on the date asked (message in Korean for the clerk)."""


@dataclass(frozen=True)
class CentralBody:
    """One central administrative body under one name, in force during [valid_from, valid_to)."""

    name: str  # e.g. "산업통상부"
    head_title: str  # e.g. "산업통상부장관"
    valid_from: date | None = None  # None: in force since before the Act (2021-12-16)
    valid_to: date | None = None  # exclusive: the day of the change already belongs to the new name
    # The body that carries on under a new name. Empty when the body was split or abolished: a letter can then
    # not be redirected without a person choosing which successor handles the matter.
    renamed_to: str | None = None

    def covers(self, day: date) -> bool:
        """Whether the body exists under this name on `day`."""
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day < self.valid_to


# 정부조직법 법률 제21065호, in force on promulgation (law.md §0.2); its split of 기획재정부 took effect later.
_REORGANISED = date(2025, 10, 1)
_FINANCE_SPLIT = date(2026, 1, 2)
# The 2023 정부조직법 amendment, in force three months after its promulgation: 국가보훈부, 재외동포청.
_VETERANS = date(2023, 6, 5)
_HERITAGE = date(2024, 5, 17)  # 국가유산기본법 시행: 문화재청 → 국가유산청
_AEROSPACE = date(2024, 5, 27)  # 우주항공청의 설치 및 운영에 관한 특별법 시행
_EDUCATION_COMMISSION = date(2022, 9, 27)  # 국가교육위원회 출범


def _ministry(
    name: str, since: date | None = None, until: date | None = None, to: str | None = None
) -> CentralBody:
    return CentralBody(name, f"{name}장관", since, until, to)


def _office(
    name: str, since: date | None = None, until: date | None = None, to: str | None = None
) -> CentralBody:
    # 처, 청 and 국무조정실 alike: the head is the name followed by 장 (산림청장, 법제처장, 국무조정실장).
    return CentralBody(name, f"{name}장", since, until, to)


def _commission(
    name: str, since: date | None = None, until: date | None = None, to: str | None = None
) -> CentralBody:
    return CentralBody(name, f"{name} 위원장", since, until, to)


CENTRAL_BODIES: tuple[CentralBody, ...] = (
    # 부 (정부조직법 제26조①)
    _ministry(
        "기획재정부", until=_FINANCE_SPLIT
    ),  # split into 재정경제부 and 기획예산처: no single successor
    _ministry("재정경제부", since=_FINANCE_SPLIT),
    _ministry("교육부"),
    _ministry("과학기술정보통신부"),
    _ministry("외교부"),
    _ministry("통일부"),
    _ministry("법무부"),
    _ministry("국방부"),
    _ministry("행정안전부"),
    _ministry("국가보훈부", since=_VETERANS),
    _ministry("문화체육관광부"),
    _ministry("농림축산식품부"),
    _ministry("산업통상자원부", until=_REORGANISED, to="산업통상부"),
    _ministry("산업통상부", since=_REORGANISED),
    _ministry("보건복지부"),
    _ministry("환경부", until=_REORGANISED, to="기후에너지환경부"),
    _ministry("기후에너지환경부", since=_REORGANISED),
    _ministry("고용노동부"),
    _ministry("여성가족부", until=_REORGANISED, to="성평등가족부"),
    _ministry("성평등가족부", since=_REORGANISED),
    _ministry("국토교통부"),
    _ministry("해양수산부"),
    _ministry("중소벤처기업부"),
    # 국무총리 소속
    _office("국무조정실"),
    _office("국가보훈처", until=_VETERANS, to="국가보훈부"),
    _office("인사혁신처"),
    _office("법제처"),
    _office("식품의약품안전처"),
    _office("국가데이터처", since=_REORGANISED),
    _office("지식재산처", since=_REORGANISED),
    _office("기획예산처", since=_FINANCE_SPLIT),
    # 청 (under their 부)
    _office("국세청"),
    _office("관세청"),
    _office("조달청"),
    _office("통계청", until=_REORGANISED, to="국가데이터처"),
    _office("재외동포청", since=_VETERANS),
    _office("병무청"),
    _office("방위사업청"),
    _office("경찰청"),
    _office("소방청"),
    _office("문화재청", until=_HERITAGE, to="국가유산청"),
    _office("국가유산청", since=_HERITAGE),
    _office("농촌진흥청"),
    _office("산림청"),
    _office("특허청", until=_REORGANISED, to="지식재산처"),
    _office("질병관리청"),
    _office("기상청"),
    _office("행정중심복합도시건설청"),
    _office("새만금개발청"),
    _office("해양경찰청"),
    _office("우주항공청", since=_AEROSPACE),
    # 위원회 that are central administrative bodies
    _commission("방송통신위원회", until=_REORGANISED, to="방송미디어통신위원회"),
    _commission("방송미디어통신위원회", since=_REORGANISED),
    _commission("공정거래위원회"),
    _commission("금융위원회"),
    _commission("국민권익위원회"),
    _commission("개인정보보호위원회"),
    _commission("원자력안전위원회"),
    _commission("국가교육위원회", since=_EDUCATION_COMMISSION),
)

_BY_NAME: dict[str, CentralBody] = {body.name: body for body in CENTRAL_BODIES}
# A name listed twice would make its title depend on the order of the table; fail at import instead.
assert len(_BY_NAME) == len(CENTRAL_BODIES), "중앙행정기관 이름이 중복됩니다"
# A successor that is not itself in the table would send letters to a body the engine cannot address.
assert all(body.renamed_to in _BY_NAME for body in CENTRAL_BODIES if body.renamed_to), (
    "승계 기관이 표에 없습니다"
)

_EXAMPLES = "예: 산업통상부, 국토교통부, 산림청, 국무조정실"


def _lookup(body: str) -> CentralBody:
    try:
        return _BY_NAME[body]
    except (KeyError, TypeError):
        raise UnknownBody(f"알 수 없는 중앙행정기관입니다: {body} ({_EXAMPLES})") from None


def head_title(body: str) -> str:
    """The title of the head of `body`: "산업통상부" → "산업통상부장관", "산림청" → "산림청장".

    A former name keeps its own title ("환경부" → "환경부장관"), since records made under it still name it;
    use body_on for the body as it stands on a date.
    """
    return _lookup(body).head_title


def known_body(body: str) -> str:
    """`body` unchanged if the table knows it under this name, now or formerly (a contact, an imported record)."""
    _lookup(body)
    return body


def current_body(body: str) -> str:
    """`body` unchanged if it is a body's name as the table now stands, for names a clerk picks for a new letter.

    A former name is refused with what replaced it: accepted, it would only fail later, when the letter is
    issued (body_on). Input is validated without the engine's clock, so "now" is the table's latest state.
    """
    found = _lookup(body)
    if found.valid_to is None:
        return body
    if found.renamed_to is not None:
        raise UnknownBody(
            f"{with_particle(body, '은')} {_ko(found.valid_to)}부터 {found.renamed_to}입니다: "
            f"{with_particle(found.renamed_to, '을')} 적으십시오"
        )
    raise UnknownBody(
        f"{with_particle(body, '은')} {_ko(found.valid_to)}부터 없는 기관입니다: 업무를 이어받은 기관을 적으십시오"
    )


def _ko(day: date) -> str:
    return f"{day.year}. {day.month}. {day.day}."


def body_on(body: str, day: date) -> CentralBody:
    """The body a letter dated `day` goes to when the record names `body`: itself, or what it was renamed to.

    A body split or abolished by `day`, or not yet created, cannot be addressed: which body now handles the
    matter is for a person to decide, not for the table to guess.
    """
    current = _lookup(body)
    while not current.covers(day):
        if current.valid_from is not None and day < current.valid_from:
            raise UnknownBody(
                f"{with_particle(current.name, '은')} {_ko(current.valid_from)}에 설치되어 "
                f"{_ko(day)}에는 없는 기관입니다"
            )
        if current.renamed_to is None:
            raise UnknownBody(
                f"{with_particle(current.name, '은')} {_ko(current.valid_to or day)}부터 없는 기관입니다: "
                "업무를 이어받은 기관을 지정하십시오"
            )
        current = _BY_NAME[current.renamed_to]
    return current


def bodies_on(day: date) -> tuple[CentralBody, ...]:
    """Every body of the table that exists on `day`, in the table's order."""
    return tuple(body for body in CENTRAL_BODIES if body.covers(day))


def _bracketed(unit: str | None) -> str:
    if unit is None or not unit.strip():
        return ""
    unit = unit.strip()
    if any(bracket in unit for bracket in "()"):
        raise ValueError(f"처리과 이름에 괄호를 쓸 수 없습니다: {unit}")
    # The bracket names the unit's head, as in "경상북도지사(환경정책과장)" (행정업무규정 시행규칙 제4조②2나);
    # a unit given as "환경정책과" gets its 장, one given as "환경정책과장" already has it.
    return f"({unit if unit.endswith('장') else unit + '장'})"


def addressee(party: str, day: date, unit: str | None = None) -> str:
    """The 수신 line of a letter dated `day` to an engine party, with the handling unit when known.

    ("governor:47", 2026-03-02, "환경정책과") → "경상북도지사(환경정책과장)";
    ("ministry:산업통상부", 2026-03-02) → "산업통상부장관". Governors are named as their 시·도 is on `day`
    (강원도지사 until 2023-06-10, 강원특별자치도지사 from 2023-06-11), ministries as the body is on `day`.
    """
    kind, _, key = party.partition(":") if isinstance(party, str) else ("", "", "")
    if kind == "governor":
        title = governor_title(key, day)
    elif kind == "ministry":
        title = body_on(key, day).head_title
    else:
        raise ValueError(f"알 수 없는 수신자입니다: {party} (예: governor:47, ministry:산업통상부)")
    return title + _bracketed(unit)
