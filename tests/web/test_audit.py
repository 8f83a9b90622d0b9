"""Audit search, export and the SLA report over HTTP, answered by issue #6's queries: who may see what, every
read recorded, CSV that a spreadsheet opens, and the chart drawn on the server."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree

from sqlalchemy import select

from gcworkflow.audit.queries import audit_reads
from tests.support import ADMIN, AUDITOR, CLERK, CLERK2, fire, gumi_plan, hear_the_governor, signed
from tests.web.conftest import Desk


def _walk(desk: Desk) -> None:
    """Drafting → governors (ten days) → ministries, with one refusal on the way."""
    ctx, pid = desk.ctx, desk.procedure_id
    fire(ctx, pid, "record_plan", content=gumi_plan())
    hear_the_governor(ctx, pid)
    signed(ctx, pid, "request_ministry_consultation", ministries=["산업통상부"])
    early = {"trigger": "propose", "payload": {"trigger": "refer_to_committee", "payload": {}}}
    assert desk.api(CLERK, "clerk").post(f"/api/procedures/{pid}/transitions", json=early).status_code == 422


def test_search_and_export_through_the_api(desk: Desk) -> None:
    _walk(desk)
    auditor = desk.api(AUDITOR, "auditor")
    actions = auditor.get("/api/audit/actions", params={"procedure_id": desk.procedure_id, "limit": 3})
    assert actions.status_code == 200, actions.text
    body = actions.json()
    assert body["total"] == 7 and len(body["rows"]) == 3 and body["limit"] == 3
    refusals = auditor.get("/api/audit/refusals").json()["rows"]
    assert [(r["trigger"], r["code"]) for r in refusals] == [("propose", "guard_failed")]
    exported = auditor.get("/api/audit/refusals", params={"format": "csv"})
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.content.startswith("\ufeff".encode())
    header = next(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
    assert len(header) > 3 and all(any("가" <= ch <= "힣" for ch in h) for h in header)
    # A clerk who neither works on nor acted on the procedure sees none of it; an admin may not query at all.
    assert desk.api(CLERK2, "clerk").get("/api/audit/actions").json()["total"] == 0
    refused = desk.api(ADMIN, "admin").get("/api/audit/actions")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert auditor.get("/api/audit/actions", params={"since": "어제"}).status_code == 400
    with desk.ctx.db.read() as session:
        reads = session.execute(
            select(audit_reads.c.actor, audit_reads.c.interface, audit_reads.c.outcome)
        ).all()
    assert (AUDITOR, "api", "ok") in reads and (ADMIN, "api", "forbidden") in reads


def test_the_sla_report_is_drawn_on_the_server(desk: Desk) -> None:
    _walk(desk)
    auditor = desk.api(AUDITOR, "auditor")
    report = auditor.get("/api/audit/stages").json()
    summary = {r["stage"]: r for r in report["summary"]["rows"]}
    assert summary["governor_consultation"]["median_days"] == 10.0
    picture = auditor.get("/api/audit/stages", params={"format": "svg"})
    assert picture.headers["content-type"] == "image/svg+xml"
    root = ElementTree.fromstring(picture.text)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "관할 시·도지사 의견수렴" in texts and "중앙값 10.0일" in texts
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if "ongoing" in r.get("class", "")]
    assert len(bars) == 1  # the ministry consultation, still under way

    page = desk.client(AUDITOR).get("/audit/sla")
    assert page.status_code == 200 and '<svg class="sla-chart"' in page.text
    assert "<script" not in page.text.split("</head>", 1)[1]


def test_the_search_page_and_its_export(desk: Desk) -> None:
    _walk(desk)
    auditor = desk.client(AUDITOR)
    page = auditor.get("/audit", params={"query": "refusals"})
    assert page.status_code == 200
    assert "요건 미충족" in page.text and "산업통상부의 의견이 기록되지 않았습니다" in page.text
    assert "녹색융합클러스터법 제9조제1항" in page.text  # the unmet requirement's article
    exported = auditor.get("/audit/export", params={"query": "actions", "format": "csv"})
    assert exported.headers["content-disposition"] == 'attachment; filename="gcw-audit-actions.csv"'
    assert exported.text.count("\r\n") >= 8  # the headings and the procedure's seven events at least
    assert desk.client(ADMIN).get("/audit").status_code == 403
