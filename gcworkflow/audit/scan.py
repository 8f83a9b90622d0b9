"""Reading the trail fast: the id-ordered scan, and the database's own rebuild of each row's canonical text
from its columns, next to the data (one statement beside the walk)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import add
from queue import Queue
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Engine,
    LargeBinary,
    Select,
    String,
    Text,
    cast,
    func,
    literal_column,
    select,
    true,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import Grouping

from gcworkflow.db.models import (
    AuditEvent,
)
from gcworkflow.db.session import read_connection

_events = AuditEvent.__table__
SCAN_BATCH = 20000
_SQLITE_MMAP = 1 << 40  # as much of the file as the platform lets SQLite map


def _text(value: str) -> ColumnElement[str]:
    return literal_column("'" + value + "'", String)


def canonical_rebuild(dialect: str) -> ColumnElement[Any]:
    """The canonical text of a row from its columns, as SQL: JSON strings quoted by the database, the payload
    column embedded verbatim (it is stored canonical), keys in sorted order.

    The database's "identical" is as good as Python's: both quote strings as JSON, and two JSON string
    literals that are equal decode to the same value, so columns the database rebuilds into exactly the stored
    text are the columns Python would rebuild into it. Its "different" is not trusted: the two may escape the
    same text differently (``\\u001f`` against ``\\u001F``), so such a row is decided by Python's rebuild
    (:func:`rebuild_canonical`) before anything is reported.
    """
    c = _events.c
    if dialect == "postgresql":

        def quoted(column: ColumnElement[Any]) -> ColumnElement[str]:
            return func.coalesce(cast(func.pg_catalog.to_json(column), Text), _text("null"))

        instant = func.pg_catalog.to_char(
            func.pg_catalog.timezone("UTC", c.occurred_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
        )
    else:

        def quoted(column: ColumnElement[Any]) -> ColumnElement[str]:
            return func.coalesce(func.json_quote(column), _text("null"))

        # SQLAlchemy stores SQLite instants as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, types.UTCDateTime).
        stored = cast(c.occurred_at, Text)
        instant = func.substr(stored, 1, 10, type_=String) + _text("T") + func.substr(stored, 12) + _text("Z")

    def number(column: ColumnElement[Any]) -> ColumnElement[str]:
        return func.coalesce(cast(column, Text), _text("null"))

    head: list[ColumnElement[Any]] = [
        _text('{"actor":'),
        quoted(c.actor),
        _text(',"actor_role":'),
        quoted(c.actor_role),
        _text(',"chain":'),
        quoted(c.chain),
        _text(',"comment":'),
        quoted(c.comment),
        _text(',"from_state":'),
        quoted(c.from_state),
        _text(',"interface":'),
        quoted(c.interface),
        _text(',"occurred_at":"'),
        instant,
        _text('","os_user":'),
        quoted(c.os_user),
        _text(',"payload":'),
    ]
    tail: list[ColumnElement[Any]] = [
        _text(',"prev_hash":'),
        quoted(c.prev_hash),
        _text(',"procedure_id":'),
        number(c.procedure_id),
        _text(',"procedure_version":'),
        number(c.procedure_version),
        _text(',"seq":'),
        number(c.seq),
        _text(',"to_state":'),
        quoted(c.to_state),
        _text(',"trigger":'),
        quoted(c.trigger),
        _text("}"),
    ]
    # The short head and tail are joined on their own, so the long payload is copied twice rather than at every
    # step of one flat chain of `||`. (SQLAlchemy drops a bare Grouping there; type_coerce keeps it.)
    return (
        type_coerce(Grouping(reduce(add, head)), Text)
        + cast(c.payload, Text)
        + type_coerce(Grouping(reduce(add, tail)), Text)
    )


def scan_batch(query: Select[Any] | str, *, after: int, limit: int) -> Select[Any]:
    """One batch of the id-ordered scan verification makes (``query``: the scan, or a dialect's name)."""
    scan = scan_query(query) if isinstance(query, str) else query
    return scan.where(_events.c.id > after).order_by(_events.c.id).limit(limit)


def scan_query(dialect: str) -> Select[Any]:
    """What verification reads of each event. The canonical text comes as its stored UTF-8 bytes, which are
    what is hashed: no decoding into a string and encoding back (for Korean text the larger part of the cost)."""
    c = _events.c
    stored = (
        func.pg_catalog.convert_to(c.canonical, "UTF8", type_=LargeBinary)
        if dialect == "postgresql"
        else cast(c.canonical, LargeBinary)
    )
    return select(
        c.id,
        c.chain,
        c.seq,
        c.prev_hash,
        c.hash,
        stored.label("canonical"),
        (c.canonical == canonical_rebuild(dialect)).label("consistent"),
    )


def walk_query(dialect: str) -> Select[Any]:
    """:func:`scan_query` for the whole-trail walk, read by :func:`read_batches`' own cursor: the columns
    are checked beside the walk (:func:`suspect_rows`), so ``consistent`` says true. On PostgreSQL that cursor loads
    ``text`` as the bytes on the wire, so the canonical text needs no conversion, and the other strings are
    read as ``varchar`` (still str) whatever their column's type."""
    c = _events.c
    if dialect == "postgresql":
        strings = [cast(column, String) for column in (c.chain, c.prev_hash, c.hash)]
        stored: ColumnElement[Any] = c.canonical
    else:
        strings = [c.chain, c.prev_hash, c.hash]
        stored = cast(c.canonical, LargeBinary)
    chain, prev_hash, digest_ = strings
    return select(c.id, chain, c.seq, prev_hash, digest_, stored, true())  # columns: see suspects


def suspect_rows(engine: Engine, dialect: str, last_id: int) -> list[tuple[int, str, int]]:
    """(id, chain, seq) of the events up to ``last_id`` whose columns the database does not rebuild into their
    stored text. One statement that returns (almost) no rows: on a connection of its own, in a thread, it runs
    inside SQLite's C code or PostgreSQL's server without Python's lock, on the second core, while the walk
    hashes. The events are append-only, so reading them in another snapshot, bounded by the walk's last id,
    reads the same rows (an edit made between the two reads is one made after the verification; events the
    verifying transaction itself wrote and has not committed are not seen here, and keep only the walk's
    checks)."""
    query = suspects_query(dialect, last_id)
    with read_connection(engine) as conn:
        if dialect == "sqlite":
            conn.exec_driver_sql(f"PRAGMA mmap_size={_SQLITE_MMAP}")
        try:
            return [tuple(row) for row in conn.execute(query)]
        finally:
            if dialect == "sqlite":
                conn.exec_driver_sql("PRAGMA mmap_size=0")
            conn.rollback()


def suspects_query(dialect: str, last_id: int) -> Select[Any]:
    c = _events.c
    consistent = c.canonical == canonical_rebuild(dialect)
    # In id order PostgreSQL reads along the primary key, as the walk does; measured a little faster here (0.19-0.20
    # against 0.18-0.19 of hashlib) than the sequential scan it picks without the order.
    return select(c.id, c.chain, c.seq).where(c.id <= last_id, consistent.is_not(True)).order_by(c.id)


def verify_statements(dialect: str, last_id: int) -> dict[str, Select[Any]]:
    """The two statements a whole-trail verification runs side by side, for their query plans."""
    walk = scan_batch(walk_query(dialect).where(_events.c.id <= last_id), after=0, limit=SCAN_BATCH)
    return {"the walk, one batch": walk, "the columns, beside the walk": suspects_query(dialect, last_id)}


def read_batches(
    session: Session, dialect: str, last_id: int, batches: Queue[list[Sequence[Any]] | BaseException | None]
) -> None:
    """The walk's reader: id-ordered batches into ``batches``, then None (or the error that stopped it). It has
    the session's connection to itself while the walk runs: the walk asks nothing of the database meanwhile
    (its column checks come after, from :func:`suspect_rows`)."""
    try:
        driver = session.connection().connection.driver_connection
        engine_dialect = session.get_bind().dialect
        scan = walk_query(dialect).where(_events.c.id <= last_id)
        cursor = driver.cursor(binary=True) if dialect == "postgresql" else driver.cursor()
        if dialect == "postgresql":
            # Binary results carry text as its UTF-8 bytes: loaded as they are, the canonical text is hashed
            # without the server converting it or the client decoding it.
            from psycopg.types.string import ByteaBinaryLoader

            cursor.adapters.register_loader("text", ByteaBinaryLoader)
        else:
            # Read the file through a memory map for the scan: no read call and copy per page (half the time of
            # reading a row); set back afterwards, as the connection returns to the pool.
            cursor.execute(f"PRAGMA mmap_size={_SQLITE_MMAP}")
        try:
            after = 0
            while True:
                statement = scan_batch(scan, after=after, limit=SCAN_BATCH)
                cursor.execute(
                    str(statement.compile(dialect=engine_dialect, compile_kwargs={"literal_binds": True}))
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                batches.put(rows)
                after = rows[-1][0]
        finally:
            if dialect == "sqlite":
                cursor.execute("PRAGMA mmap_size=0")
            cursor.close()
        batches.put(None)
    except BaseException as exc:  # handed to the walk, which raises it
        batches.put(exc)
