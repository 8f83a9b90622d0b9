"""The reminder sweep over 100,000 open deadlines against a bare read of the same rows (issue #3).

For each database (SQLite file; PostgreSQL ``gcw_bench_reminders``, dropped and recreated each run) the
benchmark bulk-loads, with Core ``executemany`` and not through the engine, two users (clerk, approver),
1,000 open procedures and 100,000 open deadlines, about 10 % of them due within the reminder window today
(D-7 … overdue), the rest later. It then times, in alternating rounds:

* sweep: ``deadlines.plan_reminders`` in one write transaction, commit included (the outbox is emptied,
  untimed, before each round, so that every round queues the same reminders and escalations);
* bare: one plain Core ``SELECT`` of the same 100,000 open deadlines with every column the planner reads,
  joined to the procedure and its clerk and approver as the planner joins them, ``.all()`` into Python.

and period computations per second (``compute_period``, civil 30 days, with a calendar passed in; once with
no roll-forward and once rolled past a Saturday and two holidays), for the record. The last lines are:

    periods civil30=<n>/s rolled=<n>/s
    reminders sqlite sweep=<ms> ms queued=<n> bare_select=<ms> ms ratio=<sweep/bare>
    reminders postgresql …

The target of issue #3 is ratio ≤ 3. ``--explain`` (and any ratio above the target) prints the query plans of
the sweep's statements. Run: ``.venv/bin/python bench/reminders.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, event, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench._common: see its docstring

from bench._common import (
    SEOUL,
    Target,
    on_each_database,
    options,
    ratio,
    say,
    sig3,
    timed,
)
from gcworkflow.calendar import (
    HolidayCalendar,
    HolidayOverride,
    PeriodRule,
    PeriodUnit,
    compute_period,
)
from gcworkflow.db.models import Deadline, OutboxMessage, Procedure, User
from gcworkflow.db.session import Database
from gcworkflow.deadlines import plan_reminders
from gcworkflow.settings import Settings

PG_DATABASE = "gcw_bench_reminders"
TARGET_RATIO = 3.0
GENESIS = "0" * 64
# The planner's "today": fixed, so every run and both databases see the same window.
NOW = datetime(2026, 10, 16, 9, 0, tzinfo=SEOUL)
TODAY = NOW.date()
BATCH = 10_000
# The product's defaults (D-7, D-3, D-1; escalation 3 days overdue), read once: not part of any timing.
SETTINGS = Settings()


# --- the data set ------------------------------------------------------------------------------------------------


def due_on(i: int, deadlines: int, in_window: int) -> date:
    """The i-th deadline's due date: the first ``in_window`` spread evenly over today-4 … today+7 (each gets a
    reminder point, the two oldest days an escalation too), the rest over today+8 … today+400 (nothing yet)."""
    if i < in_window:
        return TODAY + timedelta(days=-4 + i * 12 // in_window)
    return TODAY + timedelta(days=8 + (i - in_window) * 393 // (deadlines - in_window))


def expected_queue(deadlines: int, in_window: int) -> tuple[int, int]:
    """Reminders and escalations the sweep must queue, by the planner's rules (a correctness check)."""
    horizon, escalate_after = max(SETTINGS.reminder_offsets), SETTINGS.escalate_after_days
    days = [(due_on(i, deadlines, in_window) - TODAY).days for i in range(deadlines)]
    return sum(d <= horizon for d in days), sum(d <= -escalate_after for d in days)


def rows(count: int, make: Any) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, count, BATCH):
        yield [make(i) for i in range(start, min(start + BATCH, count))]


