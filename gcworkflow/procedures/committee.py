"""The committee stage (중앙환경정책위원회 심의) — 환경정책기본법 제58조, 같은 법 시행령 제19조의2·제21조.

The secretary records the meeting as the committee held it: the agenda item, the members named (지명) for the
meeting and those present, 제척·기피·회피, the votes and the decision. The chair is one of the meeting's
구성위원 and counts in both the quorum and the vote (시행령 제21조②, law.md §1 as corrected): a decision from
a meeting without a majority of the chair and the named members present, or without a majority of those present
voting for it, is refused.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from gcworkflow.calendar import DueRule
from gcworkflow.errors import Unmet
from gcworkflow.inputs import one_line
from gcworkflow.procedures.common import Payload, Sha256, Text, Title
from gcworkflow.procedures.plan_content import merge_plan
from gcworkflow.procedures.spec import (
    Action,
    CloseDeadline,
    Effects,
    LinkDocument,
    NewPlanVersion,
    OpenDeadline,
    ProcedureView,
    RecordFact,
    Role,
    Write,
)

COMMITTEE = "환경정책기본법 제58조"
QUORUM = "환경정책기본법 시행령 제21조"
RECUSAL = "환경정책기본법 시행령 제19조의2"

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60), AfterValidator(one_line)
]
Decision = Literal["원안 의결", "수정 의결", "보완", "부결", "보류"]
APPROVING = ("원안 의결", "수정 의결")

_SECRETARY = frozenset({Role.COMMITTEE_SECRETARY})


class MeetingPayload(Payload):
    meeting_name: Title = Field(description="회의 이름 (예: 중앙환경정책위원회 환경경제분과위원회)")
    meeting_no: int = Field(ge=1, description="회차")
    held_on: date = Field(description="회의일")
    agenda_no: Text = Field(description="안건 번호 (예: 제2호 안건)")


def meeting_key(data: Any) -> str:
    return f"{data['meeting_name']} 제{data['meeting_no']}차 ({data['held_on']})"


def schedule_meeting(sources: tuple[str, ...], basis: str) -> Action:
    return Action(
        trigger="schedule_meeting",
        label="위원회 상정 일정 기록",
        sources=sources,
        dest=None,
        roles=_SECRETARY | {Role.CLERK},
        basis=basis,
        payload=MeetingPayload,
        effects=lambda _v, p: [
            RecordFact("meeting", p.model_dump(mode="json")),
            # A rescheduled meeting (보류, 연기) replaces the date kept for the earlier one.
            CloseDeadline("committee_meeting", outcome="waived"),
            OpenDeadline("committee_meeting", DueRule("date", p.held_on, label="회의일")),
        ],
        correctable=True,
        unassigned_roles=_SECRETARY,
    )


class Recusal(Payload):
    member: Name
    kind: Literal["제척", "기피", "회피"]
    reason: Text


class AttendancePayload(Payload):
    chair: Name = Field(description="위원장")
    chair_present: bool = Field(
        default=True, description="위원장 출석 여부 (구성위원으로서 정족수·표결에 포함)"
    )
    designated: list[Name] = Field(description="그 회의에 지명된 위원 (위원장 제외, 5명 이상)")
    present: list[Name] = Field(description="출석 위원")
    recusals: list[Recusal] = Field(default_factory=list, description="제척·기피·회피")

    @model_validator(mode="after")
    def _members_consistent(self) -> AttendancePayload:
        if len(set(self.designated)) != len(self.designated):
            raise ValueError("지명 위원 명단에 같은 이름이 두 번 있습니다")
        strangers = [m for m in self.present if m not in self.designated]
        if strangers:
            raise ValueError(f"지명되지 않은 위원이 출석자로 기록되었습니다: {', '.join(strangers)}")
        outsiders = [r.member for r in self.recusals if r.member not in self.designated]
        if outsiders:
            raise ValueError(f"지명되지 않은 위원의 제척·기피·회피가 기록되었습니다: {', '.join(outsiders)}")
        return self


def _meeting_scheduled(view: ProcedureView, _payload: object) -> list[Unmet]:
    if view.fact("meeting") is None:
        return [
            Unmet(
                "meeting_not_scheduled",
                COMMITTEE,
                "위원회 상정 일정(회의명·회차·회의일·안건번호)이 기록되지 않았습니다",
            )
        ]
    return []


def _attendance_guard(view: ProcedureView, payload: AttendancePayload) -> list[Unmet]:
    unmet = _meeting_scheduled(view, payload)
    if len(payload.designated) < 5:
        unmet.append(
            Unmet(
                "too_few_designated_members",
                QUORUM,
                f"회의마다 위원장과 5명 이상의 위원을 지명해야 합니다 (지명 {len(payload.designated)}명)",
            )
        )
    return unmet


def record_attendance(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="record_attendance",
        label="위원 지명·출석·제척 기록",
        sources=sources,
        dest=None,
        roles=_SECRETARY,
        basis=QUORUM,
        payload=AttendancePayload,
        guards=(_attendance_guard,),
        effects=lambda view, p: [
            RecordFact(
                "attendance", {"meeting": meeting_key(view.fact("meeting").data), **p.model_dump(mode="json")}
            )
        ],
        correctable=True,
        unassigned_roles=_SECRETARY,
    )


class DecisionPayload(Payload):
    decision: Decision
    votes_for: int = Field(ge=0, default=0)
    votes_against: int = Field(ge=0, default=0)
    abstentions: int = Field(ge=0, default=0)
    amendments: str | None = Field(default=None, description="수정 의결의 수정 내용")
    amended_plan: dict[str, Any] | None = Field(
        default=None, description="수정 의결로 바뀐 조성계획 항목 (절 단위)"
    )
    next_meeting_note: str | None = Field(default=None, description="보류 시 다음 회의 예정")
    resolution_document_sha256: Sha256 | None = Field(
        default=None, description="의결서·회의록 (문서 저장소 SHA-256)"
    )

    @model_validator(mode="after")
    def _amendments_only_when_amended(self) -> DecisionPayload:
        if self.decision == "수정 의결" and not (self.amendments and self.amended_plan):
            raise ValueError(
                "수정 의결에는 수정 내용(amendments)과 수정된 조성계획 항목(amended_plan)이 필요합니다"
            )
        if self.decision != "수정 의결" and self.amended_plan is not None:
            raise ValueError("수정된 조성계획은 수정 의결에만 기록합니다")
        return self


def _decision_guard(view: ProcedureView, payload: DecisionPayload) -> list[Unmet]:
    unmet = _meeting_scheduled(view, payload)
    if unmet:
        return unmet
    key = meeting_key(view.fact("meeting").data)
    attendance = view.fact("attendance")
    if attendance is None or attendance.data["meeting"] != key:
        return [Unmet("attendance_missing", QUORUM, f"{key}의 위원 지명·출석이 기록되지 않았습니다")]
    designated, present = attendance.data["designated"], attendance.data["present"]
    recused = {r["member"] for r in attendance.data["recusals"]}
    chair = 1 if attendance.data.get("chair_present", True) else 0
    members, attending = len(designated) + 1, len(present) + chair
    if attending * 2 <= members:
        return [
            Unmet(
                "quorum_not_met",
                QUORUM,
                f"구성위원(위원장 포함) {members}명 중 {attending}명 출석으로 과반수 출석(의사정족수)에 "
                "미달합니다 (시행령 제21조제2항)",
            )
        ]
    voters = len([m for m in present if m not in recused]) + chair
    cast = payload.votes_for + payload.votes_against + payload.abstentions
    if cast > voters:
        unmet.append(
            Unmet(
                "votes_exceed_voters",
                RECUSAL,
                f"표결 수({cast})가 제척·기피·회피를 뺀 출석 위원(위원장 포함) 수({voters})보다 많습니다",
            )
        )
    majority = payload.votes_for * 2 > voters
    if payload.decision in APPROVING and not majority:
        unmet.append(
            Unmet(
                "majority_not_reached",
                QUORUM,
                f"찬성 {payload.votes_for}표로 출석 위원(위원장 포함) {voters}명의 과반수 찬성(의결정족수)에 "
                "미달합니다 (시행령 제21조제2항)",
            )
        )
    if payload.decision == "부결" and majority:
        unmet.append(Unmet("rejection_contradicts_votes", QUORUM, "찬성이 과반수인데 부결로 기록되었습니다"))
    return unmet


def _decision(view: ProcedureView, payload: DecisionPayload) -> list[Write]:
    meeting = meeting_key(view.fact("meeting").data)
    writes: list[Write] = [
        RecordFact(
            "committee_decision", {"meeting": meeting, **payload.model_dump(mode="json", exclude_none=True)}
        ),
        CloseDeadline("committee_meeting", on=date.fromisoformat(view.fact("meeting").data["held_on"])),
    ]
    if payload.decision == "수정 의결":
        # The amended version becomes current: the notice and letters then carry what the committee decided.
        amended = merge_plan(view.plan, payload.amended_plan or {})
        writes.append(NewPlanVersion(amended.model_dump(mode="json", exclude_none=True)))
    if payload.resolution_document_sha256:
        writes.append(
            LinkDocument(
                sha256=payload.resolution_document_sha256,
                direction="received",
                kind="committee_resolution",
                title=f"{meeting} 의결서",
            )
        )
    return writes


def record_committee_decision(sources: tuple[str, ...], basis: str) -> Action:
    return Action(
        trigger="record_committee_decision",
        label="위원회 심의 결과 기록",
        sources=sources,
        dest=None,
        roles=_SECRETARY,
        basis=basis,
        payload=DecisionPayload,
        guards=(_decision_guard,),
        effects=_decision,
        correctable=True,
        unassigned_roles=_SECRETARY,
    )


def decided(*decisions: str, basis: str) -> Any:
    """The latest meeting's decision is one of ``decisions`` (a 보류 asks for a new meeting first)."""

    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        meeting, decision = view.fact("meeting"), view.fact("committee_decision")
        wanted = " 또는 ".join(decisions)
        if meeting is None or decision is None or decision.data["meeting"] != meeting_key(meeting.data):
            return [
                Unmet(
                    "committee_decision_missing", basis, f"위원회 심의 결과({wanted})가 기록되지 않았습니다"
                )
            ]
        if decision.data["decision"] not in decisions:
            return [
                Unmet(
                    "committee_decision_mismatch",
                    basis,
                    f"위원회 심의 결과가 '{decision.data['decision']}'이므로 이 처리를 할 수 없습니다 (필요: {wanted})",
                )
            ]
        return []

    return guard


def after_decision(
    trigger: str,
    label: str,
    sources: tuple[str, ...],
    dest: str,
    basis: str,
    *decisions: str,
    effects: Effects | None = None,
) -> Action:
    return Action(
        trigger=trigger,
        label=label,
        sources=sources,
        dest=dest,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        guards=(decided(*decisions, basis=basis),),
        effects=effects,
    )


def notice_target(view: ProcedureView, _payload: object) -> list[Write]:
    """After the committee's approval the notice has an internal target (운영방침: notice_sla_working_days)."""
    rule = DueRule("working_days", view.today, view.policy.notice_sla_working_days, label="의결 반영일")
    return [OpenDeadline("notice_after_approval", rule)]
