"""Authorization that does not differ by door (issue #15 §3), over real HTTP: one reader scope and one record of
reads for a procedure's record, sign-in waits that hold under parallel attempts and per address, refusals that
cite their basis, token-scope refusals kept with the others, stopped users' sessions, and what /healthz tells
a stranger."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, insert, select

from gcworkflow import audit, queries
from gcworkflow.audit.queries import Reader
from gcworkflow.canonical import loads
from gcworkflow.db.models import AuditEvent, AuditRead, LoginAttempt, RefusedAttempt, SignInThrottle
from gcworkflow.errors import Forbidden
from tests.support import (
    ADMIN,
    APPROVER,
    APPROVER2,
    AUDITOR,
    CLERK,
    CLERK2,
    SECRETARY,
    fire,
    gumi_plan,
    signed,
)
from tests.web.conftest import PASSWORD, Desk, csrf_of

READ_BASIS = "운영방침: 감사 기록 열람 범위"
SIGNOFF = "행정업무의 운영 및 혁신에 관한 규정 제10조"


def _reads(desk: Desk) -> list[tuple[str, str, str, str]]:
    with desk.ctx.db.read() as session:
        rows = session.execute(
            select(AuditRead.actor, AuditRead.interface, AuditRead.query, AuditRead.outcome).order_by(
                AuditRead.id
            )
        ).all()
    return [tuple(r) for r in rows]


def test_a_procedures_record_has_one_reader_scope_and_one_read_record_through_every_door(desk: Desk) -> None:
    """An unassigned clerk got 403 from /api/audit/history/1 but the 61 events from /api/procedures/1/history and
    the page; now every door answers as the audit query does, and every read is recorded."""
    pid = desk.procedure_id
    with pytest.raises(Forbidden):  # a refusal on the procedure, so that its refusals are not empty
        fire(desk.ctx, pid, "record_site_selection", CLERK2, summary="남의 절차")
    opening_hash = queries.procedure_events(desk.ctx, pid)[0]["hash"]

    stranger = desk.api(CLERK2, "clerk")
    for path in (
        f"/api/procedures/{pid}/history",
        f"/api/procedures/{pid}/refusals",
        f"/api/audit/history/{pid}",
    ):
        answer = stranger.get(path)
        assert answer.status_code == 403, path
        assert (
            READ_BASIS in answer.json()["message"]
            and "담당하거나 처리한 절차가 아닙니다" in answer.json()["message"]
        )
    # The page still shows the stage and the stranger's own options, but not the record.
    page = desk.client(CLERK2).get(f"/procedures/{pid}")
    assert page.status_code == 200 and "조성계획 수립" in page.text
    assert READ_BASIS in page.text and opening_hash[:12] not in page.text
    # The stage, deadlines and actions are not the record: any signed-in person sees them, the record not.
    status = stranger.get(f"/api/procedures/{pid}").json()
    assert status["state"] == "drafting" and READ_BASIS in status["record_hidden"] and status["facts"] == []

    # The assigned clerk, any approver and the auditor read it, through the API and the page alike.
    for username, role in ((CLERK, "clerk"), (APPROVER, "approver"), (AUDITOR, "auditor")):
        events = desk.api(username, role).get(f"/api/procedures/{pid}/history")
        assert events.status_code == 200 and events.json()[0]["hash"] == opening_hash
        refusals = desk.api(username, role).get(f"/api/procedures/{pid}/refusals")
        assert [r["actor"] for r in refusals.json()] == [CLERK2]
    assert opening_hash[:12] in desk.client(CLERK).get(f"/procedures/{pid}").text

    assert _reads(desk) == [
        (CLERK2, "api", "history", "forbidden"),
        (CLERK2, "api", "refusals", "forbidden"),
        (CLERK2, "api", "history", "forbidden"),
        (CLERK2, "web", "history", "forbidden"),
        (CLERK2, "api", "status", "forbidden"),
        (CLERK, "api", "history", "ok"),
        (CLERK, "api", "refusals", "ok"),
        (APPROVER, "api", "history", "ok"),
        (APPROVER, "api", "refusals", "ok"),
        (AUDITOR, "api", "history", "ok"),
        (AUDITOR, "api", "refusals", "ok"),
        (CLERK, "web", "history", "ok"),
    ]


def test_the_facts_plan_and_documents_of_a_procedure_follow_the_same_scope(desk: Desk) -> None:
    """/api/procedures/{id} gave any signed-in user the facts, and /documents/{id} any document; the plan, its
    versions, the consultations and the documents now answer as the history does, through the API, the pages
    and the command line's queries, each read recorded."""
    pid = desk.procedure_id
    fire(desk.ctx, pid, "record_plan", content=gumi_plan())
    signed(desk.ctx, pid, "request_governor_opinions")
    letter = desk.ctx.store.put(
        b"%PDF-1.7\n% \xea\xb2\xbd\xec\x83\x81\xeb\xb6\x81\xeb\x8f\x84 \xed\x9a\x8c\xec\x8b\xa0\n%%EOF\n"
    )
    fire(
        desk.ctx,
        pid,
        "record_governor_opinion",
        sido_code="47",
        received_on=desk.ctx.clock.today().isoformat(),
        summary="이견 없음",
        document_sha256=letter,
    )
    everything = Reader(AUDITOR, interface="test")
    (document,) = queries.documents(desk.ctx, everything, pid)

    stranger, page = desk.api(CLERK2, "clerk"), desk.client(CLERK2)
    for path in (
        f"/api/procedures/{pid}/plan",
        f"/api/procedures/{pid}/plan/versions",
        f"/api/procedures/{pid}/plan/diff?from=1&to=1",
        f"/api/procedures/{pid}/consultations",
        f"/api/procedures/{pid}/documents",
        f"/api/documents/{document['id']}",
        f"/api/documents/{document['id']}/content",
    ):
        answer = stranger.get(path)
        assert answer.status_code == 403 and READ_BASIS in answer.json()["message"], path
    for path in (f"/documents/{document['id']}", f"/procedures/{pid}/plan"):
        answer = page.get(path)
        assert answer.status_code == 403 and READ_BASIS in answer.text, path
    assert stranger.get("/api/documents").status_code in (404, 405)  # no list across procedures by the API
    assert queries.documents(desk.ctx, Reader(CLERK2, interface="test")) == []
    with pytest.raises(Forbidden, match=READ_BASIS):
        queries.plan_version(desk.ctx, Reader(CLERK2, interface="cli"), pid)

    mine = desk.api(CLERK, "clerk")
    assert mine.get(f"/api/documents/{document['id']}/content").content.startswith(b"%PDF")
    assert mine.get(f"/api/procedures/{pid}/plan").json()["number"] == 1
    assert [d["id"] for d in mine.get(f"/api/procedures/{pid}").json()["documents"]] == [document["id"]]
    assert page.get(f"/procedures/{pid}").status_code == 200

    refused = [q for actor, _, q, outcome in _reads(desk) if actor == CLERK2 and outcome == "forbidden"]
    assert refused == [
        "plan",
        "plan_versions",
        "plan",
        "status",
        "documents",
        "document",
        "document",
        "document",
        "status",
        "plan_versions",
        "plan",
        "history",
    ]


