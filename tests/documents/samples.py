"""One realistic document of each kind for the 구미 cluster (gcworkflow/demo/gumi_plan.yaml).

The content follows law.md §4.3 (고시) and §5.2 (시행문). Names, numbers, telephone numbers and the street
address are illustrative, as the demo's are, so every sample is marked ``illustrative``. The benchmark
(bench/documents.py) renders these too.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from gcworkflow.canonical import canonical_text
from gcworkflow.demo.cast import data
from gcworkflow.documents import enclosures
from gcworkflow.documents.models import (
    Enclosure,
    Item,
    Letter,
    Line,
    Notice,
    Office,
    Section,
    Signature,
    Table,
)
from gcworkflow.procedures.basic_plan import parse_basic_plan
from gcworkflow.procedures.plan_content import PlanContent, merge_plan, parse_plan
from gcworkflow.procedures.spec import FactRecord, Policy, ProcedureView
from gcworkflow.reference import authority_on, format_letter_number, format_notice_number

LAW = "「녹색융합클러스터의 조성 및 육성에 관한 법률」"
CLUSTER = "첨단 전자산업 자원순환 녹색융합클러스터"
LOCATION = "경상북도 구미시 구미 국가산업단지 제4단지 일원"
GOVERNOR = "경상북도지사"
GOVERNOR_UNIT = "환경정책과장"
DESIGNATED_ON = "2026-10-13"


def office(on: str = "2026-03-05") -> Office:
    """The issuing office on a date: the ministry and its division come from the reference data."""
    authority = authority_on(date.fromisoformat(on))
    return Office(
        ministry=authority.ministry,
        head=authority.head,
        division=authority.division,
        postcode="30103",
        address="세종특별자치시 도움6로 11 정부세종청사 6동",
        homepage="www.me.go.kr",
        phone="044-201-7000",
        fax="044-201-7009",
        email="gcw-demo@korea.kr",
    )


def signatures(on: str, *, reporter: bool = False, substitute: bool = False) -> tuple[Signature, ...]:
    """★ drafter, a reviewer (⊙ when reporting), and the approver's box: 전결 by the 과장 or 대결 by a 서기관."""
    approver = (
        Signature(title="서기관", name="정수아", mark="대결", signed_on=on)
        if substitute
        else Signature(title="과장", name="박서연", mark="전결", signed_on=on)
    )
    return (
        Signature(title="주무관", name="김하늘", mark="★"),
        Signature(title="사무관", name="이도윤", mark="⊙" if reporter else ""),
        approver,
    )


def head_on(on: str) -> str:
    """발신 명의 / the notice's authority on a date (기후에너지환경부장관 from 2025-10-01, 환경부장관 before)."""
    return authority_on(date.fromisoformat(on)).head


def notice_number(serial: int, year: int = 2026) -> str:
    return format_notice_number("기후에너지환경부고시", year, serial)


def inspection_section(on: str) -> Section:
    """관련 자료의 열람 (law.md §4.3 item 6; 법 제9조제4항)."""
    return Section(
        title="관련 자료의 열람",
        lines=(
            Line(label="열람 자료", value="지형도면 및 지번ㆍ지목 현황, 조성계획(요약)"),
            Line(
                label="열람 장소",
                value=(
                    f"{office(on).ministry} {office(on).division}(☎ 044-201-7000), "
                    "경상북도 환경정책과(☎ 054-880-3000), 구미시 기후환경과(☎ 054-480-5000)"
                ),
            ),
            Line(label="열람 기간", value=f"관할 시ㆍ도지사가 통보받은 날부터 14일 이상 ({LAW} 제9조제4항)"),
        ),
    )


