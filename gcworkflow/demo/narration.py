"""The demo's narrator: it acts through the engine as one of the cast, echoes what happened (or why it was
refused), and runs the flows the schedule would run. Every part of the story is told through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import date, datetime
from typing import Any

from gcworkflow import engine
from gcworkflow.calendar import format_date_ko_weekday
from gcworkflow.clock import SEOUL
from gcworkflow.context import Context
from gcworkflow.demo.cast import PARK
from gcworkflow.engine import Actor, FireResult
from gcworkflow.errors import GcwError
from gcworkflow.procedures.registry import definition

Echo = Callable[[str], None]


class Demo:
    def __init__(self, ctx: Context, echo: Echo) -> None:
        self.ctx = ctx
        self.echo = echo
        self.pid = 0
        self.purpose = ""
        self.kind = "designation"
        # One temporary Prefect server for all the demo's flow runs, stopped by close() however the demo ends.
        self.prefect = ExitStack()
        self.prefect_api: str | None = None

    # --- narration ---------------------------------------------------------------------------------

    def on(self, day: date, hour: int = 10) -> None:
        self.ctx.clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=SEOUL))
        self.echo(f"\n── {format_date_ko_weekday(day)}")

    def act(
        self, who: str, trigger: str, payload: Mapping[str, Any] | None = None, note: str = ""
    ) -> FireResult:
        result = engine.fire(
            self.ctx, self.pid, trigger, Actor(who, "demo"), payload or {}, comment=note or None
        )
        label = self.label(payload.get("trigger") if trigger == "propose" and payload else trigger, trigger)
        label = f"{label} 결재 상신" if trigger == "propose" else label
        moved = f" → {self.state_label(result.to_state)}" if result.to_state != result.from_state else ""
        self.echo(f"  ✓ {who}: {label}{moved}  (판 {result.version})")
        return result

    def signed(
        self, who: str, trigger: str, payload: Mapping[str, Any] | None = None, by: str = PARK
    ) -> FireResult:
        proposal = self.act(who, "propose", {"trigger": trigger, "payload": dict(payload or {})})
        return self.act(by, "approve_proposal", {"proposal_id": proposal.proposal_id})

    def refused(
        self, who: str, trigger: str, payload: Mapping[str, Any] | None = None, why: str = ""
    ) -> None:
        try:
            engine.fire(self.ctx, self.pid, trigger, Actor(who, "demo"), payload or {})
        except GcwError as error:
            self.echo(f"  ✗ {who}: {self.label(trigger)} — 거부됨 [{error.code}] {why}")
            self.echo(f"      {error.message.splitlines()[0]}")
            for unmet in error.unmet[:4]:
                self.echo(f"      - {unmet.message} ({unmet.basis})")
            if len(error.unmet) > 4:
                self.echo(f"      … 외 {len(error.unmet) - 4}건")
            return
        raise AssertionError(f"demo expected a refusal of {trigger}")

    def state_label(self, state: str) -> str:
        return definition(self.kind).state(state).label

    def label(self, trigger: str, default: str | None = None) -> str:
        meta = {"propose": "결재 상신", "approve_proposal": "결재 승인", "reject_proposal": "결재 반려"}
        action = definition(self.kind).action(trigger)
        return action.label if action else meta.get(trigger, default or trigger)

    def store(self, text: str) -> str:
        assert self.ctx.store is not None
        return self.ctx.store.put(text.encode("utf-8"))

    def documents(self, kind: str) -> None:
        """The issue_documents flow, as the schedule would run it right after the action's commit."""
        result = self.flow("issue_documents", procedure_id=self.pid)
        for item in result["issued"]:
            self.echo(f"    ▣ {item['title']} — PDF/A-3b {item['size']:,} B, SHA-256 {item['sha256'][:16]}…")
            for enclosure in item.get("enclosures", ()):
                issued = "발행" if enclosure["new"] else "발행된 것을 다시 붙임"
                self.echo(
                    f"      └ 붙임 {enclosure['title']} ({issued}), SHA-256 {enclosure['sha256'][:16]}…"
                )
        for refusal in result["refused"]:
            self.echo(f"    ✗ 문서를 만들지 못함: {refusal}")
        if not result["issued"] and not result["refused"]:
            self.echo(f"    (발행할 {kind} 없음)")
        sent = self.flow("dispatch_outbox")
        self.echo(f"    ✉ dispatch_outbox 흐름: {sent['sent']}건 발송 (Maildir)")

    def flow(self, name: str, **parameters: Any) -> Any:
        from flows.environment import prepare

        prepare(self.ctx.settings)
        from flows.running import prefect_api, run

        if self.prefect_api is None:
            self.prefect_api = self.prefect.enter_context(prefect_api())
        return run(name, heartbeats=False, **parameters)
