"""Nothing private reaches the public register: a secret marker is put into every private field of a demo-like
record — people's names and addresses, contacts, comments, a draft plan of an open procedure, proposals'
payloads and decisions, refusals, clusters' internal notes, letters and received documents — and every public
page, export, the feed and every PDF it links (their text read back with pypdf) must not contain it."""

from __future__ import annotations

import io
import re
from typing import Any

import httpx
from pypdf import PdfReader
from sqlalchemy import func, insert, select, update

from gcworkflow import automation, clusters, contacts, engine
from gcworkflow.automation.issuing import issue
from gcworkflow.canonical import canonical_text
from gcworkflow.context import Context
from gcworkflow.db.models import (
    AuditEvent,
    Cluster,
    Contact,
    Document,
    PlanVersion,
    Proposal,
    RefusedAttempt,
    User,
)
from gcworkflow.web.app import create_app
from tests.support import (
    ADMIN,
    APPROVER,
    CLERK,
    actor,
    cast,
    committee_approves,
    fire,
    gumi_plan,
    notify_the_governor,
    publish_the_notice,
    through_notice_signoff,
    to_committee,
)
from tests.web.conftest import serving

MARK = "QZLEAK7"  # ASCII, so that it survives every encoding and PDF text extraction


def marked(field: str) -> str:
    return f"{MARK}-{field}"


def _people(ctx: Context) -> None:
    cast(ctx)
    with ctx.db.write() as session:
        for username in ("admin", "kim", "lee", "park", "jung", "choi", "han"):
            session.execute(
                update(User)
                .where(User.username == username)
                .values(
                    display_name=f"직원 {marked('name-' + username)}",
                    email=f"{marked(username)}@me.example.kr",
                )
            )
    for party in ("governor:47", "ministry:산업통상부", "ministry:국토교통부"):
        contacts.set_contact(
            ctx,
            actor(ADMIN),
            party,
            f"{marked('contact')}@example.kr",
            name=f"담당 {marked('contact-name')}",
            unit=f"{marked('contact-unit')}과",
        )


def _published(ctx: Context) -> int:
    """구미 designated through the real documents: the notice and the letters rendered by WeasyPrint."""
    cluster_id = clusters.register_cluster(
        ctx,
        actor(CLERK),
        "첨단 전자산업 자원순환 녹색융합클러스터",
        {"sido_code": "47", "sigungu": "구미시", "status_note": marked("cluster-note"), "budget_krw": 1},
    )
    pid = engine.open_procedure(ctx, actor(CLERK), "designation", cluster_id=cluster_id, approver=APPROVER)
    plan = gumi_plan()
    plan["necessity_effects"]["necessity"] += f" {marked('plan-not-noticed')}"  # in the plan, not the 고시
    fire(ctx, pid.procedure_id, "record_plan", content=plan)
    to_committee(ctx, pid.procedure_id, draft=False)
    committee_approves(ctx, pid.procedure_id)
    through_notice_signoff(ctx, pid.procedure_id)
    report = automation.issue_documents(ctx, pid.procedure_id)
    assert not report.refused, report.refused
    publish_the_notice(ctx, pid.procedure_id, stand_in_pdf=False)
    notify_the_governor(ctx, pid.procedure_id, "msg-1")
    issue(ctx, pid.procedure_id, "designation_notification")
    fire(ctx, pid.procedure_id, "confirm_notification", "system")
    received = ctx.store.put(b"%PDF-1.4\n" + marked("received").encode() + b"\n%%EOF\n")
    engine.fire(
        ctx,
        pid.procedure_id,
        "receive_document",
        actor(CLERK),
        {"sha256": received, "title": marked("received-title"), "kind": "governor_opinion"},
        comment=marked("comment"),
    )
    return pid.procedure_id


def _open_procedure(ctx: Context) -> int:
    """A planned cluster whose designation is under way: a draft plan, a pending and a rejected proposal."""
    cluster_id = clusters.register_cluster(
        ctx,
        actor(CLERK),
        f"계획 {marked('planned-cluster')}",
        {"sido_code": "26", "status_note": marked("note")},
    )
    pid = engine.open_procedure(
        ctx, actor(CLERK), "designation", cluster_id=cluster_id, approver=APPROVER
    ).procedure_id
    plan = gumi_plan()
    plan["name"] = f"초안 {marked('draft-name')}"
    plan["location_detail"] = marked("draft-location")
    engine.fire(ctx, pid, "record_plan", actor(CLERK), {"content": plan}, comment=marked("draft-comment"))
    rejected = fire(
        ctx, pid, "propose", CLERK, trigger="withdraw", payload={"reason": marked("rejected-payload")}
    )
    engine.fire(
        ctx,
        pid,
        "reject_proposal",
        actor(APPROVER),
        {"proposal_id": rejected.proposal_id},
        comment=marked("rejection"),
    )
    fire(ctx, pid, "propose", CLERK, trigger="withdraw", payload={"reason": marked("pending-payload")})
    with ctx.db.write() as session:
        session.execute(
            insert(RefusedAttempt).values(
                occurred_at=ctx.clock.now(),
                procedure_id=pid,
                actor=CLERK,
                interface="web",
                trigger="request_governor_opinions",
                code="guard_failed",
                message=marked("refusal"),
                unmet=canonical_text([]),
            )
        )
    return pid


