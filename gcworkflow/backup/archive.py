"""The backup archive: its format, how a table's rows become canonical JSON Lines and back, and the check that
an archive is whole before anyone trusts it.

A ZIP file with:

- ``manifest.json``: format, the Alembic revision and dialect of origin, when and by whom, the checkpoint line
  taken at the snapshot, and per table its file, columns (name and portable type), rows, bytes and SHA-256;
  per document its SHA-256 and size;
- ``tables/<table>.jsonl``: one row per line, canonical JSON (keys sorted, no spaces, UTF-8), rows in primary
  key order (text keys in byte order on both databases), so the same rows give the same bytes whichever
  database they came from. Instants are UTC ISO-8601 with microseconds and ``Z``, dates ISO dates, bytes base64;
- ``documents/<sha256>``: every file the documents table references, under its hash;
- ``checkpoint.txt`` (the line again, to print) and ``README.txt``.

Nothing here touches a database: :func:`open_archive` checks a file against its own manifest (every member's
row count and SHA-256, every document's hash) and names the first member that is wrong.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from gcworkflow.canonical import format_instant
from gcworkflow.db.types import UTCDateTime
from gcworkflow.errors import InvalidInput

__all__ = [
    "FORMAT",
    "MANIFEST",
    "Manifest",
    "TableEntry",
    "column_kind",
    "encoder",
    "open_archive",
    "reader",
    "row_line",
    "sorted_row_line",
    "table_of",
    "writer",
]

FORMAT = "gcw-backup/1"
MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint.txt"
# Deflate at its fastest level: bench/audit.py's events shrink 12-fold at level 1 and 15.6-fold at level 6,
# which took 2.2 times the CPU (measured on 60 MB of them): a quarter smaller is not worth it on a live server.
COMPRESSLEVEL = 1

README = """\
gcworkflow 백업 (gcw backup)

복원: 빈 데이터베이스를 GCW_DATABASE_URL로 지정하고 `gcw restore 이 파일.zip`
(SQLite·PostgreSQL 어느 쪽에서 만든 백업이든 어느 쪽으로나 복원됩니다).

- manifest.json: 형식, 스키마 판(Alembic), 만든 데이터베이스 종류, 만든 시각, 테이블마다 행 수·SHA-256,
  문서마다 SHA-256, 백업 시점의 체크포인트 줄.
- tables/: 테이블마다 한 줄에 한 행 (정규형 JSON: 시각은 UTC ISO-8601 마이크로초, 날짜는 ISO, 바이트는 base64).
- documents/: 문서 저장소의 파일 (파일 이름 = SHA-256).
- checkpoint.txt: 백업 시점의 체크포인트 줄. 데이터베이스 밖에 보관하면 복원한 기록이 백업 때와 같음을
  `gcw audit verify --against-line "그 줄"`로 증명할 수 있습니다.
"""

# A column's portable type, as the manifest names it.
KINDS = ("int", "text", "bool", "instant", "date", "bytes")


def column_kind(column: Column[Any]) -> str:
    """The portable type of a model column; a type this format cannot carry exactly is a defect to fix here."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "instant"
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    for cls, name in ((Boolean, "bool"), (Integer, "int"), (DateTime, "instant"), (Date, "date")):
        if isinstance(kind, cls):
            return name
    if isinstance(kind, String):  # Text too
        return "text"
    if isinstance(kind, LargeBinary):
        return "bytes"
    raise TypeError(f"{column.table.name}.{column.name}: no portable form for {kind!r}")


def encoder(kind: str) -> Callable[[Any], Any]:
    """Python value (as SQLAlchemy's column types return it) → JSON value."""
    if kind == "instant":
        return lambda v: None if v is None else format_instant(v)
    if kind == "date":
        return lambda v: None if v is None else v.isoformat()
    if kind == "bytes":
        return lambda v: None if v is None else base64.b64encode(bytes(v)).decode("ascii")
    if kind == "bool":
        return lambda v: None if v is None else bool(v)
    return lambda v: v


