"""Two runs issuing the same document at once (two workers): one records it, the other is refused at the door
and takes back the signed bytes it had put in the store, so the store holds only what the record names and
`gcw audit verify` finds nothing unreferenced (production-check found five such files in CI)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from gcworkflow import audit
from gcworkflow.automation import issuing
from gcworkflow.automation.issuing import issue
from gcworkflow.clock import Clock
from tests.notify import facts
from tests.support import committee_approves, fire, through_notice_signoff, to_committee


def stored(ctx) -> set[str]:
    return {path.name for path in ctx.settings.document_dir.glob("??/*")}


def test_the_run_that_loses_the_race_leaves_nothing_in_the_store(
    ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    fire(ctx, pid, "register_notice_number", number="기후에너지환경부고시 제2026-1호")
    # The other worker signs a minute later, so its PDF differs from this run's (the signing time is in it).
    other = replace(ctx, clock=Clock(ctx.clock.now() + timedelta(minutes=1)))
    won: list[issuing.Issued] = []
    raced: list[str] = []

    def the_other_worker_records_first(point: str) -> None:
        if point == "after_store" and not raced:  # once: the other worker's own run passes here too
            raced.append(point)
            won.extend(issue(other, pid, "designation_notice"))

    monkeypatch.setattr(issuing, "crash_point", the_other_worker_records_first)
    (lost,) = issue(ctx, pid, "designation_notice")

    (winner,) = won
    assert winner.new and not lost.new and lost.sha256 == winner.sha256
    (record,) = facts(ctx, pid, "document_issued")
    assert stored(ctx) == {record["sha256"], record["hwpx_sha256"]}
    report = audit.verify_database(ctx.db, ctx.store)
    assert report.problems == [], report.problems
