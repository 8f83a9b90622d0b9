"""`gcw demo`: the 구미 첨단 전자산업 자원순환 cluster through the designation procedure, on the engine alone.

The cast is two clerks, an approver and a committee secretary (plus the admin who sets them up). The story runs
on a set clock from February to October 2026 and includes the refusals a clerk meets: an incomplete plan, a
clerk firing an approver's transition, a stale approval, an unresolved objection and a meeting without a
quorum. Notice numbers come from the local series and are illustrative: no real gazette notice exists.
Running it again shows the existing record instead of duplicating it.

This module sets the stage and runs the story in order; its parts are ``cast`` (who and what), ``narration``
(the narrator every part acts through), ``designation_walk``, ``after_designation`` and ``report``.
"""

from __future__ import annotations

import os
from datetime import date

from gcworkflow import clusters, contacts, people, queries
from gcworkflow.calendar import format_date_ko_weekday
from gcworkflow.clock import to_kst
from gcworkflow.context import Context
from gcworkflow.db.migrate import upgrade
from gcworkflow.demo import after_designation, designation_walk
from gcworkflow.demo.cast import ADMIN, CAST, CONTACTS, GUMI, KIM, UNITS, data
from gcworkflow.demo.narration import Demo, Echo
from gcworkflow.demo.report import report
from gcworkflow.engine import Actor
from gcworkflow.local_files import ensure_dir
from gcworkflow.settings import get_settings


def setup(demo: Demo) -> None:
    demo.on(date(2026, 2, 2), 9)
    people.init_admin(demo.ctx, ADMIN, "시스템 관리자", os_user="demo")
    for username, name, roles in CAST:
        people.add_user(demo.ctx, Actor(ADMIN, "demo"), username, name, roles, email=f"{username}@example.kr")
    for party, email in CONTACTS.items():
        contacts.set_contact(demo.ctx, Actor(ADMIN, "demo"), party, email, unit=UNITS.get(party))
    demo.echo(f"  ✓ 사용자: {', '.join(f'{n}({u})' for u, n, _ in CAST)}")
    for item in data("clusters.yaml")["clusters"]:
        profile = {
            k: item[k]
            for k in (
                "sido_code",
                "sigungu_name",
                "sigungu_code",
                "location_detail",
                "area_m2",
                "budget_krw",
                "status_note",
                "operating_institution",
            )
        }
        if item["deemed"]:
            clusters.register_deemed_cluster(
                demo.ctx, Actor(ADMIN, "demo"), item["name"], "부칙 제2조제1항", profile
            )
            demo.echo(f"  ✓ {item['name']}: 법 부칙 제2조제1항에 따라 지정된 것으로 등록 (절차 없음)")
        else:
            clusters.register_cluster(demo.ctx, Actor(KIM, "demo"), item["name"], profile)
    demo.echo("  ✓ 기본계획(2023~2027)의 클러스터 6곳을 조성 예정으로 등록")


def _existing(ctx: Context) -> int | None:
    for item in queries.list_procedures(ctx):
        if item["cluster"] == GUMI:
            return int(item["id"])
    return None


# The office block of the letters, where the installation has not configured its own (law.md §5.2: the street
# address of 정부세종청사 6동 is not verified, so these are marked as examples).
DEMO_OFFICE = {
    "office_postcode": "30103",
    "office_address": "세종특별자치시 도움6로 11 정부세종청사 6동 (예시)",
    "office_homepage": "www.me.go.kr (예시)",
    "office_phone": "044-201-0000 (예시)",
    "office_fax": "044-201-0001 (예시)",
    "office_email": "green-cluster@korea.kr (예시)",
}


def run_demo(ctx: Context, echo: Echo) -> None:
    # Before anything is written: a GCW_VAR_DIR that cannot be made is refused here, not halfway through.
    ensure_dir(ctx.settings.var_dir, "로컬 파일 폴더(GCW_VAR_DIR)")
    upgrade(ctx.db.url)
    # The flows build their own context from the environment: the demo's settings go there, so they agree.
    demo_settings = {
        **{k: v for k, v in DEMO_OFFICE.items() if not getattr(ctx.settings, k)},
        "notice_numbering": "local",
        "documents_illustrative": "true",
        "mail_channel": "maildir",
        "database_url": ctx.db.url,
        "var_dir": str(ctx.settings.var_dir.resolve()),
    }
    for key, value in demo_settings.items():
        os.environ[f"GCW_{key.upper()}"] = str(value)
    get_settings.cache_clear()
    ctx.settings = get_settings()
    demo = Demo(ctx, echo)
    existing = _existing(ctx)
    if existing is not None:
        demo.pid = existing
        echo(f"데모 기록이 이미 있습니다 ({ctx.db.describe()}). 새로 만들지 않고 기존 기록을 보여 줍니다.")
        echo("처음부터 다시 보려면 GCW_VAR_DIR 또는 GCW_DATABASE_URL을 새 위치로 지정하십시오.")
        report(demo)
        return
    echo("녹색융합클러스터 지정 절차 데모 — 구미 첨단 전자산업 자원순환 클러스터 (법 제9조)")
    echo("※ 날짜·번호·기관명 일부는 예시입니다. 실제 관보 지정 고시는 아직 없습니다.")
    with demo.prefect:
        setup(demo)
        designation_walk.drafting(demo)
        designation_walk.consultations(demo)
        designation_walk.committee(demo)
        designation_walk.designation(demo)
        designation_walk.notification(demo)
        first = demo.pid
        after_designation.afterwards(demo)
    demo.pid, demo.kind = first, "designation"
    report(demo)
    when = to_kst(ctx.clock.now()).date()
    echo(f"\n데모 시계: {format_date_ko_weekday(when)} 기준으로 멈춤.")
