"""What every audit query shares: who asks (:class:`Reader`) and what they may see (:class:`Scope`), what
narrows a query (:class:`Filters`), which page (:class:`Page`), the answer (:class:`QueryResult` of
:class:`Column`), the columns several answers carry, and :func:`answer`, which runs a query for a reader and
records the read.

Dates are KST calendar days; an event's instant is UTC, so a KST day runs from 15:00 UTC the day before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, insert, or_, select
from sqlalchemy.orm import Session

from gcworkflow.access import load_principal
from gcworkflow.canonical import canonical_text
from gcworkflow.clock import SEOUL, to_kst
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, AuditRead, Procedure
from gcworkflow.errors import Forbidden, GcwError, InvalidInput, NotFound
from gcworkflow.korean import with_particle
from gcworkflow.procedures.spec import ROLE_LABELS, Role

OPERATOR = "operator"
_e = AuditEvent.__table__
_p = Procedure.__table__

audit_reads = AuditRead.__table__

DECISIONS = ("원안 의결", "수정 의결", "보완", "부결", "보류")
SIGNOFF_TRIGGERS = ("propose", "reject_proposal")
SIGNOFF_BASIS = "운영방침: 2인 결재 원칙"
# Who may read which procedure's record (procedure.md §6 gives the auditor everything; the rest is the office's).
READ_BASIS = "운영방침: 감사 기록 열람 범위"
META_LABELS = {"open": "절차 개시", "propose": "결재 상신", "reject_proposal": "결재 반려"}
EVENT_OUTCOMES = {
    "transition": "단계 전환",
    "record": "기록",
    "proposal": "결재 상신·반려",
    "committee_decision": "위원회 의결",
    "system": "절차 밖 관리 기록",
}
REFUSAL_CODES = {
    "guard_failed": "요건 미충족",
    "forbidden": "권한 없음",
    "conflict": "충돌",
    "invalid_input": "입력 오류",
    "not_found": "없음",
    "integrity": "변조 의심 (행이 감사 기록과 다름)",
}
OPEN_CLOSED = {"open": "진행 중", "closed": "종료"}


# --- who asks, about what, which page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """Who asks, through which interface (and, for the CLI, as which OS user); ``operator`` is the CLI
    without ``--as``. ``role``: the one role the credential is limited to (an API token), as for an Actor."""

    username: str
    interface: str = "api"
    os_user: str | None = None
    role: Role | None = None


@dataclass(frozen=True)
class Filters:
    """What narrows a query. Dates are KST calendar days, both ends included."""

    procedure_id: int | None = None
    cluster_id: int | None = None
    kind: str | None = None
    actor: str | None = None
    role: str | None = None
    trigger: str | None = None
    state: str | None = None
    outcome: str | None = None
    article: str | None = None
    since: date | None = None
    until: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            k: v.isoformat() if isinstance(v, date) else v for k, v in self.__dict__.items() if v is not None
        }

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """The period as UTC instants: [start of ``since`` in KST, start of the day after ``until`` in KST)."""
        if self.since and self.until and self.since > self.until:
            raise InvalidInput(f"기간의 시작({self.since})이 끝({self.until})보다 뒤입니다")
        # The first and the last day a date can name bound nothing (and their KST days leave datetime's range).
        return (
            kst_day_start(self.since) if self.since and self.since > date.min else None,
            kst_day_start(self.until + timedelta(days=1)) if self.until and self.until < date.max else None,
        )

    def period(self, instant: Any) -> list[ColumnElement[bool]]:
        """The period as conditions on an instant column (none for an end left open)."""
        low, high = self.bounds()
        conditions: list[ColumnElement[bool]] = []
        if low is not None:
            conditions.append(instant >= low)
        if high is not None:
            conditions.append(instant < high)
        return conditions

    def only(self, allowed: Iterable[str], query: str) -> None:
        unexpected = sorted(set(self.as_dict()) - set(allowed))
        if unexpected:
            raise InvalidInput(f"{query}에는 이 조건을 쓸 수 없습니다: {', '.join(unexpected)}")

    def outcome_in(self, allowed: dict[str, str] | Sequence[str], query: str) -> None:
        if self.outcome is not None and self.outcome not in allowed:
            raise InvalidInput(
                f"{query}의 결과(outcome)는 다음 중 하나입니다: {', '.join(allowed)} (받은 값: {self.outcome})"
            )


@dataclass(frozen=True)
class Page:
    """``limit`` None: every row."""

    limit: int | None = 100
    offset: int = 0

    def __post_init__(self) -> None:
        if self.limit is not None and self.limit < 1:
            raise InvalidInput("한 쪽의 행 수(limit)는 1 이상이어야 합니다")
        if self.offset < 0:
            raise InvalidInput("건너뛸 행 수(offset)는 0 이상이어야 합니다")

    def apply(self, query: Select[Any]) -> Select[Any]:
        query = query.offset(self.offset) if self.offset else query
        return query.limit(self.limit) if self.limit is not None else query

    def cut(self, rows: Sequence[Any]) -> list[Any]:
        end = None if self.limit is None else self.offset + self.limit
        return list(rows[self.offset : end])

    def as_dict(self) -> dict[str, Any]:
        return {"limit": self.limit, "offset": self.offset}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    in_table: bool = True  # the terminal table shows a subset; CSV and JSON carry every column

    def shown(self) -> Column:
        """The same column, shown in the terminal table too."""
        return replace(self, in_table=True)

    def hidden(self) -> Column:
        """The same column, in CSV and JSON only."""
        return replace(self, in_table=False)


@dataclass
class QueryResult:
    query: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    total: int
    page: Page
    parameters: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "title": self.title,
            "parameters": self.parameters,
            "total": self.total,
            **self.page.as_dict(),
            "columns": [{"key": c.key, "label": c.label} for c in self.columns],
            "rows": self.rows,
        }


def kst_day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SEOUL).astimezone(UTC)


def kst_text(moment: datetime | None) -> str | None:
    return to_kst(moment).strftime("%Y-%m-%d %H:%M") if moment else None


# --- access and the record of reads -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a reader may see: everything, or the procedures they work on plus their own actions."""

    username: str
    roles: tuple[str, ...]
    everything: bool
    procedures: frozenset[int] = frozenset()

    def events(self, column_procedure: Any, column_actor: Any) -> list[ColumnElement[bool]]:
        """The condition on rows (events, refusals) this reader may see; none when they see everything."""
        if self.everything:
            return []
        return [or_(column_procedure.in_(sorted(self.procedures)), column_actor == self.username)]

    def procedure_ids(self, column: Any) -> list[ColumnElement[bool]]:
        return [] if self.everything else [column.in_(sorted(self.procedures))]

    def sees(self, procedure_id: int) -> bool:
        return self.everything or procedure_id in self.procedures

    def require(self, procedure_id: int) -> None:
        """``forbidden`` unless this reader may see the procedure's record (its events and refusals)."""
        if not self.sees(procedure_id):
            raise Forbidden(
                f"{with_particle(self.username, '은')} {procedure_id}번 절차의 감사 기록을 볼 수 없습니다: 담당하거나 "
                f"처리한 절차가 아닙니다 ({READ_BASIS}). 담당 주무관·결재권자·감사에게 요청하십시오."
            )

    def require_document(self, document_id: int, procedure_id: int | None) -> None:
        """``forbidden`` unless this reader may see the procedure the document belongs to."""
        if not (self.everything or (procedure_id is not None and procedure_id in self.procedures)):
            raise Forbidden(
                f"{with_particle(self.username, '은')} {document_id}번 문서를 볼 수 없습니다: 담당하거나 처리한 "
                f"절차의 문서가 아닙니다 ({READ_BASIS}). 담당 주무관·결재권자·감사에게 요청하십시오."
            )


