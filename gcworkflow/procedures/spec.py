"""The types in which the statutes are written down as data.

A procedure definition is a flat list of states and actions. An action is either a transition (it has a
destination state) or a record action (it records a fact and keeps the state). Guards are plain functions of a
read-only :class:`ProcedureView` returning the unmet requirements; effects are plain functions returning
:class:`Write` descriptions that the engine carries out in the action's transaction. Nothing here touches the
database, the clock or the file system (DESIGN.md §1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from gcworkflow.calendar import DueRule, HolidayCalendar
from gcworkflow.canonical import loads
from gcworkflow.errors import Unmet
from gcworkflow.procedures.kind_law import KindLaw
from gcworkflow.procedures.plan_content import PlanContent


class Role(StrEnum):
    CLERK = "clerk"
    APPROVER = "approver"
    COMMITTEE_SECRETARY = "committee_secretary"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SYSTEM = "system"


ROLE_LABELS: Mapping[Role, str] = {
    Role.CLERK: "담당 주무관",
    Role.APPROVER: "결재권자",
    Role.COMMITTEE_SECRETARY: "위원회 간사",
    Role.AUDITOR: "감사",
    Role.ADMIN: "관리자",
    Role.SYSTEM: "자동 처리",
}


@dataclass(frozen=True)
class State:
    name: str
    label: str  # Korean, as a clerk names the stage
    basis: str = ""
    final: bool = False


@dataclass(frozen=True)
class FactRecord:
    """One recorded fact; the latest of its kind and subject is the current value.

    ``raw`` is the stored canonical JSON; ``data`` parses it on first use, since most guards look at few facts.
    """

    id: int
    kind: str
    subject: str
    raw: str
    event_id: int
    recorded_at: datetime

    @property
    def data(self) -> Mapping[str, Any]:
        return _parsed(self.raw)


@lru_cache(maxsize=4096)
def _parsed(raw: str) -> Mapping[str, Any]:
    return MappingProxyType(loads(raw))


@dataclass(frozen=True)
class Policy:
    """The ministry-practice settings guards consult (procedure.md, **policy**)."""

    governor_reply_days: int = 30
    ministry_reply_days: int = 20
    notification_sla_working_days: int = 1
    notice_sla_working_days: int = 10
    administrative_notice_days: int = 20  # 행정예고 (행정절차법 제46조③)
    require_objection_resolution: bool = True
    notice_numbering: str = "manual"
    office_division: str | None = None  # 처리과 for letters' 시행 numbers; None: the authority's division
    minor_change_notice: bool = False  # whether a minor plan change is still published (law.md §2.2)


@dataclass(frozen=True)
class ProcedureView:
    """A read-only snapshot of one procedure, handed to guards and effects."""

    id: int
    kind: str
    state: str
    version: int
    title: str
    cluster_name: str | None
    today: date
    now: datetime
    plan: PlanContent | None
    plan_version_no: int | None
    plan_sha256: str | None
    facts: Mapping[tuple[str, str], FactRecord]
    policy: Policy
    # The holiday calendar needs the override table: read only when a guard or effect counts days.
    load_calendar: Callable[[], HolidayCalendar]

    @cached_property
    def calendar(self) -> HolidayCalendar:
        return self.load_calendar()

    def fact(self, kind: str, subject: str = "") -> FactRecord | None:
        return self.facts.get((kind, subject))

    def facts_of(self, kind: str) -> list[FactRecord]:
        """Current facts of one kind, in the order they were first recorded."""
        return sorted((f for (k, _), f in self.facts.items() if k == kind), key=lambda f: f.id)


# --- what an action may write -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordFact:
    kind: str
    data: Mapping[str, Any]
    subject: str = ""
    corrects_fact_id: int | None = None


@dataclass(frozen=True)
class NewPlanVersion:
    content: Mapping[str, Any]


@dataclass(frozen=True)
class QueueMessage:
    """An outbox row; ``key`` makes it unique, so a retried action can never queue it twice."""

    key: str
    kind: str
    recipient: str
    subject: str
    body: str
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RegisterNumber:
    """Register an official number: ``formatted`` from the ministry's register, or the next local serial."""

    series: str
    year: int
    purpose: str  # the fact subject it is recorded under, e.g. "designation_notice"
    formatted: str | None = None  # None: draw the next number of the local series
    style: str = "notice"  # notice: "…고시 제YYYY-N호"; letter: the 시행 number "<처리과>-N"
    fact_kind: str = "notice_number"
    dated: date | None = None  # a letter's 시행일, fixed with its number so a re-render prints the same


