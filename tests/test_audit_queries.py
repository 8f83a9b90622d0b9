"""Audit queries on a seeded history with known answers: two designation procedures walked through the engine
on dated days (one to `designated` with a postponed and an approving committee meeting, a late notification and
its justification, a notice PDF; one left in consultation and reassigned), two refusals, and the state of every
procedure captured at the end of several days to compare `as_of` with.

The history is built once per database (it takes the engine a few seconds) and only read here; reading
appends to `audit_reads`, which the tests that count reads measure as a difference.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gcworkflow import clusters, engine, queries
from gcworkflow.audit import queries as aq
from gcworkflow.audit.queries import Filters, Page, Reader
from gcworkflow.context import Context
from gcworkflow.db.session import normalise_url
from gcworkflow.errors import Forbidden, GcwError, InvalidInput, NotFound
from gcworkflow.settings import Settings
from tests.conftest import BACKENDS, PG_URL, _admin_engine
from tests.support import (
    ADMIN,
    APPROVER,
    APPROVER2,
    AUDITOR,
    CLERK,
    CLERK2,
    SECRETARY,
    SEOUL,
    actor,
    context_for,
    fire,
    gumi_plan,
    issue_notice_pdf,
    meeting,
    open_gumi,
    signed,
    through_notice_signoff,
)

HAN, PARK = Reader(AUDITOR), Reader(APPROVER)


def at(ctx: Context, day: date, hour: int = 10, minute: int = 0) -> None:
    ctx.clock.set(datetime(day.year, day.month, day.day, hour, minute, tzinfo=SEOUL))


@dataclass
class Seeded:
    ctx: Context
    a: int = 0
    b: int = 0
    snapshots: dict[date, dict[int, str]] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)


def seed(ctx: Context) -> Seeded:
    """A (구미, kim/park): drafting 03-02 → consultation 03-04 → ministries 03-12 → committee 03-19 → 보류 03-26,
    원안 의결 and notice 04-02 (published 15:00) → notified late 04-09 → designated. B (부산, lee/jung): opened
    03-20, consultation 03-23, documents received at 23:30 on 03-31 and 00:30 on 04-01 (KST), reassigned to kim
    04-10. Refused: kim firing an approver's action directly (03-04), and proposing it too early (03-05)."""
    s = Seeded(ctx)

    def snap(day: date) -> None:
        s.snapshots[day] = {p["id"]: p["state"] for p in queries.list_procedures(ctx)}

    at(ctx, date(2026, 3, 2))
    s.a = a = open_gumi(ctx)
    fire(ctx, a, "record_plan", content=gumi_plan())
    snap(date(2026, 3, 2))
    at(ctx, date(2026, 3, 4))
    signed(ctx, a, "request_governor_opinions")
    with pytest.raises(GcwError):
        fire(ctx, a, "request_ministry_consultation", ministries=["산업통상부"])
    at(ctx, date(2026, 3, 5))
    with pytest.raises(GcwError):
        fire(
            ctx, a, "propose", trigger="request_ministry_consultation", payload={"ministries": ["산업통상부"]}
        )
    snap(date(2026, 3, 5))
    at(ctx, date(2026, 3, 12))
    fire(ctx, a, "record_governor_opinion", sido_code="47", received_on="2026-03-12", summary="이견 없음")
    signed(ctx, a, "request_ministry_consultation", ministries=["산업통상부", "국토교통부"])
    at(ctx, date(2026, 3, 19))
    for ministry, position in (("산업통상부", "동의"), ("국토교통부", "조건부 동의")):
        fire(
            ctx,
            a,
            "record_ministry_reply",
            ministry=ministry,
            position=position,
            received_on="2026-03-19",
            summary=position,
        )
    signed(ctx, a, "refer_to_committee")
    snap(date(2026, 3, 19))

    at(ctx, date(2026, 3, 20))
    cluster = clusters.register_cluster(
        ctx, actor(CLERK2), "Post-플라스틱 녹색융합클러스터", {"sido_code": "26", "sigungu": "강서구"}
    )
    s.b = b = engine.open_procedure(
        ctx, actor(CLERK2), "designation", cluster_id=cluster, approver=APPROVER2
    ).procedure_id
    fire(ctx, b, "record_plan", CLERK2, content=gumi_plan())
    at(ctx, date(2026, 3, 23))
    signed(ctx, b, "request_governor_opinions", CLERK2, APPROVER2)
    at(ctx, date(2026, 3, 26))
    meeting(ctx, a, 1, "보류", votes_for=2)
    at(ctx, date(2026, 3, 31), 23, 30)
    night = ctx.store.put("공청회 자료 (3월 31일 밤)".encode())
    s.ids["march_night"] = fire(
        ctx, b, "receive_document", CLERK2, sha256=night, title="공청회 자료", kind="hearing_material"
    ).event_id
    snap(date(2026, 3, 31))
    at(ctx, date(2026, 4, 1), 0, 30)
    dawn = ctx.store.put("공청회 회의록 (4월 1일 새벽)".encode())
    s.ids["april_dawn"] = fire(
        ctx, b, "receive_document", CLERK2, sha256=dawn, title="공청회 회의록", kind="minutes"
    ).event_id
    s.ids["received"] = [night, dawn]

    at(ctx, date(2026, 4, 2))
    meeting(ctx, a, 2, "원안 의결")
    fire(ctx, a, "approve")
    through_notice_signoff(ctx, a)
    fire(ctx, a, "register_notice_number", number="기후에너지환경부고시 제2026-41호")
    s.ids["notice_pdf"] = issue_notice_pdf(ctx, a)
    fire(ctx, a, "record_gazette_publication", published_on="2026-04-02", gazette_issue="제21234호")
    at(ctx, date(2026, 4, 2), 15)
    fire(ctx, a, "publish_notice")
    snap(date(2026, 4, 2))
    at(ctx, date(2026, 4, 9))
    s.ids["late"] = fire(
        ctx,
        a,
        "record_governor_notification",
        sido_code="47",
        sent_at="2026-04-09T09:00:00+09:00",
        channel="문서유통",
        message_id="혁신과-1234",
    ).event_id
    s.ids["justified"] = fire(
        ctx, a, "justify_late_notification", sido_code="47", justification="문서유통시스템 장애"
    ).event_id
    fire(ctx, a, "confirm_notification", "system")
    snap(date(2026, 4, 9))
    at(ctx, date(2026, 4, 10))
    fire(ctx, b, "reassign", ADMIN, clerk=CLERK, reason="인사이동")
    snap(date(2026, 4, 10))
    at(ctx, date(2026, 4, 20))
    return s


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[Seeded]:
    """One seeded database per backend for the whole module (a fresh copy of the migrated template)."""
    folder = tmp_path_factory.mktemp(f"seeded-{request.param}")
    name = None
    if request.param == "sqlite":
        shutil.copyfile(sqlite_template, folder / "gcw.sqlite3")
        url = f"sqlite:///{folder / 'gcw.sqlite3'}"
    else:
        template = request.getfixturevalue("pg_template")
        name = f"{make_url(normalise_url(PG_URL or '')).database}_audit_seed"
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        admin.dispose()
        url = make_url(normalise_url(PG_URL or "")).set(database=name).render_as_string(hide_password=False)
    ctx = context_for(Settings(var_dir=folder / "var", database_url=url))
    yield seed(ctx)
    ctx.db.dispose()
    if name is not None:
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _keys(result: aq.QueryResult, key: str) -> list[Any]:
    return [row[key] for row in result.rows]


