"""Upgrades keep every record (issue 16): a database made at each earlier schema revision, full of the records of
that revision, is upgraded to head by `gcw db upgrade` on SQLite and PostgreSQL; the audit trail then verifies
(`gcw audit verify`, exit 0), every procedure reads as it did (`gcw status`, `gcw history`,
``queries.procedure_status``), the events' canonical text and hashes are byte for byte what they were, and a
downgrade back to the revision gives back every row exactly.

Two kinds of old database, each with what it proves.

**Every table filled, at every revision** (``test_an_upgrade_keeps_every_record``), made by today's engine:

1. The migrations never rewrite a row of ``audit_events``: they only add tables, columns and indexes (read each
   ``upgrade()`` in migrations/versions/; none was changed after a later one was written, except for layout
   and comments), and the canonical envelope an event hashes (its chain, seq, prev_hash, procedure, instant,
   actor, trigger, states, comment, payload; :mod:`gcworkflow.canonical` with microsecond ``Z`` instants) is
   the same today as in the first commit. So an event's bytes do not depend on the revision its database was
   at, and events written by today's engine can stand for events of R.
2. What does depend on R is which records can exist. The schema at R is read from a database migrated to R
   (reflected: its tables and their columns). Today's engine then runs the scenario below on a fresh head
   database, leaving out the actions whose records R cannot hold — holiday overrides before 0002, contacts
   before 0003, API tokens and web sign-ins before 0005, a contact's 처리과 before 0007 — because an event
   whose row cannot exist would be (rightly) reported by verification as a row gone missing. Actions whose
   side rows R lacks (deadlines before 0002, the read log before 0006) stay: verification does not look for a
   deleted deadline row, and reads are not events.
3. A second database is migrated to R (with `gcw`'s own migrations) and receives the head database's rows for
   exactly the tables and columns R has, in foreign-key order, with their ids (PostgreSQL's sequences then set
   past them, as a database that had lived at R would have them). Every one of its tables has a row; this is
   the database under test.

The head databases are built once per set of actions on SQLite and copied into both SQLite and PostgreSQL (the
canonical text is the same on both by design, so that copy is itself the cross-database promise).

**The program as it was** (``test_the_records_of_the_program_as_it_was_survive_the_upgrade``): what step 1
argues, tested — for each revision, the program of the last commit at which it was the newest (``git archive``
of the repository's own history) walks a procedure as far as its own test helpers then could, with its own
engine and its own payloads, and today's program upgrades and verifies that database. SQLite only: the copies
above already carry the same bytes into PostgreSQL.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table, delete, insert, inspect, select, text

from gcworkflow import audit, clusters, contacts, deadlines, engine, holiday_overrides, people, queries
from gcworkflow.audit.queries import Reader
from gcworkflow.context import Context
from gcworkflow.db.migrate import alembic_config, downgrade, upgrade
from gcworkflow.db.models import Base, Procedure
from gcworkflow.db.session import Database, make_engine
from gcworkflow.errors import GuardFailed
from gcworkflow.settings import Settings
from gcworkflow.web import accounts, auth
from tests.cli import Gcw
from tests.fresh import clean_env, empty_postgres
from tests.support import (
    ADMIN,
    APPROVER,
    AUDITOR,
    CLERK,
    OFFICE,
    SECRETARY,
    actor,
    advance,
    context_for,
    designated_gumi,
    fire,
    gumi_plan,
    signed,
)
from tests.test_other_kinds import BASIC_PLAN

NOW = "2026-06-01T10:00:00+09:00"
Schema = dict[str, tuple[str, ...]]


def _revisions() -> tuple[list[str], str]:
    """Every revision before head, oldest first, and head."""
    script = ScriptDirectory.from_config(alembic_config(""))
    order = [r.revision for r in script.walk_revisions()][::-1]
    return order[:-1], order[-1]


EARLIER, HEAD = _revisions()


def _schema(url: str) -> Schema:
    """The tables of the database at ``url`` and their columns (the Alembic bookkeeping table aside)."""
    engine_ = make_engine(url)
    try:
        found = inspect(engine_)
        return {
            name: tuple(c["name"] for c in found.get_columns(name))
            for name in found.get_table_names()
            if name != "alembic_version"
        }
    finally:
        engine_.dispose()


@dataclass(frozen=True)
class Actions:
    """Which actions a revision's records can hold (the docstring's step 2)."""

    holidays: bool
    contacts: bool
    tokens: bool
    contact_unit: bool

    @classmethod
    def of(cls, schema: Schema) -> Actions:
        return cls(
            holidays="holiday_overrides" in schema,
            contacts="contacts" in schema,
            tokens="api_tokens" in schema and "web_sessions" in schema,
            contact_unit="unit" in schema.get("contacts", ()),
        )


@dataclass(frozen=True)
class Built:
    """A head database full of records, its document store, and what each procedure read as there."""

    settings: Settings
    procedures: dict[int, dict[str, Any]]


def _scenario(settings: Settings, can: Actions) -> dict[int, dict[str, Any]]:
    """Every kind of procedure and every kind of record the revision can hold, written by the engine."""
    ctx = context_for(settings)
    admin = actor(ADMIN)
    try:
        cluster, designation = designated_gumi(ctx)  # documents, numbers, deadlines met, an outbox
        change = _open(ctx, "plan_change", cluster)
        fire(
            ctx,
            change,
            "record_plan",
            content={"area_m2": 34000},
            mode="merge",
            change_reason="부지 경계 조정",
        )
        signed(ctx, change, "apply_minor_change")  # changed: a closed plan_change
        release = _open(ctx, "release", cluster)
        fire(
            ctx,
            release,
            "record_release_scope",
            scope="partial",
            ground="decree8_2",
            reason="도로 편입",
            released_area_m2=3000,
        )
        signed(ctx, release, "request_governor_opinions")  # a governor's reply deadline left open
        basic = _open(ctx, "basic_plan", None)
        fire(
            ctx,
            basic,
            "record_plan",
            content=BASIC_PLAN,
            change="change",
            minor_ground="law_change",
            reason="시행령 개정 반영",
        )
        second = clusters.register_cluster(
            ctx, actor(CLERK), "시험 녹색융합클러스터", {"sido_code": "47", "sigungu": "포항시"}
        )
        drafting = _open(ctx, "designation", second)
        with pytest.raises(GuardFailed):  # no plan yet: a refusal kept in refused_attempts
            signed(ctx, drafting, "request_governor_opinions")
        fire(ctx, drafting, "record_plan", content=gumi_plan())
        proposal = fire(ctx, drafting, "propose", trigger="request_governor_opinions", payload={})
        engine.fire(
            ctx,
            drafting,
            "reject_proposal",
            actor(APPROVER),
            {"proposal_id": proposal.proposal_id},
            comment="재검토",
        )
        fire(ctx, drafting, "propose", trigger="request_governor_opinions", payload={})  # left pending
        people.grant_role(ctx, admin, AUDITOR, "clerk")
        people.revoke_role(ctx, admin, AUDITOR, "clerk")
        accounts.set_password(ctx, admin, CLERK, "초록빛-클러스터-2026")
        if can.holidays:
            holiday_overrides.add_holiday(ctx, admin, date(2026, 5, 13), "임시공휴일", "국무회의 의결")
        if can.contacts:
            contacts.set_contact(
                ctx,
                admin,
                "governor:47",
                "env@gb.go.kr",
                **({"unit": "환경정책과"} if can.contact_unit else {}),
            )
        if can.tokens:
            accounts.create_token(ctx, admin, CLERK, "clerk", "발송 스크립트")
            old = accounts.create_token(ctx, admin, CLERK, "clerk", "옛 스크립트")
            accounts.revoke_token(ctx, admin, old.id)
            auth.sign_in(ctx, CLERK, "초록빛-클러스터-2026", "127.0.0.1", "pytest")  # a web session
            with pytest.raises(auth.SignInRefused):
                auth.sign_in(ctx, CLERK, "틀린 비밀번호", "127.0.0.1", "pytest")
        advance(ctx, 40)  # the open reply deadline is due: reminders and an escalation in the outbox
        deadlines.plan_due_reminders(ctx)
        people.set_active(ctx, admin, SECRETARY, False)
        queries.history(ctx, Reader(AUDITOR), designation)  # a recorded read (the read log from 0006)
        with ctx.db.write() as session:
            audit.checkpoint(session, ADMIN, ctx.clock.now())
        report = audit.verify_database(ctx.db, ctx.store)
        assert report.ok, str(report)
        return {pid: _reads(ctx, pid) for pid in (designation, change, release, basic, drafting)}
    finally:
        ctx.db.dispose()


def _open(ctx: Context, kind: str, cluster: int | None) -> int:
    return engine.open_procedure(ctx, actor(CLERK), kind, cluster_id=cluster, approver=APPROVER).procedure_id


def _reads(ctx: Context, pid: int) -> dict[str, Any]:
    """What a procedure reads as, the parts a revision's records all carry."""
    status = queries.procedure_status(ctx, pid)
    return {
        "kind": status["kind"],
        "state": status["state"],
        "version": status["version"],
        "facts": sorted((f["kind"], f["subject"], repr(f["data"])) for f in status["facts"]),
        "documents": sorted(d["sha256"] for d in status["documents"]),
    }


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Schema]:
    """The schema at each revision, as the migrations make it."""
    folder = tmp_path_factory.mktemp("schemas")
    found = {}
    for revision in [*EARLIER, HEAD]:
        url = f"sqlite:///{folder / f'{revision}.sqlite3'}"
        upgrade(url, revision)
        found[revision] = _schema(url)
    return found


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[Actions, Built]]:
    """The head databases, built on first need, one per set of actions."""
    cache: dict[Actions, Built] = {}
    yield cache


