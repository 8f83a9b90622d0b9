"""The demo's closing report: the procedure's status and history, its open deadlines and the reminders they
plan, the refused attempts, the audit chain's verification and where everything was written."""

from __future__ import annotations

from gcworkflow import audit, deadlines, queries
from gcworkflow.calendar import format_date_ko_weekday
from gcworkflow.context import load_calendar
from gcworkflow.demo.narration import Demo


def report(demo: Demo) -> None:
    status = queries.procedure_status(demo.ctx, demo.pid)
    demo.echo(
        f"\n■ {status['title']} ({status['id']}번) — 현재 단계: {status['state_label']}, 판 {status['version']}"
    )
    demo.echo(
        f"  담당 {status['clerk']}, 결재권자 {status['approver']}, 조성계획 제{status['plan_version']}판"
    )
    demo.echo("\n■ 처리 이력 (감사 사건)")
    for event in queries.procedure_events(demo.ctx, demo.pid):
        moved = (
            f" [{demo.state_label(event['from_state'])} → {demo.state_label(event['to_state'])}]"
            if (event["from_state"] and event["from_state"] != event["to_state"])
            else ""
        )
        label = event["label"]
        if event["trigger"] == "propose":
            label = f"결재 상신: {demo.label(event['payload']['trigger'])}"
        demo.echo(f"  {event['seq']:>3}. {event['occurred_at_kst']}  {event['actor']:<6} {label}{moved}")
    with demo.ctx.db.read() as session:
        waiting = deadlines.open_deadlines(session, demo.ctx.clock.today(), load_calendar(session), demo.pid)
    demo.echo(f"\n■ 열린 기한 {len(waiting)}건")
    for item in waiting:
        left = item["days_left"]
        when = f"{-left}일 경과" if left < 0 else f"{left}일 남음 (근무일 {item['working_days_left']}일)"
        demo.echo(f"  - {item['label']}: {format_date_ko_weekday(item['due_on'])} — {when}")
        demo.echo(f"      {item['explanation']} ({item['basis']})")
    first, again = deadlines.plan_due_reminders(demo.ctx), deadlines.plan_due_reminders(demo.ctx)
    demo.echo(
        f"  알림 계획: 담당자 알림 {first.reminders}건, 결재권자 경과 보고 {first.escalations}건을 발송 "
        f"대기열에 올렸습니다 (다시 실행하면 {again.total}건: 중복되지 않습니다)"
    )
    letters = [
        f["data"] for f in status["facts"] if f["kind"] == "document_issued" and f["data"].get("enclosures")
    ]
    demo.echo(f"\n■ 붙임을 단 시행문 {len(letters)}건 (붙임마다 따로 발행·해시, 메일에 함께 첨부)")
    for letter in letters:
        listed = ", ".join(f"{e['title']} ({e['sha256'][:12]}…)" for e in letter["enclosures"])
        demo.echo(f"  - {letter['title']}\n      붙임: {listed}")
    refused = queries.procedure_refusals(demo.ctx, demo.pid)
    demo.echo(f"\n■ 거부된 시도 {len(refused)}건 (감사 체인 밖 별도 기록)")
    for item in refused:
        basis = f" ({item['unmet'][0]['basis']})" if item["unmet"] else ""
        demo.echo(
            f"  - {item['occurred_at'][:10]} {item['actor']}: {item['trigger']} [{item['code']}]{basis}"
        )
    with demo.ctx.db.write() as session:
        report = audit.verify(session, demo.ctx.store)
        line = audit.checkpoint_line(audit.checkpoint_unless_current(session, "demo", demo.ctx.clock.now()))
    demo.echo(
        f"\n■ 감사 체인 검증: {'이상 없음' if report.ok else '문제 발견'} "
        f"(체인 {report.chains}개, 사건 {report.events}건)"
    )
    demo.echo(f"  체크포인트: {line}")
    demo.echo(f"\n■ 데이터베이스: {demo.ctx.db.describe()}")
    demo.echo(f"  문서 저장소: {demo.ctx.settings.document_dir.resolve()}")
    demo.echo(f"  보낸 메일(Maildir): {demo.ctx.settings.maildir.resolve()}")
