"""CSV: opens in a spreadsheet with the Korean intact."""

from __future__ import annotations

import csv
import io
from typing import Any

from gcworkflow.audit.queries._base import QueryResult
from gcworkflow.canonical import canonical_text

# A spreadsheet reads a cell starting with one of these as a formula ("=cmd|' /C calc'!A0"): OWASP's CSV
# injection advice is to start such a cell with a quote, which shows it as the text it is.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell as text: lists and mappings as compact JSON (so nothing is lost), booleans as true/false, numbers
    as they are, and text that a spreadsheet would run as a formula behind a quote (')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return canonical_text(value)
    if isinstance(value, (int, float)):
        return str(value)  # -3 is a number, not a formula
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def csv_text(result: QueryResult) -> str:
    """UTF-8 CSV with a BOM (Excel then reads the Korean as UTF-8), every column, Korean headings."""
    out = io.StringIO("\ufeff")
    out.seek(1)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.label for c in result.columns])
    for row in result.rows:
        writer.writerow([csv_cell(row.get(c.key)) for c in result.columns])
    return out.getvalue()
