"""Helpers the benchmarks share: their options, fresh migrated databases, a context, timing and number
formatting.

Benchmarks print figures, never assert on them (DESIGN.md §5: these machines are shared and noisy). Each one
measures its baseline in the same run and prints a ratio against it.

A benchmark runs as a script (``.venv/bin/python bench/<name>.py``), so Python puts bench/ first on sys.path.
Its one line before ``import bench._common`` puts the repository first, so that ``bench`` and ``tests`` can be
imported; this module then takes bench/ off sys.path before anything imports the engine, where
bench/transitions.py would shadow the ``transitions`` library the engine is built on.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# bench/ off sys.path before the engine is imported (see above).
BENCH = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]

from gcworkflow.context import Context  # noqa: E402
from gcworkflow.db.migrate import upgrade  # noqa: E402
from gcworkflow.db.session import normalise_url  # noqa: E402
from gcworkflow.settings import Settings  # noqa: E402
from tests.support import context_for  # noqa: E402

ROOT = BENCH.parent
BACKENDS = ("sqlite", "postgresql")
SEOUL = ZoneInfo("Asia/Seoul")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/gcw_bench"


def sig3(value: float) -> str:
    """``value`` to three significant digits, never in exponent notation (1153.7 → 1150, 0.4567 → 0.457)."""
    if value == 0 or not math.isfinite(value):
        return str(value)
    decimals = 2 - math.floor(math.log10(abs(value)))
    rounded = round(value, decimals)
    # Rounding can carry into a new digit (999.6 → 1000); recompute so that 3 digits stay 3 digits.
    decimals = 2 - math.floor(math.log10(abs(rounded)))
    return f"{round(value, decimals):.{max(decimals, 0)}f}"


def ratio(numerator: float, denominator: float) -> str:
    return sig3(numerator / denominator) if denominator else "n/a"


def say(line: str) -> None:
    print(line, flush=True)


# --- options ------------------------------------------------------------------------------------------------


def options(doc: str, *, only: bool = True) -> argparse.ArgumentParser:
    """A benchmark's options: its docstring's first paragraph as their description and, with ``only``,
    ``--only`` (one database instead of both)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    if only:
        parser.add_argument("--only", choices=BACKENDS, help="measure one database only")
    return parser


def profile_options(parser: argparse.ArgumentParser, what: str, top: int) -> None:
    """``--profile N`` (cProfile N more ``what`` after timing) and ``--profile-top`` (``top`` by default)."""
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help=f"after timing, cProfile N more {what}"
    )
    parser.add_argument("--profile-top", type=int, default=top, help="functions listed by --profile")


# --- databases ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One database to measure: its backend name and a fresh, migrated URL."""

    backend: str  # "sqlite" | "postgresql"
    url: str


class Unavailable(Exception):
    """The database cannot be reached; the benchmark says so and skips it."""


@contextmanager
def fresh_sqlite(workdir: Path) -> Iterator[Target]:
    """A new SQLite file under ``workdir``, migrated to head."""
    path = workdir / "bench.sqlite3"
    url = f"sqlite:///{path}"
    upgrade(url)
    yield Target("sqlite", url)


def pg_url(database: str | None = None) -> str:
    """The benchmark database: ``GCW_BENCH_PG_URL`` or ``gcw_bench`` on the local server.

    A URL without a database name gets ``gcw_bench``; ``database`` names another one on the same server (a
    benchmark whose data set differs keeps its own). The database is dropped and recreated on every run, so
    it must be dedicated to the benchmark.
    """
    url = make_url(normalise_url(os.environ.get("GCW_BENCH_PG_URL") or DEFAULT_PG_URL))
    if database or not url.database:
        url = url.set(database=database or "gcw_bench")
    return url.render_as_string(hide_password=False)


@contextmanager
def fresh_postgresql(database: str | None = None, *, template: str | None = None) -> Iterator[Target]:
    """Drop and recreate the dedicated benchmark database, migrate it to head; drop it again afterwards.
    ``template``: a copy of that database on the same server (a data set built once and kept, bench/web.py)."""
    url = make_url(pg_url(database))
    name = url.database
    admin = create_engine(
        url.set(database="postgres"), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    except Exception as exc:
        admin.dispose()
        raise Unavailable(f"{url.render_as_string(hide_password=True)}: {str(exc).splitlines()[0]}") from exc
    try:
        rendered = url.render_as_string(hide_password=False)
        upgrade(rendered)
        yield Target("postgresql", rendered)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, folder: Path, pg_database: str | None = None) -> Iterator[Target]:
    """A fresh, migrated database of ``backend``: a file in ``folder`` (SQLite) or ``pg_database`` (PostgreSQL,
    see `fresh_postgresql`). Raises `Unavailable` when the database cannot be reached."""
    if backend == "sqlite":
        with fresh_sqlite(folder) as target:
            yield target
    else:
        with fresh_postgresql(pg_database) as target:
            yield target


