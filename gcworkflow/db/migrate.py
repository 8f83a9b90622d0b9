"""Schema management: Alembic is the only way the schema is created (DESIGN.md §3), and one migration at a time
holds the database while it runs.

How an upgrade (or downgrade) coordinates with everything else that uses the database:

- **Another upgrade** is refused at once (:class:`~gcworkflow.errors.Conflict`, "another upgrade is running"):
  on PostgreSQL the migration holds a session advisory lock with a fixed key (:data:`UPGRADE_LOCK_KEY`,
  ``pg_try_advisory_lock``); on SQLite an exclusive ``flock`` on a file beside the database
  (``<database>.upgrade-lock``, removed afterwards).
- **Writers** (``gcw`` commands, ``gcw serve``, the flows) are held off for the whole migration, which runs in
  ONE transaction that takes the write lock before the first change: on PostgreSQL ``LOCK TABLE … IN EXCLUSIVE
  MODE`` on every table (plain reads go on; writes and ``SELECT … FOR UPDATE`` wait for the commit), taken with
  ``NOWAIT`` and retried, so that the migration never waits holding some tables while a writer holds others (no
  deadlock); on SQLite ``BEGIN IMMEDIATE`` with the busy timeout set to the wait. A writer still busy when the
  wait is over makes the migration refuse without changing anything; PostgreSQL's DDL is transactional, and so is
  SQLite's, so a migration that fails half-way leaves the schema as it was.
- **Processes whose code is older than the schema** are not stopped by the migration: they are stopped first
  (the rule in README "Upgrading": stop, back up, upgrade, verify, start the new code).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from gcworkflow.db.models import Base
from gcworkflow.db.session import make_engine, normalise_url
from gcworkflow.errors import Conflict
from gcworkflow.local_files import ensure_dir

_ROOT = Path(__file__).resolve().parents[2]

# pg_try_advisory_lock's key for "a migration runs": b"gcw_upgr" as a number, so that no other lock collides.
UPGRADE_LOCK_KEY = int.from_bytes(b"gcw_upgr", "big")
# How long a migration waits for the writers in flight to finish (an action takes milliseconds).
DEFAULT_WAIT_SECONDS = 30.0
_RETRY_SECONDS = 0.1
# The tables a migration holds: this program's (as its models name them) and Alembic's own.
_OURS = frozenset(Base.metadata.tables) | {"alembic_version"}


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    config = Config(str(_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(_ROOT / "migrations"))
    config.attributes["database_url"] = url
    if connection is not None:
        config.attributes["connection"] = connection  # migrations/env.py runs on it, inside its transaction
    return config


def known_revision(url: str, revision: str) -> bool:
    """Whether ``revision`` is one of this program's migrations (not one of a newer program's)."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(alembic_config(url)).get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(url: str, revision: str = "head", *, wait: float = DEFAULT_WAIT_SECONDS) -> None:
    """Migrate to ``revision`` in one transaction that holds the database (see the module's docstring)."""
    with holding_schema(url, wait) as connection:
        command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str = "base", *, wait: float = DEFAULT_WAIT_SECONDS) -> None:
    with holding_schema(url, wait) as connection:
        command.downgrade(alembic_config(url, connection), revision)