# --- the fast path: the driver's own values, without SQLAlchemy's per-value processing -----------------------
# A million events are read and written through these: SQLite keeps an instant as the text SQLAlchemy wrote
# ("2026-03-02 01:00:00.000000", UTC), PostgreSQL parses an ISO instant with its Z by itself, so neither side
# needs a datetime object. Each function is checked against SQLAlchemy's own processing by the tests, which
# compare a SQLite and a PostgreSQL dump of the same rows byte for byte.


def _instant_from_sqlite(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 26 and value[10] == " " and value[19] == ".":
        return f"{value[:10]}T{value[11:]}Z"
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return format_instant(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _instant_from_postgresql(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def _bytes_out(value: Any) -> str | None:
    return None if value is None else base64.b64encode(bytes(value)).decode("ascii")


def _bool_out(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _date_from_postgresql(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def reader(kind: str, dialect: str) -> Callable[[Any], Any] | None:
    """The driver's value → JSON value; None where the value is already its JSON form."""
    if kind == "instant":
        return _instant_from_postgresql if dialect == "postgresql" else _instant_from_sqlite
    if kind == "date":
        return _date_from_postgresql if dialect == "postgresql" else None
    if kind == "bool":
        return _bool_out
    if kind == "bytes":
        return _bytes_out
    return None


def _instant_to_sqlite(value: Any) -> str | None:
    if value is None:
        return None
    if not (isinstance(value, str) and len(value) == 27 and value[10] == "T" and value[26] == "Z"):
        raise ValueError(f"UTC 시각(…Z)이 아닙니다: {str(value)[:40]!r}")
    return f"{value[:10]} {value[11:26]}"


def _instant_to_postgresql(value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and len(value) == 27 and value[26] == "Z"):
        raise ValueError(f"UTC 시각(…Z)이 아닙니다: {str(value)[:40]!r}")
    return value


def _date_in(value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and len(value) == 10):
        raise ValueError(f"날짜가 아닙니다: {str(value)[:40]!r}")
    return value


def _bool_to_sqlite(value: Any) -> int | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"참·거짓 값이 아닙니다: {str(value)[:40]!r}")
    return None if value is None else int(value)


def _bool_to_postgresql(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"참·거짓 값이 아닙니다: {str(value)[:40]!r}")
    return value


def _bytes_in(value: Any) -> bytes | None:
    return None if value is None else base64.b64decode(value, validate=True)


def writer(kind: str, dialect: str) -> Callable[[Any], Any] | None:
    """JSON value → the value the driver inserts (SQLite by executemany, PostgreSQL by COPY, which parses text
    by the column's type); None where the JSON value goes in as it is."""
    postgresql = dialect == "postgresql"
    if kind == "instant":
        return _instant_to_postgresql if postgresql else _instant_to_sqlite
    if kind == "date":
        return _date_in
    if kind == "bool":
        return _bool_to_postgresql if postgresql else _bool_to_sqlite
    if kind == "bytes":
        return _bytes_in
    return None


def row_line(row: dict[str, Any]) -> bytes:
    """One row's line: canonical JSON (keys sorted, no spaces, UTF-8 unescaped) and a newline."""
    return orjson.dumps(row, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)


def sorted_row_line(row: dict[str, Any]) -> bytes:
    """:func:`row_line` of a dict whose keys were inserted in sorted order already: the same bytes, without
    orjson's sort, which costs more than the encoding itself on the events' 18 columns."""
    return orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)


_INSERT_TYPES: dict[str, TypeEngine[Any]] = {
    "int": BigInteger(),
    "text": Text(),
    "bool": Boolean(),
    "instant": UTCDateTime(),
    "date": Date(),
    "bytes": LargeBinary(),
}


@dataclass(frozen=True)
class TableEntry:
    name: str
    columns: tuple[tuple[str, str], ...]  # (name, kind)
    rows: int
    bytes: int
    sha256: str

    @property
    def member(self) -> str:
        return f"tables/{self.name}.jsonl"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "file": self.member,
            "columns": [{"name": n, "type": k} for n, k in self.columns],
            "rows": self.rows,
            "bytes": self.bytes,
            "sha256": self.sha256,
        }

    @classmethod
    def of(cls, item: Any) -> TableEntry:
        if not isinstance(item, dict):
            raise ValueError("테이블 항목이 객체가 아닙니다")
        columns = tuple((str(c["name"]), str(c["type"])) for c in item["columns"])
        if any(kind not in KINDS for _, kind in columns) or not columns:
            raise ValueError(f"{item['name']} 테이블의 열 형식을 알 수 없습니다")
        entry = cls(str(item["name"]), columns, int(item["rows"]), int(item["bytes"]), str(item["sha256"]))
        if item.get("file") != entry.member or not entry.name.isidentifier():
            raise ValueError(f"{entry.name} 테이블의 파일 이름이 형식과 다릅니다")
        return entry


def table_of(entry: TableEntry) -> Table:
    """A Core table to insert the entry's rows with, typed from the manifest (not from today's models, so that
    an archive of an older schema revision loads as it was written)."""
    return Table(entry.name, MetaData(), *(Column(n, _INSERT_TYPES[k]) for n, k in entry.columns))


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]
    tables: tuple[TableEntry, ...]
    documents: tuple[tuple[str, int], ...]  # (sha256, size)

    @property
    def revision(self) -> str:
        return str(self.data["alembic_revision"])

    @property
    def checkpoint_line(self) -> str:
        return str(self.data["checkpoint"]["line"])

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def table(self, name: str) -> TableEntry | None:
        return next((t for t in self.tables if t.name == name), None)

    @property
    def events(self) -> int:
        events = self.table("audit_events")
        return events.rows if events else 0

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        """Raises ValueError with a Korean message."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ValueError("JSON이 아닙니다") from None
        if not isinstance(data, dict):
            raise ValueError("객체가 아닙니다")
        if data.get("format") != FORMAT:
            raise ValueError(
                f"알 수 없는 백업 형식입니다: {str(data.get('format'))[:80]!r} (이 프로그램: {FORMAT})"
            )
        try:
            tables = tuple(TableEntry.of(item) for item in data["tables"])
            documents = tuple((str(d["sha256"]), int(d["size"])) for d in data["documents"])
            for key in ("alembic_revision", "dialect", "created_at"):
                if not isinstance(data[key], str):
                    raise ValueError(key)
            if not isinstance(data["checkpoint"]["line"], str):
                raise ValueError("checkpoint")
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"필요한 항목이 없거나 형식이 다릅니다 ({exc})") from None
        if len({t.name for t in tables}) != len(tables):
            raise ValueError("같은 테이블이 두 번 있습니다")
        for sha, _size in documents:
            if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
                raise ValueError(f"문서의 SHA-256 값이 올바르지 않습니다: {sha[:80]!r}")
        return cls(data, tables, documents)


def _refuse(path: Path, member: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"백업 파일 {path}의 {member} 항목이 잘못되었습니다: {why}. 이 파일로는 복원할 수 없습니다."
    )


def _lines(handle: Any) -> Iterator[bytes]:
    """A member's lines, read a megabyte at a time (ZipExtFile's own readline is several times slower)."""
    rest = b""
    while chunk := handle.read(1 << 20):
        lines = (rest + chunk).split(b"\n")
        rest = lines.pop()
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


class OpenedArchive:
    """An archive checked against its manifest (:func:`open_archive`): its documents, and its tables (or, when
    opened for a restore, each table as its rows are read)."""

    def __init__(self, path: Path, archive: zipfile.ZipFile, manifest: Manifest) -> None:
        self.path = path
        self.zip = archive
        self.manifest = manifest

    def rows(self, entry: TableEntry, dialect: str) -> Iterator[tuple[Any, ...]]:
        """The entry's rows as the driver of ``dialect`` inserts them, in column order. The member is hashed and
        counted on the way; at its end a difference from the manifest is refused naming it, so that the caller's
        transaction rolls back with nothing written."""
        names = [name for name, _ in entry.columns]
        converters = [writer(kind, dialect) for _, kind in entry.columns]
        digest, size, number = hashlib.sha256(), 0, 0
        try:
            with self.zip.open(entry.member) as handle:
                for number, line in enumerate(_lines(handle), start=1):
                    digest.update(line)
                    size += len(line)
                    try:
                        item = orjson.loads(line)
                        if len(item) != len(names):
                            raise ValueError("열이 목록(manifest.json)과 다릅니다")
                        values = [item[n] for n in names]
                    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                        raise _refuse(
                            self.path, f"{entry.member} {number}번째 줄", str(exc) or "열이 없습니다"
                        ) from None
                    try:
                        yield tuple(v if f is None else f(v) for f, v in zip(converters, values, strict=True))
                    except (TypeError, ValueError, zlib.error) as exc:
                        raise _refuse(self.path, f"{entry.member} {number}번째 줄", str(exc)) from None
        except KeyError:
            raise _refuse(self.path, entry.member, "파일에 없습니다 (삭제됨)") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise _refuse(self.path, entry.member, f"읽을 수 없습니다 (손상됨: {exc})") from None
        _compare(self.path, entry, digest.hexdigest(), size, number)

    def document(self, sha256: str) -> bytes:
        return self.zip.read(f"documents/{sha256}")

    def close(self) -> None:
        self.zip.close()


def open_archive(
    path: Path, progress: Callable[[str, int, int], None] | None = None, *, tables: bool = True
) -> OpenedArchive:
    """Open ``path`` and check it: the manifest, every document's SHA-256 and presence and, with ``tables``,
    every table file's rows and SHA-256 (a restore checks those as it reads them, in the transaction that
    rolls back on a difference). Refused (``invalid_input``) naming the first member that is wrong; nothing
    is written anywhere."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise InvalidInput(f"백업 파일이 없습니다: {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"백업 파일이 아니라 폴더입니다: {path}") from None
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise InvalidInput(
            f"백업 파일을 읽을 수 없습니다: {path} (ZIP 파일이 아니거나 손상되었습니다: {exc})"
        ) from None
    try:
        manifest = _check(path, archive, progress, tables)
    except BaseException:
        archive.close()
        raise
    return OpenedArchive(path, archive, manifest)


