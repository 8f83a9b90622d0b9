"""Every page of the desk passes axe-core at the WCAG 2.1 A/AA rule sets (KWCAG 2.2) with no violation, signed in
as each role that sees it, in the states that matter: a refusal shown, a form sent back with errors, an empty
list, a long list. And the main content reflows at 360 px and at 200 % zoom without scrolling sideways.

One seeded desk per database and one browser context per role serve every case: a case that posts is refused
(and leaves only its refused attempt on record), bar the one that issues an API token."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from gcworkflow import clusters, engine
from gcworkflow.context import Context
from gcworkflow.settings import Settings
from gcworkflow.web.app import create_app
from tests.conftest import BACKENDS, fresh_database
from tests.support import (
    ADMIN,
    APPROVER,
    AUDITOR,
    CLERK,
    SECRETARY,
    actor,
    advance,
    context_for,
    designated_gumi,
    fire,
    gumi_plan,
    signed,
)
from tests.web.axe import assert_accessible
from tests.web.conftest import PASSWORD, give_passwords, serving

LONG_LIST = 24  # procedures more on the dashboard, beyond the designated one and the two being drafted


@dataclass
class Seeded:
    """A desk with a designated cluster, one procedure with two plan versions and a proposal waiting, one just
    opened, and a long list of others (one of them overdue); a signed-in page per role."""

    browser: Any
    url: str
    designated: int
    drafting: int
    fresh: int
    pages: dict[str | None, Any] = field(default_factory=dict)

    def page(self, username: str | None) -> Any:
        if username not in self.pages:
            context = self.browser.new_context(
                base_url=self.url, locale="ko-KR", viewport={"width": 1280, "height": 900}
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            if username is not None:
                page.goto("/login")
                page.fill("#username", username)
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url("**/dashboard")
            self.pages[username] = page
        return self.pages[username]


def _seed(ctx: Context) -> tuple[int, int, int]:
    _, designated = designated_gumi(ctx)  # the cast, and a procedure with a long record, documents, replies
    names = ["태양광 사용후 패널 녹색융합클러스터", "수소 연료전지 녹색융합클러스터"]
    drafting, fresh = (
        engine.open_procedure(
            ctx,
            actor(CLERK),
            "designation",
            cluster_id=clusters.register_cluster(ctx, actor(CLERK), name),
            approver=APPROVER,
        ).procedure_id
        for name in names
    )
    partial = {k: v for k, v in gumi_plan().items() if k != "financing"} | {"name": names[0]}
    fire(ctx, drafting, "record_plan", content=partial)
    fire(ctx, drafting, "record_plan", content=gumi_plan() | {"name": names[0]})
    fire(ctx, drafting, "propose", trigger="request_governor_opinions", payload={})
    for n in range(LONG_LIST):
        cluster = clusters.register_cluster(ctx, actor(CLERK), f"시험 녹색융합클러스터 {n + 1:02d}")
        pid = engine.open_procedure(
            ctx, actor(CLERK), "designation", cluster_id=cluster, approver=APPROVER
        ).procedure_id
        if n == 0:
            fire(
                ctx, pid, "record_plan", content=gumi_plan() | {"name": f"시험 녹색융합클러스터 {n + 1:02d}"}
            )
            signed(ctx, pid, "request_governor_opinions")
    advance(ctx, 40)  # the governor's reply on the first of the long list is late
    return designated, drafting, fresh


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, browser: Any, tmp_path_factory: pytest.TempPathFactory, password_hash: str
) -> Iterator[Seeded]:
    folder = tmp_path_factory.mktemp("accessibility")
    with fresh_database(request, request.param, folder) as url:
        ctx = context_for(Settings(var_dir=folder / "var", database_url=url))
        designated, drafting, fresh = _seed(ctx)
        give_passwords(ctx, password_hash)
        with serving(create_app(ctx)) as base:
            desk = Seeded(browser, base, designated, drafting, fresh)
            yield desk
            for page in desk.pages.values():
                page.context.close()
        ctx.db.dispose()


# --- the states -------------------------------------------------------------------------------------------


def _go(path: str) -> Callable[[Any, Seeded], None]:
    def visit(page: Any, desk: Seeded) -> None:
        page.goto(path.format(designated=desk.designated, drafting=desk.drafting, fresh=desk.fresh))

    return visit


def _submit(page: Any, form: str) -> None:
    """Send a form as a person would, the browser's own checks included, and wait for the answer."""
    with page.expect_navigation():
        page.locator(f"{form} [type=submit]").last.click()


