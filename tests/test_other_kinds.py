"""The rest of the law (procedure.md §3): plan changes, full and minor; release, whole and partial."""

from __future__ import annotations

import copy

import pytest

from gcworkflow import engine, queries
from gcworkflow.errors import Forbidden, GuardFailed
from tests.support import (
    APPROVER,
    CLERK,
    actor,
    designated_gumi,
    fire,
    gumi_plan,
    publish_the_notice,
    signed,
)
from tests.support import OFFICE as SUPPORT_OFFICE


def _open(ctx, kind: str, cluster_id: int) -> int:
    return engine.open_procedure(
        ctx, actor(CLERK), kind, cluster_id=cluster_id, approver=APPROVER
    ).procedure_id


def _classification(ctx, pid):
    facts = {(f["kind"], f["subject"]): f["data"] for f in queries.procedure_status(ctx, pid)["facts"]}
    return facts[("classification", "")]


def _consultation_refused_then_minor_change(ctx, pid: int, refusal: str) -> str:
    """A minor change: the governors' consultation is refused (its last unmet requirement ``refusal``), the minor
    change applied instead; returns the state it reaches."""
    with pytest.raises(GuardFailed) as refused:
        signed(ctx, pid, "request_governor_opinions")
    assert refused.value.unmet[-1].id == refusal
    return signed(ctx, pid, "apply_minor_change").to_state


def test_change_starts_from_the_approved_plan(ctx):
    cluster, designation = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    assert (
        queries.plan_version(ctx, None, pid)["content"]
        == queries.plan_version(ctx, None, designation)["content"]
    )


@pytest.mark.parametrize(("area", "minor"), [(36300, True), (36301, False), (29700, True), (29699, False)])
def test_area_boundary_at_exactly_ten_percent(ctx, area, minor):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    fire(ctx, pid, "record_plan", content={"area_m2": area}, mode="merge", change_reason="부지 경계 조정")
    found = _classification(ctx, pid)
    assert found["minor"] is minor
    assert found["reasons"][0]["basis"] == "녹색융합클러스터법 시행규칙 제4조제2항제2호"


def test_minor_change_goes_straight_to_changed(ctx):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    fire(ctx, pid, "record_plan", content={"area_m2": 34000}, mode="merge", change_reason="부지 경계 조정")
    assert _consultation_refused_then_minor_change(ctx, pid, "change_is_minor") == "changed"


def test_successive_small_changes_add_up_to_a_full_one(ctx):
    cluster, _ = designated_gumi(ctx)
    first = _open(ctx, "plan_change", cluster)
    fire(ctx, first, "record_plan", content={"area_m2": 36000}, mode="merge", change_reason="1차 조정")
    signed(ctx, first, "apply_minor_change")
    second = _open(ctx, "plan_change", cluster)
    assert queries.plan_version(ctx, None, second)["content"]["area_m2"] == 36000
    fire(ctx, second, "record_plan", content={"area_m2": 37000}, mode="merge", change_reason="2차 조정")
    found = _classification(ctx, second)
    # 36,000 → 37,000 is +2.8 %, but against the designation's 33,000 it is +12.1 %: full.
    assert found["minor"] is False and "33,000㎡ → 37,000㎡" in found["reasons"][0]["message"]
    with pytest.raises(GuardFailed) as refused:
        signed(ctx, second, "apply_minor_change")
    assert refused.value.unmet[0].basis == "녹색융합클러스터법 시행규칙 제4조제2항제2호"


