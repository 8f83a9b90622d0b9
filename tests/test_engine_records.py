"""Record actions that keep the state: corrections, staff changes, 대결, and the committee's loops."""

from __future__ import annotations

import pytest

from gcworkflow import engine, people, queries
from gcworkflow.audit import queries as audit_queries
from gcworkflow.engine import Actor
from gcworkflow.errors import Forbidden, GuardFailed, InvalidInput
from gcworkflow.procedures.spec import Role
from tests.support import (
    ADMIN,
    APPROVER,
    APPROVER2,
    CLERK,
    CLERK2,
    SECRETARY,
    actor,
    fire,
    gumi_plan,
    meeting,
    open_gumi,
    signed,
    to_committee,
)


def _facts(ctx, pid):
    return {(f["kind"], f["subject"]): f for f in queries.procedure_status(ctx, pid)["facts"]}


def test_correction_names_the_event_and_keeps_the_original(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    wrong = fire(
        ctx, pid, "record_governor_opinion", sido_code="47", received_on="2026-03-02", summary="이견 있음"
    )
    fire(
        ctx,
        pid,
        "correct",
        event_id=wrong.event_id,
        reason="회신 요지를 잘못 옮겨 적음",
        data={"sido_code": "47", "received_on": "2026-03-02", "summary": "이견 없음"},
    )
    reply = _facts(ctx, pid)[("consultation_reply", "governor:47")]["data"]
    assert reply["summary"] == "이견 없음" and reply["corrects_event_id"] == wrong.event_id
    history = queries.procedure_events(ctx, pid)
    assert [e["trigger"] for e in history][-2:] == ["record_governor_opinion", "correct"]
    assert history[-2]["payload"]["input"]["summary"] == "이견 있음"  # the original stays in the chain


def test_transitions_cannot_be_corrected(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    approval = signed(ctx, pid, "request_governor_opinions")
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "correct", event_id=approval.event_id, reason="x", data={})
    assert refused.value.unmet[0].id == "correction_not_allowed"


def test_reassignment_moves_the_clerks_authority(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "reassign", "admin", clerk=CLERK2, reason="인사 이동")
    with pytest.raises(Forbidden):
        fire(ctx, pid, "record_plan", CLERK, content=gumi_plan())
    fire(ctx, pid, "record_plan", CLERK2, content=gumi_plan())
    assert queries.procedure_status(ctx, pid)["clerk"] == CLERK2


def test_a_credential_limited_to_one_role_acts_in_that_role_only(ctx):
    """An API token carries one of its user's roles: the engine, not only the web layer, holds the user to it,
    for actions and for audit queries alike."""
    pid = open_gumi(ctx)
    people.grant_role(ctx, actor(ADMIN), CLERK, "admin")
    people.grant_role(ctx, actor(ADMIN), CLERK, "auditor")
    as_clerk, as_admin = Actor(CLERK, role=Role.CLERK), Actor(CLERK, role=Role.ADMIN)
    reassign = {"clerk": CLERK2, "reason": "인사 이동"}
    with pytest.raises(Forbidden):
        engine.fire(ctx, pid, "reassign", as_clerk, reassign)
    with pytest.raises(Forbidden):
        engine.fire(ctx, pid, "record_plan", as_admin, {"content": gumi_plan()})
    assert engine.fire(ctx, pid, "record_plan", as_clerk, {"content": gumi_plan()}).event_id
    with ctx.db.read() as session:
        assert not audit_queries.reader_scope(
            session, audit_queries.Reader(CLERK, role=Role.CLERK)
        ).everything
        assert audit_queries.reader_scope(session, audit_queries.Reader(CLERK, role=Role.AUDITOR)).everything
    people.revoke_role(ctx, actor(ADMIN), CLERK, "admin")
    with pytest.raises(Forbidden) as gone:
        engine.fire(ctx, pid, "reassign", as_admin, reassign)
    assert "더 이상 없습니다" in gone.value.message
    assert queries.procedure_status(ctx, pid)["clerk"] == CLERK


def test_acting_approver_signs_and_is_recorded_as_such(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    proposal = fire(ctx, pid, "propose", trigger="request_governor_opinions", payload={})
    with pytest.raises(Forbidden):
        fire(ctx, pid, "approve_proposal", APPROVER2, proposal_id=proposal.proposal_id)
    fire(ctx, pid, "set_acting_approver", APPROVER, username=APPROVER2, reason="출장")
    # The designation of the acting approver changed the procedure, so the proposal is stale: propose again.
    proposal = fire(ctx, pid, "propose", trigger="request_governor_opinions", payload={})
    approval = fire(ctx, pid, "approve_proposal", APPROVER2, proposal_id=proposal.proposal_id)
    event = queries.procedure_events(ctx, pid)[-1]
    assert approval.to_state == "governor_consultation"
    assert event["actor"] == APPROVER2 and event["payload"]["proposal"]["acting"] is True


def test_return_for_revision_then_approval_with_amendments(ctx):
    pid = to_committee(ctx)
    meeting(ctx, pid, 1, "보완")
    fire(ctx, pid, "return_for_revision")
    plan = gumi_plan()
    plan["area_m2"] = 34000
    fire(ctx, pid, "record_plan", content=plan)
    with pytest.raises(InvalidInput):
        signed(ctx, pid, "request_governor_opinions", reuse_previous_round_reason=" ")
    signed(
        ctx, pid, "request_governor_opinions", reuse_previous_round_reason="면적만 보완되어 재의견조회 불요"
    )
    signed(ctx, pid, "request_ministry_consultation", reuse_previous_round_reason="협의 내용에 영향 없음")
    signed(ctx, pid, "refer_to_committee")
    meeting(ctx, pid, 2, "보류", votes_for=0)
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "approve")
    assert refused.value.unmet[0].id == "committee_decision_mismatch"
    financing = plan["financing"]
    meeting(
        ctx,
        pid,
        3,
        "수정 의결",
        amendments="조성기간 1년 연장",
        amended_plan={"creation_period": {"start_year": 2026, "end_year": 2029}, "financing": financing},
    )
    fire(ctx, pid, "approve")
    status = queries.procedure_status(ctx, pid)
    assert status["state"] == "designation_notice"
    assert queries.plan_version(ctx, None, pid)["content"]["creation_period"]["end_year"] == 2029
    assert status["plan_version"] == 3


def test_invalid_payload_is_explained_in_korean(ctx):
    pid = to_committee(ctx)
    with pytest.raises(InvalidInput) as refused:
        fire(ctx, pid, "record_committee_decision", SECRETARY, decision="가결")
    assert "다음 중 하나여야 합니다" in refused.value.message


def test_withdrawal_needs_the_approver(ctx):
    pid = open_gumi(ctx)
    with pytest.raises(Forbidden):
        fire(ctx, pid, "withdraw", CLERK, reason="사업 취소")
    result = signed(ctx, pid, "withdraw", reason="사업 취소")
    assert result.to_state == "withdrawn"
    assert queries.procedure_status(ctx, pid)["closed"] is True