def _login_form(client: httpx.Client) -> dict[str, str]:
    return {"csrf_token": csrf_of(client.get("/login").text)}


def _password_checks(desk: Desk, username: str) -> int:
    with desk.ctx.db.read() as session:
        return session.execute(
            select(func.count()).select_from(LoginAttempt).where(LoginAttempt.username == username)
        ).scalar_one()


def test_counters_a_day_old_are_forgotten(desk: Desk) -> None:
    """Sign-in counters were never pruned, so names sprayed at the form piled up for good."""
    now = desk.ctx.clock.now()
    with desk.ctx.db.write() as session:
        session.execute(
            insert(SignInThrottle),
            [
                {"key": "name:sprayed", "failures": 3, "last_failed_at": now - timedelta(days=2)},
                {"key": "name:recent", "failures": 3, "last_failed_at": now - timedelta(hours=2)},
            ],
        )
    client = desk.client()
    # The page says what the throttle does: a wait that grows, not a fixed lock.
    said = "5번 잇달아 실패하면 1분을 기다려야 하고, 그 뒤 실패할 때마다 기다리는 시간이 두 배로 늘어납니다"
    assert said in client.get("/login").text
    client.post("/login", data=_login_form(client) | {"username": "nobody", "password": "x"})
    with desk.ctx.db.read() as session:
        keys = set(session.execute(select(SignInThrottle.key)).scalars())
    assert "name:sprayed" not in keys and {"name:recent", "name:nobody"} <= keys


