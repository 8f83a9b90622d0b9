"""Minor or full: the classification of a creation-plan change (법 제12조제4항 단서, 규칙 제4조제2항).

A change is minor only if *every* difference from the baseline is covered by one of the five cases of
규칙 제4조②, read as procedure.md §3 reads them (when in doubt, full: the full procedure is never unlawful, a
wrongly minor one is):

1. total project cost within ±10 % (exactly 10 % is within); item amounts may move with the total, but money
   shifted between sources (국비 / 지방비 / 민자 / 기타) beyond what the total's change explains is not covered;
2. total area within ±10 %;
3. the creation period "1년 이내의 범위에서": its length changes by at most a year *and* neither its start nor its
   end moves by more than a year;
4. name or location following a change of administrative districts, declared with its basis;
5. the correction of a mistake, misprint or omission: an independent ground, whatever the size of the corrected
   figure, declared field by field with the stored document that shows the original error; a corrected field is
   not measured against cases 1–3.

The baseline is the plan last approved by the *full* procedure (the designation or a full change), so successive
small changes add up: each is measured against that baseline, never against the previous minor change.

Pure: no database, no clock, no I/O.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from gcworkflow.korean import with_particle
from gcworkflow.procedures.common import LAW
from gcworkflow.procedures.common import RULE as RULE_OF_THE_ACT
from gcworkflow.procedures.plan_content import Financing, PlanContent, format_krw_eok

RULE = f"{RULE_OF_THE_ACT} 제4조제2항"
COST, AREA, PERIOD, DISTRICTS_ITEM, CORRECTION_ITEM = (f"{RULE}제{n}호" for n in range(1, 6))
NONE_OF_THEM = f"{RULE} 각 호"
DISTRICTS = "행정구역 변경"
CORRECTION = "착오·오기·누락 정정"
DECLARABLE = (DISTRICTS, CORRECTION)
LOCATION_FIELDS = ("name", "regions", "location_detail")
PLAN_FIELDS = tuple(PlanContent.model_fields)
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


@dataclass(frozen=True)
class Correction:
    """One field declared as the correction of a 착오·오기·누락 (제5호), with the stored document that shows the
    original error. Without that document the declaration proves nothing, so the field is measured as usual."""

    field: str
    evidence_sha256: str | None = None


@dataclass(frozen=True)
class Declarations:
    """What the clerk declares for cases 4 and 5, which the figures alone cannot show."""

    districts_basis: str | None = None  # the act that changed the districts; None: case 4 not declared
    corrections: tuple[Correction, ...] = ()

    def correction_of(self, name: str) -> Correction | None:
        return next((c for c in self.corrections if c.field == name), None)


NOTHING_DECLARED = Declarations()


def classify(
    baseline: PlanContent | None, proposed: PlanContent, declared: Declarations = NOTHING_DECLARED
) -> Classification:
    if baseline is None:
        return Classification(
            False,
            (
                Reason(
                    "*",
                    f"{LAW} 제12조제4항",
                    "비교할 승인된 조성계획이 없어 전체 절차(제9조 준용)로 진행합니다",
                    False,
                ),
            ),
        )
    old = baseline.model_dump(mode="json", exclude_none=True)
    new = proposed.model_dump(mode="json", exclude_none=True)
    reasons: list[Reason] = []
    for name in sorted(set(old) | set(new)):
        if old.get(name) == new.get(name):
            continue
        reasons.append(_reason(name, baseline, proposed, declared))
    if not reasons:
        reasons.append(Reason("*", RULE, "승인된 조성계획과 달라진 내용이 없습니다", True))
    return Classification(all(r.minor for r in reasons), tuple(reasons))


def _reason(name: str, baseline: PlanContent, proposed: PlanContent, declared: Declarations) -> Reason:
    correction = declared.correction_of(name)
    if correction is not None and correction.evidence_sha256:
        # An independent ground: a figure that was simply written wrong is put right whatever its size.
        return Reason(
            name,
            CORRECTION_ITEM,
            f"{_change(name, baseline, proposed)}: 착오·오기·누락의 정정으로 신고됨 "
            f"(원래 착오의 증빙 문서 {correction.evidence_sha256[:12]}…), 정정한 항목이므로 "
            "제1호~제3호의 10%·1년 기준으로 재지 않음",
            True,
        )
    reason = _measured(name, baseline, proposed, declared)
    if correction is not None:
        reason = Reason(
            reason.field,
            reason.basis,
            f"{reason.message} (착오·오기·누락 정정으로 신고되었으나 원래 착오를 보여 주는 증빙 문서가 없어 "
            f"{with_particle(CORRECTION_ITEM, '를')} 적용하지 않음)",
            reason.minor,
        )
    return reason


def _measured(name: str, baseline: PlanContent, proposed: PlanContent, declared: Declarations) -> Reason:
    if name == "area_m2" and baseline.area_m2 and proposed.area_m2:
        ok = _within_ten_percent(baseline.area_m2, proposed.area_m2)
        return Reason(
            name,
            AREA,
            f"총면적 {baseline.area_m2:,}㎡ → {proposed.area_m2:,}㎡ "
            f"({_percent(baseline.area_m2, proposed.area_m2)}): 10% {'이내' if ok else '초과'}",
            ok,
        )
    if name == "financing" and baseline.financing and proposed.financing:
        return _financing(baseline.financing, proposed.financing)
    if name == "creation_period" and baseline.creation_period and proposed.creation_period:
        b, p = baseline.creation_period, proposed.creation_period
        start, end = p.start_year - b.start_year, p.end_year - b.end_year
        b_years, p_years = b.end_year - b.start_year + 1, p.end_year - p.start_year + 1
        # "1년 이내의 범위에서 변경": both endpoints moving a year outwards keep each shift within a year but
        # lengthen the period by two, so the length is measured as well as each endpoint.
        ok = abs(start) <= 1 and abs(end) <= 1 and abs(p_years - b_years) <= 1
        return Reason(
            name,
            PERIOD,
            f"조성기간 {b.start_year}~{b.end_year}년 → {p.start_year}~{p.end_year}년 "
            f"(시작 연도 {_moved_by(start)}, 종료 연도 {_moved_by(end)}, 기간 {_length(b_years, p_years)}): "
            f"1년 {'이내' if ok else '초과'}",
            ok,
        )
    if name in LOCATION_FIELDS and declared.districts_basis:
        return Reason(
            name,
            DISTRICTS_ITEM,
            f"{_change(name, baseline, proposed)}: 행정구역 변경({declared.districts_basis})에 따른 것으로 신고됨",
            True,
        )
    return _not_covered(name, f"{with_particle(_label(name), '이')} 바뀌었습니다")


def _not_covered(name: str, what: str) -> Reason:
    return Reason(
        name,
        NONE_OF_THEM,
        f"{what}: 경미한 변경({RULE} 각 호)의 어느 경우에도 해당하지 않아 전체 절차({LAW} 제12조제4항 "
        "본문)를 거쳐야 합니다",
        False,
    )


# --- 제1호: the total project cost ----------------------------------------------------------------------------


def _financing(baseline: Financing, proposed: Financing) -> Reason:
    before, after = baseline.total_cost_krw, proposed.total_cost_krw
    total_ok = _within_ten_percent(before, after)
    found = [
        f"총사업비 {format_krw_eok(before)} → {format_krw_eok(after)} ({_percent(before, after)}): "
        f"10% {'이내' if total_ok else '초과'}"
    ]
    change = after - before
    sources = _deltas(baseline.by_source(), proposed.by_source())
    shifted = _moved(sources.values(), change)
    if shifted:
        moves = ", ".join(f"{source} {_signed_krw(delta)}" for source, delta in sources.items() if delta)
        found.append(
            f"재원 간 이동 {with_particle(f'{format_krw_eok(shifted)}({moves})', '은')} 총사업비 증감으로 "
            "설명되지 않는 재원 배분 변경이므로 제1호에 해당하지 않음"
        )
    items_before, items_after = _items(baseline), _items(proposed)
    added = [k for k in items_after if k not in items_before]
    removed = [k for k in items_before if k not in items_after]
    if added or removed:
        listed = "; ".join(
            f"{label}: {', '.join(f'{item}({source})' for item, source in keys)}"
            for label, keys in (("추가", added), ("삭제", removed))
            if keys
        )
        found.append(
            f"재원 항목 구성 변경({listed})은 금액이 총사업비와 함께 움직인 것이 아니므로 제1호에 해당하지 않음"
        )
    elif not shifted:
        moved = _moved(_deltas(items_before, items_after).values(), change)
        if moved:
            found.append(
                f"추진내역 간 금액 이동 {with_particle(format_krw_eok(moved), '은')} 총사업비 증감으로 "
                "설명되지 않으므로 제1호에 해당하지 않음"
            )
    return Reason("financing", COST, "; ".join(found), total_ok and len(found) == 1)


def _items(financing: Financing) -> dict[tuple[str, str], int]:
    amounts: Counter[tuple[str, str]] = Counter()
    for item in financing.items:
        amounts[(item.item, item.source)] += item.amount_krw
    return dict(amounts)


def _deltas(before: Mapping[Any, int], after: Mapping[Any, int]) -> dict[Any, int]:
    keys = list(before) + [k for k in after if k not in before]
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys}


def _moved(deltas: Iterable[int], total_change: int) -> int:
    """Money moved between parts beyond what the total's change explains: the part of the changes that cancels
    out. Every part moving in the total's direction (or not at all) gives 0; 국비 −10억원 and 지방비 +10억원
    under an unchanged total give 10억원, and so do 국비 −10억원 and 지방비 +35억원 under a total up 25억원."""
    return (sum(abs(d) for d in deltas) - abs(total_change)) // 2


# --- wording --------------------------------------------------------------------------------------------------


def _within_ten_percent(before: int, after: int) -> bool:
    # "10퍼센트 이내": exactly 10 % is still minor; exact fractions, so 10 % never turns into 10.000001 %.
    return before > 0 and abs(Fraction(after - before, before)) <= _TEN_PERCENT


def _percent(before: int, after: int) -> str:
    if before == 0:
        return "기준값 0"
    exact = Fraction(after - before, before) * 100
    digits = 2
    # +10.001 % must not be printed as "+10.00%" next to "초과": show as many decimals as the boundary needs.
    while digits < 12 and abs(round(exact, digits)) == 10 and abs(exact) != 10:
        digits += 1
    return f"{float(exact):+.{digits}f}%"


def _moved_by(delta: int) -> str:
    if delta == 0:
        return "그대로"
    return f"{abs(delta)}년 {'늦춤' if delta > 0 else '앞당김'}"


def _length(before: int, after: int) -> str:
    if before == after:
        return f"{before}년으로 같음"
    return f"{before}년 → {after}년으로 {abs(after - before)}년 {'늘어남' if after > before else '줄어듦'}"


def _signed_krw(amount: int) -> str:
    return f"+{format_krw_eok(amount)}" if amount > 0 else format_krw_eok(amount)


def _change(name: str, baseline: PlanContent, proposed: PlanContent) -> str:
    """What changed, with the figures where a figure says it (the corrected value is what the approver checks)."""
    label = "총면적" if name == "area_m2" else _label(name)
    before, after = _shown(name, baseline), _shown(name, proposed)
    if before is None or after is None:
        return f"{label} 변경"
    return f"{label} {before} → {after}"


def _shown(name: str, plan: PlanContent) -> str | None:
    value = getattr(plan, name)
    if value is None:
        return "(없음)"
    if name == "area_m2":
        return f"{value:,}㎡"
    if name == "creation_period":
        return f"{value.start_year}~{value.end_year}년"
    if name == "financing":
        return f"총사업비 {format_krw_eok(value.total_cost_krw)}"
    if isinstance(value, str) and len(value) <= 60:
        return value
    return None


def _label(name: str) -> str:
    info = PlanContent.model_fields.get(name)
    return info.title if info and info.title else name