def designation_notice(serial: int = 152) -> Notice:
    """지정 고시: the four items of 시행규칙 제3조, then customary items and the inspection (law.md §4.3)."""
    return Notice(
        kind="designation_notice",
        document_title=f"{CLUSTER} 지정 고시",
        date=DESIGNATED_ON,
        number=notice_number(serial),
        authority=head_on(DESIGNATED_ON),
        basis_sentence=(
            f"{LAW} 제9조제1항 및 제3항과 같은 법 시행규칙 제3조에 따라 {CLUSTER}를 다음과 같이 지정하고 "
            "고시합니다."
        ),
        sections=(
            Section(
                title="녹색융합클러스터의 명칭ㆍ위치 및 면적",
                lines=(
                    Line(label="명  칭", value=CLUSTER),
                    Line(
                        label="위  치",
                        value=f"{LOCATION}\n※ 세부 범위는 별첨 지형도 및 지번ㆍ지목 현황에 따름",
                    ),
                    Line(label="면  적", value="33,000㎡"),
                ),
            ),
            Section(
                title="녹색융합클러스터의 지정 목적 및 지정일",
                lines=(
                    Line(
                        label="지정 목적",
                        value=(
                            "폐반도체ㆍ폐전자부품 유가금속 회수 등 전자산업 자원순환 분야 녹색산업의 "
                            "집적ㆍ융복합 촉진 및 연구개발ㆍ실증화 지원"
                        ),
                    ),
                    Line(label="지 정 일", value="2026. 10. 13."),
                ),
            ),
            Section(title="녹색융합클러스터의 조성기간", paragraphs=("2026년 ~ 2028년",)),
            Section(title="녹색융합클러스터의 전문운영기관", paragraphs=("한국환경산업기술원",)),
            Section(
                title="육성 분야 및 주요 시설",
                lines=(
                    Line(
                        label="육성 분야",
                        value=(
                            "폐반도체ㆍ폐전자부품 유가금속 회수, 희소금속 정제 및 재생원료 생산, "
                            "전자산업 공정 부산물 재활용"
                        ),
                    ),
                    Line(label="총사업비", value="490억원(국비 343억원, 지방비 147억원)"),
                ),
                table=Table(
                    columns=("구분", "시설", "비고"),
                    rows=(
                        ("연구개발", "유가금속 회수ㆍ정제 연구동", "신규"),
                        ("인증ㆍ실증", "폐반도체ㆍ폐전자부품 재자원화 실증 플랜트(파일럿 라인)", "신규"),
                        ("인증ㆍ실증", "재생원료 품질 시험ㆍ인증 분석실", "신규"),
                        ("기업지원", "입주기업 지원동(창업보육실, 공용 장비실)", "신규"),
                        ("교육ㆍ훈련", "자원순환 전문인력 교육ㆍ훈련장", "신규"),
                        ("기업지원", "구미 국가산업단지 공동 물류ㆍ폐수처리 시설", "기존 시설 활용"),
                    ),
                ),
            ),
            inspection_section(DESIGNATED_ON),
        ),
        illustrative=True,
    )


def change_notice() -> Notice:
    on = "2027-05-20"
    return Notice(
        kind="change_notice",
        document_title=f"{CLUSTER} 지정 변경 고시",
        date=on,
        number=notice_number(41, 2027),
        authority=head_on(on),
        basis_sentence=(
            f"{LAW} 제12조제1항 및 제4항에 따라 {notice_number(152)}(2026. 10. 13.)로 지정ㆍ고시한 {CLUSTER}의 "
            "지정 내용을 다음과 같이 변경하고 고시합니다."
        ),
        sections=(
            Section(
                title="변경 내용",
                table=Table(
                    columns=("구분", "변경 전", "변경 후"),
                    rows=(
                        ("위치", LOCATION, "경상북도 구미시 구미 국가산업단지 제4단지 및 제5단지 일원"),
                        ("면적", "33,000㎡", "41,500㎡"),
                        ("조성기간", "2026년 ~ 2028년", "2026년 ~ 2029년"),
                    ),
                ),
            ),
            Section(
                title="변경 사유",
                paragraphs=(
                    "실증 플랜트의 처리 용량 확대에 따라 인접한 제5단지 산업용지 8,500㎡를 편입하고, "
                    "기반시설 연장 공사 기간을 반영하여 조성기간을 1년 연장함",
                ),
            ),
            inspection_section(on),
        ),
        illustrative=True,
    )