def test_parallel_sign_ins_get_no_more_password_checks_than_allowed(desk: Desk) -> None:
    """40 parallel logins for one name got 25 password checks (limit 5): each attempt now counts itself under
    the counter's row lock before its password is checked."""
    clients = [desk.client() for _ in range(40)]
    forms = [_login_form(c) | {"username": CLERK, "password": "not the password"} for c in clients]
    start = threading.Barrier(len(clients))

    def attempt(index: int) -> httpx.Response:
        start.wait()
        return clients[index].post("/login", data=forms[index])

    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(attempt, range(len(clients))))
    assert all(a.status_code == 401 for a in answers)
    assert sum("비밀번호가 올바르지 않습니다" in a.text for a in answers) == 5
    assert sum("잠시 잠겼습니다" in a.text for a in answers) == 35
    assert _password_checks(desk, CLERK) == 5


def _from(desk: Desk, address: str) -> httpx.Client:
    """A client whose connections come from another loopback address (the server sees it as the client's)."""
    return desk.client(transport=httpx.HTTPTransport(local_address=address))


def _try(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/login", data=_login_form(client) | {"username": username, "password": password})


def test_one_address_cannot_guess_at_many_names_nor_make_many_people_wait(desk: Desk) -> None:
    desk.ctx.settings = desk.ctx.settings.model_copy(update={"web_lock_address_failures": 5})
    prober = _from(desk, "127.0.0.2")
    for n in range(5):  # one failure per name: no name reaches its own limit
        assert "비밀번호가 올바르지 않습니다" in _try(prober, f"guess{n}", "whatever").text
    waiting = _try(prober, APPROVER, PASSWORD)
    assert waiting.status_code == 401
    assert "이 주소에서 로그인에 5번 잇달아 실패하여 잠시 잠겼습니다. 1분 뒤에" in waiting.text
    assert "운영방침: 로그인 잇단 실패 시 대기" in waiting.text
    # The approver, from their own address, is not affected; nor is the clerk.
    assert _try(desk.client(), APPROVER, PASSWORD).status_code == 303
    assert _try(_from(desk, "127.0.0.3"), CLERK, PASSWORD).status_code == 303
    # Signing in to an account of one's own does not clear what the address did to other names.
    desk.ctx.clock.advance(timedelta(minutes=1))
    assert _try(_from(desk, "127.0.0.2"), SECRETARY, PASSWORD).status_code == 303
    assert "비밀번호가 올바르지 않습니다" in _try(prober, "guess9", "whatever").text
    assert (
        "이 주소에서 로그인에 6번 잇달아 실패하여 잠시 잠겼습니다. 2분 뒤에"
        in _try(prober, APPROVER, PASSWORD).text
    )


def test_token_scope_refusals_are_kept_with_the_engines(desk: Desk) -> None:
    refused = desk.api(CLERK, "clerk").post(
        "/api/users", json={"username": "new", "display_name": "새 사람", "roles": ["clerk"]}
    )
    assert refused.status_code == 403 and "운영방침: API 토큰" in refused.json()["message"]
    fired = desk.api(APPROVER, "approver").post(
        f"/api/procedures/{desk.procedure_id}/transitions",
        json={"trigger": "record_site_selection", "payload": {}},
    )
    assert fired.status_code == 403
    with desk.ctx.db.read() as session:
        rows = session.execute(
            select(
                RefusedAttempt.actor,
                RefusedAttempt.interface,
                RefusedAttempt.procedure_id,
                RefusedAttempt.trigger,
                RefusedAttempt.code,
            ).order_by(RefusedAttempt.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (CLERK, "api", None, "add_user", "forbidden"),
        (APPROVER, "api", desk.procedure_id, "record_site_selection", "forbidden"),
    ]
    # So the auditor's question about refusals sees them like any other.
    audited = desk.api(AUDITOR, "auditor").get("/api/audit/refusals").json()["rows"]
    assert {r["trigger"] for r in audited} == {"add_user", "record_site_selection"}


def _post_form(client: httpx.Client, page: str, action: str, form: dict[str, str]) -> httpx.Response:
    return client.post(action, data=form | {"csrf_token": csrf_of(client.get(page).text)})


def test_refusals_for_a_missing_role_or_assignment_cite_their_basis(desk: Desk) -> None:
    pid = desk.procedure_id
    page = f"/procedures/{pid}"
    site = {"announced_on": "2026-01-05", "selected_on": "2026-02-02", "summary": "공모 선정"}
    # A role the person lacks (through the page: an API token's own scope would refuse first).
    secretary = _post_form(desk.client(SECRETARY), page, f"{page}/actions/record_site_selection", site)
    assert secretary.status_code == 403 and "운영방침: 역할별 업무 분담" in secretary.text
    # A procedure the person is not assigned to.
    stranger = desk.api(CLERK2, "clerk")
    unassigned = stranger.post(
        f"/api/procedures/{pid}/transitions", json={"trigger": "record_site_selection", "payload": site}
    )
    assert unassigned.status_code == 403
    assert "운영방침: 절차별 담당 주무관·결재권자 지정" in unassigned.json()["message"]
    proposing = {"trigger": "withdraw", "payload": {"reason": "시험"}}
    proposer = stranger.post(
        f"/api/procedures/{pid}/transitions", json={"trigger": "propose", "payload": proposing}
    )
    assert proposer.status_code == 403 and SIGNOFF in proposer.json()["message"]
    # Signing off (결재): only an approver, and only this procedure's (or the acting one).
    proposal = desk.api(CLERK, "clerk").post(
        f"/api/procedures/{pid}/transitions", json={"trigger": "propose", "payload": proposing}
    )
    proposal_id = proposal.json()["proposal_id"]
    version = {"expected_version": str(proposal.json()["version"])}
    clerk = _post_form(desk.client(CLERK2), page, f"/proposals/{proposal_id}/approve", version)
    assert clerk.status_code == 403 and SIGNOFF in clerk.text
    other = desk.api(APPROVER2, "approver").post(
        f"/api/procedures/{pid}/transitions",
        json={"trigger": "approve_proposal", "payload": {"proposal_id": proposal_id}},
    )
    assert other.status_code == 403
    assert f"운영방침: 절차별 담당 주무관·결재권자 지정, {SIGNOFF}" in other.json()["message"]


def test_stopping_a_user_ends_their_sessions_and_tokens_for_good(desk: Desk) -> None:
    """A reactivated user used to get their old sessions and API tokens back."""
    browser = desk.client(CLERK)
    assert browser.get("/dashboard").status_code == 200
    program = desk.api(CLERK, "clerk")
    assert program.get("/api/procedures").status_code == 200
    admin = desk.api(ADMIN, "admin")
    assert admin.put(f"/api/users/{CLERK}/active", json={"active": False}).status_code == 200
    assert browser.get("/dashboard").status_code == 303
    assert program.get("/api/procedures").status_code == 401
    assert admin.put(f"/api/users/{CLERK}/active", json={"active": True}).status_code == 200
    assert browser.get("/dashboard").status_code == 303  # the old cookie stays dead
    assert program.get("/api/procedures").status_code == 401  # and so does the old token
    assert desk.client(CLERK).get("/dashboard").status_code == 200  # a new sign-in works
    with desk.ctx.db.read() as session:
        stopped = session.execute(
            select(AuditEvent.payload).where(AuditEvent.trigger == "deactivate_user")
        ).scalar_one()
    effects = loads(stopped)["effects"]
    assert {k: v for k, v in effects.items() if k != "revoked_at"} == {
        "user": CLERK,
        "active": False,
        "sessions_ended": 1,
        "tokens_revoked": [1],
    }
    # The revocation is proven by the chain: the projection check agrees with the token rows (the desk's
    # passwords were set in the database for the test, which verify rightly reports).
    report = audit.verify_database(desk.ctx.db, desk.ctx.store)
    assert report.problems and not [p for p in report.problems if "api_tokens" in p.message]


def test_healthz_tells_a_stranger_only_whether_it_is_up(desk: Desk) -> None:
    anonymous = desk.client().get("/healthz")
    assert anonymous.status_code == 200 and anonymous.json() == {"status": "ok"}
    assert desk.client().get("/api/health").status_code == 401
    refused = desk.api(CLERK, "clerk").get("/api/health")
    assert refused.status_code == 403
    for who, role in ((ADMIN, "admin"), (AUDITOR, "auditor")):
        details = desk.api(who, role).get("/api/health").json()
        assert details["database"]["dialect"] in ("sqlite", "postgresql")
        assert details["database"]["revision"] == details["database"]["head"]
        assert details["outbox"]["dead"] == 0
