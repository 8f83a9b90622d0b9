"""The audit trail at scale (issue #6): verification against hashlib alone, and the two questions asked most.

For each database (SQLite file; PostgreSQL ``gcw_bench_audit``, dropped and recreated each run) the benchmark
bulk-loads 1,000,000 events over 5,000 designation procedures (200 each), not through ``engine.fire`` but with
the engine's own event builder, ``gcworkflow.audit.seal`` (canonical JSON, SHA-256, the chain link). The events
repeat one designation walked through the engine from ``open`` to ``designated`` (its triggers, roles, states
and payloads), record actions repeated so that each procedure has 200, spread over 2021–2026 with stages of
2–120 days; 50 clerks, 10 approvers, 3 committee secretaries and ``system`` act, each added by an ``add_user``
event on the system chain, so that the users, role grants and procedure rows are what the chains say (verify
compares them, issue 15). SQLite loads with ``executemany`` in batches of 20,000 (journal in memory, no fsync,
for the load only); PostgreSQL with ``COPY``. Then:

* verify: ``audit.verify_database`` over the whole trail (every chain, the checkpoint written after the load);
  its events/s against hashing the same stored canonical bytes with ``hashlib`` alone (read beforehand as
  bytes, as verification reads them; only the hashing timed): ``ratio = verify ÷ hashlib``, target ≥ 0.15.
  Three alternating rounds, medians;
* actor-month: "every action by one person in one month" (``audit_queries.actions`` with an actor and a KST
  month, first page of 100, the read record included), 200 random (clerk, month) pairs: p50 and p95 in ms,
  target p95 ≤ 50 ms;
* as-of: the state of one procedure at the end of a day within its first 400 days (``audit_queries.as_of``
  with a procedure, the read record included), 200 random pairs: p50 and p95 in ms, target p95 ≤ 50 ms.

The plans of the queries' statements (``EXPLAIN QUERY PLAN`` / ``EXPLAIN ANALYZE``) are printed on the way.
The last lines are, per database:

    audit verify=<n> ev/s hashlib=<n> ev/s ratio=<x>
    audit actor-month p50=<ms> p95=<ms>
    audit as-of p50=<ms> p95=<ms>

Run: ``.venv/bin/python bench/audit.py`` (``--help`` for the knobs). Nothing here asserts on a time.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, LargeBinary, bindparam, cast, event, func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench._common: see its docstring

from bench._common import (
    Target,
    make_context,
    on_each_database,
    options,
    ratio,
    say,
    sig3,
    workdir,
)
from gcworkflow import audit
from gcworkflow.audit import queries as audit_queries
from gcworkflow.audit import scan as audit_scan
from gcworkflow.audit.queries import Filters, Page, Reader
from gcworkflow.canonical import loads
from gcworkflow.clock import to_kst
from gcworkflow.context import Context
from gcworkflow.db.models import AuditChain, AuditEvent, Procedure, RoleGrant, User
from gcworkflow.db.session import Database

PG_DATABASE = "gcw_bench_audit"
BATCH = 20_000
FIRST_OPEN = datetime(2021, 1, 4, 1, 0, tzinfo=UTC)
OPENING_SPAN_DAYS = 5 * 365
AUDITOR = "han"
COLUMNS = (
    "chain",
    "seq",
    "prev_hash",
    "procedure_id",
    "procedure_version",
    "occurred_at",
    "actor",
    "actor_role",
    "interface",
    "os_user",
    "trigger",
    "from_state",
    "to_state",
    "comment",
    "payload",
    "hash",
    "canonical",
)


# --- the data set -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    trigger: str
    role: str
    from_state: str | None
    to_state: str
    comment: str | None
    payload: Any

    @property
    def transition(self) -> bool:
        return self.from_state != self.to_state


def template_history(folder: Path) -> list[Template]:
    """One designation walked through the engine, open to designated, on a scratch SQLite file."""
    from gcworkflow.db.migrate import upgrade
    from tests.support import (
        advance,
        committee_approves,
        fire,
        notify_the_governor,
        publish_the_notice,
        through_notice_signoff,
        to_committee,
    )

    url = f"sqlite:///{folder / 'template.sqlite3'}"
    upgrade(url)
    ctx = make_context(url, folder / "template-var")
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    fire(ctx, pid, "register_notice_number", number="기후에너지환경부고시 제2026-41호")
    publish_the_notice(ctx, pid)
    advance(ctx, 1)
    notify_the_governor(ctx, pid, "탈탄소녹색산업혁신과-1234", sent_at=ctx.clock.now().isoformat())
    fire(ctx, pid, "confirm_notification", "system")
    with ctx.db.read() as session:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.procedure_id == pid).order_by(AuditEvent.seq)
        ).scalars()
        templates = [
            Template(r.trigger, r.actor_role, r.from_state, r.to_state, r.comment, loads(r.payload))
            for r in rows
        ]
    ctx.db.dispose()
    return templates


@dataclass(frozen=True)
class Cast:
    clerks: list[str]
    approvers: list[str]
    secretaries: list[str]

    def actor(self, role: str, procedure: int) -> str:
        if role == "clerk":
            return self.clerks[procedure % len(self.clerks)]
        if role == "approver":
            return self.approvers[procedure % len(self.approvers)]
        if role == "committee_secretary":
            return self.secretaries[procedure % len(self.secretaries)]
        return role  # system


CAST = Cast(
    [f"kim{n:02d}" for n in range(50)], [f"park{n}" for n in range(10)], [f"choi{n}" for n in range(3)]
)


def expanded(templates: list[Template], per_procedure: int) -> list[Template]:
    """The template with its record actions repeated (in place) so that a procedure has ``per_procedure``."""
    records = [t for t in templates if not t.transition]
    extra = per_procedure - len(templates)
    if extra < 0:
        raise SystemExit(f"--events / --procedures must be at least {len(templates)} (one designation)")
    result = []
    for t in templates:
        result.append(t)
        if not t.transition:
            n = records.index(t)
            result.extend([t] * (extra // len(records) + (1 if n < extra % len(records) else 0)))
    return result


def procedure_events(pid: int, sequence: list[Template], rng: random.Random) -> Iterator[audit.EventInput]:
    """A procedure's events: opened on a day of 2021–2025, each stage lasting 2–120 days, its events spaced
    evenly within it (a stage's time falls on the events taken in it, the transition ending it last)."""
    start = FIRST_OPEN + timedelta(days=rng.uniform(0, OPENING_SPAN_DAYS))
    in_stage: dict[str, int] = {}
    for t in sequence:
        stage = t.from_state or t.to_state
        in_stage[stage] = in_stage.get(stage, 0) + 1
    length = {stage: timedelta(days=rng.uniform(2, 120)) for stage in in_stage}
    moment = start
    for version, t in enumerate(sequence, start=1):
        stage = t.from_state or t.to_state
        if version > 1:
            moment += length[stage] / in_stage[stage]
        yield audit.EventInput(
            chain=audit.procedure_chain(pid),
            procedure_id=pid,
            procedure_version=version,
            occurred_at=moment,
            actor=CAST.actor(t.role, pid),
            actor_role=t.role,
            interface="api",
            os_user=None,
            trigger=t.trigger,
            from_state=t.from_state,
            to_state=t.to_state,
            comment=t.comment,
            payload=_assigned(t, pid),
        )


def _assigned(template: Template, pid: int) -> Any:
    """The template's payload; the opening names this procedure's approver (as its row does)."""
    if template.trigger != "open":
        return template.payload
    given = {**template.payload["input"], "approver": CAST.actor("approver", pid)}
    return {**template.payload, "input": given}


def cast_roles() -> dict[str, str]:
    """Every user of the data set with their one role."""
    groups = [("clerk", CAST.clerks), ("approver", CAST.approvers), ("committee_secretary", CAST.secretaries)]
    return {**{name: role for role, group in groups for name in group}, AUDITOR: "auditor"}


def _system_chain(conn: Any, role_of: dict[str, str], created: datetime) -> None:
    """The cast as the system chain says it was added (``add_user``, sealed as the engine seals it), so that the
    users and role grants are the chain's projection, as `gcw audit verify` expects of any installation."""
    head = audit.ChainHead(0, audit.GENESIS)
    for name, role in role_of.items():
        given = {"username": name, "display_name": name, "email": None, "roles": [role]}
        event = audit.EventInput(
            chain=audit.SYSTEM_CHAIN,
            procedure_id=None,
            procedure_version=None,
            occurred_at=created,
            actor="system",
            actor_role="system",
            interface="cli",
            os_user=None,
            trigger="add_user",
            from_state=None,
            to_state=None,
            comment=None,
            payload={"input": given, "effects": {"user": name, "roles": [role]}},
        )
        sealed = audit.seal(event, head)
        conn.execute(insert(AuditEvent.__table__), sealed.row)
        head = sealed.head
    conn.execute(
        insert(AuditChain.__table__), {"name": audit.SYSTEM_CHAIN, "seq": head.seq, "head_hash": head.hash}
    )


def load(db: Database, templates: list[Template], procedures: int, per_procedure: int) -> dict[str, float]:
    """Users and procedures by Core, then the events in batches; the chain heads onto the procedures after."""
    timings: dict[str, float] = {}
    created = FIRST_OPEN - timedelta(days=30)
    with db.engine.begin() as conn:
        role_of = cast_roles()
        names = list(role_of)
        conn.execute(
            insert(User.__table__),
            [
                {"username": n, "display_name": n, "email": None, "password_hash": None, "active": True, "created_at": created}
                for n in names
            ],
        )  # fmt: skip
        ids = dict(conn.execute(select(User.username, User.id)).all())
        conn.execute(
            insert(RoleGrant.__table__), [{"user_id": ids[n], "role": r} for n, r in role_of.items()]
        )
        _system_chain(conn, role_of, created)
        conn.execute(
            insert(Procedure.__table__),
            [
                {
                    "id": pid,
                    "kind": "designation",
                    "definition_version": 1,
                    "cluster_id": None,
                    "title": f"벤치마크 녹색융합클러스터 {pid:04d} 지정",
                    "state": "designated",
                    "version": per_procedure,
                    "clerk_id": ids[CAST.actor("clerk", pid)],
                    "approver_id": ids[CAST.actor("approver", pid)],
                    "imported": False,
                    "chain_seq": 0,
                    "chain_head": audit.GENESIS,
                    "opened_at": created,
                    "last_action_at": created,
                    "closed_at": None,
                }
                for pid in range(1, procedures + 1)
            ],
        )
    sequence = expanded(templates, per_procedure)
    rng = random.Random(6)
    heads: dict[int, audit.ChainHead] = {}
    sealing = 0.0

    def rows() -> Iterator[list[tuple[Any, ...]]]:
        nonlocal sealing
        batch: list[tuple[Any, ...]] = []
        for pid in range(1, procedures + 1):
            started = time.perf_counter()
            head = audit.ChainHead(0, audit.GENESIS)
            for item in procedure_events(pid, sequence, rng):
                sealed = audit.seal(item, head)
                head = sealed.head
                batch.append(tuple(sealed.row[c] for c in COLUMNS))
            heads[pid] = head
            sealing += time.perf_counter() - started
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    started = time.perf_counter()
    if db.dialect == "postgresql":
        _copy_postgresql(db.engine, rows())
    else:
        _executemany_sqlite(db.engine, rows())
    timings["events"] = time.perf_counter() - started
    timings["sealing"] = sealing
    started = time.perf_counter()
    with db.engine.begin() as conn:
        procedures_table = Procedure.__table__
        conn.execute(
            update(procedures_table)
            .where(procedures_table.c.id == bindparam("b_id"))
            .values(chain_seq=bindparam("b_seq"), chain_head=bindparam("b_head")),
            [{"b_id": pid, "b_seq": h.seq, "b_head": h.hash} for pid, h in heads.items()],
        )
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    timings["heads_and_analyze"] = time.perf_counter() - started
    return timings


def _executemany_sqlite(engine: Engine, batches: Iterator[list[tuple[Any, ...]]]) -> None:
    """Plain sqlite3 executemany in one transaction; for the load only, no fsync and the journal in memory
    (the product's WAL and synchronous=FULL are set back before anything is measured)."""
    statement = f"INSERT INTO audit_events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    at = COLUMNS.index("occurred_at")
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        driver.execute("PRAGMA journal_mode=MEMORY")
        driver.execute("PRAGMA synchronous=OFF")
        driver.execute("BEGIN")
        for batch in batches:
            # As SQLAlchemy stores an instant on SQLite (gcworkflow.db.types.UTCDateTime): naive UTC text.
            driver.executemany(
                statement,
                [
                    (*r[:at], r[at].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"), *r[at + 1 :])
                    for r in batch
                ],
            )
        driver.execute("COMMIT")
        driver.execute("PRAGMA journal_mode=WAL")
        driver.execute("PRAGMA synchronous=FULL")
    finally:
        raw.close()


def _copy_postgresql(engine: Engine, batches: Iterator[list[tuple[Any, ...]]]) -> None:
    raw = engine.raw_connection()
    try:
        statement = f"COPY audit_events ({', '.join(COLUMNS)}) FROM STDIN"
        with raw.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for batch in batches:
                for row in batch:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


# --- the measurements -----------------------------------------------------------------------------------------


def hashlib_rate(engine: Engine) -> tuple[float, int]:
    """Events per second hashing the stored canonical bytes (SHA-256 + hex), fetched beforehand as bytes: the
    same bytes, read the same way, as verification hashes."""
    events, spent, last = 0, 0.0, 0
    with engine.connect() as conn:
        while True:
            rows = conn.execute(audit_scan.scan_batch(engine.dialect.name, after=last, limit=50_000)).all()
            if not rows:
                break
            stored = [r.canonical for r in rows]
            last = rows[-1].id
            started = time.perf_counter()
            for data in stored:
                hashlib.sha256(data).hexdigest()
            spent += time.perf_counter() - started
            events += len(stored)
    return events / spent, events


def fetch_and_hash_rate(engine: Engine) -> float:
    """For reference, the ceiling of any verification: read each event's stored bytes and hash in the same
    id-ordered batches and driver cursor as verification, without linking or checking the columns."""
    c = AuditEvent.__table__.c
    stored = (
        func.convert_to(c.canonical, "UTF8", type_=LargeBinary)
        if engine.dialect.name == "postgresql"
        else cast(c.canonical, LargeBinary)
    )
    events, last, started = 0, 0, time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = (
            raw.driver_connection.cursor(binary=True) if engine.dialect.name == "postgresql" else raw.cursor()
        )
        while True:
            query = (
                select(c.id, stored, c.hash).where(c.id > last).order_by(c.id).limit(audit_scan.SCAN_BATCH)
            )
            cursor.execute(str(query.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})))
            rows = cursor.fetchall()
            if not rows:
                break
            for _id, data, digest in rows:
                hashlib.sha256(data).hexdigest() == digest  # noqa: B015  (the comparison is the work measured)
            events += len(rows)
            last = rows[-1][0]
    finally:
        raw.close()
    return events / (time.perf_counter() - started)


def quantiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), cuts[94]


def timed_calls(calls: list[Callable[[], object]], warmup: int = 10) -> list[float]:
    for call in calls[:warmup]:
        call()
    samples = []
    for call in calls:
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def query_calls(ctx: Context, procedures: int, samples: int) -> dict[str, list[Callable[[], object]]]:
    """Random (clerk, month) pairs over the loaded period, and (procedure, day) pairs within the procedure's
    first 400 days (so that most answers find it under way)."""
    rng = random.Random(66)
    reader = Reader(AUDITOR, interface="bench")
    span = (FIRST_OPEN.date(), (FIRST_OPEN + timedelta(days=OPENING_SPAN_DAYS + 365)).date())
    with ctx.db.read() as session:
        opened = dict(
            session.execute(
                select(AuditEvent.procedure_id, AuditEvent.occurred_at).where(AuditEvent.trigger == "open")
            ).all()
        )
    actor_month = []
    for _ in range(samples):
        clerk = rng.choice(CAST.clerks)
        first, last = month_of(span[0] + timedelta(days=rng.randrange((span[1] - span[0]).days)))
        filters = Filters(actor=clerk, since=first, until=last)
        actor_month.append(lambda f=filters: audit_queries.actions(ctx, reader, f, Page(100)))
    as_of = []
    for _ in range(samples):
        pid = rng.randrange(1, procedures + 1)
        day = to_kst(opened[pid]).date() + timedelta(days=rng.randrange(400))
        as_of.append(lambda f=Filters(procedure_id=pid), d=day: audit_queries.as_of(ctx, reader, d, f))
    return {"actor-month": actor_month, "as-of": as_of}


