"""The decision and notice stage (지정·변경·해제·수립 및 관보 고시) — for a designation 법 제9조①③, 제10조,
영 제6조, 규칙 제3조; every other kind by its own articles, read from its ``KindLaw``.

The Minister's decision is discretionary ("지정할 수 있다") and signed off by the approver; each designation
requirement is assessed; the notice is composed from the current plan version, its content signed off, its
number registered (procedure.md §7), its PDF issued and hashed, and its gazette publication recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from gcworkflow.calendar import format_date_ko
from gcworkflow.canonical import digest
from gcworkflow.clock import to_kst
from gcworkflow.errors import Unmet
from gcworkflow.korean import particle
from gcworkflow.procedures import administrative_notice
from gcworkflow.procedures.common import DECREE, LAW, RULE, Payload, Sha256, Text, not_after_today
from gcworkflow.procedures.kind_law import INSPECTION_DAYS, KindLaw
from gcworkflow.procedures.plan_content import parse_plan
from gcworkflow.procedures.spec import (
    Action,
    Guard,
    LinkDocument,
    ProcedureView,
    RecordFact,
    RegisterNumber,
    Role,
    Write,
)
from gcworkflow.reference import authority_on, governor_title, parse_notice_number, sido_by_code

NOTICE = "designation_notice"

# 법 제10조 allows designation only of an area meeting every one of these (제5호 → 영 제6조).
REQUIREMENTS: dict[str, tuple[str, str]] = {
    "law10_1": (f"{LAW} 제10조제1호", "기본계획에 부합할 것"),
    "law10_2": (
        f"{LAW} 제10조제2호",
        "녹색산업등의 집적·융복합 효과 및 연구개발·실증화·사업화 등의 연계 지원 효과가 있을 것",
    ),
    "law10_3": (f"{LAW} 제10조제3호", "녹색융합클러스터에 필요한 시설의 확보가 가능할 것"),
    "law10_4": (f"{LAW} 제10조제4호", "일자리 창출 등 지역경제 발전에 기여할 수 있을 것"),
    "decree6_1": (f"{DECREE} 제6조제1호", "녹색산업등과 관련된 전문인력 확보의 용이성"),
    "decree6_2": (f"{DECREE} 제6조제2호", "관할 시·도의 도시개발 및 산업발전과의 연관성"),
    "decree6_3": (f"{DECREE} 제6조제3호", "그 밖에 장관이 지정에 필요하다고 인정하여 고시하는 사항"),
}
# 영 제6조제3호 refers to a 고시 that does not exist yet (law.md §1.4): "해당 없음" is allowed only there.
MAY_NOT_APPLY = frozenset({"decree6_3"})

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


# --- the Minister's decision ------------------------------------------------------------------------


class DesignationDecisionPayload(Payload):
    reason: Text = Field(description="결정 사유")


def decide_designation(sources: tuple[str, ...], law: KindLaw, *, assess_requirements: bool) -> Action:
    """The Minister's decision (지정·변경·해제·수립), signed off by the approver, on the kind's own power
    (a designation: 법 제9조① "지정할 수 있다", not ③, which says what follows it). 법 제10조 allows
    designating only an area that meets its requirements: a requirement on record as not met refuses it."""
    return Action(
        trigger="decide_designation",
        label=f"{law.result} 결정 (결재)",
        sources=sources,
        dest=None,
        roles=frozenset({Role.APPROVER}),
        basis=law.decide_basis,
        payload=DesignationDecisionPayload,
        guards=(requirements_not_refuted,) if assess_requirements else (),
        effects=lambda view, p: [
            RecordFact(
                "designation_decision",
                {"decision": law.result, "reason": p.reason, "plan_version": view.plan_version_no},
            )
        ],
        signoff=True,
        signed_content=lambda view, p: {"plan_sha256": view.plan_sha256, "reason": p.reason},
    )


def designation_decided(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        decision = view.fact("designation_decision")
        if decision is None or decision.data.get("plan_version") != view.plan_version_no:
            return [
                Unmet(
                    "designation_decision_missing",
                    law.decide_basis,
                    f"현재 판의 {law.subject}에 대한 장관의 {law.result} 결정(결재)이 기록되지 않았습니다",
                )
            ]
        return []

    return guard


# --- requirement assessments (지정 요건 검토) -------------------------------------------------------


class AssessmentPayload(Payload):
    requirement: Literal["law10_1", "law10_2", "law10_3", "law10_4", "decree6_1", "decree6_2", "decree6_3"]
    result: Literal["met", "not_met", "not_applicable"] = Field(
        description="met 충족 / not_met 미충족 / not_applicable 해당 없음"
    )
    note: Text = Field(description="검토 의견")


def _assessment_guard(_view: ProcedureView, payload: AssessmentPayload) -> list[Unmet]:
    basis, _ = REQUIREMENTS[payload.requirement]
    if payload.result == "not_applicable" and payload.requirement not in MAY_NOT_APPLY:
        return [
            Unmet(
                "requirement_cannot_be_waived", basis, f"{basis}의 요건은 '해당 없음'으로 검토할 수 없습니다"
            )
        ]
    return []


def assess_requirement(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="assess_requirement",
        label="지정 요건 검토 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{LAW} 제10조, {DECREE} 제6조",
        payload=AssessmentPayload,
        guards=(_assessment_guard,),
        effects=lambda view, p: [
            RecordFact(
                "requirement_assessment",
                {**p.model_dump(mode="json"), "plan_version": view.plan_version_no},
                subject=p.requirement,
            )
        ],
        correctable=True,
    )


def requirements_not_refuted(view: ProcedureView, _payload: object) -> list[Unmet]:
    """No requirement of 법 제10조 is on record as not met (those not yet assessed may still be)."""
    return [u for u in requirements_met(view, _payload) if u.id == "requirement_not_met"]


def requirements_met(view: ProcedureView, _payload: object) -> list[Unmet]:
    unmet = []
    for ident, (basis, text) in REQUIREMENTS.items():
        assessment = view.fact("requirement_assessment", ident)
        result = assessment.data["result"] if assessment else None
        if result == "met" or (result == "not_applicable" and ident in MAY_NOT_APPLY):
            continue
        if result is None:
            unmet.append(
                Unmet(
                    "requirement_not_assessed", basis, f"지정 요건 '{text}'의 검토 결과가 기록되지 않았습니다"
                )
            )
        else:
            unmet.append(
                Unmet(
                    "requirement_not_met",
                    basis,
                    f"지정 요건 '{text}'{particle(text, '이')} 충족되지 않은 것으로 검토되었습니다",
                )
            )
    return unmet


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


# --- the number (고시 번호, procedure.md §7) ----------------------------------------------------------


class NoticeNumberPayload(Payload):
    number: Text = Field(description="부처 문서등록대장이 부여한 번호 (예: 기후에너지환경부고시 제2026-41호)")


def _number_guard(view: ProcedureView, payload: NoticeNumberPayload) -> list[Unmet]:
    basis = "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조"
    if view.fact("notice_number", NOTICE) is not None:
        number = view.fact("notice_number", NOTICE).data["number"]
        return [
            Unmet(
                "notice_number_already_registered", basis, f"이 고시에는 이미 번호({number})가 등록되었습니다"
            )
        ]
    unmet = notice_signed(view, payload)
    try:
        series, year, _serial = parse_notice_number(payload.number)
    except ValueError as exc:
        return [*unmet, Unmet("notice_number_malformed", basis, str(exc))]
    notice = view.fact("notice_content", NOTICE)
    if notice is not None:
        notice_date = date.fromisoformat(notice.data["notice_date"])
        if series != notice.data["notice_series"]:
            unmet.append(
                Unmet(
                    "notice_number_wrong_authority",
                    "정부조직법 부칙 제7조 (2025. 10. 1.)",
                    f"고시일({format_date_ko(notice_date)})의 고시 명의는 '{notice.data['notice_series']}'입니다",
                )
            )
        if year != notice_date.year:
            unmet.append(
                Unmet(
                    "notice_number_wrong_year",
                    basis,
                    f"번호의 연도({year})가 고시일의 연도({notice_date.year})와 다릅니다",
                )
            )
    return unmet


def register_notice_number(sources: tuple[str, ...]) -> Action:
    def effects(_view: ProcedureView, payload: NoticeNumberPayload) -> list[Write]:
        series, year, _ = parse_notice_number(payload.number)
        return [RegisterNumber(series=series, year=year, purpose=NOTICE, formatted=payload.number)]

    return Action(
        trigger="register_notice_number",
        label="고시 번호 등록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis="행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
        payload=NoticeNumberPayload,
        guards=(_number_guard,),
        effects=effects,
    )


def number_registered(view: ProcedureView, _payload: object) -> list[Unmet]:
    if view.fact("notice_number", NOTICE) is None:
        return [
            Unmet(
                "notice_number_missing",
                "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
                "고시 번호가 등록되지 않았습니다",
            )
        ]
    return []


# --- issued documents (system) -------------------------------------------------------------------------


class IssuedDocumentPayload(Payload):
    document: str = Field(description="문서 종류 (예: designation_notice, opinion_request)")
    subject: str = Field(default="", description="같은 종류의 문서가 여럿일 때 구분 (예: governor:47)")
    sha256: Sha256
    title: Text
    media_type: str = "application/pdf"
    size: int = Field(ge=1)
    content_sha256: str = Field(description="문서를 만든 기록 내용의 SHA-256")


def document_issued(sources: tuple[str, ...]) -> Action:
    def effects(_view: ProcedureView, p: IssuedDocumentPayload) -> list[Write]:
        return [
            LinkDocument(
                sha256=p.sha256,
                direction="issued",
                kind=p.document,
                title=p.title,
                media_type=p.media_type,
                filename=f"{p.document}-{p.sha256[:12]}.pdf",
            ),
            RecordFact(
                "document_issued", p.model_dump(mode="json"), subject=f"{p.document}:{p.subject}".rstrip(":")
            ),
        ]

    return Action(
        trigger="document_issued",
        label="문서 생성 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.SYSTEM}),
        basis="행정업무의 운영 및 혁신에 관한 규정 제6조",
        payload=IssuedDocumentPayload,
        effects=effects,
        unassigned_roles=frozenset({Role.SYSTEM}),
    )


def notice_document(view: ProcedureView) -> str:
    """The document kind of this procedure's notice: designation_notice, change_notice, release_notice …"""
    content = view.fact("notice_content", NOTICE)
    return f"{content.data.get('kind', 'designation') if content else 'designation'}_notice"


