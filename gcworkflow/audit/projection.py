"""The current state as a projection of the chains (issue 15 §1): every row that decides what a procedure is or
what someone may do must be what the events that wrote it say, or it is reported like any other tampering,
naming the table, the row, the column and the event.

- procedures: state and version against the chain's head event, for every row in one statement (the row holds
  its chain_seq: a join on the events' (chain, seq) index, no replay); the assigned clerk and approver against
  the events that set them (open, import, reassign) and the acting approver (대결) against the last event that
  designated one;
- proposals: what was proposed against the proposing event, status and decider against the approving or
  rejecting one;
- deadlines: kind, subject, due date (and, where the event records it, the rule) against the opening event and
  the holiday edits that moved it; status and closing day against the event that closed it, and an open row
  against the later events of its procedure that should have closed it;
- the system chain, replayed (:mod:`~gcworkflow.audit.replay`): users, role grants, API tokens, contacts,
  holiday overrides.

Left out, since no event records them: reminders' bookkeeping (outbox rows), a deadline's ``note``, and the
``explanation`` and ``calendar_version`` a recomputation rewrites (the new due date is recorded), and the stamps
written beside an event (``decided_at``, ``created_at``, ``last_action_at``). A proposal or deadline row that was
deleted is not looked for (the events that made them stay in the chain, and nothing acts on a missing row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import procedure_chain, procedure_chain_of
from gcworkflow.audit.findings import Findings, Source, effects_of, payload_of
from gcworkflow.audit.replay import compare_system, replay_system
from gcworkflow.audit.report import Progress, VerifyReport
from gcworkflow.canonical import canonical_text
from gcworkflow.db.models import AuditEvent, Deadline, Fact, Procedure, Proposal, User

_events = AuditEvent.__table__
_procedures = Procedure.__table__
_CHUNK = 1000  # ids per IN list


def verify_projection(session: Session, report: VerifyReport, progress: Progress | None) -> None:
    found = Findings(report)
    usernames = dict(session.execute(select(User.id, User.username)).all())
    system = replay_system(session)
    steps = (
        lambda: _procedure_heads(session, found),
        lambda: _assignments(session, found, usernames),
        lambda: _acting_approvers(session, found),
        lambda: _proposals(session, found, usernames),
        lambda: compare_system(session, system, found),
        lambda: _deadlines(session, found, system.moved),
    )
    for n, step in enumerate(steps, start=1):
        step()
        if progress:
            progress("현재 상태", n, len(steps))


# --- procedures ---------------------------------------------------------------------------------------------


def _procedure_heads(session: Session, found: Findings) -> None:
    """State and version of every row against its head event: the database compares, only differences come back."""
    p, head = _procedures.c, _events.alias("head")
    found.checked(session.execute(select(func.count()).select_from(_procedures)).scalar_one())
    rows = session.execute(
        select(
            p.id,
            p.state,
            p.version,
            p.chain_seq,
            head.c.id.label("event_id"),
            head.c.to_state,
            head.c.procedure_version,
        )
        .select_from(
            _procedures.outerjoin(
                head, and_(head.c.chain == procedure_chain_of(p.id), head.c.seq == p.chain_seq)
            )
        )
        .where(
            or_(
                head.c.id.is_(None),
                head.c.to_state.is_distinct_from(p.state),
                head.c.procedure_version.is_distinct_from(p.version),
            )
        )
        .order_by(p.id)
    )
    for row in rows:
        chain = procedure_chain(row.id)
        if row.event_id is None:
            found.unvouched("procedures", f"{row.id}번", chain)
            continue
        source = Source(row.event_id, chain, row.chain_seq)
        found.compare("procedures", f"{row.id}번", "state", row.state, row.to_state, source)
        found.compare("procedures", f"{row.id}번", "version", row.version, row.procedure_version, source)


def _events_of_triggers(session: Session, triggers: tuple[str, ...]) -> Iterator[Row[Any]]:
    """Procedure events of these triggers, each procedure's in chain order (the trigger index finds them)."""
    e = _events.c
    return iter(
        session.execute(
            select(e.id, e.chain, e.seq, e.procedure_id, e.trigger, e.actor, e.payload)
            .where(e.trigger.in_(triggers), e.procedure_id.is_not(None))
            .order_by(e.procedure_id, e.seq)
        )
    )


