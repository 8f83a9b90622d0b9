"""Engines and transactions with the durability the product ships with (DESIGN.md §3).

SQLite: WAL, ``synchronous=FULL`` (a committed action survives power loss), foreign keys, a busy timeout and
``BEGIN IMMEDIATE`` for every write transaction, so that read-then-write transactions queue for the lock
instead of failing with "database is locked". PostgreSQL goes through psycopg 3; write transactions lock the
procedure row with ``SELECT … FOR UPDATE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, QueuePool, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gcworkflow.local_files import ensure_dir

_WRITE = "gcw_write"
# Connections a process keeps open, and how many more it may open under load (SQLAlchemy's defaults, named
# because the web server sizes its handler threads by them).
POOL_SIZE, POOL_OVERFLOW = 5, 10


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and route them through psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    pooled = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, **kwargs}
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **pooled)
    if not parsed.database or parsed.database == ":memory:":
        return _sqlite(create_engine(url, connect_args={"timeout": 30}, **kwargs))
    ensure_dir(Path(parsed.database).parent, "데이터베이스(SQLite) 폴더")
    return _sqlite(create_engine(url, connect_args={"timeout": 30}, **pooled))


def _sqlite(engine: Engine) -> Engine:
    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that the "begin" hook below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


def read_connection(engine: Engine) -> Connection:
    """A connection of its own whose transactions only read, whichever door (``Database.read`` or ``write``)
    the engine came from: on SQLite it begins without taking the write lock a write session may hold."""
    return engine.connect().execution_options(**{_WRITE: False})


class Database:
    """One database: a write door (one transaction per action) and a read door."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = normalise_url(url)
        self.engine = engine or make_engine(self.url)
        # How many connections its pool gives out at most; None: not known (an engine made elsewhere, or an
        # in-memory database's single connection).
        self.connections = (
            POOL_SIZE + POOL_OVERFLOW if engine is None and isinstance(self.engine.pool, QueuePool) else None
        )
        self._writer = sessionmaker(self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed on success, rolled back on any exception."""
        with self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

    def describe(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)
