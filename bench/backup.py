"""`gcw backup` and `gcw restore` (issue 16): times and sizes for the demo's data and for a 1,000,000-event
database, on SQLite and PostgreSQL, each against the bare copy of the same data measured in the same run.

Data sets:

* demo: `gcw demo`'s installation (SQLite, with its PDFs), built once by running the demo in a scratch folder;
* 1M: the database of ``bench/audit.py`` (1,000,000 events over 5,000 designations, its users and procedures),
  built on SQLite by that benchmark's own loader (``bench.audit.load``), not copied.

The path measured is the move: back up the SQLite installation, restore it into an empty PostgreSQL database,
back that up, restore it into an empty SQLite file. Every backup is read back and checked before it counts,
every restore ends with the full audit verification against the archive's checkpoint line (both are part of the
time: they are part of the commands).

Baselines, each the fastest bare way the database itself offers to do the same copy, without encoding, hashing,
compressing, checking or verifying anything:

* SQLite backup ↔ ``sqlite3.Connection.backup`` of the database file into a new file (the online backup API:
  the same rows, page by page);
* PostgreSQL backup ↔ ``COPY <table> TO STDOUT`` of every table in one REPEATABLE READ transaction, the bytes
  kept in memory;
* PostgreSQL restore ↔ ``COPY <table> FROM STDIN`` of those same bytes into an empty migrated database;
* SQLite restore ↔ ``executemany`` of the same rows (read beforehand into Python tuples, as the driver returns
  them) into an empty migrated SQLite file, in one transaction.

``ratio = baseline time ÷ our time``: the share of the bare copy's speed the command reaches (1 would be as fast).
The last lines are:

    backup <data> <database> time=<s> size=<bytes> rows=<n> baseline=<s> ratio=<x>
    restore <data> <database> time=<s> rows=<n> baseline=<s> ratio=<x>

The demo's data goes both ways; the 1M set SQLite → PostgreSQL only, unless ``--both-ways`` (the whole move of
the 1M set took 16 minutes on this project's shared 2-core machine at a load average of 7, 5.3 minutes of it
CPU; the 1M set's build alone takes about 2 minutes, restoring it into PostgreSQL 2–3).

Run: ``.venv/bin/python bench/backup.py`` (``--events`` for a smaller 1M set, ``--skip-demo``). PostgreSQL is
``GCW_BENCH_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432``), databases ``gcw_bench_backup_*``, dropped
afterwards. Nothing here asserts on a time.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for bench._common: see its docstring

from bench._common import make_context, options, pg_url, ratio, say, sig3, venv_bin, workdir
from bench.audit import load, template_history
from gcworkflow.audit.queries import OPERATOR, Reader
from gcworkflow.backup import backup, restore
from gcworkflow.context import Context
from gcworkflow.db.migrate import upgrade
from gcworkflow.db.models import Base

READER = Reader(OPERATOR, interface="bench")


@dataclass(frozen=True)
class Line:
    what: str  # backup | restore
    data: str
    database: str
    seconds: float
    rows: int
    baseline: float
    size: int | None = None

    def __str__(self) -> str:
        size = f" size={self.size}" if self.size is not None else ""
        return (
            f"{self.what} {self.data} {self.database} time={sig3(self.seconds)}{size} rows={self.rows} "
            f"baseline={sig3(self.baseline)} ratio={ratio(self.baseline, self.seconds)}"
        )


@contextmanager
def empty_postgresql(name: str) -> Iterator[str]:
    url = make_url(pg_url(name))
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


T = TypeVar("T")


def timed(call: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


# --- the baselines -------------------------------------------------------------------------------------------


def sqlite_file_copy(source: Path, target: Path) -> float:
    """The online backup API, the whole file in one step."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        started = time.perf_counter()
        src.backup(dst)
        return time.perf_counter() - started


def pg_copy_out(url: str) -> tuple[float, dict[str, bytes]]:
    """Every table by COPY TO STDOUT in one snapshot."""
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    dumps: dict[str, bytes] = {}
    with psycopg.connect(plain) as conn:
        started = time.perf_counter()
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        for table in Base.metadata.sorted_tables:
            buffer = io.BytesIO()
            with conn.cursor().copy(f'COPY "{table.name}" TO STDOUT') as copy:
                for chunk in copy:
                    buffer.write(chunk)
            dumps[table.name] = buffer.getvalue()
        conn.execute("COMMIT")
        return time.perf_counter() - started, dumps


def pg_copy_in(url: str, dumps: dict[str, bytes]) -> float:
    """The same bytes by COPY FROM STDIN into an empty migrated database, in one transaction."""
    import psycopg

    upgrade(url)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as conn:
        conn.execute("DELETE FROM role_grants")  # the rows the migrations seed, in the dump too
        conn.execute("DELETE FROM users")
        started = time.perf_counter()
        for table in Base.metadata.sorted_tables:
            with conn.cursor().copy(f'COPY "{table.name}" FROM STDIN') as copy:
                copy.write(dumps[table.name])
        conn.commit()
        return time.perf_counter() - started


