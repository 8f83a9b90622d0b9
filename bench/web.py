"""The clerks' desk under an open-loop load (issues #8 and 18): uvicorn on 127.0.0.1, requests started on a
fixed schedule whatever the server's pace, so a slow server shows as latency, not as a politely slower client.

The desk runs as ``gcw serve`` in its own process; the baseline is a trivial FastAPI endpoint (a sync ``def``
returning a constant, as the desk's endpoints are sync) served by uvicorn the same way, in the same run.
Latency is measured from the scheduled start (no coordinated omission). ``--database postgresql`` works in
``gcw_bench_web`` (dropped and recreated each run).

At scale (the default, issue 18): 5,000 designation procedures, 1,000 of them open, and 1M audit events.
bench/audit.py's loader writes 1M events over 4,850 procedures walked open → designated; 850 of them are put
back in a stage three quarters along (their events stay: the trail is append-only) and the rest closed; then
the desk's own 150 procedures go through the engine as in the small set. The set is built once (minutes) and
kept under ``--cache`` keyed by the migration head, the sizes and the building code, then copied per run. The
mix at 20 rps: dashboard (the clerk) 25 %, procedure page of an open procedure 20 % and of a finished one 20 %
(the approver, who reads every record), the public register 10 % (left out while ``/public/`` answers 404),
the clerk's transition 25 %; then each page alone, rate stepped up to the highest with p95 ≤ 100 ms.

``--small``: the first set (issue 8): ``--procedures`` (150) procedures each with the 구미 plan, a third in the
governors' consultation; the mix procedure page 50 %, dashboard 25 %, transition 25 %, its max rate that of
the whole mix with the procedure page's p95.

A transition is the clerk's form post of ``record_site_selection`` (CSRF token, expected version) on a
drafting procedure no other request in flight touches.

Last lines (at scale one ``at 20 rps`` line and one ``max-rate`` line per page; ``--small`` as before):

    web metrics-scrape p50=<ms> p95=<ms> (<n> scrapes one after the other, <events> audit events)
    web dashboard p50=<ms> p95=<ms> at 20 rps
    web max-rate dashboard=<rps> trivial=<rps> ratio=<x>

``metrics-scrape`` is ``GET /metrics`` with the metrics token (issue 16: every records' metric is read from the
database at each scrape), on the benchmark's database once the load is over.

``max-rate`` is the highest offered rate at which the p95 of the page (of ``/ping`` for the trivial app) stays
≤ 100 ms, found by stepping the rate up and then bisecting; 0.0 when even the lowest step tried misses.
``--profile N`` renders N of each page in this process under cProfile instead (where the time goes, and the
SQL each page issues). Nothing here asserts on a time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import inspect
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, bindparam, create_engine, event, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench._common: see its docstring

from bench._common import (
    ROOT,
    Unavailable,
    fresh_database,
    fresh_postgresql,
    make_context,
    options,
    pg_url,
    profile_options,
    ratio,
    say,
    say_profile,
    sig3,
    venv_bin,
    workdir,
)
from gcworkflow.db.migrate import upgrade

TARGET_MS = 100.0
NOW = "2026-03-12T10:00:00+09:00"
PASSWORD = "bench password for the desk"
METRICS_TOKEN = "bench-metrics-scraper-token"
SCRAPES = 50


# --- a small HTTP/1.1 client: keep-alive connections, raw asyncio streams -----------------------------------
# httpx's async client costs more CPU per request than a trivial endpoint does; on a two-core machine the
# load generator would then measure itself.


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        body = await self.reader.readexactly(int(length.group(1))) if length else b""
        return status, body


# At most this many connections at once: past it a request waits for one, and the wait counts in its latency
# (measured from its scheduled start). Without a bound a server that falls behind made the client open a
# connection per late request until the process ran out of file descriptors (seen at ~1,700 rps, busy machine).
MAX_CONNECTIONS = 512


@dataclass
class Pool:
    host: str
    port: int
    idle: list[Connection] = field(default_factory=list)
    slots: asyncio.Semaphore | None = None  # made in the loop that uses it

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.slots is None:
            self.slots = asyncio.Semaphore(MAX_CONNECTIONS)
        async with self.slots:
            return await self._request(raw)

    async def _request(self, raw: bytes) -> tuple[int, bytes]:
        while self.idle:
            connection = self.idle.pop()
            try:
                answer = await connection.request(raw)
            except (asyncio.IncompleteReadError, ConnectionError):
                connection.writer.close()  # the server closed it while it sat idle (keep-alive timeout)
                continue
            self.idle.append(connection)
            return answer
        connection = Connection(*await asyncio.open_connection(self.host, self.port))
        answer = await connection.request(raw)
        self.idle.append(connection)
        return answer

    def close(self) -> None:
        for connection in self.idle:
            connection.writer.close()
        self.idle.clear()


def get(path: str, host: str, cookie: str = "") -> bytes:
    extra = f"Cookie: {cookie}\r\n" if cookie else ""
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()


def post(path: str, host: str, cookie: str, form: dict[str, str]) -> bytes:
    body = urlencode(form).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookie}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


# --- servers ----------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(argv: list[str], port: int, env: dict[str, str]) -> Iterator[str]:
    # The server's log goes to a file: a pipe nobody reads fills up and stops the server mid-run.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    said = log.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"server did not start: {' '.join(argv)}\n{said}") from None
                time.sleep(0.05)
        try:
            yield f"127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(10)
            log.seek(0)
            errors = [line for line in log.read().decode(errors="replace").splitlines() if " ERROR " in line]
            if errors:
                say(f"server logged {len(errors)} error(s), the first: {errors[0]}")


def trivial_app():  # type: ignore[no-untyped-def]
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    return app


# --- the data set -----------------------------------------------------------------------------------------


def populate(url: str, var_dir: Path, procedures: int) -> list[int]:
    """The cast and ``procedures`` procedures on their own clusters; returns those left in drafting."""
    from gcworkflow import clusters, engine, people
    from gcworkflow.web import accounts

    ctx = make_context(url, var_dir)
    plan = _plan()
    admin = engine.Actor("admin")
    people.init_admin(ctx, "admin", "관리자")
    people.add_user(ctx, admin, "kim", "김주무", ["clerk"])
    people.add_user(ctx, admin, "park", "박과장", ["approver"])
    for name in ("admin", "kim", "park"):
        accounts.set_password(ctx, admin, name, PASSWORD)
    drafting = []
    kim, park = engine.Actor("kim"), engine.Actor("park")
    for i in range(procedures):
        cluster = clusters.register_cluster(ctx, kim, f"벤치 {i + 1:03d} 녹색융합클러스터")
        pid = engine.open_procedure(ctx, kim, "designation", cluster_id=cluster, approver="park").procedure_id
        engine.fire(
            ctx, pid, "record_plan", kim, {"content": plan | {"name": f"벤치 {i + 1:03d} 녹색융합클러스터"}}
        )
        if i % 3 == 0:
            proposal = engine.fire(
                ctx, pid, "propose", kim, {"trigger": "request_governor_opinions", "payload": {}}
            )
            engine.fire(ctx, pid, "approve_proposal", park, {"proposal_id": proposal.proposal_id})
        else:
            drafting.append(pid)
    ctx.db.dispose()
    return drafting


def _plan() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "gcworkflow" / "demo" / "gumi_plan.yaml").read_text(encoding="utf-8"))


# --- the data set at scale ----------------------------------------------------------------------------------
# bench/audit.py's loader (its 1M events over designations walked open → designated), then a share of those
# procedures cut back to an open stage, then the desk's own procedures through the engine as above. Loading
# takes minutes, so the result is kept under --cache, keyed by everything that shapes it, and copied per run
# (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL): a run mutates its copy, never the cache.

CACHE = Path(tempfile.gettempdir()) / "gcw-bench-web-scale"
PG_DATABASE = "gcw_bench_web"
PG_CACHE = "gcw_bench_web_scale"


@dataclass(frozen=True)
class Scale:
    drafting: list[int]  # the desk's procedures in drafting: they take the transitions
    open: list[int]
    finished: list[int]


def cache_key(args: argparse.Namespace) -> str:
    """The migration head, the sizes and the code that builds the set: a change to any of them rebuilds it."""
    from alembic.script import ScriptDirectory

    from gcworkflow.db.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    recipe = hashlib.sha256((ROOT / "bench" / "audit.py").read_bytes())
    for builder in (populate, shape, build_scale):
        recipe.update(inspect.getsource(builder).encode())
    sizes = f"{args.scale_procedures}p{args.scale_open}o{args.events}e{args.desk}d"
    return f"{head}-{sizes}-{recipe.hexdigest()[:10]}"


def shape(engine: Engine, sequence: list[Any], loaded: int, opened: int) -> tuple[list[int], list[int]]:
    """Put ``opened`` of the loaded procedures back in the stage three quarters along their history, with a last
    action within the past 40 days; close the others on their last event. Returns (open, finished). The events
    stay as loaded (the trail is append-only, the database refuses a DELETE): an open one's timeline runs on
    past its stage, as long as a finished one's, which is what the page's cost depends on."""
    from gcworkflow.db.models import AuditEvent, Procedure

    rng = random.Random(18)
    moves = [i for i, t in enumerate(sequence) if t.transition and t.to_state != sequence[-1].to_state]
    stage = sequence[min(moves, key=lambda i: abs(i - 0.75 * len(sequence)))].to_state
    open_ids = sorted(rng.sample(range(1, loaded + 1), opened))
    e, p = AuditEvent.__table__.c, Procedure.__table__.c
    now = datetime.fromisoformat(NOW)
    with engine.begin() as conn:
        conn.execute(
            update(Procedure.__table__)
            .where(p.id == bindparam("b_id"))
            .values(state=stage, last_action_at=bindparam("b_at")),
            [{"b_id": pid, "b_at": now - timedelta(days=rng.uniform(0.1, 40))} for pid in open_ids],
        )
        last = conn.execute(
            select(e.procedure_id, func.max(e.occurred_at))
            .where(e.procedure_id.is_not(None), e.procedure_id.not_in(open_ids))
            .group_by(e.procedure_id)
        ).all()
        conn.execute(
            update(Procedure.__table__)
            .where(p.id == bindparam("b_id"))
            .values(closed_at=bindparam("b_at"), last_action_at=bindparam("b_at")),
            [{"b_id": pid, "b_at": at} for pid, at in last],
        )
        if engine.dialect.name == "postgresql":  # the loader gave the ids; the engine's next one follows them
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('procedures', 'id'), max(id)) FROM procedures")
            )
    return open_ids, sorted(pid for pid, _ in last)


def build_scale(url: str, var_dir: Path, args: argparse.Namespace) -> Scale:
    from bench.audit import expanded, load, template_history

    loaded = args.scale_procedures - args.desk
    per = args.events // loaded
    with workdir("gcw-bench-web-template-") as folder:
        templates = template_history(folder)
    ctx = make_context(url, var_dir)
    try:
        started = time.perf_counter()
        load(ctx.db, templates, loaded, per)
        say(
            f"scale: {loaded * per:,} events over {loaded:,} procedures loaded in {time.perf_counter() - started:.0f} s"
        )
        open_ids, finished = shape(
            ctx.db.engine, expanded(templates, per), loaded, args.scale_open - args.desk
        )
    finally:
        ctx.db.dispose()
    drafting = populate(url, var_dir, args.desk)
    ctx = make_context(url, var_dir)
    try:
        if ctx.db.dialect == "postgresql":
            with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            with ctx.db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            with ctx.db.engine.connect() as conn:  # the cached file complete without its -wal
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        ctx.db.dispose()
    desk = list(range(loaded + 1, args.scale_procedures + 1))
    return Scale(drafting, sorted(open_ids + desk), finished)


@contextmanager
def scale_database(args: argparse.Namespace, tmp: Path) -> Iterator[tuple[str, Path, Scale]]:
    """A working copy of the scale data set (built and cached first when needed): its URL, var folder, shape."""
    folder = args.cache / cache_key(args)
    meta = folder / f"{args.database}.json"
    cached = meta.exists() and not args.rebuild
    if cached and args.database == "postgresql":
        cached = _pg_exists(PG_CACHE)
    if not cached:
        for old in args.cache.glob("*") if args.cache.exists() else []:
            if old != folder:
                shutil.rmtree(old)  # another key's set: stale for good
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        (tmp / "var").mkdir()
        with fresh_database(args.database, tmp, PG_DATABASE) as target:
            scale = build_scale(target.url, tmp / "var", args)
            shutil.copytree(tmp / "var", folder / f"var-{args.database}", dirs_exist_ok=True)
            if args.database == "sqlite":
                shutil.copyfile(tmp / "bench.sqlite3", folder / "bench.sqlite3")
            else:
                _pg_copy(PG_DATABASE, PG_CACHE)
        meta.write_text(json.dumps(vars(scale)))
        say(
            f"{args.database}: scale set built and cached in {time.perf_counter() - started:.0f} s ({folder})"
        )
    scale = Scale(**json.loads(meta.read_text()))
    started = time.perf_counter()
    shutil.copytree(folder / f"var-{args.database}", tmp / "var", dirs_exist_ok=True)
    if args.database == "sqlite":
        shutil.copyfile(folder / "bench.sqlite3", tmp / "bench.sqlite3")
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        upgrade(url)
        say(f"sqlite: cached scale set copied in {time.perf_counter() - started:.1f} s")
        yield url, tmp / "var", scale
    else:
        with fresh_postgresql(PG_DATABASE, template=PG_CACHE) as target:
            say(f"postgresql: cached scale set copied in {time.perf_counter() - started:.1f} s")
            yield target.url, tmp / "var", scale


def _pg_admin() -> Engine:
    url = make_url(pg_url("postgres"))
    return create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def _pg_exists(name: str) -> bool:
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            return (
                conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
                is not None
            )
    except OperationalError as exc:
        raise Unavailable(str(exc).splitlines()[0]) from exc
    finally:
        admin.dispose()


def _pg_copy(source: str, target: str) -> None:
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{target}" TEMPLATE "{source}"'))
    finally:
        admin.dispose()


# --- the load ---------------------------------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds after the start, as scheduled
    kind: str
    ms: float
    status: int


Maker = Callable[[random.Random], bytes]


@dataclass
class Desk:
    """The pages (a request maker per kind) and the clerk's session: pages go anywhere, a transition to a
    procedure no other request in flight is touching, with the version its form would carry."""

    host: str
    cookie: str
    csrf: str
    pages: dict[str, Maker]
    mix: list[tuple[str, float]]  # (kind, cumulative share); "transition" is built when it is sent
    idle: deque[int]  # drafting procedures with no transition in flight, least recently used first
    versions: dict[int, int]
    freed: asyncio.Event | None = None

    def choose(self, rng: random.Random) -> tuple[str, bytes]:
        roll = rng.random()
        kind = next((kind for kind, upto in self.mix if roll < upto), self.mix[-1][0])
        return kind, b"" if kind == "transition" else self.pages[kind](rng)

    async def take(self) -> tuple[int, bytes]:
        while not self.idle:  # only when the server is far behind: the wait counts as latency
            self.freed = self.freed or asyncio.Event()
            self.freed.clear()
            await self.freed.wait()
        pid = self.idle.popleft()
        form = {
            "csrf_token": self.csrf,
            "expected_version": str(self.versions[pid]),
            "announced_on": "2026-01-05",
            "selected_on": "2026-02-02",
            "summary": "공모를 통한 예정 지역 선정",
        }
        return pid, post(f"/procedures/{pid}/actions/record_site_selection", self.host, self.cookie, form)

    def release(self, pid: int, done: bool) -> None:
        self.versions[pid] += done
        self.idle.append(pid)
        if self.freed is not None:
            self.freed.set()


async def _run(
    plan: list[tuple[float, str, bytes]], host: str, ok: set[int], desk: Desk | None = None
) -> list[Sample]:
    name, port = host.split(":")
    pool = Pool(name, int(port))
    start = time.perf_counter() + 0.05
    if desk is not None:
        desk.freed = None  # an event belongs to one loop, and each run has its own

    async def one(at: float, kind: str, raw: bytes) -> Sample:
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if kind == "transition" and desk is not None:
            pid, raw = await desk.take()
            status, _ = await pool.request(raw)
            desk.release(pid, status == 303)
        else:
            status, _ = await pool.request(raw)
        # From the scheduled start: a request the server could not take in time counts its wait.
        return Sample(at, kind, (time.perf_counter() - start - at) * 1000, status)

    samples = await asyncio.gather(*(one(at, kind, raw) for at, kind, raw in plan))
    pool.close()
    bad = [s for s in samples if s.status not in ok]
    if bad:
        raise RuntimeError(f"{len(bad)} unexpected answers, e.g. {bad[0]}")
    return samples


def measured(samples: list[Sample], kind: str) -> list[float]:
    """The latencies of one kind of request, the first (warm-up) second left out."""
    return [s.ms for s in samples if s.kind == kind and s.at >= 1.0]


def offered(rate: float, seconds: float, make: object) -> list[tuple[float, str, bytes]]:
    """The schedule: one request every 1/rate seconds, for ``seconds``."""
    count = max(1, int(rate * seconds))
    return [(i / rate, *make()) for i in range(count)]  # type: ignore[operator]


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


@dataclass
class Step:
    rate: float
    p50: float
    p95: float
    count: int


def measure(run: object, rate: float, seconds: float) -> Step:
    times = run(rate, seconds)  # type: ignore[operator]
    return Step(rate, statistics.median(times), p(times, 0.95), len(times))


def holds(run: object, rate: float, seconds: float, label: str) -> bool:
    """Whether p95 ≤ 100 ms at ``rate``. A miss is measured once more before it counts: on a shared machine
    one noisy step would otherwise decide the whole search."""
    for attempt in ("", " (again)"):
        step = measure(run, rate, seconds)
        say(f"{label}: {sig3(rate)} rps → p50 {sig3(step.p50)} ms, p95 {sig3(step.p95)} ms{attempt}")
        if step.p95 <= TARGET_MS:
            return True
    return False


def max_rate(run: object, seconds: float, start: float, label: str, ceiling: float) -> float:
    """Step the offered rate up by half each time until p95 > 100 ms, then bisect between the last two."""
    good, rate = 0.0, start
    while rate <= ceiling and holds(run, rate, seconds, label):
        good, rate = rate, rate * 1.5
    if rate > ceiling:
        return good
    bad = rate
    for _ in range(3):
        middle = (good + bad) / 2
        if holds(run, middle, seconds, label):
            good = middle
        else:
            bad = middle
    return good


# --- main -------------------------------------------------------------------------------------------------


def sign_in(host: str, username: str = "kim") -> tuple[str, str]:
    import httpx

    # A slow dashboard (seconds, at scale before issue 18) is a figure to measure, not a reason to stop here.
    with httpx.Client(base_url=f"http://{host}", timeout=120) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        session = client.cookies["gcw_session"]
        dashboard = client.get("/dashboard")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', dashboard.text).group(1)
    return f"gcw_session={session}", csrf


def main() -> None:
    parser = options(__doc__, only=False)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--small",
        action="store_true",
        help="the first data set (issue 8): --desk-procedures procedures only, the procedure page's rate in the mix",
    )
    parser.add_argument(
        "--desk-procedures",
        "--procedures",
        dest="desk",
        type=int,
        default=150,
        help="procedures through the engine: a third in consultation, the rest take the transitions",
    )
    parser.add_argument("--scale-procedures", type=int, default=5_000, help="procedures in all at scale")
    parser.add_argument("--scale-open", type=int, default=1_000, help="of which open (the desk's among them)")
    parser.add_argument("--events", type=int, default=1_000_000, help="audit events at scale")
    parser.add_argument(
        "--cache", type=Path, default=CACHE, help="where the scale data set is kept between runs"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build the scale data set even if it is cached"
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measured step")
    profile_options(parser, "of each page at scale, in this process, instead of the load", 25)
    parser.add_argument("--serve-trivial", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_trivial:
        import uvicorn

        uvicorn.run(trivial_app(), host="127.0.0.1", port=args.serve_trivial, log_level="warning")
        return

    with workdir("gcw-bench-web-") as tmp:
        try:
            if args.small:
                with fresh_database(args.database, tmp, PG_DATABASE) as target:
                    started = time.perf_counter()
                    drafting = populate(target.url, tmp / "var", args.desk)
                    say(
                        f"{target.backend}: set-up {args.desk} procedures in {time.perf_counter() - started:.1f} s"
                    )
                    bench_small(args, target.url, tmp / "var", drafting)
            else:
                with scale_database(args, tmp) as (url, var_dir, scale):
                    if args.profile:
                        profile_pages(url, var_dir, scale, args.profile, args.profile_top)
                    else:
                        bench_scale(args, url, var_dir, scale)
        except Unavailable as exc:
            say(f"web {args.database} skipped ({exc})")


def scrape_times(host: str) -> tuple[list[float], int]:
    """``SCRAPES`` scrapes of /metrics one after the other (ms each), and the audit events they counted."""
    import httpx

    times = []
    with httpx.Client(
        base_url=f"http://{host}", headers={"authorization": f"Bearer {METRICS_TOKEN}"}, timeout=120
    ) as client:
        for _ in range(SCRAPES):
            started = time.perf_counter()
            answer = client.get("/metrics")
            times.append((time.perf_counter() - started) * 1000)
            if answer.status_code != 200:
                raise RuntimeError(f"/metrics answered {answer.status_code}: {answer.text[:500]}")
    events = sum(
        float(line.rsplit(" ", 1)[1])
        for line in answer.text.splitlines()
        if line.startswith("gcw_actions_total{") and 'outcome="ok"' in line
    )
    return times, int(events)


def server_env(url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "GCW_DATABASE_URL": url,
        "GCW_VAR_DIR": str(var_dir),
        "GCW_NOW": NOW,
        "GCW_METRICS_TOKEN_SHA256": hashlib.sha256(METRICS_TOKEN.encode()).hexdigest(),
        # Every request comes from one address here: the page is measured, not the public register's limiter.
        "GCW_PUBLIC_REQUESTS_PER_MINUTE": "100000",
    }


@contextmanager
def desk_server(env: dict[str, str]) -> Iterator[str]:
    """``gcw serve`` in its own process."""
    port = free_port()
    gcw = [str(venv_bin("gcw")), "serve", "--port", str(port), "--log-level", "warning"]
    with serving(gcw, port, env) as host:
        yield host


def trivial_max_rate(env: dict[str, str], seconds: float) -> float:
    trivial_port = free_port()
    trivial = [sys.executable, str(Path(__file__).resolve()), "--serve-trivial", str(trivial_port)]
    with serving(trivial, trivial_port, env) as host:

        def run_trivial(rate: float, seconds: float) -> list[float]:
            schedule = offered(rate, seconds + 1, lambda: ("ping", get("/ping", host)))
            return measured(asyncio.run(_run(schedule, host, {200})), "ping")

        run_trivial(100, 2)
        return max_rate(run_trivial, seconds, 100, "trivial", 20000)


def say_scrapes(scrapes: list[float], events: int) -> None:
    say(
        f"web metrics-scrape p50={sig3(statistics.median(scrapes))} p95={sig3(p(scrapes, 0.95))} "
        f"({len(scrapes)} scrapes one after the other, {events} audit events)"
    )


def bench_small(args: argparse.Namespace, url: str, var_dir: Path, drafting: list[int]) -> None:
    env = server_env(url, var_dir)
    with desk_server(env) as host:
        cookie, csrf = sign_in(host)
        procedures = list(range(1, args.desk + 1))
        pages: dict[str, Maker] = {
            "procedure": lambda rng: get(f"/procedures/{rng.choice(procedures)}", host, cookie),
            "dashboard": lambda _rng: get("/dashboard", host, cookie),
        }
        mix = [("procedure", 0.5), ("dashboard", 0.75), ("transition", 1.0)]
        # Opened (version 1) and a plan recorded (2): the version a freshly rendered form carries.
        desk = Desk(host, cookie, csrf, pages, mix, deque(drafting), dict.fromkeys(drafting, 2))
        rng = random.Random(8)

        def run_desk(rate: float, seconds: float) -> list[float]:
            schedule = offered(rate, seconds + 1, lambda: desk.choose(rng))
            return measured(asyncio.run(_run(schedule, host, {200, 303}, desk)), "procedure")

        run_desk(10, 2)  # warm-up: imports, caches, connections
        at20 = measure(run_desk, 20, args.seconds)
        say(
            f"desk at 20 rps: procedure page p50 {sig3(at20.p50)} ms, p95 {sig3(at20.p95)} ms ({at20.count} pages)"
        )
        desk_max = max_rate(run_desk, args.seconds, 20, "desk", 400)
        scrapes, events = scrape_times(host)
    trivial_max = trivial_max_rate(env, args.seconds)
    say_scrapes(scrapes, events)
    say(f"web procedure-page p50={sig3(at20.p50)} p95={sig3(at20.p95)} at 20 rps")
    say(
        f"web max-rate procedure-page={sig3(desk_max)} trivial={sig3(trivial_max)} ratio={ratio(desk_max, trivial_max)}"
    )


def bench_scale(args: argparse.Namespace, url: str, var_dir: Path, scale: Scale) -> None:
    """The mix at 20 rps with each page's latencies, then each page alone up to its highest rate."""
    env = server_env(url, var_dir)
    with desk_server(env) as host:
        cookie, csrf = sign_in(host)
        approver, _ = sign_in(host, "park")  # approvers read every procedure's record (the clerk: their own)
        pages: dict[str, Maker] = {
            "dashboard": lambda _rng: get("/dashboard", host, cookie),
            "procedure-open": lambda rng: get(f"/procedures/{rng.choice(scale.open)}", host, approver),
            "procedure-finished": lambda rng: get(
                f"/procedures/{rng.choice(scale.finished)}", host, approver
            ),
            "public": lambda _rng: get("/public/", host),
        }
        if not public_register(host):
            say("public register: /public/ answers 404 (not built yet), left out")
            del pages["public"]
        shares = {"dashboard": 0.25, "procedure-open": 0.2, "procedure-finished": 0.2, "public": 0.1}
        if "public" not in pages:
            shares.update({"procedure-open": 0.25, "procedure-finished": 0.25})
        mix, upto = [], 0.0
        for kind in pages:
            upto += shares[kind]
            mix.append((kind, upto))
        mix.append(("transition", 1.0))
        desk = Desk(host, cookie, csrf, pages, mix, deque(scale.drafting), dict.fromkeys(scale.drafting, 2))
        rng = random.Random(8)

        def run_mix(rate: float, seconds: float) -> list[Sample]:
            schedule = offered(rate, seconds + 1, lambda: desk.choose(rng))
            return asyncio.run(_run(schedule, host, {200, 303}, desk))

        def run_page(kind: str) -> Callable[[float, float], list[float]]:
            def run(rate: float, seconds: float) -> list[float]:
                schedule = offered(rate, seconds + 1, lambda: (kind, pages[kind](rng)))
                return measured(asyncio.run(_run(schedule, host, {200})), kind)

            return run

        run_mix(10, 2)  # warm-up: imports, caches, connections
        samples = run_mix(20, args.seconds)
        at20 = {kind: measured(samples, kind) for kind in [*pages, "transition"]}
        for kind, times in at20.items():
            say(
                f"mix at 20 rps: {kind} p50 {sig3(statistics.median(times))} ms, p95 {sig3(p(times, 0.95))} ms"
            )
        rates = {kind: page_max_rate(host, kind, pages[kind], run_page(kind), args) for kind in pages}
        scrapes, events = scrape_times(host)
    trivial_max = trivial_max_rate(env, args.seconds)
    say_scrapes(scrapes, events)
    for kind, times in at20.items():
        say(f"web {kind} p50={sig3(statistics.median(times))} p95={sig3(p(times, 0.95))} at 20 rps")
    for kind, rate in rates.items():
        say(f"web max-rate {kind}={sig3(rate)} trivial={sig3(trivial_max)} ratio={ratio(rate, trivial_max)}")


