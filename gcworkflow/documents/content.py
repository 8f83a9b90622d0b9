"""What each official document says, built from the procedure's record and the office settings (procedure.md
§7, law.md §4–§5). The issuing authority comes from the document's date (환경부 before 2025-10-01,
기후에너지환경부 from then), the office details from settings — never from a template."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.calendar import format_date_ko
from gcworkflow.canonical import loads
from gcworkflow.clock import to_kst
from gcworkflow.db.models import AuditEvent, User
from gcworkflow.documents.models import Item, Letter, Line, Notice, Office, Section, Signature, Table
from gcworkflow.errors import GuardFailed, InvalidInput, Unmet
from gcworkflow.korean import with_particle
from gcworkflow.procedures.basic_plan import ITEMS as BASIC_PLAN_ITEMS
from gcworkflow.procedures.kind_law import INSPECTION_DAYS, KindLaw
from gcworkflow.procedures.notice import NOTICE, notice_items_complete
from gcworkflow.procedures.plan_content import format_krw_eok
from gcworkflow.procedures.registry import definition
from gcworkflow.procedures.spec import ProcedureView
from gcworkflow.reference import addressee, authority_on
from gcworkflow.settings import Settings

LAW = "「녹색융합클러스터의 조성 및 육성에 관한 법률」"
RECIPIENTS_REFERENCE = "수신자 참조"
# The ministries' consultation letters enclose the governors' opinions too (documents/enclosures.py).
OPINIONS_TITLE = "시·도지사 의견 수렴 결과"
_OFFICE_FIELDS = ("postcode", "address", "homepage", "phone", "fax", "email")

TITLES = {
    "designation_notice": "지정 고시",
    "change_notice": "변경 고시",
    "release_notice": "해제 고시",
    "opinion_request": "의견조회 시행문",
    "consultation_request": "협의 요청 시행문",
    "designation_notification": "지정 결과 통보 시행문",
    "change_notification": "변경 결과 통보 시행문",
    "release_notification": "해제 결과 통보 시행문",
    "basic_plan_notice": "기본계획 고시",
    "basic_plan_notification": "기본계획 통보 시행문",
}


def office(settings: Settings, day: date) -> Office:
    """The 결문's office block; a letter without it would be half-empty, so missing settings are refused."""
    missing = [
        f"GCW_OFFICE_{name.upper()}" for name in _OFFICE_FIELDS if not getattr(settings, f"office_{name}")
    ]
    if missing:
        raise InvalidInput(
            "시행문의 결문(우편번호·주소·홈페이지·전화·팩스·전자우편)에 쓸 사무실 설정이 없습니다: "
            + ", ".join(missing)
        )
    authority = authority_on(day)
    return Office(
        ministry=authority.ministry,
        head=authority.head,
        division=settings.office_division or authority.division,
        **{name: getattr(settings, f"office_{name}") for name in _OFFICE_FIELDS},
    )


@dataclass(frozen=True)
class Signing:
    """Who drafted and who approved (결재) a document, from the approval event in the chain."""

    drafter: str
    approver: str
    approved_on: date
    acting: bool


def signing(session: Session, event_id: int) -> Signing:
    """The 결재 of the approval event that called for the document (the event that recorded its request)."""
    event = session.get(AuditEvent, event_id)
    if event is None:
        raise InvalidInput(f"이 문서의 결재 기록(감사 사건 {event_id}번)이 없습니다")
    proposal = loads(event.payload).get("proposal") or {}
    names = dict(session.execute(select(User.username, User.display_name)).all())
    drafter = proposal.get("proposed_by") or event.actor
    return Signing(
        names.get(drafter, drafter),
        names.get(event.actor, event.actor),
        to_kst(event.occurred_at).date(),
        bool(proposal.get("acting")),
    )


def _signatures(settings: Settings, signed: Signing) -> tuple[Signature, ...]:
    return (
        Signature(title=settings.clerk_title, name=signed.drafter, mark="★"),
        Signature(
            title=settings.approver_title,
            name=signed.approver,
            mark="대결" if signed.acting else "전결",
            signed_on=signed.approved_on.isoformat(),
        ),
    )


def kind_law(view: ProcedureView) -> KindLaw:
    """The words and articles of the procedure's kind, as it speaks now (a minor change its own)."""
    law = definition(view.kind).law
    if law is None:
        raise ValueError(f"procedure kind {view.kind!r} has no KindLaw")
    return law.at(view)


