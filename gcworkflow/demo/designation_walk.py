"""The demo's first walk: the 구미 cluster's designation (법 제9조) from the first draft to the residents'
inspection, with the refusals a clerk meets on the way — an incomplete plan, a clerk firing an approver's
transition, a stale approval, an unresolved objection and a meeting without a quorum."""

from __future__ import annotations

from datetime import date

from gcworkflow import clusters, engine, queries
from gcworkflow.demo.cast import ADMIN, CHOI, GUMI, KIM, LEE, MEETING, MEMBERS, PARK, data
from gcworkflow.demo.narration import Demo
from gcworkflow.engine import Actor


def drafting(demo: Demo) -> None:
    gumi = clusters.find_cluster(demo.ctx, GUMI)
    demo.pid = engine.open_procedure(
        demo.ctx, Actor(KIM, "demo"), "designation", cluster_id=gumi.id, approver=PARK
    ).procedure_id
    demo.echo(f"  ✓ {KIM}: {GUMI} 지정 절차 개시 ({demo.pid}번, 결재권자 {PARK})")
    plan = data("gumi_plan.yaml")
    draft = {k: v for k, v in plan.items() if k not in ("financing", "tenant_attraction_plan")}
    demo.act(KIM, "record_plan", {"content": draft}, "조성계획 초안")
    demo.refused(
        KIM,
        "propose",
        {"trigger": "request_governor_opinions", "payload": {}},
        "초안에 재원조달계획·입주기업 유치계획이 없음",
    )
    demo.on(date(2026, 2, 6))
    demo.act(KIM, "record_plan", {"content": plan}, "재원조달·입주기업 유치계획 보완")
    demo.refused(KIM, "request_governor_opinions", why="결재 사항을 주무관이 직접 실행")
    proposal = demo.act(KIM, "propose", {"trigger": "request_governor_opinions", "payload": {}})
    demo.act(
        KIM,
        "record_plan",
        {"content": plan | {"location_detail": "구미 국가산업단지 제4단지 확장단지 일원"}},
        "상신 직후 위치 표기 수정",
    )
    demo.refused(
        PARK, "approve_proposal", {"proposal_id": proposal.proposal_id}, "상신 뒤 계획이 바뀐 낡은 결재"
    )
    demo.on(date(2026, 2, 9))
    demo.signed(KIM, "request_governor_opinions")
    demo.documents("opinion_request")


def consultations(demo: Demo) -> None:
    demo.on(date(2026, 3, 5))
    reply = demo.store(
        "경상북도 회신: 구미 국가4단지 폐반도체 자원순환 클러스터 조성에 동의하며 지방비 분담 확약"
    )
    demo.act(
        KIM,
        "record_governor_opinion",
        {
            "sido_code": "47",
            "received_on": "2026-03-05",
            "summary": "동의, 지방비 147억원 분담 확약",
            "document_sha256": reply,
        },
    )
    demo.on(date(2026, 3, 9))
    demo.signed(
        KIM, "request_ministry_consultation", {"ministries": ["산업통상부", "국토교통부", "고용노동부"]}
    )
    demo.documents("consultation_request")
    demo.on(date(2026, 3, 27))
    demo.act(
        KIM,
        "record_ministry_reply",
        {
            "ministry": "산업통상부",
            "position": "동의",
            "received_on": "2026-03-26",
            "summary": "반도체 소재 자원순환 정책과 부합",
        },
    )
    demo.act(
        KIM,
        "record_ministry_reply",
        {
            "ministry": "국토교통부",
            "position": "이견",
            "received_on": "2026-03-27",
            "summary": "산업단지 기반시설 계획과 중복 여부 재검토 필요",
        },
    )
    demo.act(
        KIM,
        "record_ministry_reply",
        {
            "ministry": "고용노동부",
            "position": "의견 없음",
            "received_on": "2026-03-27",
            "summary": "의견 없음",
        },
    )
    demo.refused(KIM, "propose", {"trigger": "refer_to_committee", "payload": {}}, "국토교통부 이견 미조치")
    demo.on(date(2026, 4, 6))
    demo.act(
        KIM,
        "resolve_objection",
        {
            "ministry": "국토교통부",
            "resolution": "기반시설 확보계획에 산업단지 공동 기반시설 활용 방안을 반영하기로 협의 완료",
        },
    )
    demo.act(ADMIN, "reassign", {"clerk": LEE, "reason": "정기 인사로 담당 주무관 교체"})
    demo.signed(LEE, "refer_to_committee")