def release_notice() -> Notice:
    on = "2029-12-10"
    return Notice(
        kind="release_notice",
        document_title=f"{CLUSTER} 지정 일부 해제 고시",
        date=on,
        number=notice_number(88, 2029),
        authority=head_on(on),
        basis_sentence=(
            f"{LAW} 제12조제1항제1호 및 제4항에 따라 {notice_number(152)}(2026. 10. 13.)로 지정ㆍ고시한 "
            f"{CLUSTER}의 지정을 다음과 같이 일부 해제하고 고시합니다."
        ),
        sections=(
            Section(
                title="해제하는 구역",
                lines=(
                    Line(label="명  칭", value=CLUSTER),
                    Line(label="위  치", value="경상북도 구미시 구미 국가산업단지 제5단지 편입 부지"),
                    Line(label="면  적", value="8,500㎡ (해제 후 면적 33,000㎡)"),
                ),
            ),
            Section(
                title="해제 사유",
                paragraphs=(
                    "편입 부지에 예정된 실증 플랜트 증설이 취소되어 해당 부지에 대한 지정 목적을 달성할 수 "
                    "없게 됨",
                ),
            ),
            Section(title="해제일", paragraphs=("2029. 12. 10.",)),
            inspection_section(on),
        ),
        illustrative=True,
    )


def _letter(
    kind: str,
    on: str,
    serial: int,
    subject: str,
    items: tuple[Item, ...],
    attachments: tuple[str, ...] = (),
    **extra: object,
) -> Letter:
    the_office = office(on)
    fields: dict[str, object] = {
        "recipient": GOVERNOR,
        "recipient_unit": GOVERNOR_UNIT,
        "signatures": signatures(on),
        **extra,
    }
    return Letter(
        kind=kind,  # type: ignore[arg-type]
        document_title=subject,
        date=on,
        office=the_office,
        subject=subject,
        items=items,
        attachments=attachments,
        enforcement_number=format_letter_number(the_office.division, serial),
        illustrative=True,
        **fields,  # type: ignore[arg-type]
    )


def opinion_request() -> Letter:
    return _letter(
        "opinion_request",
        "2026-03-05",
        1234,
        f"{CLUSTER} 조성계획에 대한 의견 조회",
        (
            Item(text=f"관련: {LAW} 제9조제1항"),
            Item(
                text=(
                    f"우리 부는 구미 국가산업단지 제4단지 일원(33,000㎡)에 {CLUSTER}를 조성하기 위하여 "
                    "조성계획을 붙임과 같이 수립하였습니다."
                )
            ),
            Item(
                text=(
                    "같은 법 제9조제1항에 따라 조성계획에 대한 귀 도의 의견을 듣고자 하오니, 다음 사항을 "
                    "검토하시어 2026. 4. 6.(월)까지 회신하여 주시기 바랍니다."
                ),
                children=(
                    Item(text="조성계획과 제1차 녹색융합클러스터 기본계획(2023~2027)의 부합성"),
                    Item(
                        text="부지 제공, 기반시설 확보 및 지방비 분담(147억원) 계획",
                        children=(
                            Item(text="진입도로ㆍ용수ㆍ전력ㆍ통신 등 기반시설 연장 계획"),
                            Item(text="연도별 지방비 확보 계획"),
                        ),
                    ),
                    Item(text="입주기업 유치 및 지방자치단체 지원 연계 방안"),
                ),
            ),
        ),
        (f"{CLUSTER} 조성계획(요약) 1부", "조성계획 대상 지역 위치도 1부"),
    )


def consultation_request() -> Letter:
    return _letter(
        "consultation_request",
        "2026-03-09",
        1301,
        f"{CLUSTER} 조성계획에 대한 관계 중앙행정기관 협의 요청",
        (
            Item(text=f"관련: {LAW} 제9조제1항"),
            Item(
                text=(
                    f"우리 부가 수립한 {CLUSTER} 조성계획에 대하여 같은 법 제9조제1항에 따라 협의를 "
                    "요청하오니, 소관 사항에 대한 의견을 2026. 3. 30.(월)까지 회신하여 주시기 바랍니다."
                )
            ),
            Item(text="기한까지 회신이 없는 경우에는 의견이 없는 것으로 보고 처리할 예정임을 알려 드립니다."),
        ),
        (f"{CLUSTER} 조성계획(요약) 1부",),
        recipient="국토교통부장관",
        recipient_unit="산업입지정책과장",
    )


