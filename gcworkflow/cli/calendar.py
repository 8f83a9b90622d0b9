"""`gcw holidays …` (the override table for 임시공휴일 and corrections) and `gcw period` (the period calculator).

Both read the 관공서 공휴일 calendar the engine uses: the 규정's computed holidays plus the admin's override
table (procedure.md §5). `gcw period` is a calculator clerks and tests use without a database too: it then
says on stderr that the override table was left out, and computes by the rules alone.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.cli._output import echo_table, kst
from gcworkflow.cli._runtime import JsonOption, Runtime, command, describe_url
from gcworkflow.errors import InvalidInput
from gcworkflow.korean import with_particle

if TYPE_CHECKING:
    from gcworkflow.calendar import HolidayCalendar
    from gcworkflow.context import Context

app = typer.Typer(help="관공서 공휴일과 공휴일 조정 (임시공휴일, 정정).", no_args_is_help=True)

DayArgument = Annotated[str, typer.Argument(metavar="YYYY-MM-DD", help="날짜")]
ReasonOption = Annotated[
    str, typer.Option("--reason", help="근거 (예: 국무회의 의결, 관보 공고 번호) 또는 정정 사유")
]

RULES_HELP = (
    "civil(민법 제157조~제161조, 기본), restrictive(행정기본법 제6조제2항: 첫날 산입, 연장 없음), "
    "commencement(행정기본법 제7조: 시행일), backward(N일 전까지: 역산)"
)


def parse_day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidInput(f"{what}에는 YYYY-MM-DD 형식의 날짜를 주십시오: {text!r}") from exc


def _event_effects(ctx: Context, event_id: int) -> dict[str, Any]:
    """What an override edit did, as its audit event records it (the service returns only the event id)."""
    from sqlalchemy import select

    from gcworkflow.canonical import loads
    from gcworkflow.db.models import AuditEvent

    with ctx.db.read() as session:
        payload = session.execute(select(AuditEvent.payload).where(AuditEvent.id == event_id)).scalar_one()
    return loads(payload)["effects"]


def _recomputed_lines(recomputed: list[dict[str, Any]]) -> list[str]:
    """One line per open deadline the new calendar changed: moved, or (a date printed in a letter) flagged."""
    from gcworkflow.calendar import format_date_ko_weekday
    from gcworkflow.procedures.deadline_kinds import KINDS

    if not recomputed:
        return ["다시 계산해 달라진 열린 기한은 없습니다."]
    lines = [f"다시 계산한 열린 기한 {len(recomputed)}건:"]
    for r in recomputed:
        old, new = (format_date_ko_weekday(date.fromisoformat(r[k])) for k in ("old_due", "new_due"))
        label = KINDS[r["kind"]][0] if r["kind"] in KINDS else r["kind"]
        where = f"{r['procedure']}번 절차 " if r["procedure"] is not None else ""
        what = f"  - 기한 #{r['deadline']} {where}{label}"
        if r["moved"]:
            lines.append(f"{what}: {old} → {new}")
        else:
            lines.append(
                f"{what}: 발송한 문서에 적힌 {with_particle(old, '은')} 그대로 두고 표시했습니다 "
                f"(다시 계산하면 {new}; 정정 문서 발송을 검토하십시오)"
            )
    return lines


def _report_edit(
    rt: Runtime, headline: str, event_id: int, effects: dict[str, Any], data: dict[str, Any]
) -> None:
    recomputed = effects["recomputed"]
    rt.emit(
        {**data, "event_id": event_id, "recomputed": recomputed},
        lambda: typer.echo(
            "\n".join([f"{headline} (감사 사건 #{event_id})", *_recomputed_lines(recomputed)])
        ),
    )


@app.command("add")
def add(
    cli: typer.Context,
    day: DayArgument,
    name: Annotated[str, typer.Option("--name", help="공휴일 이름 (예: 임시공휴일)")],
    reason: ReasonOption,
    json_output: JsonOption = False,
) -> None:
    """규정에 없는 공휴일(임시공휴일, 정정)을 지정합니다 (관리자). 열린 기한을 다시 계산합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import holiday_overrides
        from gcworkflow.calendar import format_date_ko_weekday

        when = parse_day(day, "날짜")
        try:
            event_id = holiday_overrides.add_holiday(rt.ctx, rt.actor(), when, name, reason)
        except ValueError as exc:  # a year outside the rules' range
            raise InvalidInput(str(exc)) from exc
        _report_edit(
            rt,
            f"{with_particle(format_date_ko_weekday(when), '을')} 공휴일({name.strip()})로 지정했습니다",
            event_id,
            _event_effects(rt.ctx, event_id),
            {"date": when, "name": name.strip()},
        )


