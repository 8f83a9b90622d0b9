"""`gcw backup` and `gcw restore` (issue 16): one consistent archive taken while actions go on, restored into an
empty database of either dialect with the same events, byte for byte; a damaged archive or a database that is
not empty refused, changing nothing."""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import zipfile
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from gcworkflow import audit, contacts, engine, holiday_overrides
from gcworkflow.audit.queries import OPERATOR, Filters, Page, Reader, actions
from gcworkflow.backup import backup, open_archive, restore
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, AuditRead, Base, Procedure
from gcworkflow.errors import Conflict, Forbidden, GcwError, InvalidInput
from gcworkflow.settings import Settings
from gcworkflow.web.accounts import create_token
from tests.cli import Gcw
from tests.fresh import PG_URL, empty_postgres, footprint
from tests.support import (
    ADMIN,
    APPROVER,
    AUDITOR,
    CLERK,
    actor,
    context_for,
    designated_gumi,
    fire,
    gumi_plan,
    open_gumi,
)

OPERATOR_READER = Reader(OPERATOR, interface="cli", os_user="tester")
# Tables a backup or a restore itself adds a row to: the backup's checkpoint, the record of the read.
GROWING = {"audit_checkpoints", "audit_reads"}
# Tables the seeded installation leaves empty: the web desk's sign-ins, the flows' runs, the local number series
# (its numbers come from the ministry's register).
EMPTY_HERE = {"job_runs", "login_attempts", "web_sessions", "sign_in_throttle", "number_series"}


def _context(tmp_path: Path, name: str, url: str | None = None) -> Context:
    folder = tmp_path / name
    return context_for(
        Settings(var_dir=folder / "var", database_url=url or f"sqlite:///{folder / 'gcw.sqlite3'}")
    )


@pytest.fixture
def elsewhere(ctx: Context, tmp_path: Path) -> Iterator[Context]:
    """An empty database of the same dialect as ``ctx``'s (no schema at all), with a document store of its own."""
    if ctx.db.dialect == "postgresql":
        with empty_postgres("restore") as url:
            target = _context(tmp_path, "restored", url)
            yield target
            target.db.dispose()
        return
    target = _context(tmp_path, "restored")
    yield target
    target.db.dispose()


def _manifest(path: Path) -> dict[str, Any]:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def _lines(path: Path, table: str) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"tables/{table}.jsonl").decode().splitlines()


def _chain(ctx: Context, pid: int) -> list[tuple[int, str, str]]:
    with ctx.db.read() as session:
        return [
            tuple(r)
            for r in session.execute(
                select(AuditEvent.seq, AuditEvent.hash, AuditEvent.canonical)
                .where(AuditEvent.procedure_id == pid)
                .order_by(AuditEvent.seq)
            )
        ]


def _version(ctx: Context, pid: int) -> int:
    with ctx.db.read() as session:
        return session.get(Procedure, pid).version


# --- (1) a backup taken while actions go on is a state the system was in ------------------------------------


def test_a_backup_during_a_stream_of_actions_is_one_state_the_system_was_in(
    ctx: Context, elsewhere: Context, tmp_path: Path
) -> None:
    pid = open_gumi(ctx)
    plan = gumi_plan()
    versions = [_version(ctx, pid)]
    started, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def stream() -> None:
        """Record the plan again and again until the backup is over, then once more."""
        try:
            while True:
                finished = done.is_set()
                versions.append(fire(ctx, pid, "record_plan", content=plan).version)
                started.set()
                if finished:
                    return
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)
            started.set()

    worker = threading.Thread(target=stream)
    worker.start()
    started.wait()
    try:
        summary = backup(ctx, OPERATOR_READER, tmp_path / "live.zip")
    finally:
        done.set()
        worker.join()
    assert not failures, failures
    restored = restore(elsewhere, OPERATOR_READER, tmp_path / "live.zip")
    assert restored.report.ok, restored.report.lines()

    # The copy is one of the states the live procedure went through: neither the first nor the last (the backup
    # began after an action and an action followed it), and its chain is the live chain's beginning.
    version = _version(elsewhere, pid)
    assert version in versions[1:-1], (version, versions)
    live, copy = _chain(ctx, pid), _chain(elsewhere, pid)
    assert copy == live[: len(copy)] and len(copy) < len(live)
    with elsewhere.db.read() as session:
        assert session.execute(select(func.count()).select_from(AuditEvent)).scalar_one() == summary.events
    # Its checkpoint line holds on the live database too, where the backup recorded it.
    line = audit.CheckpointLine.parse(summary.checkpoint_line)
    assert audit.verify_database(ctx.db, ctx.store, against=line).ok
    assert audit.verify_database(elsewhere.db, elsewhere.store, against=line).ok


