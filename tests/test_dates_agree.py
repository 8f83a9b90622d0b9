"""Dates must agree with each other (procedure.md §2, notes): each refusal names both dates and its basis."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gcworkflow.errors import GuardFailed
from tests.support import (
    NOTICE,
    committee_approves,
    designate,
    fire,
    issue_notice_pdf,
    on,
    signed,
    through_notice_signoff,
    to_committee,
)


def _ids(refused: pytest.ExceptionInfo[GuardFailed]) -> list[str]:
    return [u.id for u in refused.value.unmet]


def test_the_effective_date_is_not_before_the_committee_or_the_minister(ctx):
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    signed(ctx, pid, "decide_designation", reason="요건 충족")
    earlier = (ctx.clock.today() - timedelta(days=1)).isoformat()
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "compose_notice", designation_date=earlier, **NOTICE)
    assert _ids(refused) == ["effective_before_committee", "effective_before_decision"]
    assert refused.value.unmet[1].basis == "녹색융합클러스터법 제9조제1항"
    assert "지정일(" in refused.value.unmet[0].message and "위원회 의결일(" in refused.value.unmet[0].message


def test_the_notice_is_dated_the_day_the_gazette_carries_it(ctx):
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    fire(ctx, pid, "register_notice_number", number=f"기후에너지환경부고시 제{ctx.clock.today().year}-7호")
    issue_notice_pdf(ctx, pid)
    on(ctx, ctx.clock.today() + timedelta(days=3))
    with pytest.raises(GuardFailed) as refused:
        fire(
            ctx,
            pid,
            "record_gazette_publication",
            published_on=ctx.clock.today().isoformat(),
            gazette_issue="제21234호",
        )
    assert _ids(refused) == ["gazette_date_differs"]
    assert refused.value.unmet[0].basis == "녹색융합클러스터법 제9조제3항"


def test_a_reply_is_not_received_before_its_request(ctx):
    from tests.support import gumi_plan, open_gumi

    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    before = (ctx.clock.today() - timedelta(days=2)).isoformat()
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "record_governor_opinion", sido_code="47", received_on=before, summary="동의")
    assert _ids(refused) == ["received_before_request"]


def test_an_inspection_does_not_start_before_the_governor_was_notified(ctx):
    pid = to_committee(ctx)
    designate(ctx, pid)
    notified = ctx.clock.today()
    with pytest.raises(GuardFailed) as refused:
        fire(
            ctx,
            pid,
            "record_inspection",
            sido_code="47",
            starts_on=(notified - timedelta(days=1)).isoformat(),
            ends_on=(notified + timedelta(days=20)).isoformat(),
        )
    assert _ids(refused) == ["inspection_before_notification"]
    assert refused.value.unmet[0].basis == "녹색융합클러스터법 제9조제4항"
    fire(
        ctx,
        pid,
        "record_inspection",
        sido_code="47",
        starts_on=notified.isoformat(),
        ends_on=(notified + timedelta(days=20)).isoformat(),
    )
