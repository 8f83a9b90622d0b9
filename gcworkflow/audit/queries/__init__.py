"""Questions about past decisions, answered from the audit trail (issue #6).

Every answer comes from the events (and, for refusals, from the refused attempts), never from the current
rows of the procedures: a procedure's state on a date is replayed from its events, the time spent in a stage is
measured between the events that entered and left it. Each query is a plain function of a :class:`Reader`,
:class:`Filters` and a :class:`Page`, returning a :class:`QueryResult` (rows as plain dicts, columns with
their Korean headings), so the CLI and the web API share it; :func:`csv_text` gives the spreadsheet form.

Who may ask (procedure.md §6): auditors and approvers see every procedure; a clerk (or a committee secretary)
sees the procedures they are assigned to now or acted on, and their own actions. The operator (the CLI without
``--as``) may verify and export but not query. Every query, answered or refused, is recorded in
``audit_reads``, outside the hash chains, so that reading never lengthens them.

Dates are KST calendar days; an event's instant is UTC, so a KST day runs from 15:00 UTC the day before.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    false,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import Session

from gcworkflow.access import load_principal
from gcworkflow.canonical import canonical_text, format_instant, loads
from gcworkflow.clock import SEOUL, to_kst
from gcworkflow.context import Context
from gcworkflow.db.models import (
    AuditEvent,
    AuditRead,
    Cluster,
    Document,
    Procedure,
    RefusedAttempt,
    RoleGrant,
    User,
)
from gcworkflow.errors import Forbidden, GcwError, InvalidInput, NotFound
from gcworkflow.korean import with_particle
from gcworkflow.procedures.common import party_name
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import definitions
from gcworkflow.procedures.spec import ROLE_LABELS, ProcedureDefinition, Role

__all__ = [
    "DECISIONS",
    "OPERATOR",
    "Column",
    "Filters",
    "Page",
    "QueryResult",
    "Reader",
    "Scope",
    "StageReport",
    "actions",
    "as_of",
    "audit_reads",
    "cites",
    "csv_cell",
    "csv_text",
    "decisions",
    "history",
    "history_rows",
    "kst_day_start",
    "late_notifications",
    "procedure_record",
    "reader_scope",
    "reads",
    "record_read",
    "refusals",
    "stage_report",
]

OPERATOR = "operator"
_e = AuditEvent.__table__
_p = Procedure.__table__
_r = RefusedAttempt.__table__

audit_reads = AuditRead.__table__

DECISIONS = ("원안 의결", "수정 의결", "보완", "부결", "보류")
SIGNOFF_TRIGGERS = ("propose", "reject_proposal")
SIGNOFF_BASIS = "운영방침: 2인 결재 원칙"
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
        return (
            kst_day_start(self.since) if self.since else None,
            kst_day_start(self.until + timedelta(days=1)) if self.until else None,
        )

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


def _kst(moment: datetime | None) -> str | None:
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


def reader_scope(session: Session, reader: Reader, *, operator: bool = False) -> Scope:
    """Auditors and approvers see every procedure; clerks and committee secretaries those they are assigned
    to now or acted on; anyone else nothing. ``operator``: the CLI without ``--as`` may (verify and export)."""
    if reader.username == OPERATOR:
        if operator:
            return Scope(OPERATOR, (OPERATOR,), True)
        raise Forbidden(
            "감사 조회는 권한이 있는 사용자로 하십시오: `gcw --as 사용자이름 audit …` 또는 GCW_USER "
            "(--as 없는 operator는 검증·기록물 내보내기·체크포인트만 할 수 있습니다)"
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
        f"({reader.username}의 권한: {held})"
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


def _answer(
    ctx: Context,
    reader: Reader,
    query: str,
    parameters: dict[str, Any],
    body: Callable[[Session, Scope], T],
    count: Callable[[T], int],
) -> T:
    """Run one query for one reader and record the read, refused or answered, before anything is returned."""
    roles: tuple[str, ...] = ()
    try:
        with ctx.db.read() as session:
            scope = reader_scope(session, reader)
            roles = scope.roles
            result = body(session, scope)
    except GcwError as error:
        record_read(ctx, reader, roles, query, parameters, None, error.code)
        raise
    record_read(ctx, reader, roles, query, parameters, count(result), "ok")
    return result


# --- what the definitions say about an event -------------------------------------------------------------------


@dataclass(frozen=True)
class _ProcedureInfo:
    id: int
    title: str
    kind: str
    definition: ProcedureDefinition
    cluster: str | None


def _procedures(session: Session, ids: Iterable[int | None]) -> dict[int, _ProcedureInfo]:
    wanted = sorted({i for i in ids if i is not None})
    found: dict[int, _ProcedureInfo] = {}
    for n in range(0, len(wanted), 1000):
        rows = session.execute(
            select(_p.c.id, _p.c.title, _p.c.kind, _p.c.definition_version, Cluster.name)
            .select_from(_p.outerjoin(Cluster.__table__, Cluster.id == _p.c.cluster_id))
            .where(_p.c.id.in_(wanted[n : n + 1000]))
        )
        for row in rows:
            found[row.id] = _ProcedureInfo(
                row.id, row.title, row.kind, definition_of(row.kind, row.definition_version), row.name
            )
    return found


def _label(definition: ProcedureDefinition | None, trigger: str) -> str:
    if trigger in META_LABELS:
        return META_LABELS[trigger]
    action = definition.action(trigger) if definition else None
    return action.label if action else trigger


def _basis(definition: ProcedureDefinition | None, trigger: str) -> str | None:
    if definition is None:
        return None
    if trigger == "open":
        return definition.basis
    if trigger in SIGNOFF_TRIGGERS:
        return SIGNOFF_BASIS
    action = definition.action(trigger)
    return action.basis if action else None


def _state_label(definition: ProcedureDefinition | None, state: str | None) -> str | None:
    if state is None:
        return None
    try:
        return definition.state(state).label if definition else state
    except KeyError:
        return state


def _stage(definition: ProcedureDefinition | None, before: str | None, after: str | None) -> str | None:
    if before == after:
        return _state_label(definition, after)
    if before is None:
        return f"→ {_state_label(definition, after)}"
    return f"{_state_label(definition, before)} → {_state_label(definition, after)}"


def _role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


_CIRCLED = {chr(0x2460 + n): f"제{n + 1}항" for n in range(20)}  # ① … ⑳, the tables' shorthand


def _normal_article(text: str) -> str:
    flat = "".join(_CIRCLED.get(c, c) for c in text if not c.isspace())
    return flat.replace("시행령", "영").replace("시행규칙", "규칙")


def cites(basis: str | None, article: str) -> bool:
    """Whether ``basis`` cites ``article`` ("제9조제1항", "법 제10조", "영 제6조", "제9조①"): a match that does
    not run on into another number ("제1조" is not "제10조")."""
    if not basis:
        return False
    wanted, text = _normal_article(article), _normal_article(basis)
    start = text.find(wanted)
    while start >= 0:
        end = start + len(wanted)
        if end == len(text) or not text[end].isdigit():
            return True
        start = text.find(wanted, start + 1)
    return False


# --- conditions on events -----------------------------------------------------------------------------------


def _in_procedures(column: Any, filters: Filters) -> ColumnElement[bool] | None:
    """The cluster and kind filters, as "the event's procedure is one of these" (both never change)."""
    if filters.cluster_id is None and filters.kind is None:
        return None
    chosen = select(_p.c.id)
    if filters.cluster_id is not None:
        chosen = chosen.where(_p.c.cluster_id == filters.cluster_id)
    if filters.kind is not None:
        chosen = chosen.where(_p.c.kind == filters.kind)
    return column.in_(chosen)


def _article_condition(events: Any, article: str) -> ColumnElement[bool]:
    """Events whose action rests on ``article``: per definition, the triggers whose basis cites it."""
    branches = []
    for definition in definitions():
        triggers = {a.trigger for a in definition.actions if cites(a.basis, article)}
        if cites(definition.basis, article):
            triggers.add("open")
        if cites(SIGNOFF_BASIS, article):
            triggers.update(SIGNOFF_TRIGGERS)
        if triggers:
            of_kind = select(_p.c.id).where(
                _p.c.kind == definition.kind, _p.c.definition_version == definition.version
            )
            branches.append(and_(events.c.trigger.in_(sorted(triggers)), events.c.procedure_id.in_(of_kind)))
    return or_(*branches) if branches else false()


def _transition(events: Any) -> ColumnElement[bool]:
    """Spelled as the partial index ix_audit_events_transitions is, so that SQLite uses it."""
    c = events.c
    return and_(c.procedure_id.is_not(None), or_(c.from_state.is_(None), c.from_state != c.to_state))


def _outcome_condition(events: Any, outcome: str) -> ColumnElement[bool]:
    c = events.c
    in_procedure = c.procedure_id.is_not(None)
    if outcome == "system":
        return c.procedure_id.is_(None)
    if outcome == "proposal":
        return and_(in_procedure, c.trigger.in_(SIGNOFF_TRIGGERS))
    if outcome == "committee_decision" or outcome in DECISIONS:
        return and_(in_procedure, c.trigger == "record_committee_decision")
    if outcome == "transition":
        return and_(_transition(events), c.trigger.not_in(SIGNOFF_TRIGGERS))
    return and_(
        in_procedure,
        c.from_state == c.to_state,
        c.trigger.not_in((*SIGNOFF_TRIGGERS, "record_committee_decision")),
    )


def _outcome_of(row: Any) -> str:
    if row.procedure_id is None:
        return "system"
    if row.trigger in SIGNOFF_TRIGGERS:
        return "proposal"
    if row.trigger == "record_committee_decision":
        return "committee_decision"
    if row.from_state is None or row.from_state != row.to_state:
        return "transition"
    return "record"


def _event_conditions(
    events: Any, filters: Filters, scope: Scope, *, period: bool = True
) -> list[ColumnElement[bool]]:
    c = events.c
    conditions = scope.events(c.procedure_id, c.actor)
    if filters.procedure_id is not None:
        conditions.append(c.procedure_id == filters.procedure_id)
    chosen = _in_procedures(c.procedure_id, filters)
    if chosen is not None:
        conditions.append(chosen)
    if filters.actor is not None:
        conditions.append(c.actor == filters.actor)
    if filters.role is not None:
        conditions.append(c.actor_role == filters.role)
    if filters.trigger is not None:
        conditions.append(c.trigger == filters.trigger)
    if filters.state is not None:
        conditions.append(or_(c.from_state == filters.state, c.to_state == filters.state))
    if filters.article is not None:
        conditions.append(_article_condition(events, filters.article))
    if filters.outcome is not None and filters.outcome in {*EVENT_OUTCOMES, *DECISIONS}:
        conditions.append(_outcome_condition(events, filters.outcome))
    if period:
        low, high = filters.bounds()
        if low is not None:
            conditions.append(c.occurred_at >= low)
        if high is not None:
            conditions.append(c.occurred_at < high)
    return conditions


_EVENT_COLUMNS = (
    _e.c.id,
    _e.c.chain,
    _e.c.seq,
    _e.c.procedure_id,
    _e.c.procedure_version,
    _e.c.occurred_at,
    _e.c.actor,
    _e.c.actor_role,
    _e.c.interface,
    _e.c.os_user,
    _e.c.trigger,
    _e.c.from_state,
    _e.c.to_state,
    _e.c.comment,
    _e.c.hash,
)


def _fetch_events(
    session: Session,
    conditions: list[ColumnElement[bool]],
    page: Page,
    order: Sequence[Any],
    *,
    payload: bool = False,
    keep: Callable[[Any], bool] | None = None,
) -> tuple[list[Any], int]:
    """The page of matching events and how many match in all. ``keep`` is a condition only Python can test
    (it reads the payload): then every match is read, ordered and cut here; left without an ORDER BY, the
    database picks the index that narrows most (SQLite otherwise walks a whole year through
    ix_audit_events_occurred to spare a sort of a few thousand rows)."""
    columns = (*_EVENT_COLUMNS, _e.c.payload) if payload else _EVENT_COLUMNS
    query = select(*columns).where(*conditions)
    if keep is None:
        total = session.execute(select(func.count()).select_from(_e).where(*conditions)).scalar_one()
        return session.execute(page.apply(query.order_by(*order))).all(), total
    matching = sorted(
        (row for row in session.execute(query) if keep(row)),
        key=lambda row: tuple(getattr(row, column.key) for column in order),
    )
    return page.cut(matching), len(matching)


def _event_row(row: Any, info: _ProcedureInfo | None) -> dict[str, Any]:
    definition = info.definition if info else None
    outcome = _outcome_of(row)
    return {
        "event_id": row.id,
        "occurred_at": format_instant(row.occurred_at),
        "occurred_at_kst": _kst(row.occurred_at),
        "procedure_id": row.procedure_id,
        "procedure_title": info.title if info else None,
        "chain": row.chain,
        "seq": row.seq,
        "version": row.procedure_version,
        "actor": row.actor,
        "role": row.actor_role,
        "role_label": _role_label(row.actor_role),
        "interface": row.interface,
        "os_user": row.os_user,
        "trigger": row.trigger,
        "label": _label(definition, row.trigger),
        "from_state": row.from_state,
        "to_state": row.to_state,
        "stage": _stage(definition, row.from_state, row.to_state),
        "outcome": outcome,
        "outcome_label": EVENT_OUTCOMES[outcome],
        "basis": _basis(definition, row.trigger),
        "comment": row.comment,
        "hash": row.hash,
    }


_EVENT_TABLE = (
    Column("event_id", "사건"),
    Column("occurred_at_kst", "시각(KST)"),
    Column("occurred_at", "시각(UTC)", False),
    Column("procedure_id", "절차"),
    Column("procedure_title", "절차 이름", False),
    Column("chain", "체인", False),
    Column("seq", "순번", False),
    Column("version", "판", False),
    Column("actor", "행위자"),
    Column("role", "역할", False),
    Column("role_label", "역할 이름"),
    Column("interface", "경로", False),
    Column("os_user", "OS 사용자", False),
    Column("trigger", "처리 코드", False),
    Column("label", "처리"),
    Column("from_state", "이전 단계 코드", False),
    Column("to_state", "다음 단계 코드", False),
    Column("stage", "단계"),
    Column("outcome", "결과 코드", False),
    Column("outcome_label", "결과", False),
    Column("basis", "근거"),
    Column("comment", "설명", False),
    Column("hash", "해시(SHA-256)", False),
)


def _recorded_by(events: Any, trigger: str, fact: str) -> ColumnElement[bool]:
    """The events that recorded a fact of ``fact``'s kind: its own action, or a correction of one. Spelled as
    "trigger IN (…) AND …" so that the trigger index is used, not a scan of the period."""
    c = events.c
    return and_(
        c.trigger.in_((trigger, "correct")),
        or_(c.trigger == trigger, c.payload.like(f'%"fact":"{fact}"%')),
    )


def _payload_of(row: Any) -> dict[str, Any]:
    try:
        parsed = loads(row.payload)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _effect_facts(payload: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e for e in payload.get("effects", []) if isinstance(e, dict) and e.get("fact") == kind]


# --- 1. the full history of one procedure ---------------------------------------------------------------------


def procedure_record(session: Session, procedure_id: int) -> dict[str, Any]:
    """What identifies a procedure in a report: number, title, kind and version, cluster (none change)."""
    info = _procedures(session, [procedure_id]).get(procedure_id)
    if info is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    return {
        "id": info.id,
        "title": info.title,
        "kind": info.kind,
        "definition_version": info.definition.version,
        "cluster": info.cluster,
    }


_HISTORY_TABLE = (
    Column("seq", "순번"),
    *(
        replace(c, in_table=False) if c.key in ("event_id", "procedure_id") else c
        for c in _EVENT_TABLE
        if c.key != "seq"
    ),
    Column("documents", "문서(해시)"),
    Column("input", "입력", False),
    Column("effects", "기록한 내용", False),
    Column("proposal", "결재", False),
)


def history_rows(
    session: Session, procedure_id: int, filters: Filters = Filters(), page: Page = Page(None)
) -> QueryResult:
    """A procedure's history as :func:`history` answers it, without the access check or the read record (the
    records archive writes it too)."""
    info = _procedures(session, [procedure_id]).get(procedure_id)
    if info is None:
        raise NotFound(f"{procedure_id}번 절차가 없습니다")
    narrowed = replace(filters, procedure_id=procedure_id)
    conditions = _event_conditions(_e, narrowed, Scope("", (), True))
    rows, total = _fetch_events(
        session, conditions, page, [_e.c.seq], payload=True, keep=_decision_keep(filters.outcome)
    )
    documents = _documents_of(session, [r.id for r in rows])
    result = []
    for row in rows:
        payload = _payload_of(row)
        item = _event_row(row, info)
        item.update(
            {
                "documents": documents.get(row.id, []),
                "input": payload.get("input"),
                "effects": payload.get("effects", []),
                "proposal": payload.get("proposal"),
            }
        )
        result.append(item)
    parameters = {"procedure_id": procedure_id, "filters": filters.as_dict(), "page": page.as_dict()}
    title = f"{procedure_id}번 절차 이력 — {info.title}"
    return QueryResult("history", title, _HISTORY_TABLE, result, total, page, parameters)


def history(
    ctx: Context, reader: Reader, procedure_id: int, filters: Filters = Filters(), page: Page = Page()
) -> QueryResult:
    """Every event of one procedure in chain order, with the documents each action produced and their
    hashes, and the payload it recorded (input, effects, the proposal it carried out)."""
    filters.only(
        ("actor", "role", "trigger", "state", "outcome", "article", "since", "until"), "절차 이력 조회"
    )
    filters.outcome_in([*EVENT_OUTCOMES, *DECISIONS], "절차 이력 조회")
    parameters = {"procedure_id": procedure_id, "filters": filters.as_dict(), "page": page.as_dict()}

    def body(session: Session, scope: Scope) -> QueryResult:
        procedure_record(session, procedure_id)
        if not scope.sees(procedure_id):
            raise Forbidden(
                f"{with_particle(scope.username, '은')} {procedure_id}번 절차의 감사 기록을 볼 수 없습니다 (담당·처리한 절차가 아님)"
            )
        return history_rows(session, procedure_id, filters, page)

    return _answer(ctx, reader, "history", parameters, body, lambda r: len(r.rows))


def _documents_of(session: Session, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {}
    for n in range(0, len(event_ids), 1000):
        rows = session.execute(
            select(Document).where(Document.event_id.in_(event_ids[n : n + 1000])).order_by(Document.id)
        ).scalars()
        for d in rows:
            found.setdefault(d.event_id, []).append(
                {
                    "id": d.id,
                    "direction": d.direction,
                    "kind": d.kind,
                    "title": d.title,
                    "filename": d.filename,
                    "media_type": d.media_type,
                    "size": d.size,
                    "sha256": d.sha256,
                }
            )
    return found


def _decision_keep(outcome: str | None) -> Callable[[Any], bool] | None:
    """A committee decision's value is in its payload: ``outcome`` 부결 keeps the events that recorded 부결."""
    if outcome not in DECISIONS:
        return None

    def keep(row: Any) -> bool:
        return any(
            f.get("data", {}).get("decision") == outcome
            for f in _effect_facts(_payload_of(row), "committee_decision")
        )

    return keep