# --- the questions ------------------------------------------------------------------------------------------


def test_history_of_one_procedure_with_documents_and_hashes(seeded: Seeded) -> None:
    ctx, a = seeded.ctx, seeded.a
    result = aq.history(ctx, HAN, a, page=Page(None))
    with ctx.db.read() as session:
        stored = session.execute(
            text("SELECT seq, hash FROM audit_events WHERE procedure_id = :p ORDER BY seq"), {"p": a}
        ).all()
    assert [(r["seq"], r["hash"]) for r in result.rows] == [tuple(s) for s in stored]
    assert result.total == len(stored)
    first, last = result.rows[0], result.rows[-1]
    assert (first["trigger"], first["label"], first["to_state"]) == ("open", "절차 개시", "drafting")
    assert first["basis"] == "녹색융합클러스터법 제9조"
    assert (last["trigger"], last["to_state"], last["actor"]) == (
        "confirm_notification",
        "designated",
        "system",
    )
    issued = [r for r in result.rows if r["documents"]]
    assert [(r["trigger"], [d["sha256"] for d in r["documents"]]) for r in issued] == [
        ("document_issued", [seeded.ids["notice_pdf"]])
    ]
    assert issued[0]["documents"][0]["kind"] == "designation_notice"
    approved = next(r for r in result.rows if r["trigger"] == "request_governor_opinions")
    assert approved["proposal"]["proposed_by"] == CLERK and approved["actor"] == APPROVER
    assert approved["stage"] == "조성계획 수립 → 관할 시·도지사 의견수렴"
    second = aq.history(ctx, HAN, a, page=Page(10, 10))
    assert _keys(second, "seq") == list(range(11, 21)) and second.total == len(stored)


