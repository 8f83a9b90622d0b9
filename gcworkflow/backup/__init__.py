"""Backup and restore of a whole installation (issue 16): every table at one snapshot and every stored document
in one self-checking archive (:mod:`~gcworkflow.backup.archive`), written by :func:`backup` while the system
runs and loaded by :func:`restore` into an empty database of either dialect, so the same two commands move an
installation between SQLite and PostgreSQL.

Records below the door: the package reads and writes tables through SQLAlchemy Core and the audit package's
checkpoint, verification and record of reads; it never imports the engine, the automation or the interfaces.
"""

from gcworkflow.backup.archive import FORMAT, Manifest, OpenedArchive, open_archive
from gcworkflow.backup.dump import BackupSummary, backup
from gcworkflow.backup.restore import RestoreSummary, restore

__all__ = [
    "FORMAT",
    "BackupSummary",
    "Manifest",
    "OpenedArchive",
    "RestoreSummary",
    "backup",
    "open_archive",
    "restore",
]
