"""Releasing a designation, whole or in part (지정 해제) — 법 제12조①④, 영 제8조.

A ground is required (법 제12조①1, 영 제8조1 or 2), and a release is never minor: it walks the whole path of
제9조 and ends in ``released`` with a release notice. A partial release reduces the area (a new plan version);
the cluster stays designated with what remains. The scope is recorded once; recording it again corrects it, and
the remaining area is always computed from the area before the release.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gcworkflow.errors import Unmet
from gcworkflow.procedures import paths
from gcworkflow.procedures.change import record_governor_request
from gcworkflow.procedures.common import DECREE, LAW, Payload, Text
from gcworkflow.procedures.kind_law import applying_article_9
from gcworkflow.procedures.spec import (
    Action,
    NewPlanVersion,
    ProcedureView,
    RecordFact,
    Role,
    State,
    Write,
)

RELEASE = f"{LAW} 제12조제1항·제4항"
GROUNDS = {
    "law12_1": f"{LAW} 제12조제1항제1호",  # 지정 목적을 달성할 수 없거나 없을 것이 예상되는 경우
    "decree8_1": f"{DECREE} 제8조제1호",  # 다른 법률에 따른 개발구역으로 지정되어 클러스터로 유지할 필요가 없는 경우
    "decree8_2": f"{DECREE} 제8조제2호",  # 지정 당시 예상하지 못한 사정으로 공익상 해제가 필요한 경우
}


class ReleaseScopePayload(Payload):
    scope: Literal["whole", "partial"] = Field(description="whole 전부 해제 / partial 일부 해제")
    ground: Literal["law12_1", "decree8_1", "decree8_2"] = Field(description="해제 사유의 근거")
    reason: Text = Field(description="해제 사유")
    released_area_m2: int | None = Field(default=None, gt=0, description="일부 해제 면적(㎡)")


def area_before_release(view: ProcedureView) -> int | None:
    """The area the release is measured from: the plan current when the release procedure started (the
    ``baseline`` fact kept at opening, which the notice also prints as "before"), never the plan version a
    previous recording of the scope already reduced."""
    baseline = view.fact("baseline")
    current = baseline.data.get("current") if baseline else None
    if current and current.get("area_m2"):
        return int(current["area_m2"])
    # No baseline (an imported procedure): the first recording kept the area it started from.
    earlier = view.fact("release_scope")
    if earlier is not None and earlier.data.get("area_before_m2"):
        return int(earlier.data["area_before_m2"])
    return getattr(view.plan, "area_m2", None)


def _scope_guard(view: ProcedureView, payload: ReleaseScopePayload) -> list[Unmet]:
    area = area_before_release(view)
    if payload.scope == "partial":
        if payload.released_area_m2 is None:
            return [Unmet("released_area_missing", RELEASE, "일부 해제에는 해제 면적을 적어야 합니다")]
        if area is None or payload.released_area_m2 >= area:
            return [
                Unmet(
                    "released_area_too_large",
                    RELEASE,
                    f"해제 면적({payload.released_area_m2:,}㎡)이 지정 면적({area or 0:,}㎡)보다 작아야 합니다 "
                    "(전부 해제라면 whole)",
                )
            ]
    elif payload.released_area_m2 is not None:
        return [Unmet("released_area_with_whole", RELEASE, "전부 해제에는 해제 면적을 따로 적지 않습니다")]
    return []


def _scope(view: ProcedureView, payload: ReleaseScopePayload) -> list[Write]:
    before = area_before_release(view)
    # A corrected scope replaces the earlier one: the remaining area is always the area before the release
    # minus the scope recorded now, so recording twice never subtracts twice (procedure.md §3), and released
    # plus remaining equals before, as the release notice prints them.
    remaining = before - (payload.released_area_m2 or 0) if before and payload.scope == "partial" else before
    writes: list[Write] = [
        RecordFact(
            "release_scope",
            {
                **payload.model_dump(mode="json"),
                "basis": GROUNDS[payload.ground],
                "area_before_m2": before,
                "remaining_area_m2": remaining if payload.scope == "partial" else None,
            },
        )
    ]
    if view.plan is not None and remaining is not None and view.plan.area_m2 != remaining:
        # A whole release after a partial one puts the area back: what is released is the whole.
        writes.append(
            NewPlanVersion({**view.plan.model_dump(mode="json", exclude_none=True), "area_m2": remaining})
        )
    return writes


def record_release_scope(sources: tuple[str, ...]) -> Action:
    return Action(
        trigger="record_release_scope",
        label="해제 범위와 사유 기록",
        sources=sources,
        dest=None,
        roles=frozenset({Role.CLERK}),
        basis=f"{RELEASE}, {DECREE} 제8조",
        payload=ReleaseScopePayload,
        guards=(_scope_guard,),
        effects=_scope,
    )


def ground_recorded(view: ProcedureView, _payload: object) -> list[Unmet]:
    if view.fact("release_scope") is None:
        return [
            Unmet(
                "release_ground_missing",
                f"{LAW} 제12조제1항, {DECREE} 제8조",
                "해제 사유(법 제12조제1항제1호, 영 제8조제1호·제2호 중 하나)와 범위가 기록되지 않았습니다",
            )
        ]
    return []


# 법 제12조: the Minister may release a designation in whole or in part (① and 영 제8조), by the procedure of
# 제9조 as applied by ④ — never minor.
LAW_OF_RELEASE = applying_article_9(
    LAW,
    subject="지정",
    verb="해제",
    hear_basis=f"{LAW} 제12조제1항, 제12조제4항(제9조제1항 준용)",
    hear_clause="제12조제1항 및 같은 조 제4항에서 준용하는 제9조제1항",
    result="지정 해제",
    attachment="해제 대상 및 사유",
    enclosure="release_scope",
)

PATH = paths.Path(
    law=LAW_OF_RELEASE,
    decision="해제",
    notice_kind="release",
    final=State("released", "해제", RELEASE, final=True),
    cluster_status="released",
    drafting_labels=("해제 계획 작성", "해제 및 관보 고시"),
    request_guards=(ground_recorded,),
    extra_drafting=(
        record_release_scope(("drafting",)),
        record_governor_request(("drafting",), release=True),
    ),
)
DEFINITION = paths.definition(
    PATH,
    "release",
    "녹색융합클러스터 지정 해제",
    RELEASE,
    title_suffix="지정 해제",
    starts_from_baseline=True,
    requires_cluster_status="designated",
)
