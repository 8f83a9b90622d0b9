"""What every interface hands the engine: the database, the settings, the clock and the document store."""

from __future__ import annotations

from dataclasses import dataclass, field

from gcworkflow.calendar import HolidayCalendar
from gcworkflow.clock import Clock, clock
from gcworkflow.db.session import Database
from gcworkflow.documents.store import DocumentStore, FileStore
from gcworkflow.procedures.spec import Policy
from gcworkflow.settings import Settings, get_settings


@dataclass
class Context:
    db: Database
    settings: Settings
    clock: Clock = field(default_factory=lambda: clock)
    store: DocumentStore | None = None

    def __post_init__(self) -> None:
        if self.store is None:
            self.store = FileStore(self.settings.document_dir)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, clock_: Clock | None = None) -> Context:
        settings = settings or get_settings()
        return cls(db=Database(settings.resolved_database_url), settings=settings, clock=clock_ or clock)

    @property
    def policy(self) -> Policy:
        s = self.settings
        return Policy(
            governor_reply_days=s.governor_reply_days,
            ministry_reply_days=s.ministry_reply_days,
            notification_sla_working_days=s.notification_sla_working_days,
            require_objection_resolution=s.require_objection_resolution,
            notice_numbering=s.notice_numbering,
        )

    def calendar(self) -> HolidayCalendar:
        return HolidayCalendar()