# --- (2) SQLite → PostgreSQL → SQLite ------------------------------------------------------------------------


def _seed(ctx: Context) -> None:
    """Procedures of three kinds (one designated: facts, plan versions, numbers, deadlines, outbox letters, the
    notice PDF), a holiday override, a contact, an API token, a refusal and an auditor's read."""
    cluster_id, _designation = designated_gumi(ctx)
    engine.open_procedure(ctx, actor(CLERK), "plan_change", cluster_id=cluster_id, approver=APPROVER)
    basic = engine.open_procedure(ctx, actor(CLERK), "basic_plan", cluster_id=None, approver=APPROVER)
    holiday_overrides.add_holiday(
        ctx, actor(ADMIN), date(2026, 6, 2), "임시공휴일", "시험: 백업에 실리는 조정"
    )
    contacts.set_contact(ctx, actor(ADMIN), "governor:47", "gyeongbuk@example.kr", unit="환경정책과")
    create_token(ctx, actor(ADMIN), CLERK, "clerk", "백업 시험 스크립트")
    with pytest.raises(GcwError):
        fire(ctx, basic.procedure_id, "request_governor_opinions")
    actions(ctx, Reader(AUDITOR), Filters(), Page(10))


def _round(source: Context, target: Context, archive: Path) -> Path:
    summary = backup(source, OPERATOR_READER, archive)
    restored = restore(target, OPERATOR_READER, archive)
    assert restored.report.ok, restored.report.lines()
    assert restored.checkpoint_line == summary.checkpoint_line
    return archive


def test_sqlite_to_postgresql_and_back_keeps_every_table(sqlite_template: Path, tmp_path: Path) -> None:
    first = _context(tmp_path, "first")
    shutil.copyfile(sqlite_template, tmp_path / "first" / "gcw.sqlite3")
    _seed(first)
    back = _context(tmp_path, "back")
    # Without GCW_TEST_DATABASE_URL (CI sets it) the move goes SQLite → SQLite → SQLite.
    with empty_postgres("move") if PG_URL else nullcontext() as pg_url:
        middle = _context(tmp_path, "middle", pg_url) if pg_url else _context(tmp_path, "middle")
        archives = [
            _round(first, middle, tmp_path / "1-first.zip"),
            _round(middle, back, tmp_path / "2-middle.zip"),
        ]
        middle.db.dispose()
    archives.append(tmp_path / "3-back.zip")
    backup(back, OPERATOR_READER, archives[-1])
    manifests = [_manifest(a) for a in archives]
    assert [m["dialect"] for m in manifests] == ["sqlite", "postgresql" if PG_URL else "sqlite", "sqlite"]
    assert {t["name"] for t in manifests[0]["tables"]} == set(Base.metadata.tables)
    for n, entry in enumerate(manifests[0]["tables"]):
        name = entry["name"]
        if name in GROWING:
            # Every row the first database had, and after them only what the backups and restores wrote.
            rows = [_lines(a, name) for a in archives]
            assert rows[0] == rows[1][: len(rows[0])] and rows[1] == rows[2][: len(rows[1])], name
        else:
            # Byte for byte, whichever database the rows were read from.
            assert {m["tables"][n]["sha256"] for m in manifests} == {entry["sha256"]}, name
            assert entry["rows"] > 0 or name in EMPTY_HERE, name
    assert manifests[0]["documents"] == manifests[2]["documents"] != []
    for document in manifests[0]["documents"]:
        assert back.store.get(document["sha256"]) == first.store.get(document["sha256"])
    # The chain heads are the same, and so is every event's hashed text.
    with first.db.read() as one, back.db.read() as other:
        assert audit.chain.chain_heads(one) == audit.chain.chain_heads(other)
    first.db.dispose()
    back.db.dispose()


# --- (3) a damaged archive is refused by name, before anything is written ------------------------------------