def test_every_action_by_one_person_in_a_month_follows_kst_days(seeded: Seeded) -> None:
    ctx = seeded.ctx
    march = aq.actions(ctx, HAN, Filters(actor=CLERK2, since=date(2026, 3, 1), until=date(2026, 3, 31)))
    april = aq.actions(ctx, HAN, Filters(actor=CLERK2, since=date(2026, 4, 1), until=date(2026, 4, 30)))
    # 23:30 KST on 03-31 is 14:30 UTC the same day; 00:30 KST on 04-01 is 15:30 UTC on 03-31.
    assert seeded.ids["march_night"] in _keys(march, "event_id")
    assert _keys(april, "event_id") == [seeded.ids["april_dawn"]]
    assert _keys(march, "trigger") == [
        "register_cluster",
        "open",
        "record_plan",
        "propose",
        "receive_document",
    ]
    assert {r["actor"] for r in march.rows} == {CLERK2}
    times = _keys(march, "occurred_at")
    assert times == sorted(times)
    assert march.rows[-1]["occurred_at_kst"] == "2026-03-31 23:30"


def test_every_committee_decision_in_a_year(seeded: Seeded) -> None:
    ctx = seeded.ctx
    year = aq.decisions(ctx, HAN, Filters(since=date(2026, 1, 1), until=date(2026, 12, 31)))
    assert [(r["decision"], r["votes_for"], r["recorded_by"]) for r in year.rows] == [
        ("보류", 2, SECRETARY),
        ("원안 의결", 5, SECRETARY),
    ]
    assert year.rows[0]["meeting"] == "중앙환경정책위원회 환경경제분과위원회 제1차 (2026-03-26)"
    assert aq.decisions(ctx, HAN, Filters(since=date(2025, 1, 1), until=date(2025, 12, 31))).rows == []
    assert _keys(aq.decisions(ctx, HAN, Filters(outcome="원안 의결")), "decision") == ["원안 의결"]
    assert aq.decisions(ctx, HAN, Filters(outcome="부결")).total == 0
    # The same question through the generic query: committee decisions are an outcome of actions.
    assert aq.actions(ctx, HAN, Filters(outcome="committee_decision")).total == 2
    assert aq.actions(ctx, HAN, Filters(outcome="보류")).total == 1