def test_other_changes_are_full_unless_declared(ctx):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    plan = copy.deepcopy(gumi_plan())
    plan["infrastructure_plan"] += " 공동 물류시설을 추가한다."
    fire(ctx, pid, "record_plan", content=plan, change_reason="기반시설 추가")
    assert _classification(ctx, pid)["minor"] is False
    # A correction is declared field by field, each with the document of the original error (규칙 제4조②5).
    with pytest.raises(GuardFailed) as refused:
        fire(
            ctx, pid, "record_plan", content=plan, change_reason="오기 정정", declared=["착오·오기·누락 정정"]
        )
    assert refused.value.unmet[0].id == "correction_fields_missing"
    evidence = ctx.store.put(b"%PDF-1.7 designation plan as submitted, showing the omission")
    fire(
        ctx,
        pid,
        "record_plan",
        content=plan,
        change_reason="누락 정정",
        corrections=[{"field": "infrastructure_plan", "evidence_sha256": evidence}],
    )
    found = _classification(ctx, pid)
    assert found["minor"] is True
    assert found["reasons"][0]["basis"] == "녹색융합클러스터법 시행규칙 제4조제2항제5호"
    linked = [
        d for d in queries.procedure_status(ctx, pid)["documents"] if d["kind"] == "correction_evidence"
    ]
    assert [d["sha256"] for d in linked] == [evidence]


def test_a_correction_is_minor_whatever_its_size_but_only_with_its_evidence(ctx):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    correction = {"field": "area_m2", "note": "330,000㎡를 33,000㎡로 잘못 적음"}
    plan = {"content": {"area_m2": 330000}, "mode": "merge", "change_reason": "면적 오기 정정"}
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "record_plan", **plan, corrections=[correction])
    unmet = refused.value.unmet[0]
    assert unmet.id == "correction_evidence_missing"
    assert unmet.basis == "녹색융합클러스터법 시행규칙 제4조제2항제5호"
    assert unmet.message.startswith(
        "면적(㎡)의 착오·오기·누락 정정에는 원래의 착오·오기·누락을 보여 주는 문서"
    )
    evidence = ctx.store.put(b"%PDF-1.7 survey showing 330,000 square metres")
    fire(ctx, pid, "record_plan", **plan, corrections=[correction | {"evidence_sha256": evidence}])
    found = _classification(ctx, pid)
    assert found["minor"] is True and "총면적 33,000㎡ → 330,000㎡" in found["reasons"][0]["message"]
    assert signed(ctx, pid, "apply_minor_change").to_state == "changed"


def test_a_districts_declaration_needs_its_basis(ctx):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    plan = {
        "content": {"location_detail": "구미 국가산업단지 제4단지 (산동읍) 일원"},
        "mode": "merge",
        "change_reason": "읍 명칭 변경",
        "declared": ["행정구역 변경"],
    }
    with pytest.raises(GuardFailed) as refused:
        fire(ctx, pid, "record_plan", **plan)
    assert refused.value.unmet[0].id == "districts_basis_missing"
    fire(ctx, pid, "record_plan", **plan, districts_basis="구미시 읍·면·동 명칭 변경 조례 (예시)")
    found = _classification(ctx, pid)
    assert found["minor"] is True
    assert found["reasons"][0]["basis"] == "녹색융합클러스터법 시행규칙 제4조제2항제4호"


def test_second_open_procedure_on_the_same_cluster_is_refused(ctx):
    cluster, _ = designated_gumi(ctx)
    _open(ctx, "plan_change", cluster)
    with pytest.raises(GuardFailed) as refused:
        _open(ctx, "release", cluster)
    assert refused.value.unmet[0].basis == "운영방침: 클러스터당 진행 중인 절차는 하나"


def test_release_needs_a_ground_and_partial_release_reduces_the_area(ctx):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "release", cluster)
    with pytest.raises(GuardFailed) as refused:
        signed(ctx, pid, "request_governor_opinions")
    assert refused.value.unmet[0].id == "release_ground_missing"
    fire(
        ctx,
        pid,
        "record_release_scope",
        scope="partial",
        ground="decree8_2",
        reason="도로 편입",
        released_area_m2=3000,
    )
    assert queries.plan_version(ctx, None, pid)["content"]["area_m2"] == 30000
    signed(ctx, pid, "request_governor_opinions")
    assert queries.procedure_status(ctx, pid)["state"] == "governor_consultation"


