"""The desk by keyboard alone (Tab, Enter, Space, typing; no click, no mouse): the skip link comes first, a
clerk opens a procedure from the dashboard and proposes an action that needs sign-off, the approver signs it
off from the in-tray; every stop on the way has a visible focus ring and an accessible name (Chromium's own
accessibility tree, read over CDP), focus lands on the result or on the error summary, and an error is
announced (role="alert") and tied to its field (aria-invalid, aria-describedby)."""

from __future__ import annotations

from typing import Any

from tests.support import APPROVER, CLERK, fire, gumi_plan
from tests.web.conftest import PASSWORD, Desk

MAX_TABS = 120  # more stops than any page of the desk has before the control a test looks for


class Keyboard:
    """One signed-in browser page driven by keys, with what Chromium's accessibility tree says of the focus."""

    def __init__(self, browser: Any, desk: Desk, username: str) -> None:
        context = browser.new_context(
            base_url=desk.url, locale="ko-KR", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(15_000)
        self.page = context.new_page()
        self.cdp = context.new_cdp_session(self.page)
        self.page.goto("/login")
        assert self.focused()["name"] == "사용자 이름"  # autofocus: the first thing to type in
        self.page.keyboard.type(username)
        self.page.keyboard.press("Tab")
        self.page.keyboard.type(PASSWORD)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        assert self.page.url.endswith("/dashboard")

    def focused(self) -> dict[str, Any]:
        """The focused element: its tag, id, text, whether its focus is drawn, and its accessible role, name
        and description as Chromium computes them."""
        shown = self.page.evaluate(
            """() => {
                const e = document.activeElement, style = getComputedStyle(e);
                const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
                return {tag: e.tagName.toLowerCase(), id: e.id, text: e.innerText || '', ring: ring,
                        href: e.getAttribute('href') || '', live: e.closest('[role=alert], [role=status], [aria-live]') !== null};
            }"""
        )
        element = self.cdp.send("Runtime.evaluate", {"expression": "document.activeElement"})["result"]
        ax = self.cdp.send(
            "Accessibility.getPartialAXTree", {"objectId": element["objectId"], "fetchRelatives": False}
        )["nodes"][0]
        return shown | {
            "role": ax.get("role", {}).get("value", ""),
            "name": str(ax.get("name", {}).get("value", "")).strip(),
            "description": str(ax.get("description", {}).get("value", "")),
        }

    def tab_to(self, selector: str) -> dict[str, Any]:
        """Tab until the focus is on ``selector``; every stop passed on the way is named and visibly focused."""
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            stop = self.focused()
            assert stop["name"], f"a control with no accessible name: {stop}"
            assert stop["ring"], f"focus not drawn on {stop}"
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return stop
        raise AssertionError(f"{selector} not reached in {MAX_TABS} Tabs from {self.page.url}")

    def press_and_wait(self, key: str) -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def test_a_clerk_proposes_and_the_approver_signs_off_by_keyboard_alone(desk: Desk, browser: Any) -> None:
    pid = desk.procedure_id
    fire(desk.ctx, pid, "record_plan", content=gumi_plan())
    clerk = Keyboard(browser, desk, CLERK)

    # The first Tab is the skip link; following it puts the focus on the main content.
    clerk.page.keyboard.press("Tab")
    skip = clerk.focused()
    assert skip["name"] == "본문 바로가기" and skip["href"] == "#main" and skip["ring"]
    clerk.page.keyboard.press("Enter")
    assert clerk.focused()["id"] == "main"

    # From the dashboard to the procedure, to the action that needs sign-off, and propose it (결재 상신).
    clerk.tab_to(f"table.procedures a[href='/procedures/{pid}']")
    clerk.press_and_wait("Enter")
    clerk.tab_to("#action-request_governor_opinions textarea[name=comment]")
    clerk.page.keyboard.type("의견조회 공문 발송 결재 요청")
    button = clerk.tab_to("#action-request_governor_opinions button[type=submit]")
    assert button["name"] == "결재 상신"
    clerk.press_and_wait("Enter")
    result = clerk.focused()
    assert clerk.page.url.endswith("?done=propose")
    assert result["text"] == "처리했습니다: 결재 상신" and result["live"] and result["ring"]

    # The approver: the in-tray on the dashboard, the proposal, a comment, and Space on "승인 (결재)".
    approver = Keyboard(browser, desk, APPROVER)
    approver.tab_to(f"section.inbox a.button[href^='/procedures/{pid}#proposal-']")
    approver.press_and_wait("Enter")
    approver.tab_to("article.proposal input[name=comment]")
    approver.page.keyboard.type("원안대로 결재")
    assert approver.tab_to("article.proposal form[action$='/approve'] button")["name"] == "승인 (결재)"
    approver.press_and_wait("Space")
    done = approver.focused()
    assert done["text"] == "처리했습니다: 시·도지사 의견조회 요청" and done["live"]
    assert approver.page.locator("dl.facts .stage.current").inner_text() == "관할 시·도지사 의견수렴"
    for keyboard in (clerk, approver):
        keyboard.page.context.close()


def test_an_error_is_announced_summarised_and_tied_to_its_field(desk: Desk, browser: Any) -> None:
    clerk = Keyboard(browser, desk, CLERK)
    clerk.page.goto(f"/procedures/{desk.procedure_id}")
    form = "#action-record_site_selection"
    clerk.tab_to(f"{form} summary")
    clerk.page.keyboard.press("Enter")  # opens the action
    clerk.tab_to(f"{form} [name=announced_on]")
    clerk.page.keyboard.type("01052026")  # <input type=date>, in the order this Chromium shows: mm dd yyyy
    clerk.tab_to(f"{form} [name=selected_on]")
    clerk.page.keyboard.type("02022026")
    assert clerk.page.input_value(f"{form} [name=selected_on]") == "2026-02-02"
    clerk.tab_to(f"{form} [name=summary]")
    clerk.page.keyboard.insert_text("가" * 4001)  # one more than the 요지 may hold
    clerk.tab_to(f"{form} button[type=submit]")
    clerk.press_and_wait("Enter")

    # The focus is on the error summary, which is an alert (announced), and names the field.
    summary = clerk.focused()
    assert summary["id"] == "error-summary" and summary["role"] == "alert" and summary["ring"]
    assert "요지 — " in summary["text"]
    # Its link takes the keyboard to the field, which says it is wrong and why.
    clerk.tab_to("#error-summary a")
    clerk.page.keyboard.press("Enter")
    field = clerk.focused()
    assert field["id"] == "record_site_selection-summary" and field["name"].startswith("요지")
    assert clerk.page.get_attribute(f"{form} [name=summary]", "aria-invalid") == "true"
    message = clerk.page.inner_text("#record_site_selection-summary-error")
    assert "4000자" in message and message in field["description"]
    clerk.page.context.close()