def _assignments(session: Session, found: Findings, usernames: dict[int, str]) -> None:
    """The clerk and approver each procedure's row names, against the last event that set each of them."""
    assigned: dict[int, dict[str, tuple[str | None, Source]]] = {}
    for event in _events_of_triggers(session, ("open", "import", "reassign")):
        payload, source = payload_of(event.payload), Source(event.id, event.chain, event.seq)
        given = payload.get("input") if isinstance(payload.get("input"), dict) else {}
        now = assigned.setdefault(event.procedure_id, {})
        if event.trigger == "open":
            now.update(clerk=(event.actor, source), approver=(given.get("approver"), source))
        elif event.trigger == "import":
            now.update(clerk=(given.get("clerk"), source), approver=(given.get("approver"), source))
        for effect in effects_of(payload):
            changed = effect.get("reassign")
            for role, username in changed.items() if isinstance(changed, dict) else ():
                now[role] = (username, source)
    rows = session.execute(select(_procedures.c.id, _procedures.c.clerk_id, _procedures.c.approver_id))
    for pid, clerk_id, approver_id in rows:
        for role, user_id in (("clerk", clerk_id), ("approver", approver_id)):
            if role in assigned.get(pid, {}):
                expected, source = assigned[pid][role]
                found.compare(
                    "procedures", f"{pid}번", f"{role}_id", usernames.get(user_id), expected, source
                )


def _acting_approvers(session: Session, found: Findings) -> None:
    """The acting approver in force (the newest ``acting_approver`` fact) against the last designation."""
    designated: dict[int, tuple[str | None, Source]] = {}
    for event in _events_of_triggers(session, ("set_acting_approver",)):
        for effect in effects_of(payload_of(event.payload)):
            if effect.get("fact") == "acting_approver" and isinstance(effect.get("data"), dict):
                source = Source(event.id, event.chain, event.seq)
                designated[event.procedure_id] = (effect["data"].get("username"), source)
    f = Fact.__table__.c
    newest = select(func.max(f.id)).where(f.kind == "acting_approver").group_by(f.procedure_id)
    current = {
        row.procedure_id: row
        for row in session.execute(select(f.id, f.procedure_id, f.data).where(f.id.in_(newest)))
    }
    found.checked(len(current))
    for pid in sorted(set(designated) | set(current)):
        fact = current.get(pid)
        if pid not in designated:
            found.unvouched("facts", f"{fact.id}번", procedure_chain(pid), "대결자 지정")
            continue
        expected, source = designated[pid]
        actual = payload_of(fact.data).get("username") if fact else None
        row = f"{fact.id}번" if fact else f"(절차 {pid}번의 대결자)"
        found.compare("facts", row, "data.username (대결자)", actual, expected, source)


# --- proposals ----------------------------------------------------------------------------------------------


