"""`gcw backup`: the whole installation in one archive, taken while it runs.

Every table is read in ONE transaction that sees one snapshot (SQLite: one read transaction of the WAL, which
never blocks the writers; PostgreSQL: REPEATABLE READ, READ ONLY), so the archive holds a state the system was
in, never half an action. The chain heads are read in that snapshot too, and a checkpoint with exactly those
heads is written at once, in a short transaction of its own: the checkpoint row is what `gcw audit verify
--against-line` looks up, so the line printed is valid both on the live database and on any restored copy. The
archive carries that row with the snapshot's rows; it is the only thing a backup writes to the database besides
the record of the read (``audit_reads``, as ``gcw audit export`` records its export). No event is appended to
any chain.

The file is written next to its target under a temporary name, read back whole and checked (every table's rows
and SHA-256, every document's SHA-256) and only then renamed into place.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import chain_heads
from gcworkflow.audit.checkpoints import checkpoint_line, checkpoint_with
from gcworkflow.audit.queries import OPERATOR, Reader, record_read
from gcworkflow.audit.report import Progress
from gcworkflow.backup.archive import (
    CHECKPOINT,
    COMPRESSLEVEL,
    FORMAT,
    MANIFEST,
    README,
    TableEntry,
    column_kind,
    encoder,
    open_archive,
    reader,
    row_line,
    sorted_row_line,
)
from gcworkflow.canonical import format_instant
from gcworkflow.context import Context
from gcworkflow.db.models import AuditCheckpoint, Base, Document
from gcworkflow.db.session import Database, read_connection
from gcworkflow.errors import Conflict, Forbidden, GcwError
from gcworkflow.local_files import PATH_ADVICE, LocalFilesError, ensure_dir

__all__ = ["BackupSummary", "backup"]

BATCH = 5_000
OPERATOR_BASIS = "운영방침: 백업·복원은 데이터베이스 자격을 가진 운영자(operator)의 설치 작업"


@dataclass(frozen=True)
class BackupSummary:
    path: str
    dialect: str
    revision: str
    tables: int
    rows: int
    events: int
    documents: int
    document_bytes: int
    table_bytes: int
    size: int
    checkpoint_line: str
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def snapshot(db: Database) -> Iterator[Connection]:
    """One transaction that sees one snapshot of every table and writes nothing."""
    if db.dialect == "postgresql":
        connection = db.engine.connect().execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
    else:
        # A deferred BEGIN on SQLite: the first SELECT fixes the snapshot the WAL shows this reader.
        connection = read_connection(db.engine)
    with connection, connection.begin():
        yield connection


def _ordered(table: Table, names: list[str], dialect: str) -> Any:
    """``names``' columns in primary key order, text keys in byte order on PostgreSQL too (SQLite compares bytes
    already), so that the same rows make the same file on either database."""
    keys = list(table.primary_key.columns) or list(table.columns)
    order = [
        c.collate("C") if dialect == "postgresql" and column_kind(c) == "text" else c  # type: ignore[arg-type]
        for c in keys
    ]
    return select(*(table.c[name] for name in names)).order_by(*order)


def _write_table(
    archive: zipfile.ZipFile, connection: Connection, table: Table, extra: list[dict[str, Any]]
) -> TableEntry:
    """The table's rows as the driver returns them (SQLAlchemy's per-value processing costs more than the rest
    of the dump on a million events), each turned into its JSON value by the archive's codec."""
    dialect = connection.dialect.name
    columns = [(c.name, column_kind(c)) for c in table.columns]
    # The columns selected in name order, so that each row's dict is built with its keys sorted.
    columns.sort()
    names = [name for name, _ in columns]
    readers = [reader(kind, dialect) for _, kind in columns]
    plain = all(r is None for r in readers)
    digest, size, rows = hashlib.sha256(), 0, 0
    statement = str(_ordered(table, names, dialect).compile(dialect=connection.dialect))
    result = connection.execution_options(yield_per=BATCH).exec_driver_sql(statement)
    member = f"tables/{table.name}.jsonl"
    with archive.open(member, "w", force_zip64=True) as handle:

        def put(lines: list[bytes]) -> None:
            nonlocal size, rows
            data = b"".join(lines)
            handle.write(data)
            digest.update(data)
            size += len(data)
            rows += len(lines)

        for partition in result.partitions():
            if plain:
                put([sorted_row_line(dict(zip(names, row, strict=True))) for row in partition])
            else:
                put(
                    [
                        sorted_row_line(
                            {
                                name: value if read is None else read(value)
                                for name, read, value in zip(names, readers, row, strict=True)
                            }
                        )
                        for row in partition
                    ]
                )
        encoders = [(name, encoder(kind)) for name, kind in columns]
        put([row_line({name: enc(row[name]) for name, enc in encoders}) for row in extra])
    return TableEntry(table.name, tuple(columns), rows, size, digest.hexdigest())


def _checkpoint_row(
    ctx: Context, heads: dict[str, list[Any]], reader: Reader, now: datetime
) -> dict[str, Any]:
    """The checkpoint of the snapshot's heads, committed now so that its line names a row that exists."""
    with ctx.db.write() as session:
        row = checkpoint_with(session, heads, reader.username, now)
        return {c.name: getattr(row, c.name) for c in AuditCheckpoint.__table__.columns}