def _inspection_section(n: dict[str, Any], law: KindLaw) -> tuple[Section, ...]:
    """관련 자료의 열람, only where the kind's law opens the notice to residents."""
    if not law.inspection_clause:
        return ()
    places = [
        f"{p['office']}" + (f" (☎ {p['phone']})" if p.get("phone") else "") for p in n["inspection_places"]
    ]
    authority = n["authority"].removesuffix("장관")
    return (
        Section(
            title="관련 자료의 열람",
            lines=(
                Line(label="열람 장소", value="\n".join(places) or f"{authority} 및 관할 시·도"),
                Line(
                    label="열람 기간",
                    value=f"관할 시·도지사가 통보받은 날부터 {INSPECTION_DAYS}일 이상 (같은 법 {law.inspection_clause})",
                ),
            ),
        ),
    )


# --- the designation notice (고시) -------------------------------------------------------------------


def designation_notice(view: ProcedureView, *, illustrative: bool = False) -> tuple[Notice, str]:
    """The notice from its signed content and registered number; refused before rendering when any item of
    규칙 제3조 is missing. Returns the notice and the number."""
    n, number = _checked(view)
    period = n["period"]
    notice_date = date.fromisoformat(n["notice_date"])
    sections = [
        Section(
            title="녹색융합클러스터의 명칭·위치 및 면적",
            lines=(
                Line(label="명  칭", value=n["name"]),
                Line(
                    label="위  치",
                    value=f"{n['location']}\n※ 세부 범위는 별첨 지형도 및 지번·지목 현황에 따름",
                ),
                Line(label="면  적", value=f"{n['area_m2']:,}㎡"),
            ),
        ),
        Section(
            title="지정 목적 및 지정일",
            lines=(
                Line(label="지정 목적", value=n["purpose"]),
                Line(label="지 정 일", value=format_date_ko(date.fromisoformat(n["designation_date"]))),
            ),
        ),
        Section(title="조성기간", paragraphs=(f"{period['start_year']}년 ~ {period['end_year']}년",)),
        Section(
            title="전문운영기관",
            paragraphs=(f"{n['operating_institution']} (같은 법 제23조제2항, 같은 법 시행령 제14조)",),
        ),
    ]
    plan = view.plan
    if plan is not None and plan.green_innovation_industry and plan.financing:
        sections.append(
            Section(
                title="육성 분야 및 총사업비",
                lines=(
                    Line(label="육성 분야", value=", ".join(plan.green_innovation_industry.industries)),
                    Line(label="총사업비", value=format_krw_eok(plan.financing.total_cost_krw)),
                ),
            )
        )
    law = kind_law(view)
    sections.extend(_inspection_section(n, law))
    notice = Notice(
        kind="designation_notice",
        document_title=f"{number} {n['name']} 지정 고시",
        date=notice_date.isoformat(),
        number=number,
        authority=n["authority"],
        basis_sentence=f"{LAW} {law.notice_clause}에 따라 {with_particle(n['name'], '을')} 다음과 같이 "
        "지정하고 고시합니다.",
        sections=tuple(sections),
        illustrative=illustrative,
    )
    return notice, number


def _values_row(label: str, before: Any, after: Any) -> tuple[str, str, str]:
    return (label, before or "-", after or "-")


def _printed(values: dict[str, Any]) -> dict[str, str]:
    period = values.get("period")
    return {
        "명칭": values.get("name") or "-",
        "위치": values.get("location") or "-",
        "면적": f"{values['area_m2']:,}㎡" if values.get("area_m2") else "-",
        "조성기간": f"{period['start_year']}년 ~ {period['end_year']}년" if period else "-",
        "전문운영기관": values.get("operating_institution") or "-",
    }


def _checked(view: ProcedureView) -> tuple[dict[str, Any], str]:
    unmet = notice_items_complete(kind_law(view))(view, None)
    number = view.fact("notice_number", NOTICE)
    if number is None:
        unmet.append(
            Unmet(
                "notice_number_missing",
                "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
                "고시 번호가 등록되지 않아 고시문을 만들 수 없습니다",
            )
        )
    if unmet:
        raise GuardFailed(unmet, "고시문을 만들 수 없습니다.")
    return dict(view.fact("notice_content", NOTICE).data), number.data["number"]