def _proposals(session: Session, found: Findings, usernames: dict[int, str]) -> None:
    """Each proposal against the event that proposed it (the row's procedure_version is that event's seq) and
    the one after it, which approved it if it names it; a rejection names it in any later event."""
    q = Proposal.__table__.c
    proposing, following = _events.alias("proposing"), _events.alias("following")
    chain = procedure_chain_of(q.procedure_id)
    rows = session.execute(
        select(
            q.id,
            q.procedure_id,
            q.trigger,
            q.payload,
            q.procedure_version,
            q.content_sha256,
            q.proposed_by_id,
            q.status,
            q.decided_by_id,
            q.acting,
            proposing.c.id.label("p_id"),
            proposing.c.trigger.label("p_trigger"),
            proposing.c.actor.label("p_actor"),
            proposing.c.payload.label("p_payload"),
            following.c.id.label("f_id"),
            following.c.actor.label("f_actor"),
            following.c.payload.label("f_payload"),
        )
        .select_from(
            Proposal.__table__.outerjoin(
                proposing, and_(proposing.c.chain == chain, proposing.c.seq == q.procedure_version)
            ).outerjoin(
                following, and_(following.c.chain == chain, following.c.seq == q.procedure_version + 1)
            )
        )
        .order_by(q.id)
    ).all()
    found.checked(len(rows))
    rejected: dict[int, tuple[str, bool, Source]] = {}
    for event in _events_of_triggers(session, ("reject_proposal",)):
        payload = payload_of(event.payload)
        if isinstance(payload.get("proposal_id"), int):
            source = Source(event.id, event.chain, event.seq)
            rejected[payload["proposal_id"]] = (event.actor, bool(payload.get("acting")), source)
    for row in rows:
        name, chain_name = f"{row.id}번", procedure_chain(row.procedure_id)
        if row.p_id is None or row.p_trigger != "propose":
            found.unvouched("proposals", name, chain_name, "결재 상신")
            continue
        proposed = Source(row.p_id, chain_name, row.procedure_version)
        payload = payload_of(row.p_payload)
        found.compare("proposals", name, "trigger", row.trigger, payload.get("trigger"), proposed)
        found.compare(
            "proposals", name, "content_sha256", row.content_sha256, payload.get("content_sha256"), proposed
        )
        found.compare(
            "proposals", name, "payload", row.payload, canonical_text(payload.get("input")), proposed
        )
        found.compare(
            "proposals", name, "proposed_by_id", usernames.get(row.proposed_by_id), row.p_actor, proposed
        )
        signed = payload_of(row.f_payload).get("proposal")
        if isinstance(signed, dict) and signed.get("id") == row.id:
            decision: tuple[str, str | None, bool, Source] = (
                "approved",
                row.f_actor,
                bool(signed.get("acting")),
                Source(row.f_id, chain_name, row.procedure_version + 1),
            )
        elif row.id in rejected:
            actor, acting, source = rejected[row.id]
            decision = ("rejected", actor, acting, source)
        else:
            decision = ("pending", None, False, proposed)
        status, decider, acting, source = decision
        found.compare("proposals", name, "status", row.status, status, source)
        found.compare("proposals", name, "decided_by_id", usernames.get(row.decided_by_id), decider, source)
        found.compare("proposals", name, "acting", bool(row.acting), acting, source)


# --- deadlines ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """One deadline effect of an event, in the order the event applied them."""

    event: Source
    procedure_id: int | None
    index: int
    effect: dict[str, Any]


def _deadline_effects(session: Session, event_ids: Iterable[int]) -> dict[int, list[_Step]]:
    """The deadline effects (opened and closed) of these events, each event's in order."""
    e, wanted, steps = _events.c, sorted(set(event_ids)), {}
    for n in range(0, len(wanted), _CHUNK):
        query = select(e.id, e.chain, e.seq, e.procedure_id, e.payload).where(
            e.id.in_(wanted[n : n + _CHUNK])
        )
        for row in session.execute(query):
            steps[row.id] = _steps_of(row)
    return steps


def _steps_of(row: Any) -> list[_Step]:
    source = Source(row.id, row.chain, row.seq)
    return [
        _Step(source, row.procedure_id, index, effect)
        for index, effect in enumerate(effects_of(payload_of(row.payload)))
        if "deadline_opened" in effect or "deadline_closed" in effect
    ]


def _closes(step: _Step, kind: str, subject: str) -> bool:
    """A closing effect applies to every open deadline of its kind and subject (None: any)."""
    effect = step.effect
    return (
        "deadline_closed" in effect
        and effect["deadline_closed"] in (None, kind)
        and effect.get("subject") in (None, subject)
    )


