"""The audit chain: every action appends, the log is append-only in the database, and verification names the
first event altered or deleted behind the engine's back."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gcworkflow import audit, engine, queries
from gcworkflow.audit import archive as audit_archive
from gcworkflow.audit.chain import rebuild_canonical
from gcworkflow.audit.queries import Reader
from gcworkflow.canonical import sha256_hex
from gcworkflow.db.models import AuditEvent, Document
from gcworkflow.db.session import Database
from gcworkflow.documents.store import FileStore
from gcworkflow.engine import Actor
from gcworkflow.errors import Conflict, Forbidden
from tests.support import fire, gumi_plan, open_gumi, signed


def _verify(ctx) -> audit.VerifyReport:
    with ctx.db.read() as session:
        return audit.verify(session)


def _checkpoint(ctx) -> str:
    with ctx.db.write() as session:
        return audit.checkpoint_line(audit.checkpoint(session, "han", ctx.clock.now()))


@contextmanager
def _attacker(ctx, *tables: str) -> Iterator[Connection]:
    """A connection as someone with database access would use it: guards and foreign keys switched off (on
    SQLite the guards of audit_events and of ``tables`` are dropped)."""
    with ctx.db.engine.connect() as conn:
        if ctx.db.dialect == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        else:
            raw = conn.connection.dbapi_connection  # PRAGMA foreign_keys is ignored inside a transaction
            raw.execute("PRAGMA foreign_keys=OFF")
            for table in ("audit_events", *tables):
                for name in (f"{table}_no_update", f"{table}_no_delete"):
                    raw.execute(f"DROP TRIGGER IF EXISTS {name}")
        yield conn
        conn.commit()


def _delete_newest_and_rewind(conn: Connection, pid: int) -> int:
    """The attacker deletes procedure ``pid``'s newest event (an approval) and, careful, rewinds the chain head (a
    procedure's is on its row) to the event before, with the row's state and version and the rows the event
    wrote (its deadlines, the proposal's decision), so that the rows agree with the shortened chain; returns the
    deleted event's seq."""
    last, deleted = conn.execute(
        text("SELECT seq, id FROM audit_events WHERE procedure_id = :p ORDER BY seq DESC LIMIT 1"), {"p": pid}
    ).one()
    conn.execute(text("DELETE FROM audit_events WHERE id = :e"), {"e": deleted})
    prev = conn.execute(
        text(
            "SELECT hash, to_state, procedure_version FROM audit_events WHERE procedure_id = :p AND seq = :s"
        ),
        {"p": pid, "s": last - 1},
    ).one()
    conn.execute(
        text(
            "UPDATE procedures SET chain_seq = :s, chain_head = :h, state = :st, version = :v WHERE id = :p"
        ),
        {"s": last - 1, "h": prev.hash, "st": prev.to_state, "v": prev.procedure_version, "p": pid},
    )
    conn.execute(text("DELETE FROM deadlines WHERE opened_event_id = :e"), {"e": deleted})
    conn.execute(
        text(
            "UPDATE proposals SET status = 'pending', decided_by_id = NULL, decided_at = NULL "
            "WHERE procedure_id = :p AND procedure_version = :v"
        ),
        {"p": pid, "v": prev.procedure_version},
    )
    return last


def _history(ctx) -> int:
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    return pid


def test_intact_history_verifies(ctx):
    _history(ctx)
    report = _verify(ctx)
    assert report.ok, report.problems
    assert report.events >= 10  # users, cluster, open, plan, proposal, approval
    assert report.chains == 2


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET comment = 'x'", "DELETE FROM audit_events"])
def test_database_refuses_update_and_delete(ctx, statement):
    _history(ctx)
    with pytest.raises(DBAPIError), ctx.db.engine.begin() as conn:
        conn.execute(text(statement))


def test_altered_payload_is_named(ctx):
    pid = _history(ctx)
    with _attacker(ctx) as conn:
        target = conn.execute(
            text("SELECT id, seq FROM audit_events WHERE procedure_id = :p AND trigger = 'record_plan'"),
            {"p": pid},
        ).one()
        conn.execute(
            text("UPDATE audit_events SET payload = replace(payload, '33000', '99000') WHERE id = :i"),
            {"i": target.id},
        )
    report = _verify(ctx)
    assert not report.ok
    assert report.first_problem.event_id == target.id
    assert "변조" in report.first_problem.message


def test_rehashed_event_breaks_the_link_of_the_next(ctx):
    pid = _history(ctx)
    with ctx.db.read() as session:
        row = session.query(AuditEvent).filter_by(procedure_id=pid, trigger="record_plan").one()
        row.comment = "몰래 고친 설명"
        canonical = rebuild_canonical(row)
        edited_seq, edited_id = row.seq, row.id
        session.rollback()
    with _attacker(ctx) as conn:
        conn.execute(
            text("UPDATE audit_events SET comment = :c, canonical = :t, hash = :h WHERE id = :i"),
            {
                "c": "몰래 고친 설명",
                "t": canonical,
                "h": sha256_hex(canonical.encode()),
                "i": edited_id,
            },
        )
    report = _verify(ctx)
    assert report.first_problem.seq == edited_seq + 1
    assert "연결" in report.first_problem.message


def test_the_earliest_problem_of_a_chain_is_named_whichever_check_finds_it(ctx):
    """The columns are compared beside the walk and decided after it: a column altered at seq 2 is still the
    chain's first problem when the walk itself finds a deletion further on."""
    pid = _history(ctx)
    with _attacker(ctx) as conn:
        altered = conn.execute(
            text("SELECT id FROM audit_events WHERE procedure_id = :p AND seq = 2"), {"p": pid}
        ).scalar_one()
        conn.execute(text("UPDATE audit_events SET actor = 'lee' WHERE id = :i"), {"i": altered})
        conn.execute(text("DELETE FROM audit_events WHERE procedure_id = :p AND seq = 4"), {"p": pid})
    report = _verify(ctx)
    chain_problems = report.section("chains")
    assert [(p.chain, p.seq, p.event_id) for p in chain_problems] == [(f"procedure:{pid}", 2, altered)]
    assert "변조" in chain_problems[0].message


def test_deleted_middle_event_is_named(ctx):
    pid = _history(ctx)
    with _attacker(ctx) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE procedure_id = :p AND seq = 2"), {"p": pid})
    report = _verify(ctx)
    assert report.first_problem.chain == f"procedure:{pid}"
    assert report.first_problem.seq == 3
    assert "삭제" in report.first_problem.message


def test_deleting_newest_events_before_a_checkpoint_is_detected(ctx):
    pid = _history(ctx)
    line = _checkpoint(ctx)
    assert line.startswith("gcw-checkpoint ")
    with _attacker(ctx) as conn:
        last = _delete_newest_and_rewind(conn, pid)
    report = _verify(ctx)
    assert not report.ok
    (problem,) = report.problems  # the rewound head agrees with the chain: only the checkpoint still knows
    assert problem.section == "checkpoints" and problem.seq == last and "체크포인트" in problem.message


def test_refusal_is_kept_outside_the_chain(ctx):
    pid = open_gumi(ctx)
    before = _verify(ctx).events
    with pytest.raises(Forbidden):
        fire(ctx, pid, "request_governor_opinions")
    refused = queries.procedure_refusals(ctx, pid)
    assert refused[-1]["code"] == "forbidden"
    assert _verify(ctx).events == before


def test_fact_altered_behind_the_engine_is_named(ctx):
    pid = _history(ctx)
    fire(ctx, pid, "record_governor_opinion", sido_code="47", received_on="2026-03-02", summary="동의")
    with _attacker(ctx) as conn:
        if ctx.db.dialect == "sqlite":
            conn.connection.dbapi_connection.execute("DROP TRIGGER IF EXISTS facts_no_update")
        conn.execute(
            text("UPDATE facts SET data = replace(data, '동의', '반대') WHERE kind = 'consultation_reply'")
        )
    report = _verify(ctx)
    assert not report.ok
    assert "facts" in report.first_problem.message


# --- issue #6: the pure event builder, verification's report, partial and external checks, archives -----------


def test_seal_is_what_append_inserts(ctx):
    _history(ctx)
    event = audit.EventInput(
        chain="bench:1",
        procedure_id=None,
        procedure_version=None,
        occurred_at=ctx.clock.now(),
        actor="kim",
        actor_role="clerk",
        interface="api",
        os_user=None,
        trigger="record_hearing",
        from_state=None,
        to_state=None,
        comment='줄바꿈\n탭\t역슬래시\\ 따옴표"',
        payload={"input": {"held_on": ctx.clock.today()}, "effects": []},
    )
    sealed = audit.seal(event, audit.ChainHead(0, audit.GENESIS))
    with ctx.db.write() as session:
        appended = audit.append(session, event, audit.ChainHead(0, audit.GENESIS))
        row = session.get(AuditEvent, appended.id)
        stored = {column: getattr(row, column) for column in sealed.row}
    assert stored == sealed.row and appended.hash == sealed.hash
    assert sha256_hex(sealed.row["canonical"].encode()) == sealed.hash


def test_report_has_one_line_per_thing_verified(ctx):
    _history(ctx)
    _checkpoint(ctx)
    report = audit.verify_database(ctx.db, ctx.store)
    assert report.ok
    chains, records, rows, checkpoints, documents = report.lines()
    assert chains.startswith("체인: 2개, 사건 ") and chains.endswith("(처음부터) — 이상 없음")
    assert records.startswith("기록: ") and checkpoints == "체크포인트: 1개 — 이상 없음"
    assert rows.startswith("현재 상태: ") and rows.endswith("— 이상 없음")
    assert documents == "문서: 0건 해시 — 이상 없음"


def test_comments_the_database_quotes_differently_still_verify(ctx):
    """Control characters and backslashes: the database's rebuild may differ, so Python decides."""
    pid = _history(ctx)
    engine.fire(
        ctx,
        pid,
        "record_governor_opinion",
        actor_of("kim"),
        _opinion(),
        comment='첫 줄\n둘째 줄\t\\끝\x01 "인용"',
    )
    assert _verify(ctx).ok
    with _attacker(ctx) as conn:
        conn.execute(text("UPDATE audit_events SET comment = 'x' WHERE comment LIKE '첫 줄%'"))
    assert "변조" in _verify(ctx).first_problem.message


def test_events_stored_out_of_id_order_still_verify_and_gaps_are_still_named(ctx):
    pid = _history(ctx)
    with _attacker(ctx) as conn:  # ids are not evidence: swapping two (that no record names) changes nothing
        ids = dict(
            conn.execute(
                text("SELECT seq, id FROM audit_events WHERE procedure_id = :p AND seq IN (1, 3)"), {"p": pid}
            ).all()
        )
        conn.execute(text("UPDATE audit_events SET id = -1 WHERE id = :i"), {"i": ids[1]})
        conn.execute(text("UPDATE audit_events SET id = :a WHERE id = :b"), {"a": ids[1], "b": ids[3]})
        conn.execute(text("UPDATE audit_events SET id = :b WHERE id = -1"), {"b": ids[3]})
    assert _verify(ctx).ok
    with _attacker(ctx) as conn:
        conn.execute(text("DELETE FROM audit_events WHERE procedure_id = :p AND seq = 2"), {"p": pid})
    report = _verify(ctx)
    assert (report.first_problem.chain, report.first_problem.seq) == (f"procedure:{pid}", 3)


def test_replaced_document_file_is_named(ctx):
    pid = _history(ctx)
    sha = ctx.store.put(b"%PDF-1.7 governor's opinion")
    fire(ctx, pid, "receive_document", sha256=sha, title="경상북도 의견서", kind="governor_opinion")
    ctx.store.path(sha).write_bytes(b"%PDF-1.7 forged")
    report = audit.verify_database(ctx.db, ctx.store)
    (problem,) = report.problems
    with ctx.db.read() as session:
        document_id = session.execute(select(Document.id).where(Document.sha256 == sha)).scalar_one()
    assert (problem.section, problem.document_id) == ("documents", document_id)
    assert "교체" in problem.message and f"문서 {document_id}번" in str(problem)


def test_since_verifies_only_what_came_after_the_last_checkpoint(ctx):
    pid = _history(ctx)
    _checkpoint(ctx)
    fire(ctx, pid, "record_governor_opinion", **_opinion())
    report = audit.verify_database(ctx.db, ctx.store, since=True)
    assert report.ok and report.since_checkpoint is not None
    assert report.events == 2 + 1  # the two chains' checkpointed heads, and the one event after
    with _attacker(ctx) as conn:  # before the checkpoint: only the full walk looks there
        conn.execute(
            text("UPDATE audit_events SET comment = 'x' WHERE procedure_id = :p AND seq = 2"), {"p": pid}
        )
    assert audit.verify_database(ctx.db, since=True).ok
    assert not audit.verify_database(ctx.db).ok
    with _attacker(ctx) as conn:
        last = conn.execute(text("SELECT max(id) FROM audit_events")).scalar()
        conn.execute(text("UPDATE audit_events SET actor = 'lee' WHERE id = :i"), {"i": last})
    report = audit.verify_database(ctx.db, since=True)
    assert report.first_problem.event_id == last


def test_deleting_the_newest_events_and_the_checkpoints_is_caught_by_the_line_kept_outside(ctx):
    pid = _history(ctx)
    line = audit.CheckpointLine.parse(_checkpoint(ctx))
    assert audit.verify_database(ctx.db, against=line).ok
    with _attacker(ctx, "audit_checkpoints") as conn:
        _delete_newest_and_rewind(conn, pid)
        conn.execute(text("DELETE FROM audit_checkpoints"))
    assert _verify(ctx).ok  # nothing inside the database tells any more
    report = audit.verify_database(ctx.db, against=line)
    assert not report.ok and report.first_problem.section == "checkpoints"
    assert "외부에 보관한 체크포인트가 데이터베이스에 없습니다" in report.first_problem.message


def test_a_backup_restored_elsewhere_still_verifies(ctx, tmp_path):
    pid = _history(ctx)
    sha = ctx.store.put(b"%PDF-1.7 minutes")
    fire(ctx, pid, "receive_document", sha256=sha, title="회의록", kind="minutes")
    line = audit.CheckpointLine.parse(_checkpoint(ctx))
    restored_store = FileStore(tmp_path / "restored-documents")
    shutil.copytree(ctx.store.root, restored_store.root)
    with _restored(ctx, tmp_path) as elsewhere:
        report = audit.verify_database(elsewhere, restored_store, against=line)
        assert report.ok, report.problems
        assert report.documents == 1 and report.events == _verify(ctx).events


def test_an_exported_procedure_verifies_without_the_database(ctx, tmp_path):
    pid = _history(ctx)
    sha = ctx.store.put("경상북도 의견서".encode())
    fire(ctx, pid, "receive_document", sha256=sha, title="경상북도 의견서", kind="governor_opinion")
    archive = tmp_path / "procedure.zip"
    summary = audit_archive.export_procedure(ctx, Reader("operator", "cli"), pid, archive)
    line = audit.CheckpointLine.parse(summary.checkpoint_line)
    ctx.db.dispose()
    report = audit_archive.verify_archive(archive, line)
    assert report.ok, report.problems
    assert (report.events, report.documents, report.checkpoints) == (summary.events, 1, 1)
    with zipfile.ZipFile(archive) as zipped:
        lines = zipped.read("events.jsonl").splitlines()
        assert [sha256_hex(raw) for raw in lines] == [
            row.split()[0] for row in zipped.read("events.sha256").decode().splitlines()
        ]
        assert zipped.read("history.csv").startswith("\ufeff순번".encode())

    altered = _rewrite(
        archive, tmp_path / "altered.zip", "events.jsonl", lambda b: b.replace(b"33000", b"99000", 1)
    )
    first = audit_archive.verify_archive(altered).first_problem
    assert (first.chain, first.seq) == (f"procedure:{pid}", 2) and "해시" in first.message

    def drop_last(data: bytes) -> bytes:
        return b"".join(line + b"\n" for line in data.splitlines()[:-1])

    truncated = _rewrite(archive, tmp_path / "truncated.zip", "events.jsonl", drop_last)
    truncated = _rewrite(truncated, tmp_path / "truncated2.zip", "events.sha256", drop_last)
    messages = [p.message for p in audit_archive.verify_archive(truncated).problems]
    assert any("최근 사건 삭제" in m for m in messages)
    assert any("체크포인트가 기록한 이 체인의 머리가 기록물에 없거나" in m for m in messages)

    forged = _rewrite(archive, tmp_path / "forged.zip", f"documents/{sha}", lambda _b: b"forged")
    (problem,) = audit_archive.verify_archive(forged).problems
    assert problem.section == "documents" and "교체" in problem.message

    other = audit.CheckpointLine(line.id + 1, line.created_at, line.chains, "0" * 64)
    assert audit_archive.verify_archive(archive, other).first_problem.section == "checkpoints"


def test_export_refuses_a_procedure_whose_document_was_replaced(ctx, tmp_path):
    pid = _history(ctx)
    sha = ctx.store.put(b"%PDF-1.7 opinion")
    fire(ctx, pid, "receive_document", sha256=sha, title="의견서", kind="governor_opinion")
    ctx.store.path(sha).write_bytes(b"forged")
    with pytest.raises(Conflict):
        audit_archive.export_procedure(ctx, Reader("operator", "cli"), pid, tmp_path / "x.zip")
    assert not (tmp_path / "x.zip").exists()


def actor_of(name: str) -> Actor:
    return Actor(name, interface="api")


def _opinion() -> dict[str, str]:
    return {"sido_code": "47", "received_on": "2026-03-02", "summary": "이견 없음"}


def _rewrite(source: Path, target: Path, member: str, change: Callable[[bytes], bytes]) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.namelist():
            data = old.read(item)
            new.writestr(item, change(data) if item == member else data)
    return target


@contextmanager
def _restored(ctx, tmp_path: Path) -> Iterator[Database]:
    """The database as a backup restored elsewhere: SQLite's online backup into a new file; pg_dump and
    pg_restore into a new PostgreSQL database whose session time zone is Seoul, not UTC."""
    if ctx.db.dialect == "sqlite":
        copy = tmp_path / "restored.sqlite3"
        source = sqlite3.connect(make_url(ctx.db.url).database)
        with sqlite3.connect(copy) as target:
            source.backup(target)
        source.close()
        db = Database(f"sqlite:///{copy}")
        yield db
        db.dispose()
        return
    url = make_url(ctx.db.url)
    name = f"{url.database}_restored"
    dump = tmp_path / "backup.dump"
    connection = [
        "-h",
        url.host or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
    ]
    subprocess.run(["pg_dump", *connection, "-Fc", "-f", str(dump), url.database], check=True)
    admin = create_engine(
        url.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        conn.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Seoul'"))
    subprocess.run(["pg_restore", *connection, "-d", name, str(dump)], check=True)
    db = Database(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
