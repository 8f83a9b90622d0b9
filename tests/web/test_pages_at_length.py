"""The desk's pages when the record is long (issue 18, at scale): the procedure page shows the newest events of
a long chain and points to the audit search for the rest, its diagram still marks every stage the procedure
has been in, and the dashboard shows its rows a page at a time and counts the days in a stage as the calendar
does."""

from __future__ import annotations

import re

from gcworkflow import clusters, engine
from gcworkflow.calendar.holidays import HolidayCalendar
from gcworkflow.web.pages_procedures import DASHBOARD_ROWS, STUCK_SHOWN, TIMELINE_EVENTS
from tests.support import APPROVER, CLERK, actor, advance, fire, gumi_plan, signed
from tests.web.conftest import Desk


def _rows(html: str) -> list[int]:
    """The dashboard's procedures, in the order shown."""
    return [int(pid) for pid in re.findall(r'<tr class="(?:overdue)?">\s*<td>(\d+)</td>', html)]


SITE = {"announced_on": "2026-01-05", "selected_on": "2026-02-02", "summary": "공모를 통한 예정 지역 선정"}


def test_a_long_timeline_shows_its_newest_events_and_links_to_the_rest(desk: Desk) -> None:
    ctx, pid = desk.ctx, desk.procedure_id
    for _ in range(TIMELINE_EVENTS + 5):
        fire(ctx, pid, "record_site_selection", **SITE)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")  # open, 55 records, the plan, propose, approve: 59 events
    html = desk.client(APPROVER).get(f"/procedures/{pid}").text
    timeline = html.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert timeline.startswith(' reversed start="59">')
    assert timeline.count("<li>") == TIMELINE_EVENTS
    assert "#59 " in timeline and "#10 " in timeline and "#9 " not in timeline
    assert f'이전 기록 9건은 <a href="/audit?query=actions&amp;procedure_id={pid}">감사 조회</a>' in html
    # The opening (event #1) is off the page, yet the diagram knows the procedure went through drafting.
    assert 'class="state visited" data-state="drafting"' in html
    assert 'class="state current" data-state="governor_consultation"' in html


def test_a_short_timeline_shows_every_event_and_no_link(desk: Desk) -> None:
    html = desk.client(CLERK).get(f"/procedures/{desk.procedure_id}").text
    timeline = html.split('<ol class="timeline"', 1)[1].split("</ol>", 1)[0]
    assert timeline.startswith(" reversed>") and timeline.count("<li>") == 1
    assert "이전 기록" not in html


def test_the_dashboard_counts_working_days_in_the_stage_as_the_calendar_does(desk: Desk) -> None:
    ctx, pid = desk.ctx, desk.procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan())
    entered = ctx.clock.today()
    signed(ctx, pid, "request_governor_opinions")
    advance(ctx, 400)  # over a year of weekends and holidays, some of them before the stage began
    today = ctx.clock.today()
    html = desk.client(CLERK).get("/dashboard").text
    row = re.search(rf"<td>{pid}</td>.*?</tr>", html, re.S)
    assert row is not None
    days = HolidayCalendar().working_days_between(entered, today)
    assert f"{(today - entered).days}일 <small>(근무일 {days}일, " in row.group(0)
    assert days < (today - entered).days


def test_the_dashboard_shows_its_rows_a_page_at_a_time_most_urgent_first(desk: Desk) -> None:
    ctx = desk.ctx
    for n in range(DASHBOARD_ROWS + 4):
        cluster = clusters.register_cluster(ctx, actor(CLERK), f"시험 {n:02d} 녹색융합클러스터")
        engine.open_procedure(ctx, actor(CLERK), "designation", cluster_id=cluster, approver=APPROVER)
    clerk = desk.client(CLERK)
    first = clerk.get("/dashboard", params={"kind": "designation"}).text
    total = DASHBOARD_ROWS + 5
    assert f'진행 중인 절차 <span class="count">{total}</span>' in first
    assert len(_rows(first)) == DASHBOARD_ROWS and _rows(first)[0] == desk.procedure_id
    assert f"1–{DASHBOARD_ROWS} / {total}" in first
    assert f'<a href="/dashboard?kind=designation&amp;offset={DASHBOARD_ROWS}">다음</a>' in first
    second = clerk.get("/dashboard", params={"kind": "designation", "offset": DASHBOARD_ROWS}).text
    assert len(_rows(second)) == 5 and "다음</a>" not in second
    assert '<a href="/dashboard?kind=designation&amp;offset=0">이전</a>' in second
    assert _rows(first) + _rows(second) == sorted(_rows(first) + _rows(second))  # none overdue: by number
    assert len(_rows(clerk.get("/dashboard", params={"offset": "x"}).text)) == DASHBOARD_ROWS


def test_the_dashboard_names_the_longest_stuck_and_its_filter_lists_them_all(desk: Desk) -> None:
    ctx = desk.ctx
    opened = []
    for n in range(STUCK_SHOWN + 3):
        cluster = clusters.register_cluster(ctx, actor(CLERK), f"멈춤 {n:02d} 녹색융합클러스터")
        opened.append(
            engine.open_procedure(ctx, actor(CLERK), "designation", cluster_id=cluster, approver=APPROVER)
        )
        advance(ctx, 1)  # each opened a day after the one before: the first has been idle longest
    advance(ctx, ctx.settings.stuck_after_days)
    clerk = desk.client(CLERK)
    html = clerk.get("/dashboard").text
    shortlist = html.split('id="stuck-title"', 1)[1].split("</section>", 1)[0]
    total = STUCK_SHOWN + 4  # and the desk's own procedure, opened first
    assert f"모두 {total}건 가운데 가장 오래 멈춘 {STUCK_SHOWN}건입니다" in shortlist
    assert shortlist.count("<li>") == STUCK_SHOWN
    assert (
        f'<a href="/dashboard?stuck=1#open-title">멈춘 것으로 보이는 절차 {total}건 모두 보기</a>'
        in shortlist
    )
    every = clerk.get("/dashboard", params={"stuck": "1"}).text
    assert f'진행 중인 절차 <span class="count">{total}</span>' in every
    assert sorted(_rows(every)) == sorted([desk.procedure_id, *(o.procedure_id for o in opened)])
    assert '<input type="hidden" name="stuck" value="1">' in every
    # A stage filter keeps to the stuck ones; none is in the committee's hands.
    assert not _rows(clerk.get("/dashboard", params={"stuck": "1", "stage": "committee_review"}).text)