def page_max_rate(
    host: str, kind: str, make: Maker, run: Callable[[float, float], list[float]], args: argparse.Namespace
) -> float:
    """:func:`max_rate` of one page, from a rate its time alone allows: ten pages one after the other first,
    and when even those take over 100 ms no rate can hold (a search would only queue up minutes of pages)."""
    alone = run_sequentially(host, make, 10)
    say(f"{kind} alone: p50 {sig3(statistics.median(alone))} ms, max {sig3(max(alone))} ms")
    if statistics.median(alone) > TARGET_MS:
        say(f"{kind}: no rate holds p95 ≤ {TARGET_MS:.0f} ms")
        return 0.0
    return max_rate(run, args.seconds, min(10.0, 500 / statistics.median(alone)), kind, 400)


def run_sequentially(host: str, make: Maker, count: int) -> list[float]:
    """``count`` requests one after the other (ms each)."""
    name, port = host.split(":")
    rng = random.Random(9)

    async def each() -> list[float]:
        pool, times = Pool(name, int(port)), []
        for _ in range(count):
            started = time.perf_counter()
            await pool.request(make(rng))
            times.append((time.perf_counter() - started) * 1000)
        pool.close()
        return times

    return asyncio.run(each())


def public_register(host: str) -> bool:
    import httpx

    return httpx.get(f"http://{host}/public/").status_code != 404


