"""행정예고 before the notice (행정절차법 제46조·제47조; procedure.md §2, optional): the period set by the policy
(20 days by default), opinions recorded, and no sign-off of the notice while the period runs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gcworkflow.errors import GuardFailed
from tests.support import NOTICE, committee_approves, fire, on, signed, to_committee


def test_an_announced_notice_waits_for_its_period_and_keeps_the_opinions(ctx):
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    signed(ctx, pid, "decide_designation", reason="요건 충족")
    announced = ctx.clock.today()
    with pytest.raises(GuardFailed) as refused:
        fire(
            ctx,
            pid,
            "announce_notice",
            announced_on=announced.isoformat(),
            days=10,
            where="기후에너지환경부 누리집",
        )
    assert [u.id for u in refused.value.unmet] == ["announcement_too_short"]
    assert refused.value.unmet[0].basis == "행정절차법 제46조제3항"
    fire(ctx, pid, "announce_notice", announced_on=announced.isoformat(), where="기후에너지환경부 누리집")
    fire(
        ctx,
        pid,
        "record_announcement_opinion",
        received_on=announced.isoformat(),
        submitted_by="관련 단체",
        summary="주민 설명회 개최 요청",
        response="반영: 열람 기간 중 설명회 개최",
    )
    fire(ctx, pid, "compose_notice", designation_date=(announced + timedelta(days=30)).isoformat(), **NOTICE)
    with pytest.raises(GuardFailed) as running:
        signed(ctx, pid, "sign_notice_content")
    assert "announcement_period_running" in [u.id for u in running.value.unmet]
    on(ctx, announced + timedelta(days=30))
    for requirement in ("law10_1", "law10_2", "law10_3", "law10_4", "decree6_1", "decree6_2"):
        fire(ctx, pid, "assess_requirement", requirement=requirement, result="met", note="충족")
    signed(ctx, pid, "sign_notice_content")


def test_no_announcement_is_required(ctx):
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    signed(ctx, pid, "decide_designation", reason="요건 충족")
    fire(ctx, pid, "compose_notice", designation_date=ctx.clock.today().isoformat(), **NOTICE)
    signed(ctx, pid, "sign_notice_content")
    with pytest.raises(GuardFailed) as refused:
        fire(
            ctx,
            pid,
            "record_announcement_opinion",
            received_on=ctx.clock.today().isoformat(),
            submitted_by="주민",
            summary="의견",
        )
    assert refused.value.unmet[0].id == "announcement_missing"