@app.command("remove")
def remove(
    cli: typer.Context, day: DayArgument, reason: ReasonOption, json_output: JsonOption = False
) -> None:
    """공휴일 조정을 지우거나, 규정상 공휴일을 공휴일에서 제외합니다 (정정, 관리자). 열린 기한을 다시 계산합니다."""
    with command(cli, json_output) as rt:
        from gcworkflow import holiday_overrides
        from gcworkflow.calendar import format_date_ko_weekday

        when = parse_day(day, "날짜")
        try:
            event_id = holiday_overrides.remove_holiday(rt.ctx, rt.actor(), when, reason)
        except ValueError as exc:  # a year outside the rules' range
            raise InvalidInput(str(exc)) from exc
        effects = _event_effects(rt.ctx, event_id)
        # The service either deleted an override row or added a "not a holiday" correction; say which.
        if "removed_override" in effects:
            headline = f"{format_date_ko_weekday(when)}의 공휴일 조정({effects['name']})을 지웠습니다"
        else:
            headline = f"{format_date_ko_weekday(when)} {with_particle(effects['name'], '을')} 공휴일에서 제외했습니다 (정정)"
        _report_edit(
            rt,
            headline,
            event_id,
            effects,
            {"date": when, "name": effects["name"], "removed_override": "removed_override" in effects},
        )


@app.command("list")
def list_(
    cli: typer.Context,
    year: Annotated[int | None, typer.Option("--year", help="연도 (기본: 올해)")] = None,
    json_output: JsonOption = False,
) -> None:
    """한 해의 관공서 공휴일(일요일 제외)과 출처(규정/조정), 그리고 그 해의 공휴일 조정 내역."""
    with command(cli, json_output) as rt:
        from sqlalchemy import select

        from gcworkflow import holiday_overrides
        from gcworkflow.calendar import format_date_ko_weekday
        from gcworkflow.calendar.holidays import FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR
        from gcworkflow.canonical import format_instant
        from gcworkflow.context import load_calendar
        from gcworkflow.db.models import HolidayOverride

        rt.require_reader()
        year = year if year is not None else rt.ctx.clock.today().year
        if not FIRST_SUPPORTED_YEAR <= year <= LAST_SUPPORTED_YEAR:
            raise InvalidInput(
                f"{year}년의 공휴일 규칙이 없습니다: --year는 {FIRST_SUPPORTED_YEAR}~{LAST_SUPPORTED_YEAR}년 "
                "사이로 지정하십시오."
            )
        days = holiday_overrides.list_year(rt.ctx, year)
        with rt.ctx.db.read() as session:
            version = load_calendar(session).version
            rows = session.execute(
                select(HolidayOverride)
                .where(HolidayOverride.day.between(date(year, 1, 1), date(year, 12, 31)))
                .order_by(HolidayOverride.day)
            ).scalars()
            overrides = [
                {
                    "date": o.day,
                    "name": o.name,
                    "is_holiday": o.is_holiday,
                    "reason": o.reason,
                    "created_by": o.created_by,
                    "created_at": format_instant(o.created_at),
                }
                for o in rows
            ]
        data = {
            "year": year,
            "calendar_version": version,
            "holidays": [d.as_dict() for d in days],
            "overrides": overrides,
        }

        def render() -> None:
            typer.echo(f"{year}년 관공서 공휴일 {len(days)}일 (일요일 제외; 달력 판 {version})")
            echo_table(
                ["날짜", "이름", "출처"],
                [[format_date_ko_weekday(d.day), d.name, d.source] for d in days],
                "공휴일이 없습니다.",
            )
            if overrides:
                typer.echo(f"\n{year}년 공휴일 조정 {len(overrides)}건")
                echo_table(
                    ["날짜", "구분", "이름", "근거·사유", "입력", "입력 시각(KST)"],
                    [
                        [
                            format_date_ko_weekday(o["date"]),
                            "공휴일 지정" if o["is_holiday"] else "공휴일에서 제외",
                            o["name"],
                            o["reason"],
                            o["created_by"],
                            kst(o["created_at"]),
                        ]
                        for o in overrides
                    ],
                    "",
                )

        rt.emit(data, render)


