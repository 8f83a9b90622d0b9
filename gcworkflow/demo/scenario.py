"""`gcw demo`: the 구미 첨단 전자산업 자원순환 cluster through the designation procedure, on the engine alone.

The cast is two clerks, an approver and a committee secretary (plus the admin who sets them up). The story runs
on a set clock from February to October 2026 and includes the refusals a clerk meets: an incomplete plan, a
clerk firing an approver's transition, a stale approval, an unresolved objection and a meeting without a
quorum. Notice numbers come from the local series and are illustrative: no real gazette notice exists.
Running it again shows the existing record instead of duplicating it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from datetime import date, datetime
from importlib import resources
from typing import Any

import yaml

from gcworkflow import audit, clusters, contacts, deadlines, engine, people, queries
from gcworkflow.calendar import format_date_ko_weekday
from gcworkflow.clock import SEOUL, to_kst
from gcworkflow.context import Context, load_calendar
from gcworkflow.db.migrate import upgrade
from gcworkflow.engine import Actor, FireResult
from gcworkflow.errors import GcwError
from gcworkflow.local_files import ensure_dir
from gcworkflow.procedures.registry import definition
from gcworkflow.reference import SIDOS
from gcworkflow.settings import get_settings

Echo = Callable[[str], None]

ADMIN, KIM, LEE, PARK, CHOI = "admin", "kim", "lee", "park", "choi"
CAST = (
    (KIM, "김하늘", ["clerk"]),
    (LEE, "이도윤", ["clerk"]),
    (PARK, "박서연", ["approver"]),
    (CHOI, "최민준", ["committee_secretary"]),
)
GUMI = "첨단 전자산업 자원순환 녹색융합클러스터"
MEETING = "중앙환경정책위원회 환경경제분과위원회"
# Illustrative addresses (example.kr): the demo's mail goes to the Maildir under GCW_VAR_DIR, not out.
CONTACTS = {
    "governor:47": "env-policy@gyeongbuk.example.kr",
    "ministry:산업통상부": "industry@motie.example.kr",
    "ministry:국토교통부": "land@molit.example.kr",
    "ministry:고용노동부": "labor@moel.example.kr",
}
# The handling unit a letter's 수신 line names (illustrative).
UNITS = {"governor:47": "환경정책과"}
MEMBERS = ["강위원", "고위원", "남위원", "문위원", "서위원", "오위원", "윤위원"]


def _data(name: str) -> Any:
    return yaml.safe_load(resources.files("gcworkflow.demo").joinpath(name).read_text(encoding="utf-8"))


class Demo:
    def __init__(self, ctx: Context, echo: Echo) -> None:
        self.ctx = ctx
        self.echo = echo
        self.pid = 0
        self.purpose = ""
        self.kind = "designation"
        # One temporary Prefect server for all the demo's flow runs, stopped by close() however the demo ends.
        self.prefect = ExitStack()
        self.prefect_api: str | None = None

    # --- narration ---------------------------------------------------------------------------------

    def on(self, day: date, hour: int = 10) -> None:
        self.ctx.clock.set(datetime(day.year, day.month, day.day, hour, 0, tzinfo=SEOUL))
        self.echo(f"\n── {format_date_ko_weekday(day)}")

    def act(
        self, who: str, trigger: str, payload: Mapping[str, Any] | None = None, note: str = ""
    ) -> FireResult:
        result = engine.fire(
            self.ctx, self.pid, trigger, Actor(who, "demo"), payload or {}, comment=note or None
        )
        label = self.label(payload.get("trigger") if trigger == "propose" and payload else trigger, trigger)
        label = f"{label} 결재 상신" if trigger == "propose" else label
        moved = f" → {self._state(result.to_state)}" if result.to_state != result.from_state else ""
        self.echo(f"  ✓ {who}: {label}{moved}  (판 {result.version})")
        return result

    def signed(
        self, who: str, trigger: str, payload: Mapping[str, Any] | None = None, by: str = PARK
    ) -> FireResult:
        proposal = self.act(who, "propose", {"trigger": trigger, "payload": dict(payload or {})})
        return self.act(by, "approve_proposal", {"proposal_id": proposal.proposal_id})

    def refused(
        self, who: str, trigger: str, payload: Mapping[str, Any] | None = None, why: str = ""
    ) -> None:
        try:
            engine.fire(self.ctx, self.pid, trigger, Actor(who, "demo"), payload or {})
        except GcwError as error:
            self.echo(f"  ✗ {who}: {self.label(trigger)} — 거부됨 [{error.code}] {why}")
            self.echo(f"      {error.message.splitlines()[0]}")
            for unmet in error.unmet[:4]:
                self.echo(f"      - {unmet.message} ({unmet.basis})")
            if len(error.unmet) > 4:
                self.echo(f"      … 외 {len(error.unmet) - 4}건")
            return
        raise AssertionError(f"demo expected a refusal of {trigger}")

    def _state(self, state: str) -> str:
        return definition(self.kind).state(state).label

    def label(self, trigger: str, default: str | None = None) -> str:
        meta = {"propose": "결재 상신", "approve_proposal": "결재 승인", "reject_proposal": "결재 반려"}
        action = definition(self.kind).action(trigger)
        return action.label if action else meta.get(trigger, default or trigger)

    def store(self, text: str) -> str:
        assert self.ctx.store is not None
        return self.ctx.store.put(text.encode("utf-8"))

    # --- the story ----------------------------------------------------------------------------------

    def setup(self) -> None:
        self.on(date(2026, 2, 2), 9)
        people.init_admin(self.ctx, ADMIN, "시스템 관리자", os_user="demo")
        for username, name, roles in CAST:
            people.add_user(
                self.ctx, Actor(ADMIN, "demo"), username, name, roles, email=f"{username}@example.kr"
            )
        for party, email in CONTACTS.items():
            contacts.set_contact(self.ctx, Actor(ADMIN, "demo"), party, email, unit=UNITS.get(party))
        self.echo(f"  ✓ 사용자: {', '.join(f'{n}({u})' for u, n, _ in CAST)}")
        for item in _data("clusters.yaml")["clusters"]:
            profile = {
                k: item[k]
                for k in (
                    "sido_code",
                    "sigungu_name",
                    "sigungu_code",
                    "location_detail",
                    "area_m2",
                    "budget_krw",
                    "status_note",
                    "operating_institution",
                )
            }
            if item["deemed"]:
                clusters.register_deemed_cluster(
                    self.ctx, Actor(ADMIN, "demo"), item["name"], "부칙 제2조제1항", profile
                )
                self.echo(f"  ✓ {item['name']}: 법 부칙 제2조제1항에 따라 지정된 것으로 등록 (절차 없음)")
            else:
                clusters.register_cluster(self.ctx, Actor(KIM, "demo"), item["name"], profile)
        self.echo("  ✓ 기본계획(2023~2027)의 클러스터 6곳을 조성 예정으로 등록")

    def drafting(self) -> None:
        gumi = clusters.find_cluster(self.ctx, GUMI)
        self.pid = engine.open_procedure(
            self.ctx, Actor(KIM, "demo"), "designation", cluster_id=gumi.id, approver=PARK
        ).procedure_id
        self.echo(f"  ✓ {KIM}: {GUMI} 지정 절차 개시 ({self.pid}번, 결재권자 {PARK})")
        plan = _data("gumi_plan.yaml")
        draft = {k: v for k, v in plan.items() if k not in ("financing", "tenant_attraction_plan")}
        self.act(KIM, "record_plan", {"content": draft}, "조성계획 초안")
        self.refused(
            KIM,
            "propose",
            {"trigger": "request_governor_opinions", "payload": {}},
            "초안에 재원조달계획·입주기업 유치계획이 없음",
        )
        self.on(date(2026, 2, 6))
        self.act(KIM, "record_plan", {"content": plan}, "재원조달·입주기업 유치계획 보완")
        self.refused(KIM, "request_governor_opinions", why="결재 사항을 주무관이 직접 실행")
        proposal = self.act(KIM, "propose", {"trigger": "request_governor_opinions", "payload": {}})
        self.act(
            KIM,
            "record_plan",
            {"content": plan | {"location_detail": "구미 국가산업단지 제4단지 확장단지 일원"}},
            "상신 직후 위치 표기 수정",
        )
        self.refused(
            PARK, "approve_proposal", {"proposal_id": proposal.proposal_id}, "상신 뒤 계획이 바뀐 낡은 결재"
        )
        self.on(date(2026, 2, 9))
        self.signed(KIM, "request_governor_opinions")
        self.documents("opinion_request")

    def consultations(self) -> None:
        self.on(date(2026, 3, 5))
        reply = self.store(
            "경상북도 회신: 구미 국가4단지 폐반도체 자원순환 클러스터 조성에 동의하며 지방비 분담 확약"
        )
        self.act(
            KIM,
            "record_governor_opinion",
            {
                "sido_code": "47",
                "received_on": "2026-03-05",
                "summary": "동의, 지방비 147억원 분담 확약",
                "document_sha256": reply,
            },
        )
        self.on(date(2026, 3, 9))
        self.signed(
            KIM, "request_ministry_consultation", {"ministries": ["산업통상부", "국토교통부", "고용노동부"]}
        )
        self.documents("consultation_request")
        self.on(date(2026, 3, 27))
        self.act(
            KIM,
            "record_ministry_reply",
            {
                "ministry": "산업통상부",
                "position": "동의",
                "received_on": "2026-03-26",
                "summary": "반도체 소재 자원순환 정책과 부합",
            },
        )
        self.act(
            KIM,
            "record_ministry_reply",
            {
                "ministry": "국토교통부",
                "position": "이견",
                "received_on": "2026-03-27",
                "summary": "산업단지 기반시설 계획과 중복 여부 재검토 필요",
            },
        )
        self.act(
            KIM,
            "record_ministry_reply",
            {
                "ministry": "고용노동부",
                "position": "의견 없음",
                "received_on": "2026-03-27",
                "summary": "의견 없음",
            },
        )
        self.refused(
            KIM, "propose", {"trigger": "refer_to_committee", "payload": {}}, "국토교통부 이견 미조치"
        )
        self.on(date(2026, 4, 6))
        self.act(
            KIM,
            "resolve_objection",
            {
                "ministry": "국토교통부",
                "resolution": "기반시설 확보계획에 산업단지 공동 기반시설 활용 방안을 반영하기로 협의 완료",
            },
        )
        self.act(ADMIN, "reassign", {"clerk": LEE, "reason": "정기 인사로 담당 주무관 교체"})
        self.signed(LEE, "refer_to_committee")

    def committee(self) -> None:
        self.on(date(2026, 5, 28), 14)
        self.act(
            CHOI,
            "schedule_meeting",
            {"meeting_name": MEETING, "meeting_no": 12, "held_on": "2026-05-28", "agenda_no": "제3호 안건"},
        )
        self.act(
            CHOI,
            "record_attendance",
            {
                "chair": "위원장",
                "designated": MEMBERS,
                "present": MEMBERS[:5],
                "recusals": [{"member": "강위원", "kind": "회피", "reason": "구미전자정보기술원 자문 이력"}],
            },
        )
        self.act(CHOI, "record_committee_decision", {"decision": "보완", "votes_for": 1, "votes_against": 3})
        self.act(LEE, "return_for_revision")
        self.on(date(2026, 6, 15))
        plan = _data("gumi_plan.yaml")
        plan["infrastructure_plan"] += " 산업단지 공동 폐수처리시설 연계 방안을 포함한다."
        self.act(LEE, "record_plan", {"content": plan}, "위원회 보완 요구 반영")
        self.signed(
            LEE,
            "request_governor_opinions",
            {"reuse_previous_round_reason": "기반시설 계획만 보완되어 경상북도 의견에 영향 없음"},
        )
        self.signed(
            LEE,
            "request_ministry_consultation",
            {"reuse_previous_round_reason": "국토교통부 이견 조치 내용을 반영한 보완으로 재협의 불요"},
        )
        self.signed(LEE, "refer_to_committee")
        self.on(date(2026, 7, 23), 14)
        self.act(
            CHOI,
            "schedule_meeting",
            {"meeting_name": MEETING, "meeting_no": 14, "held_on": "2026-07-23", "agenda_no": "제1호 안건"},
        )
        self.act(
            CHOI,
            "record_attendance",
            {"chair": "위원장", "designated": MEMBERS, "present": MEMBERS[:3], "recusals": []},
        )
        self.refused(
            CHOI, "record_committee_decision", {"decision": "원안 의결", "votes_for": 3}, "출석 3명/지명 7명"
        )
        self.act(
            CHOI,
            "record_attendance",
            {"chair": "위원장", "designated": MEMBERS, "present": MEMBERS[:6], "recusals": []},
            "늦게 도착한 위원을 포함해 출석 정정 기록",
        )
        self.act(
            CHOI, "record_committee_decision", {"decision": "원안 의결", "votes_for": 5, "votes_against": 1}
        )
        self.act(LEE, "approve")

    def designation(self) -> None:
        self.on(date(2026, 9, 14))
        self.signed(LEE, "decide_designation", {"reason": "위원회 원안 의결, 지정 요건 검토 결과 충족"})
        for requirement, note in (
            ("law10_1", "제1차 기본계획의 전자산업 자원순환 분야와 부합"),
            ("law10_2", "국가4단지 전자부품 기업 집적, 실증·사업화 연계"),
            ("law10_3", "부지 확보 완료, 실증동·연구동 건립 계획"),
            ("law10_4", "직접 고용 약 300명, 지역 협력사 연계"),
            ("decree6_1", "금오공대 등 전문인력 양성 연계"),
            ("decree6_2", "경상북도 산업발전계획과 연계"),
        ):
            self.act(LEE, "assess_requirement", {"requirement": requirement, "result": "met", "note": note})
        self.act(
            LEE,
            "assess_requirement",
            {
                "requirement": "decree6_3",
                "result": "not_applicable",
                "note": "영 제6조제3호에 따른 장관 고시가 아직 없음",
            },
        )
        self.on(date(2026, 10, 5))
        self.act(
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
        self.signed(LEE, "sign_notice_content")
        status = queries.procedure_status(self.ctx, self.pid)
        number = next(f["data"]["number"] for f in status["facts"] if f["kind"] == "notice_number")
        self.echo(f"      고시 번호 {number} 를 자체 일련번호에서 부여했습니다 (데모용 예시 번호)")
        self.refused(LEE, "publish_notice", why="고시문 PDF·관보 게재 기록 전")
        self.documents("designation_notice")
        self.on(date(2026, 10, 13))
        gazette = self.store("관보 제21234호 (2026. 10. 13.) 게재면 — 예시")
        self.act(
            LEE,
            "record_gazette_publication",
            {
                "published_on": "2026-10-13",
                "gazette_issue": "제21234호 (예시)",
                "page_document_sha256": gazette,
            },
        )
        self.act(LEE, "publish_notice")

    def documents(self, kind: str) -> None:
        """The issue_documents flow, as the schedule would run it right after the action's commit."""
        result = self.flow("issue_documents", procedure_id=self.pid)
        for item in result["issued"]:
            self.echo(f"    ▣ {item['title']} — PDF/A-3b {item['size']:,} B, SHA-256 {item['sha256'][:16]}…")
        for refusal in result["refused"]:
            self.echo(f"    ✗ 문서를 만들지 못함: {refusal}")
        if not result["issued"] and not result["refused"]:
            self.echo(f"    (발행할 {kind} 없음)")
        sent = self.flow("dispatch_outbox")
        self.echo(f"    ✉ dispatch_outbox 흐름: {sent['sent']}건 발송 (Maildir)")

    def flow(self, name: str, **parameters: Any) -> Any:
        from flows.environment import prepare

        prepare(self.ctx.settings)
        from flows.running import prefect_api, run

        if self.prefect_api is None:
            self.prefect_api = self.prefect.enter_context(prefect_api())
        return run(name, heartbeats=False, **parameters)

    def notification(self) -> None:
        self.on(date(2026, 10, 13), 15)
        result = self.flow("notify_governors", procedure_id=self.pid)
        sent = result["dispatch"]
        recorded = ", ".join(result["recorded"].get(self.pid, [])) or "-"
        self.echo(
            f"  ✓ notify_governors 흐름: 발송 {sent['sent']}건 (Maildir), 통보 기록 {recorded}, "
            f"결과: {result['outcome'].get(self.pid)}"
        )
        self.on(date(2026, 10, 14), 0)
        sweep = self.flow("deadline_sweep")
        self.echo(
            f"  ✓ deadline_sweep 흐름: 알림 {sweep['reminders']}건, 경과 보고 {sweep['escalations']}건, "
            f"발송 {sweep['dispatch']['sent']}건, 체크포인트 {'기록' if sweep['checkpoint'] else '오늘 것 있음'}"
        )
        self.on(date(2026, 10, 19))
        self.act(
            LEE,
            "record_inspection",
            {"sido_code": "47", "starts_on": "2026-10-19", "ends_on": "2026-11-02"},
            "경상북도 공고 제2026-1234호 (예시)에 따른 열람",
        )

    # --- after the designation: changes, a partial release, an import (procedure.md §3) ----------------

    def open(self, kind: str, note: str) -> int:
        gumi = clusters.find_cluster(self.ctx, GUMI)
        pid = engine.open_procedure(
            self.ctx, Actor(LEE, "demo"), kind, cluster_id=gumi.id, approver=PARK
        ).procedure_id
        self.pid, self.kind = pid, kind
        self.echo(f"  ✓ {LEE}: {note} ({pid}번 절차)")
        return pid

    def classification(self) -> None:
        status = queries.procedure_status(self.ctx, self.pid)
        found = next(f["data"] for f in status["facts"] if f["kind"] == "classification")
        self.echo(f"      분류: {'경미한 변경' if found['minor'] else '전체 절차(제9조 준용)'}")
        for reason in found["reasons"]:
            self.echo(f"      - {reason['message']} ({reason['basis']})")

    def full_path(self, decision: str, meeting_no: int, on: date) -> None:
        """Consultations, committee, notice and notification, as the designation did (법 제12조④: 제9조 준용)."""
        self.on(on)
        self.signed(LEE, "request_governor_opinions")
        self.documents("opinion_request")
        self.on(date.fromordinal(on.toordinal() + 14))
        self.act(
            LEE,
            "record_governor_opinion",
            {"sido_code": "47", "received_on": self.ctx.clock.today().isoformat(), "summary": "이견 없음"},
        )
        self.signed(LEE, "request_ministry_consultation", {"ministries": ["산업통상부"]})
        self.documents("consultation_request")
        self.on(date.fromordinal(on.toordinal() + 28))
        self.act(
            LEE,
            "record_ministry_reply",
            {
                "ministry": "산업통상부",
                "position": "동의",
                "received_on": self.ctx.clock.today().isoformat(),
                "summary": "동의",
            },
        )
        self.signed(LEE, "refer_to_committee")
        self.on(date.fromordinal(on.toordinal() + 42), 14)
        self.act(
            CHOI,
            "schedule_meeting",
            {
                "meeting_name": MEETING,
                "meeting_no": meeting_no,
                "held_on": self.ctx.clock.today().isoformat(),
                "agenda_no": "제1호 안건",
            },
        )
        self.act(
            CHOI,
            "record_attendance",
            {"chair": "위원장", "designated": MEMBERS, "present": MEMBERS[:5], "recusals": []},
        )
        if decision == "변경":
            # The chair votes too (시행령 제21조②): 3 of the 6 present is half, not a majority.
            self.refused(
                CHOI,
                "record_committee_decision",
                {"decision": "원안 의결", "votes_for": 3, "votes_against": 2, "abstentions": 1},
                "찬성 3표 — 위원장을 포함한 출석 6명의 과반수가 아님",
            )
        self.act(CHOI, "record_committee_decision", {"decision": "원안 의결", "votes_for": 5})
        self.act(LEE, "approve")
        self.on(date.fromordinal(on.toordinal() + 49))
        self.signed(LEE, "decide_designation", {"reason": f"위원회 원안 의결에 따른 {decision} 결정"})
        self.publish(decision)

    def publish(self, decision: str) -> None:
        """The notice (composed, signed, rendered, in the gazette) and the notification flow."""
        self.act(
            LEE,
            "compose_notice",
            {
                "purpose": self.purpose,
                "designation_date": self.ctx.clock.today().isoformat(),
                "inspection_places": [
                    {"office": "기후에너지환경부 탈탄소녹색산업혁신과", "phone": "044-201-0000 (예시)"}
                ],
            },
        )
        self.signed(LEE, "sign_notice_content")
        self.documents("notice")
        gazette = self.store(f"관보 게재면 ({decision}, 예시) {self.ctx.clock.today().isoformat()}")
        self.act(
            LEE,
            "record_gazette_publication",
            {
                "published_on": self.ctx.clock.today().isoformat(),
                "gazette_issue": "제2xxxx호 (예시)",
                "page_document_sha256": gazette,
            },
        )
        self.act(LEE, "publish_notice")
        result = self.flow("notify_governors", procedure_id=self.pid)
        self.echo(
            f"  ✓ notify_governors 흐름: 발송 {result['dispatch']['sent']}건, 결과: {result['outcome'].get(self.pid)}"
        )

    def afterwards(self) -> None:
        self.on(date(2026, 11, 2))
        self.echo("\n■ 지정 이후: 경미한 변경 (규칙 제4조제2항)")
        self.open("plan_change", "조성계획 변경 개시 — 측량 결과에 따른 면적 조정")
        self.act(
            LEE,
            "record_plan",
            {
                "content": {"area_m2": 34500},
                "mode": "merge",
                "change_reason": "지적 측량 결과 반영 (33,000㎡ → 34,500㎡, +4.5%)",
            },
        )
        self.classification()
        self.signed(LEE, "apply_minor_change")
        self.echo("\n■ 전체 절차의 변경 (총사업비 10% 초과)")
        self.on(date(2026, 11, 16))
        self.open("plan_change", "조성계획 변경 개시 — 실증 플랜트 증설")
        plan = queries.plan_version(self.ctx, self.pid)["content"]
        financing = plan["financing"]
        items = [dict(i) for i in financing["items"]]
        items[0]["amount_krw"] += 7_000_000_000
        self.act(
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
        self.classification()
        self.refused(LEE, "propose", {"trigger": "apply_minor_change", "payload": {}}, "경미한 변경 아님")
        self.purpose = "재자원화 실증 플랜트 증설에 따른 총사업비 변경"
        self.full_path("변경", 21, date(2026, 11, 23))
        self.echo("\n■ 일부 지정 해제 (영 제8조제2호)")
        self.on(date(2027, 2, 1))
        self.open("release", "지정 일부 해제 개시 — 국도 확장 편입 부지")
        self.act(
            LEE,
            "record_release_scope",
            {
                "scope": "partial",
                "ground": "decree8_2",
                "released_area_m2": 3000,
                "reason": "국도 확장 사업에 편입되는 부지 (예시)",
            },
        )
        self.purpose = "국도 확장 사업 편입 부지의 지정 해제 (예시)"
        self.full_path("해제", 25, date(2027, 2, 8))
        facts = clusters.current_facts(self.ctx, clusters.find_cluster(self.ctx, GUMI).id)
        self.echo(f"  ✓ {GUMI}: {facts['status']}, 면적 {facts['area_m2']:,}㎡ (승인 이력에서 계산)")
        self.basic_plan_change()
        self.echo("\n■ 진행 중이던 절차의 이관 (해남)")
        haenam = "태양광 사용후 패널 녹색융합클러스터"
        imported = engine.import_procedure(
            self.ctx,
            Actor(ADMIN, "demo"),
            "designation",
            cluster_id=clusters.find_cluster(self.ctx, haenam).id,
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
        self.echo(
            f"  ✓ {haenam}: {imported.procedure_id}번 절차로 '조성계획 수립' 단계에 이관 (이전 이력은 이관 기록으로)"
        )

    def basic_plan_change(self) -> None:
        """A minor change of the basic plan (법 제6조④ 단서, 규칙 제2조제1호): no consultation and no committee,
        but the notice and the notification of every 시·도지사 (법 제6조⑤) — and no residents' inspection."""
        self.echo("\n■ 기본계획의 경미한 변경 (법 제6조제4항 단서, 규칙 제2조제1호)")
        self.on(date(2027, 3, 2))
        for sido in SIDOS:
            code = sido.on(self.ctx.clock.today()).code
            if f"governor:{code}" not in CONTACTS:
                contacts.set_contact(
                    self.ctx, Actor(ADMIN, "demo"), f"governor:{code}", f"green-{code}@sido.example.kr"
                )
        self.pid = engine.open_procedure(
            self.ctx, Actor(LEE, "demo"), "basic_plan", cluster_id=None, approver=PARK
        ).procedure_id
        self.kind = "basic_plan"
        self.echo(f"  ✓ {LEE}: 기본계획 변경 개시 ({self.pid}번 절차)")
        self.act(
            LEE,
            "record_plan",
            {
                "content": _data("basic_plan.yaml"),
                "change": "change",
                "minor_ground": "law_change",
                "reason": "「정부조직법」 개정(2025. 10. 1.)에 따라 주관 부처 명칭을 기후에너지환경부로 바꿈",
            },
        )
        self.signed(LEE, "apply_minor_change")
        self.signed(LEE, "decide_designation", {"reason": "부처 명칭 변경을 반영하는 경미한 변경"})
        self.purpose = "「정부조직법」 개정에 따른 주관 부처 명칭 변경 반영 (경미한 변경)"
        self.publish("기본계획 변경")

    # --- reporting ------------------------------------------------------------------------------------

    def report(self) -> None:
        status = queries.procedure_status(self.ctx, self.pid)
        self.echo(
            f"\n■ {status['title']} ({status['id']}번) — 현재 단계: {status['state_label']}, 판 {status['version']}"
        )
        self.echo(
            f"  담당 {status['clerk']}, 결재권자 {status['approver']}, 조성계획 제{status['plan_version']}판"
        )
        self.echo("\n■ 처리 이력 (감사 사건)")
        for event in queries.history(self.ctx, self.pid):
            moved = (
                f" [{self._state(event['from_state'])} → {self._state(event['to_state'])}]"
                if (event["from_state"] and event["from_state"] != event["to_state"])
                else ""
            )
            label = event["label"]
            if event["trigger"] == "propose":
                label = f"결재 상신: {self.label(event['payload']['trigger'])}"
            self.echo(f"  {event['seq']:>3}. {event['occurred_at_kst']}  {event['actor']:<6} {label}{moved}")
        with self.ctx.db.read() as session:
            waiting = deadlines.open_deadlines(
                session, self.ctx.clock.today(), load_calendar(session), self.pid
            )
        self.echo(f"\n■ 열린 기한 {len(waiting)}건")
        for item in waiting:
            left = item["days_left"]
            when = f"{-left}일 경과" if left < 0 else f"{left}일 남음 (근무일 {item['working_days_left']}일)"
            self.echo(f"  - {item['label']}: {format_date_ko_weekday(item['due_on'])} — {when}")
            self.echo(f"      {item['explanation']} ({item['basis']})")
        first, again = deadlines.plan_due_reminders(self.ctx), deadlines.plan_due_reminders(self.ctx)
        self.echo(
            f"  알림 계획: 담당자 알림 {first.reminders}건, 결재권자 경과 보고 {first.escalations}건을 발송 "
            f"대기열에 올렸습니다 (다시 실행하면 {again.total}건: 중복되지 않습니다)"
        )
        refused = queries.refusals(self.ctx, self.pid)
        self.echo(f"\n■ 거부된 시도 {len(refused)}건 (감사 체인 밖 별도 기록)")
        for item in refused:
            basis = f" ({item['unmet'][0]['basis']})" if item["unmet"] else ""
            self.echo(
                f"  - {item['occurred_at'][:10]} {item['actor']}: {item['trigger']} [{item['code']}]{basis}"
            )
        with self.ctx.db.write() as session:
            report = audit.verify(session, self.ctx.store)
            line = audit.checkpoint_line(
                audit.checkpoint_unless_current(session, "demo", self.ctx.clock.now())
            )
        self.echo(
            f"\n■ 감사 체인 검증: {'이상 없음' if report.ok else '문제 발견'} "
            f"(체인 {report.chains}개, 사건 {report.events}건)"
        )
        self.echo(f"  체크포인트: {line}")
        self.echo(f"\n■ 데이터베이스: {self.ctx.db.describe()}")
        self.echo(f"  문서 저장소: {self.ctx.settings.document_dir.resolve()}")
        self.echo(f"  보낸 메일(Maildir): {self.ctx.settings.maildir.resolve()}")


def _existing(ctx: Context) -> int | None:
    for item in queries.list_procedures(ctx):
        if item["cluster"] == GUMI:
            return int(item["id"])
    return None


# The office block of the letters, where the installation has not configured its own (law.md §5.2: the street
# address of 정부세종청사 6동 is not verified, so these are marked as examples).
DEMO_OFFICE = {
    "office_postcode": "30103",
    "office_address": "세종특별자치시 도움6로 11 정부세종청사 6동 (예시)",
    "office_homepage": "www.me.go.kr (예시)",
    "office_phone": "044-201-0000 (예시)",
    "office_fax": "044-201-0001 (예시)",
    "office_email": "green-cluster@korea.kr (예시)",
}


def run_demo(ctx: Context, echo: Echo) -> None:
    # Before anything is written: a GCW_VAR_DIR that cannot be made is refused here, not halfway through.
    ensure_dir(ctx.settings.var_dir, "로컬 파일 폴더(GCW_VAR_DIR)")
    upgrade(ctx.db.url)
    # The flows build their own context from the environment: the demo's settings go there, so they agree.
    demo_settings = {
        **{k: v for k, v in DEMO_OFFICE.items() if not getattr(ctx.settings, k)},
        "notice_numbering": "local",
        "documents_illustrative": "true",
        "mail_channel": "maildir",
        "database_url": ctx.db.url,
        "var_dir": str(ctx.settings.var_dir.resolve()),
    }
    for key, value in demo_settings.items():
        os.environ[f"GCW_{key.upper()}"] = str(value)
    get_settings.cache_clear()
    ctx.settings = get_settings()
    demo = Demo(ctx, echo)
    existing = _existing(ctx)
    if existing is not None:
        demo.pid = existing
        echo(f"데모 기록이 이미 있습니다 ({ctx.db.describe()}). 새로 만들지 않고 기존 기록을 보여 줍니다.")
        echo("처음부터 다시 보려면 GCW_VAR_DIR 또는 GCW_DATABASE_URL을 새 위치로 지정하십시오.")
        demo.report()
        return
    echo("녹색융합클러스터 지정 절차 데모 — 구미 첨단 전자산업 자원순환 클러스터 (법 제9조)")
    echo("※ 날짜·번호·기관명 일부는 예시입니다. 실제 관보 지정 고시는 아직 없습니다.")
    with demo.prefect:
        demo.setup()
        demo.drafting()
        demo.consultations()
        demo.committee()
        demo.designation()
        demo.notification()
        first = demo.pid
        demo.afterwards()
    demo.pid, demo.kind = first, "designation"
    demo.report()
    when = to_kst(ctx.clock.now()).date()
    echo(f"\n데모 시계: {format_date_ko_weekday(when)} 기준으로 멈춤.")
