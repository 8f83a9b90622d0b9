"""CSV: opens in a spreadsheet with the Korean intact."""

from __future__ import annotations

import csv
import io
from typing import Any

from gcworkflow.audit.queries._base import QueryResult
from gcworkflow.canonical import canonical_text


def csv_cell(value: Any) -> str:
    """A cell as text: lists and mappings as compact JSON (so nothing is lost), booleans as true/false."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return canonical_text(value)
    return str(value)


def csv_text(result: QueryResult) -> str:
    """UTF-8 CSV with a BOM (Excel then reads the Korean as UTF-8), every column, Korean headings."""
    out = io.StringIO("\ufeff")
    out.seek(1)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in result.columns])
    for row in result.rows:
        writer.writerow([csv_cell(row.get(c.key)) for c in result.columns])
    return out.getvalue()
