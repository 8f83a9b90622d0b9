"""붙임: what the letters enclose about their matter, made from the record the letter is about — never a
placeholder line with nothing behind it.

Each kind encloses what its law's ``attachment`` word names (``KindLaw.enclosure`` says which document):

- a designation, 조성계획(요약): name, location, area, period, cost and its sources, facilities, industries, the
  operating institution and the consistency with the basic plan (법 제11조, 영 제7조);
- a plan change, 조성계획 변경 대비표: each changed item before and after, and why;
- a release, 해제 대상 및 사유: the released scope, the area, the reason and its ground (법 제12조①, 영 제8조);
- the basic plan, 기본계획(안) or 기본계획 변경안: its name, period and the items of 법 제7조;

and the ministries' consultation letters also enclose the governors' opinions (시·도지사 의견 수렴 결과).
Every enclosure is dated by the plan version it was made from, so the letters about one version enclose one
document, issued once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from pydantic import BaseModel

from gcworkflow.calendar import format_date_ko
from gcworkflow.documents.content import OPINIONS_TITLE, kind_law
from gcworkflow.documents.models import Enclosure, Line, Section, Table
from gcworkflow.errors import InvalidInput
from gcworkflow.procedures.basic_plan import ITEMS as BASIC_PLAN_ITEMS
from gcworkflow.procedures.common import party_name
from gcworkflow.procedures.kind_law import LAW_TITLE, KindLaw
from gcworkflow.procedures.notice import printed_values
from gcworkflow.procedures.plan_content import PlanContent, format_krw_eok, parse_plan
from gcworkflow.procedures.spec import ProcedureView
from gcworkflow.reference import authority_on


def subject_of(view: ProcedureView) -> str:
    """The enclosure's subject among the procedure's documents: its plan version, shared by every letter."""
    return str(view.plan_version_no or 0)


def matter_enclosure(view: ProcedureView, dated: date, *, illustrative: bool = False) -> Enclosure:
    """The enclosure the kind's letters list as ``law.attachment``, from the procedure's current plan version
    (``dated``: the day that version was written)."""
    law = kind_law(view)
    builder = _BUILDERS[law.enclosure]
    name = _name(view)
    return Enclosure(
        kind=law.enclosure,  # type: ignore[arg-type]
        document_title=f"{name} {law.attachment}",
        date=dated.isoformat(),
        title=law.attachment,
        authority=authority_on(dated).ministry,
        subject=name,
        sections=tuple(builder(view, law, dated)),
        plan_version=view.plan_version_no,
        plan_sha256=view.plan_sha256,
        illustrative=illustrative,
    )


def opinion_summary(view: ProcedureView, *, illustrative: bool = False) -> Enclosure:
    """시·도지사 의견 수렴 결과: each governor heard in the current round, the date and the gist of the reply
    (or the recorded lapse), for the ministries' consultation letters."""
    consultation = view.fact("consultation_round", "governor")
    if consultation is None:
        raise InvalidInput("시·도지사 의견 수렴 기록이 없어 의견 수렴 결과를 만들 수 없습니다")
    round_no = consultation.data["round"]
    rows = []
    requested = latest = date.fromisoformat(consultation.data["requested_on"])
    for party in consultation.data["parties"]:
        reply = view.fact("consultation_reply", party)
        name = party_name(party, requested)
        if reply is None or reply.data["round"] != round_no:
            rows.append((name, "-", "회신 대기"))
        elif reply.data.get("no_reply"):
            rows.append((name, "-", f"회신 없음 ({reply.data['reason']})"))
        else:
            received = date.fromisoformat(reply.data["received_on"])
            latest = max(latest, received)
            rows.append((name, format_date_ko(received), reply.data["summary"]))
    law = kind_law(view)
    name = _name(view)
    heard_on = consultation.data.get("plan_version")
    return Enclosure(
        kind="opinion_summary",
        document_title=f"{name} {OPINIONS_TITLE}",
        date=latest.isoformat(),
        title=OPINIONS_TITLE,
        authority=authority_on(latest).ministry,
        subject=name,
        sections=(
            Section(
                title="의견 요청",
                lines=(
                    Line(label="근거", value=f"{LAW_TITLE} {law.hear_clause}"),
                    Line(label="요청일", value=format_date_ko(requested)),
                    Line(label="대상", value=f"{law.governors} {len(rows)}곳"),
                ),
            ),
            Section(
                title="회신 의견", table=Table(columns=("시·도", "접수일", "의견 요지"), rows=tuple(rows))
            ),
        ),
        # The plan version the governors were asked about (its hash only while it is still the current one).
        plan_version=heard_on,
        plan_sha256=view.plan_sha256 if heard_on == view.plan_version_no else None,
        illustrative=illustrative,
    )


def _name(view: ProcedureView) -> str:
    return view.cluster_name or getattr(view.plan, "name", None) or view.title


