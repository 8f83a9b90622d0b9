"""Clusters: the subjects of designation procedures, including those deemed created or designated by
법 부칙 제2조 (registered as such, with their basis and no procedure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.canonical import canonical_text, loads
from gcworkflow.context import Context
from gcworkflow.db.models import Cluster
from gcworkflow.engine import Actor, Principal, act_on_system
from gcworkflow.errors import Conflict, InvalidInput, NotFound
from gcworkflow.inputs import single_line
from gcworkflow.procedures.plan_content import MAX_AREA_M2
from gcworkflow.procedures.spec import Role
from gcworkflow.reference import sido_in_force

DEEMED_BASES = {
    "부칙 제2조제1항": "녹색융합클러스터법 부칙 제2조제1항 (환경산업연구단지 → 조성된 녹색융합클러스터로 봄)",
    "부칙 제2조제2항": "녹색융합클러스터법 부칙 제2조제2항 (조성 중인 환경산업진흥단지 → 지정된 것으로 봄)",
}
REGISTRARS = frozenset({Role.CLERK, Role.ADMIN})


@dataclass(frozen=True)
class ClusterInfo:
    id: int
    name: str
    status: str
    basis: str | None
    designated_on: date | None
    profile: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "basis": self.basis,
            "designated_on": self.designated_on.isoformat() if self.designated_on else None,
            "profile": self.profile,
        }


def _insert(
    session: Session,
    ctx: Context,
    name: str,
    status: str,
    basis: str | None,
    designated_on: date | None,
    profile: dict[str, Any],
) -> Cluster:
    if session.execute(select(Cluster.id).where(Cluster.name == name)).scalar_one_or_none() is not None:
        raise Conflict(f"이미 등록된 클러스터입니다: {name}")
    cluster = Cluster(
        name=name,
        status=status,
        basis=basis,
        designated_on=designated_on,
        profile=canonical_text(profile),
        created_at=ctx.clock.now(),
    )
    session.add(cluster)
    session.flush()
    return cluster


def _checked_name(name: str) -> str:
    """A cluster's name as it is stored: trimmed, one line of visible text (it is printed in every list)."""
    name = single_line(name.strip(), "클러스터 이름")
    if not name:
        raise InvalidInput("클러스터 이름을 적으십시오")
    return name


def checked_profile(profile: dict[str, Any] | None, day: date) -> dict[str, Any]:
    """The profile to store, refused if its 시·도 code (``sido_code``) is not one in use on ``day``.

    ``day`` is the registration date: what is entered now must carry that day's code (강원 is 51 since
    2023-06-11, not 42), so that a code that does not exist, or no longer does, is not stored as if it did. A
    number read from an unquoted YAML value (47) is taken as the code it spells: the clerk wrote the code.
    """
    result = dict(profile or {})
    area = result.get("area_m2")
    if area is not None and (type(area) is not int or not 0 < area <= MAX_AREA_M2):
        raise InvalidInput(
            f"클러스터의 면적(area_m2)은 1부터 {MAX_AREA_M2:,}㎡(국토 면적 약 10만 ㎢)까지의 정수로 적으십시오: {area!r}"
        )
    code = result.get("sido_code")
    if code is None:
        return result
    if isinstance(code, int) and not isinstance(code, bool):
        code = f"{code:02d}"
    try:
        result["sido_code"] = sido_in_force(code, day).code
    except ValueError as exc:
        raise InvalidInput(f"클러스터의 시·도 코드(sido_code)를 확인하십시오: {exc}") from exc
    return result


def register_cluster(ctx: Context, actor: Actor, name: str, profile: dict[str, Any] | None = None) -> int:
    """A planned cluster, the subject of a future designation procedure. Returns the cluster id."""
    name = _checked_name(name)
    profile = checked_profile(profile, ctx.clock.today())
    created: dict[str, int] = {}

    def apply(session: Session, _principal: Principal) -> dict[str, Any]:
        created["id"] = _insert(session, ctx, name, "planned", None, None, profile or {}).id
        return {"cluster": created["id"], "status": "planned"}

    act_on_system(ctx, actor, "register_cluster", {"name": name, "profile": profile or {}}, REGISTRARS, apply)
    return created["id"]


def register_deemed_cluster(
    ctx: Context,
    actor: Actor,
    name: str,
    basis: str,
    profile: dict[str, Any] | None = None,
    effective_on: date | None = None,
) -> int:
    """A cluster deemed created/designated by 법 부칙 제2조: designated, with that basis, without a procedure."""
    if basis not in DEEMED_BASES:
        raise InvalidInput(f"의제 근거는 다음 중 하나여야 합니다: {', '.join(DEEMED_BASES)}")
    name = _checked_name(name)
    # Checked as of the registration, not the deemed date: the profile describes the cluster as it is now.
    profile = checked_profile(profile, ctx.clock.today())
    effective = effective_on or date(2021, 12, 16)  # the Act's commencement (부칙 제1조)
    created: dict[str, int] = {}

    def apply(session: Session, _principal: Principal) -> dict[str, Any]:
        created["id"] = _insert(
            session, ctx, name, "designated", DEEMED_BASES[basis], effective, profile or {}
        ).id
        return {"cluster": created["id"], "status": "designated", "basis": DEEMED_BASES[basis]}

    act_on_system(
        ctx,
        actor,
        "register_deemed_cluster",
        {"name": name, "basis": basis, "effective_on": effective, "profile": profile or {}},
        REGISTRARS,
        apply,
    )
    return created["id"]


def list_clusters(ctx: Context) -> list[ClusterInfo]:
    with ctx.db.read() as session:
        rows = session.execute(select(Cluster).order_by(Cluster.id)).scalars().all()
        return [ClusterInfo(c.id, c.name, c.status, c.basis, c.designated_on, loads(c.profile)) for c in rows]


def find_cluster(ctx: Context, name_or_id: str) -> ClusterInfo:
    for cluster in list_clusters(ctx):
        if str(cluster.id) == name_or_id or cluster.name == name_or_id:
            return cluster
    raise NotFound(f"클러스터가 없습니다: {name_or_id}")


def current_facts(ctx: Context, cluster_id: int) -> dict[str, Any]:
    """What the cluster is now — name, area, creation period, operating institution — derived from its approved
    history (designation, changes, partial releases); a deemed cluster's come from its registration."""
    from gcworkflow.engine import approved_plans

    with ctx.db.read() as session:
        cluster = session.get(Cluster, cluster_id)
        if cluster is None:
            raise NotFound(f"{cluster_id}번 클러스터가 없습니다")
        approved = approved_plans(session, cluster_id)
        profile = loads(cluster.profile)
    plan = approved.current or {}
    return {
        "id": cluster_id,
        "name": plan.get("name", cluster.name),
        "status": cluster.status,
        "area_m2": plan.get("area_m2", profile.get("area_m2")),
        "creation_period": plan.get("creation_period"),
        "operating_institution": (plan.get("operation_plan") or {}).get(
            "operating_institution", profile.get("operating_institution")
        ),
        "from_procedure": approved.current_from,
        "baseline_from_procedure": approved.full_from,
    }
