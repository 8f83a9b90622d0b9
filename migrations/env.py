"""Alembic environment: the URL comes from the caller or from the settings (GCW_DATABASE_URL, GCW_VAR_DIR).

`gcworkflow.db.migrate` hands over a connection already in the transaction that holds the database (the
advisory lock, the table locks or SQLite's write lock); the migrations run inside it and the caller commits.
Run as bare `alembic …`, the environment connects by itself and holds nothing.
"""

from __future__ import annotations

from alembic import context

from gcworkflow.db.models import Base
from gcworkflow.db.session import make_engine, normalise_url
from gcworkflow.settings import get_settings

config = context.config
url = config.attributes.get("database_url") or get_settings().resolved_database_url


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        context.configure(connection=given, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():  # the caller's transaction: nothing begun or committed here
            context.run_migrations()
        return
    engine = make_engine(normalise_url(url))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
