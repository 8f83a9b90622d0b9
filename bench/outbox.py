"""The outbox's dispatch against a bare smtplib loop, and a no-op Prefect flow against a plain call (issue #5).

A local SMTP server (aiosmtpd's ``Controller`` in a thread of this process, on a free port: ``port=0`` does not
work) receives everything. For each database (an SQLite file; PostgreSQL ``gcw_bench_outbox``, dropped and
recreated each run), with the product's engine and durability (WAL + ``synchronous=FULL`` on SQLite):

* dispatch: 2,000 outbox rows bulk-inserted with Core (status ``pending``, each to ``user:<name>``, 50 users
  with addresses, a Korean reminder-sized subject and body), then ``gcworkflow.notify.dispatch(ctx,
  limit=2000)`` with the SMTP channel: claims of 50 rows (one transaction each, addresses read with them),
  then per message the e-mail composed and MAIL/RCPT/DATA over one connection, and the server's answers
  written in group commits (25 answers or 50 ms);
* bare: the very bytes the server received from a dispatch (same envelopes, same size and content) sent again
  with ``smtplib.SMTP.sendmail`` in a loop over one connection, nothing else.

The first round dispatches first and records what the server received, which the bare side replays; the
sides then alternate for ``--rounds`` rounds (medians reported). The outbox is emptied and refilled, untimed,
before each dispatch.

Then the price of Prefect per flow run: a no-op ``@flow`` called with heartbeats off inside
``prefect_test_harness`` (a local temporary API server) against calling the same function without Prefect.

Last lines:

    outbox dispatch=<n> msg/s bare_smtplib=<n> msg/s ratio=<x> (sqlite)
    outbox dispatch=<n> msg/s bare_smtplib=<n> msg/s ratio=<x> (postgresql)
    flows noop flow=<ms> ms plain=<us> us overhead=<ms> ms

The target of issue #5 is ratio ≥ 0.5. Below it (or with ``--profile N``) the benchmark dispatches 500 (N) more
messages with each step of the dispatch timed (wall clock, no profiler: the steps are wrapped in this process,
the product is not changed) and prints where a message's time goes and the SQL it issues; ``--profile N`` adds
a cProfile of N more by layer. Run: ``.venv/bin/python bench/outbox.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import os
import pstats
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench._common: see its docstring

from sqlalchemy import delete, event, insert

from bench._common import (
    Target,
    make_context,
    on_each_database,
    options,
    profile_options,
    ratio,
    say,
    say_profile,
    sig3,
)
from gcworkflow.canonical import canonical_text
from gcworkflow.context import Context
from gcworkflow.db.models import OutboxMessage, User
from gcworkflow.notify import dispatch
from tests.notify import pending

PG_DATABASE = "gcw_bench_outbox"
TARGET_RATIO = 0.5
HOST = "127.0.0.1"
USERS = 50
TITLE = "첨단 전자산업 자원순환 녹색융합클러스터 지정"


# --- the mail server -----------------------------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: counts what it accepts; keeps the envelopes and bytes while ``keep`` is set."""

    def __init__(self) -> None:
        self.count = 0
        self.keep = False
        self.kept: list[tuple[str, list[str], bytes]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            if self.keep:
                self.kept.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# --- the data ------------------------------------------------------------------------------------------------


def add_users(ctx: Context) -> None:
    now = ctx.clock.now()
    with ctx.db.write() as session:
        session.execute(
            insert(User),
            [
                {"username": f"clerk{i:02d}", "display_name": f"주무관{i:02d}", "email": f"clerk{i:02d}@me.example.kr",
                 "active": True, "created_at": now}
                for i in range(USERS)
            ],
        )  # fmt: skip


def refill(ctx: Context, count: int, round_no: int) -> None:
    """Empty the outbox and queue ``count`` pending messages (Core executemany), untimed."""
    now = ctx.clock.now()
    rows = [
        pending(
            now,
            dedupe_key=f"bench:{round_no}:{i}",
            kind="reminder",
            recipient=f"user:clerk{i % USERS:02d}",
            subject=f"[기한 D-3] 시·도지사 의견 회신 기한 — {TITLE}",
            body=(
                f"시·도지사 의견 회신 기한 기한: 2026-04-01\n계산: 2026. 3. 2.부터 30일 (민법 제157조: 초일 불산입), "
                f"말일 2026. 4. 1. (수)\n근거: 의견조회 문서에 적은 기한 (법정 기한 없음, 실무)\n절차: {TITLE} "
                f"({i}번 알림)"
            ),
            payload=canonical_text({"point": "D-3", "due_on": "2026-04-01"}),
        )
        for i in range(count)
    ]
    with ctx.db.write() as session:
        session.execute(delete(OutboxMessage))
        session.execute(insert(OutboxMessage), rows)


# --- the two sides -------------------------------------------------------------------------------------------


def dispatch_side(ctx: Context, sink: Sink, count: int) -> float:
    before = sink.count
    start = time.perf_counter()
    report = dispatch(ctx, limit=count)
    elapsed = time.perf_counter() - start
    if report.sent != count or sink.count - before != count:
        raise SystemExit(
            f"dispatch sent {report.sent}, server received {sink.count - before}, expected {count}"
        )
    return elapsed


def bare_side(port: int, sink: Sink, messages: list[tuple[str, list[str], bytes]]) -> float:
    before = sink.count
    start = time.perf_counter()
    client = smtplib.SMTP(HOST, port, timeout=30)
    client.ehlo()
    for mail_from, rcpt_tos, raw in messages:
        client.sendmail(mail_from, rcpt_tos, raw)
    client.quit()
    elapsed = time.perf_counter() - start
    if sink.count - before != len(messages):
        raise SystemExit(f"bare loop: server received {sink.count - before}, expected {len(messages)}")
    return elapsed


@dataclass
class Result:
    backend: str
    dispatch_rate: float = 0.0
    bare_rate: float = 0.0
    skipped: str | None = None

    def line(self) -> str:
        if self.skipped:
            return f"outbox dispatch skipped ({self.backend}: {self.skipped})"
        return (
            f"outbox dispatch={sig3(self.dispatch_rate)} msg/s bare_smtplib={sig3(self.bare_rate)} msg/s "
            f"ratio={ratio(self.dispatch_rate, self.bare_rate)} ({self.backend})"
        )


def measure(target: Target, var_dir: Path, port: int, sink: Sink, args: argparse.Namespace) -> Result:
    ctx = make_context(target.url, var_dir)
    ctx.settings = ctx.settings.model_copy(
        update={
            "mail_channel": "smtp",
            "smtp_host": HOST,
            "smtp_port": port,
            "smtp_security": "none",
            "mail_from": "gcworkflow@bench.example.kr",
            "mail_domain": "bench.example.kr",
        }
    )
    try:
        add_users(ctx)
        count = args.count
        # Round 1 dispatches first and keeps what the server received: the bare side replays those bytes.
        refill(ctx, count, 1)
        sink.keep, sink.kept = True, []
        dispatch_times = [dispatch_side(ctx, sink, count)]
        sink.keep = False
        messages, sink.kept = sink.kept, []
        bare_times = [bare_side(port, sink, messages)]
        for round_no in range(2, args.rounds + 1):
            refill(ctx, count, round_no)
            sides: list[tuple[list[float], Callable[[], float]]] = [
                (bare_times, lambda: bare_side(port, sink, messages)),
                (dispatch_times, lambda: dispatch_side(ctx, sink, count)),
            ]
            for times, side in sides if round_no % 2 == 0 else reversed(sides):
                times.append(side())
        d, b = statistics.median(dispatch_times), statistics.median(bare_times)
        size = statistics.mean(len(raw) for *_, raw in messages)
        say(
            f"{target.backend}: dispatch {count} in {' '.join(f'{t:.2f}' for t in dispatch_times)} s, "
            f"bare smtplib {' '.join(f'{t:.2f}' for t in bare_times)} s ({args.rounds} alternating rounds; "
            f"message {size:,.0f} B)"
        )
        result = Result(target.backend, count / d, count / b)
        if args.profile or result.dispatch_rate / result.bare_rate < TARGET_RATIO:
            phases(target.backend, ctx, sink, args.profile or 500, b / count)
        if args.profile:
            profile(target.backend, ctx, args.profile, args.profile_top)
        return result
    finally:
        ctx.db.dispose()


# --- where the time goes -------------------------------------------------------------------------------------

# The steps of outbox.dispatch, timed by wrapping them in this process only (the product is not changed).
PHASES = (
    ("gcworkflow.notify.outbox", "claim", "claim a batch, read its addresses (one transaction per batch)"),
    ("gcworkflow.notify.outbox", "_outgoing", "the message's parts (a read only for letters with PDFs)"),
    ("gcworkflow.notify.outbox", "compose", "compose the e-mail (email.mime, compat32 generator)"),
    ("gcworkflow.notify.channels", "SmtpChannel.send", "send: MAIL/RCPT/DATA round trips"),
    ("gcworkflow.notify.outbox", "_Ledger.flush", "record the answers: one transaction per group"),
)


@contextmanager
def timing_phases() -> Iterator[dict[str, float]]:
    spent: dict[str, float] = {}
    undo: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, attr: str, label: str) -> None:
        original = getattr(owner, attr)

        def timed_call(*a: Any, **k: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        setattr(owner, attr, timed_call)
        undo.append((owner, attr, original))

    try:
        for module_name, path, label in PHASES:
            owner: Any = importlib.import_module(module_name)
            *parents, attr = path.split(".")
            for parent in parents:
                owner = getattr(owner, parent)
            if hasattr(owner, attr):
                wrap(owner, attr, label)
        yield spent
    finally:
        for owner, attr, original in reversed(undo):
            setattr(owner, attr, original)


def phases(backend: str, ctx: Context, sink: Sink, count: int, bare_per_message: float) -> None:
    """Wall time per message by step of the dispatch, without a profiler, and the SQL statements issued."""
    statements: Counter[str] = Counter()

    def count_statement(*args: Any) -> None:
        statements[" ".join(str(args[2]).split())[:70]] += 1

    refill(ctx, count, 9_998)
    event.listen(ctx.db.engine, "before_cursor_execute", count_statement)
    with timing_phases() as spent:
        elapsed = dispatch_side(ctx, sink, count)
    event.remove(ctx.db.engine, "before_cursor_execute", count_statement)
    say(
        f"{backend}: where a dispatched message's {elapsed * 1000 / count:.2f} ms go ({count} more messages; "
        f"the bare loop takes {bare_per_message * 1000:.2f} ms per message):"
    )
    for _module, _path, label in PHASES:
        if label in spent:
            say(f"  {spent[label] * 1000 / count:6.2f} ms  {label}")
    rest = elapsed - sum(spent.values())
    say(f"  {rest * 1000 / count:6.2f} ms  the rest: the loop, the outcome of each message")
    say(f"  SQL statements per message: {sum(statements.values()) / count:.2f}")
    for statement, n in statements.most_common(8):
        say(f"  {n / count:8.2f}  {statement}")


def profile(backend: str, ctx: Context, count: int, top: int) -> None:
    """``--profile N``: cProfile a dispatch of N messages; per message, the gcworkflow functions by cumulative
    time and own time by layer (cProfile inflates Python-heavy code about twofold: read the shares)."""
    refill(ctx, count, 9_999)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    dispatch(ctx, limit=count)
    profiler.disable()
    elapsed = time.perf_counter() - start
    stats = pstats.Stats(profiler, stream=io.StringIO()).stats  # type: ignore[attr-defined]
    say(
        f"{backend}: cProfile of dispatching {count}: {elapsed * 1000 / count:.2f} ms/message under the profiler"
    )
    say_profile(stats, count, "message", elapsed, top, layers=14)


# --- Prefect's price per flow run ----------------------------------------------------------------------------


def noop() -> None:
    return None


def flows_line(runs: int) -> str:
    """A no-op flow, heartbeats off, on a temporary local API (prefect_test_harness), against a plain call."""
    home = tempfile.mkdtemp(prefix="gcw-bench-prefect-")
    os.environ["PREFECT_HOME"] = home  # before Prefect is imported: it creates its home at import
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.pop("PREFECT_API_URL", None)
    start = time.perf_counter()
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    imported = time.perf_counter() - start
    noop_flow = flow(name="bench_noop")(noop)
    with prefect_test_harness(server_startup_timeout=120):
        up = time.perf_counter() - start - imported
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            for _ in range(3):
                noop_flow()
            samples = []
            for _ in range(runs):
                t = time.perf_counter()
                noop_flow()
                samples.append(time.perf_counter() - t)
    plain_runs = 200_000
    t = time.perf_counter()
    for _ in range(plain_runs):
        noop()
    plain = (time.perf_counter() - t) / plain_runs
    flow_s = statistics.median(samples)
    say(
        f"flows: import prefect {imported:.2f} s, test server up in {up:.2f} s; {runs} no-op flow runs "
        f"min {min(samples) * 1000:.1f} ms, median {flow_s * 1000:.1f} ms, max {max(samples) * 1000:.1f} ms"
    )
    return (
        f"flows noop flow={sig3(flow_s * 1000)} ms plain={sig3(plain * 1e6)} us "
        f"overhead={sig3((flow_s - plain) * 1000)} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = options(__doc__)
    parser.add_argument("--count", type=int, default=2000, help="messages per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating dispatch/bare rounds (medians)")
    parser.add_argument("--flow-runs", type=int, default=20, help="timed no-op flow runs (0: skip)")
    profile_options(parser, "dispatched messages", top=20)
    args = parser.parse_args(argv)

    from aiosmtpd.controller import Controller

    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname=HOST, port=port, ready_timeout=10)
    controller.start()
    try:
        results = on_each_database(
            args.only,
            lambda target, tmp: measure(target, tmp / "var", port, sink, args),
            Result,
            prefix="gcw-bench-outbox-",
            pg_database=PG_DATABASE,
        )
    finally:
        controller.stop()
    flows = flows_line(args.flow_runs) if args.flow_runs > 0 else None
    for result in results:
        say(result.line())
    if flows:
        say(flows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
