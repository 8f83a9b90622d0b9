"""Hearing the governors (의견수렴) and consulting the ministries (관계부처 협의) — 법 제9조①, 제6조②.

A consultation runs in rounds: each request transition opens a round with one request per party and a
reply-by date set in the letter; replies and "no reply" records belong to the round they answer. After a
return for revision the clerk may carry an earlier round over instead of repeating it, with a reason.

This module holds the rounds both consultations share, the "no reply" record and the optional hearings (영
제5조); the two stages' own actions are in :mod:`~gcworkflow.procedures.governor_consultation` and
:mod:`~gcworkflow.procedures.ministry_consultation`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from pydantic import Field

from gcworkflow.calendar import DueRule, compute_due, format_date_ko
from gcworkflow.errors import Unmet
from gcworkflow.korean import with_particle
from gcworkflow.procedures.common import (
    Payload,
    Sha256,
    Text,
    governor_party,
    ministry_party,
    not_after_today,
    party_name,
)
from gcworkflow.procedures.spec import (
    Action,
    CloseDeadline,
    FactRecord,
    LinkDocument,
    OpenDeadline,
    ProcedureView,
    QueueMessage,
    RecordFact,
    Role,
    Write,
)
from gcworkflow.reference import resolve_sido

GOVERNORS = "governor"
MINISTRIES = "ministry"
# A round's letters: one per recipient, or one letter to all of them whose 두문 says "수신자 참조".
Letters = Literal["each", "one"]
ONE_LETTER = "all"  # the subject of that one letter among the round's documents ("<round>:all")


# --- rounds -------------------------------------------------------------------------------------------


def current_round(view: ProcedureView, group: str) -> FactRecord | None:
    return view.fact("consultation_round", group)


def round_reply(view: ProcedureView, party: str, round_no: int) -> FactRecord | None:
    reply = view.fact("consultation_reply", party)
    return reply if reply is not None and reply.data["round"] == round_no else None


def outstanding(view: ProcedureView, group: str, basis: str, ident: str) -> list[Unmet]:
    """Every party of the current round replied, or lapsed with a recorded reason."""
    consultation = current_round(view, group)
    if consultation is None:
        return [Unmet(f"{group}_consultation_missing", basis, "의견 요청(협의 요청)이 기록되지 않았습니다")]
    unmet = []
    for party in consultation.data["parties"]:
        if round_reply(view, party, consultation.data["round"]) is None:
            name = party_name(party, view.today)
            reply_by = date.fromisoformat(view.fact("consultation_request", party).data["reply_by"])
            hint = (
                f"회신 기한({format_date_ko(reply_by)})이 지났으므로 '회신 없음'을 사유와 함께 기록할 수 있습니다"
                if view.today > reply_by
                else f"회신 기한은 {format_date_ko(reply_by)}입니다"
            )
            unmet.append(Unmet(ident, basis, f"{name}의 의견이 기록되지 않았습니다 — {hint}"))
    return unmet


class RequestPayload(Payload):
    reply_by: date | None = Field(default=None, description="회신 기한 (비우면 설정의 기본 일수로 계산)")
    reuse_previous_round_reason: Text | None = Field(
        default=None, description="재협의하지 않고 이전 차수의 회신을 유지하는 사유 (보완 후 재상정 시)"
    )
    letters: Letters = Field(
        default="each",
        description="each: 받는 기관마다 한 통 / one: 모든 수신자에게 한 통 (수신자 참조, 시행규칙 제4조제2항)",
    )


def reuse_guard(group: str, basis: str) -> Callable[[ProcedureView, RequestPayload], list[Unmet]]:
    def guard(view: ProcedureView, payload: RequestPayload) -> list[Unmet]:
        if payload.reuse_previous_round_reason is None:
            if payload.reply_by is not None and payload.reply_by <= view.today:
                return [Unmet("reply_by_not_future", basis, "회신 기한은 오늘보다 뒤의 날이어야 합니다")]
            return []
        previous = current_round(view, group)
        if previous is None:
            return [Unmet(f"{group}_no_previous_round", basis, "유지할 이전 차수의 의견 요청이 없습니다")]
        return outstanding(view, group, basis, f"{group}_previous_round_incomplete")

    return guard


def open_round(
    view: ProcedureView,
    payload: RequestPayload,
    group: str,
    parties: list[str],
    reply_days: int,
    document: str,
    letter_title: str,
) -> list[Write]:
    """A new round: per party a request, a reply deadline and a letter; or, with a reason, the previous round
    carried over to the current plan version."""
    previous = current_round(view, group)
    if payload.reuse_previous_round_reason is not None and previous is not None:
        carried = dict(previous.data)
        carried.update(
            carried_over_to_plan_version=view.plan_version_no,
            carried_over_on=view.today.isoformat(),
            carried_over_reason=payload.reuse_previous_round_reason,
        )
        return [RecordFact("consultation_round", carried, subject=group)]
    round_no = previous.data["round"] + 1 if previous is not None else 1
    # The reply-by date is printed in the letter: the deadline keeps it fixed (procedure.md §5).
    due_rule = (
        DueRule("date", payload.reply_by, label="회신 기한")
        if payload.reply_by is not None
        else DueRule("civil", view.today, reply_days, label="요청일")
    )
    reply_by, rule = compute_due(due_rule, view.calendar)
    writes: list[Write] = [
        CloseDeadline(f"{group}_reply", None, "waived"),
        RecordFact(
            "consultation_round",
            {
                "round": round_no,
                "parties": parties,
                "requested_on": view.today.isoformat(),
                "reply_by": reply_by.isoformat(),
                "plan_version": view.plan_version_no,
                "letters": payload.letters,
            },
            subject=group,
        ),
    ]
    for party in parties:
        name = party_name(party, view.today)
        writes.append(
            RecordFact(
                "consultation_request",
                {
                    "round": round_no,
                    "party": name,
                    "requested_on": view.today.isoformat(),
                    "reply_by": reply_by.isoformat(),
                    "reply_by_rule": rule,
                    "plan_version": view.plan_version_no,
                },
                subject=party,
            )
        )
        writes.append(OpenDeadline(f"{group}_reply", due_rule, subject=party, fixed=True))
        writes.append(
            QueueMessage(
                key=f"procedure:{view.id}:{group}:round:{round_no}:{party}",
                kind="letter",
                recipient=party,
                subject=f"[{letter_title}] {view.title}",
                body=(
                    f"수신: {name}\n\n{view.title}에 관하여 {with_particle(letter_title, '을')} 보내 드립니다. "
                    f"{format_date_ko(reply_by)}까지 회신하여 주시기 바랍니다."
                ),
                payload={
                    "document": document,
                    "round": round_no,
                    "reply_by": reply_by.isoformat(),
                    # Every recipient's e-mail carries the round's one letter, or its own.
                    "documents": [
                        f"{document}:{round_no}:{ONE_LETTER if payload.letters == 'one' else party}"
                    ],
                },
            )
        )
    return writes


# --- replies ------------------------------------------------------------------------------------------


def not_before_request(view: ProcedureView, party: str, received: date, basis: str) -> list[Unmet]:
    """procedure.md §2: a reply is not received before its request was sent."""
    request = view.fact("consultation_request", party) if party else None
    if request is None:
        return []
    requested = date.fromisoformat(request.data["requested_on"])
    if received < requested:
        return [
            Unmet(
                "received_before_request",
                basis,
                f"접수일({format_date_ko(received)})이 요청일({format_date_ko(requested)})보다 앞섭니다",
            )
        ]
    return []


def reply_effects(
    view: ProcedureView, party: str, data: dict, document_sha256: str | None, title: str
) -> list[Write]:
    """A reply (or its lapse) in the current round: the fact, the party's deadline closed, the letter received."""
    group = party.partition(":")[0]
    round_no = current_round(view, group).data["round"]
    closes = (
        CloseDeadline(f"{group}_reply", party, "missed")
        if data.get("no_reply")
        else CloseDeadline(f"{group}_reply", party, on=date.fromisoformat(data["received_on"]))
    )
    writes: list[Write] = [
        RecordFact("consultation_reply", {"round": round_no, **data}, subject=party),
        closes,
    ]
    if document_sha256:
        writes.append(
            LinkDocument(
                sha256=document_sha256,
                direction="received",
                kind=f"{group}_reply",
                title=title,
            )
        )
    return writes