def load(engine: Engine, procedures: int, deadlines: int, in_window: int) -> None:
    """Users, procedures and open deadlines by Core executemany, in one transaction."""
    created = NOW - timedelta(days=60)
    with engine.begin() as conn:
        conn.execute(
            insert(User.__table__),
            [
                {"username": name, "display_name": display, "email": None, "password_hash": None, "active": True,
                 "created_at": created}
                for name, display in (("kim", "김주무"), ("park", "박과장"))
            ],
        )  # fmt: skip
        users = dict(conn.execute(select(User.username, User.id)).all())
        for batch in rows(
            procedures,
            lambda n: {
                "kind": "designation",
                "definition_version": 1,
                "cluster_id": None,
                "title": f"벤치마크 녹색융합클러스터 {n:04d} 지정",
                "state": "governor_consultation",
                "version": 1,
                "clerk_id": users["kim"],
                "approver_id": users["park"],
                "imported": False,
                "chain_seq": 0,
                "chain_head": GENESIS,
                "opened_at": created,
                "last_action_at": created,
                "closed_at": None,
            },
        ):
            conn.execute(insert(Procedure.__table__), batch)
        pids = conn.execute(select(Procedure.id).order_by(Procedure.id)).scalars().all()

        def deadline(i: int) -> dict[str, Any]:
            due = due_on(i, deadlines, in_window)
            base = due - timedelta(days=30)
            return {
                "procedure_id": pids[i % len(pids)],
                "kind": "governor_reply",
                "subject": f"governor:{i}",
                "label": "시·도지사 의견 회신 기한",
                "basis": "의견조회 문서에 적은 기한 (법정 기한 없음, 실무)",
                "due_on": due,
                "method": "civil",
                "base_on": base,
                "amount": 30,
                "unit": "days",
                "from_midnight": False,
                "explanation": f"요청일 {base.year}. {base.month}. {base.day}. 다음 날부터 30일 → …",
                "calendar_version": "kr-holidays-bench",
                "fixed": True,
                "status": "open",
                "note": None,
                "opened_event_id": None,
                "closed_event_id": None,
                "closed_on": None,
                "created_at": created,
            }

        for batch in rows(deadlines, deadline):
            conn.execute(insert(Deadline.__table__), batch)


# --- the two sides ------------------------------------------------------------------------------------------------


def sweep(db: Database) -> int:
    with db.write() as session:
        return plan_reminders(
            session, TODAY, NOW, SETTINGS.reminder_offsets, SETTINGS.escalate_after_days
        ).total


def bare_select(engine: Engine) -> int:
    """The rows the planner reads, as one plain SELECT: every open deadline with its procedure and people."""
    d, p = Deadline.__table__.c, Procedure.__table__.c
    clerk, approver = User.__table__.alias("clerk"), User.__table__.alias("approver")
    query = (
        select(
            d.id, d.procedure_id, d.due_on, d.label, d.explanation, d.basis, p.title,
            clerk.c.username, approver.c.username,
        )
        .select_from(
            Deadline.__table__.join(Procedure.__table__, p.id == d.procedure_id)
            .join(clerk, clerk.c.id == p.clerk_id)
            .join(approver, approver.c.id == p.approver_id)
        )
        .where(d.status == "open")
    )  # fmt: skip
    with engine.connect() as conn:
        return len(conn.execute(query).all())


def empty_outbox(db: Database) -> None:
    with db.write() as session:
        session.execute(delete(OutboxMessage.__table__))
    if db.dialect == "postgresql":
        # Every round then inserts into the same clean table and index, not behind the last round's dead rows.
        vacuum(db.engine, "outbox_messages")


def vacuum(engine: Engine, table: str = "") -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"VACUUM ANALYZE {table}"))


def queued_by_kind(db: Database) -> dict[str, int]:
    with db.read() as session:
        counts = session.execute(select(OutboxMessage.kind, func.count()).group_by(OutboxMessage.kind))
        return {kind: n for kind, n in counts}


