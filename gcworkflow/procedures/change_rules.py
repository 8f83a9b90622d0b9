"""Minor or full: the classification of a creation-plan change (법 제12조제4항 단서, 규칙 제4조제2항).

A change is minor only if *every* difference from the baseline is one of the five cases of 규칙 제4조②:
1. total project cost within ±10 %, 2. total area within ±10 %, 3. the creation period moved by one year or
less, 4. name or location following a change of administrative districts (declared by the clerk),
5. the correction of a mistake, misprint or omission (declared). The baseline is the plan last approved by the
*full* procedure (the designation or a full change), so successive small changes add up: each is measured
against that baseline, never against the previous minor change (procedure.md §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gcworkflow.korean import with_particle
from gcworkflow.procedures.plan_content import PlanContent, format_krw_eok

RULE = "녹색융합클러스터법 시행규칙 제4조제2항"
DISTRICTS = "행정구역 변경"
CORRECTION = "착오·오기·누락 정정"
DECLARABLE = (DISTRICTS, CORRECTION)
_LOCATION_FIELDS = ("name", "regions", "location_detail")
_TEN_PERCENT = Fraction(1, 10)


@dataclass(frozen=True)
class Reason:
    field: str
    basis: str
    message: str
    minor: bool

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "basis": self.basis, "message": self.message, "minor": self.minor}


@dataclass(frozen=True)
class Classification:
    minor: bool
    reasons: tuple[Reason, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"minor": self.minor, "reasons": [r.as_dict() for r in self.reasons]}


def _within_ten_percent(before: int, after: int) -> bool:
    # "10퍼센트 이내": exactly 10 % is still minor; exact fractions, so 10 % never turns into 10.000001 %.
    return before > 0 and abs(Fraction(after - before, before)) <= _TEN_PERCENT


def _percent(before: int, after: int) -> str:
    return f"{float(Fraction(after - before, before) * 100):+.2f}%"


def classify(
    baseline: PlanContent | None, proposed: PlanContent, declared: tuple[str, ...] = ()
) -> Classification:
    if baseline is None:
        return Classification(
            False,
            (
                Reason(
                    "*",
                    "녹색융합클러스터법 제12조제4항",
                    "비교할 승인된 조성계획이 없어 전체 절차(제9조 준용)로 진행합니다",
                    False,
                ),
            ),
        )
    old = baseline.model_dump(mode="json", exclude_none=True)
    new = proposed.model_dump(mode="json", exclude_none=True)
    reasons: list[Reason] = []
    for field in sorted(set(old) | set(new)):
        if old.get(field) == new.get(field):
            continue
        reasons.append(_reason(field, baseline, proposed, declared))
    if not reasons:
        reasons.append(Reason("*", RULE, "승인된 조성계획과 달라진 내용이 없습니다", True))
    return Classification(all(r.minor for r in reasons), tuple(reasons))


def _reason(field: str, baseline: PlanContent, proposed: PlanContent, declared: tuple[str, ...]) -> Reason:
    if field == "area_m2" and baseline.area_m2 and proposed.area_m2:
        ok = _within_ten_percent(baseline.area_m2, proposed.area_m2)
        return Reason(
            field,
            f"{RULE}제2호",
            f"총면적 {baseline.area_m2:,}㎡ → {proposed.area_m2:,}㎡ "
            f"({_percent(baseline.area_m2, proposed.area_m2)}): 10% {'이내' if ok else '초과'}",
            ok,
        )
    if field == "financing" and baseline.financing and proposed.financing:
        before, after = baseline.financing.total_cost_krw, proposed.financing.total_cost_krw
        if before == after:
            return _declared(field, "재원 항목 배분이 바뀌었습니다 (총사업비는 같음)", declared)
        ok = _within_ten_percent(before, after)
        return Reason(
            field,
            f"{RULE}제1호",
            f"총사업비 {format_krw_eok(before)} → {format_krw_eok(after)} ({_percent(before, after)}): "
            f"10% {'이내' if ok else '초과'}",
            ok,
        )
    if field == "creation_period" and baseline.creation_period and proposed.creation_period:
        b, p = baseline.creation_period, proposed.creation_period
        shift = max(abs(p.start_year - b.start_year), abs(p.end_year - b.end_year))
        ok = shift <= 1
        return Reason(
            field,
            f"{RULE}제3호",
            f"조성기간 {b.start_year}~{b.end_year}년 → {p.start_year}~{p.end_year}년 ({shift}년 변경): "
            f"1년 {'이내' if ok else '초과'}",
            ok,
        )
    if field in _LOCATION_FIELDS and DISTRICTS in declared:
        return Reason(
            field, f"{RULE}제4호", f"{_label(field)} 변경: 행정구역 변경에 따른 것으로 신고됨", True
        )
    return _declared(field, f"{with_particle(_label(field), '이')} 바뀌었습니다", declared)


def _declared(field: str, what: str, declared: tuple[str, ...]) -> Reason:
    if CORRECTION in declared:
        return Reason(field, f"{RULE}제5호", f"{what}: 착오·오기·누락의 정정으로 신고됨", True)
    return Reason(
        field,
        "녹색융합클러스터법 제12조제4항",
        f"{what}: 경미한 변경(규칙 제4조제2항)에 해당하지 않습니다",
        False,
    )


def _label(field: str) -> str:
    info = PlanContent.model_fields.get(field)
    return info.title if info and info.title else field