def designation_notification() -> Letter:
    return _letter(
        "designation_notification",
        DESIGNATED_ON,
        2210,
        f"{CLUSTER} 지정 결과 통보",
        (
            Item(text=f"관련: {notice_number(152)}(2026. 10. 13.)"),
            Item(
                text=f"{LAW} 제9조제3항에 따라 {CLUSTER}를 지정ㆍ고시하였기에 그 내용을 붙임과 같이 통보합니다."
            ),
            Item(
                text=(
                    "같은 조 제4항에 따라 그 내용을 14일 이상 주민이 열람할 수 있도록 조치하여 주시고, "
                    "열람 장소와 기간을 우리 부에 알려 주시기 바랍니다."
                )
            ),
        ),
        ("지정 고시문 1부", f"{CLUSTER} 조성계획(요약) 1부"),
        signatures=signatures(DESIGNATED_ON, reporter=True),
        cooperators=(Signature(title="사무관", name="최민준"),),
    )


def change_notification() -> Letter:
    on = "2027-05-20"
    return _letter(
        "change_notification",
        on,
        812,
        f"{CLUSTER} 지정 변경 결과 통보",
        (
            Item(text=f"관련: {notice_number(41, 2027)}(2027. 5. 20.)"),
            Item(
                text=(
                    f"{LAW} 제12조제4항에서 준용하는 같은 법 제9조제3항에 따라 {CLUSTER}의 지정 변경 "
                    "내용을 붙임과 같이 통보하오니, 같은 조 제4항에 따라 14일 이상 주민이 열람할 수 있도록 "
                    "조치하여 주시기 바랍니다."
                )
            ),
        ),
        ("지정 변경 고시문 1부",),
    )


def release_notification() -> Letter:
    on = "2029-12-10"
    return _letter(
        "release_notification",
        on,
        2977,
        f"{CLUSTER} 지정 일부 해제 결과 통보",
        (
            Item(text=f"관련: {notice_number(88, 2029)}(2029. 12. 10.)"),
            Item(
                text=(
                    f"{LAW} 제12조제4항에서 준용하는 같은 법 제9조제3항에 따라 {CLUSTER}의 지정 일부 해제 "
                    "내용을 통보하오니, 같은 조 제4항에 따라 14일 이상 주민이 열람할 수 있도록 조치하여 "
                    "주시기 바랍니다."
                )
            ),
        ),
        signatures=signatures(on, substitute=True),
    )


def pre_rename_letter() -> Letter:
    """A letter dated before 2025-10-01: the office is 환경부 and its head 환경부장관 (law.md §0.2)."""
    on = "2025-09-15"
    return _letter(
        "opinion_request",
        on,
        977,
        "녹색융합클러스터 신규 조성 대상지 실태조사 결과 의견 조회",
        (
            Item(text="관련: 제1차 녹색융합클러스터 기본계획(2023~2027)"),
            Item(
                text="신규 클러스터 실태조사 결과에 대한 귀 도의 의견을 2025. 9. 30.(화)까지 회신하여 주시기 바랍니다."
            ),
        ),
        signatures=signatures(on),
    )


def recipients_letter() -> Letter:
    """One letter to several governors at once (수신자 참조, 시행규칙 제4조제2항제2호나목): the 두문 says
    "수신자 참조", the 수신자 line under the 발신 명의 names them all."""
    on = "2027-03-02"
    return _letter(
        "opinion_request",
        on,
        655,
        "제2차 녹색융합클러스터 기본계획(2028~2032)(안)에 대한 의견 조회",
        (
            Item(text=f"관련: {LAW} 제6조제2항"),
            Item(
                text="제2차 녹색융합클러스터 기본계획(2028~2032)(안)에 대한 귀 기관의 의견을 2027. 4. 1.까지 "
                "회신하여 주시기 바랍니다."
            ),
        ),
        ("기본계획(안) 1부",),
        recipient="수신자 참조",
        recipient_unit=None,
        recipients=("서울특별시장", "부산광역시장", "경상북도지사(환경정책과장)", "전라남도지사"),
    )