def _deadlines(session: Session, found: Findings, moved: dict[int, tuple[str, Source]]) -> None:
    d = Deadline.__table__.c
    rows = session.execute(
        select(
            d.id,
            d.procedure_id,
            d.kind,
            d.subject,
            d.due_on,
            d.status,
            d.closed_on,
            d.fixed,
            d.method,
            d.base_on,
            d.amount,
            d.unit,
            d.from_midnight,
            d.opened_event_id,
            d.closed_event_id,
        ).order_by(d.id)
    ).all()
    found.checked(len(rows))
    steps = _deadline_effects(
        session,
        [r.opened_event_id for r in rows if r.opened_event_id]
        + [r.closed_event_id for r in rows if r.closed_event_id],
    )
    opened = _pair_with_openings(rows, steps, found)
    later = _later_closings(session, [r for r in rows if r.closed_event_id is None and r.id in opened])
    for row in rows:
        step = opened.get(row.id)
        if step is None:
            continue
        name = f"{row.id}번"
        effect = step.effect
        found.compare("deadlines", name, "procedure_id", row.procedure_id, step.procedure_id, step.event)
        due, due_source = moved.get(row.id, (str(effect.get("due_on")), step.event))
        found.compare("deadlines", name, "due_on", _iso(row.due_on), due, due_source)
        if "fixed" in effect:
            found.compare("deadlines", name, "fixed", row.fixed, effect["fixed"], step.event)
        for column, expected in (effect.get("rule") or {}).items():
            found.compare("deadlines", name, column, _iso(getattr(row, column)), expected, step.event)
        closing = _closing(row, step, steps, later)
        if closing is None and row.closed_event_id is not None:
            found.unvouched("deadlines", name, step.event.chain, "닫힘(status·closed_on·closed_event_id)")
            continue
        if closing is None:
            found.compare("deadlines", name, "status", row.status, "open", step.event)
            found.compare("deadlines", name, "closed_on", _iso(row.closed_on), None, step.event)
            continue
        on, outcome = str(closing.effect.get("on")), closing.effect.get("outcome")
        status = outcome or ("met" if due >= on else "missed")
        found.compare(
            "deadlines", name, "closed_event_id", row.closed_event_id, closing.event.id, closing.event
        )
        found.compare("deadlines", name, "status", row.status, status, closing.event)
        found.compare("deadlines", name, "closed_on", _iso(row.closed_on), on, closing.event)


def _pair_with_openings(rows: list[Any], steps: dict[int, list[_Step]], found: Findings) -> dict[int, _Step]:
    """Each row with the opening effect that made it: an event's rows, in id order, take its effects of the same
    kind and subject in order. A row no effect made, or an effect whose row is gone, is reported."""
    by_event: dict[int | None, list[Any]] = defaultdict(list)
    for row in rows:
        by_event[row.opened_event_id].append(row)
    paired: dict[int, _Step] = {}
    for event_id, group in by_event.items():
        effects = [s for s in steps.get(event_id or 0, []) if "deadline_opened" in s.effect]
        waiting = list(group)
        for step in effects:
            match = next(
                (
                    r
                    for r in waiting
                    if (r.kind, r.subject) == (step.effect["deadline_opened"], step.effect.get("subject"))
                ),
                None,
            )
            if match is None:
                found.missing(
                    "deadlines",
                    f"({step.effect['deadline_opened']}, {step.effect.get('subject')})",
                    step.event,
                )
                continue
            waiting.remove(match)
            paired[match.id] = step
        for row in waiting:
            chain = procedure_chain(row.procedure_id) if row.procedure_id else "system"
            found.unvouched("deadlines", f"{row.id}번", chain)
    return paired


def _closing(
    row: Any, opened: _Step, steps: dict[int, list[_Step]], later: dict[int, list[_Step]]
) -> _Step | None:
    """The effect that closed the row: in the event the row names (it must close it), else the first later one
    of its procedure that should have. None: nothing closed it (a row naming an event that did not is
    reported by the caller)."""
    candidates = (
        steps.get(row.closed_event_id, []) if row.closed_event_id else later.get(row.procedure_id, [])
    )
    for step in candidates:
        after_opening = step.event.id > opened.event.id or (
            step.event.id == opened.event.id and step.index > opened.index
        )
        if after_opening and step.procedure_id == row.procedure_id and _closes(step, row.kind, row.subject):
            return step
    return None


def _later_closings(session: Session, open_rows: list[Any]) -> dict[int, list[_Step]]:
    """The closing effects in the events of the procedures that have open deadlines, after the first of them
    opened: few procedures are open at once, and only their events that mention a closing are read."""
    first: dict[int, int] = {}
    for row in open_rows:
        if row.procedure_id is not None:
            first[row.procedure_id] = min(
                first.get(row.procedure_id, row.opened_event_id), row.opened_event_id
            )
    e, found_steps = _events.c, defaultdict(list)
    for pid, since in sorted(first.items()):
        query = (
            select(e.id, e.chain, e.seq, e.procedure_id, e.payload)
            .where(e.procedure_id == pid, e.id >= since, e.payload.like('%"deadline_closed"%'))
            .order_by(e.id)
        )
        for event in session.execute(query):
            found_steps[pid].extend(s for s in _steps_of(event) if "deadline_closed" in s.effect)
    return found_steps


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
