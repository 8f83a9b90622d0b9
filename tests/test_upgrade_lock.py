"""One migration at a time, and never under a writer's feet (issue 16): a second `gcw db upgrade` started while
one runs is refused at once, saying so; an upgrade meeting a write transaction of another process waits for it
and then completes, or — its wait over — refuses without changing anything. On SQLite and PostgreSQL, with
real processes and a real write transaction held open (gcworkflow.db.migrate says how the locks are taken)."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from gcworkflow import audit
from gcworkflow.context import Context
from gcworkflow.db.migrate import UPGRADE_LOCK_KEY, alembic_config, downgrade
from gcworkflow.db.session import make_engine
from tests.cli import Gcw
from tests.fresh import VENV_BIN, clean_env
from tests.support import open_gumi

ANOTHER_UPGRADE = "다른 `gcw db upgrade`가 이 데이터베이스의 스키마를 바꾸고 있습니다"
WRITERS_BUSY = "다른 gcw 프로세스가 이 데이터베이스에 쓰고 있어"
# How long the test waits for a process to reach the state it looks for; a bound, not a measured time.
PATIENCE = 120.0


def _previous() -> tuple[str, str]:
    """The revision before head, and head."""
    script = ScriptDirectory.from_config(alembic_config(""))
    head = script.get_revision(script.get_current_head())
    return str(head.down_revision), head.revision


PREVIOUS, HEAD = _previous()


@pytest.fixture
def older(ctx: Context) -> Iterator[str]:
    """A database with a procedure under way, one revision behind the program."""
    open_gumi(ctx)
    ctx.db.dispose()
    downgrade(ctx.db.url, PREVIOUS)
    yield ctx.db.url


@contextmanager
def writing(url: str) -> Iterator[Connection]:
    """Another process's write transaction, held open until the block ends (then committed): SQLite's write
    lock (BEGIN IMMEDIATE, as every gcw write takes it), on PostgreSQL a table's row-exclusive lock."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(gcw_write=True)
            with conn.begin():
                conn.execute(
                    text(
                        "INSERT INTO login_attempts (username, occurred_at, succeeded) "
                        "VALUES ('writer', CURRENT_TIMESTAMP, :no)"
                    ),
                    {"no": False},
                )
                yield conn
    finally:
        engine.dispose()


def _revision(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    finally:
        engine.dispose()


def _writers_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM login_attempts WHERE username = 'writer'")
            ).scalar_one()
    finally:
        engine.dispose()