def _database_calendar(rt: Runtime) -> HolidayCalendar | None:
    """The engine's calendar (rules + override table), or None with the reason on stderr when there is no
    database to read it from: the calculator still answers, by the rules alone."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from gcworkflow.context import load_calendar

    url = rt.settings.resolved_database_url
    parsed = make_url(url)
    cause: str | None = None
    # Connecting to a missing SQLite file would create an empty one, so a calculator run must not try.
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
        cause = "데이터베이스 파일이 없습니다"
    else:
        try:
            with rt.ctx.db.read() as session:
                return load_calendar(session)
        except DBAPIError as exc:  # unreachable, or not migrated (no override table)
            cause = str(exc.orig).strip().splitlines()[0]
    typer.echo(
        f"주의: 공휴일 조정 표를 읽지 못해({describe_url(url)}: {cause}) 관공서 공휴일 규정만으로 "
        "계산했습니다. 임시공휴일은 반영되지 않았습니다.",
        err=True,
    )
    return None


def period(
    cli: typer.Context,
    start: Annotated[
        str, typer.Option("--start", metavar="YYYY-MM-DD", help="기산의 기준이 되는 날 (요청일, 공포일 …)")
    ],
    days: Annotated[int | None, typer.Option("--days", metavar="N", help="기간: N일")] = None,
    weeks: Annotated[int | None, typer.Option("--weeks", metavar="N", help="기간: N주")] = None,
    months: Annotated[int | None, typer.Option("--months", metavar="N", help="기간: N개월")] = None,
    years: Annotated[int | None, typer.Option("--years", metavar="N", help="기간: N년")] = None,
    rule: Annotated[str, typer.Option("--rule", metavar="RULE", help=f"계산 규칙: {RULES_HELP}")] = "civil",
    from_midnight: Annotated[
        bool,
        typer.Option(
            "--from-midnight", help="기간이 오전 0시부터 시작 (민법 제157조 단서: 첫날 산입; civil만)"
        ),
    ] = False,
    label: Annotated[
        str, typer.Option("--label", help="설명에 쓸 기준일의 이름 (예: 요청일, 공포일)")
    ] = "기산일",
    json_output: JsonOption = False,
) -> None:
    """법정 기간을 계산합니다: 만료일(또는 시행일)과 그 계산 설명. --days/--weeks/--months/--years 중 하나."""
    with command(cli, json_output) as rt:
        from gcworkflow.calendar import PeriodRule, PeriodUnit, compute_period

        given = {
            unit: amount
            for unit, amount in (
                (PeriodUnit.DAYS, days),
                (PeriodUnit.WEEKS, weeks),
                (PeriodUnit.MONTHS, months),
                (PeriodUnit.YEARS, years),
            )
            if amount is not None
        }
        if len(given) != 1:
            raise InvalidInput("기간은 --days, --weeks, --months, --years 가운데 정확히 하나로 주십시오")
        ((unit, amount),) = given.items()
        try:
            chosen = PeriodRule(rule)
        except ValueError as exc:
            raise InvalidInput(f"알 수 없는 계산 규칙입니다: {rule!r} ({RULES_HELP})") from exc
        first = parse_day(start, "--start")
        try:
            result = compute_period(
                first,
                amount,
                unit,
                chosen,
                from_midnight=from_midnight,
                calendar=_database_calendar(rt),
                label=label.strip() or "기산일",
            )
        except ValueError as exc:  # a zero or negative period, a year out of range, --from-midnight misused
            raise InvalidInput(str(exc)) from exc
        data = {
            "start": result.start,
            "end": result.end,
            "rule": result.rule.value,
            "explanation": result.explanation,
            "basis": result.basis,
            "unit": result.unit.value,
            "amount": result.amount,
            "unrolled_end": result.unrolled_end,
            "calendar_version": result.calendar_version,
        }
        rt.emit(data, lambda: typer.echo(f"{result.explanation}\n근거: {result.basis}"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="holidays", rich_help_panel="기한·공휴일")
    root.command("period", rich_help_panel="기한·공휴일")(period)
