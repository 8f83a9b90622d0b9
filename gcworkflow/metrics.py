"""What ``/metrics`` says about the records, computed from the database at each scrape (issue #16).

Actions happen in every process that acts through the door — the web workers, ``gcw`` commands, the Prefect
workers — so counting them in one process's memory would be wrong. Everything here is read from the tables at
scrape time instead, by :class:`RecordsCollector`: correct whichever process did the work, and the same answer
from whichever web worker the scraper reaches. Each metric is one aggregate query over an index (see each
query's comment); all of them run in one read transaction, so they describe the same moment.

Only request latency is per process (``gcworkflow.web.metrics``): with several web workers it is shared through
prometheus_client's multiprocess files, set up by :func:`prepare_processes` before the workers start.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from gcworkflow.context import Context
from gcworkflow.db.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditRead,
    Deadline,
    Document,
    JobRun,
    OutboxMessage,
    RefusedAttempt,
)
from gcworkflow.local_files import ensure_dir

__all__ = ["MULTIPROCESS_ENV", "OUTBOX_STATUSES", "RecordsCollector", "prepare_processes"]

log = logging.getLogger("gcworkflow.metrics")

# prometheus_client reads it when it is first imported: the workers must inherit it from `gcw serve`.
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
OUTBOX_STATUSES = ("pending", "sending", "dead")  # `sent` only grows; the actions counter tells that story


def prepare_processes(var_dir: Path, workers: int, port: int) -> Path | None:
    """Before ``gcw serve`` starts its workers: the folder where each worker writes its request latencies, so
    that a scrape answered by any one of them adds up all of them. ``PROMETHEUS_MULTIPROC_DIR`` when the
    environment sets it; with several workers and no setting, ``GCW_VAR_DIR/metrics/serve-<port>`` (one folder
    per server, so two servers on one machine never mix). Emptied first: the files of a previous run would
    otherwise be added to this one's. None: one process, nothing to share."""
    configured = os.environ.get(MULTIPROCESS_ENV)
    if configured:
        directory = Path(configured)
    elif workers > 1:
        directory = (var_dir / "metrics" / f"serve-{port}").resolve()
        os.environ[MULTIPROCESS_ENV] = str(directory)
    else:
        return None
    ensure_dir(directory, "지표 공유 폴더(PROMETHEUS_MULTIPROC_DIR)")
    for stale in directory.glob("*.db"):
        stale.unlink(missing_ok=True)
    return directory


