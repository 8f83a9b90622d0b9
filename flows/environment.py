"""Prefect's environment, set before Prefect is imported: it creates its home at import time (made here first,
so that a folder that cannot be written is said in Korean), and this machine has no internet (analytics off)."""

from __future__ import annotations

import os
from pathlib import Path

from gcworkflow.local_files import ensure_dir
from gcworkflow.settings import Settings


def prepare(settings: Settings) -> None:
    home = os.environ.setdefault("PREFECT_HOME", str((settings.var_dir / "prefect").resolve()))
    # Prefect makes its home at import and, failing that, times out waiting for its temporary server.
    ensure_dir(Path(home), "Prefect 작업 폴더(PREFECT_HOME)")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