def _sign_in_refused(page: Any, desk: Seeded) -> None:
    page.goto("/login")
    page.fill("#username", "nobody")
    page.fill("#password", "wrong password")
    _submit(page, "form")


def _open_refused(page: Any, desk: Seeded) -> None:
    page.goto("/dashboard")
    # A second designation of a cluster whose designation is already open: refused.
    page.select_option("#n-cluster", label="태양광 사용후 패널 녹색융합클러스터")
    page.select_option("#n-approver", value=APPROVER)
    _submit(page, "#new form")


def _action_refused(page: Any, desk: Seeded) -> None:
    page.goto(f"/procedures/{desk.fresh}")
    _submit(page, "#action-request_governor_opinions form")


def _action_invalid(page: Any, desk: Seeded) -> None:
    page.goto(f"/procedures/{desk.fresh}")
    page.click("#action-record_site_selection summary")
    form = page.locator("#action-record_site_selection form")
    form.locator("[name=announced_on]").fill("2026-02-05")
    form.locator("[name=selected_on]").fill("2026-02-02")
    form.locator("[name=summary]").fill("x" * 5000)
    _submit(page, "#action-record_site_selection form")


def _plan_invalid(page: Any, desk: Seeded) -> None:
    page.goto(f"/procedures/{desk.fresh}/plan")
    page.fill('[name="name"]', "시험")
    page.fill('[name="area_m2"]', "넓음")
    page.fill('[name="loc-0-sido_code"]', "99")
    _submit(page, "form.plan")


def _password_refused(page: Any, desk: Seeded) -> None:
    page.goto("/account")
    page.fill("#old", PASSWORD)
    page.fill("#new", "a new password 1")
    page.fill("#confirm", "a new password 2")
    _submit(page, "form.narrow")


def _user_refused(page: Any, desk: Seeded) -> None:
    page.goto("/admin/users")
    page.fill("#u-name", CLERK)
    page.fill("#u-display", "김주무")
    _submit(page, "section form.grid")


def _token_created(page: Any, desk: Seeded) -> None:
    page.goto("/admin/tokens")
    page.select_option("#t-user", value=CLERK)
    page.select_option("#t-role", value="clerk")
    page.fill("#t-name", "접근성 시험")
    _submit(page, "section form.grid")


def _holiday_refused(page: Any, desk: Seeded) -> None:
    page.goto("/admin/holidays")
    form = page.locator("tbody form").first
    form.locator("[name=reason]").fill("정정")
    form.locator("[name=date]").evaluate("input => { input.value = '2026-02-30'; }")
    with page.expect_navigation():
        form.locator("[type=submit]").click()