def _compare(path: Path, entry: TableEntry, sha: str, size: int, lines: int) -> None:
    if sha != entry.sha256 or size != entry.bytes:
        raise _refuse(path, entry.member, "내용이 목록(manifest.json)의 SHA-256과 다릅니다 (변조·손상됨)")
    if lines != entry.rows:
        raise _refuse(path, entry.member, f"행 수가 목록과 다릅니다 ({lines:,}행, 목록 {entry.rows:,}행)")


def _member_digest(path: Path, archive: zipfile.ZipFile, member: str) -> tuple[str, int, int]:
    """SHA-256, byte count and line count of one member, read through (ZIP's own CRC is checked on the way)."""
    digest, size, lines = hashlib.sha256(), 0, 0
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                lines += chunk.count(b"\n")
    except KeyError:
        raise _refuse(path, member, "파일에 없습니다 (삭제됨)") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise _refuse(path, member, f"읽을 수 없습니다 (손상됨: {exc})") from None
    return digest.hexdigest(), size, lines


def _check(
    path: Path, archive: zipfile.ZipFile, progress: Callable[[str, int, int], None] | None, tables: bool
) -> Manifest:
    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise InvalidInput(
            f"백업 파일이 아닙니다: {path} ({MANIFEST}가 없습니다; gcw backup으로 만든 파일인지 확인하십시오)"
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise _refuse(path, MANIFEST, f"읽을 수 없습니다 (손상됨: {exc})") from None
    try:
        manifest = Manifest.parse(raw)
    except ValueError as exc:
        raise _refuse(path, MANIFEST, str(exc)) from None
    present = set(archive.namelist())
    for n, entry in enumerate(manifest.tables, start=1):
        if not tables:
            if entry.member not in present:
                raise _refuse(path, entry.member, "파일에 없습니다 (삭제됨)")
            continue
        _compare(path, entry, *_member_digest(path, archive, entry.member))
        if progress:
            progress("테이블 검사", n, len(manifest.tables))
    for n, (sha, size) in enumerate(manifest.documents, start=1):
        member = f"documents/{sha}"
        actual, length, _ = _member_digest(path, archive, member)
        if actual != sha or length != size:
            raise _refuse(path, member, "내용이 파일 이름(SHA-256)과 다릅니다 (변조·손상됨)")
        if progress:
            progress("문서 검사", n, len(manifest.documents))
    return manifest
