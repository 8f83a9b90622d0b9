"""Consulting the ministries concerned (관계부처 협의) once the governors are heard, with every 이견 resolved
before the committee (policy, on by default). The rounds and the "no reply" record are in
:mod:`~gcworkflow.procedures.consultation`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from gcworkflow.errors import Unmet
from gcworkflow.procedures.common import Payload, Sha256, Text, ministry_party, not_after_today, party_name
from gcworkflow.procedures.consultation import (
    MINISTRIES,
    RequestPayload,
    current_round,
    not_before_request,
    open_round,
    outstanding,
    reply_effects,
    reuse_guard,
    round_reply,
)
from gcworkflow.procedures.governor_consultation import governors_heard
from gcworkflow.procedures.spec import Action, Guard, ProcedureView, RecordFact, Role, Write
from gcworkflow.reference import current_body
from gcworkflow.settings import policy_basis

# Checked against the reference table so that a typo is refused as input, not printed later as an addressee.
MinistryName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=2, max_length=60), AfterValidator(current_body)
]


class MinistryRequestPayload(RequestPayload):
    ministries: list[MinistryName] = Field(default_factory=list, description="협의할 관계 중앙행정기관")


MINISTRY_POSITIONS = ("동의", "조건부 동의", "이견", "의견 없음")


def _ministry_request_guard(basis: str) -> Guard:
    def guard(view: ProcedureView, payload: MinistryRequestPayload) -> list[Unmet]:
        if payload.reuse_previous_round_reason is None and not payload.ministries:
            return [Unmet("ministry_missing", basis, "협의할 관계 중앙행정기관을 한 곳 이상 지정하십시오")]
        if len(set(payload.ministries)) != len(payload.ministries):
            return [Unmet("ministry_duplicate", basis, "같은 기관이 두 번 지정되었습니다")]
        return []

    return guard


def request_ministry_consultation(
    sources: tuple[str, ...], dest: str, basis: str, heard_basis: str
) -> Action:
    def effects(view: ProcedureView, payload: MinistryRequestPayload) -> list[Write]:
        parties = [ministry_party(name) for name in payload.ministries]
        return open_round(
            view,
            payload,
            MINISTRIES,
            parties,
            view.policy.ministry_reply_days,
            "consultation_request",
            "협의 요청",
        )

    return Action(
        trigger="request_ministry_consultation",
        label="관계부처 협의 요청",
        sources=sources,
        dest=dest,
        roles=frozenset({Role.APPROVER}),
        basis=basis,
        payload=MinistryRequestPayload,
        guards=(
            governors_heard(heard_basis),
            _ministry_request_guard(basis),
            reuse_guard(MINISTRIES, basis),
        ),
        effects=effects,
        signoff=True,
        signed_content=lambda view, payload: {"plan_sha256": view.plan_sha256, "payload": payload},
    )


class MinistryReplyPayload(Payload):
    ministry: MinistryName
    position: Literal["동의", "조건부 동의", "이견", "의견 없음"] = Field(description="회신 요지")
    received_on: date
    summary: Text
    document_sha256: Sha256 | None = None


def _ministry_reply_guard(basis: str) -> Guard:
    def guard(view: ProcedureView, payload: MinistryReplyPayload) -> list[Unmet]:
        consultation = current_round(view, MINISTRIES)
        party = ministry_party(payload.ministry)
        if consultation is None or party not in consultation.data["parties"]:
            return [
                Unmet("ministry_not_consulted", basis, f"{payload.ministry}에 협의를 요청한 기록이 없습니다")
            ]
        return not_after_today(
            view, payload.received_on, "접수일", basis, "received_in_future"
        ) + not_before_request(view, party, payload.received_on, basis)

    return guard


def _ministry_reply(view: ProcedureView, payload: MinistryReplyPayload) -> list[Write]:
    data = {
        "position": payload.position,
        "received_on": payload.received_on.isoformat(),
        "summary": payload.summary,
        "document_sha256": payload.document_sha256,
    }
    return reply_effects(
        view, ministry_party(payload.ministry), data, payload.document_sha256, f"{payload.ministry} 협의 회신"
    )


def record_ministry_reply(sources: tuple[str, ...], basis: str) -> Action:
    return Action(
        trigger="record_ministry_reply",
        label="관계부처 회신 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        payload=MinistryReplyPayload,
        guards=(_ministry_reply_guard(basis),),
        effects=_ministry_reply,
        correctable=True,
    )


class ObjectionResolutionPayload(Payload):
    ministry: MinistryName
    resolution: Text = Field(description="이견에 대한 조치 결과 (협의 결과, 계획 반영 내용 등)")


def _objection_guard(view: ProcedureView, payload: ObjectionResolutionPayload) -> list[Unmet]:
    consultation = current_round(view, MINISTRIES)
    reply = (
        round_reply(view, ministry_party(payload.ministry), consultation.data["round"])
        if consultation
        else None
    )
    if reply is None or reply.data.get("position") != "이견":
        return [
            Unmet(
                "no_objection_to_resolve",
                policy_basis("require_objection_resolution"),
                f"{payload.ministry}의 이견 회신이 기록되어 있지 않습니다",
            )
        ]
    return []


def resolve_objection(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="resolve_objection",
        label="이견 조치 결과 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=policy_basis("require_objection_resolution"),
        payload=ObjectionResolutionPayload,
        guards=(_objection_guard,),
        effects=lambda view, p: [
            RecordFact(
                "objection_resolution",
                {"round": current_round(view, MINISTRIES).data["round"], "resolution": p.resolution},
                subject=ministry_party(p.ministry),
            )
        ],
        correctable=True,
    )


def ministries_consulted(basis: str) -> Callable[[ProcedureView, object], list[Unmet]]:
    """At least one ministry consulted; each replied or lapsed; every 이견 resolved (policy, on by default)."""

    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        unmet = outstanding(view, MINISTRIES, basis, "ministry_reply_missing")
        consultation = current_round(view, MINISTRIES)
        if consultation is None or not view.policy.require_objection_resolution:
            return unmet
        for party in consultation.data["parties"]:
            reply = round_reply(view, party, consultation.data["round"])
            resolution = view.fact("objection_resolution", party)
            if (
                reply is not None
                and reply.data.get("position") == "이견"
                and (resolution is None or resolution.data["round"] != consultation.data["round"])
            ):
                unmet.append(
                    Unmet(
                        "objection_unresolved",
                        policy_basis("require_objection_resolution"),
                        f"{party_name(party, view.today)}의 이견에 대한 조치 결과가 기록되지 않았습니다",
                    )
                )
        return unmet

    return guard
