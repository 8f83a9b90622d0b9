"""What every interface hands the engine: the database, the settings, the clock and the document store."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.calendar import HolidayCalendar, HolidayOverride
from gcworkflow.clock import Clock, clock
from gcworkflow.db.models import HolidayOverride as HolidayOverrideRow
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
            notice_sla_working_days=s.notice_sla_working_days,
            administrative_notice_days=s.administrative_notice_days,
            require_objection_resolution=s.require_objection_resolution,
            notice_numbering=s.notice_numbering,
            office_division=s.office_division,
            minor_change_notice=s.minor_change_notice,
        )

    def calendar(self, session: Session) -> HolidayCalendar:
        return load_calendar(session)


def load_calendar(session: Session) -> HolidayCalendar:
    """The 관공서 공휴일 calendar with the override table as it stands in this transaction."""
    rows = session.execute(
        select(HolidayOverrideRow.day, HolidayOverrideRow.name, HolidayOverrideRow.is_holiday)
    )
    return HolidayCalendar(tuple(HolidayOverride(r.day, r.name, r.is_holiday) for r in rows))