def test_a_corrected_partial_scope_replaces_the_earlier_one(ctx):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "release", cluster)
    scope = {"scope": "partial", "ground": "decree8_2", "reason": "도로 편입"}
    fire(ctx, pid, "record_release_scope", **scope, released_area_m2=3000)
    assert queries.plan_version(ctx, None, pid)["content"]["area_m2"] == 30000
    # Corrected, not added: 33,000 − 5,000, not 30,000 − 5,000 (procedure.md §3).
    fire(
        ctx,
        pid,
        "record_release_scope",
        **scope | {"reason": "도로 편입 (측량 결과 정정)"},
        released_area_m2=5000,
    )
    assert queries.plan_version(ctx, None, pid)["content"]["area_m2"] == 28000
    facts = {(f["kind"], f["subject"]): f["data"] for f in queries.procedure_status(ctx, pid)["facts"]}
    recorded = facts[("release_scope", "")]
    assert recorded["released_area_m2"] + recorded["remaining_area_m2"] == recorded["area_before_m2"] == 33000
    # Measured from the area before the release too: 31,000㎡ of 33,000㎡ may still be released in part.
    fire(ctx, pid, "record_release_scope", **scope, released_area_m2=31000)
    assert queries.plan_version(ctx, None, pid)["content"]["area_m2"] == 2000
    fire(ctx, pid, "record_release_scope", scope="whole", ground="decree8_2", reason="전부 해제로 정정")
    assert queries.plan_version(ctx, None, pid)["content"]["area_m2"] == 33000


def test_change_of_an_undesignated_cluster_is_refused(ctx):
    from gcworkflow import clusters
    from tests.support import cast

    cast(ctx)
    cid = clusters.register_cluster(ctx, actor(CLERK), "생물소재 녹색융합클러스터")
    with pytest.raises(GuardFailed) as refused:
        _open(ctx, "plan_change", cid)
    assert refused.value.unmet[0].id == "cluster_not_designated"


OFFICE = {**SUPPORT_OFFICE, "notice_numbering": "local"}


def _documents(ctx, pid):
    from gcworkflow import automation

    return automation.issue_documents(ctx, pid)


def test_full_change_walks_the_whole_path_with_a_change_notice(ctx):
    from tests.support import designate, to_committee

    ctx.settings = ctx.settings.model_copy(update=OFFICE)
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    plan = gumi_plan() | {"area_m2": 40000}
    to_committee(ctx, pid, plan={"content": plan, "change_reason": "인접 부지 편입"})
    designate(ctx, pid, assess=False)
    status = queries.procedure_status(ctx, pid)
    assert status["state"] == "changed"
    issued = [d for d in status["documents"] if d["direction"] == "issued"]
    assert {d["kind"] for d in issued} == {"change_notice"}
    # The cluster's facts now come from the change.
    from gcworkflow import clusters

    assert clusters.current_facts(ctx, cluster)["area_m2"] == 40000


def test_release_whole_ends_released_and_the_cluster_with_it(ctx):
    from gcworkflow import clusters
    from tests.support import designate, to_committee

    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "release", cluster)
    fire(ctx, pid, "record_release_scope", scope="whole", ground="law12_1", reason="지정 목적 달성 불가")
    to_committee(ctx, pid, draft=False)
    designate(ctx, pid, assess=False)
    assert queries.procedure_status(ctx, pid)["state"] == "released"
    assert clusters.find_cluster(ctx, str(cluster)).status == "released"
    with pytest.raises(GuardFailed):
        _open(ctx, "plan_change", cluster)


BASIC_PLAN = {
    "name": "제2차 녹색융합클러스터 기본계획(2028~2032)",
    "creation_period": {"start_year": 2028, "end_year": 2032},
    "goals": "탄소중립·순환경제 선도 녹색산업 거점 10곳 육성",
    "agglomeration": "권역별 녹색산업 집적과 융복합 촉진",
    "strategy": "실증·사업화 연계 강화와 지역 특화",
    "zones": "기존 산업단지 연계형 구역 지정 원칙",
    "support": "입주기업·전문인력·실증 지원의 원칙",
}


