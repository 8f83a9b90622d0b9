"""The clerks' pages over real HTTP: what a clerk and an approver see and do — the dashboard, the procedure
page (diagram, timeline, consultations, deadlines, documents, action forms, refusals beside them, conflicts),
the plan form with its validation and versions, and the admin pages."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from gcworkflow import clusters, engine
from gcworkflow.db.models import AuditEvent
from tests.support import ADMIN, APPROVER, CLERK, CLERK2, actor, fire, gumi_plan, signed
from tests.web.conftest import Desk, csrf_of


def _events(desk: Desk, procedure_id: int) -> int:
    with desk.ctx.db.read() as session:
        return session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.procedure_id == procedure_id)
        ).scalar_one()


def _post(
    client: httpx.Client, page_url: str, action: str, data: dict, files: dict | None = None
) -> httpx.Response:
    page = client.get(page_url)
    return client.post(action, data={"csrf_token": csrf_of(page.text), **data}, files=files)


def _rows(html: str) -> list[tuple[bool, int]]:
    """The dashboard's procedures in order, each with whether it is marked overdue."""
    return [
        (bool(cls), int(pid)) for cls, pid in re.findall(r'<tr class="(overdue)?">\s*<td>(\d+)</td>', html)
    ]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_dashboard_puts_overdue_first_and_shows_the_approvers_in_tray(desk: Desk) -> None:
    ctx, late = desk.ctx, desk.procedure_id
    fire(ctx, late, "record_plan", content=gumi_plan())
    signed(ctx, late, "request_governor_opinions")  # reply-by 2026-04-01
    cluster = clusters.register_cluster(ctx, actor(CLERK), "태양광 사용후 패널 녹색융합클러스터")
    waiting = engine.open_procedure(
        ctx, actor(CLERK), "designation", cluster_id=cluster, approver=APPROVER
    ).procedure_id
    fire(ctx, waiting, "record_plan", content=gumi_plan() | {"name": "태양광 사용후 패널 녹색융합클러스터"})
    fire(ctx, waiting, "propose", trigger="request_governor_opinions", payload={})
    ctx.clock.advance(timedelta(days=40))  # 2026-04-11: the governor's reply is ten days late

    approver = desk.client(APPROVER)
    html = approver.get("/dashboard").text
    text = _text(html)
    assert "결재할 안건 1" in text and "시·도지사 의견조회 요청" in text
    assert f'href="/procedures/{waiting}#proposal-2"' in html  # #1 was the first procedure's, approved
    assert _rows(html) == [(True, late), (False, waiting)]
    assert "기한 경과 1건" in text and "10일 지남" in text
    assert "시·도지사 의견 회신 기한" in text and "2026. 4. 1. (수)" in text
    assert "40일 (근무일" in text  # days in the stage since 2026-03-02

    assert _rows(approver.get("/dashboard", params={"stage": "drafting"}).text) == [(False, waiting)]
    assert _rows(approver.get("/dashboard", params={"cluster": str(cluster)}).text) == [(False, waiting)]
    assert "조건에 맞는 진행 중인 절차가 없습니다" in _text(
        approver.get("/dashboard", params={"person": CLERK2}).text
    )
    assert approver.get("/dashboard", params={"stage": "\x00"}).status_code == 400  # not a database error
    # The clerk sees their own proposal waiting, not an in-tray.
    clerk = _text(desk.client(CLERK).get("/dashboard").text)
    assert "결재할 안건" not in clerk and "내가 상신한 안건" in clerk


def test_the_procedure_page_shows_stage_timeline_consultations_and_forms(desk: Desk) -> None:
    ctx, pid = desk.ctx, desk.procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    clerk = desk.client(CLERK)
    html = clerk.get(f"/procedures/{pid}").text
    text = _text(html)
    assert 'class="state current" data-state="governor_consultation"' in html
    assert 'class="state visited" data-state="drafting"' in html
    assert '<desc id="diagram-desc">현재 단계: 관할 시·도지사 의견수렴. ' in html
    assert "시·도지사 의견조회 요청 (상신 #1 승인)" in text and "결재 상신: 시·도지사 의견조회 요청" in text
    assert "경상북도지사" in text and "2026. 4. 1. (수)" in text
    # The clerk's forms are the actions procedure_status offers them; the approver gets none of them.
    assert 'action="/procedures/1/actions/record_governor_opinion"' in html
    assert 'name="sido_code"' in html and 'name="expected_version" value="4"' in html
    approver_html = desk.client(APPROVER).get(f"/procedures/{pid}").text
    assert "/actions/record_governor_opinion" not in approver_html
    assert "/actions/withdraw" not in approver_html  # the approver signs a withdrawal; the clerk proposes it


