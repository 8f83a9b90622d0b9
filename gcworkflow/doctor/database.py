"""The database: reachable, at the code's Alembic head, with an active administrator. Read through an engine
of its own that never creates the SQLite file (the doctor only reads)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gcworkflow.doctor.findings import NETWORK_TIMEOUT, Finding, first_line, ok
from gcworkflow.local_files import os_reason
from gcworkflow.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["check_admin", "check_database"]


def check_database(settings: Settings) -> tuple[Finding, Engine | None]:
    """Reachable and at the code's Alembic head; the engine for the checks that read it, when it is."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from gcworkflow.db.session import normalise_url

    fix_url = "GCW_DATABASE_URL(또는 GCW_VAR_DIR)이 운영 데이터베이스를 가리키는지 확인하십시오."
    try:
        url = normalise_url(settings.resolved_database_url)
        parsed = make_url(url)
    except Exception as exc:
        return Finding(
            "database", "fail", f"GCW_DATABASE_URL 형식이 올바르지 않습니다 ({first_line(exc)})", fix_url
        ), None
    # As the operator wrote it (postgresql://…), not as the driver is named inside (postgresql+psycopg://…).
    shown = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return Finding(
                "database",
                "fail",
                f"메모리 데이터베이스({shown})는 프로세스가 끝나면 사라집니다.",
                "GCW_DATABASE_URL을 빼서 GCW_VAR_DIR 아래 SQLite 파일을 쓰거나 PostgreSQL URL을 주십시오.",
            ), None
        # Connecting would create an empty file (and its folder): the doctor only reads.
        path = Path(parsed.database)
        try:
            present = path.is_file()
        except OSError as exc:
            return Finding(
                "database", "fail", f"데이터베이스 파일을 볼 수 없습니다: {path} ({os_reason(exc)})", fix_url
            ), None
        if not present:
            return Finding(
                "database",
                "fail",
                f"데이터베이스 파일이 없습니다: {path}",
                "처음 설치라면 `gcw init --admin 사용자이름 --name 표시이름`을 실행하십시오. 쓰던 설치라면 "
                + fix_url,
            ), None
        connect_args: dict[str, Any] = {"timeout": NETWORK_TIMEOUT}
    else:
        connect_args = {"connect_timeout": int(NETWORK_TIMEOUT)}
    try:
        engine = create_engine(url, connect_args=connect_args)
    except Exception as exc:
        return Finding(
            "database", "fail", f"이 데이터베이스 URL은 쓸 수 없습니다 ({shown}): {first_line(exc)}", fix_url
        ), None
    finding = _schema(engine, url, shown, fix_url)
    if finding.status != "ok":
        engine.dispose()
        return finding, None
    return finding, engine


def _schema(engine: Engine, url: str, shown: str, fix_url: str) -> Finding:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from gcworkflow.db.migrate import alembic_config

    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:
        return Finding(
            "database", "fail", f"데이터베이스에 접속할 수 없습니다 ({shown}): {first_line(exc)}", fix_url
        )
    script = ScriptDirectory.from_config(alembic_config(url))
    heads = set(script.get_heads())
    name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(engine.dialect.name, engine.dialect.name)
    if current == heads:
        return ok("database", f"{name} {shown}: 스키마가 최신 판({', '.join(sorted(heads))})입니다.")
    if not current:
        return Finding(
            "database",
            "fail",
            f"데이터베이스에 gcworkflow 스키마가 없습니다 ({shown}).",
            "처음 설치라면 `gcw init --admin 사용자이름 --name 표시이름`을, 이미 쓰던 데이터베이스라면 "
            "`gcw db upgrade`를 실행하십시오.",
        )
    known = {revision.revision for revision in script.walk_revisions()}
    unknown = sorted(current - known)
    if unknown:
        return Finding(
            "database",
            "fail",
            f"데이터베이스의 스키마 판({', '.join(unknown)})을 이 프로그램이 모릅니다: 더 새 gcworkflow로 올린 "
            f"데이터베이스입니다 ({shown}).",
            "이 데이터베이스를 올린 판 이상의 gcworkflow를 설치하십시오 (스키마를 내리지 마십시오).",
        )
    return Finding(
        "database",
        "fail",
        f"데이터베이스 스키마가 프로그램보다 오래되었습니다 (데이터베이스 {', '.join(sorted(current))}, "
        f"프로그램 {', '.join(sorted(heads))}; {shown}).",
        "백업한 뒤 `gcw db upgrade`를 실행하십시오.",
    )


def check_admin(engine: Engine) -> Iterator[Finding]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from gcworkflow.db.models import RoleGrant, User

    with Session(engine) as session:
        names = list(
            session.execute(
                select(User.username)
                .join(RoleGrant, RoleGrant.user_id == User.id)
                .where(RoleGrant.role == "admin", User.active.is_(True))
                .order_by(User.username)
            ).scalars()
        )
    if not names:
        yield Finding(
            "admin",
            "fail",
            "활성 관리자가 없어 사용자를 등록하거나 권한을 줄 수 없습니다.",
            "`gcw init --admin 사용자이름 --name 표시이름`으로 첫 관리자를 등록하십시오.",
        )
        return
    shown = ", ".join(names[:3]) + (f" 외 {len(names) - 3}명" if len(names) > 3 else "")
    yield ok("admin", f"활성 관리자 {len(names)}명 ({shown})")
