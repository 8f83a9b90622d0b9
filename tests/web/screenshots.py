"""The README's pictures of the desk: ``docs/web-dashboard.png`` (the approver's dashboard),
``docs/web-procedure.png`` (a procedure in the ministries' consultation, as its clerk sees it) and
``docs/public-register.png`` (the public register, signed out, once a designation has been published).

    .venv/bin/python -m tests.web.screenshots [--out docs]

A throw-away SQLite database with illustrative data, the desk on a free port, Debian's Chromium. Korean text
needs a Korean font on the machine (Debian: ``fonts-noto-cjk``).
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, datetime
from pathlib import Path

from gcworkflow import clusters, engine, queries
from gcworkflow.clock import Clock
from gcworkflow.context import Context
from gcworkflow.db.migrate import upgrade
from gcworkflow.db.session import Database
from gcworkflow.documents.store import FileStore
from gcworkflow.settings import Settings
from gcworkflow.web.app import create_app
from gcworkflow.web.auth import hash_password
from tests.support import (
    APPROVER,
    CLERK,
    SEOUL,
    actor,
    deemed_venture_cluster,
    fire,
    gumi_plan,
    on,
    one_ministry_agrees_and_refer,
    open_gumi,
    signed,
)
from tests.web.conftest import CHROMIUM, CHROMIUM_FLAGS, PASSWORD, give_passwords, serving

ROOT = Path(__file__).resolve().parents[2]
POHANG = "전기차 사용후 배터리 녹색융합클러스터"


def _another(ctx: Context, name: str, sido: str, sigungu: str) -> int:
    cluster = clusters.register_cluster(ctx, actor(CLERK), name)
    pid = engine.open_procedure(
        ctx, actor(CLERK), "designation", cluster_id=cluster, approver=APPROVER
    ).procedure_id
    plan = gumi_plan() | {"name": name, "regions": [{"sido_code": sido, "sigungu": [{"name": sigungu}]}]}
    fire(ctx, pid, "record_plan", content=plan)
    return pid


def populate(ctx: Context) -> int:
    """Four procedures at different stages, one of them late and one waiting for the approver."""
    gumi = open_gumi(ctx)
    fire(ctx, gumi, "record_plan", content=gumi_plan())
    signed(ctx, gumi, "request_governor_opinions")
    on(ctx, date(2026, 3, 20))
    reply = ctx.store.put(b"%PDF-1.7 (illustrative) governor's reply")
    fire(
        ctx,
        gumi,
        "record_governor_opinion",
        sido_code="47",
        received_on="2026-03-20",
        summary="이견 없음",
        document_sha256=reply,
    )
    signed(ctx, gumi, "request_ministry_consultation", ministries=["산업통상부", "국토교통부", "행정안전부"])
    on(ctx, date(2026, 4, 1))
    fire(
        ctx,
        gumi,
        "record_ministry_reply",
        ministry="산업통상부",
        position="동의",
        received_on="2026-04-01",
        summary="동의",
    )
    pohang = _another(ctx, POHANG, "47", "포항시")
    on(ctx, date(2026, 2, 2))
    signed(ctx, pohang, "request_governor_opinions")
    haenam = _another(ctx, "태양광 사용후 패널 녹색융합클러스터", "46", "해남군")
    fire(ctx, haenam, "propose", trigger="request_governor_opinions", payload={})
    clusters.register_cluster(ctx, actor(CLERK), "Post-플라스틱 녹색융합클러스터")
    ctx.clock.set(datetime(2026, 4, 8, 10, 0, tzinfo=SEOUL))
    return gumi


def publish_register(ctx: Context) -> None:
    """After the desk's pictures: 포항's designation carried on to its 고시, and a cluster 법 부칙 제2조 deems
    designated — what ``/public/`` lists."""
    from tests.web.test_public_register import a_pdf, publish

    pohang = next(p["id"] for p in queries.list_procedures(ctx) if p["cluster"] == POHANG)
    on(ctx, date(2026, 4, 10))
    fire(
        ctx, pohang, "record_governor_opinion", sido_code="47", received_on="2026-04-10", summary="이견 없음"
    )
    one_ministry_agrees_and_refer(ctx, pohang)
    publish(ctx, pohang, a_pdf("지정 고시 (예시)"), assess=True)
    deemed_venture_cluster(ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gcw-shots-") as tmp:
        url = f"sqlite:///{tmp}/gcw.sqlite3"
        upgrade(url)
        settings = Settings(var_dir=Path(tmp) / "var", database_url=url)
        ctx = Context(
            db=Database(url),
            settings=settings,
            clock=Clock(datetime(2026, 3, 2, 10, 0, tzinfo=SEOUL)),
            store=FileStore(settings.document_dir),
        )
        gumi = populate(ctx)
        give_passwords(ctx, hash_password(PASSWORD))
        with serving(create_app(ctx)) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            for user, path, target in (
                (APPROVER, "/dashboard", "web-dashboard.png"),
                (CLERK, f"/procedures/{gumi}", "web-procedure.png"),
            ):
                page = browser.new_context(
                    base_url=base, locale="ko-KR", viewport={"width": 1280, "height": 900}
                ).new_page()
                page.goto("/login")
                page.fill("#username", user)
                page.fill("#password", PASSWORD)
                page.click("button:has-text('로그인')")
                page.goto(path)
                page.screenshot(path=str(args.out / target), full_page=True)
                print(args.out / target)
            publish_register(ctx)
            page = browser.new_context(
                base_url=base, locale="ko-KR", viewport={"width": 1280, "height": 900}
            ).new_page()
            page.goto("/public/")  # no sign-in: the public register
            page.screenshot(path=str(args.out / "public-register.png"), full_page=True)
            print(args.out / "public-register.png")
            browser.close()
        ctx.db.dispose()


if __name__ == "__main__":
    main()
