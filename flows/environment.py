"""Prefect's environment, set before Prefect is imported: it creates its home at import time, and this machine
has no internet (analytics off)."""

from __future__ import annotations

import os

from gcworkflow.settings import Settings


def prepare(settings: Settings) -> None:
    os.environ.setdefault("PREFECT_HOME", str((settings.var_dir / "prefect").resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
