"""After the designation (procedure.md §3): a minor change, a full change (법 제12조④: 제9조 준용), a partial
release, a minor change of the basic plan, and a procedure imported from paper records."""

from __future__ import annotations

from datetime import date

from gcworkflow import clusters, contacts, engine, queries
from gcworkflow.demo.cast import ADMIN, CHOI, CONTACTS, GUMI, KIM, LEE, MEETING, MEMBERS, PARK, data
from gcworkflow.demo.narration import Demo
from gcworkflow.engine import Actor
from gcworkflow.reference import SIDOS


def afterwards(demo: Demo) -> None:
    demo.on(date(2026, 11, 2))
    demo.echo("\n■ 지정 이후: 경미한 변경 (규칙 제4조제2항)")
    open_for_gumi(demo, "plan_change", "조성계획 변경 개시 — 측량 결과에 따른 면적 조정")
    demo.act(
        LEE,
        "record_plan",
        {
            "content": {"area_m2": 34500},
            "mode": "merge",
            "change_reason": "지적 측량 결과 반영 (33,000㎡ → 34,500㎡, +4.5%)",
        },
    )
    classification(demo)
    demo.signed(LEE, "apply_minor_change")
    demo.echo("\n■ 전체 절차의 변경 (총사업비 10% 초과)")
    demo.on(date(2026, 11, 16))
    open_for_gumi(demo, "plan_change", "조성계획 변경 개시 — 실증 플랜트 증설")
    plan = queries.plan_version(demo.ctx, None, demo.pid)["content"]
    financing = plan["financing"]
    items = [dict(i) for i in financing["items"]]
    items[0]["amount_krw"] += 7_000_000_000
    demo.act(
        LEE,
        "record_plan",
        {
            "content": {
                "financing": {
                    "total_cost_krw": financing["total_cost_krw"] + 7_000_000_000,
                    "items": items,
                }
            },
            "mode": "merge",
            "change_reason": "재자원화 실증 플랜트 증설 (국비 70억원 증액)",
        },
    )
    classification(demo)
    demo.refused(LEE, "propose", {"trigger": "apply_minor_change", "payload": {}}, "경미한 변경 아님")
    demo.purpose = "재자원화 실증 플랜트 증설에 따른 총사업비 변경"
    full_path(demo, "변경", 21, date(2026, 11, 23))
    demo.echo("\n■ 일부 지정 해제 (영 제8조제2호)")
    demo.on(date(2027, 2, 1))
    open_for_gumi(demo, "release", "지정 일부 해제 개시 — 국도 확장 편입 부지")
    demo.act(
        LEE,
        "record_release_scope",
        {
            "scope": "partial",
            "ground": "decree8_2",
            "released_area_m2": 3000,
            "reason": "국도 확장 사업에 편입되는 부지 (예시)",
        },
    )
    demo.purpose = "국도 확장 사업 편입 부지의 지정 해제 (예시)"
    full_path(demo, "해제", 25, date(2027, 2, 8))
    facts = clusters.current_facts(demo.ctx, clusters.find_cluster(demo.ctx, GUMI).id)
    demo.echo(f"  ✓ {GUMI}: {facts['status']}, 면적 {facts['area_m2']:,}㎡ (승인 이력에서 계산)")
    basic_plan_change(demo)
    demo.echo("\n■ 진행 중이던 절차의 이관 (해남)")
    haenam = "태양광 사용후 패널 녹색융합클러스터"
    imported = engine.import_procedure(
        demo.ctx,
        Actor(ADMIN, "demo"),
        "designation",
        cluster_id=clusters.find_cluster(demo.ctx, haenam).id,
        state="drafting",
        clerk=KIM,
        approver=PARK,
        source="시스템 도입 전 종이 기록 (예시)",
        history=[
            {
                "date": "2024-06-12",
                "action": "조성계획 수립 용역 착수보고회",
                "by": "해남군·기후에너지환경부",
            }
        ],
    )
    demo.echo(
        f"  ✓ {haenam}: {imported.procedure_id}번 절차로 '조성계획 수립' 단계에 이관 (이전 이력은 이관 기록으로)"
    )


def open_for_gumi(demo: Demo, kind: str, note: str) -> int:
    gumi = clusters.find_cluster(demo.ctx, GUMI)
    pid = engine.open_procedure(
        demo.ctx, Actor(LEE, "demo"), kind, cluster_id=gumi.id, approver=PARK
    ).procedure_id
    demo.pid, demo.kind = pid, kind
    demo.echo(f"  ✓ {LEE}: {note} ({pid}번 절차)")
    return pid


def classification(demo: Demo) -> None:
    status = queries.procedure_status(demo.ctx, demo.pid)
    found = next(f["data"] for f in status["facts"] if f["kind"] == "classification")
    demo.echo(f"      분류: {'경미한 변경' if found['minor'] else '전체 절차(제9조 준용)'}")
    for reason in found["reasons"]:
        demo.echo(f"      - {reason['message']} ({reason['basis']})")


