"""Issuing the procedure's documents: numbered once, rendered, stored by hash and recorded through the engine;
refused before rendering when something the document must carry is missing."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from gcworkflow import audit, queries
from gcworkflow.automation.issuing import issue
from gcworkflow.automation.issuing import procedure_view as issue_view
from gcworkflow.canonical import canonical_text
from gcworkflow.documents import content
from gcworkflow.errors import GuardFailed, InvalidInput
from gcworkflow.procedures.spec import FactRecord
from tests.support import (
    committee_approves,
    fire,
    gumi_plan,
    on,
    open_gumi,
    publish_the_notice,
    register_opinion_letter_number,
    signed,
    through_notice_signoff,
    to_committee,
)


def _text(ctx, sha256: str) -> str:
    reader = PdfReader(io.BytesIO(ctx.store.get(sha256)))
    return "\n".join(page.extract_text() for page in reader.pages)


def _facts(ctx, pid):
    return {(f["kind"], f["subject"]): f["data"] for f in queries.procedure_status(ctx, pid)["facts"]}


def test_opinion_request_letters_are_numbered_once(office):
    ctx = office
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    on(ctx, date(2026, 9, 23))
    signed(ctx, pid, "request_governor_opinions")
    (letter,) = issue(ctx, pid, "opinion_request")
    assert letter.new and letter.number == "탈탄소녹색산업혁신과-1"
    text = _text(ctx, letter.sha256)
    for expected in (
        "경상북도지사",
        "의견 조회",
        "2026. 10. 23.",
        "기후에너지환경부장관",
        "탈탄소녹색산업혁신과-1",
        "붙임",
        "끝.",
    ):
        assert expected in text, expected
    (again,) = issue(ctx, pid, "opinion_request")
    assert not again.new and again.sha256 == letter.sha256
    numbers = [k for k in _facts(ctx, pid) if k[0] == "letter_number"]
    assert len(numbers) == 1


def test_two_runs_rendering_the_same_letter_at_once_record_it_once(office, monkeypatch):
    """Two workers running the documents flow together (scripts/production-check): both find the letter
    unissued and render it; the one that records it second is refused at the door, under the procedure's lock,
    and reports the letter as already issued."""
    ctx = office
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    from gcworkflow.documents import render as render_module

    real_render, other_run = render_module.render, []

    def render_while_the_other_run_issues(document):
        if not other_run:
            other_run.append(None)
            other_run[0] = issue(ctx, pid, "opinion_request")  # the other worker, start to finish
        return real_render(document)

    monkeypatch.setattr(render_module, "render", render_while_the_other_run_issues)
    (letter,) = issue(ctx, pid, "opinion_request")
    ((other,),) = other_run
    assert other.new and not letter.new and letter.sha256 == other.sha256
    issued = [f for f in queries.procedure_status(ctx, pid)["facts"] if f["kind"] == "document_issued"]
    # The letter and its enclosure (조성계획(요약)), each recorded once.
    assert sorted(f["subject"] for f in issued) == ["opinion_request:1:governor:47", "plan_summary:1"]
    with ctx.db.read() as session:
        assert audit.verify(session, ctx.store).ok


def test_the_recipient_line_names_the_handling_unit_kept_in_the_contacts(office):
    """procedure.md §3: 수신 경상북도지사(환경정책과장), the unit from the admin's contact record."""
    from gcworkflow import contacts
    from tests.support import ADMIN, actor

    ctx = office
    pid = open_gumi(ctx)
    contacts.set_contact(ctx, actor(ADMIN), "governor:47", "env@gb.example.kr", unit="환경정책과")
    assert contacts.list_contacts(ctx)[0]["unit"] == "환경정책과"
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    (letter,) = issue(ctx, pid, "opinion_request")
    assert "수신 경상북도지사(환경정책과장)" in " ".join(_text(ctx, letter.sha256).split())


def _opinions_requested(ctx, numbering: str) -> int:
    """A 구미 procedure whose opinion request to 경상북도지사 is signed, with ``numbering`` for official numbers."""
    ctx.settings = ctx.settings.model_copy(update={"notice_numbering": numbering})
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    return pid


