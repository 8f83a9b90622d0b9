"""The desk in a real browser (Debian's Chromium, headless, driven by Playwright): a clerk and an approver take
a procedure from drafting through the governors' consultation; a refusal shows its article; two windows
collide and the second is told; a forged form post from another page is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from gcworkflow import clusters
from gcworkflow.db.models import AuditEvent, Procedure
from gcworkflow.web import planform
from tests.support import APPROVER, CLERK, actor, gumi_plan
from tests.web.conftest import PASSWORD, Desk

NEW_CLUSTER = "전기차 사용후 배터리 녹색융합클러스터"


def _context(browser: Any, desk: Desk) -> Any:
    context = browser.new_context(base_url=desk.url, locale="ko-KR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context


def _sign_in(browser: Any, desk: Desk, username: str) -> Any:
    page = _context(browser, desk).new_page()
    page.goto("/dashboard")  # bounced to the sign-in form, and back after it
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('로그인')")
    page.wait_for_url("**/dashboard")
    return page


def _events(desk: Desk, procedure_id: int) -> int:
    with desk.ctx.db.read() as session:
        return session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.procedure_id == procedure_id)
        ).scalar_one()


def _kinds() -> dict[str, str]:
    """Each plan input's kind, by the name the form gives it (table cells: "<table>-<row>-<column>")."""
    kinds = {spec.name: spec.kind for section in planform.SECTIONS for spec in section.inputs}
    for section in planform.SECTIONS:
        if section.table is not None:
            for row in range(planform.MAX_ROWS):
                for column in section.table.columns:
                    kinds[f"{section.table.key}-{row}-{column.name}"] = column.kind
    return kinds


def _fill_plan(page: Any, content: dict[str, Any]) -> None:
    """Type a whole plan into the form, adding table rows ("행 추가") until every item has one."""
    wanted = planform.form_from_content(content)
    for section in planform.SECTIONS:
        table = section.table
        if table is None:
            continue
        last = f'[name="{table.key}-{wanted.rows[table.key] - 1}-{table.columns[0].name}"]'
        while page.locator(last).count() == 0:
            page.click(f'button[name="add_row"][value="{table.key}"]')
            page.wait_for_load_state()
    kinds = _kinds()
    for name, value in wanted.values.items():
        field = page.locator(f'[name="{name}"]')
        if kinds[name] == "select":
            field.select_option(value or "")
        else:
            field.fill(value)


def test_a_clerk_and_an_approver_take_a_procedure_through_the_governors_consultation(
    desk: Desk, browser: Any, tmp_path: Path
) -> None:
    clusters.register_cluster(desk.ctx, actor(CLERK), NEW_CLUSTER)
    clerk = _sign_in(browser, desk, CLERK)

    # Drafting: the clerk opens the procedure and writes the plan, first partly, then whole.
    clerk.select_option("#n-cluster", label=NEW_CLUSTER)
    clerk.select_option("#n-approver", value=APPROVER)
    clerk.click("button:has-text('절차 개시')")
    clerk.wait_for_url("**/procedures/*?done=open")
    assert clerk.locator(".notice").inner_text() == "처리했습니다: 절차 개시"
    procedure_id = int(clerk.url.split("/procedures/")[1].split("?")[0])
    clerk.click("a:has-text('작성 전')")
    clerk.fill('[name="name"]', NEW_CLUSTER)
    clerk.fill('[name="area_m2"]', "17,000")
    clerk.fill('[name="loc-0-sido_code"]', "47")
    clerk.fill('[name="loc-0-sigungu"]', "포항시")
    clerk.click("button:has-text('새 판으로 저장')")
    clerk.wait_for_url("**/plan/diff?done=1")
    assert "제1판을 저장했습니다." in clerk.locator(".notice").inner_text()
    assert "조성계획에 재원조달에 관한 계획이 없습니다" in clerk.locator(".preview").inner_text()
    clerk.goto(f"/procedures/{procedure_id}/plan")
    _fill_plan(clerk, gumi_plan() | {"name": NEW_CLUSTER})
    clerk.click("button:has-text('새 판으로 저장')")
    clerk.wait_for_url("**/plan/diff?done=1")
    changes = clerk.locator("table.diff").inner_text()
    assert "면적(㎡)" in changes and "재원조달계획 › 총사업비(원)" in changes

    # The clerk proposes the opinion requests (결재 상신); the approver finds it on the dashboard and signs.
    clerk.goto(f"/procedures/{procedure_id}")
    form = clerk.locator("#action-request_governor_opinions")
    form.locator("textarea[name=comment]").fill("의견조회 공문 발송 결재 요청")
    form.locator("button:has-text('결재 상신')").click()
    clerk.wait_for_url("**?done=propose")
    approver = _sign_in(browser, desk, APPROVER)
    inbox = approver.locator("section.inbox")
    assert "시·도지사 의견조회 요청" in inbox.inner_text()
    inbox.locator("a:has-text('검토·결재')").click()
    proposal = approver.locator("article.proposal")
    proposal.locator("input[name=comment]").first.fill("원안대로 결재")
    proposal.locator("button:has-text('승인 (결재)')").click()
    approver.wait_for_url("**?done=request_governor_opinions")
    assert approver.locator(".notice").inner_text() == "처리했습니다: 시·도지사 의견조회 요청"
    assert approver.locator("dl.facts .stage.current").inner_text() == "관할 시·도지사 의견수렴"
    assert approver.locator('svg.diagram g.current[data-state="governor_consultation"]').count() == 1
    approver.screenshot(path=str(tmp_path / "procedure-after-signoff.png"), full_page=True)

    # The governor's opinion arrives: the clerk records it with the reply attached.
    clerk.reload()
    consultation = clerk.locator("section[aria-labelledby=consult-title]")
    assert "경상북도지사" in consultation.inner_text() and "대기" in consultation.inner_text()
    clerk.click("#action-record_governor_opinion summary")
    opinion = clerk.locator("#action-record_governor_opinion")
    opinion.locator("[name=sido_code]").fill("47")
    opinion.locator("[name=received_on]").fill("2026-03-02")
    opinion.locator("[name=summary]").fill("이견 없음 (조성계획에 동의)")
    opinion.locator("[name=document_sha256]").set_input_files(
        {"name": "경북-회신.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7 reply of the governor"}
    )
    opinion.locator("button:has-text('처리')").click()
    clerk.wait_for_url("**?done=record_governor_opinion")
    assert "이견 없음 (조성계획에 동의)" in consultation.inner_text()
    assert "경상북도지사 의견 회신" in clerk.locator("section[aria-labelledby=docs-title]").inner_text()

    # Governor consultation done: the ministry consultation is proposed and signed.
    ministries = clerk.locator("#action-request_ministry_consultation")
    ministries.locator("[name=ministries]").fill("산업통상부\n국토교통부")
    ministries.locator("button:has-text('결재 상신')").click()
    clerk.wait_for_url("**?done=propose")
    approver.goto("/dashboard")
    approver.locator("section.inbox a:has-text('검토·결재')").click()
    approver.locator("article.proposal button:has-text('승인 (결재)')").click()
    approver.wait_for_url("**?done=request_ministry_consultation")
    assert approver.locator("dl.facts .stage.current").inner_text() == "관계부처 협의"
    with desk.ctx.db.read() as session:
        assert session.get(Procedure, procedure_id).state == "ministry_consultation"
        interfaces = set(
            session.execute(
                select(AuditEvent.interface).where(AuditEvent.procedure_id == procedure_id)
            ).scalars()
        )
    assert interfaces == {"web"}
    clerk.context.close()
    approver.context.close()


