"""The attachments the letters promise (붙임): made from the plan version the letter is about, issued once per
content before the letter, listed with their hashes in the letter's ``document_issued``, and carried by its
e-mail to a real SMTP server; and one letter to several recipients (수신자 참조). Each kind encloses what its
own law names, and says nothing of another kind's."""

from __future__ import annotations

import hashlib
import io
import json

import pypdf
import pytest

from gcworkflow import automation, engine, queries
from gcworkflow.automation.issuing import issue
from gcworkflow.documents.render import render
from gcworkflow.notify import dispatch
from tests.documents import samples
from tests.notify import CONTACTS, GOVERNOR, facts, ready, set_contacts
from tests.notify.smtp import SmtpServer
from tests.support import (
    APPROVER,
    CLERK,
    actor,
    cast,
    committee_approves,
    designated_gumi,
    fire,
    publish_the_notice,
    signed,
    through_notice_signoff,
    to_committee,
)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def embedded(pdf: bytes, name: str) -> dict:
    return json.loads(pypdf.PdfReader(io.BytesIO(pdf)).attachments[name][0])


# --- content, per kind (pure) ---------------------------------------------------------------------------


def test_plan_summary_carries_what_the_opinion_request_promises() -> None:
    summary = samples.plan_summary()
    assert (summary.kind, summary.title) == ("plan_summary", "조성계획(요약)")
    lines = {line.label: line.value for section in summary.sections for line in section.lines}
    assert lines["명칭"] == samples.CLUSTER
    assert lines["위치"] == "경상북도 구미시 구미 국가산업단지 제4단지 일원"
    assert lines["면적"] == "33,000㎡" and lines["조성기간"] == "2026년 ~ 2028년"
    assert lines["총사업비"] == "490억원 (국비 343억원, 지방비 147억원)"
    assert lines["전문운영기관"] == "한국환경산업기술원"
    assert lines["기본계획"] == "제1차 녹색융합클러스터 기본계획(2023~2027)"
    consistency = next(s for s in summary.sections if s.title.startswith("기본계획과의 부합성"))
    assert consistency.paragraphs[0].startswith("기본계획은 탄소중립")
    facilities = next(s for s in summary.sections if s.title.startswith("주요 시설"))
    assert facilities.table.columns == ("구분", "시설", "현황") and len(facilities.table.rows) == 6
    assert (summary.plan_version, summary.plan_sha256) == (2, "a" * 64)


def test_change_table_shows_each_changed_item_before_and_after() -> None:
    table = samples.plan_change_table()
    assert (table.kind, table.title) == ("plan_change_table", "조성계획 변경 대비표")
    (changes, reason) = table.sections
    assert changes.table.columns == ("구분", "변경 전", "변경 후", "사유")
    assert [row[:3] for row in changes.table.rows] == [
        (
            "위치",
            "경상북도 구미시 구미 국가산업단지 제4단지 일원",
            "경상북도 구미시 구미 국가산업단지 제4단지 및 제5단지 일원",
        ),
        ("면적", "33,000㎡", "36,000㎡"),
        ("조성기간", "2026년 ~ 2028년", "2026년 ~ 2029년"),
    ]
    assert reason.paragraphs == ("실증 플랜트 처리 용량 확대에 따른 인접 부지 편입과 조성기간 1년 연장",)


def test_release_scope_never_speaks_of_a_creation_plan() -> None:
    scope = samples.release_scope()
    assert (scope.kind, scope.title) == ("release_scope", "해제 대상 및 사유")
    lines = {line.label: line.value for section in scope.sections for line in section.lines}
    assert lines["해제 구분"] == "일부 해제" and lines["해제 면적"] == "8,500㎡"
    assert lines["해제 전 면적"] == "33,000㎡" and lines["해제 후 면적"] == "24,500㎡"
    assert lines["근거"] == "녹색융합클러스터법 제12조제1항제1호"
    assert "조성계획" not in scope.model_dump_json()


def test_basic_plan_summary_cites_its_own_articles_only() -> None:
    summary = samples.basic_plan_summary()
    assert (summary.kind, summary.title) == ("basic_plan_summary", "기본계획(안)")
    written = summary.model_dump_json()
    assert "제7조" in written and "제9조" not in written and "제11조" not in written
    labels = [line.label for section in summary.sections for line in section.lines]
    assert labels[:2] == ["계획명", "계획기간"] and "기본목표와 중장기 발전방향" in labels


# --- rendered ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", samples.ENCLOSURES, ids=lambda make: make.__name__)
def test_enclosure_renders_as_an_archival_pdf_with_its_data(make) -> None:
    enclosure = make()
    rendered = render(enclosure)
    text = text_of(rendered.pdf)
    for expected in ("붙임", enclosure.title, enclosure.subject, enclosure.authority):
        assert expected in text, expected
    data = embedded(rendered.pdf, f"{enclosure.kind}.json")
    assert data == json.loads(enclosure.model_dump_json())
    assert render(enclosure).pdf == rendered.pdf  # the same content gives the same bytes


def test_one_letter_to_several_recipients_says_so_in_the_header_and_names_them_all() -> None:
    letter = samples.recipients_letter()
    text = " ".join(text_of(render(letter).pdf).split())
    assert "수신 수신자 참조" in text
    assert "서울특별시장, 부산광역시장, 경상북도지사(환경정책과장), 전라남도지사" in text


# --- issued and sent --------------------------------------------------------------------------------------


def _document_facts(ctx, pid: int) -> dict[str, dict]:
    return {
        f["subject"]: f["data"]
        for f in queries.procedure_status(ctx, pid)["facts"]
        if f["kind"] == "document_issued"
    }


