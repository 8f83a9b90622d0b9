"""Hearing the competent governors (관할 시·도지사 의견수렴) — for a designation 법 제9조①; the basic plan
hears every 시·도지사 (법 제6조②). The rounds, the "no reply" record and the hearings are in
:mod:`~gcworkflow.procedures.consultation`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pydantic import Field

from gcworkflow.errors import Unmet
from gcworkflow.procedures.common import Payload, Sha256, Text, governor_party, not_after_today, party_name
from gcworkflow.procedures.consultation import (
    GOVERNORS,
    RequestPayload,
    current_round,
    not_before_request,
    open_round,
    outstanding,
    reply_effects,
    reuse_guard,
)
from gcworkflow.procedures.plan_content import competent_sido_codes
from gcworkflow.procedures.spec import Action, Guard, ProcedureView, Role, Write
from gcworkflow.reference import SIDOS, resolve_sido


def request_governor_opinions(
    sources: tuple[str, ...],
    dest: str,
    basis: str,
    *,
    guards: tuple[Guard, ...] = (),
    all_governors: bool = False,
) -> Action:
    """One opinion request per competent governor (or per 시·도지사 for the basic plan, 법 제6조②)."""

    def parties(view: ProcedureView) -> list[str]:
        if all_governors:
            return [governor_party(s.on(view.today).code) for s in SIDOS]
        return [governor_party(code) for code in competent_sido_codes(view.plan, view.today)]

    def effects(view: ProcedureView, payload: RequestPayload) -> list[Write]:
        return open_round(
            view,
            payload,
            GOVERNORS,
            parties(view),
            view.policy.governor_reply_days,
            "opinion_request",
            "의견조회",
        )

    return Action(
        trigger="request_governor_opinions",
        label="시·도지사 의견조회 요청",
        sources=sources,
        dest=dest,
        roles=frozenset({Role.APPROVER}),
        basis=basis,
        payload=RequestPayload,
        guards=(*guards, reuse_guard(GOVERNORS, basis)),
        effects=effects,
        signoff=True,
        signed_content=lambda view, payload: {"plan_sha256": view.plan_sha256, "payload": payload},
    )


def _governor_consulted(view: ProcedureView, code: str, basis: str) -> tuple[str, list[Unmet]]:
    try:
        party = governor_party(resolve_sido(code).on(view.today).code)
    except ValueError as exc:
        return "", [Unmet("unknown_sido", basis, str(exc))]
    consultation = current_round(view, GOVERNORS)
    if consultation is None or party not in consultation.data["parties"]:
        return party, [
            Unmet(
                "governor_not_consulted",
                basis,
                f"{party_name(party, view.today)}에게 의견을 요청하지 않았습니다",
            )
        ]
    return party, []


class GovernorOpinionPayload(Payload):
    sido_code: str = Field(description="시·도 코드 (예: 47)")
    received_on: date = Field(description="회신 접수일")
    summary: Text = Field(description="의견 요지")
    document_sha256: Sha256 | None = Field(default=None, description="회신 문서 (문서 저장소 SHA-256)")


def _governor_opinion_guard(basis: str) -> Guard:
    def guard(view: ProcedureView, payload: GovernorOpinionPayload) -> list[Unmet]:
        party, unmet = _governor_consulted(view, payload.sido_code, basis)
        return (
            unmet
            + not_after_today(view, payload.received_on, "접수일", basis, "received_in_future")
            + not_before_request(view, party, payload.received_on, basis)
        )

    return guard


def _governor_opinion(view: ProcedureView, payload: GovernorOpinionPayload) -> list[Write]:
    party, _ = _governor_consulted(view, payload.sido_code, "")
    data = {
        "received_on": payload.received_on.isoformat(),
        "summary": payload.summary,
        "document_sha256": payload.document_sha256,
    }
    return reply_effects(
        view, party, data, payload.document_sha256, f"{party_name(party, view.today)} 의견 회신"
    )


def record_governor_opinion(sources: tuple[str, ...], basis: str) -> Action:
    return Action(
        trigger="record_governor_opinion",
        label="시·도지사 의견 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=basis,
        payload=GovernorOpinionPayload,
        guards=(_governor_opinion_guard(basis),),
        effects=_governor_opinion,
        correctable=True,
    )


def governors_heard(basis: str) -> Callable[[ProcedureView, object], list[Unmet]]:
    def guard(view: ProcedureView, _payload: object) -> list[Unmet]:
        return outstanding(view, GOVERNORS, basis, "governor_opinion_missing")

    return guard