def notice(view: ProcedureView, *, illustrative: bool = False) -> tuple[Notice, str]:
    """The procedure's notice (지정·변경·해제 고시), refused before rendering when anything is missing."""
    kind = (
        view.fact("notice_content", NOTICE).data.get("kind", "designation")
        if view.fact("notice_content", NOTICE)
        else "designation"
    )
    if kind == "designation":
        return designation_notice(view, illustrative=illustrative)
    n, number = _checked(view)
    law = kind_law(view)
    if kind == "basic_plan":
        return _basic_plan_notice(view, n, number, illustrative), number
    before, after = _printed(n.get("before") or {}), _printed(n)
    rows = tuple((label, before[label], after[label]) for label in after)
    day = format_date_ko(date.fromisoformat(n["designation_date"]))
    if kind == "change":
        changed = tuple(r for r in rows if r[1] != r[2]) or rows
        sections = (
            Section(title="변경 내용", table=Table(columns=("구분", "변경 전", "변경 후"), rows=changed)),
            Section(title="변경 사유", paragraphs=(n["purpose"],)),
            Section(title="변경일", paragraphs=(day,)),
            *_inspection_section(n, law),
        )
        sentence = (
            f"{LAW} {law.notice_clause}에 따라 {n['name']}의 조성계획을 다음과 같이 변경하고 고시합니다."
        )
        title, doc_kind = f"{number} {n['name']} 조성계획 변경 고시", "change_notice"
    else:
        scope = view.fact("release_scope")
        partial = scope is not None and scope.data["scope"] == "partial"
        released = f"{scope.data['released_area_m2']:,}㎡" if partial else f"전부 ({before['면적']})"
        sections = (
            Section(
                title="해제 대상",
                lines=(
                    Line(label="명  칭", value=n["name"]),
                    Line(label="위  치", value=n["location"] or "-"),
                    Line(label="해제 면적", value=released),
                    *((Line(label="남는 면적", value=after["면적"]),) if partial else ()),
                ),
            ),
            Section(
                title="해제 사유 및 근거",
                paragraphs=(f"{n['purpose']} ({scope.data['basis'] if scope else law.decide_basis})",),
            ),
            Section(title="해제일", paragraphs=(day,)),
            *_inspection_section(n, law),
        )
        sentence = (
            f"{LAW} {law.notice_clause}에 따라 {n['name']}의 지정을 다음과 같이 "
            f"{'일부' if partial else '전부'} 해제하고 고시합니다."
        )
        title, doc_kind = f"{number} {n['name']} 지정 {'일부 ' if partial else ''}해제 고시", "release_notice"
    return Notice(
        kind=doc_kind,
        document_title=title,
        date=n["notice_date"],
        number=number,  # type: ignore[arg-type]
        authority=n["authority"],
        basis_sentence=sentence,
        sections=sections,
        illustrative=illustrative,
    ), number


def _basic_plan_notice(view: ProcedureView, n: dict[str, Any], number: str, illustrative: bool) -> Notice:
    plan = view.plan
    authority = authority_on(date.fromisoformat(n["notice_date"]))
    law = kind_law(view)
    period = n.get("period") or {}
    contents = [
        Line(label=label, value=getattr(plan, field))
        for field, _, label in BASIC_PLAN_ITEMS
        if plan is not None and getattr(plan, field, None)
    ]
    sections = (
        Section(
            title="계획명 및 계획기간",
            lines=(
                Line(label="계 획 명", value=n["name"]),
                Line(label="계획기간", value=f"{period.get('start_year')}년 ~ {period.get('end_year')}년"),
            ),
        ),
        Section(title="주요 내용 (같은 법 제7조)", lines=tuple(contents)),
        Section(title="수립·변경 사유", paragraphs=(n["purpose"],)),
        Section(
            title="관련 자료의 열람",
            paragraphs=(
                # The ministry as named on the notice's date, in the body as in the 발신 명의.
                f"기본계획 전문은 {authority.ministry} 누리집과 {authority.division}에서 열람할 수 있습니다.",
            ),
        ),
    )
    return Notice(
        kind="basic_plan_notice",
        document_title=f"{number} {n['name']} 고시",
        date=n["notice_date"],
        number=number,
        authority=n["authority"],
        basis_sentence=f"{LAW} {law.notice_clause}에 따라 {with_particle(n['name'], '을')} 다음과 같이 "
        f"{law.verb_phrase}하여 고시합니다.",
        sections=sections,
        illustrative=illustrative,
    )


# --- letters (시행문) -----------------------------------------------------------------------------------


def _letter(
    kind: str,
    view: ProcedureView,
    settings: Settings,
    signed: Signing,
    number: Any,
    recipient: str,
    subject: str,
    items: tuple[Item, ...],
    attachments: tuple[str, ...],
    illustrative: bool,
    recipients: tuple[str, ...] = (),
) -> Letter:
    dated = date.fromisoformat(number["dated"])
    return Letter(
        kind=kind,  # type: ignore[arg-type]
        document_title=f"{number['number']} {subject}",
        date=dated.isoformat(),
        office=office(settings, dated),
        # One letter to several addressees: "수신 수신자 참조" and the 수신자 line (시행규칙 제4조제2항제2호나목).
        recipient=RECIPIENTS_REFERENCE if recipients else recipient,
        recipients=recipients,
        subject=subject,
        items=items,
        attachments=attachments,
        signatures=_signatures(settings, signed),
        enforcement_number=number["number"],
        illustrative=illustrative,
    )


