"""Two sessions fire the same transition at once: exactly one wins, the other gets `conflict`, and the chain
still verifies (DESIGN.md §2: row lock + optimistic version)."""

from __future__ import annotations

import threading

from gcworkflow import audit, engine, queries
from gcworkflow.errors import Conflict, GcwError
from tests.support import CLERK, SECRETARY, actor, fire, meeting, to_committee


def test_same_transition_twice_at_once(ctx):
    pid = to_committee(ctx)
    meeting(ctx, pid, 1)
    fire(ctx, pid, "record_committee_decision", SECRETARY, decision="원안 의결", votes_for=5)
    seen = queries.procedure_status(ctx, pid)["version"]

    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    lock = threading.Lock()

    def approve() -> None:
        barrier.wait()
        try:
            result: object = engine.fire(ctx, pid, "approve", actor(CLERK), {}, expected_version=seen)
        except GcwError as error:
            result = error
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    wins = [o for o in outcomes if isinstance(o, engine.FireResult)]
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, outcomes
    assert "변경되었습니다" in conflicts[0].message
    status = queries.procedure_status(ctx, pid)
    assert status["state"] == "designation_notice"
    assert status["version"] == seen + 1
    with ctx.db.read() as session:
        assert audit.verify(session).ok


def test_two_sweeps_at_once_write_one_checkpoint_a_day(ctx):
    """Two workers' deadline_sweep runs at the same moment (scripts/production-check): each day exactly one of
    them writes the day's audit checkpoint, on PostgreSQL too (where both used to read "none today")."""
    from sqlalchemy import func, select

    from gcworkflow import automation, people
    from gcworkflow.db.models import AuditCheckpoint
    from tests.support import advance

    people.init_admin(ctx, "admin", "관리자")
    for day in range(1, 6):
        advance(ctx, 1)
        barrier = threading.Barrier(2)
        lines: list[str | None] = []

        def sweep(barrier: threading.Barrier, lines: list[str | None]) -> None:
            barrier.wait()
            lines.append(automation.checkpoint_daily(ctx))

        threads = [threading.Thread(target=sweep, args=(barrier, lines)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len([line for line in lines if line is not None]) == 1, (day, lines)
        with ctx.db.read() as session:
            assert session.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one() == day
