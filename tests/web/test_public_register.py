"""The public register without signing in: what it lists, the notices' PDFs byte for byte, the open data (CSV,
JSON), the Atom feed, conditional requests answered after one query, the per-address limit and axe-core."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import event

from gcworkflow import clusters, engine, public_register
from gcworkflow.context import Context
from gcworkflow.db.models import Procedure
from gcworkflow.public_register import FIELDS
from gcworkflow.web.app import create_app
from tests.support import (
    ADMIN,
    NOTICE,
    REQUIREMENTS,
    actor,
    committee_approves,
    deemed_venture_cluster,
    fire,
    issue_notice_pdf,
    notify_the_governor,
    on,
    publish_the_notice,
    signed,
    through_notice_signoff,
    to_committee,
)
from tests.web.axe import assert_accessible
from tests.web.conftest import serving

ATOM = "{http://www.w3.org/2005/Atom}"
README = Path(__file__).resolve().parents[2] / "README.md"
PAGES = ("/public/", "/public/clusters.csv", "/public/clusters.json", "/public/notices.atom")


def a_pdf(label: str) -> bytes:
    """A small real PDF (a blank page with its own title), standing for the rendered notice."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": label})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def publish(ctx: Context, pid: int, pdf: bytes, *, assess: bool) -> None:
    """From committee approval to the notification: the notice signed, numbered, its PDF issued, published."""
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid, assess=assess)
    fire(
        ctx, pid, "register_notice_number", number=f"기후에너지환경부고시 제{ctx.clock.today().year}-{pid}호"
    )
    issue_notice_pdf(ctx, pid, pdf)
    publish_the_notice(ctx, pid, stand_in_pdf=False)
    notify_the_governor(ctx, pid, f"msg-{pid}")
    fire(ctx, pid, "confirm_notification", "system")


@dataclass
class World:
    ctx: Context
    gumi: int
    deemed: int
    designation_pdf: bytes
    release_pdf: bytes


def register_world(ctx: Context) -> World:
    """구미 designated (its notice a real PDF), then released in part; a deemed cluster; a planned one."""
    designation_pdf, release_pdf = a_pdf("지정 고시"), a_pdf("일부 해제 고시")
    pid = to_committee(ctx)
    publish(ctx, pid, designation_pdf, assess=True)
    gumi = _cluster_of(ctx, pid)
    release = engine_open(ctx, "release", gumi)
    fire(
        ctx,
        release,
        "record_release_scope",
        scope="partial",
        ground="decree8_2",
        reason="도로 편입",
        released_area_m2=3000,
    )
    to_committee(ctx, release, draft=False)
    publish(ctx, release, release_pdf, assess=False)
    deemed = deemed_venture_cluster(ctx)
    clusters.register_cluster(ctx, actor("kim"), "계획 중인 클러스터", {"sido_code": "26"})
    return World(ctx, gumi, deemed, designation_pdf, release_pdf)


def engine_open(ctx: Context, kind: str, cluster_id: int) -> int:
    return engine.open_procedure(ctx, actor("kim"), kind, cluster_id=cluster_id, approver="park").procedure_id


def _cluster_of(ctx: Context, pid: int) -> int:
    with ctx.db.read() as session:
        return session.get(Procedure, pid).cluster_id


@pytest.fixture
def world(ctx: Context) -> World:
    return register_world(ctx)


@pytest.fixture
def public(world: World) -> Iterator[httpx.Client]:
    with serving(create_app(world.ctx)) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def test_the_register_lists_designated_and_deemed_clusters_without_signing_in(world, public):
    page = public.get("/public/")
    assert page.status_code == 200, page.text
    assert "text/html" in page.headers["content-type"]
    text = page.text
    assert "첨단 전자산업 자원순환 녹색융합클러스터" in text and "창업·벤처 녹색융합클러스터" in text
    assert "계획 중인 클러스터" not in text  # planned, not designated: nothing was published
    assert "일부 해제" in text and "지정(의제)" in text
    assert "30,000" in text  # the area after the partial release, as its notice prints it
    assert "인천광역시" in text and "경상북도" in text and "2026~2028" in text

    cluster = public.get(f"/public/clusters/{world.gumi}").text
    for expected in ("지정", "일부 해제", "기후에너지환경부고시 제2026-", "제21234호", "한국환경산업기술원"):
        assert expected in cluster, expected
    links = re.findall(r'href="(/public/notices/[0-9a-f]{64}\.pdf)"', cluster)
    assert len(links) == 2
    served = [public.get(link) for link in links]
    assert [r.status_code for r in served] == [200, 200]
    assert all(r.headers["content-type"] == "application/pdf" for r in served)
    assert {r.content for r in served} == {world.designation_pdf, world.release_pdf}  # byte for byte
    assert PdfReader(io.BytesIO(served[0].content)).metadata.title in ("지정 고시", "일부 해제 고시")

    deemed = public.get(f"/public/clusters/{world.deemed}").text
    assert "부칙 제2조제1항" in deemed and "별도의 지정 고시가 없습니다" in deemed
    missing = public.get("/public/clusters/99999")
    assert missing.status_code == 404 and "찾을 수 없습니다" in missing.text


