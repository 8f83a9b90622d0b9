"""Fixtures: every database test runs on SQLite and, when GCW_TEST_DATABASE_URL is set, on PostgreSQL.

The schema comes from the Alembic migrations, once per session into a template (an SQLite file, a PostgreSQL
template database); each test gets a fresh copy of it.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gcworkflow.context import Context
from gcworkflow.db.migrate import upgrade
from gcworkflow.db.session import normalise_url
from gcworkflow.documents.example_ca import make_example_ca
from gcworkflow.settings import Settings

if TYPE_CHECKING:
    from tests.notify.smtp import SmtpServer

# Prefect creates its home (default ~/.prefect) the moment it is imported, and the flow tests import it: point it
# at a throw-away folder before anything does (DESIGN.md §3; gcworkflow, imported above, never imports Prefect).
# Offline: analytics off. A `gcw` subprocess started by a test inherits all of this.
assert "prefect" not in sys.modules, "Prefect was imported before tests/conftest.py could set PREFECT_HOME"
_PREFECT_HOME = tempfile.mkdtemp(prefix="gcw-test-prefect-")
atexit.register(shutil.rmtree, _PREFECT_HOME, ignore_errors=True)
os.environ["PREFECT_HOME"] = _PREFECT_HOME
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

# Every issued document is signed (issue #17): the tests' installations, and the `gcw` subprocesses they start,
# sign with one 예시 authority made for the session (two RSA keys, ~0.1 s), its PKCS#12 behind a passphrase as
# an office's is. A test about the unconfigured case removes these.
SIGNING_PASSPHRASE = "시험용-암호"
_SIGNING = make_example_ca(
    Path(tempfile.mkdtemp(prefix="gcw-test-signing-")) / "ca", passphrase=SIGNING_PASSPHRASE.encode()
)
atexit.register(shutil.rmtree, _SIGNING.folder.parent, ignore_errors=True)
os.environ["GCW_SIGNING_CERTIFICATE"] = str(_SIGNING.certificate)
os.environ["GCW_SIGNING_PASSPHRASE"] = SIGNING_PASSPHRASE
os.environ["GCW_SIGNING_TRUST"] = str(_SIGNING.trust)

PG_URL = os.environ.get("GCW_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    return path


def _admin_engine():
    url = make_url(normalise_url(PG_URL or ""))
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("GCW_TEST_DATABASE_URL이 없어 PostgreSQL 시험을 건너뜁니다 (CI에서는 설정됨)")
    base = make_url(normalise_url(PG_URL))
    name = f"{base.database}_tpl_{os.getpid()}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    upgrade(base.set(database=name).render_as_string(hide_password=False))
    yield name
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_database(request, request.param, tmp_path) as url:
        yield url


@contextmanager
def fresh_database(request: pytest.FixtureRequest, backend: str, folder: Path) -> Iterator[str]:
    """A copy of the migrated template on ``backend``, dropped afterwards; for a fixture of any scope (a module
    that seeds one database for many tests uses it directly)."""
    if backend == "sqlite":
        path = folder / "gcw.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_template")
    base = make_url(normalise_url(PG_URL or ""))
    name = f"{base.database}_t{os.getpid()}_{next(_counter)}"
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(var_dir=tmp_path / "var", database_url=database_url)


@pytest.fixture
def office(ctx: Context) -> Context:
    """The context of an installation whose office block is configured and which numbers locally."""
    from tests.support import OFFICE

    ctx.settings = ctx.settings.model_copy(update={**OFFICE, "notice_numbering": "local"})
    return ctx


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Context]:
    from tests.support import context_for

    context = context_for(settings)
    yield context
    context.db.dispose()


# --- shared by the notification and flow tests (tests/notify, tests/flows) ------------------------------------


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One Prefect test server for the whole session (~8.5 s to start), flow heartbeats off; yields its API URL,
    which a `gcw flows run` subprocess gets as PREFECT_API_URL so that it does not start a server of its own."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        yield str(PREFECT_API_URL.value())


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, started; stopped after the test."""
    from tests.notify.smtp import SmtpServer

    with SmtpServer() as server:
        yield server