def _describe(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _another_upgrade(url: str) -> Conflict:
    return Conflict(
        f"다른 `gcw db upgrade`가 이 데이터베이스의 스키마를 바꾸고 있습니다 ({_describe(url)}). "
        "그 작업이 끝난 뒤 `gcw db current`로 판을 확인하십시오 (이 명령은 아무것도 바꾸지 않았습니다)."
    )


def _writers_busy(url: str, wait: float, *, readers: bool = False) -> Conflict:
    busy = "이 데이터베이스를 읽거나 쓰고 있어" if readers else "이 데이터베이스에 쓰고 있어"
    return Conflict(
        f"다른 gcw 프로세스가 {busy} {wait:g}초를 기다렸으나 스키마를 바꾸지 못했습니다 "
        f"({_describe(url)}). 스키마는 그대로입니다. `gcw serve`와 Prefect 흐름을 멈춘 뒤 다시 실행하십시오."
    )


@contextmanager
def holding_schema(url: str, wait: float = DEFAULT_WAIT_SECONDS) -> Iterator[Connection]:
    """A connection in a transaction that holds the database for one migration: committed when the body
    returns, rolled back if it raises. Refuses (Conflict) while another migration runs, or when writers keep
    the database past ``wait`` seconds."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "postgresql":
        with _postgresql(url, wait) as connection:
            yield connection
    else:
        with _sqlite(url, wait) as connection:
            yield connection


@contextmanager
def _postgresql(url: str, wait: float) -> Iterator[Connection]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            # Session-level, so that it outlives the transactions below and ends with the connection at worst.
            if not connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": UPGRADE_LOCK_KEY}
            ).scalar():
                raise _another_upgrade(url)
            connection.commit()
            try:
                _lock_tables(connection, url, wait)
                try:
                    yield connection
                except OperationalError as exc:
                    # lock_timeout: a DDL statement waited for a reader of its table longer than ``wait``.
                    if getattr(exc.orig, "sqlstate", None) == "55P03":
                        raise _writers_busy(url, wait, readers=True) from exc
                    raise
                connection.commit()
            finally:
                try:
                    connection.rollback()
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": UPGRADE_LOCK_KEY})
                    connection.commit()
                except DBAPIError:
                    pass  # a lost connection: the server ended its session, and the lock with it

    finally:
        engine.dispose()


def _lock_tables(connection: Connection, url: str, wait: float) -> None:
    """Begin the migration's transaction holding every table against writers (plain reads go on)."""
    deadline = time.monotonic() + wait
    while True:
        present = connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
        ).scalars()
        # Only this program's tables: another application's in the same schema (a Prefect server's, say) is
        # not ours to hold, nor perhaps ours to lock.
        tables = [name for name in present if name in _OURS]
        names = ", ".join(f'"{name}"' for name in tables)
        try:
            # The DDL that follows waits for readers no longer than for the writers (then all is rolled back).
            connection.execute(text(f"SET LOCAL lock_timeout = '{max(int(wait * 1000), 1)}ms'"))
            if names:
                connection.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE NOWAIT"))
            return
        except OperationalError as exc:
            connection.rollback()
            if getattr(exc.orig, "sqlstate", None) != "55P03":  # not "lock not available": not ours to name
                raise
            if time.monotonic() >= deadline:
                raise _writers_busy(url, wait) from exc
            time.sleep(_RETRY_SECONDS)


@contextmanager
def _sqlite(url: str, wait: float) -> Iterator[Connection]:
    database = make_url(url).database
    with _upgrade_file_lock(url, database if database and database != ":memory:" else None):
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                # The busy timeout is the wait for the writers in flight; set before BEGIN IMMEDIATE asks.
                connection.connection.driver_connection.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
                connection = connection.execution_options(gcw_write=True)
                try:
                    connection.begin()  # BEGIN IMMEDIATE: the write lock, for the whole migration
                except OperationalError as exc:
                    if getattr(exc.orig, "sqlite_errorname", None) != "SQLITE_BUSY":
                        raise
                    raise _writers_busy(url, wait) from exc
                yield connection
                connection.commit()
        finally:
            engine.dispose()


@contextmanager
def _upgrade_file_lock(url: str, database: str | None) -> Iterator[None]:
    """An exclusive flock on ``<database>.upgrade-lock`` (not on the database file itself: closing a second
    descriptor of that file would drop SQLite's own POSIX locks in this process)."""
    if database is None:
        yield
        return
    path = Path(database).with_name(Path(database).name + ".upgrade-lock")
    ensure_dir(path.parent, "데이터베이스(SQLite) 폴더")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise _another_upgrade(url) from None
        # The holder before us removes the file when done: a lock on a removed file guards nothing, so retry.
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)
