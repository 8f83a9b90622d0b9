"""The operators' log: one line per action and per automation step, as text or JSON (``GCW_LOG_FORMAT``).

Every logger is named under ``gcworkflow.`` (``gcworkflow.engine``, ``gcworkflow.automation``,
``gcworkflow.flows``, ``gcworkflow.web``). A line carries its fields twice: in the message, as ``key=value``
words that any formatter shows (Prefect's console included), and as ``record.gcw`` for the JSON formatter, which
writes them as keys of their own. A line names the acting user and nothing else about a person: no payload,
no token, no e-mail address, no file name (what an action carried is in the audit trail, under its access rules).

Who turns it on: ``gcw serve`` and the Prefect flows log at INFO; a ``gcw`` command logs nothing to the
terminal unless ``GCW_LOG_FORMAT`` or ``GCW_LOG_LEVEL`` is set, so that what commands print stays as it was.
The ground floor: the standard library and the refusals' types, no database, no settings object needed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from gcworkflow.errors import GcwError

ROOT = "gcworkflow"
FORMATS = ("text", "json")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

_state: dict[str, Any] = {"owner": None}


def _instant(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def words(fields: Mapping[str, Any]) -> str:
    """``key=value`` words; a value with a space or an equals sign is quoted (JSON string rules)."""
    out = []
    for key, value in fields.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if not text or any(c in text for c in ' ="\n'):
            text = json.dumps(text, ensure_ascii=False)
        out.append(f"{key}={text}")
    return " ".join(out)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then the line's own fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _instant(record.created),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "gcw", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, separators=(",", ":"), default=str)


class TextFormatter(logging.Formatter):
    """``2026-12-07T16:03:00.123Z INFO gcworkflow.engine action procedure_id=1 …`` (the fields are in the
    message already)."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_instant(record.created)} {record.levelname} {record.name} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when the line is written (a test runner swaps it per command)."""

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure(log_format: str = "text", level: str | int = "INFO") -> None:
    """Send the ``gcworkflow`` loggers to stderr in ``log_format`` at ``level``; calling again replaces it.

    The loggers stop propagating to the root, where Prefect's and uvicorn's handlers would print each line a
    second time in their own format."""
    logger = logging.getLogger(ROOT)
    for handler in [h for h in logger.handlers if getattr(h, "_gcw", False)]:
        logger.removeHandler(handler)
    handler = _Stderr()
    handler._gcw = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(level if isinstance(level, int) else _level(level))
    logger.propagate = False
    _state["owner"] = _state["owner"] or "configured"


def level_name(name: str | None, default: str = "INFO") -> str:
    """One of :data:`LEVELS` for a level as a person or uvicorn writes it (``info``, ``trace``)."""
    name = (name or default).strip().upper()
    name = {"TRACE": "DEBUG", "WARN": "WARNING", "FATAL": "CRITICAL"}.get(name, name)
    return name if name in LEVELS else default


def _level(name: str | None, default: str = "INFO") -> int:
    return logging.getLevelName(level_name(name, default))


def for_command_line() -> None:
    """A ``gcw`` command: lines on stderr only when the environment asks (``GCW_LOG_FORMAT`` or
    ``GCW_LOG_LEVEL``); otherwise nothing changes, and the flows a command runs in its own process (``gcw flows
    run``, the demo) stay quiet too."""
    log_format = os.environ.get("GCW_LOG_FORMAT", "").strip().lower()
    level = os.environ.get("GCW_LOG_LEVEL", "").strip()
    if log_format or level:
        configure("json" if log_format == "json" else "text", _level(level))
    _state["owner"] = "cli"


def for_service(log_format: str, level: str | None) -> None:
    """``gcw serve`` and each of its workers: ``GCW_LOG_LEVEL``, else the level ``gcw serve --log-level`` gave
    uvicorn (``info`` by default), so that ``--log-level warning`` keeps the whole server quiet."""
    configure(log_format, _level(level))


def for_flows(log_format: str, level: str | None) -> None:
    """A flow run. Inside a ``gcw`` command the command has decided already. In a Prefect worker, JSON gets
    our handler; text goes through Prefect's own console handler (and, with
    ``PREFECT_LOGGING_EXTRA_LOGGERS=gcworkflow``, to the Prefect UI), so only the level is set here."""
    if _state["owner"] is not None:
        return
    if log_format == "json":
        configure("json", _level(level))
        return
    logger = logging.getLogger(ROOT)
    if logger.level == logging.NOTSET:
        logger.setLevel(_level(level))


# --- the lines ------------------------------------------------------------------------------------------


def line(logger: logging.Logger, level: int, event: str, fields: Mapping[str, Any]) -> None:
    """One structured line: ``event`` then its fields as words (message) and as keys (JSON)."""
    if logger.isEnabledFor(level):
        shown = {k: v for k, v in fields.items() if v is not None}
        logger.log(level, "%s %s", event, words(shown), extra={"gcw": {"event": event, **shown}})


@dataclass
class Timed:
    """What a timed line will say: its fields, filled in as the work goes (``outcome`` at the end)."""

    fields: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


@contextmanager
def timed(logger: logging.Logger, event: str, **fields: Any) -> Iterator[Timed]:
    """Log one line when the block ends: the fields, ``outcome`` (``ok``, a refusal's code, or ``error`` and
    the exception's type) and ``duration_ms``. The exception itself goes on its way untouched."""
    timed_line = Timed(dict(fields))
    level, outcome = logging.INFO, "ok"
    try:
        yield timed_line
    except GcwError as refusal:
        outcome = refusal.code  # a refusal is an answer, not a failure of the service
        raise
    except BaseException as exc:
        level, outcome = logging.ERROR, "error"
        timed_line.fields["error"] = type(exc).__name__
        raise
    finally:
        duration = round((time.perf_counter() - timed_line.started) * 1000, 1)
        line(logger, level, event, {**timed_line.fields, "outcome": outcome, "duration_ms": duration})
