"""The law map (``docs/law-map.md``): for every procedure kind, the articles it speaks — its letters, notices,
notification and inspection (its ``KindLaw``), every action with its basis and the refusals it gives on an empty
record, and the deadlines it keeps. Generated from the definitions by ``gcw diagram --write``; a test fails when
it is stale, and another checks it against procedure.md §3's table.

The refusals are found by asking each action's guards about a procedure with nothing recorded yet: what a guard
needs from the record shows as its id and basis; a guard that only judges the input shows nothing here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import MappingProxyType

from gcworkflow.calendar import HolidayCalendar
from gcworkflow.errors import Unmet
from gcworkflow.procedures.basic_plan import NEXT_PLAN
from gcworkflow.procedures.deadline_kinds import KINDS
from gcworkflow.procedures.kind_law import LAW_TITLE, KindLaw
from gcworkflow.procedures.registry import definitions
from gcworkflow.procedures.spec import Action, Policy, ProcedureDefinition, ProcedureView

_DAY = date(2026, 1, 5)
_LABELS = {
    "hear_basis": "의견청취·협의",
    "decide_basis": "장관의 결정",
    "notice_basis": "관보 고시",
    "notify_basis": "시·도지사 통보",
    "inspection_basis": "주민 열람 (14일 이상)",
}


def _empty_view(definition: ProcedureDefinition, state: str) -> ProcedureView:
    return ProcedureView(
        id=0,
        kind=definition.kind,
        state=state,
        version=1,
        title="(예시)",
        cluster_name="(예시)",
        today=_DAY,
        now=datetime(2026, 1, 5, 1, 0, tzinfo=UTC),
        plan=None,
        plan_version_no=None,
        plan_sha256=None,
        facts=MappingProxyType({}),
        policy=Policy(),
        load_calendar=HolidayCalendar,
    )


def refusals_on_empty_record(definition: ProcedureDefinition, action: Action) -> list[Unmet]:
    """What the action's guards refuse for when nothing is recorded (the input left aside)."""
    view = _empty_view(definition, action.sources[0])
    payload = action.payload.model_construct() if action.payload else None
    found: dict[tuple[str, str], Unmet] = {}
    for guard in action.guards:
        try:
            unmet = guard(view, payload)
        except (AttributeError, KeyError, TypeError, ValueError):
            continue  # a guard that reads the input before the record: nothing to show without one
        for item in unmet:
            found.setdefault((item.id, item.basis), item)
    return list(found.values())


def deadline_bases(law: KindLaw, definition: ProcedureDefinition) -> list[tuple[str, str]]:
    """The deadlines a kind keeps, each with the basis it rests on for this kind."""
    own = {
        "governor_notification": law.notify_basis,
        "public_inspection": law.inspection_basis,
        "next_basic_plan": NEXT_PLAN,
    }
    kinds = ["governor_reply", "ministry_reply", "committee_meeting", "notice_after_approval"]
    kinds += ["governor_notification", *(["public_inspection"] if law.has_inspection else [])]
    if definition.kind == "basic_plan":
        kinds += ["next_basic_plan", "fact_finding_survey"]
    return [(KINDS[k][0], own.get(k) or KINDS[k][1] or "") for k in kinds]


def _law_rows(law: KindLaw) -> list[str]:
    rows = [f"| {label} | {getattr(law, name) or '없음 (법문에 없음)'} |" for name, label in _LABELS.items()]
    rows.append(f"| 문서가 말하는 대상 | {law.subject} {law.verb} — 결과 통보: {law.result} |")
    return rows


def _documents(law: KindLaw) -> list[str]:
    name = "(명칭)"
    rows = [
        f"| 의견 조회·협의 요청 | 관련: {LAW_TITLE} {law.hear_clause} — 우리 부는 {law.intent(name)}, "
        f"같은 법 {law.hear_clause}에 따라 {law.governors}의 의견을 듣고자 합니다. |",
        f"| 고시 | {LAW_TITLE} {law.notice_clause}에 따라 … 고시합니다. |",
        f"| 결과 통보 | {LAW_TITLE} {law.notify_clause}에 따라 {name} {law.result} 내용을 붙임과 같이 통보합니다."
        + (
            f" 같은 법 {law.inspection_clause}에 따라 그 내용을 14일 이상 주민이 열람할 수 있도록 …"
            if law.inspection_clause
            else " (주민 열람 요청 없음)"
        )
        + " |",
    ]
    return rows


def _section(definition: ProcedureDefinition, law: KindLaw, heading: str) -> list[str]:
    lines = [heading, "", "| 단계 | 근거 |", "|---|---|", *_law_rows(law), "", "문서의 근거 문장:", ""]
    lines += ["| 문서 | 근거 문장 |", "|---|---|", *_documents(law), ""]
    return lines


def document() -> str:
    lines = [
        "# 절차 종류별 법적 근거 (law map)",
        "",
        "이 파일은 `gcw diagram --write`가 절차 정의에서 생성합니다. 고치지 마십시오. 각 절차 종류는 자기 법의 "
        "조문만 말합니다 (procedure.md §3).",
        "",
    ]
    for definition in definitions():
        law = definition.law
        if law is None:
            continue
        lines += _section(
            definition, law, f"## {definition.label} (`{definition.kind}`, v{definition.version})"
        )
        if law.minor is not None:
            lines += _section(definition, law.minor, "### 경미한 변경 (법 제12조제4항 단서)")
        for name, variant in law.variants:
            lines += _section(definition, variant, f"### {variant.verb}의 문서 ({name})")
        lines += ["처리와 근거, 기록이 없을 때의 거부 사유:", "", "| 처리 | 단계 | 근거 | 거부 (id: 근거) |"]
        lines.append("|---|---|---|---|")
        for action in definition.actions:
            refusals = "<br>".join(
                f"`{u.id}`: {u.basis}" for u in refusals_on_empty_record(definition, action)
            )
            where = ", ".join(action.sources) if len(action.sources) <= 2 else f"{len(action.sources)}개 단계"
            moves = f"{where} → {action.dest}" if action.dest else where
            lines.append(
                f"| {action.label} (`{action.trigger}`) | {moves} | {action.basis} | {refusals or '-'} |"
            )
        lines += ["", "기한:", "", "| 기한 | 근거 |", "|---|---|"]
        lines += [f"| {label} | {basis} |" for label, basis in deadline_bases(law, definition)]
        lines.append("")
    return "\n".join(lines)