def _request_of(view: ProcedureView, party: str) -> tuple[str, KindLaw, str, str]:
    """What a request letter to ``party`` says of itself: the reply date asked, the kind's law, the name and
    the matter."""
    request = view.fact("consultation_request", party).data
    name = view.cluster_name or getattr(view.plan, "name", None) or view.title
    law = kind_law(view)
    return format_date_ko(date.fromisoformat(request["reply_by"])), law, name, law.matter(name)


def opinion_request(
    view: ProcedureView,
    settings: Settings,
    signed: Signing,
    party: str,
    number: Any,
    *,
    unit: str | None = None,
    recipients: tuple[str, ...] = (),
    illustrative: bool = False,
) -> Letter:
    reply_by, law, name, matter = _request_of(view, party)
    items = (
        Item(text=f"관련: {LAW} {law.hear_clause}"),
        Item(
            text=f"우리 부는 {law.intent(name)}, 같은 법 {law.hear_clause}에 따라 {law.governors}의 의견을 "
            "듣고자 합니다."
        ),
        Item(
            text=f"{matter}에 대한 귀 기관의 의견을 {reply_by}까지 회신하여 주시기 바랍니다.",
            children=(
                Item(text=f"회신 기한: {reply_by}"),
                Item(text="회신 방법: 문서유통(전자문서)"),
            ),
        ),
    )
    return _letter(
        "opinion_request",
        view,
        settings,
        signed,
        number,
        addressee(party, date.fromisoformat(number["dated"]), unit),
        f"{matter}에 대한 의견 조회",
        items,
        (f"{law.attachment} 1부",),
        illustrative,
        recipients,
    )


def consultation_request(
    view: ProcedureView,
    settings: Settings,
    signed: Signing,
    party: str,
    number: Any,
    *,
    unit: str | None = None,
    recipients: tuple[str, ...] = (),
    illustrative: bool = False,
) -> Letter:
    reply_by, law, _, matter = _request_of(view, party)
    items = (
        Item(text=f"관련: {LAW} {law.hear_clause}"),
        Item(text=f"{matter}에 대하여 같은 법 {law.hear_clause}에 따라 붙임과 같이 협의를 요청합니다."),
        Item(
            text=f"협의 의견(동의, 조건부 동의, 이견, 의견 없음)을 {reply_by}까지 회신하여 주시기 바랍니다.",
            children=(Item(text=f"회신 기한: {reply_by}"),),
        ),
    )
    return _letter(
        "consultation_request",
        view,
        settings,
        signed,
        number,
        addressee(party, date.fromisoformat(number["dated"]), unit),
        f"{matter} 협의 요청",
        items,
        (f"{law.attachment} 1부", f"{OPINIONS_TITLE} 1부"),
        illustrative,
        recipients,
    )


def notification(
    view: ProcedureView,
    settings: Settings,
    signed: Signing,
    party: str,
    number: Any,
    notice_number: str,
    *,
    unit: str | None = None,
    recipients: tuple[str, ...] = (),
    illustrative: bool = False,
) -> Letter:
    """The 결과 통보 시행문 (law.md §5.2) for a designation, a change or a release, with the notice attached."""
    notice_data = view.fact("notice_content", NOTICE).data
    kind = notice_data.get("kind", "designation")
    law = kind_law(view)
    gazette = view.fact("gazette_publication", NOTICE)
    published = format_date_ko(date.fromisoformat(gazette.data["published_on"])) if gazette else ""
    items = (
        Item(text=f"관련: {notice_number}({published})"),
        Item(
            text=f"{LAW} {law.notify_clause}에 따라 {notice_data['name']} {law.result} 내용을 붙임과 같이 "
            "통보합니다."
        ),
        # Only where the kind's law asks the governor to open it to residents (법 제9조④, or as applied).
        *(
            (
                Item(
                    text=f"같은 법 {law.inspection_clause}에 따라 그 내용을 {INSPECTION_DAYS}일 이상 주민이 열람할 수 있도록 "
                    "조치하여 주시기 바랍니다."
                ),
            )
            if law.inspection_clause
            else ()
        ),
    )
    return _letter(
        f"{kind}_notification",
        view,
        settings,
        signed,
        number,
        addressee(party, date.fromisoformat(number["dated"]), unit),
        f"{notice_data['name']} {law.result} 결과 통보",
        items,
        (f"{law.result} 고시문 1부", f"{law.attachment} 1부"),
        illustrative,
        recipients,
    )
