"""The deadlines the engine keeps (procedure.md §5): the label a clerk reads and the basis each rests on."""

from __future__ import annotations

LAW = "녹색융합클러스터법"

# kind → (label, basis): what a clerk reads in lists and reminders.
KINDS: dict[str, tuple[str, str]] = {
    "governor_reply": ("시·도지사 의견 회신 기한", "의견조회 문서에 적은 기한 (법정 기한 없음, 실무)"),
    "ministry_reply": ("관계부처 협의 회신 기한", "협의 요청 문서에 적은 기한 (법정 기한 없음, 실무)"),
    "committee_meeting": ("중앙환경정책위원회 회의일", "환경정책기본법 시행령 제21조"),
    "notice_after_approval": ("심의 의결 후 지정 고시 목표", "운영방침: notice_sla_working_days"),
    "governor_notification": ("시·도지사 통보 ('지체 없이')", f"{LAW} 제9조제3항"),
    "public_inspection": ("주민 열람 (14일 이상)", f"{LAW} 제9조제4항"),
    "next_basic_plan": ("다음 기본계획 수립", f"{LAW} 제6조제1항"),
    "fact_finding_survey": ("실태조사", f"{LAW} 시행령 제4조제2항"),
}
