"""`gcw restore`: an archive of `gcw backup` into an EMPTY database of either dialect.

In this order, so that a refusal changes nothing: the manifest and every document are checked (a wrong member
is named); the archive's schema revision must be one this program knows; the database must be empty: no table
at all, or the schema at the archive's revision holding nothing but the rows its migrations write (the
``system`` user). Then, in ONE transaction that holds the database as `gcw db upgrade` does
(:func:`gcworkflow.db.migrate.holding_schema`), Alembic creates the schema at the archive's revision, every row
is inserted in dependency order (PostgreSQL by ``COPY``, its sequences then set past the largest id) while each
table file is hashed and counted, and an archive of an older revision is brought to this program's head by the
same migrations as `gcw db upgrade`. A table file that differs from the manifest is refused by its name at its
end, and that, like any other failure, rolls the whole transaction back: nothing was written. (Checking the
tables in a pass of their own first would read a million events' two gigabytes twice.) The documents are then put into the configured store
and the audit trail is verified against the archive's checkpoint line (or one the operator kept outside),
exactly as `gcw audit verify --against-line` does. The restore is recorded among the reads, with its
verification's outcome.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Connection, delete, func, inspect, select, table, text
from sqlalchemy.exc import DBAPIError

from gcworkflow.audit.checkpoints import CheckpointLine
from gcworkflow.audit.queries import OPERATOR, Reader, record_read
from gcworkflow.audit.report import Progress, VerifyReport
from gcworkflow.audit.verify import verify_database
from gcworkflow.backup.archive import OpenedArchive, TableEntry, encoder, open_archive, row_line, table_of
from gcworkflow.context import Context
from gcworkflow.db.migrate import alembic_config, holding_schema, upgrade
from gcworkflow.db.session import make_engine
from gcworkflow.errors import Conflict, Forbidden, InvalidInput
from gcworkflow.korean import with_particle

__all__ = ["RestoreSummary", "restore"]

BATCH = 10_000
VERSION_TABLE = "alembic_version"


@dataclass(frozen=True)
class RestoreSummary:
    path: str
    database: str
    dialect: str
    origin_dialect: str
    revision: str
    head: str
    tables: int
    rows: int
    events: int
    documents: int
    checkpoint_line: str
    report: VerifyReport

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "report"}
        return {**data, "verified": self.report.ok, "verify": self.report.as_dict()}


def _revisions(url: str, revision: str) -> str:
    """This program's head; refused when the archive's revision is not one of its migrations."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head() or ""
    try:
        known = script.get_revision(revision) is not None
    except CommandError:  # ResolutionError and the other RevisionErrors are CommandErrors
        known = False
    if not known:
        raise InvalidInput(
            f"이 백업의 스키마 판({revision})을 이 프로그램이 모릅니다 (이 프로그램의 최신 판: {head}). 백업을 만든 "
            "gcworkflow와 같거나 새로운 판으로 복원하십시오."
        )
    return head


def _rows(connection: Connection, entry: TableEntry) -> list[bytes]:
    """A table's rows as the archive writes them (its codec), to compare with what a migration seeds."""
    encoders = [(name, encoder(kind)) for name, kind in entry.columns]
    return [
        row_line({name: enc(row._mapping[name]) for name, enc in encoders})
        for row in connection.execute(select(table_of(entry)))
    ]


def _seeded(revision: str, manifest_tables: tuple[TableEntry, ...]) -> dict[str, list[bytes]]:
    """The rows the migrations themselves write up to ``revision`` (the ``system`` user and its role), found
    by migrating a scratch SQLite file: a database holding only these is empty for a restore."""
    with tempfile.TemporaryDirectory(prefix="gcw-restore-") as folder:
        url = f"sqlite:///{Path(folder) / 'seeded.sqlite3'}"
        upgrade(url, revision)
        engine = make_engine(url)
        try:
            with engine.connect() as connection:
                return {entry.name: _rows(connection, entry) for entry in manifest_tables}
        finally:
            engine.dispose()