# --- 2. every action by one person (or any other narrowing) ------------------------------------------------------


def actions(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """Events across procedures (and the system chain) in chronological order; ``outcome="refused"`` gives
    the refused attempts instead (:func:`refusals`)."""
    filters.outcome_in([*EVENT_OUTCOMES, *DECISIONS, "refused"], "처리 조회")
    if filters.outcome == "refused":
        return refusals(ctx, reader, filters, page)
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}

    def body(session: Session, scope: Scope) -> QueryResult:
        conditions = _event_conditions(_e, filters, scope)
        keep = _decision_keep(filters.outcome)
        rows, total = _fetch_events(
            session, conditions, page, [_e.c.occurred_at, _e.c.id], payload=keep is not None, keep=keep
        )
        infos = _procedures(session, (r.procedure_id for r in rows))
        return QueryResult(
            "actions",
            "처리 기록",
            _EVENT_TABLE,
            [_event_row(r, infos.get(r.procedure_id)) for r in rows],
            total,
            page,
            parameters,
        )

    return _answer(ctx, reader, "actions", parameters, body, lambda r: len(r.rows))


# --- 3. committee decisions --------------------------------------------------------------------------------


def decisions(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """Every committee decision recorded (and each correction of one), with the meeting, the votes and the
    의결서; ``outcome`` narrows to one decision (원안 의결, 수정 의결, 보완, 부결, 보류)."""
    filters.outcome_in([*DECISIONS, "committee_decision"], "위원회 의결 조회")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    wanted = filters.outcome if filters.outcome in DECISIONS else None

    def decision_of(row: Any) -> dict[str, Any] | None:
        facts = _effect_facts(_payload_of(row), "committee_decision")
        return facts[0].get("data", {}) if facts else None

    def keep(row: Any) -> bool:
        data = decision_of(row)
        return data is not None and (wanted is None or data.get("decision") == wanted)

    def body(session: Session, scope: Scope) -> QueryResult:
        narrowed = replace(filters, outcome=None)
        conditions = [
            *_event_conditions(_e, narrowed, scope),
            _recorded_by(_e, "record_committee_decision", "committee_decision"),
        ]
        rows, total = _fetch_events(
            session, conditions, page, [_e.c.occurred_at, _e.c.id], payload=True, keep=keep
        )
        infos = _procedures(session, (r.procedure_id for r in rows))
        result = []
        for row in rows:
            data = decision_of(row) or {}
            info = infos.get(row.procedure_id)
            result.append(
                {
                    "event_id": row.id,
                    "occurred_at": format_instant(row.occurred_at),
                    "occurred_at_kst": _kst(row.occurred_at),
                    "procedure_id": row.procedure_id,
                    "procedure_title": info.title if info else None,
                    "meeting": data.get("meeting"),
                    "decision": data.get("decision"),
                    "votes_for": data.get("votes_for"),
                    "votes_against": data.get("votes_against"),
                    "abstentions": data.get("abstentions"),
                    "amendments": data.get("amendments"),
                    "resolution_sha256": data.get("resolution_document_sha256"),
                    "recorded_by": row.actor,
                    "correction": row.trigger == "correct",
                    "corrects_event_id": data.get("corrects_event_id"),
                    "correction_reason": data.get("correction_reason"),
                    "basis": _basis(info.definition if info else None, row.trigger),
                    "hash": row.hash,
                }
            )
        return QueryResult(
            "decisions",
            "위원회 심의 결과",
            (
                Column("event_id", "사건"),
                Column("occurred_at_kst", "기록 시각(KST)"),
                Column("occurred_at", "기록 시각(UTC)", False),
                Column("procedure_id", "절차"),
                Column("procedure_title", "절차 이름"),
                Column("meeting", "회의"),
                Column("decision", "의결"),
                Column("votes_for", "찬성"),
                Column("votes_against", "반대"),
                Column("abstentions", "기권"),
                Column("amendments", "수정 내용", False),
                Column("resolution_sha256", "의결서 SHA-256", False),
                Column("recorded_by", "기록자"),
                Column("correction", "정정"),
                Column("corrects_event_id", "정정 대상 사건", False),
                Column("correction_reason", "정정 사유", False),
                Column("basis", "근거", False),
                Column("hash", "해시(SHA-256)", False),
            ),
            result,
            total,
            page,
            parameters,
        )

    return _answer(ctx, reader, "decisions", parameters, body, lambda r: len(r.rows))


# --- 4. refused attempts and why ---------------------------------------------------------------------------


def refusals(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """Every refused attempt: who, when, what, the refusal's code and message, each unmet requirement with
    its basis, and the stage the procedure was in at that moment (replayed from its events)."""
    filters.outcome_in([*REFUSAL_CODES, "refused"], "거부된 시도 조회")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    r = _r.c
    state_then = (
        select(_e.c.to_state)
        .where(_e.c.procedure_id == r.procedure_id, _e.c.occurred_at <= r.occurred_at)
        .order_by(_e.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )

    def keep(row: Any) -> bool:
        return any(cites(u.get("basis"), filters.article or "") for u in loads(row.unmet))

    def body(session: Session, scope: Scope) -> QueryResult:
        conditions = scope.events(r.procedure_id, r.actor)
        if filters.procedure_id is not None:
            conditions.append(r.procedure_id == filters.procedure_id)
        chosen = _in_procedures(r.procedure_id, filters)
        if chosen is not None:
            # An attempt to open a procedure has none yet: its trigger names the kind ("open:designation").
            opening = (
                r.trigger == f"open:{filters.kind}"
                if filters.kind and filters.cluster_id is None
                else false()
            )
            conditions.append(or_(chosen, opening))
        if filters.actor is not None:
            conditions.append(r.actor == filters.actor)
        if filters.role is not None:
            holders = (
                select(User.username)
                .join(RoleGrant, RoleGrant.user_id == User.id)
                .where(RoleGrant.role == filters.role)
            )
            conditions.append(r.actor.in_(holders))
        if filters.trigger is not None:
            conditions.append(
                or_(r.trigger == filters.trigger, r.trigger.like("open:%"))
                if filters.trigger == "open"
                else r.trigger == filters.trigger
            )
        if filters.state is not None:
            conditions.append(state_then == filters.state)
        if filters.outcome in REFUSAL_CODES:
            conditions.append(r.code == filters.outcome)
        low, high = filters.bounds()
        if low is not None:
            conditions.append(r.occurred_at >= low)
        if high is not None:
            conditions.append(r.occurred_at < high)
        query = select(_r, state_then.label("state_then")).where(*conditions).order_by(r.occurred_at, r.id)
        if filters.article is None:
            total = session.execute(select(func.count()).select_from(_r).where(*conditions)).scalar_one()
            rows = session.execute(page.apply(query)).all()
        else:
            matching = [row for row in session.execute(query) if keep(row)]
            rows, total = page.cut(matching), len(matching)
        infos = _procedures(session, (row.procedure_id for row in rows))
        result = []
        for row in rows:
            info = infos.get(row.procedure_id)
            definition = info.definition if info else None
            unmet = loads(row.unmet)
            result.append(
                {
                    "refusal_id": row.id,
                    "occurred_at": format_instant(row.occurred_at),
                    "occurred_at_kst": _kst(row.occurred_at),
                    "procedure_id": row.procedure_id,
                    "procedure_title": info.title if info else None,
                    "state_then": row.state_then,
                    "stage_then": _state_label(definition, row.state_then),
                    "actor": row.actor,
                    "interface": row.interface,
                    "trigger": row.trigger,
                    "label": _label(definition, row.trigger),
                    "code": row.code,
                    "code_label": REFUSAL_CODES.get(row.code, row.code),
                    "message": row.message,
                    "bases": "; ".join(dict.fromkeys(u["basis"] for u in unmet)),
                    "unmet": unmet,
                }
            )
        return QueryResult(
            "refusals",
            "거부된 시도",
            (
                Column("refusal_id", "번호"),
                Column("occurred_at_kst", "시각(KST)"),
                Column("occurred_at", "시각(UTC)", False),
                Column("procedure_id", "절차"),
                Column("procedure_title", "절차 이름", False),
                Column("state_then", "당시 단계 코드", False),
                Column("stage_then", "당시 단계"),
                Column("actor", "행위자"),
                Column("interface", "경로", False),
                Column("trigger", "처리 코드", False),
                Column("label", "처리"),
                Column("code", "거부 코드", False),
                Column("code_label", "거부"),
                Column("message", "사유"),
                Column("bases", "근거"),
                Column("unmet", "미충족 요건", False),
            ),
            result,
            total,
            page,
            parameters,
        )

    return _answer(ctx, reader, "refusals", parameters, body, lambda res: len(res.rows))


# --- 5. late governor notifications ---------------------------------------------------------------------------


def late_notifications(
    ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()
) -> QueryResult:
    """Every governor notification recorded after its "지체 없이" SLA date (법 제9조제3항), with the
    justification recorded for it (the latest, whenever recorded); ``outcome`` justified / unjustified."""
    filters.outcome_in(("justified", "unjustified"), "통보 지연 조회")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}

    def late_facts(row: Any) -> list[dict[str, Any]]:
        facts = _effect_facts(_payload_of(row), "governor_notification")
        return [f for f in facts if f.get("data", {}).get("late") is True]

    def body(session: Session, scope: Scope) -> QueryResult:
        narrowed = replace(filters, outcome=None)
        conditions = [
            *_event_conditions(_e, narrowed, scope),
            _recorded_by(_e, "record_governor_notification", "governor_notification"),
        ]
        query = select(*_EVENT_COLUMNS, _e.c.payload).where(*conditions)  # ordered here, as _fetch_events
        rows = sorted(session.execute(query), key=lambda row: (row.occurred_at, row.id))
        notified = [(row, fact) for row in rows for fact in late_facts(row)]
        justifications = _justifications(session, {row.procedure_id for row, _ in notified})
        infos = _procedures(session, (row.procedure_id for row, _ in notified))
        result = []
        for row, fact in notified:
            data, party = fact.get("data", {}), fact.get("subject", "")
            justified = justifications.get((row.procedure_id, party))
            if filters.outcome == "justified" and justified is None:
                continue
            if filters.outcome == "unjustified" and justified is not None:
                continue
            sent = datetime.fromisoformat(data["sent_at"].replace("Z", "+00:00"))
            sent_day, due = to_kst(sent).date(), date.fromisoformat(data["due"]) if data.get("due") else None
            info = infos.get(row.procedure_id)
            result.append(
                {
                    "event_id": row.id,
                    "procedure_id": row.procedure_id,
                    "procedure_title": info.title if info else None,
                    "governor": party,
                    "governor_name": party_name(party, sent_day),
                    "sent_at": format_instant(sent),
                    "sent_at_kst": _kst(sent),
                    "due": due.isoformat() if due else None,
                    "days_late": (sent_day - due).days if due else None,
                    "channel": data.get("channel"),
                    "message_id": data.get("message_id"),
                    "recorded_by": row.actor,
                    "recorded_at_kst": _kst(row.occurred_at),
                    "justified": justified is not None,
                    "justification": justified["justification"] if justified else None,
                    "justified_by": justified["actor"] if justified else None,
                    "justified_at_kst": justified["at"] if justified else None,
                    "justification_event_id": justified["event_id"] if justified else None,
                    "basis": "녹색융합클러스터법 제9조제3항",
                }
            )
        return QueryResult(
            "late_notifications",
            "지연된 시·도지사 통보",
            (
                Column("event_id", "사건"),
                Column("procedure_id", "절차"),
                Column("procedure_title", "절차 이름", False),
                Column("governor", "통보 대상 코드", False),
                Column("governor_name", "통보 대상"),
                Column("sent_at_kst", "발송(KST)"),
                Column("sent_at", "발송(UTC)", False),
                Column("due", "기한"),
                Column("days_late", "지연(일)"),
                Column("channel", "경로", False),
                Column("message_id", "문서번호", False),
                Column("recorded_by", "기록자", False),
                Column("recorded_at_kst", "기록 시각(KST)", False),
                Column("justified", "사유 기록"),
                Column("justification", "지연 사유"),
                Column("justified_by", "사유 기록자", False),
                Column("justified_at_kst", "사유 기록 시각(KST)", False),
                Column("justification_event_id", "사유 사건", False),
                Column("basis", "근거", False),
            ),
            page.cut(result),
            len(result),
            page,
            parameters,
        )

    return _answer(ctx, reader, "late_notifications", parameters, body, lambda r: len(r.rows))


def _justifications(session: Session, procedure_ids: set[int]) -> dict[tuple[int, str], dict[str, Any]]:
    """The latest late-notification justification per (procedure, governor), corrections included."""
    found: dict[tuple[int, str], dict[str, Any]] = {}
    if not procedure_ids:
        return found
    query = (
        select(_e.c.id, _e.c.procedure_id, _e.c.occurred_at, _e.c.actor, _e.c.payload)
        .where(
            _e.c.procedure_id.in_(sorted(procedure_ids)),
            _recorded_by(_e, "justify_late_notification", "late_justification"),
        )
        .order_by(_e.c.procedure_id, _e.c.seq)
    )
    for row in session.execute(query):
        for fact in _effect_facts(_payload_of(row), "late_justification"):
            found[(row.procedure_id, fact.get("subject", ""))] = {
                "justification": fact.get("data", {}).get("justification"),
                "actor": row.actor,
                "at": _kst(row.occurred_at),
                "event_id": row.id,
            }
    return found


# --- 6. the state of every procedure on a past date --------------------------------------------------------------


def _chosen_procedures(filters: Filters, scope: Scope, *, before: datetime | None) -> Select[Any]:
    """The procedures a report covers: opened (their ``open`` event) before ``before`` and in the period,
    narrowed by procedure, cluster, kind, and by the actor, role, trigger or article of any of their events."""
    c = _e.c
    chosen = select(c.procedure_id).where(
        c.trigger == "open", c.procedure_id.is_not(None), *scope.procedure_ids(c.procedure_id)
    )
    if before is not None:
        chosen = chosen.where(c.occurred_at < before)
    if filters.procedure_id is not None:
        chosen = chosen.where(c.procedure_id == filters.procedure_id)
    of_cluster = _in_procedures(c.procedure_id, filters)
    if of_cluster is not None:
        chosen = chosen.where(of_cluster)
    low, high = filters.bounds()
    if low is not None:
        chosen = chosen.where(c.occurred_at >= low)
    if high is not None:
        chosen = chosen.where(c.occurred_at < high)
    by_event = Filters(
        actor=filters.actor, role=filters.role, trigger=filters.trigger, article=filters.article
    )
    if by_event.as_dict():
        other = _e.alias("acted")
        acted = select(other.c.procedure_id).where(
            *_event_conditions(other, by_event, Scope(scope.username, scope.roles, True), period=False)
        )
        if before is not None:
            acted = acted.where(other.c.occurred_at < before)
        chosen = chosen.where(c.procedure_id.in_(acted))
    return chosen


def _states(session: Session, chosen: Select[Any], before: datetime | None) -> dict[int, str]:
    """Each chosen procedure's state, replayed from its transitions alone (the partial index's rows)."""
    query = select(_e.c.procedure_id, _e.c.to_state).where(_transition(_e), _e.c.procedure_id.in_(chosen))
    if before is not None:
        query = query.where(_e.c.occurred_at < before)
    states: dict[int, str] = {}
    for row in session.execute(query.order_by(_e.c.procedure_id, _e.c.seq)):
        states[row.procedure_id] = row.to_state
    return states


def _closed(info: _ProcedureInfo | None, state: str | None) -> bool:
    return bool(info and state in info.definition.final_states)


def as_of(
    ctx: Context, reader: Reader, day: date, filters: Filters = Filters(), page: Page = Page()
) -> QueryResult:
    """The state of every procedure at the end of ``day`` (KST), replayed from its events up to then: the
    ``open`` event creates it, each event moves it from its ``from_state`` to its ``to_state``. Never read
    from the procedures' current rows (only their name, kind and cluster, which never change).

    ``state``: procedures in that state then; ``outcome``: open / closed then; the period: opened in it."""
    filters.outcome_in(OPEN_CLOSED, "시점 상태 조회")
    parameters = {"as_of": day.isoformat(), "filters": filters.as_dict(), "page": page.as_dict()}
    cutoff = kst_day_start(day + timedelta(days=1))

    def body(session: Session, scope: Scope) -> QueryResult:
        chosen = _chosen_procedures(filters, scope, before=cutoff)
        if filters.state is None and filters.outcome is None:
            total = session.execute(select(func.count()).select_from(chosen.subquery())).scalar_one()
            ids = list(session.execute(page.apply(chosen.order_by(_e.c.procedure_id))).scalars())
        else:
            states = _states(session, chosen, cutoff)
            infos_all = _procedures(session, states)
            matching = [
                pid
                for pid, state in sorted(states.items())
                if (filters.state is None or state == filters.state)
                and (
                    filters.outcome is None
                    or _closed(infos_all.get(pid), state) == (filters.outcome == "closed")
                )
            ]
            ids, total = page.cut(matching), len(matching)
        infos = _procedures(session, ids)
        rows = [_replay(pid, events, infos.get(pid)) for pid, events in _events_until(session, ids, cutoff)]
        return QueryResult(
            "as_of",
            f"{day.isoformat()} 기준 절차 상태 (사건 재생)",
            (
                Column("procedure_id", "절차"),
                Column("title", "절차 이름"),
                Column("kind", "종류", False),
                Column("cluster", "클러스터", False),
                Column("state", "단계 코드", False),
                Column("state_label", "단계"),
                Column("closed", "종료"),
                Column("version", "판"),
                Column("events", "사건 수", False),
                Column("opened_at_kst", "개시(KST)", False),
                Column("last_event_at_kst", "마지막 처리(KST)"),
                Column("last_label", "마지막 처리"),
                Column("last_actor", "처리자", False),
                Column("clerk", "담당 주무관", False),
                Column("approver", "결재권자", False),
                Column("continuous", "이력 연속", False),
            ),
            rows,
            total,
            page,
            parameters,
        )

    return _answer(ctx, reader, "as_of", parameters, body, lambda r: len(r.rows))


def _events_until(session: Session, ids: list[int], cutoff: datetime) -> Iterable[tuple[int, list[Any]]]:
    """Each procedure's events before ``cutoff`` in chain order (payloads only where the assignment is)."""
    if not ids:
        return []
    assigning = case((_e.c.trigger.in_(("open", "reassign")), _e.c.payload), else_=None)
    query = (
        select(
            _e.c.procedure_id,
            _e.c.seq,
            _e.c.occurred_at,
            _e.c.actor,
            _e.c.trigger,
            _e.c.from_state,
            _e.c.to_state,
            _e.c.procedure_version,
            assigning.label("payload"),
        )
        .where(_e.c.procedure_id.in_(ids), _e.c.occurred_at < cutoff)
        .order_by(_e.c.procedure_id, _e.c.seq)
    )
    grouped: dict[int, list[Any]] = {pid: [] for pid in ids}
    for row in session.execute(query):
        grouped[row.procedure_id].append(row)
    return grouped.items()


def _replay(procedure_id: int, events: list[Any], info: _ProcedureInfo | None) -> dict[str, Any]:
    definition = info.definition if info else None
    state: str | None = None
    continuous = True
    clerk = approver = None
    for event in events:
        if event.from_state != state:
            continuous = (
                False  # an event taken in another state than the one replayed: see `gcw audit verify`
            )
        state = event.to_state
        if event.payload is not None:
            payload = _payload_of(event)
            if event.trigger == "open":
                clerk, approver = event.actor, (payload.get("input") or {}).get("approver")
            for effect in payload.get("effects", []):
                reassigned = effect.get("reassign") if isinstance(effect, dict) else None
                if reassigned:
                    clerk, approver = reassigned.get("clerk", clerk), reassigned.get("approver", approver)
    first, last = (events[0], events[-1]) if events else (None, None)
    return {
        "procedure_id": procedure_id,
        "title": info.title if info else None,
        "kind": info.kind if info else None,
        "cluster": info.cluster if info else None,
        "state": state,
        "state_label": _state_label(definition, state),
        "closed": _closed(info, state),
        "version": last.procedure_version if last else None,
        "events": len(events),
        "opened_at_kst": _kst(first.occurred_at) if first else None,
        "last_event_at_kst": _kst(last.occurred_at) if last else None,
        "last_trigger": last.trigger if last else None,
        "last_label": _label(definition, last.trigger) if last else None,
        "last_actor": last.actor if last else None,
        "clerk": clerk,
        "approver": approver,
        "continuous": continuous,
    }


# --- 7. time spent in each stage: the SLA report ------------------------------------------------------------


@dataclass
class StageReport:
    """Days spent in each stage, per procedure (one column per stage) and the median across procedures."""

    summary: QueryResult
    procedures: QueryResult
    stages: list[tuple[str, str]] = field(default_factory=list)  # (state, Korean label), in path order

    def as_dict(self) -> dict[str, Any]:
        return {"summary": self.summary.as_dict(), "procedures": self.procedures.as_dict()}


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def stage_report(
    ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()
) -> StageReport:
    """From each procedure's transitions: entering a state → leaving it, in days (repeated stays summed);
    a stay still under way counts until now and is marked, and is left out of the median, which is taken
    over the procedures that completed the stage.

    ``state``: that stage only; ``outcome``: open / closed procedures; the period: procedures opened in it."""
    filters.outcome_in(OPEN_CLOSED, "단계별 소요 기간 보고서")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    now = ctx.clock.now()

    def body(session: Session, scope: Scope) -> StageReport:
        chosen = _chosen_procedures(filters, scope, before=None)
        query = (
            select(_e.c.procedure_id, _e.c.occurred_at, _e.c.to_state)
            .where(_transition(_e), _e.c.procedure_id.in_(chosen))
            .order_by(_e.c.procedure_id, _e.c.seq)
        )
        transitions: dict[int, list[Any]] = {}
        for row in session.execute(query):
            transitions.setdefault(row.procedure_id, []).append(row)
        infos = _procedures(session, transitions)
        stages: dict[str, str] = {}
        kinds = {(i.kind, i.definition.version): i.definition for i in infos.values()}
        for _key, definition in sorted(kinds.items()):
            for state in definition.states:
                if not state.final and state.name not in stages:
                    stages[state.name] = state.label
        if filters.state is not None:
            stages = {filters.state: stages.get(filters.state, filters.state)}
        per_procedure = []
        for pid, moves in sorted(transitions.items()):
            info = infos.get(pid)
            current = moves[-1].to_state
            closed = _closed(info, current)
            if filters.outcome is not None and closed != (filters.outcome == "closed"):
                continue
            spent: dict[str, float] = {}
            for move, after in zip(moves, [*moves[1:], None], strict=True):
                left = after.occurred_at if after is not None else (None if closed else now)
                if left is not None:
                    spent[move.to_state] = spent.get(move.to_state, 0.0) + _days(move.occurred_at, left)
            if filters.state is not None and filters.state not in spent:
                continue
            row: dict[str, Any] = {
                "procedure_id": pid,
                "title": info.title if info else None,
                "kind": info.kind if info else None,
                "state": current,
                "state_label": _state_label(info.definition if info else None, current),
                "closed": closed,
                "ongoing_stage": None if closed else current,
            }
            for state in stages:
                row[f"days_{state}"] = round(spent[state], 2) if state in spent else None
            per_procedure.append(row)
        summary = []
        for state, label in stages.items():
            done = [
                r[f"days_{state}"]
                for r in per_procedure
                if r[f"days_{state}"] is not None and r["ongoing_stage"] != state
            ]
            ongoing = sum(1 for r in per_procedure if r["ongoing_stage"] == state)
            summary.append(
                {
                    "stage": state,
                    "label": label,
                    "procedures": len(done),
                    "median_days": round(statistics.median(done), 2) if done else None,
                    "min_days": round(min(done), 2) if done else None,
                    "max_days": round(max(done), 2) if done else None,
                    "ongoing": ongoing,
                }
            )
        stage_columns = tuple(Column(f"days_{s}", f"{label}(일)") for s, label in stages.items())
        return StageReport(
            QueryResult(
                "stages_summary",
                "단계별 소요 기간 중앙값 (완료한 절차 기준, 일)",
                (
                    Column("stage", "단계 코드", False),
                    Column("label", "단계"),
                    Column("procedures", "완료 절차"),
                    Column("median_days", "중앙값(일)"),
                    Column("min_days", "최소(일)"),
                    Column("max_days", "최대(일)"),
                    Column("ongoing", "진행 중"),
                ),
                summary,
                len(summary),
                Page(None),
                parameters,
            ),
            QueryResult(
                "stages",
                "절차별 단계 소요 기간 (일, 진행 중인 단계는 지금까지)",
                (
                    Column("procedure_id", "절차"),
                    Column("title", "절차 이름", False),
                    Column("kind", "종류", False),
                    Column("state", "현재 단계 코드", False),
                    Column("state_label", "현재 단계"),
                    Column("closed", "종료", False),
                    Column("ongoing_stage", "진행 중 단계 코드", False),
                    *stage_columns,
                ),
                page.cut(per_procedure),
                len(per_procedure),
                page,
                parameters,
            ),
            list(stages.items()),
        )

    return _answer(ctx, reader, "stages", parameters, body, lambda r: len(r.procedures.rows))


# --- who read what ---------------------------------------------------------------------------------------------


def reads(ctx: Context, reader: Reader, filters: Filters = Filters(), page: Page = Page()) -> QueryResult:
    """The record of reads itself (who queried what, when): for those who may query everything."""
    filters.only(("actor", "role", "outcome", "since", "until"), "조회 기록")
    filters.outcome_in(["ok", *REFUSAL_CODES], "조회 기록")
    parameters = {"filters": filters.as_dict(), "page": page.as_dict()}
    c = audit_reads.c

    def body(session: Session, scope: Scope) -> QueryResult:
        if not scope.everything:
            raise Forbidden("조회 기록은 감사·결재권자만 볼 수 있습니다")
        conditions: list[ColumnElement[bool]] = []
        if filters.actor is not None:
            conditions.append(c.actor == filters.actor)
        if filters.role is not None:
            conditions.append(("," + c.roles + ",").like(f"%,{filters.role},%"))
        if filters.outcome is not None:
            conditions.append(c.outcome == filters.outcome)
        low, high = filters.bounds()
        if low is not None:
            conditions.append(c.occurred_at >= low)
        if high is not None:
            conditions.append(c.occurred_at < high)
        total = session.execute(select(func.count()).select_from(audit_reads).where(*conditions)).scalar_one()
        rows = session.execute(
            page.apply(select(audit_reads).where(*conditions).order_by(c.occurred_at, c.id))
        )
        return QueryResult(
            "reads",
            "감사 기록 조회 이력",
            (
                Column("id", "번호"),
                Column("occurred_at_kst", "시각(KST)"),
                Column("occurred_at", "시각(UTC)", False),
                Column("actor", "조회자"),
                Column("roles", "권한"),
                Column("interface", "경로"),
                Column("os_user", "OS 사용자", False),
                Column("query", "조회"),
                Column("parameters", "조건"),
                Column("rows", "행 수"),
                Column("outcome", "결과"),
            ),
            [
                {
                    "id": row.id,
                    "occurred_at": format_instant(row.occurred_at),
                    "occurred_at_kst": _kst(row.occurred_at),
                    "actor": row.actor,
                    "roles": row.roles,
                    "interface": row.interface,
                    "os_user": row.os_user,
                    "query": row.query,
                    "parameters": loads(row.parameters),
                    "rows": row.rows,
                    "outcome": row.outcome,
                }
                for row in rows
            ],
            total,
            page,
            parameters,
        )

    return _answer(ctx, reader, "reads", parameters, body, lambda r: len(r.rows))


# --- CSV: opens in a spreadsheet with the Korean intact -------------------------------------------------------------


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
