"""The records the automation leaves behind: the latest audit checkpoint, the chain heads against their last
events, and the outbox's dead and overdue messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gcworkflow.doctor.findings import Finding, guarded, ok, warned

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

__all__ = ["CHECKPOINT_MAX_AGE", "check_records"]

# The daily deadline_sweep writes a checkpoint at 00:05 KST: two days without one means at least one sweep
# did not run (README "Automation").
CHECKPOINT_MAX_AGE = timedelta(days=2)
# The dispatch_outbox flow runs every 5 minutes: a message due for an hour has been missed by a dozen runs.
OUTBOX_STALE_AFTER = timedelta(hours=1)


def check_records(engine: Engine, now: datetime) -> Iterator[Finding]:
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        yield from _checkpoint(session, now)
        yield from guarded("audit_chains", lambda: _chains(session))
        yield from guarded("outbox", lambda: _outbox(session, now))


def _kst(moment: datetime) -> str:
    from gcworkflow.clock import to_kst

    return to_kst(moment).strftime("%Y-%m-%d %H:%M KST")


def _checkpoint(session: Session, now: datetime) -> Iterator[Finding]:
    from gcworkflow.audit import latest_checkpoint

    fix = (
        "매일 체크포인트를 쓰는 deadline_sweep 흐름이 예약대로 도는지 확인하십시오 (gcw flows serve --as-system "
        "또는 Prefect 배포·작업자). 지금 하나 기록하려면: gcw audit checkpoint"
    )
    latest = latest_checkpoint(session)
    if latest is None:
        yield Finding("checkpoint", "warn", "감사 체크포인트가 아직 하나도 없습니다.", fix)
        return
    age = now - latest.created_at
    when = f"#{latest.id}, {_kst(latest.created_at)}"
    if age > CHECKPOINT_MAX_AGE:
        yield Finding(
            "checkpoint",
            "warn",
            f"마지막 감사 체크포인트({when})가 {age.days}일 전 것입니다: 매일 00:05 KST의 기한 점검"
            "(deadline_sweep)이 돌지 않은 것 같습니다.",
            fix,
        )
        return
    hours = max(int(age.total_seconds() // 3600), 0)
    yield ok("checkpoint", f"마지막 체크포인트 {when} ({hours}시간 전)")


def _chains(session: Session) -> Iterator[Finding]:
    """The recorded chain heads against the last event of each chain and the latest checkpoint: cheap (one
    grouped read over the unique (chain, seq) index), not the walk of every hash that `gcw audit verify` does."""
    from sqlalchemy import and_, func, select

    from gcworkflow.audit import latest_checkpoint
    from gcworkflow.audit.chain import chain_heads
    from gcworkflow.canonical import loads
    from gcworkflow.db.models import AuditEvent

    heads = chain_heads(session)
    last = (
        select(AuditEvent.chain, func.max(AuditEvent.seq).label("seq")).group_by(AuditEvent.chain).subquery()
    )
    events = {
        chain: (seq, digest)
        for chain, seq, digest in session.execute(
            select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash).join(
                last, and_(AuditEvent.chain == last.c.chain, AuditEvent.seq == last.c.seq)
            )
        )
    }
    problems = []
    for chain in sorted(set(heads) | set(events)):
        head, event = heads.get(chain), events.get(chain)
        if head is None or event is None or tuple(head) != event:
            problems.append(
                f"{chain} (머리 {head[0] if head else '없음'}번, 마지막 사건 {event[0] if event else '없음'}번)"
            )
    latest = latest_checkpoint(session)
    if latest is not None:
        for chain, (seq, _hash) in loads(latest.heads).items():
            now_seq = events.get(chain, (0, ""))[0]
            if now_seq < seq:
                problems.append(f"{chain} (체크포인트 #{latest.id}에는 {seq}번까지, 지금은 {now_seq}번까지)")
    if problems:
        shown = "; ".join(problems[:3]) + (f" 외 {len(problems) - 3}개" if len(problems) > 3 else "")
        yield Finding(
            "audit_chains",
            "fail",
            f"감사 체인의 머리와 사건이 맞지 않습니다: {shown}. 기록이 엔진 밖에서 바뀌었거나 지워졌을 수 있습니다.",
            "gcw audit verify로 전체를 검증하고 감사 담당에게 알리십시오 (그때까지 해당 절차는 처리되지 않습니다).",
        )
        return
    since = f"고 체크포인트 #{latest.id}에서 이어집니다" if latest is not None else "습니다"
    yield ok(
        "audit_chains",
        f"체인 {len(events)}개: 머리가 마지막 사건과 같{since} (머리만 비교했습니다; 전체 검증은 gcw audit verify)",
    )


def _outbox(session: Session, now: datetime) -> Iterator[Finding]:
    from sqlalchemy import func, select

    from gcworkflow.db.models import OutboxMessage

    counts = dict(
        session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )
    due = func.coalesce(OutboxMessage.next_attempt_at, OutboxMessage.created_at)
    stale, oldest = session.execute(
        select(func.count(), func.min(due)).where(
            OutboxMessage.status == "pending", due < now - OUTBOX_STALE_AFTER
        )
    ).one()
    dead = counts.get("dead", 0)
    problems, fixes = [], []
    if dead:
        problems.append(f"보내지 못하고 멈춘 메시지(dead)가 {dead}건 있습니다")
        fixes.append(
            "gcw outbox list --status dead로 이유(받는 주소·서버 응답)를 보고 고친 뒤 "
            "gcw --as 관리자 outbox retry로 다시 보내십시오"
        )
    if stale:
        since = f" (가장 오래된 것 {_kst(oldest)})" if isinstance(oldest, datetime) else ""
        problems.append(f"보낼 때가 1시간 넘게 지난 발송 대기 메시지가 {stale}건 있습니다{since}")
        fixes.append(
            "5분마다 도는 dispatch_outbox 흐름이 예약대로 도는지 확인하십시오 (지금 보내려면 gcw outbox dispatch "
            "--as-system)"
        )
    yield warned(
        "outbox",
        problems,
        fixes,
        f"대기 {counts.get('pending', 0)}건, 발송 중 {counts.get('sending', 0)}건, "
        f"보냄 {counts.get('sent', 0)}건, dead 0건",
    )