def _count(connection: Connection, name: str) -> int:
    return connection.execute(select(func.count()).select_from(table(name))).scalar_one()


def _occupied(connection: Connection, tables: tuple[TableEntry, ...], revision: str) -> str | None:
    """Why this database is not an empty one to restore into, or None. Empty: no table at all, or the schema
    at the archive's revision holding nothing but what its migrations wrote."""
    names = set(inspect(connection).get_table_names())
    if not names:
        return None
    if VERSION_TABLE not in names:
        return f"gcworkflow의 것이 아닌 테이블이 있습니다: {', '.join(sorted(names)[:5])}"
    current = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    seeded: dict[str, list[bytes]] | None = None
    listed = {entry.name: entry for entry in tables}
    for name in sorted(names - {VERSION_TABLE}):
        count = _count(connection, name)
        if not count:
            continue
        if current == revision and name in listed:
            seeded = _seeded(revision, tables) if seeded is None else seeded
            if count <= len(seeded[name]) and set(_rows(connection, listed[name])) <= set(seeded[name]):
                continue  # what the migrations wrote, written again from the archive
        return f"{name} 테이블에 행이 {count:,}개 있습니다"
    if current != revision:
        return f"스키마가 이미 {current or '알 수 없는'} 판으로 만들어져 있습니다 (백업은 {revision} 판)"
    return None


def restore(
    ctx: Context,
    reader: Reader,
    path: Path,
    against: CheckpointLine | None = None,
    progress: Progress | None = None,
) -> RestoreSummary:
    if reader.username != OPERATOR:
        raise Forbidden(
            "복원은 운영자(--as 없는 operator)만 합니다: 빈 데이터베이스 전체를 쓰는 설치 작업이라 (gcw init, "
            "gcw db upgrade와 같이) 아직 사용자가 없습니다. --as와 GCW_USER 없이 실행하십시오."
        )
    assert ctx.store is not None
    url = ctx.db.url
    opened = open_archive(path, progress, tables=False)
    try:
        manifest = opened.manifest
        try:
            line = CheckpointLine.parse(manifest.checkpoint_line)
        except ValueError as exc:
            raise InvalidInput(f"백업 파일 {path}의 manifest.json 항목이 잘못되었습니다: {exc}") from None
        head = _revisions(url, manifest.revision)
        # Asked first without holding anything, so that a restore aimed at a live database by mistake is refused
        # at once; asked again below under the migration's lock, where nothing can slip in between.
        with ctx.db.engine.connect() as connection:
            _refuse_unless_empty(ctx, _occupied(connection, manifest.tables, manifest.revision))
        # Schema, rows and sequences in ONE transaction: a refusal or a failure leaves the database as it was.
        with holding_schema(url) as connection:
            _refuse_unless_empty(ctx, _occupied(connection, manifest.tables, manifest.revision))
            command.upgrade(alembic_config(url, connection), manifest.revision)
            _load(connection, opened, progress)
            if manifest.revision != head:
                command.upgrade(alembic_config(url, connection), head)
        for n, (sha, _size) in enumerate(manifest.documents, start=1):
            ctx.store.put(opened.document(sha))
            if progress:
                progress("문서", n, len(manifest.documents))
    finally:
        opened.close()
    report = verify_database(ctx.db, ctx.store, against=against or line)
    summary = RestoreSummary(
        str(path),
        ctx.db.describe(),
        ctx.db.dialect,
        str(manifest.data["dialect"]),
        manifest.revision,
        head,
        len(manifest.tables),
        manifest.rows,
        manifest.events,
        len(manifest.documents),
        str(against or line),
        report,
    )
    record_read(
        ctx,
        reader,
        (OPERATOR,),
        "restore",
        {"archive": str(path), "against": str(against or line), "origin": manifest.data["dialect"]},
        report.events,
        "ok" if report.ok else "failed",
    )
    return summary