def test_a_refusal_is_shown_with_its_article(desk: Desk, browser: Any) -> None:
    clerk = _sign_in(browser, desk, CLERK)
    clerk.goto(f"/procedures/{desk.procedure_id}")
    clerk.locator("#action-request_governor_opinions button:has-text('결재 상신')").click()
    refusal = clerk.locator("#action-request_governor_opinions .refusal")
    assert "요건이 충족되지 않아 처리할 수 없습니다." in refusal.inner_text()
    assert "조성계획이 작성되지 않았습니다" in refusal.inner_text()
    assert "근거: 녹색융합클러스터법 제11조" in refusal.inner_text()
    assert clerk.locator(".refusal-summary").is_visible()
    assert _events(desk, desk.procedure_id) == 1
    clerk.context.close()


def test_two_windows_collide_and_the_second_is_told(desk: Desk, browser: Any) -> None:
    first, second = _sign_in(browser, desk, CLERK), _sign_in(browser, desk, CLERK)
    url = f"/procedures/{desk.procedure_id}"
    for page, summary in ((first, "공모 결과 A"), (second, "공모 결과 B")):
        page.goto(url)
        page.click("#action-record_site_selection summary")
        form = page.locator("#action-record_site_selection")
        form.locator("[name=announced_on]").fill("2026-01-05")
        form.locator("[name=selected_on]").fill("2026-02-02")
        form.locator("[name=summary]").fill(summary)
    first.locator("#action-record_site_selection button:has-text('처리')").click()
    first.wait_for_url("**?done=record_site_selection")
    second.locator("#action-record_site_selection button:has-text('처리')").click()
    conflict = second.locator("#conflict")
    assert "이 절차는 화면을 연 뒤에 변경되었습니다 (보던 판 1, 현재 판 2)" in conflict.inner_text()
    assert _events(desk, desk.procedure_id) == 2
    conflict.locator("a:has-text('새로 고침')").click()
    second.wait_for_url(f"**{url}")
    assert second.locator("#conflict").count() == 0
    assert second.locator("dl.facts dd").nth(1).inner_text() == "2"  # the version it shows now
    first.context.close()
    second.context.close()


def test_a_forged_form_post_is_refused(desk: Desk, browser: Any) -> None:
    clerk = _sign_in(browser, desk, CLERK)
    action = f"{desk.url}/procedures/{desk.procedure_id}/actions/record_site_selection"
    # A page on another port of the same host (same site, so the browser sends the session cookie) posts a
    # form to the desk without the form's token.
    evil = "http://127.0.0.1:9/offer.html"
    clerk.context.route(
        evil,
        lambda route: route.fulfill(
            content_type="text/html; charset=utf-8",
            body=(
                f'<form method="post" action="{action}"><input name="expected_version" value="1">'
                '<input name="announced_on" value="2026-01-05"><input name="selected_on" value="2026-02-02">'
                '<input name="summary" value="위조"><button>보내기</button></form>'
            ),
        ),
    )
    attacker = clerk.context.new_page()
    attacker.goto(evil)
    with attacker.expect_navigation():
        attacker.click("button")
    assert "보안 토큰이 없거나 맞지 않음" in attacker.inner_text("main")
    # The same post with no Origin at all, still without the token, is refused as well.
    response = clerk.context.request.post(
        action,
        form={
            "expected_version": "1",
            "announced_on": "2026-01-05",
            "selected_on": "2026-02-02",
            "summary": "위조",
        },
    )
    assert response.status == 403 and "보안 토큰이 없거나 맞지 않음" in response.text()
    assert _events(desk, desk.procedure_id) == 1
    clerk.context.close()