def _years(period: Any) -> str:
    return f"{period.start_year}년 ~ {period.end_year}년"


# --- 조성계획(요약) ----------------------------------------------------------------------------------------


def _plan_summary(view: ProcedureView, _law: KindLaw, dated: date) -> Iterable[Section]:
    plan = view.plan
    if not isinstance(plan, PlanContent):
        raise InvalidInput("조성계획이 작성되지 않아 조성계획(요약)을 만들 수 없습니다")
    return _plan_sections(plan, dated)


def _plan_sections(plan: PlanContent, dated: date) -> Iterable[Section]:
    values = printed_values(plan, dated)
    yield Section(
        title="개요 (법 제11조제1호)",
        lines=(
            Line(label="명칭", value=values["name"] or "-"),
            Line(label="위치", value=values["location"] or "-"),
            Line(label="면적", value=f"{plan.area_m2:,}㎡" if plan.area_m2 else "-"),
            Line(
                label="조성기간",
                value=_years(plan.creation_period) if plan.creation_period else "-",
            ),
        ),
    )
    if plan.financing:
        yield Section(
            title="총사업비 및 재원 (법 제11조제6호)",
            lines=(Line(label="총사업비", value=_cost(plan)),),
            table=Table(
                columns=("추진내역", "재원", "금액"),
                rows=tuple((i.item, i.source, format_krw_eok(i.amount_krw)) for i in plan.financing.items),
            ),
        )
    if plan.facilities:
        yield Section(
            title="주요 시설 및 집적단지 (법 제11조제4호)",
            lines=(Line(label="집적단지", value=plan.facilities.agglomeration_complex),),
            table=Table(
                columns=("구분", "시설", "현황"),
                rows=tuple((f.category, f.name, f.status) for f in plan.facilities.items),
            ),
        )
    if plan.green_innovation_industry:
        industry = plan.green_innovation_industry
        yield Section(
            title="녹색혁신산업 육성 (법 제11조제5호)",
            lines=(
                Line(label="육성 분야", value=", ".join(industry.industries)),
                Line(label="지역경제 기여", value=industry.regional_contribution),
            ),
        )
    if plan.operation_plan:
        yield Section(
            title="운영 (영 제7조제1호)",
            lines=(
                Line(label="전문운영기관", value=plan.operation_plan.operating_institution),
                Line(label="운영계획", value=plan.operation_plan.summary),
            ),
        )
    if plan.basic_plan_consistency:
        yield Section(
            title="기본계획과의 부합성 (법 제11조제2호)",
            lines=(Line(label="기본계획", value=plan.basic_plan_consistency.basic_plan),),
            paragraphs=(plan.basic_plan_consistency.statement,),
        )


def _cost(plan: PlanContent) -> str:
    assert plan.financing is not None
    sources = ", ".join(
        f"{source} {format_krw_eok(amount)}" for source, amount in plan.financing.by_source().items()
    )
    return f"{format_krw_eok(plan.financing.total_cost_krw)} ({sources})"


# --- 조성계획 변경 대비표 ---------------------------------------------------------------------------------

# The table's rows: a label and the plan fields it shows (the same row order as the summary).
_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("명칭", ("name",)),
    ("위치", ("regions", "location_detail")),
    ("면적", ("area_m2",)),
    ("조성기간", ("creation_period",)),
    ("총사업비 및 재원", ("financing",)),
    ("주요 시설", ("facilities",)),
    ("육성 분야", ("green_innovation_industry",)),
    ("전문운영기관", ("operation_plan",)),
)


def _row_values(plan: PlanContent | None, dated: date) -> dict[str, str]:
    """Each row's value as the table prints it; then every other section of the plan by its title."""
    if plan is None:
        return {}
    values = printed_values(plan, dated)
    shown = {
        "명칭": values["name"],
        "위치": values["location"],
        "면적": f"{plan.area_m2:,}㎡" if plan.area_m2 else None,
        "조성기간": _years(plan.creation_period) if plan.creation_period else None,
        "총사업비 및 재원": _cost(plan) if plan.financing else None,
        "주요 시설": "\n".join(f"{f.category}: {f.name} ({f.status})" for f in plan.facilities.items)
        if plan.facilities
        else None,
        "육성 분야": ", ".join(plan.green_innovation_industry.industries)
        if plan.green_innovation_industry
        else None,
        "전문운영기관": values["operating_institution"],
    }
    covered = {name for _, fields in _ROWS for name in fields}
    for name, info in PlanContent.model_fields.items():
        if name not in covered:
            shown[info.title or name] = _flat(getattr(plan, name))
    return {label: value for label, value in shown.items() if value}