def committee(demo: Demo) -> None:
    demo.on(date(2026, 5, 28), 14)
    demo.act(
        CHOI,
        "schedule_meeting",
        {"meeting_name": MEETING, "meeting_no": 12, "held_on": "2026-05-28", "agenda_no": "제3호 안건"},
    )
    demo.act(
        CHOI,
        "record_attendance",
        {
            "chair": "위원장",
            "designated": MEMBERS,
            "present": MEMBERS[:5],
            "recusals": [{"member": "강위원", "kind": "회피", "reason": "구미전자정보기술원 자문 이력"}],
        },
    )
    demo.act(CHOI, "record_committee_decision", {"decision": "보완", "votes_for": 1, "votes_against": 3})
    demo.act(LEE, "return_for_revision")
    demo.on(date(2026, 6, 15))
    plan = data("gumi_plan.yaml")
    plan["infrastructure_plan"] += " 산업단지 공동 폐수처리시설 연계 방안을 포함한다."
    demo.act(LEE, "record_plan", {"content": plan}, "위원회 보완 요구 반영")
    demo.signed(
        LEE,
        "request_governor_opinions",
        {"reuse_previous_round_reason": "기반시설 계획만 보완되어 경상북도 의견에 영향 없음"},
    )
    demo.signed(
        LEE,
        "request_ministry_consultation",
        {"reuse_previous_round_reason": "국토교통부 이견 조치 내용을 반영한 보완으로 재협의 불요"},
    )
    demo.signed(LEE, "refer_to_committee")
    demo.on(date(2026, 7, 23), 14)
    demo.act(
        CHOI,
        "schedule_meeting",
        {"meeting_name": MEETING, "meeting_no": 14, "held_on": "2026-07-23", "agenda_no": "제1호 안건"},
    )
    demo.act(
        CHOI,
        "record_attendance",
        {"chair": "위원장", "designated": MEMBERS, "present": MEMBERS[:3], "recusals": []},
    )
    demo.refused(
        CHOI, "record_committee_decision", {"decision": "원안 의결", "votes_for": 3}, "출석 3명/지명 7명"
    )
    demo.act(
        CHOI,
        "record_attendance",
        {"chair": "위원장", "designated": MEMBERS, "present": MEMBERS[:6], "recusals": []},
        "늦게 도착한 위원을 포함해 출석 정정 기록",
    )
    demo.act(CHOI, "record_committee_decision", {"decision": "원안 의결", "votes_for": 5, "votes_against": 1})
    demo.act(LEE, "approve")


def designation(demo: Demo) -> None:
    demo.on(date(2026, 9, 14))
    demo.signed(LEE, "decide_designation", {"reason": "위원회 원안 의결, 지정 요건 검토 결과 충족"})
    for requirement, note in (
        ("law10_1", "제1차 기본계획의 전자산업 자원순환 분야와 부합"),
        ("law10_2", "국가4단지 전자부품 기업 집적, 실증·사업화 연계"),
        ("law10_3", "부지 확보 완료, 실증동·연구동 건립 계획"),
        ("law10_4", "직접 고용 약 300명, 지역 협력사 연계"),
        ("decree6_1", "금오공대 등 전문인력 양성 연계"),
        ("decree6_2", "경상북도 산업발전계획과 연계"),
    ):
        demo.act(LEE, "assess_requirement", {"requirement": requirement, "result": "met", "note": note})
    demo.act(
        LEE,
        "assess_requirement",
        {
            "requirement": "decree6_3",
            "result": "not_applicable",
            "note": "영 제6조제3호에 따른 장관 고시가 아직 없음",
        },
    )
    demo.on(date(2026, 10, 5))
    demo.act(
        LEE,
        "compose_notice",
        {
            "purpose": "첨단 전자산업 폐자원의 자원순환 분야 녹색산업등의 집적·융복합 촉진 및 연구개발·실증화 지원",
            "designation_date": "2026-10-13",
            "inspection_places": [
                {"office": "기후에너지환경부 탈탄소녹색산업혁신과", "phone": "044-201-0000 (예시)"},
                {"office": "경상북도 환경정책과", "phone": "054-880-0000 (예시)"},
            ],
        },
    )
    demo.signed(LEE, "sign_notice_content")
    status = queries.procedure_status(demo.ctx, demo.pid)
    number = next(f["data"]["number"] for f in status["facts"] if f["kind"] == "notice_number")
    demo.echo(f"      고시 번호 {number} 를 자체 일련번호에서 부여했습니다 (데모용 예시 번호)")
    demo.refused(LEE, "publish_notice", why="고시문 PDF·관보 게재 기록 전")
    demo.documents("designation_notice")
    demo.on(date(2026, 10, 13))
    gazette = demo.store("관보 제21234호 (2026. 10. 13.) 게재면 — 예시")
    demo.act(
        LEE,
        "record_gazette_publication",
        {
            "published_on": "2026-10-13",
            "gazette_issue": "제21234호 (예시)",
            "page_document_sha256": gazette,
        },
    )
    demo.act(LEE, "publish_notice")


def notification(demo: Demo) -> None:
    demo.on(date(2026, 10, 13), 15)
    result = demo.flow("notify_governors", procedure_id=demo.pid)
    sent = result["dispatch"]
    recorded = ", ".join(result["recorded"].get(demo.pid, [])) or "-"
    demo.echo(
        f"  ✓ notify_governors 흐름: 발송 {sent['sent']}건 (Maildir), 통보 기록 {recorded}, "
        f"결과: {result['outcome'].get(demo.pid)}"
    )
    demo.on(date(2026, 10, 14), 0)
    sweep = demo.flow("deadline_sweep")
    demo.echo(
        f"  ✓ deadline_sweep 흐름: 알림 {sweep['reminders']}건, 경과 보고 {sweep['escalations']}건, "
        f"발송 {sweep['dispatch']['sent']}건, 체크포인트 {'기록' if sweep['checkpoint'] else '오늘 것 있음'}"
    )
    demo.on(date(2026, 10, 19))
    demo.act(
        LEE,
        "record_inspection",
        {"sido_code": "47", "starts_on": "2026-10-19", "ends_on": "2026-11-02"},
        "경상북도 공고 제2026-1234호 (예시)에 따른 열람",
    )
