"""From the committee's approval to `designated`: the designation requirements, the notice and its number, the
gazette, and the governors' notification with the "지체 없이" SLA."""

from __future__ import annotations

from datetime import date

import pytest

from gcworkflow import audit, clusters, engine, queries
from gcworkflow.errors import GuardFailed
from tests.support import (
    CLERK,
    actor,
    advance,
    cast,
    committee_approves,
    fire,
    notify_the_governor,
    on,
    publish_the_notice,
    through_notice_signoff,
    to_committee,
)


def _facts(ctx, pid):
    return {(f["kind"], f["subject"]): f["data"] for f in queries.procedure_status(ctx, pid)["facts"]}


def _at_notice(ctx) -> int:
    pid = to_committee(ctx)
    committee_approves(ctx, pid)
    return pid


def test_publish_lists_every_missing_requirement_with_its_article(ctx):
    pid = _at_notice(ctx)
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "publish_notice")
    bases = {u.basis for u in refused.value.unmet}
    assert {
        "녹색융합클러스터법 제10조제1호",
        "녹색융합클러스터법 시행령 제6조제2호",
        "녹색융합클러스터법 시행규칙 제3조",
    } <= bases
    ids = {u.id for u in refused.value.unmet}
    assert {
        "designation_decision_missing",
        "requirement_not_assessed",
        "notice_not_composed",
        "notice_number_missing",
        "notice_pdf_missing",
        "gazette_publication_missing",
    } <= ids


def test_requirement_cannot_be_waived_except_decree6_3(ctx):
    pid = _at_notice(ctx)
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "assess_requirement", requirement="law10_2", result="not_applicable", note="-")
    assert refused.value.unmet[0].basis == "녹색융합클러스터법 제10조제2호"


def test_full_path_to_designated_with_manual_number(ctx):
    pid = _at_notice(ctx)
    through_notice_signoff(ctx, pid)
    notice = _facts(ctx, pid)[("notice_content", "designation_notice")]
    assert notice["authority"] == "기후에너지환경부장관"
    assert notice["location"].startswith("경상북도 구미시")
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "register_notice_number", number="환경부고시 제2026-3호")
    assert refused.value.unmet[0].id == "notice_number_wrong_authority"
    fire(ctx, pid, "register_notice_number", number="기후에너지환경부고시 제2026-41호")
    publish_the_notice(ctx, pid)
    published = ctx.clock.today()
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "confirm_notification", "system")
    assert refused.value.unmet[0].message.startswith("경상북도지사에게 통보한 기록")
    # Sent three working days later (09:00 that day): past the SLA, so it needs a justification.
    advance(ctx, 5)
    notify_the_governor(ctx, pid, "탈탄소녹색산업혁신과-1234")
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "confirm_notification", "system")
    assert refused.value.unmet[0].id == "late_notification_unjustified"
    fire(ctx, pid, "justify_late_notification", sido_code="47", justification="문서유통시스템 장애")
    result = fire(ctx, pid, "confirm_notification", "system")
    assert result.to_state == "designated"
    cluster = clusters.find_cluster(ctx, "첨단 전자산업 자원순환 녹색융합클러스터")
    assert cluster.status == "designated" and cluster.designated_on == published
    with ctx.db.read() as session:
        assert audit.verify(session).ok


def test_local_series_is_gap_free_and_drawn_at_signoff(ctx):
    ctx.settings = ctx.settings.model_copy(update={"notice_numbering": "local"})
    pid = _at_notice(ctx)
    through_notice_signoff(ctx, pid)
    assert (
        _facts(ctx, pid)[("notice_number", "designation_notice")]["number"]
        == "기후에너지환경부고시 제2026-1호"
    )
    with pytest.raises(GuardFailed):
        fire(ctx, pid, "register_notice_number", number="기후에너지환경부고시 제2026-2호")


def test_authority_before_the_ministry_was_renamed(ctx):
    on(ctx, date(2025, 8, 1))  # the whole procedure before 2025. 10. 1.: dates must agree (procedure.md §2)
    pid = _at_notice(ctx)
    fire(
        ctx,
        pid,
        "compose_notice",
        designation_date="2025-09-30",
        purpose="지정 목적",
        inspection_places=[{"office": "환경부 녹색산업혁신과"}],
    )
    notice = _facts(ctx, pid)[("notice_content", "designation_notice")]
    assert notice["authority"] == "환경부장관" and notice["notice_series"] == "환경부고시"


def test_duplicate_manual_number_is_refused(ctx):
    first = _at_notice(ctx)
    through_notice_signoff(ctx, first)
    fire(ctx, first, "register_notice_number", number="기후에너지환경부고시 제2026-41호")
    second_cluster = clusters.register_cluster(ctx, actor(CLERK), "Post-플라스틱 녹색융합클러스터")
    second = engine.open_procedure(
        ctx, actor(CLERK), "designation", cluster_id=second_cluster, approver="park"
    ).procedure_id
    to_committee(ctx, second)
    committee_approves(ctx, second, meeting_no=2)
    through_notice_signoff(ctx, second)
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, second, "register_notice_number", number="기후에너지환경부고시 제2026-041호")
    assert refused.value.unmet[0].id == "number_already_used"


def test_deemed_cluster_is_registered_designated_without_procedure(ctx):
    cast(ctx)
    cid = clusters.register_deemed_cluster(
        ctx,
        actor("admin"),
        "창업·벤처 녹색융합클러스터",
        "부칙 제2조제1항",
        {"operating_institution": "한국환경산업기술원"},
    )
    cluster = clusters.find_cluster(ctx, str(cid))
    assert cluster.status == "designated"
    assert cluster.basis.startswith("녹색융합클러스터법 부칙 제2조제1항")
    assert cluster.designated_on == date(2021, 12, 16)
    assert queries.list_procedures(ctx) == []