def reader_scope(session: Session, reader: Reader, *, operator: bool = False) -> Scope:
    """Auditors and approvers see every procedure; clerks and committee secretaries those they are assigned
    to now or acted on; anyone else nothing. ``operator``: the CLI without ``--as`` may (verify and export)."""
    if reader.username == OPERATOR:
        if operator:
            return Scope(OPERATOR, (OPERATOR,), True)
        raise Forbidden(
            "감사 기록(처리 이력·거부 기록·감사 조회)은 누가 보는지 밝혀야 볼 수 있습니다: "
            "`gcw --as 사용자이름 audit …`, `gcw --as 사용자이름 history …` 또는 GCW_USER "
            f"(--as 없는 operator는 검증·기록물 내보내기·체크포인트만 할 수 있습니다; {READ_BASIS})"
        )
    principal = load_principal(session, reader.username, acting_as=reader.role)
    roles = tuple(sorted(r.value for r in principal.roles))
    if {Role.AUDITOR, Role.APPROVER} & principal.roles:
        return Scope(reader.username, roles, True)
    if {Role.CLERK, Role.COMMITTEE_SECRETARY} & principal.roles:
        assigned = session.execute(select(_p.c.id).where(_p.c.clerk_id == principal.user.id)).scalars()
        acted = session.execute(
            select(_e.c.procedure_id)
            .where(_e.c.actor == reader.username, _e.c.procedure_id.is_not(None))
            .distinct()
        ).scalars()
        return Scope(reader.username, roles, False, frozenset(assigned) | frozenset(acted))
    held = ", ".join(ROLE_LABELS[r] for r in sorted(principal.roles)) or "없음"
    raise Forbidden(
        "감사 조회는 감사·결재권자(모든 절차)와 담당 주무관·위원회 간사(맡거나 처리한 절차)만 할 수 있습니다 "
        f"({reader.username}의 권한: {held}; {READ_BASIS})"
    )