def _built(cache: dict[Actions, Built], can: Actions, folder: Path) -> Built:
    if can not in cache:
        # The notice numbered from the local series, so that number_series has its row too.
        settings = Settings(
            var_dir=folder / "var",
            database_url=f"sqlite:///{folder / 'head.sqlite3'}",
            **OFFICE,
            notice_numbering="local",
        )
        upgrade(settings.resolved_database_url)
        cache[can] = Built(settings, _scenario(settings, can))
    return cache[can]


def _tables(schema: Schema) -> list[Table]:
    """The tables of ``schema`` in foreign-key order, with today's column types and only the columns it has
    (no defaults: a value not copied is the migration's to fill)."""
    meta = MetaData()
    return [
        Table(
            model.name,
            meta,
            *(Column(c, model.c[c].type, primary_key=model.c[c].primary_key) for c in schema[model.name]),
        )
        for model in Base.metadata.sorted_tables
        if model.name in schema
    ]


def _copy(source: str, target: str, schema: Schema) -> None:
    """The rows of ``source`` (head) that ``schema`` can hold, into ``target`` (migrated to that schema)."""
    tables = _tables(schema)
    assert {t.name for t in tables} == set(schema), set(schema) - {t.name for t in tables}
    reader, writer = make_engine(source), make_engine(target)
    try:
        with reader.connect() as src, writer.begin() as dst:
            for table in reversed(tables):  # the rows 0001 seeds (the system user) come again, with the rest
                dst.execute(delete(table))
            for table in tables:
                rows = src.execute(select(table).order_by(*table.primary_key.columns)).mappings().all()
                if rows:
                    dst.execute(insert(table), [dict(r) for r in rows])
            if dst.dialect.name == "postgresql":
                for table in tables:
                    if "id" in table.c:
                        dst.execute(
                            text(
                                "SELECT setval(pg_get_serial_sequence(:t, 'id'), COALESCE(MAX(id), 1), "
                                f"MAX(id) IS NOT NULL) FROM {table.name}"
                            ),
                            {"t": table.name},
                        )
    finally:
        reader.dispose()
        writer.dispose()


