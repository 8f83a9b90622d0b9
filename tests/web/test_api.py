"""The REST API over real HTTP (uvicorn on 127.0.0.1): tokens and their scope, the engine's refusals as JSON
with their stable codes, the two-person rule, optimistic versions, documents, limits and headers."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from gcworkflow.db.models import ApiToken, AuditEvent
from tests.support import ADMIN, APPROVER, CLERK, SECRETARY, actor, gumi_plan
from tests.web.conftest import Desk


def _ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


PROPOSE_OPINIONS = {"trigger": "propose", "payload": {"trigger": "request_governor_opinions", "payload": {}}}


def _plan_and_propose(clerk: httpx.Client, pid: int) -> dict:
    """Over the API, the clerk records the 구미 plan and proposes the opinion request to the governors."""
    _ok(clerk.post(f"/api/procedures/{pid}/plan", json={"content": gumi_plan()}))
    return _ok(clerk.post(f"/api/procedures/{pid}/transitions", json=PROPOSE_OPINIONS))


def test_a_token_is_required_and_stored_only_as_its_hash(desk: Desk) -> None:
    anonymous = desk.client()
    refused = anonymous.get("/api/procedures")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthenticated"
    assert "Bearer" in refused.json()["message"]
    wrong = anonymous.get("/api/procedures", headers={"authorization": "Bearer gcw_not-a-token"})
    assert wrong.status_code == 401 and wrong.json()["message"] == "알 수 없는 API 토큰입니다."

    clerk = desk.api(CLERK, "clerk")
    secret = clerk.headers["authorization"].removeprefix("Bearer ")
    me = _ok(clerk.get("/api/me"))
    assert me == {"username": CLERK, "display_name": "김주무", "roles": ["clerk"], "token_role": "clerk"}
    with desk.ctx.db.read() as session:
        rows = session.execute(select(ApiToken.token_sha256, ApiToken.prefix)).all()
    assert secret not in {value for row in rows for value in row}
    assert all(len(sha) == 64 for sha, _ in rows)


def test_revoked_and_expired_tokens_stop_working(desk: Desk) -> None:
    admin = desk.api(ADMIN, "admin")
    created = _ok(
        admin.post("/api/tokens", json={"username": CLERK, "role": "clerk", "name": "스크립트", "days": 1}),
        201,
    )
    script = desk.client(headers={"authorization": f"Bearer {created['token']}"})
    assert _ok(script.get("/api/me"))["username"] == CLERK
    listed = {t["id"]: t for t in _ok(admin.get("/api/tokens"))}
    assert listed[created["id"]]["active"] and "token" not in listed[created["id"]]

    desk.ctx.clock.advance(timedelta(days=2))
    expired = script.get("/api/me")
    assert expired.status_code == 401 and "기한이 지난" in expired.json()["message"]

    fresh = desk.api(CLERK, "clerk")
    token_id = max(_ok(admin.get("/api/tokens")), key=lambda t: t["id"])["id"]
    _ok(admin.delete(f"/api/tokens/{token_id}"))
    revoked = fresh.get("/api/me")
    assert revoked.status_code == 401 and "폐기된" in revoked.json()["message"]
    with desk.ctx.db.read() as session:
        trail = session.execute(
            select(AuditEvent.trigger, AuditEvent.actor, AuditEvent.payload).where(
                AuditEvent.chain == "system"
            )
        ).all()
    assert ("revoke_api_token", ADMIN) in {(t, a) for t, a, _ in trail}
    assert not any(
        created["token"] in payload for _, _, payload in trail
    )  # the secret never enters the trail


def test_a_token_acts_only_within_its_role(desk: Desk) -> None:
    pid = desk.procedure_id
    clerk = desk.api(CLERK, "clerk")
    proposal = _plan_and_propose(clerk, pid)
    # A clerk's token cannot sign, whatever the user behind it may do elsewhere.
    refused = clerk.post(f"/api/proposals/{proposal['proposal_id']}/approve", json={})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden" and "clerk 권한으로만" in refused.json()["message"]
    # An admin token cannot fire a procedure action either.
    admin = desk.api(ADMIN, "admin")
    assert (
        admin.post(
            f"/api/procedures/{pid}/transitions", json={"trigger": "record_site_selection"}
        ).status_code
        == 403
    )

    approver = desk.api(APPROVER, "approver")
    inbox = _ok(approver.get("/api/proposals", params={"mine": "true"}))
    assert [p["id"] for p in inbox] == [proposal["proposal_id"]]
    approved = _ok(
        approver.post(f"/api/proposals/{proposal['proposal_id']}/approve", json={"comment": "결재"})
    )
    assert approved["to_state"] == "governor_consultation"
    history = _ok(approver.get(f"/api/procedures/{pid}/history"))
    assert [(e["trigger"], e["interface"]) for e in history[-2:]] == [
        ("propose", "api"),
        ("request_governor_opinions", "api"),
    ]


def test_refusals_carry_the_stable_codes_and_articles(desk: Desk) -> None:
    pid = desk.procedure_id
    clerk = desk.api(CLERK, "clerk")
    # guard_failed (422): no plan yet, so the proposal names 법 제11조.
    guard = clerk.post(f"/api/procedures/{pid}/transitions", json=PROPOSE_OPINIONS)
    assert guard.status_code == 422
    body = guard.json()
    assert body["code"] == "guard_failed"
    assert {
        "id": "plan_missing",
        "basis": "녹색융합클러스터법 제11조",
        "message": "조성계획이 작성되지 않았습니다",
    } in body["unmet"]
    # forbidden (403): a clerk firing an approver's transition directly.
    direct = clerk.post(f"/api/procedures/{pid}/transitions", json={"trigger": "request_governor_opinions"})
    assert direct.status_code == 403 and direct.json()["code"] == "forbidden"
    assert "결재 사항" in direct.json()["message"]
    # not_found (404), invalid_input (400) from the engine and from the request's shape.
    assert clerk.get("/api/procedures/999").json()["code"] == "not_found"
    bad = clerk.post(
        f"/api/procedures/{pid}/transitions",
        json={"trigger": "record_site_selection", "payload": {"announced_on": "어제"}},
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert "입력값을 확인하십시오" in bad.json()["message"]
    shape = clerk.post(f"/api/procedures/{pid}/transitions", json={"trigger": 7})
    assert shape.status_code == 400 and shape.json()["code"] == "invalid_input"
    assert "Input should" not in shape.json()["message"] and "trigger: " in shape.json()["message"]
    assert "Input should" not in bad.json()["message"]
    # Each refusal the engine saw is kept, with the interface it came through.
    refused = _ok(clerk.get(f"/api/procedures/{pid}/refusals"))
    assert {(r["code"], r["interface"]) for r in refused} >= {("guard_failed", "api"), ("forbidden", "api")}


def test_a_stale_version_is_a_conflict_never_an_overwrite(desk: Desk) -> None:
    pid = desk.procedure_id
    clerk = desk.api(CLERK, "clerk")
    version = _ok(clerk.get(f"/api/procedures/{pid}"))["version"]
    hearing = {
        "trigger": "record_site_selection",
        "payload": {"announced_on": "2026-01-05", "selected_on": "2026-02-02", "summary": "공모 선정"},
        "expected_version": version,
    }
    first = _ok(clerk.post(f"/api/procedures/{pid}/transitions", json=hearing))
    assert first["version"] == version + 1
    second = clerk.post(f"/api/procedures/{pid}/transitions", json=hearing)
    assert second.status_code == 409
    assert second.json()["code"] == "conflict"
    assert f"보던 판 {version}, 현재 판 {version + 1}" in second.json()["message"]
    assert len(_ok(clerk.get(f"/api/procedures/{pid}/history"))) == 2  # open + the first one only


def test_the_two_person_rule_holds_through_the_api(desk: Desk) -> None:
    pid = desk.procedure_id
    admin = desk.api(ADMIN, "admin")
    _ok(admin.post(f"/api/users/{CLERK}/roles", json={"role": "approver"}))
    # The clerk is made acting approver (대결) of their own procedure: still not allowed to sign their proposal.
    from gcworkflow import engine

    engine.fire(desk.ctx, pid, "set_acting_approver", actor(APPROVER), {"username": CLERK, "reason": "출장"})
    clerk = desk.api(CLERK, "clerk")
    proposal = _plan_and_propose(clerk, pid)
    as_approver = desk.api(CLERK, "approver")
    own = as_approver.post(f"/api/proposals/{proposal['proposal_id']}/approve", json={})
    assert own.status_code == 403
    assert "자신이 상신한 안건은 결재할 수 없습니다" in own.json()["message"]
    assert _ok(clerk.get(f"/api/procedures/{pid}"))["state"] == "drafting"


def test_plan_versions_and_their_difference(desk: Desk) -> None:
    pid = desk.procedure_id
    clerk = desk.api(CLERK, "clerk")
    plan = gumi_plan()
    _ok(clerk.post(f"/api/procedures/{pid}/plan", json={"content": plan}))
    _ok(clerk.post(f"/api/procedures/{pid}/plan", json={"content": {"area_m2": 34000}, "mode": "merge"}))
    assert [v["number"] for v in _ok(clerk.get(f"/api/procedures/{pid}/plan/versions"))] == [1, 2]
    diff = _ok(clerk.get(f"/api/procedures/{pid}/plan/diff", params={"from": 1, "to": 2}))
    assert diff["changes"] == [
        {
            "path": "area_m2",
            "label": "면적(㎡)",
            "change": "변경",
            "before": f"{plan['area_m2']:,}",
            "after": "34,000",
        }
    ]
    invalid = clerk.post(
        f"/api/procedures/{pid}/plan", json={"content": {"financing": {"total_cost_krw": 10, "items": []}}}
    )
    assert invalid.status_code == 400 and "조성계획에 바로잡아야 할 값" in invalid.json()["message"]
    latest = _ok(clerk.get(f"/api/procedures/{pid}/plan"))
    assert latest["number"] == 2 and latest["missing"] == []


def test_documents_go_in_by_hash_and_come_out_verified(desk: Desk) -> None:
    pid = desk.procedure_id
    clerk = desk.api(CLERK, "clerk")
    pdf = b"%PDF-1.7\n% governor's reply\n"
    stored = _ok(
        clerk.post("/api/documents", content=pdf, headers={"content-type": "application/octet-stream"}), 201
    )
    _ok(
        clerk.post(
            f"/api/procedures/{pid}/transitions",
            json={
                "trigger": "receive_document",
                "payload": {"sha256": stored["sha256"], "title": "공모 결과 보고"},
            },
        )
    )
    (document,) = _ok(clerk.get(f"/api/procedures/{pid}/documents"))
    assert document["sha256"] == stored["sha256"]
    content = clerk.get(f"/api/documents/{document['id']}/content")
    assert content.content == pdf and content.headers["x-content-sha256"] == stored["sha256"]
    # An auditor's token may read but not add documents.
    auditor = desk.api("han", "auditor")
    assert auditor.post("/api/documents", content=pdf).status_code == 403
    assert desk.api(SECRETARY, "committee_secretary").post("/api/documents", content=pdf).status_code == 201


def test_request_bodies_are_limited(desk: Desk) -> None:
    clerk = desk.api(CLERK, "clerk")
    big = {"trigger": "record_site_selection", "comment": "가" * (1 << 20)}
    declared = clerk.post(f"/api/procedures/{desk.procedure_id}/transitions", json=big)
    assert declared.status_code == 413 and declared.json()["code"] == "payload_too_large"

    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    streamed = clerk.post(f"/api/procedures/{desk.procedure_id}/transitions", content=chunks())
    assert streamed.status_code == 413 and streamed.json()["code"] == "payload_too_large"
    assert len(_ok(clerk.get(f"/api/procedures/{desk.procedure_id}/history"))) == 1


def test_health_schema_and_reference(desk: Desk) -> None:
    anonymous = desk.client()
    assert _ok(anonymous.get("/healthz")) == {"status": "ok"}  # nothing about the installation
    health = _ok(desk.api(ADMIN, "admin").get("/api/health"))
    assert health["status"] == "ok"
    assert health["database"]["ok"] and health["database"]["revision"] == health["database"]["head"]
    assert health["outbox"]["pending"] == 0 and health["outbox"]["dead"] == 0
    schema = _ok(anonymous.get("/openapi.json"))
    assert "/api/procedures/{procedure_id}/transitions" in schema["paths"]
    assert schema["components"]["securitySchemes"]["ApiToken"]["scheme"] == "bearer"
    docs = anonymous.get("/docs")
    assert docs.status_code == 200 and "/api/procedures/{procedure_id}/transitions" in docs.text
    assert "<script>" not in docs.text and "cdn." not in docs.text
    for response in (docs, anonymous.get("/api/me")):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