@dataclass(frozen=True)
class LinkDocument:
    """A stored file linked to the procedure; its media type is read from its bytes when linked, never taken
    from what the sender claimed."""

    sha256: str
    direction: str  # received | issued
    kind: str
    title: str
    filename: str | None = None


@dataclass(frozen=True)
class SetClusterStatus:
    status: str
    effective_on: date | None


@dataclass(frozen=True)
class OpenDeadline:
    kind: str
    rule: DueRule
    subject: str = ""
    # A date printed in a letter that was sent (a reply-by date): never moved by a recomputation, only flagged.
    fixed: bool = False
    # The article, where it depends on the procedure kind (procedures.deadline_kinds leaves it to the stage).
    basis: str | None = None


@dataclass(frozen=True)
class CloseDeadline:
    """Close the open deadlines of ``kind`` (all kinds when None) and ``subject`` (any when None).

    ``outcome`` None: met when closed on or before the due date (``on``, default today), missed after it.
    """

    kind: str | None
    subject: str | None = None
    outcome: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class Reassign:
    """Staff rotation: a new assigned clerk and/or approver (usernames; the engine checks their roles)."""

    clerk: str | None
    approver: str | None


Write = (
    RecordFact
    | NewPlanVersion
    | QueueMessage
    | RegisterNumber
    | LinkDocument
    | SetClusterStatus
    | Reassign
    | OpenDeadline
    | CloseDeadline
)


Guard = Callable[[ProcedureView, Any], list[Unmet]]
Effects = Callable[[ProcedureView, Any], list[Write]]
SignedContent = Callable[[ProcedureView, Any], Any]


@dataclass(frozen=True)
class Action:
    trigger: str
    label: str
    sources: tuple[str, ...]
    dest: str | None
    roles: frozenset[Role]
    basis: str
    payload: type[BaseModel] | None = None
    guards: tuple[Guard, ...] = ()
    effects: Effects | None = None
    # 결재: fired only by the approver's approval of someone else's proposal (procedure.md §6).
    signoff: bool = False
    signed_content: SignedContent | None = None
    # A fact recorded by this action may be corrected later by a `correct` action naming its event.
    correctable: bool = False
    # Actors in these roles need no assignment to the procedure (e.g. the committee secretary).
    unassigned_roles: frozenset[Role] = frozenset()

    @property
    def is_transition(self) -> bool:
        return self.dest is not None


@dataclass(frozen=True)
class ProcedureDefinition:
    kind: str
    version: int
    label: str
    basis: str
    states: tuple[State, ...]
    initial: str
    actions: tuple[Action, ...]
    title_suffix: str = ""  # a procedure's default title is "<cluster name> <suffix>", e.g. "… 지정"
    # A change or release starts from the cluster's approved plan (plan version 1 and the `baseline` fact).
    starts_from_baseline: bool = False
    subject: str = "cluster"  # cluster, or basic_plan (no cluster)
    requires_cluster_status: str | None = None  # e.g. designated: only a designated cluster can be changed
    plan_parser: Callable[[Any], Any] | None = None  # None: the creation plan (procedures.plan_content)
    # The kind's words and articles (procedures.kind_law); every kind has one, the default only serves tests
    # that build a bare definition.
    law: KindLaw | None = None

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(name)

    def action(self, trigger: str) -> Action | None:
        for action in self.actions:
            if action.trigger == trigger:
                return action
        return None

    @property
    def final_states(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.final)

    def actions_from(self, state: str) -> list[Action]:
        return [a for a in self.actions if state in a.sources]