# --- 붙임 (enclosures), made by the product's own builders from the demo's plans ---------------------------


def _view(kind: str, plan: object, version: int = 2, **facts: dict) -> ProcedureView:
    """A procedure as the enclosure builders read it; ``facts``: kind → data (subject ""), or kind__subject."""
    on = date(2026, 9, 23)
    records = {}
    for key, value in facts.items():
        fact_kind, _, subject = key.partition("__")
        subject = subject.replace("_", ":")
        records[(fact_kind, subject)] = FactRecord(
            len(records) + 1, fact_kind, subject, canonical_text(value), 1, datetime(2026, 9, 23, tzinfo=UTC)
        )
    return ProcedureView(
        id=1,
        kind=kind,
        state="drafting",
        version=1,
        title=CLUSTER,
        cluster_name=CLUSTER,
        today=on,
        now=datetime(2026, 9, 23, 1, tzinfo=UTC),
        plan=plan,  # type: ignore[arg-type]
        plan_version_no=version,
        plan_sha256="a" * 64,
        facts=records,
        policy=Policy(),
        load_calendar=lambda: None,  # type: ignore[arg-type,return-value]
    )


def _gumi() -> PlanContent:
    return parse_plan(data("gumi_plan.yaml"))


def plan_summary() -> Enclosure:
    return enclosures.matter_enclosure(_view("designation", _gumi()), date(2026, 9, 22), illustrative=True)


def plan_change_table() -> Enclosure:
    before = _gumi()
    after = merge_plan(
        before,
        {
            "area_m2": 36000,
            "location_detail": "구미 국가산업단지 제4단지 및 제5단지 일원",
            "creation_period": {"start_year": 2026, "end_year": 2029},
        },
    )
    view = _view(
        "plan_change",
        after,
        baseline={"current": before.model_dump(mode="json", exclude_none=True)},
        classification={
            "change_reason": "실증 플랜트 처리 용량 확대에 따른 인접 부지 편입과 조성기간 1년 연장",
            "corrections": [],
            "plan_version": 2,
        },
    )
    return enclosures.matter_enclosure(view, date(2027, 3, 2), illustrative=True)


def release_scope() -> Enclosure:
    view = _view(
        "release",
        merge_plan(_gumi(), {"area_m2": 24500}),
        release_scope={
            "scope": "partial",
            "ground": "law12_1",
            "basis": "녹색융합클러스터법 제12조제1항제1호",
            "reason": "편입 부지에 예정된 실증 플랜트 증설이 취소되어 지정 목적을 달성할 수 없게 됨",
            "released_area_m2": 8500,
            "area_before_m2": 33000,
            "remaining_area_m2": 24500,
        },
    )
    return enclosures.matter_enclosure(view, date(2029, 9, 1), illustrative=True)


def basic_plan_summary() -> Enclosure:
    view = _view("basic_plan", parse_basic_plan(data("basic_plan.yaml")), version=1)
    return enclosures.matter_enclosure(view, date(2023, 3, 2), illustrative=True)


def opinion_summary() -> Enclosure:
    view = _view(
        "designation",
        _gumi(),
        consultation_round__governor={
            "round": 1,
            "parties": ["governor:47"],
            "requested_on": "2026-09-23",
            "reply_by": "2026-10-23",
            "plan_version": 2,
        },
        consultation_reply__governor_47={
            "round": 1,
            "received_on": "2026-10-15",
            "summary": "지방비 147억원 분담과 진입도로·용수 기반시설 연장에 이견 없음",
        },
    )
    return enclosures.opinion_summary(view, illustrative=True)


NOTICES = (designation_notice, change_notice, release_notice)
LETTERS = (
    opinion_request,
    consultation_request,
    designation_notification,
    change_notification,
    release_notification,
    recipients_letter,
)
ENCLOSURES = (plan_summary, plan_change_table, release_scope, basic_plan_summary, opinion_summary)
ALL = NOTICES + LETTERS + ENCLOSURES
