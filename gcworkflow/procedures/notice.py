"""The decision and notice stage (지정·변경·해제·수립 및 관보 고시) — for a designation 법 제9조①③, 제10조,
영 제6조, 규칙 제3조; every other kind by its own articles, read from its ``KindLaw``.

The Minister's decision is discretionary ("지정할 수 있다") and signed off by the approver; each designation
requirement is assessed; the notice is composed from the current plan version, its content signed off, its
number registered (procedure.md §7), its PDF issued and hashed, and its gazette publication recorded.

The stage is in three modules: :mod:`~gcworkflow.procedures.decision` (the decision and the requirements), this
one (the notice itself: what it prints, its composition and sign-off, the document it becomes) and
:mod:`~gcworkflow.procedures.publication` (its number, its PDF, the gazette, and what publishing it needs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field

from gcworkflow.calendar import format_date_ko
from gcworkflow.canonical import digest
from gcworkflow.clock import to_kst
from gcworkflow.errors import Unmet
from gcworkflow.procedures import administrative_notice
from gcworkflow.procedures.common import RULE, Payload, Text
from gcworkflow.procedures.decision import designation_decided, requirements_not_refuted
from gcworkflow.procedures.kind_law import INSPECTION_DAYS, KindLaw
from gcworkflow.procedures.plan_content import parse_plan
from gcworkflow.procedures.spec import Action, Guard, ProcedureView, RecordFact, RegisterNumber, Role, Write
from gcworkflow.reference import authority_on, governor_title, sido_by_code

NOTICE = "designation_notice"

# A basic plan notice: the plan's name and period, what it is for and the date (법 제6조제5항).
BASIC_PLAN_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("", "계획명·계획기간", ("name", "period")),
    ("", "수립·변경 내용과 고시일", ("purpose", "designation_date")),
)
# 규칙 제3조: the four items every designation notice must carry.
NOTICE_ITEMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("제1호", "명칭·위치 및 면적", ("name", "location", "area_m2")),
    ("제2호", "지정 목적 및 지정일", ("purpose", "designation_date")),
    ("제3호", "조성기간", ("period",)),
    ("제4호", "전문운영기관", ("operating_institution",)),
)


# --- the notice content (고시문) -----------------------------------------------------------------


class InspectionPlace(Payload):
    office: Text = Field(description="열람 장소 (예: 기후에너지환경부 탈탄소녹색산업혁신과)")
    phone: str | None = Field(default=None, description="전화번호")


class NoticePayload(Payload):
    purpose: Text = Field(description="지정 목적 (규칙 제3조제2호)")
    designation_date: date = Field(description="지정일 (규칙 제3조제2호)")
    notice_date: date | None = Field(default=None, description="고시일 (비우면 지정일)")
    inspection_places: list[InspectionPlace] = Field(default_factory=list, description="관련 자료 열람 장소")
    operating_institution: str | None = Field(
        default=None, description="전문운영기관 (비우면 조성계획의 운영기관)"
    )


def _location(plan: Any, day: date) -> str | None:
    if plan is None or not getattr(plan, "regions", None):
        return None
    parts = []
    for region in plan.regions:
        sido = sido_by_code(region.sido_code).on(day).name
        sigungu = " ".join(s.name for s in region.sigungu or ())
        parts.append(f"{sido} {sigungu}".strip())
    place = ", ".join(parts)
    return f"{place} {plan.location_detail}".strip() if plan.location_detail else f"{place} 일원"


def printed_values(plan: Any, day: date, institution: str | None = None) -> dict[str, Any]:
    """The values a notice prints about a cluster (규칙 제3조제1호·제3호·제4호)."""
    period = getattr(plan, "creation_period", None)
    operation = getattr(plan, "operation_plan", None)
    return {
        "name": getattr(plan, "name", None),
        "location": _location(plan, day),
        "area_m2": getattr(plan, "area_m2", None),
        "period": {"start_year": period.start_year, "end_year": period.end_year} if period else None,
        "operating_institution": institution or (operation.operating_institution if operation else None),
    }


def notice_content(view: ProcedureView, payload: NoticePayload, kind: str, law: KindLaw) -> dict[str, Any]:
    """The notice as it will be printed, resolved from the current plan version (규칙 제3조); a change or
    release notice also carries the values before (from the approved baseline)."""
    law = law.at(view)  # a minor change published by policy opens nothing to residents (법 제12조④ 단서)
    notice_date = payload.notice_date or payload.designation_date
    authority = authority_on(notice_date)
    plan = view.plan
    regions = getattr(plan, "regions", None) or ()
    content: dict[str, Any] = {
        "kind": kind,
        "authority": authority.head,
        "notice_series": authority.notice_series,
        "notice_date": notice_date.isoformat(),
        **printed_values(plan, notice_date, payload.operating_institution),
        "purpose": payload.purpose,
        "designation_date": payload.designation_date.isoformat(),
        "inspection_places": [
            p.model_dump(mode="json", exclude_none=True) for p in payload.inspection_places
        ],
        # Only where the kind's law opens the notice to residents (법 제9조④, or as applied by 제12조④).
        **(
            {
                "inspection_period": f"관할 시·도지사가 통보받은 날부터 {INSPECTION_DAYS}일 이상 ({law.inspection_basis})"
            }
            if law.has_inspection
            else {}
        ),
        "competent_governors": [governor_title(r.sido_code, notice_date) for r in regions],
        "plan_version": view.plan_version_no,
        "plan_sha256": view.plan_sha256,
    }
    baseline = view.fact("baseline")
    if baseline is not None and baseline.data.get("current") is not None:
        content["before"] = printed_values(parse_plan(baseline.data["current"]), notice_date)
    return content


def notice_items_complete(law: KindLaw) -> Guard:
    """Every item the kind's notice must print is there, from the current plan version."""
    basis = law.notice_items_basis

    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        notice = view.fact("notice_content", NOTICE)
        if notice is None:
            return [Unmet("notice_not_composed", basis, "고시문이 작성되지 않았습니다")]
        unmet = []
        # 규칙 제3조 lists a cluster's notice items (by 호); a basic plan notice prints the plan instead.
        items = BASIC_PLAN_ITEMS if notice.data.get("kind") == "basic_plan" else NOTICE_ITEMS
        for number, label, fields in items:
            missing = [f for f in fields if not notice.data.get(f)]
            if missing:
                unmet.append(
                    Unmet(
                        "notice_item_missing",
                        f"{basis}{number}",
                        f"고시문에 '{label}' 항목이 빠져 있습니다",
                    )
                )
        if notice.data.get("plan_version") != view.plan_version_no:
            unmet.append(
                Unmet(
                    "notice_plan_outdated",
                    basis,
                    f"고시문이 현재 {law.subject if law.subject != '지정' else '조성계획'} 판을 반영하지 "
                    "않습니다. 다시 작성하십시오",
                )
            )
        return unmet

    return guard


