"""`gcw doctor`: the installation checked before it is opened to users (issue 16; the checks are
gcworkflow/doctor/). The operator (no --as) may run it: it only reads, and makes and removes one temporary
file per folder."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated

import typer

from gcworkflow.cli._runtime import EXIT_CHECKS_FAILED, JsonOption, command

if TYPE_CHECKING:
    from gcworkflow.doctor import Finding

# As the operator scans the lines: the status first, in the words of the ministry's own check-lists.
STATUS_WORDS = {"ok": "정상", "warn": "경고", "fail": "실패"}


def doctor(
    cli: typer.Context,
    smtp: Annotated[
        bool,
        typer.Option(
            "--smtp",
            help="메일 서버에 접속해 EHLO(·STARTTLS·로그인)까지 확인합니다 (메일은 보내지 않음). "
            "GCW_MAIL_CHANNEL=smtp이면 늘 합니다.",
        ),
    ] = False,
    prefect: Annotated[
        bool,
        typer.Option(
            "--prefect",
            help="Prefect 서버의 /health를 확인합니다. PREFECT_API_URL이 설정되어 있으면 늘 합니다.",
        ),
    ] = False,
    json_output: JsonOption = False,
) -> None:
    """설치를 점검합니다: 데이터베이스와 스키마, 관리자, 로컬 폴더, 문서 글꼴과 PDF, 사무실·메일 설정, (메일
    서버, Prefect), 감사 체크포인트와 체인 머리, 발송 대기열. 줄마다 정상·경고·실패와 조치를 알립니다.

    실패가 하나라도 있으면 10으로 끝납니다 (경고만 있으면 0)."""
    with command(cli, json_output) as rt:
        from gcworkflow import doctor as checks
        from gcworkflow.cli._runtime import parse_moment
        from gcworkflow.clock import Clock
        from gcworkflow.errors import InvalidInput

        settings, read = checks.settings_from_environment()
        findings = [read]
        if settings is not None:
            clock = Clock()
            try:
                if os.environ.get("GCW_NOW"):
                    clock.set(parse_moment(os.environ["GCW_NOW"]))
            except InvalidInput as exc:
                findings = [checks.Finding("settings", "fail", exc.message, "GCW_NOW를 고치거나 빼십시오.")]
            findings += checks.examine(
                settings,
                clock.now(),
                smtp=smtp,
                prefect=prefect,
                prefect_url=checks.prefect_api_url(settings),
            )
        rt.emit([f.as_dict() for f in findings], lambda: typer.echo(_report(findings)))
        if checks.failed(findings):
            raise typer.Exit(EXIT_CHECKS_FAILED)


def _report(findings: list[Finding]) -> str:
    from gcworkflow.cli._output import width

    label = max(width(f.title) for f in findings)
    lines = []
    for finding in findings:
        head = f"{STATUS_WORDS[finding.status]}  {finding.title}{' ' * (label - width(finding.title))}  "
        message, *more = finding.message.splitlines()
        lines.append(head + message)
        lines += [" " * width(head) + line for line in more]
        if finding.fix:
            lines.append(" " * width(head) + f"조치: {finding.fix}")
    counts = {status: sum(f.status == status for f in findings) for status in STATUS_WORDS}
    lines.append(
        f"정상 {counts['ok']}, 경고 {counts['warn']}, 실패 {counts['fail']}"
        + (" — 실패한 점검의 조치를 먼저 하십시오." if counts["fail"] else "")
    )
    return "\n".join(lines)


def register(root: typer.Typer) -> None:
    root.command("doctor", rich_help_panel="준비")(doctor)
