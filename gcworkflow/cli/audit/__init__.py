"""`gcw audit …`: questions about past decisions, verification of the trail, checkpoints, records archives.

Queries (a named user with the role: `gcw --as USER audit …`; auditors and approvers see every procedure, a
clerk the procedures they are assigned to or acted on):

    history ID            the full history of one procedure, with each action's documents and hashes
    actions               actions across procedures, e.g. one person's in a month: --actor kim --month 2026-03
    decisions             committee decisions, e.g. --year 2026 [--outcome 부결]
    refusals              refused attempts and why (each unmet requirement and its article)
    late-notifications    governor notifications after the "지체 없이" date, with the justification
    as-of DATE            every procedure's state at the end of DATE (KST), replayed from the events
    report stages         days in each stage per procedure and the median per stage (the SLA report)
    reads                 who queried what, when

Each takes the same narrowing options (--procedure, --cluster, --kind, --actor, --role, --trigger, --state,
--outcome, --article, --from/--to/--year/--month in KST), pages (--limit, --page or --offset, --all) and
prints a table, JSON or CSV (--format; --json is --format json; --output FILE writes the file; CSV is UTF-8
with a BOM so that a spreadsheet shows the Korean). Every query is recorded in `audit_reads`.

The operator (no --as) may run `verify`, `checkpoint` and `export`, which read or seal the whole trail.

The options and output live in ``_common``, the query commands in ``queries``, the others in ``trail``;
importing those two registers their commands on ``app`` in the order `gcw audit --help` lists them.
"""

from __future__ import annotations

import typer

from gcworkflow.cli.audit import queries, trail
from gcworkflow.cli.audit._common import app

__all__ = ["app", "queries", "register", "trail"]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="audit", rich_help_panel="감사·도구")