def _deemed(ctx: Context) -> None:
    clusters.register_deemed_cluster(
        ctx,
        actor(ADMIN),
        "창업·벤처 녹색융합클러스터",
        "부칙 제2조제1항",
        {
            "sido_code": "28",
            "area_m2": 180000,
            "status_note": marked("deemed-note"),
            "budget_krw": 146400000000,
        },
    )


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    parts = [page.extract_text() or "" for page in reader.pages]
    parts.append(str(reader.metadata or {}))
    return "\n".join(parts)


def _fetch_everything(client: httpx.Client) -> dict[str, Any]:
    """Every public answer, following every public link the pages and the data give."""
    seen: dict[str, Any] = {}
    queue = ["/public/", "/public/clusters.csv", "/public/clusters.json", "/public/notices.atom"]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        if path.endswith(".pdf"):
            assert response.headers["content-type"] == "application/pdf"
            seen[path] = (response.content, _pdf_text(response.content))
            continue
        seen[path] = response.text
        for link in re.findall(r"(/public/(?:clusters/\d+|notices/[0-9a-f]{64}\.pdf))", response.text):
            queue.append(link)
    return seen


def test_no_private_field_reaches_a_public_page_export_feed_or_pdf(office):
    ctx = office
    _people(ctx)
    published = _published(ctx)
    _open_procedure(ctx)
    _deemed(ctx)
    _private_fields_carry_the_marker(ctx)
    with serving(create_app(ctx)) as url, httpx.Client(base_url=url, timeout=60) as client:
        answers = _fetch_everything(client)
        pdfs = [path for path in answers if path.endswith(".pdf")]
        assert len(pdfs) == 1  # the designation notice, and no letter
        assert any(f"/public/clusters/{n}" in answers for n in range(1, 4))
        for path, answer in answers.items():
            if isinstance(answer, tuple):
                data, text = answer
                assert MARK.encode() not in data, path
                assert "고시" in text and MARK not in text, path
            else:
                assert MARK not in answer, (path, answer[answer.find(MARK) - 200 : answer.find(MARK) + 50])
        # Every stored document other than the published notice is refused, whoever guesses its hash.
        every = {d["sha256"] for d in _documents(ctx, published)}
        public = {path.rsplit("/", 1)[1].removesuffix(".pdf") for path in pdfs}
        assert len(every - public) >= 3  # the letters and the received document
        letters = [
            _pdf_text(ctx.store.get(d["sha256"]))
            for d in _documents(ctx, published)
            if "notification" in d["kind"] and d["pdf"]
        ]
        assert letters and all(MARK in text for text in letters), (
            "the marker must reach the private documents"
        )
        for sha in every - public:
            refused = client.get(f"/public/notices/{sha}.pdf")
            assert refused.status_code == 404 and MARK not in refused.text


def _documents(ctx: Context, procedure_id: int) -> list[dict[str, Any]]:
    with ctx.db.read() as session:
        rows = session.execute(
            select(Document.sha256, Document.kind, Document.media_type).where(
                Document.procedure_id == procedure_id
            )
        )
        return [{"sha256": r.sha256, "kind": r.kind, "pdf": r.media_type == "application/pdf"} for r in rows]


def _private_fields_carry_the_marker(ctx: Context) -> None:
    """The seeding worked: each private column the test claims to cover holds the marker."""
    columns = (
        User.display_name,
        User.email,
        Contact.email,
        Contact.unit,
        Cluster.profile,
        PlanVersion.content,
        Proposal.payload,
        Proposal.decision_comment,
        RefusedAttempt.message,
        AuditEvent.comment,
        Document.title,
    )
    with ctx.db.read() as session:
        for column in columns:
            found = session.execute(select(func.count()).where(column.contains(MARK))).scalar()
            assert found, f"{column} holds no marker"
