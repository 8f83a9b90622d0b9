"""Actions per second through ``engine.fire`` against the same writes as bare SQLAlchemy Core (issue #2).

For each database (SQLite file; PostgreSQL ``gcw_bench``, dropped and recreated each run) the benchmark opens
a set of designation procedures, records a plan in each, then times, single-threaded and in alternating
rounds so that drift on a shared machine hits both sides alike:

* engine: ``record_site_selection`` through ``engine.fire`` (a record action in the drafting state: lock,
  checks, view, guards, the version bump, one audit event, one fact), round-robin over the procedures;
* bare: the same logical writes as SQLAlchemy Core in one write transaction per action: ``SELECT … FOR
  UPDATE`` of the procedure row (``BEGIN IMMEDIATE`` on SQLite), ``UPDATE procedures SET version=version+1,
  last_action_at=…``, ``INSERT`` one audit event (canonical JSON + SHA-256) and one fact, commit; on procedures
  of its own (its version bump, with no event on the procedure's chain, is what the engine's lock refuses as a
  row changed outside the engine).

Both sides use the engine from ``gcworkflow.db.session.make_engine``, so the durability is the product's
(SQLite: WAL, synchronous=FULL). The last lines are one per database:

    transitions sqlite engine=<x> act/s bare=<y> tx/s ratio=<x/y>

Run: ``.venv/bin/python bench/transitions.py`` (``--help`` for the knobs, ``--profile N`` for where the
engine's time goes). Nothing here asserts on a time.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine, bindparam, event, func, insert, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench._common: see its docstring

from bench._common import (
    ROOT,
    Target,
    command_wall_ms,
    make_context,
    on_each_database,
    options,
    profile_options,
    ratio,
    say,
    say_profile,
    sig3,
    timed,
    venv_bin,
    workdir,
)
from gcworkflow import clusters, engine, people
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, Fact, Procedure
from gcworkflow.engine import Actor

ADMIN, CLERK, APPROVER = "admin", "kim", "park"
TRIGGER = "record_site_selection"
GUMI_PLAN = ROOT / "gcworkflow" / "demo" / "gumi_plan.yaml"
GENESIS = "0" * 64


def payload(i: int) -> dict[str, Any]:
    return {
        "announced_on": "2026-01-05",
        "selected_on": "2026-02-20",
        "summary": f"공모 결과 예정 지역 선정 ({i})",
    }


# --- set-up ---------------------------------------------------------------------------------------------------


def populate(ctx: Context, procedures: int) -> list[int]:
    """Users as the tests' cast, one cluster and one open designation procedure with a plan per procedure."""
    people.init_admin(ctx, ADMIN, "관리자")
    admin = Actor(ADMIN)
    people.add_user(ctx, admin, CLERK, "김주무", ["clerk"])
    people.add_user(ctx, admin, APPROVER, "박과장", ["approver"])
    clerk = Actor(CLERK)
    plan = yaml.safe_load(GUMI_PLAN.read_text(encoding="utf-8"))
    pids: list[int] = []
    for n in range(procedures):
        cluster_id = clusters.register_cluster(
            ctx, clerk, f"벤치마크 녹색융합클러스터 {n:04d}", {"sido_code": "47", "sigungu": "구미시"}
        )
        pid = engine.open_procedure(
            ctx, clerk, "designation", cluster_id=cluster_id, approver=APPROVER
        ).procedure_id
        engine.fire(ctx, pid, "record_plan", clerk, {"content": plan})
        pids.append(pid)
    return pids


# --- the two sides --------------------------------------------------------------------------------------------


class EngineSide:
    def __init__(self, ctx: Context, pids: list[int]) -> None:
        self.ctx, self.pids, self.actor, self.done = ctx, pids, Actor(CLERK, interface="api"), 0

    def run(self, count: int) -> None:
        for _ in range(count):
            i = self.done
            engine.fire(self.ctx, self.pids[i % len(self.pids)], TRIGGER, self.actor, payload(i))
            self.done += 1


