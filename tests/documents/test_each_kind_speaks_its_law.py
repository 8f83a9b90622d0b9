"""Each procedure kind speaks its own law (procedure.md §3, issue #13): every document a kind issues — opinion and
consultation letters, the notice, the notification letters — is rendered to PDF and read back. It cites its own
kind's articles and names its own subject, asks for the residents' inspection only where the law does, and says
nothing of another kind's law."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from pypdf import PdfReader

from gcworkflow import automation, engine
from gcworkflow.context import Context
from tests.support import (
    APPROVER,
    CLERK,
    actor,
    committee_approves,
    designated_gumi,
    fire,
    one_ministry_agrees_and_refer,
    publish_the_notice,
    signed,
    through_notice_signoff,
    to_committee,
)
from tests.test_korean import UNRESOLVED
from tests.test_other_kinds import BASIC_PLAN

INSPECTION = "14일 이상 주민이 열람"  # the notification's request to the governor
NOTICE_INSPECTION = "통보받은 날부터 14일 이상"  # the notice's 열람 기간
# A reference to 법 제9조 that is not the 준용 of 제12조④ ("제12조제4항에서 준용하는 제9조제1항").
BARE_ARTICLE_9 = re.compile(r"(?<!준용하는 )제9조제\d항")


def _texts(ctx: Context, issued: list) -> dict[str, list[str]]:
    """The text of every issued document and of each letter's enclosures (붙임), each file once."""
    documents = {d.sha256: d for letter in issued for d in (letter, *letter.enclosures)}
    texts: dict[str, list[str]] = {}
    for document in documents.values():
        reader = PdfReader(io.BytesIO(ctx.store.get(document.sha256)))
        texts.setdefault(document.kind, []).append("\n".join(p.extract_text() for p in reader.pages))
    return texts


def _through_notification(ctx: Context, pid: int, *, assess: bool, issued: list) -> None:
    through_notice_signoff(ctx, pid, assess=assess)
    issued += automation.issue_documents(ctx, pid).issued
    publish_the_notice(ctx, pid, stand_in_pdf=False)
    issued += automation.issue_documents(ctx, pid).issued


def _full_path(ctx: Context, pid: int, *, assess: bool, plan: dict | None = None, draft: bool = True) -> list:
    issued: list = []
    to_committee(ctx, pid, plan=plan, draft=draft)
    issued += automation.issue_documents(ctx, pid).issued
    committee_approves(ctx, pid)
    _through_notification(ctx, pid, assess=assess, issued=issued)
    return issued


def _open(ctx: Context, kind: str, cluster_id: int | None) -> int:
    return engine.open_procedure(
        ctx, actor(CLERK), kind, cluster_id=cluster_id, approver=APPROVER
    ).procedure_id


def designation(ctx: Context) -> list:
    from tests.support import open_gumi

    pid = open_gumi(ctx)
    return _full_path(ctx, pid, assess=True)


def plan_change(ctx: Context) -> list:
    from tests.support import gumi_plan

    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    plan = {"content": gumi_plan() | {"area_m2": 40000}, "change_reason": "인접 부지 편입"}
    return _full_path(ctx, pid, assess=False, plan=plan)


def release(ctx: Context) -> list:
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "release", cluster)
    fire(ctx, pid, "record_release_scope", scope="whole", ground="law12_1", reason="지정 목적 달성 불가")
    return _full_path(ctx, pid, assess=False, draft=False)


def basic_plan(ctx: Context) -> list:
    """Every 시·도지사 is heard (법 제6조②), then the ministries, the committee, the notice and notification."""
    from gcworkflow.reference import SIDOS
    from tests.support import advance, cast

    cast(ctx)
    pid = _open(ctx, "basic_plan", None)
    fire(ctx, pid, "record_plan", content=BASIC_PLAN)
    signed(ctx, pid, "request_governor_opinions")
    advance(ctx, 10)
    for sido in SIDOS:
        code = sido.on(ctx.clock.today()).code
        fire(
            ctx,
            pid,
            "record_governor_opinion",
            sido_code=code,
            received_on=ctx.clock.today().isoformat(),
            summary="이견 없음",
        )
    one_ministry_agrees_and_refer(ctx, pid)
    issued = list(automation.issue_documents(ctx, pid).issued)
    committee_approves(ctx, pid)
    _through_notification(ctx, pid, assess=False, issued=issued)
    return issued


def minor_change_published(ctx: Context) -> list:
    ctx.settings = ctx.settings.model_copy(update={"minor_change_notice": True})
    cluster, _ = designated_gumi(ctx)
    pid = _open(ctx, "plan_change", cluster)
    fire(ctx, pid, "record_plan", content={"area_m2": 34000}, mode="merge", change_reason="경계 조정")
    signed(ctx, pid, "publish_minor_change")
    issued: list = []
    _through_notification(ctx, pid, assess=False, issued=issued)
    return issued


