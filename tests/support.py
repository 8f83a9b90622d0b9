"""Helpers that walk a designation procedure through the engine, as the tests' cast would."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from gcworkflow import clusters, engine, people
from gcworkflow.clock import Clock
from gcworkflow.context import Context
from gcworkflow.db.session import Database
from gcworkflow.documents.store import FileStore
from gcworkflow.engine import Actor, FireResult
from gcworkflow.settings import Settings

SEOUL = ZoneInfo("Asia/Seoul")
ADMIN, CLERK, CLERK2, APPROVER, APPROVER2, SECRETARY, AUDITOR = (
    "admin",
    "kim",
    "lee",
    "park",
    "jung",
    "choi",
    "han",
)
GUMI_PLAN = Path(__file__).resolve().parents[1] / "gcworkflow" / "demo" / "gumi_plan.yaml"


# The office block of letters (settings GCW_OFFICE_*), as a test installation configures it.
OFFICE = {
    "office_postcode": "30103",
    "office_address": "세종특별자치시 도움6로 11 정부세종청사 6동 (예시)",
    "office_homepage": "www.me.go.kr",
    "office_phone": "044-201-0000",
    "office_fax": "044-201-0001",
    "office_email": "green-cluster@korea.kr",
}


def context_for(settings: Settings) -> Context:
    """A context over ``settings``' database and document store, its clock fixed at 2026-03-02 10:00 KST."""
    return Context(
        db=Database(settings.resolved_database_url),
        settings=settings,
        clock=Clock(datetime(2026, 3, 2, 10, 0, tzinfo=SEOUL)),
        store=FileStore(settings.document_dir),
    )


def actor(name: str) -> Actor:
    return Actor(name, interface="api")


def gumi_plan() -> dict[str, Any]:
    return yaml.safe_load(GUMI_PLAN.read_text(encoding="utf-8"))


def cast(ctx: Context) -> None:
    people.init_admin(ctx, ADMIN, "관리자")
    admin = actor(ADMIN)
    people.add_user(ctx, admin, CLERK, "김주무", ["clerk"])
    people.add_user(ctx, admin, CLERK2, "이주무", ["clerk"])
    people.add_user(ctx, admin, APPROVER, "박과장", ["approver"])
    people.add_user(ctx, admin, APPROVER2, "정국장", ["approver"])
    people.add_user(ctx, admin, SECRETARY, "최간사", ["committee_secretary"])
    people.add_user(ctx, admin, AUDITOR, "한감사", ["auditor"])


def open_gumi(ctx: Context) -> int:
    cast(ctx)
    cluster_id = clusters.register_cluster(
        ctx, actor(CLERK), "첨단 전자산업 자원순환 녹색융합클러스터", {"sido_code": "47", "sigungu": "구미시"}
    )
    return engine.open_procedure(
        ctx, actor(CLERK), "designation", cluster_id=cluster_id, approver=APPROVER
    ).procedure_id


def fire(ctx: Context, pid: int, trigger: str, who: str = CLERK, /, **payload: Any) -> FireResult:
    return engine.fire(ctx, pid, trigger, actor(who), payload)


def signed(
    ctx: Context, pid: int, trigger: str, who: str = CLERK, by: str = APPROVER, /, **payload: Any
) -> FireResult:
    proposal = fire(ctx, pid, "propose", who, trigger=trigger, payload=payload)
    return fire(ctx, pid, "approve_proposal", by, proposal_id=proposal.proposal_id)


def register_opinion_letter_number(
    ctx: Context, pid: int, dated: str, number: str | None = None, who: str = CLERK
) -> FireResult:
    """The number of the opinion request to 경상북도지사, dated ``dated``: ``number`` from the ministry's register or,
    without one, the next of the local series."""
    return fire(
        ctx,
        pid,
        "register_letter_number",
        who,
        document="opinion_request",
        subject="1:governor:47",
        dated=dated,
        **({} if number is None else {"number": number}),
    )


def on(ctx: Context, day: date, hour: int = 10) -> None:
    ctx.clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=SEOUL))


def advance(ctx: Context, days: int) -> None:
    ctx.clock.advance(timedelta(days=days))