def test_only_the_published_pdf_is_served(world, public):
    """A letter's PDF, a stored file never published, an address that is not a hash: 404, in Korean."""
    stray = world.ctx.store.put(a_pdf("결재 전 초안"))
    for path in (
        f"/public/notices/{stray}.pdf",
        "/public/notices/abc.pdf",
        "/public/notices/" + "G" * 64 + ".pdf",
    ):
        response = public.get(path)
        assert response.status_code == 404, path
        assert "공개 열람 대상이 아니거나" in response.text
        conditional = public.get(path, headers={"if-none-match": f'"{stray}"'})
        assert conditional.status_code == 404, path


def test_csv_is_utf8_with_bom_crlf_and_the_documented_header(world, public):
    response = public.get("/public/clusters.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    assert rows[0] == [f.header for f in FIELDS]
    assert len(rows) == 3  # the header, 구미, the deemed cluster
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert {r["상태"] for r in records} == {"일부 해제", "지정(의제)"}
    assert {r["기준일"] for r in records} == {world.ctx.clock.today().isoformat()}
    gumi = next(r for r in records if r["클러스터번호"] == str(world.gumi))
    assert gumi["면적"] == "30000" and gumi["고시건수"] == "2" and gumi["시도"] == "경상북도"


def test_json_has_stable_fields_and_its_as_of_date(world, public):
    data = public.get("/public/clusters.json").json()
    assert data["as_of"] == world.ctx.clock.today().isoformat() and data["count"] == 2
    for record in data["clusters"]:
        assert list(record)[: len(FIELDS)] == [f.key for f in FIELDS]
    gumi = next(r for r in data["clusters"] if r["id"] == world.gumi)
    assert gumi["status_code"] == "partly_released" and gumi["area_m2"] == 30000
    assert [n["kind"] for n in gumi["notices"]] == ["designation", "release"]
    assert all(public.get(n["pdf_url"]).status_code == 200 for n in gumi["notices"])


def test_the_atom_feed_parses_and_its_entry_ids_are_stable(world, public):
    response = public.get("/public/notices.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    shas = {hashlib.sha256(world.designation_pdf).hexdigest(), hashlib.sha256(world.release_pdf).hexdigest()}
    ids = {e.findtext(f"{ATOM}id") for e in entries}
    assert {i.rsplit("/", 1)[1] for i in ids} == shas
    assert all(i.startswith("tag:gcworkflow.local,") for i in ids)
    for entry in entries:
        updated = entry.findtext(f"{ATOM}updated")
        assert updated.endswith("T00:00:00+09:00")  # the 고시일, not the time it was recorded
        enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
        assert enclosure is not None and enclosure.get("type") == "application/pdf"
    again = ET.fromstring(public.get("/public/notices.atom").content)
    assert {e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")} == ids


@contextmanager
def counted(ctx: Context) -> Iterator[list[str]]:
    """The SQL statements the engine runs meanwhile, transaction control (BEGIN, COMMIT) left out."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            statements.append(statement)

    event.listen(ctx.db.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(ctx.db.engine, "before_cursor_execute", seen)


def test_a_conditional_request_is_answered_304_after_one_query(world, public):
    pdf = re.search(
        r'href="(/public/notices/[0-9a-f]{64}\.pdf)"', public.get(f"/public/clusters/{world.gumi}").text
    )
    assert pdf
    for path in (*PAGES, f"/public/clusters/{world.gumi}", pdf.group(1)):
        first = public.get(path)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert re.fullmatch(r'"[0-9a-f]{32,64}"', etag), etag  # strong: no W/
        for condition in ({"if-none-match": etag}, {"if-modified-since": modified}):
            with counted(world.ctx) as statements:
                again = public.get(path, headers=condition)
            assert again.status_code == 304, (path, condition)
            assert again.headers["etag"] == etag and not again.content
            assert len(statements) <= 1, (path, statements)
        assert public.get(path, headers={"if-none-match": '"stale"'}).status_code == 200

    # A new public event (a deemed cluster registered) changes the validator of the register's answers.
    before = public.get("/public/").headers["etag"]
    clusters.register_deemed_cluster(world.ctx, actor(ADMIN), "새 의제 클러스터", "부칙 제2조제1항", {})
    assert public.get("/public/", headers={"if-none-match": before}).status_code == 200
    # So does the day: a status is as of today.
    etag = public.get("/public/").headers["etag"]
    world.ctx.clock.set(world.ctx.clock.now().replace(year=2027))
    assert public.get("/public/", headers={"if-none-match": etag}).status_code == 200


def test_a_private_action_does_not_change_the_register_validator(world, public):
    etag = public.get("/public/").headers["etag"]
    clusters.register_cluster(world.ctx, actor("kim"), "또 하나의 계획", {})
    assert public.get("/public/", headers={"if-none-match": etag}).status_code == 304


def test_too_many_requests_from_one_address_get_429_in_korean(world):
    world.ctx.settings = world.ctx.settings.model_copy(update={"public_requests_per_minute": 3})
    with serving(create_app(world.ctx)) as url, httpx.Client(base_url=url, timeout=30) as client:
        answers = [client.get("/public/") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "요청이 너무 많습니다" in refused.text and "1분에 3건까지" in refused.text
    assert '<html lang="ko">' in refused.text


def test_the_readme_describes_every_field():
    text = README.read_text(encoding="utf-8")
    for field in FIELDS:
        assert f"| `{field.header}` | `{field.key}` | {field.description} |" in text, field.key


@pytest.mark.parametrize("width", [1280, 360])
def test_public_pages_are_accessible_and_fit_a_narrow_screen(world, public, browser, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        for path in (
            "/public/",
            f"/public/clusters/{world.gumi}",
            f"/public/clusters/{world.deemed}",
            "/public/x",
        ):
            page.goto(f"{public.base_url}{path}")
            assert_accessible(page, f"public register {path} at {width}px")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways at {width}px by {overflow}px"
    finally:
        page.close()


def test_a_designation_is_pending_until_it_takes_effect_and_unpublished_is_not_public(ctx):
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    signed(ctx, pid, "decide_designation", reason="위원회 원안 의결")
    for requirement in REQUIREMENTS:
        fire(ctx, pid, "assess_requirement", requirement=requirement, result="met", note="충족")
    fire(ctx, pid, "assess_requirement", requirement="decree6_3", result="not_applicable", note="해당 없음")
    effective, today = ctx.clock.today() + timedelta(days=30), ctx.clock.today().isoformat()
    fire(
        ctx,
        pid,
        "compose_notice",
        designation_date=effective.isoformat(),
        notice_date=today,
        **NOTICE,
    )
    signed(ctx, pid, "sign_notice_content")
    fire(ctx, pid, "register_notice_number", number=f"기후에너지환경부고시 제{ctx.clock.today().year}-7호")
    draft = issue_notice_pdf(ctx, pid, a_pdf("고치기 전 고시문"))
    # Signed, numbered, its PDF issued: still not public until the gazette has carried it.
    assert public_register.register(ctx).clusters == []
    assert public_register.published_at(ctx, draft) is None
    # The notice is corrected and signed again before publication: only the PDF it was published with is public.
    notice = {**NOTICE, "purpose": NOTICE["purpose"] + " (자구 수정)"}
    fire(ctx, pid, "compose_notice", designation_date=effective.isoformat(), notice_date=today, **notice)
    signed(ctx, pid, "sign_notice_content")
    sha = issue_notice_pdf(ctx, pid, a_pdf("지정 고시"))
    publish_the_notice(ctx, pid, stand_in_pdf=False)
    (cluster,) = public_register.register(ctx).clusters
    assert (cluster.status, cluster.status_label) == ("pending", "지정 예정")
    assert [n.sha256 for n in cluster.notices] == [sha]
    assert public_register.published_at(ctx, sha) is not None
    assert (
        public_register.published_at(ctx, draft) is None
        and public_register.register(ctx).notice_with_pdf(draft) is None
    )
    on(ctx, effective)
    assert public_register.register(ctx).clusters[0].status_label == "지정"