def _open_basic(ctx) -> int:
    from tests.support import cast

    cast(ctx)
    return engine.open_procedure(
        ctx, actor(CLERK), "basic_plan", cluster_id=None, approver=APPROVER
    ).procedure_id


def _basic_plan_minor_change(ctx, minor_ground: str, reason: str) -> int:
    """A basic plan procedure whose plan is recorded as a minor change of the plan in force (``minor_ground``)."""
    pid = _open_basic(ctx)
    fire(
        ctx, pid, "record_plan", content=BASIC_PLAN, change="change", minor_ground=minor_ground, reason=reason
    )
    return pid


def _basic_plan_notice(ctx, pid: int, *, reason: str, purpose: str) -> None:
    """The basic plan's decision (``reason``), then its notice composed (``purpose``, one inspection office) and
    signed."""
    signed(ctx, pid, "decide_designation", reason=reason)
    fire(
        ctx,
        pid,
        "compose_notice",
        designation_date=ctx.clock.today().isoformat(),
        purpose=purpose,
        inspection_places=[{"office": "기후에너지환경부 탈탄소녹색산업혁신과"}],
    )
    signed(ctx, pid, "sign_notice_content")


def test_basic_plan_asks_every_governor(ctx):
    pid = _open_basic(ctx)
    fire(ctx, pid, "record_plan", content=BASIC_PLAN)
    signed(ctx, pid, "request_governor_opinions")
    status = queries.procedure_status(ctx, pid)
    requests = [f for f in status["facts"] if f["kind"] == "consultation_request"]
    assert len(requests) == 17
    with pytest.raises(GuardFailed) as refused:
        signed(ctx, pid, "request_ministry_consultation", ministries=["산업통상부"])
    assert len(refused.value.unmet) == 17 and refused.value.unmet[0].basis == "녹색융합클러스터법 제6조제2항"


def test_basic_plan_minor_change_skips_consultation_but_not_the_notice(ctx):
    pid = _basic_plan_minor_change(ctx, "law_change", "재생에너지법 시행령 개정 반영")
    assert (
        _consultation_refused_then_minor_change(ctx, pid, "basic_plan_change_is_minor")
        == "designation_notice"
    )


def test_basic_plan_in_force_keeps_the_next_plan_and_the_survey_as_deadlines(ctx):
    from datetime import date

    from gcworkflow import deadlines
    from gcworkflow.reference import SIDOS
    from tests.support import SEOUL, advance, meeting, on, one_ministry_agrees_and_refer

    on(ctx, date(2027, 3, 2))
    pid = _open_basic(ctx)
    fire(ctx, pid, "record_plan", content=BASIC_PLAN)
    signed(ctx, pid, "request_governor_opinions")
    advance(ctx, 35)
    for sido in SIDOS:
        fire(
            ctx,
            pid,
            "record_governor_no_reply",
            party=sido.on(ctx.clock.today()).code,
            reason="기한 내 회신 없음",
        )
    one_ministry_agrees_and_refer(ctx, pid)
    meeting(ctx, pid, 1, "원안 의결")
    fire(ctx, pid, "approve")
    _basic_plan_notice(ctx, pid, reason="위원회 의결", purpose="제2차 기본계획 수립")
    fire(ctx, pid, "register_notice_number", number=f"기후에너지환경부고시 제{ctx.clock.today().year}-7호")
    publish_the_notice(ctx, pid, gazette_issue="제1호")
    sent = f"{ctx.clock.today().isoformat()}T09:00:00+09:00"
    for sido in SIDOS:
        fire(
            ctx,
            pid,
            "record_governor_notification",
            "system",
            sido_code=sido.on(ctx.clock.today()).code,
            sent_at=sent,
            channel="문서유통",
            message_id=f"basic-{sido.key}",
        )
    assert fire(ctx, pid, "confirm_notification", "system").to_state == "in_force"
    due = {d["kind"]: d["due_on"] for d in queries.procedure_status(ctx, pid)["deadlines"]}
    assert due["next_basic_plan"] == date(2032, 12, 31)
    assert due["fact_finding_survey"].year == 2032
    # Reminded monthly from a year before.
    ctx.clock.set(date(2032, 1, 5))
    assert deadlines.plan_due_reminders(ctx).reminders >= 1
    assert SEOUL
    # 영 제4조②: five years from the last survey held, whatever the plan did since.
    fire(ctx, pid, "record_survey", held_on="2031-11-20", summary="지역별 집적·융복합 현황 설문·현지조사")
    from sqlalchemy import select

    from gcworkflow.db.models import Deadline

    with ctx.db.read() as session:
        surveys = session.execute(
            select(Deadline.status, Deadline.due_on, Deadline.basis).where(
                Deadline.procedure_id == pid, Deadline.kind == "fact_finding_survey"
            )
        ).all()
    assert sorted((status, due_on) for status, due_on, _ in surveys) == [
        ("met", due["fact_finding_survey"]),
        ("open", date(2036, 11, 20)),
    ]
    assert {basis for *_, basis in surveys} == {"녹색융합클러스터법 시행령 제4조제2항"}


