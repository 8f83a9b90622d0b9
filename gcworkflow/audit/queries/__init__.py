"""Questions about past decisions, answered from the audit trail (issue #6).

The auditors' questions, one module each: the full history of one procedure (:func:`history`), every action
by one person or any other narrowing (:func:`actions`), committee decisions (:func:`decisions`), refused
attempts and why (:func:`refusals`), late governor notifications (:func:`late_notifications`), the state of
every procedure on a past date (:func:`as_of`), the time spent in each stage (:func:`stage_report`), and who
read what (:func:`reads`).

Every answer comes from the events (and, for refusals, from the refused attempts), never from the current
rows of the procedures: a procedure's state on a date is replayed from its events, the time spent in a stage is
measured between the events that entered and left it. Each query is a plain function of a :class:`Reader`,
:class:`Filters` and a :class:`Page`, returning a :class:`QueryResult` (rows as plain dicts, columns with
their Korean headings), so the CLI and the web API share it; :func:`csv_text` gives the spreadsheet form.

Who may ask (procedure.md §6): auditors and approvers see every procedure; a clerk (or a committee secretary)
sees the procedures they are assigned to now or acted on, and their own actions. The operator (the CLI without
``--as``) may verify and export but not query. Every query, answered or refused, is recorded in
``audit_reads``, outside the hash chains, so that reading never lengthens them. The same rule and record hold
for a procedure's history and refusals wherever an interface shows them (:func:`read_procedure`): the API, the
procedure page and `gcw history` answer exactly as `gcw audit history` does.

The package only reads: it writes nothing but the record of reads, and never imports the engine (``engine``,
``_engine``), automation, the CLI, the web or the flows, which call it.

Dates are KST calendar days; an event's instant is UTC, so a KST day runs from 15:00 UTC the day before.
"""

from __future__ import annotations

from gcworkflow.audit.queries._base import (
    OPERATOR,
    READ_BASIS,
    Column,
    Filters,
    Page,
    QueryResult,
    Reader,
    Scope,
    answer,
    audit_reads,
    read_procedure,
    reader_scope,
    record_read,
)
from gcworkflow.audit.queries._definitions import cites
from gcworkflow.audit.queries._events import transition
from gcworkflow.audit.queries.actions import actions
from gcworkflow.audit.queries.as_of import as_of
from gcworkflow.audit.queries.decisions import decisions
from gcworkflow.audit.queries.export import csv_cell, csv_text
from gcworkflow.audit.queries.history import history, history_rows, procedure_record
from gcworkflow.audit.queries.late_notifications import late_notifications
from gcworkflow.audit.queries.reads import reads
from gcworkflow.audit.queries.refusals import refusals
from gcworkflow.audit.queries.stage_report import StageReport, stage_report

__all__ = [
    "OPERATOR",
    "READ_BASIS",
    "Column",
    "Filters",
    "Page",
    "QueryResult",
    "Reader",
    "Scope",
    "StageReport",
    "actions",
    "answer",
    "as_of",
    "audit_reads",
    "cites",
    "csv_cell",
    "csv_text",
    "decisions",
    "history",
    "history_rows",
    "late_notifications",
    "procedure_record",
    "read_procedure",
    "reader_scope",
    "reads",
    "record_read",
    "refusals",
    "stage_report",
    "transition",
]