def _rows(url: str, schema: Schema) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of ``schema``, in key order, as Python values."""
    engine_ = make_engine(url)
    try:
        with engine_.connect() as conn:
            return {
                t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in _tables(schema)
            }
    finally:
        engine_.dispose()


def _events(url: str) -> list[tuple[Any, ...]]:
    """What the chains hash: each event's position, canonical text, payload text and hashes."""
    engine_ = make_engine(url)
    try:
        with engine_.connect() as conn:
            return list(
                conn.execute(
                    text(
                        "SELECT id, chain, seq, prev_hash, hash, canonical, payload FROM audit_events ORDER BY id"
                    )
                )
            )
    finally:
        engine_.dispose()


@contextmanager
def _target(dialect: str, folder: Path) -> Iterator[str]:
    """An empty database of ``dialect`` for one case (PostgreSQL: a scratch database, dropped afterwards)."""
    if dialect == "sqlite":
        yield f"sqlite:///{folder / 'upgraded.sqlite3'}"
        return
    with empty_postgres("upgrade") as url:
        yield url


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("revision", EARLIER)
def test_an_upgrade_keeps_every_record(
    revision: str,
    dialect: str,
    schemas: dict[str, Schema],
    builds: dict[Actions, Built],
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    schema = schemas[revision]
    can = Actions.of(schema)
    built = _built(builds, can, tmp_path_factory.mktemp(f"head-{revision}"))
    with _target(dialect, tmp_path) as url:
        upgrade(url, revision)
        _copy(built.settings.resolved_database_url, url, schema)
        before, events = _rows(url, schema), _events(url)
        assert len(events) > 50 and not [name for name, rows in before.items() if not rows]  # a row in each

        # `gcw` against the old database: the documents are the build's store.
        gcw = Gcw.against(built.settings.model_copy(update={"database_url": url}), NOW)
        assert gcw.json("db", "current")["up_to_date"] is False
        assert gcw.json("db", "upgrade")["before"] == revision
        assert gcw.json("db", "current")["up_to_date"] is True
        assert _events(url) == events  # not one byte of what the chains hash has changed

        verified = gcw("audit", "verify")
        assert verified.exit_code == 0, verified.output
        ctx = context_for(built.settings.model_copy(update={"database_url": url}))
        try:
            report = audit.verify_database(ctx.db, ctx.store)
            assert report.ok and report.events == len(events), str(report)
            for pid, expected in built.procedures.items():
                assert _reads(ctx, pid) == expected
                assert gcw.json("status", str(pid))["state"] == expected["state"]
                assert gcw.json("history", str(pid), user=AUDITOR)
            with ctx.db.read() as session:
                assert session.scalar(select(Procedure.id).order_by(Procedure.id.desc()).limit(1)) == max(
                    built.procedures
                )
        finally:
            ctx.db.dispose()

        # Back down to the revision: every row it can hold is as it was (the reads logged above are gone with
        # their table where the revision has none; where it has one, they are new rows, left out of the
        # comparison).
        downgrade(url, revision)
        after = _rows(url, schema)
        if "audit_reads" in before:
            after["audit_reads"] = after["audit_reads"][: len(before["audit_reads"])]
        assert after == before
        assert _events(url) == events
        upgrade(url)
        again = Database(url)
        try:
            assert audit.verify_database(again).ok
        finally:
            again.dispose()


# --- the programs as they were ---------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
# For each revision, the last commit at which it was the newest: the program that made databases at it.
ERAS = {
    "0001": "d87bc6afba71d79cf3a659e2d2ddee913832fcb6",
    "0002": "304775e7bc86e689c3479f0f95e1bbfbac6c0733",
    "0003": "d756d751bd64b18d8c01cc9d0804a48472f8e215",
    "0005": "783e7853fa506fec7687ff506ad62ab644fe8135",
    "0006": "785d42e253cef8afdd5b66b54b5f9d31ce511b87",
    "0007": "fa22e412d32104f7abcf9051224d645df43de0e6",
    "0008": "1a3a10ee1e1e97c0e01bb48d0d8e5ffeaaf06253",
}
# Run by that program, from its own tree: its own test helpers walk a procedure as far as they then could.
OLD_PROGRAM = """
import sys
from datetime import datetime
from pathlib import Path

import tests.support as support
from gcworkflow.clock import Clock
from gcworkflow.context import Context
from gcworkflow.db.migrate import upgrade
from gcworkflow.db.session import Database
from gcworkflow.documents.store import FileStore
from gcworkflow.settings import Settings

folder = Path(sys.argv[1])
settings = Settings(var_dir=folder / "var", database_url=f"sqlite:///{folder / 'old.sqlite3'}")
upgrade(settings.resolved_database_url)
ctx = Context(
    db=Database(settings.resolved_database_url),
    settings=settings,
    clock=Clock(datetime(2026, 3, 2, 10, 0, tzinfo=support.SEOUL)),
    store=FileStore(settings.document_dir),
)
walk = getattr(support, "designated_gumi", None) or support.to_committee
walk(ctx)
"""


def _git(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False, **kwargs)


@pytest.mark.parametrize(
    ("revision", "commit"), [pytest.param(r, c, id=r) for r, c in ERAS.items() if r != HEAD]
)
def test_the_records_of_the_program_as_it_was_survive_the_upgrade(
    revision: str, commit: str, tmp_path: Path
) -> None:
    """The same promise for databases written by the program itself as it was at each revision (its own
    engine, its own events), where the checkout has the history (`git archive` of that commit; a shallow clone
    or a source tarball has not, and the case is skipped saying so)."""
    if shutil.which("git") is None or _git("cat-file", "-e", f"{commit}^{{commit}}").returncode:
        pytest.skip(
            f"이 작업 트리에 커밋 {commit[:7]}의 이력이 없어 옛 프로그램을 만들 수 없습니다 (얕은 복제)"
        )
    old = tmp_path / "program"
    old.mkdir()
    archive = _git("archive", "--format=tar", commit)
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    made = tmp_path / "made"
    built = subprocess.run(
        [sys.executable, "-c", OLD_PROGRAM, str(made)],
        cwd=old,
        env=clean_env(PYTHONPATH=str(old)),  # the old package before the installed one
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    settings = Settings(var_dir=made / "var", database_url=f"sqlite:///{made / 'old.sqlite3'}")
    url = settings.resolved_database_url
    events = _events(url)
    assert len(events) > 15

    gcw = Gcw.against(settings, NOW)
    assert gcw.json("db", "upgrade")["before"] == revision
    assert _events(url) == events
    verified = gcw("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert gcw.json("status", "1")["kind"] == "designation"
    assert gcw.json("history", "1", user=AUDITOR)