def test_a_procedure_under_way_is_imported_at_its_stage_with_its_history_marked(ctx):
    from gcworkflow import audit, clusters
    from tests.support import ADMIN, cast

    cast(ctx)
    cid = clusters.register_cluster(ctx, actor(CLERK), "태양광 사용후 패널 녹색융합클러스터")
    history = [{"date": "2024-06-12", "action": "조성계획 수립 용역 착수보고회", "by": "해남군"}]
    result = engine.import_procedure(
        ctx,
        actor(ADMIN),
        "designation",
        cluster_id=cid,
        state="drafting",
        clerk=CLERK,
        approver=APPROVER,
        history=history,
        plan=gumi_plan() | {"name": "해남 (예시)"},
        source="2026-11 이관 (종이 기록)",
    )
    events = queries.procedure_events(ctx, result.procedure_id)
    assert [e["trigger"] for e in events] == ["import"] and events[0]["seq"] == 1
    assert events[0]["payload"]["input"]["imported_history"] == history
    assert queries.procedure_status(ctx, result.procedure_id)["plan_version"] == 1
    fire(
        ctx,
        result.procedure_id,
        "record_site_selection",
        announced_on="2023-09-01",
        selected_on="2023-12-01",
        summary="공모 선정 (이관 후 기록)",
    )
    with ctx.db.read() as session:
        assert audit.verify(session).ok
    with pytest.raises(Forbidden):  # only an admin imports
        engine.import_procedure(
            ctx,
            actor(CLERK),
            "designation",
            cluster_id=None,
            state="drafting",
            clerk=CLERK,
            approver=APPROVER,
            history=[],
            source="x",
        )


def test_a_running_procedure_keeps_its_definition_version(ctx, monkeypatch):
    """Editing a definition (a v2) never moves a procedure started under v1: it keeps v1's machine."""
    from dataclasses import replace

    from gcworkflow.procedures import designation, registry
    from tests.support import open_gumi

    first = open_gumi(ctx)
    v2 = replace(
        designation.DEFINITION,
        version=2,
        actions=tuple(a for a in designation.DEFINITION.actions if a.trigger != "record_site_selection"),
    )
    monkeypatch.setitem(registry._DEFINITIONS, ("designation", 2), v2)
    from gcworkflow import clusters

    cid = clusters.register_cluster(ctx, actor(CLERK), "Post-플라스틱 녹색융합클러스터")
    second = _open(ctx, "designation", cid)
    versions = {p["id"]: p["definition_version"] for p in queries.list_procedures(ctx)}
    assert versions == {first: 1, second: 2}
    fire(
        ctx,
        first,
        "record_site_selection",
        announced_on="2021-03-01",
        selected_on="2021-06-01",
        summary="공모",
    )
    with pytest.raises(Exception) as refused:
        fire(
            ctx,
            second,
            "record_site_selection",
            announced_on="2021-03-01",
            selected_on="2021-06-01",
            summary="공모",
        )
    assert "없는 처리" in str(refused.value)