def test_every_refused_attempt_and_why(seeded: Seeded) -> None:
    ctx, a = seeded.ctx, seeded.a
    result = aq.refusals(ctx, HAN)
    assert [(r["procedure_id"], r["actor"], r["code"]) for r in result.rows] == [
        (a, CLERK, "forbidden"),
        (a, CLERK, "guard_failed"),
    ]
    early = result.rows[1]
    assert early["trigger"] == "propose" and early["stage_then"] == "관할 시·도지사 의견수렴"
    assert [u["id"] for u in early["unmet"]] == ["governor_opinion_missing"]
    assert early["bases"] == "녹색융합클러스터법 제9조제1항"
    assert _keys(aq.refusals(ctx, HAN, Filters(article="법 제9조①")), "code") == ["guard_failed"]
    assert _keys(aq.refusals(ctx, HAN, Filters(outcome="forbidden")), "code") == ["forbidden"]
    assert aq.refusals(ctx, HAN, Filters(state="drafting")).total == 0
    assert aq.actions(ctx, HAN, Filters(outcome="refused")).total == 2


def test_every_late_notification_with_its_justification(seeded: Seeded) -> None:
    ctx = seeded.ctx
    (row,) = aq.late_notifications(ctx, HAN).rows
    assert row["event_id"] == seeded.ids["late"] and row["procedure_id"] == seeded.a
    assert (row["governor"], row["governor_name"]) == ("governor:47", "경상북도지사")
    assert (row["due"], row["sent_at_kst"], row["days_late"]) == ("2026-04-03", "2026-04-09 09:00", 6)
    assert row["justified"] and row["justification"] == "문서유통시스템 장애"
    assert row["justification_event_id"] == seeded.ids["justified"]
    assert aq.late_notifications(ctx, HAN, Filters(outcome="unjustified")).total == 0
    assert aq.late_notifications(ctx, HAN, Filters(since=date(2026, 4, 10))).total == 0


def test_as_of_matches_the_state_captured_at_that_time(seeded: Seeded) -> None:
    ctx = seeded.ctx
    for day, captured in seeded.snapshots.items():
        result = aq.as_of(ctx, HAN, day, page=Page(None))
        assert {r["procedure_id"]: r["state"] for r in result.rows} == captured, day
        assert all(r["continuous"] for r in result.rows)
    assert aq.as_of(ctx, HAN, date(2026, 3, 1)).rows == []
    (b,) = aq.as_of(ctx, HAN, date(2026, 4, 10), Filters(procedure_id=seeded.b)).rows
    assert (b["clerk"], b["approver"]) == (CLERK, APPROVER2)  # the reassignment of that day, replayed
    (b,) = aq.as_of(ctx, HAN, date(2026, 4, 9), Filters(procedure_id=seeded.b)).rows
    assert b["clerk"] == CLERK2
    closed = aq.as_of(ctx, HAN, date(2026, 4, 30), Filters(outcome="closed"))
    assert _keys(closed, "procedure_id") == [seeded.a]
    in_review = aq.as_of(ctx, HAN, date(2026, 3, 31), Filters(state="committee_review"))
    assert _keys(in_review, "procedure_id") == [seeded.a]


def test_as_of_never_reads_the_current_rows(ctx: Context) -> None:
    pid = open_gumi(ctx)
    with ctx.db.engine.begin() as conn:  # a row changed behind the engine's back
        conn.execute(text("UPDATE procedures SET state = 'designated' WHERE id = :p"), {"p": pid})
    (row,) = aq.as_of(ctx, HAN, ctx.clock.today()).rows
    assert row["state"] == "drafting"