def _rewritten(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """``source`` with members replaced (or dropped, for None) and written as a new, well-formed ZIP."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info.filename))
            if data is not None:
                new.writestr(info.filename, data)
    return target


def test_a_damaged_archive_is_refused_by_the_name_of_what_is_wrong(
    ctx: Context, elsewhere: Context, tmp_path: Path
) -> None:
    _cluster, pid = designated_gumi(ctx)
    good = tmp_path / "good.zip"
    summary = backup(ctx, OPERATOR_READER, good)
    assert summary.documents and summary.events
    manifest = _manifest(good)
    sha = manifest["documents"][0]["sha256"]
    with zipfile.ZipFile(good) as archive:
        events = archive.read("tables/audit_events.jsonl")
        document = archive.read(f"documents/{sha}")
    one_byte = bytearray(events)
    one_byte[len(one_byte) // 2] ^= 0x01
    cases = {
        "tables/audit_events.jsonl": _rewritten(
            good, tmp_path / "a.zip", {"tables/audit_events.jsonl": bytes(one_byte)}
        ),
        f"documents/{sha}": _rewritten(good, tmp_path / "b.zip", {f"documents/{sha}": document[:-1] + b"!"}),
        f"documents/{sha} 항목이 잘못되었습니다: 파일에 없습니다": _rewritten(
            good, tmp_path / "c.zip", {f"documents/{sha}": None}
        ),
        "manifest.json": _rewritten(
            good, tmp_path / "d.zip", {"manifest.json": b'{"format": "gcw-backup/1"}'}
        ),
        "tables/facts.jsonl 항목이 잘못되었습니다: 행 수가": _rewritten(
            good,
            tmp_path / "e.zip",
            {"manifest.json": json.dumps(_with_rows(manifest, "facts", +1)).encode()},
        ),
    }
    # One byte changed inside the compressed file itself: ZIP's own check names the member.
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("tables/audit_events.jsonl")
    raw[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0x01
    (tmp_path / "f.zip").write_bytes(raw)
    cases["tables/audit_events.jsonl 항목이 잘못되었습니다"] = tmp_path / "f.zip"
    before = footprint(elsewhere.db.url, elsewhere.settings.var_dir)
    for named, path in cases.items():
        with pytest.raises(InvalidInput) as refused:
            restore(elsewhere, OPERATOR_READER, path)
        assert named in refused.value.message, refused.value.message
        assert "복원할 수 없습니다" in refused.value.message
        assert footprint(elsewhere.db.url, elsewhere.settings.var_dir) == before
    # A manifest that leaves a table out (and its file with it) would restore it empty: refused by name too.
    fewer = {**manifest, "tables": [t for t in manifest["tables"] if t["name"] != "facts"]}
    partial = _rewritten(
        good,
        tmp_path / "h.zip",
        {"manifest.json": json.dumps(fewer).encode(), "tables/facts.jsonl": None},
    )
    with pytest.raises(InvalidInput) as refused:
        restore(elsewhere, OPERATOR_READER, partial)
    assert "manifest.json 항목이 잘못되었습니다" in refused.value.message and "facts" in refused.value.message
    assert footprint(elsewhere.db.url, elsewhere.settings.var_dir) == before
    # A schema revision this program does not know (an archive of a newer gcworkflow) is said as such.
    newer = _rewritten(
        good,
        tmp_path / "g.zip",
        {"manifest.json": json.dumps({**manifest, "alembic_revision": "9999"}).encode()},
    )
    with pytest.raises(InvalidInput) as refused:
        restore(elsewhere, OPERATOR_READER, newer)
    assert "스키마 판(9999)을 이 프로그램이 모릅니다" in refused.value.message
    assert footprint(elsewhere.db.url, elsewhere.settings.var_dir) == before
    # The good one restores, and its copy of the trail verifies.
    assert restore(elsewhere, OPERATOR_READER, good).report.ok
    assert _chain(elsewhere, pid) == _chain(ctx, pid)


def _with_rows(manifest: dict[str, Any], table: str, more: int) -> dict[str, Any]:
    changed = json.loads(json.dumps(manifest))
    for entry in changed["tables"]:
        if entry["name"] == table:
            entry["rows"] += more
    return changed


def test_a_file_that_is_not_a_backup_is_refused(ctx: Context, tmp_path: Path) -> None:
    note = tmp_path / "note.zip"
    note.write_text("not a zip", encoding="utf-8")
    export = tmp_path / "export.zip"
    with zipfile.ZipFile(export, "w") as archive:
        archive.writestr("events.jsonl", "")
    for path, said in (
        (note, "ZIP 파일이 아니거나 손상되었습니다"),
        (export, "manifest.json가 없습니다"),
        (tmp_path / "missing.zip", "백업 파일이 없습니다"),
        (tmp_path, "폴더입니다"),
    ):
        with pytest.raises(InvalidInput) as refused:
            open_archive(path)
        assert said in refused.value.message


# --- (4) a database that is not empty is refused, and nothing changes ---------------------------------------


def test_restoring_into_a_database_with_records_is_refused_and_changes_nothing(
    ctx: Context, tmp_path: Path
) -> None:
    pid = open_gumi(ctx)
    archive = tmp_path / "self.zip"
    backup(ctx, OPERATOR_READER, archive)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    before = footprint(ctx.db.url, ctx.settings.var_dir)
    with pytest.raises(Conflict) as refused:
        restore(ctx, OPERATOR_READER, archive)
    assert "빈 데이터베이스에만 복원합니다" in refused.value.message
    assert "아무것도 바꾸지 않았습니다" in refused.value.message
    assert footprint(ctx.db.url, ctx.settings.var_dir) == before


def test_a_migrated_but_empty_database_is_empty_enough(
    ctx: Context, elsewhere: Context, tmp_path: Path
) -> None:
    """`gcw db upgrade` before `gcw restore` is no mistake: the only rows are the ones the migrations write."""
    open_gumi(ctx)
    archive = tmp_path / "gumi.zip"
    backup(ctx, OPERATOR_READER, archive)
    from gcworkflow.db.migrate import upgrade

    upgrade(elsewhere.db.url)
    assert restore(elsewhere, OPERATOR_READER, archive).report.ok


def test_only_the_operator_backs_up_and_restores_and_a_refused_backup_is_recorded(
    ctx: Context, elsewhere: Context, tmp_path: Path
) -> None:
    open_gumi(ctx)
    with pytest.raises(Forbidden):
        backup(ctx, Reader(AUDITOR, interface="cli"), tmp_path / "auditor.zip")
    assert not (tmp_path / "auditor.zip").exists()
    backup(ctx, OPERATOR_READER, tmp_path / "operator.zip")
    with pytest.raises(Forbidden):
        restore(elsewhere, Reader(ADMIN, interface="cli"), tmp_path / "operator.zip")
    with ctx.db.read() as session:
        reads = session.execute(
            select(AuditRead.actor, AuditRead.outcome)
            .where(AuditRead.query == "backup")
            .order_by(AuditRead.id)
        ).all()
    assert [tuple(r) for r in reads] == [(AUDITOR, "forbidden"), (OPERATOR, "ok")]


# --- the commands --------------------------------------------------------------------------------------------


def test_the_commands_move_an_installation_and_say_so_in_korean(
    settings: Settings, elsewhere: Context, tmp_path: Path
) -> None:
    gcw = Gcw.against(settings, "2026-03-02T10:00:00+09:00")
    gcw.ok("init", "--admin", ADMIN, "--name", "관리자")
    target = tmp_path / "new" / "folder" / "gcw.zip"
    said = gcw.ok("backup", "-o", str(target)).stdout
    assert f"백업을 만들고 다시 읽어 확인했습니다: {target}" in said
    assert "감사 사건 " in said and "gcw-checkpoint " in said
    data = gcw.json("backup", "-o", str(target))
    assert data["events"] == 1 and data["path"] == str(target)  # init: the first admin
    with zipfile.ZipFile(target) as archive:
        for entry in json.loads(archive.read("manifest.json"))["tables"]:
            assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
    assert gcw("--as", ADMIN, "backup", "-o", str(target)).exit_code == 5
    there = Gcw.against(elsewhere.settings, "2026-03-02T10:00:00+09:00")
    restored = there.ok("restore", str(target)).stdout
    assert "복원했습니다" in restored and "결과: 이상 없음" in restored
    refused = there("restore", str(target))
    assert refused.exit_code == 4 and "빈 데이터베이스에만 복원합니다" in refused.stderr
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    assert there("restore", str(broken)).exit_code == 2
    unwritable = tmp_path / "file"
    unwritable.write_text("x", encoding="utf-8")
    refused = gcw("backup", "-o", str(unwritable / "gcw.zip"))
    assert refused.exit_code == 8 and "백업 파일의 폴더에 쓸 수 없습니다" in refused.stderr