def notification_document(view: ProcedureView) -> str:
    return notice_document(view).replace("_notice", "_notification")


def notice_document_issued(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        issued = view.fact("document_issued", notice_document(view))
        number = view.fact("notice_number", NOTICE)
        notice = view.fact("notice_content", NOTICE)
        expected = notice_render_digest(notice.data, number.data["number"]) if number and notice else None
        if issued is None or issued.data["content_sha256"] != expected:
            return [
                Unmet(
                    "notice_pdf_missing",
                    law.notice_basis,
                    "현재 고시문과 번호로 만든 고시문 PDF와 그 SHA-256이 기록되지 않았습니다",
                )
            ]
        return []

    return guard


def notice_render_digest(notice: dict[str, Any], number: str) -> str:
    """What the rendered notice PDF must have been made from (checked by :func:`notice_document_issued`)."""
    return digest({"notice": notice, "number": number})


# --- the gazette (관보 게재) ------------------------------------------------------------------------


class GazettePayload(Payload):
    published_on: date = Field(description="관보 게재일")
    gazette_issue: Text = Field(description="관보 호수 (예: 제21234호)")
    page_document_sha256: Sha256 | None = Field(default=None, description="관보 게재면 (문서 저장소 SHA-256)")


def record_gazette_publication(sources: tuple[str, ...], law: KindLaw) -> Action:
    def guard(view: ProcedureView, payload: GazettePayload) -> list[Unmet]:
        unmet = number_registered(view, payload) + not_after_today(
            view, payload.published_on, "관보 게재일", law.notice_basis, "gazette_in_future"
        )
        notice = view.fact("notice_content", NOTICE)
        # procedure.md §2: the notice's date line is its 고시일, which is the day the gazette carries it.
        if notice is not None and notice.data["notice_date"] != payload.published_on.isoformat():
            dated = date.fromisoformat(notice.data["notice_date"])
            unmet.append(
                Unmet(
                    "gazette_date_differs",
                    law.notice_basis,
                    f"관보 게재일({format_date_ko(payload.published_on)})이 고시문의 고시일({format_date_ko(dated)})과 "
                    "다릅니다. 게재일을 확인하거나 고시일을 고쳐 고시문을 다시 작성·결재하십시오",
                )
            )
        return unmet

    def effects(_view: ProcedureView, p: GazettePayload) -> list[Write]:
        writes: list[Write] = [RecordFact("gazette_publication", p.model_dump(mode="json"), subject=NOTICE)]
        if p.page_document_sha256:
            writes.append(
                LinkDocument(
                    sha256=p.page_document_sha256,
                    direction="received",
                    kind="gazette_page",
                    title=f"관보 {p.gazette_issue} 게재면",
                    media_type="application/pdf",
                )
            )
        return writes

    return Action(
        trigger="record_gazette_publication",
        label="관보 게재 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=law.notice_basis,
        payload=GazettePayload,
        guards=(guard,),
        effects=effects,
        correctable=True,
    )


def gazette_recorded(law: KindLaw) -> Guard:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        if view.fact("gazette_publication", NOTICE) is None:
            return [
                Unmet(
                    "gazette_publication_missing",
                    law.notice_basis,
                    "관보 게재일과 관보 호수가 기록되지 않았습니다",
                )
            ]
        return []

    return guard


def publish_guards(law: KindLaw, *, assess_requirements: bool) -> tuple[Guard, ...]:
    """What must hold before the notice counts as published. A change or release is not a new designation:
    법 제10조's requirements are assessed for a designation only."""
    return (
        designation_decided(law),
        *((requirements_met,) if assess_requirements else ()),
        notice_items_complete(law),
        notice_signed,
        number_registered,
        notice_document_issued(law),
        gazette_recorded(law),
    )