def sqlite_executemany(source: Path, target: Path) -> float:
    """The same rows, read beforehand as the driver returns them, inserted by executemany in one transaction."""
    upgrade(f"sqlite:///{target}")
    with sqlite3.connect(source) as src:
        rows = {
            t.name: src.execute(f'SELECT * FROM "{t.name}"').fetchall() for t in Base.metadata.sorted_tables
        }
    dst = sqlite3.connect(target, isolation_level=None)
    try:
        dst.execute("PRAGMA journal_mode=WAL")
        dst.execute("PRAGMA synchronous=FULL")
        dst.execute("PRAGMA foreign_keys=ON")
        started = time.perf_counter()
        dst.execute("BEGIN IMMEDIATE")
        dst.execute("DELETE FROM role_grants")
        dst.execute("DELETE FROM users")
        for table in Base.metadata.sorted_tables:
            if rows[table.name]:
                marks = ", ".join("?" * len(rows[table.name][0]))
                dst.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows[table.name])
        dst.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        dst.close()


# --- one data set through the move ---------------------------------------------------------------------------


def move(data: str, source: Context, folder: Path, name: str, back_again: bool = True) -> list[Line]:
    """SQLite → PostgreSQL (→ SQLite, with ``back_again``), each step timed against its baseline."""
    lines = []
    sqlite_file = Path(make_url(source.db.url).database or "")
    seconds, summary = timed(lambda: backup(source, READER, folder / f"{data}-sqlite.zip"))
    say(
        f"{data}: sqlite backup {seconds:.2f} s, {summary.size:,} B ({summary.rows:,} rows, {summary.table_bytes:,} B of JSON Lines)"
    )
    baseline = sqlite_file_copy(sqlite_file, folder / f"{data}-copy.sqlite3")
    lines.append(Line("backup", data, "sqlite", seconds, summary.rows, baseline, summary.size))
    with empty_postgresql(f"gcw_bench_backup_{name}") as url:
        target = make_context(url, folder / f"{data}-pg-var")
        seconds, restored = timed(lambda: restore(target, READER, folder / f"{data}-sqlite.zip"))
        assert restored.report.ok, restored.report.lines()
        say(f"{data}: restore into postgresql {seconds:.2f} s: " + " | ".join(restored.report.lines()))
        copy_out, dumps = pg_copy_out(url)
        with empty_postgresql(f"gcw_bench_backup_{name}_copy") as copy_url:
            copy_in = pg_copy_in(copy_url, dumps)
        lines.append(Line("restore", data, "postgresql", seconds, restored.rows, copy_in))
        if not back_again:
            target.db.dispose()
            return lines
        seconds, summary = timed(lambda: backup(target, READER, folder / f"{data}-pg.zip"))
        say(
            f"{data}: postgresql backup {seconds:.2f} s, {summary.size:,} B; COPY TO of every table {copy_out:.2f} s"
        )
        lines.append(Line("backup", data, "postgresql", seconds, summary.rows, copy_out, summary.size))
        target.db.dispose()
    back = make_context(f"sqlite:///{folder / f'{data}-back.sqlite3'}", folder / f"{data}-back-var")
    seconds, restored = timed(lambda: restore(back, READER, folder / f"{data}-pg.zip"))
    assert restored.report.ok, restored.report.lines()
    say(f"{data}: restore into sqlite {seconds:.2f} s: " + " | ".join(restored.report.lines()))
    back.db.dispose()
    baseline = sqlite_executemany(sqlite_file, folder / f"{data}-executemany.sqlite3")
    lines.append(Line("restore", data, "sqlite", seconds, restored.rows, baseline))
    return lines


def demo_data(folder: Path) -> Context:
    var = folder / "demo-var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GCW_", "PREFECT_"))}
    # The demo starts a temporary Prefect server; on a loaded machine it needs longer than Prefect's 20 s.
    env.update(GCW_VAR_DIR=str(var), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    for attempt in (1, 2, 3):
        started = time.perf_counter()
        shutil.rmtree(var, ignore_errors=True)
        done = subprocess.run(
            [str(venv_bin("gcw")), "demo"], env=env, cwd=folder, capture_output=True, check=False
        )
        if done.returncode == 0:
            break
        tail = (done.stdout + done.stderr).decode("utf-8", "replace").strip().splitlines()[-2:]
        say(f"demo: attempt {attempt}: `gcw demo` exited {done.returncode}: " + " / ".join(tail))
    else:
        raise SystemExit("`gcw demo` failed three times: see above")
    say(f"demo: built by `gcw demo` in {time.perf_counter() - started:.1f} s")
    return make_context(f"sqlite:///{var / 'gcworkflow.sqlite3'}", var)


def million(folder: Path, events: int, procedures: int) -> Context:
    started = time.perf_counter()
    templates = template_history(folder)
    url = f"sqlite:///{folder / 'million.sqlite3'}"
    upgrade(url)
    ctx = make_context(url, folder / "million-var")
    load(ctx.db, templates, procedures, events // procedures)
    say(f"1M: {events:,} events loaded by bench/audit.py's loader in {time.perf_counter() - started:.1f} s")
    return ctx


def main(argv: list[str] | None = None) -> int:
    parser: argparse.ArgumentParser = options(__doc__, only=False)
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the large data set")
    parser.add_argument("--procedures", type=int, default=5_000, help="procedures they are spread over")
    parser.add_argument("--skip-demo", action="store_true", help="only the large data set")
    parser.add_argument(
        "--both-ways",
        action="store_true",
        help="move the large data set back too (PostgreSQL backup, SQLite restore): about 6 more minutes",
    )
    args = parser.parse_args(argv)
    lines: list[Line] = []
    with workdir("gcw-bench-backup-") as folder:
        if not args.skip_demo:
            demo = demo_data(folder)
            lines += move("demo", demo, folder, "demo")
            demo.db.dispose()
        large = million(folder, args.events, args.procedures)
        lines += move("1M", large, folder, "1m", back_again=args.both_ways)
        large.db.dispose()
    for line in lines:
        say(str(line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