def test_a_refusal_is_shown_beside_its_form_with_the_article(desk: Desk) -> None:
    clerk = desk.client(CLERK)
    url = f"/procedures/{desk.procedure_id}"
    refused = _post(
        clerk, url, f"{url}/actions/request_governor_opinions", {"expected_version": "1", "comment": "상신"}
    )
    assert refused.status_code == 422
    block = refused.text.split('id="action-request_governor_opinions"', 1)[1].split("</details>", 1)[0]
    assert "요건이 충족되지 않아 처리할 수 없습니다." in block
    assert "조성계획이 작성되지 않았습니다" in block and "근거: 녹색융합클러스터법 제11조" in block
    assert ">상신</textarea>" in block  # what the clerk typed is kept
    assert _events(desk, desk.procedure_id) == 1


def test_a_stale_page_gets_a_conflict_and_a_reload_never_an_overwrite(desk: Desk) -> None:
    first, second = desk.client(CLERK), desk.client(CLERK)
    url = f"/procedures/{desk.procedure_id}"
    first_page, second_page = first.get(url), second.get(url)
    hearing = {
        "expected_version": "1",
        "announced_on": "2026-01-05",
        "selected_on": "2026-02-02",
        "summary": "공모",
    }
    action = f"{url}/actions/record_site_selection"
    done = first.post(action, data={"csrf_token": csrf_of(first_page.text), **hearing})
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=record_site_selection"
    assert "처리했습니다: 공모를 통한 예정 지역 선정 기록" in first.get(done.headers["location"]).text
    late = second.post(
        action, data={"csrf_token": csrf_of(second_page.text), **hearing | {"summary": "다른 내용"}}
    )
    assert late.status_code == 409
    text = _text(late.text)
    assert "이 절차는 화면을 연 뒤에 변경되었습니다 (보던 판 1, 현재 판 2)" in text
    assert f'<a class="button" href="{url}">새로 고침' in late.text
    assert _events(desk, desk.procedure_id) == 2


def test_documents_are_uploaded_listed_with_their_hash_and_opened(desk: Desk) -> None:
    clerk = desk.client(CLERK)
    url = f"/procedures/{desk.procedure_id}"
    pdf = "%PDF-1.7\n% 공모 결과\n%%EOF\n".encode()  # header and trailer: a PDF the desk shows inline
    done = _post(
        clerk,
        url,
        f"{url}/actions/receive_document",
        {"expected_version": "1", "title": "공모 결과 보고", "kind": "site_selection"},
        files={"sha256": ("result.pdf", pdf, "application/pdf")},
    )
    assert done.status_code == 303, done.text
    html = clerk.get(url).text
    found = re.search(r'<a href="/documents/(\d+)"[^>]*>공모 결과 보고</a>', html)
    assert found
    opened = clerk.get(f"/documents/{found.group(1)}")
    assert opened.content == pdf and opened.headers["content-type"] == "application/pdf"
    sha = opened.headers["x-content-sha256"]
    assert sha in html
    # A file that a browser would run as a page of the desk is only ever downloaded.
    html = b"<script>alert(1)</script>"
    done = _post(
        clerk,
        url,
        f"{url}/actions/receive_document",
        {"expected_version": "2", "title": "첨부 웹 문서"},
        files={"sha256": ("page.html", html, "text/html")},
    )
    assert done.status_code == 303, done.text
    other = re.search(r'<a href="/documents/(\d+)"[^>]*>첨부 웹 문서</a>', clerk.get(url).text).group(1)
    served = clerk.get(f"/documents/{other}")
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")
    # A stored file that no longer matches its recorded hash is refused, not served.
    path = desk.ctx.store.path(sha)
    path.write_bytes(b"%PDF-1.7 altered")
    tampered = clerk.get(f"/documents/{found.group(1)}")
    assert tampered.status_code == 409 and "변조 의심" in tampered.text