def _seconds(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


class RecordsCollector(Collector):
    """The records' metrics, read at each scrape (prometheus_client calls :meth:`collect`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not query the database; the names are checked at scrape time

    def collect(self) -> Iterator[Metric]:
        started = time.perf_counter()
        up = GaugeMetricFamily("gcw_database_up", "데이터베이스에서 지표를 읽었으면 1, 읽지 못했으면 0")
        try:
            with self.ctx.db.read() as session:
                families = list(self._families(session))
        except (
            Exception
        ) as exc:  # a scrape answers whatever happens; the reason goes to the log, once per scrape
            log.warning("지표를 데이터베이스에서 읽지 못했습니다: %s", type(exc).__name__)
            families = []
        up.add_metric([], 1 if families else 0)
        yield up
        yield from families
        took = GaugeMetricFamily(
            "gcw_metrics_collect_seconds", "이번 수집에서 데이터베이스 지표를 읽는 데 걸린 시간(초)"
        )
        took.add_metric([], time.perf_counter() - started)
        yield took

    def _families(self, session: Session) -> Iterator[Metric]:
        now, today = self.ctx.clock.now(), self.ctx.clock.today()
        yield from self._actions(session)

        # ix_deadlines_open_due (status, due_on): a range of the index, nothing else read.
        open_, overdue = session.execute(
            select(
                func.count(), func.coalesce(func.sum(case((Deadline.due_on < today, 1), else_=0)), 0)
            ).where(Deadline.status == "open")
        ).one()
        yield _gauge("gcw_deadlines_open", "열려 있는 기한 수", open_)
        yield _gauge(
            "gcw_deadlines_overdue", "기한일이 지났는데 열려 있는 기한 수 (오늘은 한국 시간)", overdue
        )

        # ix_outbox_status (status, next_attempt_at): three ranges; `sent`, the bulk of the table, is not read.
        counts = dict(
            session.execute(
                select(OutboxMessage.status, func.count())
                .where(OutboxMessage.status.in_(OUTBOX_STATUSES))
                .group_by(OutboxMessage.status)
            ).all()
        )
        outbox = GaugeMetricFamily(
            "gcw_outbox_messages",
            "발송 대기열의 메시지 수 (pending 대기, sending 발송 중, dead 포기)",
            labels=["status"],
        )
        for status in OUTBOX_STATUSES:
            outbox.add_metric([status], counts.get(status, 0))
        yield outbox
        oldest = session.execute(
            select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == "pending")
        ).scalar()
        age = max(0.0, (now - oldest).total_seconds()) if oldest is not None else 0.0
        yield _gauge(
            "gcw_outbox_oldest_pending_age_seconds",
            "가장 오래 기다린 pending 메시지의 나이(초), 없으면 0",
            age,
        )

        # documents: one row per issued or received file, a small table; ix_documents_* do not cover it. An issued
        # document is its PDF: its HWPX twin is another row of the same document, not counted again.
        issued = CounterMetricFamily(
            "gcw_documents_issued", "발행한 공문·고시 문서 수 (종류별)", labels=["kind"]
        )
        for kind, count in session.execute(
            select(Document.kind, func.count())
            .where(Document.direction == "issued", Document.media_type == "application/pdf")
            .group_by(Document.kind)
        ):
            issued.add_metric([kind], count)
        yield issued

        yield self._last_successes(session)
        yield from self._verify(session)

    def _actions(self, session: Session) -> Iterator[Metric]:
        """Every action is an audit event (ok) or a refused attempt (its code): counted per trigger."""
        actions = CounterMetricFamily(
            "gcw_actions",
            "처리 수: 처리(trigger)별, 결과(outcome: ok 또는 거부 코드)별",
            labels=["trigger", "outcome"],
        )
        # ix_audit_events_trigger (trigger, occurred_at) and ix_refused_attempts_trigger_code (trigger, code):
        # index-only scans. Their cost grows with the trail; measured in README "Metrics and logs".
        for trigger, count in session.execute(
            select(AuditEvent.trigger, func.count()).group_by(AuditEvent.trigger)
        ):
            actions.add_metric([trigger, "ok"], count)
        refused: Counter[tuple[str, str]] = Counter()
        by_code: Counter[str] = Counter()
        for trigger, code, count in session.execute(
            select(RefusedAttempt.trigger, RefusedAttempt.code, func.count()).group_by(
                RefusedAttempt.trigger, RefusedAttempt.code
            )
        ):
            # A refused opening is kept as "open:<kind>"; its successes are events named "open".
            refused[trigger.partition(":")[0], code] += count
            by_code[code] += count
        for (trigger, code), count in sorted(refused.items()):
            actions.add_metric([trigger, code], count)
        yield actions
        refusals = CounterMetricFamily("gcw_refusals", "거부된 처리 수 (거부 코드별)", labels=["code"])
        for code, count in sorted(by_code.items()):
            refusals.add_metric([code], count)
        yield refusals

    def _last_successes(self, session: Session) -> Metric:
        last = GaugeMetricFamily(
            "gcw_job_last_success_timestamp_seconds",
            "정기 작업이 마지막으로 오류 없이 끝난 시각 (유닉스 초): deadline_sweep, dispatch_outbox, checkpoint",
            labels=["job"],
        )
        for job, at in session.execute(select(JobRun.job, JobRun.last_success_at).order_by(JobRun.job)):
            last.add_metric([job], at.timestamp())
        # The newest checkpoint, by the sweep or by `gcw audit checkpoint`: the primary key's last entry.
        checkpoint = session.execute(
            select(AuditCheckpoint.created_at).order_by(AuditCheckpoint.id.desc()).limit(1)
        ).scalar()
        if checkpoint is not None:
            last.add_metric(["checkpoint"], checkpoint.timestamp())
        return last

    def _verify(self, session: Session) -> Iterator[Metric]:
        """The last `gcw audit verify` of the database, as it recorded itself among the reads (ok or failed)."""
        # ix_audit_reads_query (query, occurred_at): read backwards from the newest verify.
        row = session.execute(
            select(AuditRead.occurred_at, AuditRead.outcome)
            .where(AuditRead.query == "verify", AuditRead.outcome.in_(("ok", "failed")))
            .order_by(AuditRead.occurred_at.desc(), AuditRead.id.desc())
            .limit(1)
        ).one_or_none()
        if row is None:
            return  # never verified: no series, rather than a 0 that would read as "broken"
        yield _gauge(
            "gcw_audit_verify_ok",
            "마지막 gcw audit verify 결과: 이상 없음 1, 이상 있음 0",
            row.outcome == "ok",
        )
        yield _gauge(
            "gcw_audit_verify_timestamp_seconds",
            "마지막 gcw audit verify 시각 (유닉스 초)",
            _seconds(row.occurred_at),
        )


def _gauge(name: str, documentation: str, value: float | int | bool | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value or 0))