def test_time_spent_in_each_stage_and_the_median(seeded: Seeded) -> None:
    ctx = seeded.ctx
    report = aq.stage_report(ctx, HAN)
    days = {r["procedure_id"]: r for r in report.procedures.rows}
    a, b = days[seeded.a], days[seeded.b]
    assert [a[f"days_{s}"] for s, _ in report.stages] == [2.0, 8.0, 7.0, 14.0, 0.21, 6.79]
    assert (b["days_drafting"], b["days_governor_consultation"], b["ongoing_stage"]) == (
        3.0,
        28.0,
        "governor_consultation",
    )
    summary = {r["stage"]: r for r in report.summary.rows}
    assert (summary["drafting"]["median_days"], summary["drafting"]["procedures"]) == (2.5, 2)
    consultation = summary["governor_consultation"]
    assert (consultation["median_days"], consultation["procedures"], consultation["ongoing"]) == (8.0, 1, 1)
    assert summary["governor_notification"]["median_days"] == 6.79
    only = aq.stage_report(ctx, HAN, Filters(state="committee_review"))
    assert _keys(only.procedures, "procedure_id") == [seeded.a] and len(only.stages) == 1
    assert aq.stage_report(ctx, HAN, Filters(outcome="open")).procedures.total == 1


def test_every_filter_narrows(seeded: Seeded) -> None:
    ctx, a, b = seeded.ctx, seeded.a, seeded.b
    everything = aq.actions(ctx, HAN, page=Page(None)).rows
    assert {r["procedure_id"] for r in aq.actions(ctx, HAN, Filters(procedure_id=b), Page(None)).rows} == {b}
    cluster = clusters.find_cluster(ctx, "Post-플라스틱 녹색융합클러스터").id
    assert {
        r["procedure_id"] for r in aq.actions(ctx, HAN, Filters(cluster_id=cluster), Page(None)).rows
    } == {b}
    assert aq.actions(ctx, HAN, Filters(kind="designation")).total == sum(
        1 for r in everything if r["procedure_id"] is not None
    )
    approvers = aq.actions(ctx, HAN, Filters(role="approver"), Page(None)).rows
    assert {r["actor"] for r in approvers} == {APPROVER, APPROVER2}
    transitions = aq.actions(ctx, HAN, Filters(outcome="transition"), Page(None)).rows
    assert all(r["from_state"] != r["to_state"] for r in transitions)
    assert {r["trigger"] for r in transitions} >= {
        "open",
        "approve",
        "publish_notice",
        "confirm_notification",
    }
    assert _keys(aq.actions(ctx, HAN, Filters(trigger="publish_notice")), "procedure_id") == [a]
    in_notice = aq.actions(ctx, HAN, Filters(state="governor_notification"), Page(None)).rows
    assert {r["trigger"] for r in in_notice} == {
        "publish_notice",
        "record_governor_notification",
        "justify_late_notification",
        "confirm_notification",
    }
    notified = aq.actions(ctx, HAN, Filters(article="제9조제3항"), Page(None)).rows
    assert {"record_governor_notification", "justify_late_notification", "confirm_notification"} <= {
        r["trigger"] for r in notified
    }
    assert all(aq.cites(r["basis"], "제9조제3항") for r in notified)
    assert aq.actions(ctx, HAN, Filters(article="제99조")).total == 0
    with pytest.raises(InvalidInput):
        aq.actions(ctx, HAN, Filters(outcome="maybe"))
    with pytest.raises(InvalidInput):
        aq.actions(ctx, HAN, Filters(since=date(2026, 4, 1), until=date(2026, 3, 1)))


def test_articles_are_matched_as_articles() -> None:
    basis = "녹색융합클러스터법 제9조제1항, 제11조, 같은 법 시행령 제7조"
    assert aq.cites(basis, "제9조제1항") and aq.cites(basis, "법 제9조") and aq.cites(basis, "제9조①")
    assert aq.cites(basis, "영 제7조") and aq.cites(basis, "시행령 제7조") and aq.cites(basis, "제11조")
    assert not aq.cites(basis, "제1조") and not aq.cites(basis, "제9조제2항") and not aq.cites(None, "제9조")
    assert not aq.cites("녹색융합클러스터법 제10조", "제1조")


# --- who may ask, and the record of asking ------------------------------------------------------------------