def full_path(demo: Demo, decision: str, meeting_no: int, on: date) -> None:
    """Consultations, committee, notice and notification, as the designation did (법 제12조④: 제9조 준용)."""
    demo.on(on)
    demo.signed(LEE, "request_governor_opinions")
    demo.documents("opinion_request")
    demo.on(date.fromordinal(on.toordinal() + 14))
    demo.act(
        LEE,
        "record_governor_opinion",
        {"sido_code": "47", "received_on": demo.ctx.clock.today().isoformat(), "summary": "이견 없음"},
    )
    demo.signed(LEE, "request_ministry_consultation", {"ministries": ["산업통상부"]})
    demo.documents("consultation_request")
    demo.on(date.fromordinal(on.toordinal() + 28))
    demo.act(
        LEE,
        "record_ministry_reply",
        {
            "ministry": "산업통상부",
            "position": "동의",
            "received_on": demo.ctx.clock.today().isoformat(),
            "summary": "동의",
        },
    )
    demo.signed(LEE, "refer_to_committee")
    demo.on(date.fromordinal(on.toordinal() + 42), 14)
    demo.act(
        CHOI,
        "schedule_meeting",
        {
            "meeting_name": MEETING,
            "meeting_no": meeting_no,
            "held_on": demo.ctx.clock.today().isoformat(),
            "agenda_no": "제1호 안건",
        },
    )
    demo.act(
        CHOI,
        "record_attendance",
        {"chair": "위원장", "designated": MEMBERS, "present": MEMBERS[:5], "recusals": []},
    )
    if decision == "변경":
        # The chair votes too (시행령 제21조②): 3 of the 6 present is half, not a majority.
        demo.refused(
            CHOI,
            "record_committee_decision",
            {"decision": "원안 의결", "votes_for": 3, "votes_against": 2, "abstentions": 1},
            "찬성 3표 — 위원장을 포함한 출석 6명의 과반수가 아님",
        )
    demo.act(CHOI, "record_committee_decision", {"decision": "원안 의결", "votes_for": 5})
    demo.act(LEE, "approve")
    demo.on(date.fromordinal(on.toordinal() + 49))
    demo.signed(LEE, "decide_designation", {"reason": f"위원회 원안 의결에 따른 {decision} 결정"})
    publish(demo, decision)


def publish(demo: Demo, decision: str, *, letters: str = "each") -> None:
    """The notice (composed, signed, rendered, in the gazette) and the notification flow; ``letters="one"``: one
    notification letter to every governor (수신자 참조)."""
    demo.act(
        LEE,
        "compose_notice",
        {
            "purpose": demo.purpose,
            "designation_date": demo.ctx.clock.today().isoformat(),
            "inspection_places": [
                {"office": "기후에너지환경부 탈탄소녹색산업혁신과", "phone": "044-201-0000 (예시)"}
            ],
        },
    )
    demo.signed(LEE, "sign_notice_content")
    demo.documents("notice")
    gazette = demo.store(f"관보 게재면 ({decision}, 예시) {demo.ctx.clock.today().isoformat()}")
    demo.act(
        LEE,
        "record_gazette_publication",
        {
            "published_on": demo.ctx.clock.today().isoformat(),
            "gazette_issue": "제2xxxx호 (예시)",
            "page_document_sha256": gazette,
        },
    )
    demo.act(LEE, "publish_notice", {"letters": letters})
    result = demo.flow("notify_governors", procedure_id=demo.pid)
    demo.echo(
        f"  ✓ notify_governors 흐름: 발송 {result['dispatch']['sent']}건, 결과: {result['outcome'].get(demo.pid)}"
    )


def basic_plan_change(demo: Demo) -> None:
    """A minor change of the basic plan (법 제6조④ 단서, 규칙 제2조제1호): no consultation and no committee,
    but the notice and the notification of every 시·도지사 (법 제6조⑤) — and no residents' inspection."""
    demo.echo("\n■ 기본계획의 경미한 변경 (법 제6조제4항 단서, 규칙 제2조제1호)")
    demo.on(date(2027, 3, 2))
    for sido in SIDOS:
        code = sido.on(demo.ctx.clock.today()).code
        if f"governor:{code}" not in CONTACTS:
            contacts.set_contact(
                demo.ctx, Actor(ADMIN, "demo"), f"governor:{code}", f"green-{code}@sido.example.kr"
            )
    demo.pid = engine.open_procedure(
        demo.ctx, Actor(LEE, "demo"), "basic_plan", cluster_id=None, approver=PARK
    ).procedure_id
    demo.kind = "basic_plan"
    demo.echo(f"  ✓ {LEE}: 기본계획 변경 개시 ({demo.pid}번 절차)")
    demo.act(
        LEE,
        "record_plan",
        {
            "content": data("basic_plan.yaml"),
            "change": "change",
            "minor_ground": "law_change",
            "reason": "「정부조직법」 개정(2025. 10. 1.)에 따라 주관 부처 명칭을 기후에너지환경부로 바꿈",
        },
    )
    demo.signed(LEE, "apply_minor_change")
    demo.signed(LEE, "decide_designation", {"reason": "부처 명칭 변경을 반영하는 경미한 변경"})
    demo.purpose = "「정부조직법」 개정에 따른 주관 부처 명칭 변경 반영 (경미한 변경)"
    # Seventeen 시·도지사, one letter: "수신 수신자 참조" and the 수신자 line (시행규칙 제4조제2항제2호나목).
    publish(demo, "기본계획 변경", letters="one")