def test_manual_numbering_asks_for_the_registry_number(office):
    ctx = office
    pid = _opinions_requested(ctx, "manual")
    with pytest.raises(InvalidInput) as refused:
        issue(ctx, pid, "opinion_request")
    assert "register_letter_number" in refused.value.message
    register_opinion_letter_number(ctx, pid, ctx.clock.today().isoformat(), "탈탄소녹색산업혁신과-318")
    (letter,) = issue(ctx, pid, "opinion_request")
    assert letter.number == "탈탄소녹색산업혁신과-318"


def test_missing_office_settings_are_refused_plainly(ctx):
    pid = _opinions_requested(ctx, "local")
    with pytest.raises(InvalidInput) as refused:
        issue(ctx, pid, "opinion_request")
    assert "GCW_OFFICE_ADDRESS" in refused.value.message


def test_notice_is_refused_before_rendering_without_its_number(office):
    ctx = office
    ctx.settings = ctx.settings.model_copy(update={"notice_numbering": "manual"})
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    with pytest.raises(GuardFailed) as refused:
        issue(ctx, pid, "designation_notice")
    assert refused.value.unmet[0].basis == "행정업무의 운영 및 혁신에 관한 규정 시행규칙 제8조"


def test_designation_notice_issued_once_and_satisfies_the_publish_guard(office):
    ctx = office
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    (notice,) = issue(ctx, pid, "designation_notice")
    text = _text(ctx, notice.sha256)
    for expected in (
        "기후에너지환경부고시 제2026-1호",
        "제9조제1항 및 제3항",
        "기후에너지환경부장관",
        "명칭",
        "지정 목적",
        "조성기간",
        "전문운영기관",
        "열람",
    ):
        assert expected in text, expected
    publish_the_notice(ctx, pid, stand_in_pdf=False)
    (again,) = issue(ctx, pid, "designation_notice")
    assert not again.new
    letters = issue(ctx, pid, "designation_notification")
    assert [letter.subject for letter in letters] == ["1:governor:47"]
    assert "14일 이상" in _text(ctx, letters[0].sha256)
    with ctx.db.read() as session:
        report = audit.verify(session, ctx.store)
    # The notice, the letter and its 조성계획(요약), each with its HWPX twin.
    assert report.ok and report.documents == 6


def test_replaced_document_file_is_detected(office):
    ctx = office
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    (letter,) = issue(ctx, pid, "opinion_request")
    ctx.store.path(letter.sha256).write_bytes(b"%PDF-1.7 forged")
    with ctx.db.read() as session:
        report = audit.verify(session, ctx.store)
    assert not report.ok and "교체" in report.first_problem.message


def test_authority_before_the_renaming(office):
    ctx = office
    on(ctx, date(2025, 8, 1))  # the whole procedure before 2025. 10. 1.: dates must agree (procedure.md §2)
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    signed(ctx, pid, "decide_designation", reason="요건 충족")
    for requirement in ("law10_1", "law10_2", "law10_3", "law10_4", "decree6_1", "decree6_2"):
        fire(ctx, pid, "assess_requirement", requirement=requirement, result="met", note="충족")
    fire(
        ctx,
        pid,
        "compose_notice",
        designation_date="2025-09-30",
        purpose="자원순환 집적·실증 지원",
        inspection_places=[{"office": "환경부 녹색산업혁신과"}],
    )
    signed(ctx, pid, "sign_notice_content")
    (notice,) = issue(ctx, pid, "designation_notice")
    text = _text(ctx, notice.sha256)
    assert "환경부고시 제2025-1호" in text and "환경부장관" in text and "기후에너지환경부" not in text


def test_notice_missing_a_rule_3_item_is_refused_with_its_article(office):
    """A notice without its 전문운영기관 (규칙 제3조제4호) is refused before anything is rendered."""
    ctx = office
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    through_notice_signoff(ctx, pid)
    view = issue_view(ctx, pid)
    notice = view.fact("notice_content", "designation_notice")
    data = {k: v for k, v in notice.data.items() if k != "operating_institution"}
    stripped = FactRecord(
        notice.id, notice.kind, notice.subject, canonical_text(data), notice.event_id, notice.recorded_at
    )
    facts = {**view.facts, ("notice_content", "designation_notice"): stripped}
    with pytest.raises(GuardFailed) as refused:
        content.designation_notice(replace(view, facts=facts))
    assert any(u.basis == "녹색융합클러스터법 시행규칙 제3조제4호" for u in refused.value.unmet)
