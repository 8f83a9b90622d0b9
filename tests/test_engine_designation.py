"""The designation procedure through the engine: the path of procedure.md §2 and its refusals."""

from __future__ import annotations

import pytest

from gcworkflow import queries
from gcworkflow.audit.queries import Reader
from gcworkflow.errors import Conflict, Forbidden, GuardFailed, InvalidInput
from tests.support import (
    APPROVER,
    CLERK,
    SECRETARY,
    advance,
    committee_approves,
    fire,
    gumi_plan,
    meeting,
    open_gumi,
    signed,
    to_committee,
)


def test_reaches_committee_and_designation_notice(ctx):
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    status = queries.procedure_status(ctx, pid, Reader(CLERK, interface="test"))
    assert status["state"] == "designation_notice"


def test_request_without_complete_plan_is_refused_with_articles(ctx):
    pid = open_gumi(ctx)
    plan = gumi_plan()
    del plan["financing"]
    fire(ctx, pid, "record_plan", content=plan)
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "propose", trigger="request_governor_opinions", payload={})
    ids = {u.id for u in refused.value.unmet}
    assert "plan_financing_missing" in ids
    assert any(u.basis == "녹색융합클러스터법 제11조제6호" for u in refused.value.unmet)


def test_clerk_cannot_fire_an_approvers_transition(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    with pytest.raises(Forbidden) as refused:
        fire(ctx, pid, "request_governor_opinions")
    assert "결재" in refused.value.message


def test_approver_cannot_approve_own_proposal_and_stale_version_conflicts(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    proposal = fire(ctx, pid, "propose", trigger="request_governor_opinions", payload={})
    with pytest.raises(Forbidden):
        fire(ctx, pid, "approve_proposal", CLERK, proposal_id=proposal.proposal_id)
    # Anything recorded after the proposal makes the approval stale.
    fire(ctx, pid, "record_plan", content=gumi_plan() | {"area_m2": 34000})
    with pytest.raises(Conflict):
        fire(ctx, pid, "approve_proposal", APPROVER, proposal_id=proposal.proposal_id)


def test_bad_plan_changes_nothing(ctx):
    pid = open_gumi(ctx)
    before = queries.procedure_status(ctx, pid)["version"]
    plan = gumi_plan()
    plan["area_m2"] = 0
    with pytest.raises(InvalidInput):
        fire(ctx, pid, "record_plan", content=plan)
    assert queries.procedure_status(ctx, pid)["version"] == before


def test_committee_without_quorum_is_refused(ctx):
    pid = to_committee(ctx)
    attendance = {
        "chair": "위원장",
        "designated": ["a", "b", "c", "d", "e", "f"],
        "present": ["a", "b"],
        "recusals": [],
    }
    meeting(ctx, pid, 3, attendance=attendance)
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "record_committee_decision", SECRETARY, decision="원안 의결", votes_for=3)
    assert refused.value.unmet[0].id == "quorum_not_met"
    assert refused.value.unmet[0].basis == "환경정책기본법 시행령 제21조"
    assert "구성위원(위원장 포함) 7명 중 3명 출석" in refused.value.unmet[0].message


@pytest.mark.parametrize(("chair_present", "quorum"), [(True, True), (False, False)])
def test_the_chair_counts_in_the_quorum(ctx, chair_present, quorum):
    """시행령 제21조②: the chair and 6 named members are 7 구성위원; 3 members and the chair are a majority."""
    pid = to_committee(ctx)
    attendance = {
        "chair": "위원장",
        "chair_present": chair_present,
        "designated": ["a", "b", "c", "d", "e", "f"],
        "present": ["a", "b", "c"],
        "recusals": [],
    }
    meeting(ctx, pid, 3, attendance=attendance)
    if quorum:
        fire(ctx, pid, "record_committee_decision", SECRETARY, decision="원안 의결", votes_for=3)
        return
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "record_committee_decision", SECRETARY, decision="원안 의결", votes_for=3)
    assert refused.value.unmet[0].id == "quorum_not_met"


def test_the_chair_counts_in_the_vote(ctx):
    """5 members and the chair present: 3 votes for are half of 6, not a majority (they were of 5)."""
    pid = to_committee(ctx)
    meeting(ctx, pid, 3)  # tests.support.ATTENDANCE: 7 named, 5 present, the chair present
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "record_committee_decision", SECRETARY, decision="원안 의결", votes_for=3)
    assert [u.id for u in refused.value.unmet] == ["majority_not_reached"]
    assert (
        "출석 위원(위원장 포함) 6명의 과반수 찬성(의결정족수)에 미달합니다" in refused.value.unmet[0].message
    )
    fire(ctx, pid, "record_committee_decision", SECRETARY, decision="원안 의결", votes_for=4)


def test_ministry_step_needs_every_governor(ctx):
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    with pytest.raises(GuardFailed) as refused:
        signed(ctx, pid, "request_ministry_consultation", ministries=["산업통상부"])
    unmet = refused.value.unmet[0]
    assert unmet.id == "governor_opinion_missing"
    assert unmet.basis == "녹색융합클러스터법 제9조제1항"
    assert "경상북도지사의 의견이 기록되지 않았습니다" in unmet.message
    advance(ctx, 40)
    fire(ctx, pid, "record_governor_no_reply", party="47", reason="기한까지 회신 없음, 유선 확인")
    signed(ctx, pid, "request_ministry_consultation", ministries=["산업통상부"])