def _json(value: Any) -> str:
    """Canonical JSON as the engine writes it: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class BareSide:
    """The same logical writes as Core statements, one write transaction (BEGIN IMMEDIATE on SQLite) each."""

    def __init__(self, ctx: Context, sa_engine: Engine, pids: list[int]) -> None:
        self.clock, self.pids, self.done = ctx.clock, pids, 0
        self.engine = sa_engine.execution_options(gcw_write=True)
        p, a, f = Procedure.__table__, AuditEvent.__table__, Fact.__table__
        self.lock = select(p.c.version, p.c.state).where(p.c.id == bindparam("pid")).with_for_update()
        self.bump = (
            update(p)
            .where(p.c.id == bindparam("pid"))
            .values(version=p.c.version + 1, last_action_at=bindparam("now"))
        )
        self.event = insert(a)
        self.fact = insert(f)
        self.heads: dict[int, str] = {}

    def run(self, count: int) -> None:
        for _ in range(count):
            i = self.done
            self.action(self.pids[i % len(self.pids)], i)
            self.done += 1

    def action(self, pid: int, i: int) -> None:
        now = self.clock.now()
        data = payload(i)
        data_text = _json(data)
        with self.engine.begin() as conn:
            row = conn.execute(self.lock, {"pid": pid}).one()
            conn.execute(self.bump, {"pid": pid, "now": now})
            version = row.version + 1
            chain, prev_hash = f"bare:{pid}", self.heads.get(pid, GENESIS)
            event_payload = {
                "input": data,
                "effects": [{"fact": "site_selection", "subject": "", "data": data}],
            }
            # The columns the hashed document and the row share; they differ in how they hold the time and
            # the payload.
            columns = {
                "chain": chain,
                "seq": version,
                "prev_hash": prev_hash,
                "procedure_id": pid,
                "procedure_version": version,
                "actor": CLERK,
                "actor_role": "clerk",
                "interface": "api",
                "os_user": None,
                "trigger": TRIGGER,
                "from_state": row.state,
                "to_state": row.state,
                "comment": None,
            }
            document = columns | {
                "occurred_at": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "payload": event_payload,
            }
            canonical = _json(document)
            event_hash = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            event_id = conn.execute(
                self.event,
                columns
                | {
                    "occurred_at": now,
                    "payload": _json(event_payload),
                    "hash": event_hash,
                    "canonical": canonical,
                },
            ).inserted_primary_key[0]
            conn.execute(
                self.fact,
                {
                    "procedure_id": pid,
                    "event_id": event_id,
                    "kind": "site_selection",
                    "subject": "",
                    "data": data_text,
                    "corrects_fact_id": None,
                    "created_at": now,
                },
            )
        self.heads[pid] = event_hash


# --- one database -----------------------------------------------------------------------------------------------


@dataclass
class Result:
    backend: str
    engine_rate: float | None = None
    bare_rate: float | None = None
    skipped: str | None = None

    def line(self) -> str:
        if self.skipped:
            return f"transitions {self.backend} skipped ({self.skipped})"
        assert self.engine_rate is not None and self.bare_rate is not None
        return (
            f"transitions {self.backend} engine={sig3(self.engine_rate)} act/s "
            f"bare={sig3(self.bare_rate)} tx/s ratio={ratio(self.engine_rate, self.bare_rate)}"
        )


def measure(target: Target, var_dir: Path, args: argparse.Namespace) -> Result:
    count = args.sqlite_count if target.backend == "sqlite" else args.pg_count
    ctx = make_context(target.url, var_dir)
    pids: list[int] = []
    try:
        # Each side has procedures of its own: the bare side's version bump, with no event on the procedure's
        # chain, is a row changed outside the engine, which the engine refuses to act on (its lock reads the
        # chain's head event).
        setup = timed(lambda: pids.extend(populate(ctx, 2 * args.procedures)))
        say(
            f"{target.backend}: set-up 2 × {args.procedures} procedures (open + record_plan) in {setup:.1f} s"
        )
        mine, theirs = pids[: args.procedures], pids[args.procedures :]
        eng, bare = EngineSide(ctx, mine), BareSide(ctx, ctx.db.engine, theirs)
        warm = min(len(mine), max(count // 10, 1))
        bare.run(warm)
        eng.run(warm)
        rounds = max(args.rounds, 1)
        chunks = [count // rounds + (1 if r < count % rounds else 0) for r in range(rounds)]
        t_engine = t_bare = 0.0
        for r, chunk in enumerate(chunks):
            # Alternate which side goes first, so that a slow patch of the machine is shared out.
            if r % 2 == 0:
                t_bare += timed(lambda c=chunk: bare.run(c))
                t_engine += timed(lambda c=chunk: eng.run(c))
            else:
                t_engine += timed(lambda c=chunk: eng.run(c))
                t_bare += timed(lambda c=chunk: bare.run(c))
        check_rows(ctx, eng.done, bare.done)
        say(
            f"{target.backend}: engine {count} actions in {t_engine:.2f} s, bare {count} tx in {t_bare:.2f} s "
            f"({rounds} alternating rounds after {warm} warm-up each; {len(mine)} procedures round-robin each)"
        )
        if args.profile:
            profile(target.backend, ctx, eng, args.profile, args.profile_top)
        return Result(target.backend, count / t_engine, count / t_bare)
    finally:
        ctx.db.dispose()


def check_rows(ctx: Context, engine_done: int, bare_done: int) -> None:
    """Both sides really wrote what they claim (a correctness check, not a timing one)."""
    with ctx.db.read() as session:
        engine_facts = session.execute(
            select(func.count())
            .select_from(Fact)
            .where(
                Fact.kind == "site_selection",
                Fact.event_id.in_(select(AuditEvent.id).where(AuditEvent.chain.like("procedure:%"))),
            )
        ).scalar_one()
        bare_events = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.chain.like("bare:%"))
        ).scalar_one()
    if engine_facts != engine_done or bare_events != bare_done:
        raise SystemExit(
            f"row check failed: engine facts {engine_facts} (expected {engine_done}), "
            f"bare events {bare_events} (expected {bare_done})"
        )


def profile(backend: str, ctx: Context, eng: EngineSide, count: int, top: int) -> None:
    """cProfile ``count`` more engine actions and print, in ms per action (cProfile inflates Python-heavy code,
    so read the shares, not the absolute figures): the engine's own functions by cumulative time, own time by
    layer, and the SQL statements issued."""
    statements: Counter[str] = Counter()

    def count_statement(*args: Any) -> None:
        statements[" ".join(str(args[2]).split())[:60]] += 1

    event.listen(ctx.db.engine, "before_cursor_execute", count_statement)
    profiler = cProfile.Profile()
    profiler.enable()
    eng.run(count)
    profiler.disable()
    event.remove(ctx.db.engine, "before_cursor_execute", count_statement)
    stats = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    total = max(cum for (_f, _l, name), (*_, cum, _c) in stats.items() if name == "fire")
    say(
        f"{backend}: profile of {count} engine actions: fire() {total * 1000 / count:.3f} ms/action under cProfile"
    )
    say_profile(stats, count, "action", total, top, layers=12)
    say(f"  SQL statements per action: {sum(statements.values()) / count:.1f}")
    for statement, n in statements.most_common():
        say(f"  {n / count:8.1f}  {statement}")


# --- the CLI's start-up ------------------------------------------------------------------------------------------


def cli_line(runs: int) -> str:
    gcw = venv_bin("gcw")
    with workdir("gcw-bench-cli-") as tmp:
        env = {**os.environ, "GCW_VAR_DIR": str(tmp / "var"), "PREFECT_HOME": str(tmp / "prefect")}
        if not gcw.exists():
            return f"cli gcw --help skipped ({gcw} not found)"
        baseline = command_wall_ms([sys.executable, "-c", "pass"], runs, env)
        help_ = command_wall_ms([str(gcw), "--help"], runs, env)
    if help_.median_ms is None:
        return f"cli gcw --help skipped ({help_.note})"
    if baseline.median_ms is None:
        return f"cli gcw --help {sig3(help_.median_ms)} ms baseline skipped ({baseline.note})"
    return (
        f"cli gcw --help {sig3(help_.median_ms)} ms baseline python -c pass {sig3(baseline.median_ms)} ms "
        f"ratio={ratio(help_.median_ms, baseline.median_ms)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__)
    parser.add_argument(
        "--procedures", type=int, default=200, help="procedures to spread each side's actions over"
    )
    parser.add_argument("--sqlite-count", type=int, default=2000, help="timed actions per side on SQLite")
    parser.add_argument("--pg-count", type=int, default=1500, help="timed actions per side on PostgreSQL")
    parser.add_argument("--rounds", type=int, default=4, help="alternating engine/bare rounds")
    parser.add_argument("--cli-runs", type=int, default=5, help="runs of `gcw --help` (0: skip)")
    profile_options(parser, "engine actions", top=30)
    args = parser.parse_args(argv)

    cli = cli_line(args.cli_runs) if args.cli_runs > 0 else None
    results = on_each_database(args.only, lambda target, tmp: measure(target, tmp / "var", args), Result)
    if cli:
        say(cli)
    for result in results:
        say(result.line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