def record_read(
    ctx: Context,
    reader: Reader,
    roles: Sequence[str],
    query: str,
    parameters: dict[str, Any],
    rows: int | None,
    outcome: str,
) -> None:
    """Who read what, when, and what came of it: in its own append-only table, outside the chains."""
    with ctx.db.write() as session:
        session.execute(
            insert(audit_reads).values(
                occurred_at=ctx.clock.now(),
                actor=reader.username,
                roles=",".join(roles),
                interface=reader.interface,
                os_user=reader.os_user,
                query=query,
                parameters=canonical_text(parameters),
                rows=rows,
                outcome=outcome,
            )
        )


T = TypeVar("T")


def answer(
    ctx: Context,
    reader: Reader,
    query: str,
    parameters: dict[str, Any],
    body: Callable[[Session, Scope], T],
    count: Callable[[T], int],
    *,
    operator: bool = False,
) -> T:
    """Run one query for one reader and record the read, refused or answered, before anything is returned.
    ``operator``: the CLI without ``--as`` may read this (what it may export anyway: documents, plans)."""
    roles: tuple[str, ...] = ()
    try:
        with ctx.db.read() as session:
            scope = reader_scope(session, reader, operator=operator)
            roles = scope.roles
            result = body(session, scope)
    except GcwError as error:
        record_read(ctx, reader, roles, query, parameters, None, error.code)
        raise
    record_read(ctx, reader, roles, query, parameters, count(result), "ok")
    return result


def read_procedure(
    ctx: Context,
    reader: Reader,
    query: str,
    procedure_id: int,
    body: Callable[[Session], T],
    count: Callable[[T], int],
    parameters: dict[str, Any] | None = None,
    *,
    operator: bool = False,
) -> T:
    """One procedure's record (its events, its refused attempts) as any interface shows it — API, page or
    command line: the audit queries' scope decides whether this reader may see it, and the read is recorded,
    refused or answered, like every audit query."""

    def scoped(session: Session, scope: Scope) -> T:
        if session.execute(select(_p.c.id).where(_p.c.id == procedure_id)).first() is None:
            raise NotFound(f"{procedure_id}번 절차가 없습니다")
        scope.require(procedure_id)
        return body(session)

    return answer(
        ctx,
        reader,
        query,
        {"procedure_id": procedure_id, **(parameters or {})},
        scoped,
        count,
        operator=operator,
    )


def answer_rows(
    ctx: Context,
    reader: Reader,
    query: str,
    parameters: dict[str, Any],
    body: Callable[[Session, Scope], QueryResult],
) -> QueryResult:
    """:func:`answer` for a query whose answer is one table: the read records how many rows it returned."""
    return answer(ctx, reader, query, parameters, body, lambda result: len(result.rows))