def _flat(value: Any) -> str | None:
    """A section of the plan as one cell: its written values in order, one per line."""
    if value is None:
        return None
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json", exclude_none=True)
    if isinstance(value, dict):
        return "\n".join(filter(None, (_flat(v) for v in value.values())))
    if isinstance(value, list | tuple):
        return "\n".join(filter(None, (_flat(v) for v in value)))
    return f"{value:,}" if isinstance(value, int) else str(value)


def _plan_change_table(view: ProcedureView, _law: KindLaw, dated: date) -> Iterable[Section]:
    baseline = view.fact("baseline")
    current = baseline.data.get("current") if baseline else None
    before = _row_values(parse_plan(current) if current else None, dated)
    after = _row_values(view.plan if isinstance(view.plan, PlanContent) else None, dated)
    classification = view.fact("classification")
    data = dict(classification.data) if classification else {}
    reason = data.get("change_reason") or "-"
    corrected = {c["field"]: c.get("note") or "착오·오기·누락 정정" for c in data.get("corrections", [])}
    fields_of = dict(_ROWS)
    rows = []
    for label in dict.fromkeys([*before, *after]):
        if before.get(label) == after.get(label):
            continue
        fields = fields_of.get(label, ())
        why = next((f"착오·오기·누락 정정: {corrected[f]}" for f in fields if f in corrected), None)
        if (
            why is None
            and data.get("districts_basis")
            and set(fields) & {"name", "regions", "location_detail"}
        ):
            why = f"행정구역 변경 ({data['districts_basis']})"
        # The change's own reason is written once, below the table; a row names only a reason of its own.
        rows.append((label, before.get(label, "-"), after.get(label, "-"), why or "2. 변경 사유 참조"))
    if not rows:
        rows.append(("-", "-", "-", "승인된 조성계획과 달라진 내용이 없습니다"))
    yield Section(
        title="변경 내용",
        table=Table(columns=("구분", "변경 전", "변경 후", "사유"), rows=tuple(rows)),
    )
    yield Section(title="변경 사유", paragraphs=(reason,))


# --- 해제 대상 및 사유 ------------------------------------------------------------------------------------


def _release_scope(view: ProcedureView, _law: KindLaw, dated: date) -> Iterable[Section]:
    scope = view.fact("release_scope")
    if scope is None:
        raise InvalidInput("해제 범위와 사유가 기록되지 않아 '해제 대상 및 사유'를 만들 수 없습니다")
    data = scope.data
    values = printed_values(view.plan, dated) if view.plan is not None else {}
    partial = data["scope"] == "partial"
    before = data.get("area_before_m2")
    lines = [
        Line(label="명칭", value=_name(view)),
        Line(label="위치", value=values.get("location") or "-"),
        Line(label="해제 구분", value="일부 해제" if partial else "전부 해제"),
        Line(
            label="해제 면적",
            value=f"{data['released_area_m2']:,}㎡"
            if partial
            else (f"{before:,}㎡ (전부)" if before else "전부"),
        ),
    ]
    if before:
        lines.append(Line(label="해제 전 면적", value=f"{before:,}㎡"))
    if partial and data.get("remaining_area_m2"):
        lines.append(Line(label="해제 후 면적", value=f"{data['remaining_area_m2']:,}㎡"))
    yield Section(title="해제 대상", lines=tuple(lines))
    yield Section(
        title="해제 사유 및 근거",
        lines=(Line(label="근거", value=data["basis"]),),
        paragraphs=(data["reason"],),
    )


# --- 기본계획(안) ---------------------------------------------------------------------------------------


def _basic_plan_summary(view: ProcedureView, law: KindLaw, _dated: date) -> Iterable[Section]:
    plan = view.plan
    if plan is None or not getattr(plan, "name", None):
        raise InvalidInput(f"기본계획안이 작성되지 않아 {law.attachment}을 만들 수 없습니다")
    period = plan.creation_period
    yield Section(
        title="계획명 및 계획기간",
        lines=(
            Line(label="계획명", value=plan.name),
            Line(label="계획기간", value=_years(period) if period else "-"),
        ),
    )
    contents = [
        Line(label=label, value=getattr(plan, field))
        for field, _, label in BASIC_PLAN_ITEMS
        if getattr(plan, field, None)
    ]
    if getattr(plan, "other", None):
        contents.append(Line(label="그 밖의 사항", value=plan.other))
    yield Section(title="주요 내용 (법 제7조)", lines=tuple(contents))
    change = view.fact("basic_plan_change")
    if change is not None and change.data.get("change") == "change" and change.data.get("reason"):
        yield Section(title="변경 사유", paragraphs=(change.data["reason"],))


_BUILDERS: dict[str, Callable[[ProcedureView, KindLaw, date], Iterable[Section]]] = {
    "plan_summary": _plan_summary,
    "plan_change_table": _plan_change_table,
    "release_scope": _release_scope,
    "basic_plan_summary": _basic_plan_summary,
}