# kind → (walk, what each of its documents must say, what none of them may say)
CASES: dict[str, tuple[Callable[[Context], list], dict[str, tuple[str, ...]], tuple[str, ...]]] = {
    "designation": (
        designation,
        {
            "opinion_request": (
                "관련: 「녹색융합클러스터의 조성 및 육성에 관한 법률」 제9조제1항",
                "수립하였으며",
            ),
            "consultation_request": ("제9조제1항에 따라 붙임과 같이 협의를 요청합니다",),
            "designation_notice": (
                "제9조제1항 및 제3항과 같은 법 시행규칙 제3조에 따라",
                "지정하고 고시합니다",
                NOTICE_INSPECTION,
            ),
            "designation_notification": ("제9조제3항에 따라", "제9조제4항에 따라", INSPECTION),
            "plan_summary": ("조성계획(요약)", "법 제11조제1호", "전문운영기관", "기본계획과의 부합성"),
            "opinion_summary": ("시·도지사 의견 수렴 결과", "법률」 제9조제1항", "관할 시·도지사 1곳"),
        },
        ("제12조", "제6조제", "제N판", "(제1판)"),
    ),
    "plan_change": (
        plan_change,
        {
            "opinion_request": (
                "제12조제4항에서 준용하는 제9조제1항",
                "조성계획을 붙임과 같이 변경하려 하며",
            ),
            "consultation_request": ("조성계획 변경에 대하여", "제12조제4항에서 준용하는 제9조제1항에 따라"),
            "change_notice": ("제12조제1항 및 제4항에 따라", "변경하고 고시합니다", NOTICE_INSPECTION),
            "change_notification": (
                "제12조제4항에서 준용하는 제9조제3항에 따라",
                "제9조제4항에 따라",
                INSPECTION,
            ),
            "plan_change_table": ("조성계획 변경 대비표", "변경 전 변경 후 사유", "33,000㎡ 40,000㎡"),
            "opinion_summary": ("제12조제4항에서 준용하는 제9조제1항",),
        },
        ("수립하였으며", "제6조제"),
    ),
    "release": (
        release,
        {
            "opinion_request": (
                "제12조제1항 및 같은 조 제4항에서 준용하는 제9조제1항",
                "지정을 붙임과 같이 해제하려 하며",
            ),
            "consultation_request": ("지정 해제에 대하여",),
            "release_notice": ("제12조제1항 및 제4항에 따라", "전부 해제하고 고시합니다", NOTICE_INSPECTION),
            "release_notification": ("제12조제4항에서 준용하는 제9조제3항에 따라", "지정 해제", INSPECTION),
            "release_scope": ("해제 대상 및 사유", "전부 해제", "제12조제1항제1호"),
            "opinion_summary": ("제12조제1항 및 같은 조 제4항에서 준용하는 제9조제1항",),
        },
        ("수립하였으며", "조성계획을 붙임과", "제6조제"),
    ),
    "basic_plan": (
        basic_plan,
        {
            "opinion_request": (
                "제6조제2항",
                "기본계획(2028~2032)을 붙임과 같이 수립하려 하며",
                "시·도지사의",
            ),
            "consultation_request": ("제6조제2항",),
            "basic_plan_notice": ("제6조제5항에 따라", "수립하여 고시합니다"),
            "basic_plan_notification": ("제6조제5항에 따라", "수립 내용을"),
            "basic_plan_summary": ("기본계획(안)", "주요 내용 (법 제7조)"),
            "opinion_summary": ("제6조제2항", "시·도지사 17곳"),
        },
        ("제9조", "제12조", "조성계획", INSPECTION, NOTICE_INSPECTION, "관할 시·도지사의 의견"),
    ),
    "minor_change_published": (
        minor_change_published,
        {
            "change_notice": ("제4항 단서", "시행규칙 제4조제2항", "변경하고 고시합니다"),
            "change_notification": ("제12조제1항 및 같은 조 제4항 단서에 따라", "경미한 사항"),
            "plan_change_table": ("조성계획 변경 대비표", "33,000㎡ 34,000㎡"),
        },
        ("제9조", INSPECTION, NOTICE_INSPECTION),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_document_of_a_kind_cites_its_own_law(office: Context, case: str) -> None:
    ctx = office
    walk, required, forbidden = CASES[case]
    issued = walk(ctx)
    texts = _texts(ctx, issued)
    assert set(texts) == set(required), f"{case}: issued {sorted(texts)}"
    for kind, phrases in required.items():
        for text in texts[kind]:
            flat = re.sub(r"\s+", " ", text.replace("\u2060", ""))
            for phrase in phrases:
                assert phrase in flat, f"{case} {kind}: '{phrase}' missing in\n{flat[:3000]}"
            for phrase in forbidden:
                assert phrase not in flat, f"{case} {kind}: another kind's '{phrase}' in\n{flat[:3000]}"
            if case != "designation":
                assert not BARE_ARTICLE_9.search(flat), (
                    f"{case} {kind}: 제9조 cited as its own in\n{flat[:3000]}"
                )
            assert not [pair for pair in UNRESOLVED if pair in flat]
    # A release's enclosure names what is released, never a creation plan (procedure.md §3).
    assert all("조성계획" not in text for text in texts.get("release_scope", ()))
