"""The deadlines the engine keeps (procedure.md §5): the label a clerk reads and the basis each rests on.

Where the article belongs to a procedure kind (the notification and the inspection: 법 제9조③④ for a
designation, 제12조④ for a change or release; the next basic plan), the basis here is None and the kind that
opens the deadline gives its own (``OpenDeadline.basis``, from the kind's ``KindLaw`` or module).
"""

from __future__ import annotations

LAW = "녹색융합클러스터법"

# kind → (label, basis): what a clerk reads in lists and reminders.
KINDS: dict[str, tuple[str, str | None]] = {
    "governor_reply": ("시·도지사 의견 회신 기한", "의견조회 문서에 적은 기한 (법정 기한 없음, 실무)"),
    "ministry_reply": ("관계부처 협의 회신 기한", "협의 요청 문서에 적은 기한 (법정 기한 없음, 실무)"),
    "committee_meeting": ("중앙환경정책위원회 회의일", "환경정책기본법 시행령 제21조"),
    "notice_after_approval": ("심의 의결 후 고시 목표", "운영방침: notice_sla_working_days"),
    "administrative_notice": ("행정예고 기간 종료", "행정절차법 제46조제3항"),
    "governor_notification": ("시·도지사 통보 ('지체 없이')", None),
    "public_inspection": ("주민 열람 (14일 이상)", None),
    "next_basic_plan": ("다음 기본계획 수립", None),
    "fact_finding_survey": ("실태조사", f"{LAW} 시행령 제4조제2항"),
}

# kind → what the clerk should do when reminded (the e-mail says it in these words).
TO_DO: dict[str, str] = {
    "governor_reply": "회신을 받으면 의견을 기록하십시오 (record_governor_opinion). 기한이 지나도 회신이 없으면 "
    "독촉하거나 사유와 함께 '회신 없음'을 기록하십시오 (record_governor_no_reply).",
    "ministry_reply": "회신을 받으면 협의 결과를 기록하십시오 (record_ministry_reply). 이견이면 조치 결과도 "
    "기록해야 위원회에 회부할 수 있습니다. 기한이 지나면 사유와 함께 '회신 없음'을 기록하십시오.",
    "committee_meeting": "회의 결과(출석·표결·의결)를 위원회 간사와 함께 기록하십시오.",
    "notice_after_approval": "장관의 결정(결재), 고시문 작성과 결재, 관보 게재를 마치고 고시하십시오.",
    "administrative_notice": "행정예고 기간에 들어온 의견을 기록하고, 기간이 끝나면 고시문을 결재하십시오.",
    "governor_notification": "결과 통보 시행문을 시·도지사에게 지체 없이 보내십시오. 늦어지면 사유를 "
    "기록해야 합니다.",
    "public_inspection": "관할 시·도지사에게 주민 열람(14일 이상)의 시작·종료일을 확인하여 기록하십시오.",
    "next_basic_plan": "다음 기본계획 수립 절차를 개시하십시오.",
    "fact_finding_survey": "실태조사 계획을 세우십시오.",
}