ATTENDANCE = {
    "chair": "위원장",
    "designated": ["위원1", "위원2", "위원3", "위원4", "위원5", "위원6", "위원7"],
    "present": ["위원1", "위원2", "위원3", "위원4", "위원5"],
    "recusals": [],
}


def hear_the_governor(ctx: Context, pid: int) -> None:
    """The opinion request to 경상북도지사 and, ten days later, the reply."""
    signed(ctx, pid, "request_governor_opinions")
    advance(ctx, 10)
    fire(
        ctx,
        pid,
        "record_governor_opinion",
        sido_code="47",
        received_on=ctx.clock.today().isoformat(),
        summary="이견 없음",
    )


def to_committee(
    ctx: Context, pid: int | None = None, *, plan: dict[str, Any] | None = None, draft: bool = True
) -> int:
    """Drafting → governor → ministries → committee_review, with every requirement met (a new 구미 procedure
    unless ``pid`` names an open one in drafting). ``plan``: the record_plan payload (default: the 구미 plan);
    ``draft=False`` when the caller has prepared the drafting stage itself (a release)."""
    pid = open_gumi(ctx) if pid is None else pid
    if draft:
        fire(ctx, pid, "record_plan", **(plan or {"content": gumi_plan()}))
    hear_the_governor(ctx, pid)
    signed(ctx, pid, "request_ministry_consultation", ministries=["산업통상부", "국토교통부"])
    advance(ctx, 7)
    _ministry_reply(ctx, pid, "산업통상부")
    _ministry_reply(ctx, pid, "국토교통부", "조건부 동의", "기반시설 계획 보완 조건")
    signed(ctx, pid, "refer_to_committee")
    return pid


def _ministry_reply(
    ctx: Context, pid: int, ministry: str, position: str = "동의", summary: str = "동의"
) -> None:
    """``ministry``'s reply to the consultation, received today."""
    fire(
        ctx,
        pid,
        "record_ministry_reply",
        ministry=ministry,
        position=position,
        received_on=ctx.clock.today().isoformat(),
        summary=summary,
    )


def one_ministry_agrees_and_refer(ctx: Context, pid: int, ministry: str = "산업통상부") -> None:
    """The ministry consultation with one ministry that agrees, then the referral to the committee."""
    signed(ctx, pid, "request_ministry_consultation", ministries=[ministry])
    _ministry_reply(ctx, pid, ministry)
    signed(ctx, pid, "refer_to_committee")


def meeting(
    ctx: Context,
    pid: int,
    no: int,
    decision: str | None = None,
    attendance: dict | None = None,
    **decided: Any,
) -> None:
    """The secretary schedules meeting `no`, records attendance and, if given, the decision."""
    fire(
        ctx,
        pid,
        "schedule_meeting",
        SECRETARY,
        meeting_name="중앙환경정책위원회 환경경제분과위원회",
        meeting_no=no,
        held_on=ctx.clock.today().isoformat(),
        agenda_no="제1호",
    )
    fire(ctx, pid, "record_attendance", SECRETARY, **(attendance or ATTENDANCE))
    if decision is not None:
        fire(
            ctx,
            pid,
            "record_committee_decision",
            SECRETARY,
            decision=decision,
            **({"votes_for": 5} | decided),
        )


def committee_approves(ctx: Context, pid: int, meeting_no: int = 1) -> None:
    meeting(ctx, pid, meeting_no, "원안 의결")
    fire(ctx, pid, "approve")


NOTICE = {
    "purpose": "첨단 전자산업 폐자원의 자원순환 분야 녹색산업등의 집적·융복합 촉진 및 연구개발·실증화 지원",
    "inspection_places": [{"office": "기후에너지환경부 탈탄소녹색산업혁신과", "phone": "044-201-0000"}],
}
REQUIREMENTS = ("law10_1", "law10_2", "law10_3", "law10_4", "decree6_1", "decree6_2")


def through_notice_signoff(ctx: Context, pid: int, *, assess: bool = True) -> None:
    """The notice stage: decision, assessments (a designation's), notice composed and signed (the number, when
    not drawn at the sign-off, is left to the caller)."""
    signed(ctx, pid, "decide_designation", reason="위원회 원안 의결 및 요건 충족")
    if assess:
        for requirement in REQUIREMENTS:
            fire(ctx, pid, "assess_requirement", requirement=requirement, result="met", note="검토 결과 충족")
        fire(
            ctx,
            pid,
            "assess_requirement",
            requirement="decree6_3",
            result="not_applicable",
            note="영 제6조제3호에 따른 고시 없음",
        )
    fire(ctx, pid, "compose_notice", designation_date=ctx.clock.today().isoformat(), **NOTICE)
    signed(ctx, pid, "sign_notice_content")