class NoReplyPayload(Payload):
    party: str = Field(description="시·도 코드 (예: 47) 또는 부처 이름")
    reason: Text = Field(description="회신 없이 진행하는 사유")


def _party_of(view: ProcedureView, group: str, text: str) -> str:
    if group == GOVERNORS:
        try:
            return governor_party(resolve_sido(text).on(view.today).code)
        except ValueError:
            return governor_party(text)
    return ministry_party(text)


def record_no_reply(group: str, sources: tuple[str, ...], basis: str) -> Action:
    """'회신 없음': allowed only once the reply-by date printed in the letter has passed."""

    def guard(view: ProcedureView, payload: NoReplyPayload) -> list[Unmet]:
        party = _party_of(view, group, payload.party)
        consultation = current_round(view, group)
        if consultation is None or party not in consultation.data["parties"]:
            return [
                Unmet(
                    "party_not_consulted",
                    basis,
                    # A governor is a person (에게), a ministry a body (에).
                    f"{party_name(party, view.today)}{'에게' if group == GOVERNORS else '에'} 요청한 기록이 없습니다",
                )
            ]
        reply_by = date.fromisoformat(view.fact("consultation_request", party).data["reply_by"])
        if view.today <= reply_by:
            return [
                Unmet(
                    "reply_by_not_passed",
                    basis,
                    f"회신 기한({format_date_ko(reply_by)})이 지나지 않아 '회신 없음'으로 기록할 수 없습니다",
                )
            ]
        return []

    def effects(view: ProcedureView, payload: NoReplyPayload) -> list[Write]:
        party = _party_of(view, group, payload.party)
        return reply_effects(view, party, {"no_reply": True, "reason": payload.reason}, None, "")

    return Action(
        trigger=f"record_{group}_no_reply",
        label="회신 없음 기록 (기한 경과)",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        payload=NoReplyPayload,
        guards=(guard,),
        effects=effects,
        correctable=True,
    )


# --- hearings of residents, experts, institutions (영 제5조, optional) ---------------------------------


class HearingPayload(Payload):
    audience: Literal["주민", "관계 전문가", "기관·단체"]
    held_on: date
    summary: Text
    document_sha256: Sha256 | None = None


def record_hearing(sources: tuple[str, ...], basis: str) -> Action:
    """영 제5조's hearing, offered only where the kind's law has it (designation and full changes)."""
    return Action(
        trigger="record_hearing",
        label="주민·전문가·기관 의견 청취 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        payload=HearingPayload,
        guards=(lambda view, p: not_after_today(view, p.held_on, "청취일", basis, "hearing_in_future"),),
        effects=lambda view, p: [
            RecordFact("hearing", p.model_dump(mode="json"), subject=f"{p.audience}:{p.held_on}")
        ],
        correctable=True,
    )
