"""The current state is a projection of the chains (issue 15 §1): a row that decides what a procedure is or what
someone may do, forged directly in the database, is named by `gcw audit verify` (exit status 1) with its table,
row, column and the event that should have produced it; a forged procedure state is refused before anyone acts
on it; a file in the document store that no event references is named by its path."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Connection, insert, select, text, update
from sqlalchemy.orm import Session

from gcworkflow import audit, contacts, engine, holiday_overrides, people, queries
from gcworkflow.canonical import format_instant
from gcworkflow.context import Context
from gcworkflow.db.models import ApiToken, Deadline, Fact, Procedure, Proposal, User
from gcworkflow.web import accounts
from tests.cli import Gcw
from tests.support import (
    ADMIN,
    APPROVER,
    APPROVER2,
    CLERK,
    CLERK2,
    SECRETARY,
    actor,
    cast,
    fire,
    gumi_plan,
    hear_the_governor,
    open_gumi,
    signed,
)

NOW = "2026-04-01T10:00:00+09:00"


@dataclass(frozen=True)
class Trail:
    """What the history below left, for the forgeries to aim at."""

    pid: int
    token: int  # an API token in force
    revoked: int  # a revoked one
    rejected: int  # a rejected proposal
    approved: int  # an approved one
    open_deadline: int
    closed_deadline: int
    acting_event: int  # the event that designated jung as acting approver (cleared afterwards)


def _trail(ctx: Context) -> Trail:
    """Every projected table written through the engine: users (one deactivated, one with a password), roles,
    tokens (one revoked), a contact, a holiday override, proposals approved and rejected, deadlines open and
    closed, an acting approver designated and cleared, the clerk reassigned."""
    pid = open_gumi(ctx)
    admin = actor(ADMIN)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    hear_the_governor(ctx, pid)  # the governor's reply deadline: opened, then met
    ministries = {"ministries": ["산업통상부", "국토교통부"]}
    proposal = fire(ctx, pid, "propose", trigger="request_ministry_consultation", payload=ministries)
    refusal = {"proposal_id": proposal.proposal_id}
    engine.fire(ctx, pid, "reject_proposal", actor(APPROVER), refusal, comment="목록 재확인")
    signed(ctx, pid, "request_ministry_consultation", **ministries)  # two reply deadlines open
    acting = fire(ctx, pid, "set_acting_approver", ADMIN, username=APPROVER2, reason="휴가")
    fire(ctx, pid, "set_acting_approver", ADMIN, username=None, reason="복귀")
    fire(ctx, pid, "reassign", ADMIN, clerk=CLERK2, reason="정기 인사")
    people.set_active(ctx, admin, SECRETARY, False)
    accounts.set_password(ctx, admin, CLERK, "초록빛-클러스터-2026")
    token = accounts.create_token(ctx, admin, CLERK, "clerk", "발송 스크립트")
    revoked = accounts.create_token(ctx, admin, CLERK, "clerk", "옛 스크립트")
    accounts.revoke_token(ctx, admin, revoked.id)
    contacts.set_contact(ctx, admin, "governor:47", "env@gb.go.kr", unit="환경정책과")
    holiday_overrides.add_holiday(ctx, admin, date(2026, 5, 13), "임시공휴일", "국무회의 의결")
    with ctx.db.read() as session:
        deadlines = {d.status: d.id for d in session.execute(select(Deadline)).scalars()}
        proposals = {q.status: q.id for q in session.execute(select(Proposal)).scalars()}
    return Trail(
        pid,
        token.id,
        revoked.id,
        proposals["rejected"],
        proposals["approved"],
        deadlines["open"],
        deadlines["met"],
        acting.event_id,
    )


@dataclass(frozen=True)
class Forgery:
    """What someone with write access to the database does, and what verification must then say."""

    name: str
    forge: Callable[[Connection, Trail], object]
    says: Callable[[Trail], list[str]]


def _user_id(conn: Connection, username: str) -> int:
    return conn.execute(select(User.id).where(User.username == username)).scalar_one()


def _sql(statement: str) -> Callable[[Connection, Trail], object]:
    return lambda conn, t: conn.execute(text(statement), {"p": t.pid})


FORGERIES = [
    Forgery(
        "state",
        _sql("UPDATE procedures SET state = 'designation_notice' WHERE id = :p"),
        lambda t: [
            f"procedures {t.pid}번 행의 state 값(designation_notice)이 이 사건이 남긴 값(ministry_consultation)과"
        ],
    ),
    Forgery(
        "version",
        _sql("UPDATE procedures SET version = version + 3 WHERE id = :p"),
        lambda t: [f"procedures {t.pid}번 행의 version 값"],
    ),
    Forgery(
        "approver",
        lambda conn, t: conn.execute(
            text("UPDATE procedures SET approver_id = :u WHERE id = :p"),
            {"u": _user_id(conn, APPROVER2), "p": t.pid},
        ),
        lambda t: [f"procedures {t.pid}번 행의 approver_id 값(jung)이 이 사건이 남긴 값(park)과"],
    ),
    Forgery(
        "clerk",
        lambda conn, t: conn.execute(
            text("UPDATE procedures SET clerk_id = :u WHERE id = :p"),
            {"u": _user_id(conn, CLERK), "p": t.pid},
        ),
        lambda t: [f"procedures {t.pid}번 행의 clerk_id 값(kim)이 이 사건이 남긴 값(lee)과"],
    ),
    Forgery(
        "admin grant",
        _sql("INSERT INTO role_grants (user_id, role) SELECT id, 'admin' FROM users WHERE username = 'kim'"),
        lambda t: ["role_grants (kim, admin): 이 행을 남긴 사건이 없습니다"],
    ),
    Forgery(
        "revoked grant",
        _sql("DELETE FROM role_grants WHERE role = 'auditor'"),
        lambda t: ["role_grants (han, auditor) 행이 없습니다: 이 사건이 남긴 행입니다 (삭제됨)"],
    ),
    Forgery(
        "token revived",
        lambda conn, t: conn.execute(
            update(ApiToken).where(ApiToken.id == t.revoked).values(revoked_at=None, revoked_by=None)
        ),
        lambda t: [
            f"api_tokens {t.revoked}번 행의 revoked_at 값(없음)",
            f"api_tokens {t.revoked}번 행의 revoked_by 값",
        ],
    ),
    Forgery(
        "token extended",
        lambda conn, t: conn.execute(
            update(ApiToken).where(ApiToken.id == t.token).values(expires_at=datetime(2099, 1, 1, tzinfo=UTC))
        ),
        lambda t: [f"api_tokens {t.token}번 행의 expires_at 값(2099-01-01T00:00:00.000000Z)"],
    ),
    Forgery(
        "token secret swapped",
        lambda conn, t: conn.execute(
            update(ApiToken)
            .where(ApiToken.id == t.token)
            .values(token_sha256=hashlib.sha256(b"gcw_known-to-the-attacker").hexdigest())
        ),
        lambda t: [f"api_tokens {t.token}번 행의 token_sha256 값"],
    ),
    Forgery(
        "token role",
        lambda conn, t: conn.execute(update(ApiToken).where(ApiToken.id == t.token).values(role="admin")),
        lambda t: [f"api_tokens {t.token}번 행의 role 값(admin)이 이 사건이 남긴 값(clerk)과"],
    ),
    Forgery(
        "proposal reverted",
        lambda conn, t: conn.execute(
            text("UPDATE proposals SET status = 'pending', decided_by_id = NULL WHERE id = :q"),
            {"q": t.rejected},
        ),
        lambda t: [f"proposals {t.rejected}번 행의 status 값(pending)이 이 사건이 남긴 값(rejected)과"],
    ),
    Forgery(
        "proposal content",
        lambda conn, t: conn.execute(
            text('UPDATE proposals SET payload = \'{"ministries":["산업통상부"]}\' WHERE id = :q'),
            {"q": t.approved},
        ),
        lambda t: [f"proposals {t.approved}번 행의 payload 값"],
    ),
    Forgery(
        "deadline moved",
        lambda conn, t: conn.execute(
            update(Deadline).where(Deadline.id == t.open_deadline).values(due_on=date(2026, 12, 31))
        ),
        lambda t: [f"deadlines {t.open_deadline}번 행의 due_on 값(2026-12-31)"],
    ),
    Forgery(
        "deadline waived",
        lambda conn, t: conn.execute(
            update(Deadline)
            .where(Deadline.id == t.open_deadline)
            .values(status="waived", closed_on=date(2026, 3, 20))
        ),
        lambda t: [f"deadlines {t.open_deadline}번 행의 status 값(waived)이 이 사건이 남긴 값(open)과"],
    ),
    Forgery(
        "deadline reopened",
        lambda conn, t: conn.execute(
            update(Deadline)
            .where(Deadline.id == t.closed_deadline)
            .values(status="open", closed_on=None, closed_event_id=None)
        ),
        lambda t: [f"deadlines {t.closed_deadline}번 행의 status 값(open)이 이 사건이 남긴 값(met)과"],
    ),
    Forgery(
        "contact redirected",
        _sql("UPDATE contacts SET email = 'inbox@attacker.example' WHERE party = 'governor:47'"),
        lambda t: [
            "contacts governor:47 행의 email 값(inbox@attacker.example)이 이 사건이 남긴 값(env@gb.go.kr)과"
        ],
    ),
    Forgery(
        "contact added",
        lambda conn, t: conn.execute(
            text(
                "INSERT INTO contacts (party, name, email, updated_at) "
                "VALUES ('governor:11', '서울특별시장', 'x@attacker.example', :now)"
            ),
            {"now": datetime(2026, 3, 1, tzinfo=UTC)},
        ),
        lambda t: ["contacts governor:11: 이 행을 남긴 사건이 없습니다"],
    ),
    Forgery(
        "holiday undone",
        _sql("UPDATE holiday_overrides SET is_holiday = false"),
        lambda t: ["holiday_overrides 2026-05-13 행의 is_holiday 값(false)이 이 사건이 남긴 값(true)과"],
    ),
    Forgery(
        "holiday added",
        lambda conn, t: conn.execute(
            text(
                "INSERT INTO holiday_overrides (day, name, is_holiday, reason, created_by, created_at) "
                "VALUES (:day, '임시공휴일', :yes, '위조', 'admin', :now)"
            ),
            {"day": date(2026, 6, 5), "yes": True, "now": datetime(2026, 3, 1, tzinfo=UTC)},
        ),
        lambda t: ["holiday_overrides 2026-06-05: 이 행을 남긴 사건이 없습니다"],
    ),
    Forgery(
        "user reactivated",
        _sql("UPDATE users SET active = true WHERE username = 'choi'"),
        lambda t: ["users choi 행의 active 값(true)이 이 사건이 남긴 값(false)과"],
    ),
    Forgery(
        "user added",
        lambda conn, t: conn.execute(
            text(
                "INSERT INTO users (username, display_name, active, created_at) "
                "VALUES ('mallory', '공격자', :yes, :now)"
            ),
            {"yes": True, "now": datetime(2026, 3, 1, tzinfo=UTC)},
        ),
        lambda t: ["users mallory: 이 행을 남긴 사건이 없습니다"],
    ),
    Forgery(
        "password replaced",
        _sql(
            "UPDATE users SET password_hash = '$argon2id$v=19$m=65536,t=3,p=4$known$known' WHERE username = 'kim'"
        ),
        lambda t: ["users kim 행의 password_hash의 SHA-256 값"],
    ),
    Forgery(
        "acting approver revived",
        # facts are append-only, but an INSERT copying what an earlier event recorded passes the record check.
        lambda conn, t: conn.execute(
            insert(Fact).from_select(
                ["procedure_id", "event_id", "kind", "subject", "data", "corrects_fact_id", "created_at"],
                select(
                    Fact.procedure_id,
                    Fact.event_id,
                    Fact.kind,
                    Fact.subject,
                    Fact.data,
                    Fact.corrects_fact_id,
                    Fact.created_at,
                ).where(Fact.event_id == t.acting_event),
            )
        ),
        lambda t: ["data.username (대결자) 값(jung)이 이 사건이 남긴 값(없음)과"],
    ),
]


def _gcw(ctx: Context) -> Gcw:
    return Gcw.against(ctx.settings, NOW)


def test_an_untampered_trail_verifies_clean(ctx: Context) -> None:
    _trail(ctx)
    result = _gcw(ctx).ok("audit", "verify")
    (line,) = [x for x in result.stdout.splitlines() if x.startswith("현재 상태:")]
    assert line.endswith("— 이상 없음") and "0행" not in line
    assert result.stdout.splitlines()[-1] == "결과: 이상 없음"


@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.name for f in FORGERIES])
def test_a_forged_row_is_named_by_verify(ctx: Context, forgery: Forgery) -> None:
    trail = _trail(ctx)
    gcw = _gcw(ctx)
    gcw.ok("audit", "verify")
    with ctx.db.engine.begin() as conn:
        forgery.forge(conn, trail)
    result = gcw("audit", "verify")
    assert result.exit_code == 1, result.output
    report = result.stdout
    (line,) = [x for x in report.splitlines() if x.startswith("현재 상태:")]
    assert "— 이상 " in line and "이상 없음" not in line, report
    for fragment in forgery.says(trail):
        assert fragment in report, report


def test_acting_on_a_forged_state_is_refused(ctx: Context) -> None:
    trail = _trail(ctx)
    gcw = _gcw(ctx)
    with ctx.db.engine.begin() as conn:  # two statutory stages skipped
        conn.execute(
            text("UPDATE procedures SET state = 'designation_notice' WHERE id = :p"), {"p": trail.pid}
        )
    refused = gcw(
        "fire", str(trail.pid), "set_acting_approver", "-p", "username=jung", "-p", "reason=휴가", user=ADMIN
    )
    assert refused.exit_code == 1, refused.output
    assert f"{trail.pid}번 절차 행(단계 designation_notice, 판 " in refused.stderr
    assert "감사 기록의 마지막 사건(#" in refused.stderr and "ministry_consultation" in refused.stderr
    assert "gcw audit verify" in refused.stderr
    assert queries.procedure_refusals(ctx, trail.pid)[-1]["code"] == "integrity"
    with ctx.db.read() as session:  # nothing was appended
        newest = "SELECT max(seq) FROM audit_events WHERE procedure_id = :p"
        assert session.execute(text(newest), {"p": trail.pid}).scalar() == trail_head(session, trail.pid)


def trail_head(session: Session, pid: int) -> int:
    return session.execute(select(Procedure.chain_seq).where(Procedure.id == pid)).scalar_one()


def test_a_file_no_event_references_is_named(ctx: Context) -> None:
    _trail(ctx)
    gcw = _gcw(ctx)
    gcw.ok("audit", "verify")
    assert ctx.store is not None
    stray = ctx.store.put(b"%PDF-1.7 put beside the records")
    (ctx.settings.document_dir / "notes.txt").write_bytes(b"left here by hand")
    result = gcw("audit", "verify")
    assert result.exit_code == 1, result.output
    assert f"문서 저장소의 {stray[:2]}/{stray} 파일을 참조하는 사건이 없습니다" in result.stdout
    assert "문서 저장소의 notes.txt 파일을 참조하는 사건이 없습니다" in result.stdout


def test_events_older_than_a_field_are_compared_on_what_they_say(ctx: Context) -> None:
    """A trail written before events carried a token's SHA-256 or a password's fingerprint still verifies; what
    those events do record is still compared."""
    cast(ctx)
    issued = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with ctx.db.write() as session:
        kim = session.execute(select(User).where(User.username == CLERK)).scalar_one()
        kim.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"
        token = ApiToken(
            token_sha256=hashlib.sha256(b"gcw_old").hexdigest(),
            prefix="gcw_old123",
            name="옛 스크립트",
            user_id=kim.id,
            role="clerk",
            created_by=ADMIN,
            created_at=issued,
            expires_at=issued + timedelta(days=90),
        )
        session.add(token)
        session.flush()
        old_events = [  # as the engine wrote them before issue 15
            ("set_password", {"username": CLERK}, {"password_set": CLERK, "sessions_ended": 0}),
            (
                "create_api_token",
                {"username": CLERK, "role": "clerk", "name": "옛 스크립트", "days": 90},
                {
                    "token_id": token.id,
                    "prefix": "gcw_old123",
                    "expires_at": format_instant(token.expires_at),
                },
            ),
        ]
        for trigger, given, effects in old_events:
            audit.append_system(
                session,
                audit.EventInput(
                    chain=audit.SYSTEM_CHAIN,
                    procedure_id=None,
                    procedure_version=None,
                    occurred_at=issued,
                    actor=ADMIN,
                    actor_role="admin",
                    interface="cli",
                    os_user=None,
                    trigger=trigger,
                    from_state=None,
                    to_state=None,
                    comment=None,
                    payload={"input": given, "effects": effects},
                ),
            )
        token_id = token.id
    gcw = _gcw(ctx)
    gcw.ok("audit", "verify")
    with ctx.db.engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token_id).values(role="admin"))
    result = gcw("audit", "verify")
    assert result.exit_code == 1
    assert f"api_tokens {token_id}번 행의 role 값(admin)이 이 사건이 남긴 값(clerk)과" in result.stdout