def backup(ctx: Context, reader: Reader, target: Path, progress: Progress | None = None) -> BackupSummary:
    """Write ``target`` (a ZIP, replaced atomically once it has been read back and checked). Only the operator
    (the CLI without --as: whoever holds the database credentials) backs up; the backup is recorded among the
    reads, refused or done."""
    parameters = {"target": str(target)}
    roles = (OPERATOR,)
    try:
        if reader.username != OPERATOR:
            roles = ()
            raise Forbidden(
                "백업은 운영자(--as 없는 operator)만 합니다: 모든 테이블(암호 해시·토큰 해시 포함)과 문서를 읽는 "
                f"설치 작업입니다 ({OPERATOR_BASIS}). --as와 GCW_USER 없이 실행하십시오."
            )
        summary = _backup(ctx, reader, target, progress)
    except GcwError as error:
        record_read(ctx, reader, roles, "backup", parameters, None, error.code)
        raise
    record_read(
        ctx,
        reader,
        roles,
        "backup",
        {**parameters, "checkpoint": summary.checkpoint_line},
        summary.rows,
        "ok",
    )
    return summary


def _backup(ctx: Context, reader: Reader, target: Path, progress: Progress | None) -> BackupSummary:
    assert ctx.store is not None
    if target.is_dir():
        raise LocalFilesError(
            "백업 파일", target, IsADirectoryError(errno.EISDIR, "is a folder"), PATH_ADVICE
        )
    ensure_dir(target.parent, "백업 파일의 폴더")
    try:
        fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=".gcw-backup-", suffix=".zip")
    except OSError as exc:
        raise LocalFilesError("백업 파일의 폴더", target.parent, exc) from exc
    os.close(fd)
    temp = Path(temp_name)
    now = ctx.clock.now()
    try:
        with zipfile.ZipFile(
            temp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESSLEVEL
        ) as archive:
            archive.writestr("README.txt", README)
            with snapshot(ctx.db) as connection:
                revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
                with Session(bind=connection) as session:
                    heads = {name: list(head) for name, head in chain_heads(session).items()}
                checkpoint = _checkpoint_row(ctx, heads, reader, now)
                tables = Base.metadata.sorted_tables
                entries = []
                for n, table in enumerate(tables, start=1):
                    extra = [checkpoint] if table is AuditCheckpoint.__table__ else []
                    entries.append(_write_table(archive, connection, table, extra))
                    if progress:
                        progress("테이블", n, len(tables))
                documents = connection.execute(
                    select(Document.sha256, func.max(Document.id))
                    .group_by(Document.sha256)
                    .order_by(Document.sha256)
                ).all()
            listed = _write_documents(ctx, archive, documents, progress)
            line = checkpoint_line(AuditCheckpoint(**checkpoint))
            manifest = {
                "format": FORMAT,
                "alembic_revision": revision,
                "dialect": ctx.db.dialect,
                "created_at": format_instant(now),
                "created_by": reader.username,
                "os_user": reader.os_user,
                "checkpoint": {"line": line, "heads": heads},
                "tables": [e.as_dict() for e in entries],
                "documents": [
                    {"sha256": sha, "size": size, "path": f"documents/{sha}"} for sha, size in listed
                ],
                "counts": {
                    "tables": len(entries),
                    "rows": sum(e.rows for e in entries),
                    "events": next(e.rows for e in entries if e.name == "audit_events"),
                    "documents": len(listed),
                },
            }
            archive.writestr(CHECKPOINT, line + "\n")
            archive.writestr(
                MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
            )
        # Read back whole before anyone is told it worked: a bad disk or a defect shows here, not at restore.
        opened = open_archive(temp, progress)
        opened.close()
        try:
            os.replace(temp, target)
        except OSError as exc:  # named by the file asked for, not by the temporary one
            raise LocalFilesError("백업 파일", target, exc, PATH_ADVICE) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return BackupSummary(
        str(target),
        ctx.db.dialect,
        revision,
        len(entries),
        manifest["counts"]["rows"],
        manifest["counts"]["events"],
        len(listed),
        sum(size for _, size in listed),
        sum(e.bytes for e in entries),
        target.stat().st_size,
        line,
        manifest["created_at"],
    )


def _write_documents(
    ctx: Context, archive: zipfile.ZipFile, documents: list[Any], progress: Progress | None
) -> list[tuple[str, int]]:
    """Every stored file the snapshot's documents reference, checked against its hash (an archive is only made
    of intact records, as `gcw audit export` holds)."""
    assert ctx.store is not None
    listed = []
    for n, (sha, document_id) in enumerate(documents, start=1):
        try:
            data = ctx.store.get(sha)
        except LookupError as exc:
            raise Conflict(
                f"문서 {document_id}번 파일이 문서 저장소에 없습니다: 백업할 수 없습니다 (gcw audit verify로 확인하십시오)"
            ) from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise Conflict(
                f"문서 {document_id}번 파일이 기록된 SHA-256과 다릅니다: 백업할 수 없습니다 (gcw audit verify로 확인하십시오)"
            )
        archive.writestr(f"documents/{sha}", data)
        listed.append((sha, len(data)))
        if progress:
            progress("문서", n, len(documents))
    return listed