def _upgrade_lock_held(url: str) -> bool:
    """Whether some process holds the upgrade lock now (looked at without taking it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(f"{parsed.database}.upgrade-lock").exists()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                        "AND ((classid::bigint << 32) | objid::bigint) = :key"
                    ),
                    {"key": UPGRADE_LOCK_KEY},
                ).scalar_one()
            )
    finally:
        engine.dispose()


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, f"{PATIENCE:g}초를 기다렸으나 {what}"
        time.sleep(0.05)


def _gcw_upgrade(url: str, var: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(VENV_BIN / "gcw"), "db", "upgrade", "--wait", "600"],
        env=clean_env(GCW_DATABASE_URL=url, GCW_VAR_DIR=str(var)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_second_upgrade_is_refused_while_the_first_waits_for_a_writer(
    older: str, ctx: Context, tmp_path: Path
) -> None:
    with writing(older):
        first = _gcw_upgrade(older, tmp_path / "var")
        _until(
            lambda: _upgrade_lock_held(older) or first.poll() is not None, "첫 upgrade가 잠그지 않았습니다"
        )
        second = _gcw_upgrade(older, tmp_path / "var")
        # The writer still holds the database, so the lock's holder cannot finish: the other one is refused.
        _until(lambda: first.poll() is not None or second.poll() is not None, "어느 쪽도 끝나지 않았습니다")
        refused = first if first.poll() is not None else second
        said = refused.communicate()[0]
        assert refused.returncode == 4, said
        assert ANOTHER_UPGRADE in said and "Traceback" not in said
        assert _revision(older) == PREVIOUS
    holder = second if refused is first else first
    said = holder.communicate(timeout=PATIENCE)[0]
    assert holder.returncode == 0, said
    assert _revision(older) == HEAD
    assert _writers_rows(older) == 1  # the writer's transaction committed, before the migration, in full
    assert audit.verify_database(ctx.db, ctx.store).ok


def test_an_upgrade_that_cannot_wait_longer_changes_nothing(older: str, ctx: Context) -> None:
    gcw = Gcw.against(ctx.settings, "2026-03-02T10:00:00+09:00")
    with writing(older):
        result = gcw("db", "upgrade", "--wait", "0")
        assert result.exit_code == 4, result.output
        assert WRITERS_BUSY in result.stderr and "스키마는 그대로입니다" in result.stderr
        assert _revision(older) == PREVIOUS
    assert _writers_rows(older) == 1
    assert gcw.json("db", "upgrade")["current"] == HEAD
    assert audit.verify_database(ctx.db, ctx.store).ok


def test_an_upgrade_held_by_another_is_refused_at_once(older: str, ctx: Context) -> None:
    """The lock an upgrade holds, held here: `gcw db upgrade` refuses without waiting."""
    from gcworkflow.db.migrate import holding_schema

    gcw = Gcw.against(ctx.settings, "2026-03-02T10:00:00+09:00")
    with holding_schema(older):
        result = gcw("db", "upgrade")
        assert result.exit_code == 4 and ANOTHER_UPGRADE in result.stderr, result.output
    assert _revision(older) == PREVIOUS
    gcw.ok("db", "upgrade")
    assert _revision(older) == HEAD


def test_a_database_of_a_newer_program_is_left_alone(ctx: Context) -> None:
    """A schema this program has no migration for was made by a newer one: upgrading is refused (exit 7),
    naming both revisions, and nothing is run against it."""
    engine = make_engine(ctx.db.url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    finally:
        engine.dispose()
    gcw = Gcw.against(ctx.settings, "2026-03-02T10:00:00+09:00")
    result = gcw("db", "upgrade")
    assert result.exit_code == 7, result.output
    assert f"데이터베이스 스키마(9999)가 이 프로그램의 최신 판({HEAD})보다 새롭습니다" in result.stderr
    assert _revision(ctx.db.url) == "9999"


def test_a_migration_that_cannot_alter_a_table_being_read_leaves_the_schema_as_it_was(
    ctx: Context, database_url: str
) -> None:
    """PostgreSQL: reads go on during an upgrade, but ALTER TABLE must wait for a reader of that table; a reader
    that outlasts the wait makes the upgrade refuse, and the migrations already run in that transaction are
    rolled back with it (0006 stays 0006, not 0007 half-way to head)."""
    if ctx.db.dialect != "postgresql":
        pytest.skip("SQLite의 읽기(WAL)는 스키마 변경을 막지 않습니다")
    ctx.db.dispose()
    downgrade(database_url, "0006")  # 0007 adds a column to contacts: ALTER TABLE
    engine = make_engine(database_url)
    gcw = Gcw.against(ctx.settings, "2026-03-02T10:00:00+09:00")
    try:
        with engine.connect() as reader, reader.begin():
            reader.execute(text("SELECT count(*) FROM contacts"))  # held: ACCESS SHARE until the block ends
            result = gcw("db", "upgrade", "--wait", "0")
            assert result.exit_code == 4, result.output
            assert "이 데이터베이스를 읽거나 쓰고 있어" in result.stderr and "Traceback" not in result.output
            assert _revision(database_url) == "0006"
    finally:
        engine.dispose()
    engine = make_engine(database_url)
    try:
        assert "unit" not in {c["name"] for c in inspect(engine).get_columns("contacts")}
    finally:
        engine.dispose()
    gcw.ok("db", "upgrade")
    assert _revision(database_url) == HEAD


def test_while_an_upgrade_runs_writers_wait_and_readers_read(older: str) -> None:
    """Inside the transaction an upgrade runs in (the same locks, held here): another connection still reads, but
    its write cannot go through — told not to wait, the database refuses it — until the upgrade commits."""
    from sqlalchemy.exc import OperationalError

    from gcworkflow.db.migrate import holding_schema

    engine = make_engine(older)
    try:
        with holding_schema(older), engine.connect() as other:
            assert other.execute(text("SELECT count(*) FROM procedures")).scalar_one() == 1
            other.rollback()
            if other.dialect.name == "postgresql":
                other.execute(text("SET lock_timeout = '1ms'"))  # for the session, past this transaction
                other.commit()
            else:
                other.connection.driver_connection.execute("PRAGMA busy_timeout = 0")
            with (
                pytest.raises(OperationalError, match=r"locked|lock timeout"),
                other.execution_options(gcw_write=True).begin(),
            ):
                other.execute(
                    text(
                        "INSERT INTO login_attempts (username, occurred_at, succeeded) "
                        "VALUES ('writer', CURRENT_TIMESTAMP, :no)"
                    ),
                    {"no": False},
                )
        assert _writers_rows(older) == 0
    finally:
        engine.dispose()