def test_letters_about_one_plan_version_share_one_enclosure(office) -> None:
    """The governors' and the ministries' letters about the same plan version enclose the same 조성계획(요약),
    issued once; the ministries' letters also enclose the governors' opinions."""
    ctx = office
    pid = to_committee(ctx)
    documents = _document_facts(ctx, pid)
    assert documents == {}
    (opinion,) = issue(ctx, pid, "opinion_request")
    letters = issue(ctx, pid, "consultation_request")
    assert len(letters) == 2
    (summary,) = opinion.enclosures
    assert summary.new and summary.kind == "plan_summary" and summary.subject == "1"
    for letter in letters:
        shared, opinions = letter.enclosures
        assert shared.sha256 == summary.sha256 and not shared.new
        assert opinions.kind == "opinion_summary" and "의견 수렴 결과" in opinions.title
    documents = _document_facts(ctx, pid)
    assert documents["plan_summary:1"]["plan_version"] == 1
    view = automation.procedure_view(ctx, pid)
    assert documents["plan_summary:1"]["plan_sha256"] == view.plan_sha256
    listed = documents["consultation_request:1:ministry:산업통상부"]["enclosures"]
    assert [e["document"] for e in listed] == ["plan_summary", "opinion_summary"]
    assert listed[0]["sha256"] == summary.sha256
    text = text_of(ctx.store.get(letters[0].sha256))
    assert "조성계획(요약) 1부" in text and "시·도지사 의견 수렴 결과 1부" in text
    opinions_text = text_of(ctx.store.get(listed[1]["sha256"]))
    assert "경상북도지사" in opinions_text and "이견 없음" in opinions_text


def test_the_notification_mail_carries_the_notice_and_the_plan_summary(
    office, smtp_server: SmtpServer
) -> None:
    ctx = ready(office, smtp_server)
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    set_contacts(ctx)
    automation.issue_documents(ctx, pid)
    publish_the_notice(ctx, pid, stand_in_pdf=False)
    (letter,) = automation.issue_documents(ctx, pid).issued
    dispatch(ctx)
    (mail,) = [m for m in smtp_server.to(CONTACTS[GOVERNOR]) if "결과 통보" in m.subject]
    names = [name for name, _, _ in mail.attachments]
    assert (
        names[0] == f"{letter.title}.pdf"
        and "지정 고시" in names[1]
        and names[2].endswith("조성계획(요약).pdf")
    )
    (summary,) = letter.enclosures
    assert hashlib.sha256(mail.attachments[2][2]).hexdigest() == summary.sha256
    assert "1. 지정 고시문 1부. 2. 조성계획(요약) 1부. 끝." in " ".join(mail.pdf_text(0).split())


def test_one_letter_for_the_round_goes_to_every_governor(office, smtp_server: SmtpServer) -> None:
    """The clerk chooses one letter for the basic plan's 17 governors: one number, one document headed
    "수신자 참조" naming them all, and every governor's e-mail carries it with the 기본계획(안)."""
    ctx = ready(office, smtp_server)
    cast(ctx)
    pid = engine.open_procedure(
        ctx, actor(CLERK), "basic_plan", cluster_id=None, approver=APPROVER
    ).procedure_id
    fire(ctx, pid, "record_plan", content=samples.data("basic_plan.yaml"))
    signed(ctx, pid, "request_governor_opinions", letters="one")
    requests = facts(ctx, pid, "consultation_request")
    parties = [r["subject"] for r in requests]
    assert len(parties) == 17
    set_contacts(ctx, {party: f"sido{party[-2:]}@example.kr" for party in parties})
    report = automation.issue_documents(ctx, pid)
    assert not report.refused, report.refused
    (letter,) = report.issued
    assert letter.subject == "1:all"
    numbers = [f for f in facts(ctx, pid, "letter_number")]
    assert len(numbers) == 1
    text = " ".join(text_of(ctx.store.get(letter.sha256)).split())
    assert "수신 수신자 참조" in text and "서울특별시장" in text and "제주특별자치도지사" in text
    assert "기본계획(안) 1부" in text
    (enclosure,) = letter.enclosures
    assert enclosure.kind == "basic_plan_summary"
    assert dispatch(ctx).sent == 17
    for party in parties:
        (mail,) = smtp_server.to(f"sido{party[-2:]}@example.kr")
        (letter_file, summary_file) = mail.attachments
        assert hashlib.sha256(letter_file[2]).hexdigest() == letter.sha256
        assert hashlib.sha256(summary_file[2]).hexdigest() == enclosure.sha256
    assert automation.documents_due(automation.procedure_view(ctx, pid)) == []


def test_a_release_encloses_its_scope(office) -> None:
    ctx = office
    cluster, _ = designated_gumi(ctx)
    pid = engine.open_procedure(
        ctx, actor(CLERK), "release", cluster_id=cluster, approver=APPROVER
    ).procedure_id
    fire(
        ctx,
        pid,
        "record_release_scope",
        scope="partial",
        ground="law12_1",
        reason="편입 부지의 실증 플랜트 증설 취소",
        released_area_m2=3000,
    )
    signed(ctx, pid, "request_governor_opinions")
    (letter,) = issue(ctx, pid, "opinion_request")
    (scope,) = letter.enclosures
    assert scope.kind == "release_scope" and scope.title.endswith("해제 대상 및 사유")
    text = text_of(ctx.store.get(scope.sha256))
    assert "3,000㎡" in text and "제12조제1항제1호" in text and "조성계획" not in text
    assert "해제 대상 및 사유 1부" in text_of(ctx.store.get(letter.sha256))