def explain(ctx: Context, label: str, call: Callable[[], object]) -> None:
    """Run ``call`` once and print the plan of every SELECT it issued."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = ctx.db.engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    prefix = (
        "EXPLAIN (ANALYZE, COSTS OFF, SUMMARY OFF) "
        if ctx.db.dialect == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    with engine.connect() as conn:
        for n, (statement, parameters) in enumerate(statements, 1):
            say(f"{ctx.db.dialect}: plan of {label}, statement {n}: {' '.join(statement.split())[:160]}…")
            for row in conn.exec_driver_sql(prefix + statement, parameters):
                say(f"    {row[-1]}")


def _run(engine: Engine, query: Any) -> None:
    with engine.connect() as conn:
        conn.execute(query).all()


@dataclass
class Result:
    backend: str
    verify: float | None = None
    hashlib: float | None = None
    latencies: dict[str, tuple[float, float]] | None = None
    skipped: str | None = None

    def lines(self) -> list[str]:
        if self.skipped:
            return [f"audit {self.backend} skipped ({self.skipped})"]
        assert self.verify and self.hashlib and self.latencies
        lines = [
            f"audit {self.backend} verify={sig3(self.verify)} ev/s hashlib={sig3(self.hashlib)} ev/s "
            f"ratio={ratio(self.verify, self.hashlib)}"
        ]
        for name, (p50, p95) in self.latencies.items():
            lines.append(f"audit {self.backend} {name} p50={sig3(p50)} p95={sig3(p95)}")
        return lines


def measure(target: Target, folder: Path, templates: list[Template], args: argparse.Namespace) -> Result:
    ctx = make_context(target.url, folder / f"{target.backend}-var")
    backend = target.backend
    try:
        started = time.perf_counter()
        timings = load(ctx.db, templates, args.procedures, args.events // args.procedures)
        loaded = time.perf_counter() - started
        # The procedures' events and the system chain's, one per user of the cast.
        total = args.procedures * (args.events // args.procedures) + len(cast_roles())
        say(
            f"{backend}: loaded {total:,} events over {args.procedures:,} procedures in {loaded:.1f} s "
            f"(sealing {timings['sealing']:.1f} s, inserting {timings['events'] - timings['sealing']:.1f} s, "
            f"heads + analyze {timings['heads_and_analyze']:.1f} s)"
        )
        with ctx.db.write() as session:
            say(f"{backend}: {audit.checkpoint_line(audit.checkpoint(session, 'bench', ctx.clock.now()))}")
        verify_rates, hash_rates = [], []
        for _ in range(args.rounds):  # alternating, so that a busy patch of a shared machine hits both sides
            started = time.perf_counter()
            report = audit.verify_database(ctx.db)
            spent = time.perf_counter() - started
            if not report.ok or report.events != total:
                raise SystemExit(f"{backend}: verification failed: {report.lines()} {report.first_problem}")
            verify_rates.append(report.events / spent)
            hash_rates.append(hashlib_rate(ctx.db.engine)[0])
            say(f"{backend}: verify {report.events:,} events in {spent:.1f} s: " + " | ".join(report.lines()))
        verify_rate, hash_rate = statistics.median(verify_rates), statistics.median(hash_rates)
        say(
            f"{backend}: verify {', '.join(sig3(r) for r in verify_rates)} ev/s; hashlib alone over the same "
            f"stored bytes {', '.join(sig3(r) for r in hash_rates)} ev/s (medians reported; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        reference = fetch_and_hash_rate(ctx.db.engine)
        say(
            f"{backend}: for reference, reading and hashing the same bytes without any check: {sig3(reference)} "
            f"ev/s ({ratio(reference, hash_rate)}× hashlib; verify reaches {ratio(verify_rate, reference)} of it)"
        )
        calls = query_calls(ctx, args.procedures, args.samples)
        latencies = {}
        for name, batch in calls.items():
            samples = timed_calls(batch)
            latencies[name] = quantiles(samples)
            rows = batch[0]()
            say(
                f"{backend}: {name}: {len(samples)} calls, p50 {sig3(latencies[name][0])} ms, "
                f"p95 {sig3(latencies[name][1])} ms, max {sig3(max(samples))} ms "
                f"(first call: {getattr(rows, 'total', '?')} matching rows)"
            )
        if not args.no_explain:
            reader = Reader(AUDITOR, interface="bench")
            explain(ctx, "actor-month", calls["actor-month"][0])
            explain(ctx, "as-of", calls["as-of"][0])
            explain(ctx, "history", lambda: audit_queries.history(ctx, reader, 1, page=Page(50)))
            year = Filters(since=date(2024, 1, 1), until=date(2024, 12, 31))
            explain(ctx, "decisions in a year", lambda: audit_queries.decisions(ctx, reader, year))
            explain(
                ctx,
                "stages of one cluster's procedures",
                lambda: audit_queries.stage_report(ctx, reader, Filters(procedure_id=7)),
            )
            for name, statement in audit_scan.verify_statements(ctx.db.dialect, total).items():
                explain(ctx, f"verify: {name}", lambda statement=statement: _run(ctx.db.engine, statement))
        return Result(backend, verify_rate, hash_rate, latencies)
    finally:
        ctx.db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in all")
    parser.add_argument("--procedures", type=int, default=5_000, help="procedures they are spread over")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per query")
    parser.add_argument("--rounds", type=int, default=3, help="alternating verify / hashlib rounds (medians)")
    parser.add_argument("--no-explain", action="store_true", help="skip the query plans")
    args = parser.parse_args(argv)
    with workdir("gcw-bench-audit-template-") as folder:
        started = time.perf_counter()
        templates = template_history(folder)
        say(
            f"template: one designation through the engine, {len(templates)} events "
            f"({sum(t.transition for t in templates)} transitions) in {time.perf_counter() - started:.1f} s"
        )
    results = on_each_database(
        args.only,
        lambda target, folder: measure(target, folder, templates, args),
        Result,
        prefix="gcw-bench-audit-",
        pg_database=PG_DATABASE,
    )
    # The verify lines of every database first, then each database's two latency lines.
    for result in results:
        say(result.lines()[0])
    for result in results:
        for line in result.lines()[1:]:
            say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
