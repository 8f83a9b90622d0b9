"""The schema exists only through Alembic: upgrade, downgrade to base, upgrade again, on both databases."""

from __future__ import annotations

from sqlalchemy import inspect

from gcworkflow.db.migrate import downgrade, upgrade
from gcworkflow.db.session import make_engine


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(database_url):
    assert "audit_events" in _tables(database_url)  # the fixture's copy is already at head
    downgrade(database_url, "base")
    assert _tables(database_url) <= {"alembic_version"}
    upgrade(database_url, "head")
    assert {"audit_events", "procedures", "facts", "outbox_messages", "registered_numbers"} <= _tables(
        database_url
    )


def test_the_models_say_what_the_migrations_made(database_url):
    """The typed models and the migrated schema agree, table for table and index for index, so that
    `alembic revision --autogenerate` proposes nothing (before, it would have dropped the audit indexes)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from gcworkflow.db.models import Base

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()