CASES: dict[str, tuple[str | None, Callable[[Any, Seeded], None]]] = {
    "sign-in": (None, _go("/login")),
    "sign-in refused": (None, _sign_in_refused),
    "error 404 (signed out)": (None, _go("/no-such-page")),
    "API reference": (None, _go("/docs")),
    "dashboard, clerk": (CLERK, _go("/dashboard")),
    "dashboard, approver with an in-tray": (APPROVER, _go("/dashboard")),
    "dashboard, auditor": (AUDITOR, _go("/dashboard")),
    "dashboard, secretary": (SECRETARY, _go("/dashboard")),
    "dashboard, admin": (ADMIN, _go("/dashboard")),
    "dashboard, empty filter": (CLERK, _go("/dashboard?stage=committee_review&person=lee")),
    "dashboard, opening refused": (CLERK, _open_refused),
    "procedure, clerk, drafting": (CLERK, _go("/procedures/{drafting}")),
    "procedure, approver to sign": (APPROVER, _go("/procedures/{drafting}")),
    "procedure, designated, long record": (CLERK, _go("/procedures/{designated}")),
    "procedure, auditor": (AUDITOR, _go("/procedures/{designated}")),
    "procedure, secretary": (SECRETARY, _go("/procedures/{drafting}")),
    "procedure, refusal shown": (CLERK, _action_refused),
    "procedure, form with errors": (CLERK, _action_invalid),
    "procedure, done notice": (CLERK, _go("/procedures/{drafting}?done=propose")),
    "plan form, first version": (CLERK, _go("/procedures/{fresh}/plan")),
    "plan form, with errors": (CLERK, _plan_invalid),
    "plan form, two versions": (CLERK, _go("/procedures/{drafting}/plan")),
    "plan, read only": (APPROVER, _go("/procedures/{designated}/plan")),
    "plan difference": (CLERK, _go("/procedures/{drafting}/plan/diff?done=1")),
    "proposals, approver": (APPROVER, _go("/proposals")),
    "proposals, clerk": (CLERK, _go("/proposals")),
    "proposals, empty": (AUDITOR, _go("/proposals")),
    "audit search, long list": (AUDITOR, _go("/audit")),
    "audit search, no result": (AUDITOR, _go("/audit?procedure_id=999999")),
    "audit search, refusals": (AUDITOR, _go("/audit?query=refusals")),
    "audit search, clerk": (CLERK, _go("/audit")),
    "audit search, bad date": (AUDITOR, _go("/audit?since=yesterday")),
    "SLA report": (AUDITOR, _go("/audit/sla")),
    "SLA report, empty": (AUDITOR, _go("/audit/sla?kind=release")),
    "account": (SECRETARY, _go("/account")),
    "account, password refused": (SECRETARY, _password_refused),
    "admin users": (ADMIN, _go("/admin/users")),
    "admin users, refused": (ADMIN, _user_refused),
    "admin tokens": (ADMIN, _go("/admin/tokens")),
    "admin tokens, one created": (ADMIN, _token_created),
    "admin holidays": (ADMIN, _go("/admin/holidays")),
    "admin holidays, refused": (ADMIN, _holiday_refused),
    "error 403": (AUDITOR, _go("/admin/users")),
    "error 404": (CLERK, _go("/procedures/999999")),
}


WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 360, "height": 800}
# A 1280×900 window at 200 % zoom lays pages out in 640×450 CSS pixels: the same layout, drawn twice as big.
ZOOMED = {"width": 640, "height": 450}
OVERFLOW = """() => [document.scrollingElement, document.querySelector('main')]
    .filter(e => e.scrollWidth > e.clientWidth).map(e => `${e.tagName} ${e.scrollWidth} > ${e.clientWidth}`)"""


@pytest.mark.parametrize("case", list(CASES))
def test_every_page_passes_axe_and_reflows(seeded: Seeded, case: str) -> None:
    username, reach = CASES[case]
    page = seeded.page(username)
    page.set_viewport_size(WIDE)
    reach(page, seeded)
    # A closed <details> hides its form from axe: all open, as a clerk working down the page would have them.
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    what = f"{case} ({username or '로그인 전'})"
    assert_accessible(page, what)
    page.set_viewport_size(NARROW)
    assert_accessible(page, f"{what}, 360 px")  # a box that scrolls only does so on a narrow screen
    assert page.evaluate(OVERFLOW) == [], f"{what}: scrolls sideways at 360 px"
    page.set_viewport_size(ZOOMED)
    assert page.evaluate(OVERFLOW) == [], f"{what}: scrolls sideways at 200 % zoom"