def test_the_plan_form_validates_records_versions_and_shows_the_difference(desk: Desk) -> None:
    clerk = desk.client(CLERK)
    plan = f"/procedures/{desk.procedure_id}/plan"
    base = {
        "expected_version": "1",
        "name": "첨단 전자산업 자원순환 녹색융합클러스터",
        "area_m2": "33,000",
        "loc-0-sido_code": "47",
        "loc-0-sigungu": "구미시",
        "financing.total_cost_krw": "49,000,000,000",
        "fin-0-item": "연구·실증동",
        "fin-0-source": "국비",
        "fin-0-amount_krw": "30,000,000,000",
    }
    wrong = _post(clerk, plan, plan, base)
    assert wrong.status_code == 400
    text = _text(wrong.text)
    assert "조성계획에 바로잡아야 할 값이 1건 있습니다" in text
    assert "총사업비 490억원" in text and "맞지 않습니다" in text
    assert (
        'name="financing.total_cost_krw" value="49,000,000,000" inputmode="numeric" aria-invalid="true"'
        in wrong.text
    )
    assert _events(desk, desk.procedure_id) == 1

    more = _post(clerk, plan, plan, {**base, "add_row": "fin"})
    assert more.status_code == 200 and 'name="fin-5-item"' in more.text  # one filled, two blank, three added

    saved = _post(
        clerk,
        plan,
        plan,
        {**base, "fin-1-item": "기업지원동", "fin-1-source": "지방비", "fin-1-amount_krw": "19,000,000,000"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"{plan}/diff?done=1"
    first = _text(clerk.get(saved.headers["location"]).text)
    assert "제1판을 저장했습니다" in first and "조성계획에 기본계획과의 부합성이 없습니다" in first

    again = _post(
        clerk,
        plan,
        plan,
        {
            **base,
            "expected_version": "2",
            "area_m2": "34000",
            "fin-1-item": "기업지원동",
            "fin-1-source": "지방비",
            "fin-1-amount_krw": "19000000000",
        },
    )
    assert again.status_code == 303
    diff = _text(clerk.get(f"{plan}/diff?a=1&b=2").text)
    assert "면적(㎡) 변경 33,000 34,000" in diff
    assert "재원조달계획" not in diff  # the same amounts, however they were typed


def test_admin_pages_are_for_admins_and_their_changes_are_audited(desk: Desk) -> None:
    assert desk.client(CLERK).get("/admin/users").status_code == 403
    admin = desk.client(ADMIN)
    added = _post(
        admin,
        "/admin/users",
        "/admin/users/add",
        {"username": "yoon", "display_name": "윤주무", "role": "clerk"},
    )
    assert added.status_code == 200 and "사용자 yoon을 등록했습니다" in added.text
    token = _post(
        admin,
        "/admin/tokens",
        "/admin/tokens",
        {"username": "yoon", "role": "clerk", "name": "발송", "days": "30"},
    )
    secret = re.search(r'<code class="token">(gcw_[^<]+)</code>', token.text).group(1)
    listing = admin.get("/admin/tokens").text
    assert secret not in listing and secret[:10] in listing
    assert (
        httpx.get(f"{desk.url}/api/me", headers={"authorization": f"Bearer {secret}"}).json()["username"]
        == "yoon"
    )
    holiday = _post(
        admin,
        "/admin/holidays",
        "/admin/holidays/add",
        {"date": "2026-03-20", "name": "임시공휴일", "reason": "국무회의 의결 (시험)"},
    )
    assert holiday.status_code == 200 and "공휴일로 정했습니다" in holiday.text
    assert "2026. 3. 20. (금)" in _text(admin.get("/admin/holidays?year=2026").text)
    with desk.ctx.db.read() as session:
        trail = session.execute(
            select(AuditEvent.trigger, AuditEvent.interface).where(AuditEvent.chain == "system")
        ).all()
    assert {("add_user", "web"), ("create_api_token", "web"), ("add_holiday", "web")} <= set(trail)


def test_the_approver_signs_off_on_the_procedure_page(desk: Desk) -> None:
    ctx, pid = desk.ctx, desk.procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan())
    clerk = desk.client(CLERK)
    url = f"/procedures/{pid}"
    proposed = _post(clerk, url, f"{url}/actions/request_governor_opinions", {"expected_version": "2"})
    assert proposed.status_code == 303
    assert "/proposals/1/approve" not in clerk.get(url).text  # nobody signs their own proposal
    approver = desk.client(APPROVER)
    page = approver.get(url)
    assert 'action="/proposals/1/approve"' in page.text
    approved = approver.post(
        "/proposals/1/approve",
        data={"csrf_token": csrf_of(page.text), "expected_version": "3", "comment": "결재함"},
    )
    assert approved.status_code == 303
    after = _text(approver.get(approved.headers["location"]).text)
    assert "처리했습니다: 시·도지사 의견조회 요청" in after and "단계 관할 시·도지사 의견수렴" in after


def test_no_page_leaves_a_particle_unresolved(desk: Desk) -> None:
    """DESIGN.md §4: every page each role reads, including a refusal beside its form, in resolved Korean."""
    from tests.test_korean import UNRESOLVED

    ctx, pid = desk.ctx, desk.procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    pages = {
        CLERK: ["/dashboard", f"/procedures/{pid}", f"/procedures/{pid}/plan", "/proposals", "/account"],
        APPROVER: ["/dashboard", f"/procedures/{pid}", "/proposals"],
        ADMIN: ["/admin/users", "/admin/tokens", "/admin/holidays", "/account"],
    }
    for username, paths in pages.items():
        client = desk.client(username)
        for path in paths:
            page = client.get(path)
            assert page.status_code == 200, (username, path, page.status_code)
            text = _text(page.text)
            assert not [pair for pair in UNRESOLVED if pair in text], (username, path)
    clerk = desk.client(CLERK)
    refused = _post(clerk, f"/procedures/{pid}", f"/procedures/{pid}/actions/record_governor_opinion", {})
    assert not [pair for pair in UNRESOLVED if pair in _text(refused.text)]