def _notice_dates_agree(law: KindLaw) -> Guard:
    """procedure.md §2: the 지정일 (the day the decision takes effect) is not before the committee's decision nor
    before the Minister's."""

    def guard(view: ProcedureView, payload: NoticePayload) -> list[Unmet]:
        effective = payload.designation_date
        unmet = []
        meeting, decided = view.fact("meeting"), view.fact("committee_decision")
        if meeting is not None and decided is not None:
            held = date.fromisoformat(meeting.data["held_on"])
            if effective < held:
                unmet.append(
                    Unmet(
                        "effective_before_committee",
                        law.hear_basis,
                        f"{law.result}일({format_date_ko(effective)})이 위원회 의결일({format_date_ko(held)})보다 "
                        "앞섭니다",
                    )
                )
        decision = view.fact("designation_decision")
        if decision is not None:
            signed = to_kst(decision.recorded_at).date()
            if effective < signed:
                unmet.append(
                    Unmet(
                        "effective_before_decision",
                        law.decide_basis,
                        f"{law.result}일({format_date_ko(effective)})이 장관의 결정일({format_date_ko(signed)})보다 "
                        "앞섭니다",
                    )
                )
        return unmet

    return guard


def compose_notice(sources: tuple[str, ...], kind: str, law: KindLaw) -> Action:
    return Action(
        trigger="compose_notice",
        label="고시문 작성",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{law.notice_basis}, {RULE} 제3조" if kind != "basic_plan" else law.notice_basis,
        payload=NoticePayload,
        guards=(_notice_dates_agree(law),),
        effects=lambda view, p: [
            RecordFact("notice_content", notice_content(view, p, kind, law), subject=NOTICE)
        ],
    )


def _notice_digest(view: ProcedureView) -> str | None:
    notice = view.fact("notice_content", NOTICE)
    return digest(notice.data) if notice else None


def _sign_effects(view: ProcedureView, _payload: object) -> list[Write]:
    notice = view.fact("notice_content", NOTICE).data
    writes: list[Write] = [
        RecordFact("notice_signoff", {"notice_sha256": _notice_digest(view)}, subject=NOTICE)
    ]
    if view.policy.notice_numbering == "local" and view.fact("notice_number", NOTICE) is None:
        # Drawn atomically with the sign-off, so a number is never issued for an unsigned notice (§7).
        notice_date = date.fromisoformat(notice["notice_date"])
        writes.append(RegisterNumber(series=notice["notice_series"], year=notice_date.year, purpose=NOTICE))
    return writes


def sign_notice_content(sources: tuple[str, ...], law: KindLaw, *, assess_requirements: bool) -> Action:
    return Action(
        trigger="sign_notice_content",
        label="고시문 내용 결재",
        sources=sources,
        dest=None,
        roles=frozenset({Role.APPROVER}),
        basis=f"{law.notice_basis}, 행정업무의 운영 및 혁신에 관한 규정 제6조제1항",
        guards=(
            designation_decided(law),
            *((requirements_not_refuted,) if assess_requirements else ()),
            notice_items_complete(law),
            administrative_notice.period_over,
        ),
        effects=_sign_effects,
        signoff=True,
        signed_content=lambda view, _p: {"notice_sha256": _notice_digest(view)},
    )


def notice_signed(view: ProcedureView, _payload: object) -> list[Unmet]:
    """Whatever the kind: a document is issued only once signed (행정업무규정 제6조①)."""
    signoff = view.fact("notice_signoff", NOTICE)
    if signoff is None or signoff.data["notice_sha256"] != _notice_digest(view):
        return [
            Unmet(
                "notice_not_signed",
                "행정업무의 운영 및 혁신에 관한 규정 제6조제1항",
                "결재권자가 현재 고시문 내용을 결재하지 않았습니다",
            )
        ]
    return []


# --- the document it becomes -------------------------------------------------------------------------


def notice_document(view: ProcedureView) -> str:
    """The document kind of this procedure's notice: designation_notice, change_notice, release_notice …"""
    content = view.fact("notice_content", NOTICE)
    return f"{content.data.get('kind', 'designation') if content else 'designation'}_notice"


def notification_document(view: ProcedureView) -> str:
    return notice_document(view).replace("_notice", "_notification")


def notice_render_digest(notice: dict[str, Any], number: str) -> str:
    """What the rendered notice PDF must have been made from (checked by
    :func:`~gcworkflow.procedures.publication.notice_document_issued`)."""
    return digest({"notice": notice, "number": number})
