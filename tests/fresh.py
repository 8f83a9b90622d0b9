"""A new user's machine, for the tests that run `gcw` and `make` the way the README tells a newcomer to: an
environment with none of the suite's own settings (no GCW_…, no PREFECT_HOME, so Prefect's home is the one
under GCW_VAR_DIR), empty PostgreSQL databases, and what a run left behind, counted."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

from gcworkflow.db.session import make_engine, normalise_url

PG_URL = os.environ.get("GCW_TEST_DATABASE_URL")
VENV_BIN = Path(sys.executable).parent
_databases = count()
# Root may write anywhere: as root a command runs without the two capabilities that override file permissions
# (util-linux's setpriv, in every Debian), so the folder's own mode decides, as it would for any operator.
WITHOUT_OVERRIDE = [
    "--bounding-set",
    "-dac_override,-dac_read_search",
    "--inh-caps",
    "-dac_override,-dac_read_search",
]


def clean_env(**settings: str) -> dict[str, str]:
    """The environment a person has in a new shell, with the venv's commands on PATH and ``settings`` set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GCW_", "PREFECT_"))}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(settings)
    return env


@contextmanager
def locked_folder(tmp_path: Path) -> Iterator[tuple[Path, list[str]]]:
    """A folder under ``tmp_path`` that may be read but not written (mode 0o500), and the prefix that runs a
    command as an operator that mode binds: setpriv without the override capabilities when root (skipped when
    root has no setpriv), nothing otherwise. Writable again on leaving, so the checks after the command may
    look inside and pytest can remove it."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        prefix: list[str] = []
        if os.geteuid() == 0:
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("root이고 setpriv(util-linux)가 없어 권한 거부를 재현할 수 없습니다")
            prefix = [setpriv, *WITHOUT_OVERRIDE]
        yield locked, prefix
    finally:
        locked.chmod(0o700)


@contextmanager
def empty_postgres(purpose: str) -> Iterator[str]:
    """A new, empty database on the test PostgreSQL (as `createdb` would make it), dropped afterwards."""
    if not PG_URL:
        pytest.skip("GCW_TEST_DATABASE_URL이 없어 PostgreSQL 시험을 건너뜁니다 (CI에서는 설정됨)")
    base = make_url(normalise_url(PG_URL))
    name = f"{base.database}_{purpose}_{os.getpid()}_{next(_databases)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name, drivername="postgresql").render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def footprint(url: str, var_dir: Path) -> dict[str, int]:
    """Rows in every table and files kept under ``var_dir`` (Prefect's own home and SQLite's journals aside)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            names = inspect(conn).get_table_names()
            counts = {n: conn.execute(select(func.count()).select_from(table(n))).scalar_one() for n in names}
    finally:
        engine.dispose()
    kept = [
        p
        for p in var_dir.rglob("*")
        if p.is_file()
        and "prefect" not in p.relative_to(var_dir).parts
        and not p.name.endswith(("-wal", "-shm"))
    ]
    return {**counts, "files": len(kept)}