def explain(db: Database) -> None:
    """Run the sweep once more (the outbox emptied first) and print the plan of each statement it issued."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            statements.append((statement, parameters))

    empty_outbox(db)
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        sweep(db)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    prefix = "EXPLAIN " if db.dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    with db.engine.connect() as conn:
        for n, (statement, parameters) in enumerate(statements, 1):
            say(f"{db.dialect}: plan of sweep statement {n}:")
            for row in conn.exec_driver_sql(prefix + statement, parameters):
                say(f"    {row[-1]}")


# --- one database -------------------------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    sweep_ms: float | None = None
    queued: int | None = None
    bare_ms: float | None = None
    skipped: str | None = None

    def line(self) -> str:
        if self.skipped:
            return f"reminders {self.backend} skipped ({self.skipped})"
        assert self.sweep_ms is not None and self.bare_ms is not None
        return (
            f"reminders {self.backend} sweep={sig3(self.sweep_ms)} ms queued={self.queued} "
            f"bare_select={sig3(self.bare_ms)} ms ratio={ratio(self.sweep_ms, self.bare_ms)}"
        )


def measure(target: Target, args: argparse.Namespace) -> Result:
    db = Database(target.url)
    try:
        started = time.perf_counter()
        load(db.engine, args.procedures, args.deadlines, args.in_window)
        if target.backend == "postgresql":
            # What autovacuum would do shortly after a bulk load; done now so that it does not land mid-run.
            vacuum(db.engine)
        say(
            f"{target.backend}: loaded 2 users, {args.procedures} procedures, {args.deadlines} open deadlines "
            f"({args.in_window} due {TODAY - timedelta(days=4)} … {TODAY + timedelta(days=7)}) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        reminders, escalations = expected_queue(args.deadlines, args.in_window)
        # Warm-up: the first sweep also checks what it queued against the planner's rules.
        queued = sweep(db)
        if queued_by_kind(db) != {"reminder": reminders, "escalation": escalations}:
            raise SystemExit(
                f"{target.backend}: the sweep queued {queued_by_kind(db)}, expected "
                f"{reminders} reminders and {escalations} escalations"
            )
        rerun = timed(lambda: sweep(db))
        bare_select(db.engine)
        sweeps: list[float] = []
        bares: list[float] = []
        for r in range(args.rounds):
            empty_outbox(db)
            # Alternate which side goes first, so that a slow patch of the machine is shared out.
            if r % 2 == 0:
                sweeps.append(timed(lambda: sweep(db)))
                bares.append(timed(lambda: bare_select(db.engine)))
            else:
                bares.append(timed(lambda: bare_select(db.engine)))
                sweeps.append(timed(lambda: sweep(db)))
        result = Result(
            target.backend,
            statistics.median(sweeps) * 1000,
            queued,
            statistics.median(bares) * 1000,
        )
        say(
            f"{target.backend}: sweep queued {reminders} reminders + {escalations} escalations; "
            f"a re-run the same day queues 0 in {sig3(rerun * 1000)} ms; medians of {args.rounds} rounds: "
            f"sweep {sig3(result.sweep_ms)} ms, bare select of {args.deadlines} rows {sig3(result.bare_ms)} ms"
        )
        if args.explain or result.sweep_ms > TARGET_RATIO * result.bare_ms:
            explain(db)
        return result
    finally:
        db.dispose()


# --- periods --------------------------------------------------------------------------------------------------------


def periods_line(count: int, rounds: int) -> str:
    """compute_period per second, civil 30 days with a calendar passed in (one 임시공휴일 override)."""
    calendar = HolidayCalendar((HolidayOverride(date(2026, 11, 10), "임시공휴일", True),))
    # 9. 23. + 30 days ends on Fri 10. 23.; 9. 3. + 30 days ends on Sat 10. 3. (개천절), rolls to Tue 10. 6.
    cases = {"civil30": date(2026, 9, 23), "rolled": date(2026, 9, 3)}
    rates = {}
    for name, start in cases.items():

        def run(start: date = start) -> None:
            for _ in range(count):
                compute_period(start, 30, PeriodUnit.DAYS, PeriodRule.CIVIL, calendar=calendar)

        run()
        rates[name] = count / statistics.median(timed(run) for _ in range(rounds))
    return f"periods civil30={sig3(rates['civil30'])}/s rolled={sig3(rates['rolled'])}/s"


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__)
    parser.add_argument("--procedures", type=int, default=1_000, help="open procedures")
    parser.add_argument("--deadlines", type=int, default=100_000, help="open deadlines")
    parser.add_argument(
        "--in-window", type=int, default=10_000, help="deadlines due within the reminder window today"
    )
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per side (medians reported)")
    parser.add_argument("--period-count", type=int, default=20_000, help="period computations per timing")
    parser.add_argument("--explain", action="store_true", help="print the plans of the sweep's statements")
    args = parser.parse_args(argv)
    if not 0 < args.in_window < args.deadlines:
        parser.error("--in-window must be between 0 and --deadlines")

    results = on_each_database(
        args.only,
        lambda target, _folder: measure(target, args),
        Result,
        prefix="gcw-bench-reminders-",
        pg_database=PG_DATABASE,
    )
    say(periods_line(args.period_count, args.rounds))
    for result in results:
        say(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