def issue_notice_pdf(
    ctx: Context, pid: int, body: bytes = b"%PDF-1.7 stand-in for the rendered notice"
) -> str:
    """What the documents flow records after rendering: the PDF in the store and `document_issued`."""
    from gcworkflow import queries
    from gcworkflow.procedures.notice import notice_render_digest

    status = queries.procedure_status(ctx, pid)
    facts = {(f["kind"], f["subject"]): f["data"] for f in status["facts"]}
    notice = facts[("notice_content", "designation_notice")]
    number = facts[("notice_number", "designation_notice")]["number"]
    sha = ctx.store.put(body)
    fire(
        ctx,
        pid,
        "document_issued",
        "system",
        document=f"{notice.get('kind', 'designation')}_notice",
        sha256=sha,
        title=f"{number} 지정 고시",
        size=len(body),
        content_sha256=notice_render_digest(notice, number),
    )
    return sha


def publish_the_notice(
    ctx: Context, pid: int, *, stand_in_pdf: bool = True, gazette_issue: str = "제21234호"
) -> None:
    """The signed, numbered notice published: its PDF recorded (the stand-in of `issue_notice_pdf`; with
    ``stand_in_pdf=False`` the caller has issued the real one), the gazette carrying it today, `publish_notice`."""
    if stand_in_pdf:
        issue_notice_pdf(ctx, pid)
    fire(
        ctx,
        pid,
        "record_gazette_publication",
        published_on=ctx.clock.today().isoformat(),
        gazette_issue=gazette_issue,
    )
    fire(ctx, pid, "publish_notice")


def notify_the_governor(ctx: Context, pid: int, message_id: str, sent_at: str | None = None) -> FireResult:
    """경상북도지사 notified of the published notice through 문서유통, at ``sent_at`` (ISO; default 09:00 KST
    today)."""
    return fire(
        ctx,
        pid,
        "record_governor_notification",
        sido_code="47",
        sent_at=sent_at or datetime.combine(ctx.clock.today(), time(9), SEOUL).isoformat(),
        channel="문서유통",
        message_id=message_id,
    )


def designate(ctx: Context, pid: int, *, assess: bool = True, from_committee: bool = True) -> None:
    """From committee_review (or, ``from_committee=False``, from the notice stage) to the end: committee, notice,
    number, PDF record, gazette, notification."""
    if from_committee:
        committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid, assess=assess)
    facts = {(f["kind"], f["subject"]) for f in _status_facts(ctx, pid)}
    if ("notice_number", "designation_notice") not in facts:
        fire(
            ctx,
            pid,
            "register_notice_number",
            number=f"기후에너지환경부고시 제{ctx.clock.today().year}-{pid}호",
        )
    publish_the_notice(ctx, pid)
    notify_the_governor(ctx, pid, f"msg-{pid}")
    fire(ctx, pid, "confirm_notification", "system")


def _status_facts(ctx: Context, pid: int) -> list[dict[str, Any]]:
    from gcworkflow import queries

    return queries.procedure_status(ctx, pid)["facts"]


def designated_gumi(ctx: Context) -> tuple[int, int]:
    """A designated 구미 cluster: (cluster id, designation procedure id)."""
    pid = to_committee(ctx)
    designate(ctx, pid)
    with ctx.db.read() as session:
        from gcworkflow.db.models import Procedure

        return session.get(Procedure, pid).cluster_id, pid


def deemed_venture_cluster(ctx: Context) -> int:
    """The 창업·벤처 cluster, deemed designated by 법 부칙 제2조제1항, registered by the admin: its id."""
    return clusters.register_deemed_cluster(
        ctx,
        actor(ADMIN),
        "창업·벤처 녹색융합클러스터",
        "부칙 제2조제1항",
        {
            "sido_code": "28",
            "sigungu_name": "서구",
            "area_m2": 180000,
            "operating_institution": "한국환경산업기술원",
        },
    )