def _refuse_unless_empty(ctx: Context, occupied: str | None) -> None:
    if occupied:
        raise Conflict(
            f"빈 데이터베이스에만 복원합니다: {ctx.db.describe()}에 이미 기록이 있습니다 ({occupied}). 아무것도 "
            "바꾸지 않았습니다. 새 데이터베이스(예: createdb)나 새 SQLite 파일을 GCW_DATABASE_URL로 지정하십시오."
        )


def _load(connection: Connection, opened: OpenedArchive, progress: Progress | None) -> None:
    """Every table's rows in the manifest's order (the models' dependency order). What the migrations seeded
    (the ``system`` user) goes first: the archive holds those rows as the original database had them."""
    manifest = opened.manifest
    postgresql = connection.dialect.name == "postgresql"
    present = set(inspect(connection).get_table_names())
    missing = [t.name for t in manifest.tables if t.name not in present]
    if missing:
        raise InvalidInput(
            f"백업의 테이블 {with_particle(', '.join(missing), '이')} {manifest.revision} 판 스키마에 없습니다: "
            "백업 파일이 그 판의 것이 아닙니다."
        )
    # A table the schema has and the manifest does not list would come back empty, its records silently lost.
    unlisted = sorted(present - {VERSION_TABLE} - {t.name for t in manifest.tables})
    if unlisted:
        raise InvalidInput(
            f"백업 파일 {opened.path}의 manifest.json 항목이 잘못되었습니다: {manifest.revision} 판 스키마의 테이블 "
            f"{with_particle(', '.join(unlisted), '이')} 목록에 없습니다. 이 파일로는 복원할 수 없습니다."
        )
    for entry in reversed(manifest.tables):
        connection.execute(delete(table(entry.name)))
    for n, entry in enumerate(manifest.tables, start=1):
        rows = opened.rows(entry, connection.dialect.name)
        try:
            if postgresql:
                _copy(connection, entry, rows)
            else:
                _executemany(connection, entry, rows)
        except DBAPIError as exc:
            raise InvalidInput(
                f"백업의 {entry.name} 테이블 행을 넣지 못했습니다: {str(exc.orig).splitlines()[0][:300]}. "
                "아무것도 바꾸지 않았습니다."
            ) from None
        if progress:
            progress("테이블 복원", n, len(manifest.tables))
    if postgresql:
        _reset_sequences(connection, manifest.tables)


def _columns(entry: TableEntry) -> str:
    return ", ".join(f'"{name}"' for name, _ in entry.columns)


def _copy(connection: Connection, entry: TableEntry, rows: Iterator[tuple[Any, ...]]) -> None:
    """PostgreSQL's bulk path, in the restore's own transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{entry.name}" ({_columns(entry)}) FROM STDIN') as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _executemany(connection: Connection, entry: TableEntry, rows: Iterator[tuple[Any, ...]]) -> None:
    """SQLite's: the driver's executemany in batches, in the restore's own transaction."""
    driver = connection.connection.driver_connection
    assert driver is not None
    marks = ", ".join("?" * len(entry.columns))
    statement = f'INSERT INTO "{entry.name}" ({_columns(entry)}) VALUES ({marks})'
    while batch := list(islice(rows, BATCH)):
        driver.executemany(statement, batch)


def _reset_sequences(connection: Connection, tables: tuple[TableEntry, ...]) -> None:
    """Each serial column's sequence just past the largest id restored, so the next row gets a new one."""
    for entry in tables:
        for name, kind in entry.columns:
            if kind != "int":
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": entry.name, "c": name}
            ).scalar()
            if sequence is None:
                continue
            connection.execute(
                text(
                    f'SELECT setval(:s, COALESCE((SELECT MAX("{name}") FROM "{entry.name}"), 0) + 1, false)'
                ),
                {"s": sequence},
            )
