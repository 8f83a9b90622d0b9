"""The audit chain: every action appends, the log is append-only in the database, and verification names the
first event altered or deleted behind the engine's back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from gcworkflow import audit, queries
from gcworkflow.db.models import AuditEvent
from gcworkflow.errors import Forbidden
from tests.support import fire, gumi_plan, open_gumi, signed


def _verify(ctx) -> audit.VerifyReport:
    with ctx.db.read() as session:
        return audit.verify(session)


def _checkpoint(ctx) -> str:
    with ctx.db.write() as session:
        return audit.checkpoint_line(audit.checkpoint(session, "han", ctx.clock.now()))


@contextmanager
def _attacker(ctx) -> Iterator[Connection]:
    """A connection as someone with database access would use it: guards and foreign keys switched off."""
    with ctx.db.engine.connect() as conn:
        if ctx.db.dialect == "postgresql":
            conn.execute(text("SET session_replication_role = replica"))
        else:
            raw = conn.connection.dbapi_connection  # PRAGMA foreign_keys is ignored inside a transaction
            raw.execute("PRAGMA foreign_keys=OFF")
            for name in ("audit_events_no_update", "audit_events_no_delete"):
                raw.execute(f"DROP TRIGGER IF EXISTS {name}")
        yield conn
        conn.commit()


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
        canonical = audit.rebuild_canonical(row)
        edited_seq, edited_id = row.seq, row.id
        session.rollback()
    with _attacker(ctx) as conn:
        conn.execute(
            text("UPDATE audit_events SET comment = :c, canonical = :t, hash = :h WHERE id = :i"),
            {
                "c": "몰래 고친 설명",
                "t": canonical,
                "h": audit.sha256_hex(canonical.encode()),
                "i": edited_id,
            },
        )
    report = _verify(ctx)
    assert report.first_problem.seq == edited_seq + 1
    assert "연결" in report.first_problem.message


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
        last = conn.execute(
            text("SELECT max(seq) FROM audit_events WHERE procedure_id = :p"), {"p": pid}
        ).scalar()
        conn.execute(
            text("DELETE FROM audit_events WHERE procedure_id = :p AND seq = :s"), {"p": pid, "s": last}
        )
        # A careful attacker also rewinds the chain head.
        prev = conn.execute(
            text("SELECT hash FROM audit_events WHERE procedure_id = :p AND seq = :s"),
            {"p": pid, "s": last - 1},
        ).scalar()
        conn.execute(
            text("UPDATE audit_chains SET seq = :s, head_hash = :h WHERE name = :n"),
            {"s": last - 1, "h": prev, "n": f"procedure:{pid}"},
        )
    report = _verify(ctx)
    assert not report.ok
    assert any("체크포인트" in p.message and p.seq == last for p in report.problems)


def test_refusal_is_kept_outside_the_chain(ctx):
    pid = open_gumi(ctx)
    before = _verify(ctx).events
    with pytest.raises(Forbidden):
        fire(ctx, pid, "request_governor_opinions")
    refused = queries.refusals(ctx, pid)
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
