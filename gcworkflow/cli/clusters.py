"""`gcw clusters …`: the subjects of designation, including those deemed by 법 부칙 제2조."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from gcworkflow.cli._input import read_mapping
from gcworkflow.cli._output import echo_table, fields
from gcworkflow.cli._runtime import JsonOption, command
from gcworkflow.errors import InvalidInput
from gcworkflow.korean import particle

app = typer.Typer(help="클러스터 (지정 대상, 법 부칙 제2조에 따른 의제 클러스터).", no_args_is_help=True)

STATUS_LABELS = {"planned": "지정 전", "designated": "지정"}

ClusterName = Annotated[str, typer.Argument(metavar="NAME", help="클러스터 명칭")]
SidoOption = Annotated[str | None, typer.Option("--sido", metavar="CODE", help="시·도 코드 (예: 47)")]
SigunguOption = Annotated[str | None, typer.Option("--sigungu", metavar="NAME", help="시·군·구 (예: 구미시)")]
AreaOption = Annotated[int | None, typer.Option("--area", metavar="M2", help="면적 (㎡, 정수)")]
ProfileOption = Annotated[
    Path | None,
    typer.Option("--profile", metavar="FILE", help="현황 항목 (.yaml/.yml/.json); 위 옵션이 우선"),
]


def _profile(
    profile: Path | None, sido: str | None, sigungu: str | None, area: int | None, **more: Any
) -> dict[str, Any]:
    result = read_mapping(profile) if profile else {}
    given = {"sido_code": sido, "sigungu": sigungu, "area_m2": area, **more}
    result.update({k: v for k, v in given.items() if v is not None})
    return result


@app.command("add")
def add(
    cli: typer.Context,
    name: ClusterName,
    sido: SidoOption = None,
    sigungu: SigunguOption = None,
    area: AreaOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """지정 절차의 대상이 될 클러스터를 등록합니다 (담당 주무관·관리자)."""
    with command(cli, json_output) as rt:
        from gcworkflow import clusters

        content = _profile(profile, sido, sigungu, area)
        cluster_id = clusters.register_cluster(rt.ctx, rt.actor(), name, content)
        rt.emit(
            {"id": cluster_id, "name": name, "status": "planned", "profile": content},
            lambda: typer.echo(
                f"클러스터 {cluster_id}번 '{name}'{particle(name, '을')} 등록했습니다 (지정 전)."
            ),
        )


@app.command("register-deemed")
def register_deemed(
    cli: typer.Context,
    name: ClusterName,
    basis: Annotated[
        str, typer.Option("--basis", help="의제 근거: '부칙 제2조제1항' 또는 '부칙 제2조제2항'")
    ],
    effective_on: Annotated[
        str | None,
        typer.Option("--effective-on", metavar="YYYY-MM-DD", help="효력일 (기본: 법 시행일 2021-12-16)"),
    ] = None,
    institution: Annotated[
        str | None, typer.Option("--institution", help="운영기관 (예: 한국환경산업기술원)")
    ] = None,
    sido: SidoOption = None,
    sigungu: SigunguOption = None,
    area: AreaOption = None,
    profile: ProfileOption = None,
    json_output: JsonOption = False,
) -> None:
    """법 부칙 제2조에 따라 조성·지정된 것으로 보는 클러스터를 지정 절차 없이 등록합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import clusters

        try:
            effective = date.fromisoformat(effective_on) if effective_on else None
        except ValueError as exc:
            raise InvalidInput(f"--effective-on은 YYYY-MM-DD 형식이어야 합니다: {effective_on}") from exc
        content = _profile(profile, sido, sigungu, area, operating_institution=institution)
        cluster_id = clusters.register_deemed_cluster(rt.ctx, rt.actor(), name, basis, content, effective)
        info = clusters.find_cluster(rt.ctx, str(cluster_id))
        rt.emit(
            info.as_dict(),
            lambda: typer.echo(
                f"클러스터 {cluster_id}번 '{info.name}'{particle(info.name, '을')} 지정된 것으로 등록했습니다 "
                f"(근거: {info.basis}, 효력일 {info.designated_on})."
            ),
        )


@app.command("list")
def list_(cli: typer.Context, json_output: JsonOption = False) -> None:
    """클러스터 목록."""
    with command(cli, json_output) as rt:
        from gcworkflow import clusters

        rt.require_reader()
        rows = clusters.list_clusters(rt.ctx)
        rt.emit(
            [c.as_dict() for c in rows],
            lambda: echo_table(
                ["번호", "명칭", "상태", "지정일", "근거"],
                [
                    [c.id, c.name, STATUS_LABELS.get(c.status, c.status), c.designated_on, c.basis]
                    for c in rows
                ],
                "등록된 클러스터가 없습니다.",
            ),
        )


@app.command("facts")
def facts(
    cli: typer.Context,
    cluster: Annotated[str, typer.Argument(metavar="NAME_OR_ID", help="클러스터 명칭 또는 번호")],
    json_output: JsonOption = False,
) -> None:
    """클러스터의 현재 사실(면적·조성기간·전문운영기관): 지정·변경·일부 해제의 승인 이력에서 계산합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import clusters

        rt.require_reader()
        data = clusters.current_facts(rt.ctx, clusters.find_cluster(rt.ctx, cluster).id)
        rt.emit(data, lambda: typer.echo(fields([(k, v) for k, v in data.items()])))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="clusters", rich_help_panel="절차")
