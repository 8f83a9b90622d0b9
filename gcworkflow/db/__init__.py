"""Storage: the tables (:mod:`~gcworkflow.db.models`), the engine and its sessions for SQLite and PostgreSQL
(:mod:`~gcworkflow.db.session`), portable column types (:mod:`~gcworkflow.db.types`) and Alembic migrations
(:mod:`~gcworkflow.db.migrate`).

The floor below everything that reads or writes records: it must not import the procedures, the audit trail,
the engine or anything above; what a row means is decided up there.
"""

from gcworkflow.db.session import Database, make_engine, normalise_url, read_connection

# The migrations (gcworkflow.db.migrate) are imported where they run: Alembic costs a CPU tenth at start-up.
__all__ = ["Database", "make_engine", "normalise_url", "read_connection"]