R = TypeVar("R")


def on_each_database(
    only: str | None,
    measure: Callable[[Target, Path], R],
    skipped: Callable[..., R],
    *,
    prefix: str = "gcw-bench-",
    pg_database: str | None = None,
) -> list[R]:
    """``measure(target, folder)`` on a fresh database of each backend asked for (``only``, else SQLite then
    PostgreSQL), each in a temporary folder of its own (``prefix``). A database that cannot be reached is said
    and stands in the results as ``skipped(backend, skipped=<why>)``."""
    results = []
    for backend in [only] if only else BACKENDS:
        with workdir(prefix) as folder:
            try:
                with fresh_database(backend, folder, pg_database) as target:
                    results.append(measure(target, folder))
            except Unavailable as exc:
                say(f"{backend}: skipped, database unreachable: {exc}")
                results.append(skipped(backend, skipped=f"unreachable: {exc}"))
    return results


def make_context(url: str, var_dir: Path) -> Context:
    """A context over ``url`` with the product's engine (gcworkflow.db.session.make_engine) and the tests' fixed
    clock (tests.support.context_for)."""
    return context_for(Settings(var_dir=var_dir, database_url=url))


@contextmanager
def workdir(prefix: str = "gcw-bench-") -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


# --- timing -------------------------------------------------------------------------------------------------


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass(frozen=True)
class CommandTiming:
    median_ms: float | None
    note: str | None = None


def command_wall_ms(argv: list[str], runs: int = 5, env: dict[str, str] | None = None) -> CommandTiming:
    """Median wall time of ``runs`` runs of a command, or a note saying why it could not be measured."""
    samples: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        try:
            done = subprocess.run(argv, capture_output=True, env=env, cwd=ROOT, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return CommandTiming(None, f"{argv[0]}: {exc}")
        elapsed = (time.perf_counter() - start) * 1000
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            return CommandTiming(None, f"exit code {done.returncode}: {tail[-1] if tail else 'no output'}")
        samples.append(elapsed)
    return CommandTiming(statistics.median(samples))


def first_run_ms(script: str, runs: int, *args: str) -> tuple[float | None, str]:
    """The median of what ``script`` prints (seconds) in ``runs`` fresh interpreters: the first render, export or
    signature as a worker pays it, imports included and the interpreter's own start-up excluded."""
    samples_ms = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", script, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()
            return None, f"exit code {done.returncode}: {tail[-1] if tail else 'no output'}"
        samples_ms.append(float(done.stdout.strip()) * 1000)
    return statistics.median(samples_ms), f"median of {runs} fresh processes"


def venv_bin(name: str) -> Path:
    """A console script next to the running interpreter (``.venv/bin/gcw`` when run with ``.venv/bin/python``)."""
    return Path(sys.executable).parent / name


def _layer(filename: str, name: str) -> str:
    """Which layer a profiled function belongs to: a gcworkflow module, a library, the DB driver, e-mail, Python."""
    if "site-packages/" in filename:
        return filename.split("site-packages/")[-1].split("/")[0]
    if filename.startswith(str(ROOT)):
        return filename[len(str(ROOT)) + 1 :]
    if "/email/" in filename or filename.endswith(("smtplib.py", "socket.py")):
        return "python " + Path(filename).name
    for driver in ("sqlite3", "psycopg"):
        if driver in name:
            return f"{driver} (C)"
    if any(word in name for word in ("socket", "recv", "sendall")):
        return "socket I/O (C)"
    return "python stdlib/builtins"


def say_profile(stats: dict[Any, Any], count: int, unit: str, total: float, top: int, layers: int) -> None:
    """A cProfile's ``stats`` per ``unit`` (action, message) of ``count``: gcworkflow's functions by cumulative
    time (those above 1 % of ``total``), then own time by layer. cProfile inflates Python-heavy code: read the
    shares, not the absolute figures."""
    say(f"  gcworkflow functions, cumulative ms/{unit} (calls/{unit}):")
    own = [
        (cum, calls, f"{filename[len(str(ROOT)) + 1 :]}:{line}({name})")
        for (filename, line, name), (_cc, calls, _tot, cum, _callers) in stats.items()
        if filename.startswith(str(ROOT / "gcworkflow")) and cum >= total * 0.01
    ]
    for cum, calls, where in sorted(own, reverse=True)[:top]:
        say(f"  {cum * 1000 / count:8.3f} ({calls / count:4.1f})  {where}")
    by_layer: Counter[str] = Counter()
    for (filename, _line, name), (_cc, _calls, tot, _cum, _callers) in stats.items():
        by_layer[_layer(filename, name)] += tot
    say(f"  own time by layer, ms/{unit}:")
    for layer, tot in by_layer.most_common(layers):
        say(f"  {tot * 1000 / count:8.3f}  {layer}")