def profile_pages(url: str, var_dir: Path, scale: Scale, count: int, top: int) -> None:
    """cProfile of ``count`` of each page, rendered in this process by the routes' own functions (the server
    runs a sync endpoint in a worker thread, out of reach of a profiler started in its main thread): the
    page's work without HTTP, the session check and the middleware. With the SQL statements each page issues."""
    import cProfile
    import pstats

    from gcworkflow.web import pages_procedures
    from gcworkflow.web.auth import Identity
    from gcworkflow.web.deps import Page

    ctx = make_context(url, var_dir)
    clerk = Page(Identity("kim", "김주무", frozenset({"clerk"}), "web"), "csrf", "")
    approver = Page(Identity("park", "박과장", frozenset({"approver"}), "web"), "csrf", "")
    rng = random.Random(8)
    calls: dict[str, Callable[[], object]] = {
        "dashboard": lambda: pages_procedures.dashboard(ctx, clerk),
        "procedure-open": lambda: pages_procedures.procedure(ctx, approver, rng.choice(scale.open)),
        "procedure-finished": lambda: pages_procedures.procedure(ctx, approver, rng.choice(scale.finished)),
    }
    statements: Counter[str] = Counter()

    def count_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements[" ".join(statement.split())[:150]] += 1

    try:
        for kind, call in calls.items():
            for _ in range(3):
                call()  # warm: imports, caches
            profiler = cProfile.Profile()
            event.listen(ctx.db.engine, "before_cursor_execute", count_statement)
            started = time.perf_counter()
            profiler.enable()
            for _ in range(count):
                call()
            profiler.disable()
            spent = time.perf_counter() - started
            event.remove(ctx.db.engine, "before_cursor_execute", count_statement)
            say(f"profile {kind}: {count} pages, {spent * 1000 / count:.1f} ms each under cProfile")
            stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
            say_profile(stats, count, "page", spent, top, 12)
            say(f"  SQL statements per page ({sum(statements.values()) / count:.1f} in all):")
            for statement, n in statements.most_common(top):
                say(f"  {n / count:5.1f}  {statement}")
            statements.clear()
    finally:
        ctx.db.dispose()


if __name__ == "__main__":
    main()
