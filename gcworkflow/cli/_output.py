"""Output helpers: JSON for machines, aligned plain-text tables and KST times for people.

Tables are plain text rather than rich tables so that a pipe or a narrow terminal never wraps or truncates
a cell; widths count Hangul as two columns, as terminals draw it.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer

from gcworkflow.inputs import visible

SEOUL = ZoneInfo("Asia/Seoul")


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def compact(data: Any) -> str:
    """One-line JSON, for a detail inside human output; JSON escapes C0 controls, :func:`visible` the rest."""
    return visible(json.dumps(data, ensure_ascii=False, default=str))


def width(text: str) -> int:
    return sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text
    )


def cell(value: Any) -> str:
    """A value as one line of a table: control characters escaped, so that a row stored before names were
    checked (issue 15) cannot move the cursor, recolour the terminal or break the table."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, list | tuple):
        return ", ".join(visible(str(v)) for v in value) or "-"
    return visible(str(value))


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([width(h)] + [width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        padded = [v + " " * (w - width(v)) for v, w in zip(values, widths, strict=True)]
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], empty: str) -> None:
    typer.echo(table(headers, rows) if rows else empty)


def kst(instant: str | None) -> str:
    """A stored UTC instant (ISO-8601) as clerks read it: KST, to the minute."""
    if not instant:
        return "-"
    return datetime.fromisoformat(instant).astimezone(SEOUL).strftime("%Y-%m-%d %H:%M")


def fields(pairs: Sequence[tuple[str, Any]]) -> str:
    """``label  value`` lines with the labels aligned."""
    label_width = max(width(label) for label, _ in pairs)
    return "\n".join(f"{label}{' ' * (label_width - width(label))}  {cell(value)}" for label, value in pairs)
