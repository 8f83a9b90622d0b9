"""Building blocks every procedure kind shares: payload base, party naming, withdrawal, documents, staff.

Articles are cited in the long form of procedure.md ("녹색융합클러스터법 제9조제1항"); ministry practice is
cited as "운영방침: <setting>".
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

from gcworkflow.calendar import format_date_ko
from gcworkflow.errors import Unmet
from gcworkflow.inputs import one_line
from gcworkflow.procedures.spec import (
    Action,
    LinkDocument,
    ProcedureView,
    Reassign,
    RecordFact,
    RegisterNumber,
    Role,
    Write,
)
from gcworkflow.reference import authority_on, governor_title, parse_letter_number

LAW = "녹색융합클러스터법"
DECREE = "녹색융합클러스터법 시행령"
RULE = "녹색융합클러스터법 시행규칙"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
# Titles and names are one line of visible text: lists, letters and the CLI's tables print them.
Title = Annotated[Text, AfterValidator(one_line)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def governor_party(code: str) -> str:
    return f"governor:{code}"


def ministry_party(name: str) -> str:
    return f"ministry:{name}"


def party_name(party: str, day: date) -> str:
    """A party key as a clerk reads it, in the name in force on ``day`` (procedure.md §4 item 1)."""
    kind, _, key = party.partition(":")
    return governor_title(key, day) if kind == "governor" else key


def not_after_today(view: ProcedureView, day: date, what: str, basis: str, ident: str) -> list[Unmet]:
    if day > view.today:
        return [
            Unmet(
                ident,
                basis,
                f"{what}({format_date_ko(day)})이 오늘({format_date_ko(view.today)})보다 뒤입니다",
            )
        ]
    return []


# --- withdrawal (철회) --------------------------------------------------------------------------------


class ReasonPayload(Payload):
    reason: Text = Field(description="사유")


def _record_reason(kind: str):
    def effects(_view: ProcedureView, payload: ReasonPayload) -> list[Write]:
        return [RecordFact(kind, {"reason": payload.reason})]

    return effects


def withdraw(sources: tuple[str, ...], basis: str) -> Action:
    return Action(
        trigger="withdraw",
        label="절차 철회",
        sources=sources,
        dest="withdrawn",
        roles=frozenset({Role.APPROVER}),
        basis=basis,
        payload=ReasonPayload,
        effects=_record_reason("withdrawal"),
        signoff=True,
        signed_content=lambda view, payload: {"state": view.state, "reason": payload.reason},
    )


# --- documents received (접수 문서) -------------------------------------------------------------------


class DocumentPayload(Payload):
    sha256: Sha256 = Field(description="문서 저장소에 넣은 파일의 SHA-256")
    title: Title = Field(description="문서 제목")
    kind: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")] = Field(
        default="received", description="문서 종류 (예: governor_opinion, minutes, gazette_page)"
    )
    # What the sender said; kept in the event as given. The document's type is read from its bytes.
    media_type: str = "application/pdf"
    filename: str | None = None
    size: int | None = None


def _receive_document(_view: ProcedureView, payload: DocumentPayload) -> list[Write]:
    return [
        LinkDocument(
            sha256=payload.sha256,
            direction="received",
            kind=payload.kind,
            title=payload.title,
            filename=payload.filename,
        )
    ]


def receive_document(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="receive_document",
        label="접수 문서 등록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK, Role.COMMITTEE_SECRETARY}),
        basis="공공기록물 관리에 관한 법률 제16조",
        payload=DocumentPayload,
        effects=_receive_document,
        unassigned_roles=frozenset({Role.COMMITTEE_SECRETARY}),
    )


# --- people (담당자 교체, 대결) -------------------------------------------------------------------------


class ReassignPayload(Payload):
    clerk: str | None = Field(default=None, description="새 담당 주무관 (사용자 이름)")
    approver: str | None = Field(default=None, description="새 결재권자 (사용자 이름)")
    reason: Text


def _reassign_guard(_view: ProcedureView, payload: ReassignPayload) -> list[Unmet]:
    if payload.clerk is None and payload.approver is None:
        return [
            Unmet("reassignment_empty", "운영방침: 담당자 지정", "새 담당 주무관이나 결재권자를 지정하십시오")
        ]
    return []


def reassign(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="reassign",
        label="담당자 교체",
        sources=sources,
        dest=None,
        roles=frozenset({Role.ADMIN, Role.APPROVER}),
        basis="운영방침: 담당자 지정",
        payload=ReassignPayload,
        guards=(_reassign_guard,),
        effects=lambda _view, p: [Reassign(clerk=p.clerk, approver=p.approver)],
        unassigned_roles=frozenset({Role.ADMIN}),
    )


class ActingApproverPayload(Payload):
    username: str | None = Field(description="대결할 결재권자 (사용자 이름); 비우면 대결 해제")
    reason: Text


def set_acting_approver(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="set_acting_approver",
        label="대결자 지정",
        sources=sources,
        dest=None,
        roles=frozenset({Role.ADMIN, Role.APPROVER}),
        basis="행정업무의 운영 및 혁신에 관한 규정 제10조제3항",
        payload=ActingApproverPayload,
        effects=lambda _view, p: [
            RecordFact("acting_approver", {"username": p.username, "reason": p.reason})
        ],
        unassigned_roles=frozenset({Role.ADMIN}),
    )


# --- corrections (정정) -------------------------------------------------------------------------------


class CorrectionPayload(Payload):
    event_id: int = Field(description="정정할 기록의 감사 사건 번호")
    reason: Text
    data: dict[str, Any] = Field(description="바로잡은 기록 내용 (원래 기록과 같은 항목)")


def correct(sources: tuple[str, ...]) -> Action:
    """The engine carries corrections out: it finds the fact the named event recorded and re-validates."""
    return Action(
        trigger="correct",
        label="기록 정정",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK, Role.COMMITTEE_SECRETARY}),
        basis="운영방침: 기록 정정(원 기록은 보존)",
        payload=CorrectionPayload,
        unassigned_roles=frozenset({Role.COMMITTEE_SECRETARY}),
    )


# --- letters' 시행 numbers (procedure.md §7) ---------------------------------------------------------


class LetterNumberPayload(Payload):
    document: Annotated[str, StringConstraints(pattern=r"^[a-z_]{2,40}$")] = Field(description="문서 종류")
    subject: Annotated[str, StringConstraints(min_length=1, max_length=80)] = Field(
        description="문서를 구분하는 값 (예: 1:governor:47 = 1차 의견조회, 경상북도)"
    )
    dated: date = Field(description="시행일")
    number: str | None = Field(
        default=None, description="문서관리시스템이 부여한 시행 번호 (자체 일련번호면 비움)"
    )

    @field_validator("number")
    @classmethod
    def _letter_number_form(cls, value: str | None) -> str | None:
        if value is not None:
            parse_letter_number(value)  # its ValueError names the expected form
        return value


def _letter_number_guard(view: ProcedureView, payload: LetterNumberPayload) -> list[Unmet]:
    basis = "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조"
    purpose = f"{payload.document}:{payload.subject}"
    existing = view.fact("letter_number", purpose)
    if existing is not None:
        return [
            Unmet(
                "letter_number_already_registered",
                basis,
                f"이 문서에는 이미 시행 번호({existing.data['number']})가 있습니다",
            )
        ]
    if payload.number is None and view.policy.notice_numbering != "local":
        return [
            Unmet(
                "letter_number_missing",
                "운영방침: notice_numbering",
                "문서관리시스템이 부여한 시행 번호를 적으십시오 (자체 일련번호는 notice_numbering=local일 때만)",
            )
        ]
    return []


def _letter_number(view: ProcedureView, payload: LetterNumberPayload) -> list[Write]:
    division = view.policy.office_division or authority_on(payload.dated).division
    return [
        RegisterNumber(
            series=division,
            year=payload.dated.year,
            purpose=f"{payload.document}:{payload.subject}",
            formatted=payload.number,
            style="letter",
            fact_kind="letter_number",
            dated=payload.dated,
        )
    ]


def register_letter_number(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="register_letter_number",
        label="시행 번호 등록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK, Role.SYSTEM}),
        basis="행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조",
        payload=LetterNumberPayload,
        guards=(_letter_number_guard,),
        effects=_letter_number,
        unassigned_roles=frozenset({Role.SYSTEM}),
    )