def test_auditors_and_approvers_see_every_procedure(seeded: Seeded) -> None:
    for reader in (HAN, PARK, Reader(APPROVER2)):
        assert {r["procedure_id"] for r in aq.as_of(seeded.ctx, reader, date(2026, 4, 30)).rows} == {
            seeded.a,
            seeded.b,
        }


def test_a_clerk_sees_the_procedures_assigned_now_or_acted_on(seeded: Seeded) -> None:
    ctx, a, b = seeded.ctx, seeded.a, seeded.b
    lee, kim, choi = Reader(CLERK2), Reader(CLERK), Reader(SECRETARY)
    assert {r["procedure_id"] for r in aq.actions(ctx, lee, page=Page(None)).rows} == {b, None}
    with pytest.raises(Forbidden):
        aq.history(ctx, lee, a)
    assert aq.history(ctx, lee, b).total > 0  # no longer assigned, but acted on it
    assert aq.history(ctx, kim, b).total > 0  # assigned now, never acted on it
    assert {r["procedure_id"] for r in aq.as_of(ctx, kim, date(2026, 4, 30)).rows} == {a, b}
    assert {r["procedure_id"] for r in aq.as_of(ctx, choi, date(2026, 4, 30)).rows} == {a}
    assert aq.refusals(ctx, lee).total == 0 and aq.refusals(ctx, kim).total == 2
    system = [r for r in aq.actions(ctx, lee, page=Page(None)).rows if r["procedure_id"] is None]
    assert {r["actor"] for r in system} == {CLERK2}  # their own registration of a cluster, nobody else's
    with pytest.raises(Forbidden):
        aq.reads(ctx, lee)


@pytest.mark.parametrize("who", [aq.OPERATOR, ADMIN, "nobody"])
def test_others_may_not_query(seeded: Seeded, who: str) -> None:
    with pytest.raises(Forbidden):
        aq.actions(seeded.ctx, Reader(who))


def test_reading_is_recorded_outside_the_chains(seeded: Seeded) -> None:
    ctx = seeded.ctx

    def counts() -> tuple[int, int]:
        with ctx.db.read() as session:
            reads = session.execute(select(func.count()).select_from(aq.audit_reads)).scalar_one()
            events = session.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        return reads, events

    before = counts()
    aq.history(ctx, Reader(AUDITOR, interface="cli", os_user="han-os"), seeded.a, Filters(actor=CLERK))
    with pytest.raises(Forbidden):
        aq.history(ctx, Reader(CLERK2), seeded.a)
    with pytest.raises(NotFound):
        aq.history(ctx, HAN, 999)
    after = counts()
    assert (after[0] - before[0], after[1] - before[1]) == (3, 0)
    recent = aq.reads(ctx, HAN, page=Page(None)).rows[-3:]  # the reads query is recorded after it answers
    assert [(r["actor"], r["query"], r["outcome"]) for r in recent] == [
        (AUDITOR, "history", "ok"),
        (CLERK2, "history", "forbidden"),
        (AUDITOR, "history", "not_found"),
    ]
    assert recent[0]["parameters"]["filters"] == {"actor": CLERK} and recent[0]["os_user"] == "han-os"
    assert recent[0]["roles"] == "auditor" and recent[0]["rows"] > 0
    with pytest.raises(DBAPIError), ctx.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_reads SET actor = 'x'"))
    with pytest.raises(DBAPIError), ctx.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_reads"))


def test_csv_opens_in_a_spreadsheet_with_the_korean_intact(seeded: Seeded) -> None:
    result = aq.decisions(seeded.ctx, HAN)
    text_ = aq.csv_text(result)
    assert text_.startswith("\ufeff사건,")
    parsed = list(csv.reader(io.StringIO(text_.encode("utf-8").decode("utf-8-sig"))))
    assert parsed[0] == [c.label for c in result.columns]
    assert parsed[1:] == [[aq.csv_cell(r[c.key]) for c in result.columns] for r in result.rows]
    assert "중앙환경정책위원회 환경경제분과위원회 제1차 (2026-03-26)" in parsed[1]