def test_basic_plan_minor_change_is_noticed_and_notified_with_documents(ctx):
    import io

    from pypdf import PdfReader

    from gcworkflow import automation

    ctx.settings = ctx.settings.model_copy(update=OFFICE)
    pid = _basic_plan_minor_change(ctx, "correction", "계획기간 표기 오기 정정")
    signed(ctx, pid, "apply_minor_change")
    _basic_plan_notice(ctx, pid, reason="경미한 변경", purpose="오기 정정")
    (notice,) = automation.issue_documents(ctx, pid).issued
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(ctx.store.get(notice.sha256))).pages)
    assert "제6조제5항" in text and "제2차 녹색융합클러스터 기본계획" in text
    publish_the_notice(ctx, pid, stand_in_pdf=False, gazette_issue="제1호")
    letters = automation.issue_documents(ctx, pid).issued
    assert len(letters) == 17 and {letter.kind for letter in letters} == {"basic_plan_notification"}


def test_minor_change_is_published_when_the_policy_says_so(ctx):
    ctx.settings = ctx.settings.model_copy(update={"minor_change_notice": True})
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    fire(ctx, pid, "record_plan", content={"area_m2": 34000}, mode="merge", change_reason="경계 조정")
    with pytest.raises(GuardFailed) as refused:
        signed(ctx, pid, "apply_minor_change")
    assert refused.value.unmet[0].basis == "운영방침: minor_change_notice"
    assert signed(ctx, pid, "publish_minor_change").to_state == "designation_notice"
    # Published by policy, it stays a minor change: 법 제12조④ 단서 leaves out 제9조, the inspection with it.
    from sqlalchemy import select

    from gcworkflow.db.models import Deadline
    from tests.support import designate

    designate(ctx, pid, assess=False, from_committee=False)
    assert queries.procedure_status(ctx, pid)["state"] == "changed"
    with ctx.db.read() as session:
        kinds = set(session.execute(select(Deadline.kind).where(Deadline.procedure_id == pid)).scalars())
    assert "public_inspection" not in kinds and "governor_notification" in kinds
    notice = next(f for f in queries.procedure_status(ctx, pid)["facts"] if f["kind"] == "notice_content")
    assert "inspection_period" not in notice["data"]


@pytest.mark.parametrize(("delta", "minor"), [(4_900_000_000, True), (4_900_000_001, False)])
def test_cost_boundary_at_exactly_ten_percent(ctx, delta, minor):
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    financing = gumi_plan()["financing"]
    items = [dict(i) for i in financing["items"]]
    items[0]["amount_krw"] += delta
    fire(
        ctx,
        pid,
        "record_plan",
        content={"financing": {"total_cost_krw": financing["total_cost_krw"] + delta, "items": items}},
        mode="merge",
        change_reason="증액",
    )
    assert _classification(ctx, pid)["minor"] is minor


def test_two_procedures_opened_on_one_cluster_at_once(ctx):
    import threading

    cluster, _ = designated_gumi(ctx)
    barrier, outcomes = threading.Barrier(2), []

    def open_one(kind: str) -> None:
        barrier.wait()
        try:
            outcomes.append(_open(ctx, kind, cluster))
        except GuardFailed as error:
            outcomes.append(error)

    threads = [threading.Thread(target=open_one, args=(k,)) for k in ("plan_change", "release")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert sum(isinstance(o, GuardFailed) for o in outcomes) == 1
