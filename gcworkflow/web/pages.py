"""The clerks' desk: server-rendered pages in Korean over the same engine functions as the CLI and the API.

Every action is a plain form carrying the procedure version the page was rendered at (→ ``expected_version``)
and a CSRF token; a refusal is shown beside its form with each unmet requirement and its article, and a
stale page gets the engine's conflict message with a link to reload, never a silent overwrite.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from datetime import date
from typing import Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gcworkflow import clusters, engine, holiday_overrides, people, queries
from gcworkflow.calendar import format_date_ko
from gcworkflow.context import Context
from gcworkflow.deadlines import stuck_procedures
from gcworkflow.errors import Forbidden, GcwError, InvalidInput
from gcworkflow.korean import with_particle
from gcworkflow.procedures.plan_content import PlanValidationError, missing_items, parse_plan
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import kinds
from gcworkflow.procedures.spec import ROLE_LABELS, ProcedureDefinition, Role
from gcworkflow.web import accounts, planform, reads, svg
from gcworkflow.web.auth import (
    LOGIN_COOKIE,
    SESSION_COOKIE,
    Identity,
    Unauthenticated,
    csrf_token,
    new_secret,
    session_identity,
    sign_in,
    sign_out,
)
from gcworkflow.web.deps import Ctx, Form, Page, PageUser, Posted, SignInForm, document_response
from gcworkflow.web.forms import FormField, check_payload, check_text, fields_of, payload_from_form
from gcworkflow.web.rendering import render

router = APIRouter(include_in_schema=False)

# Actions with a page of their own, or not a person's to take.
NOT_A_FORM = {"record_plan": "조성계획 작성·수정은 조성계획 화면에서 합니다", "document_issued": ""}
DONE_LABELS = {"open": "절차 개시", "propose": "결재 상신", "reject_proposal": "결재 반려"}


def _page(template: str, page: Page | None, http_status: int = 200, **context: Any) -> HTMLResponse:
    if page is not None:
        context.update(identity=page.identity, csrf=page.csrf)
    return HTMLResponse(render(template, context), status_code=http_status)


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _is_local(target: str | None) -> bool:
    return bool(target) and target.startswith("/") and not target.startswith("//") and "\\" not in target


def _check_id(value: int) -> int:
    if not 1 <= value <= 2**31 - 1:
        raise InvalidInput(f"번호가 올바르지 않습니다: {value}")
    return value


# --- sign-in ------------------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return _see_other("/dashboard")


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: Ctx, next: str | None = None) -> Response:
    if session_identity(ctx, request.cookies.get(SESSION_COOKIE)) is not None:
        return _see_other(next if _is_local(next) else "/dashboard")
    return _login_form(request, next, None)


def _login_form(request: Request, target: str | None, error: str | None, status: int = 200) -> Response:
    seed = request.cookies.get(LOGIN_COOKIE) or new_secret()
    response = HTMLResponse(
        render(
            "login.html",
            {"csrf": csrf_token(seed), "next": target if _is_local(target) else "", "error": error},
        ),
        status_code=status,
    )
    response.set_cookie(
        LOGIN_COOKIE, seed, max_age=3600, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, ctx: Ctx, form: SignInForm) -> Response:
    target = form.values.get("next")
    client = request.client.host if request.client else None
    try:
        secret, _ = sign_in(
            ctx,
            form.values.get("username", ""),
            form.values.get("password", ""),
            client,
            request.headers.get("user-agent"),
        )
    except Unauthenticated as refused:
        return _login_form(request, target, refused.message, status=401)
    response = _see_other(target if _is_local(target) else "/dashboard")
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=ctx.settings.web_session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout", response_class=HTMLResponse)
def logout(request: Request, ctx: Ctx, form: Form) -> Response:
    sign_out(ctx, request.cookies.get(SESSION_COOKIE))
    response = _see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- dashboard ----------------------------------------------------------------------------------------


def _filters(stage: str | None, cluster: str | None, kind: str | None, person: str | None) -> reads.Filters:
    for text in (stage, cluster, kind, person):
        check_text(text or "")
    return reads.Filters(
        stage=stage or None,
        cluster=int(cluster) if cluster and cluster.isdigit() and int(cluster) < 2**31 else None,
        kind=kind or None,
        person=person or None,
    )


def _dashboard(
    ctx: Context, page: Page, filters: reads.Filters, status: int = 200, **extra: Any
) -> HTMLResponse:
    identity = page.identity
    mine = queries.proposals(ctx, approver=identity.username) if identity.has(Role.APPROVER) else []
    proposed = [
        p
        for p in queries.proposals(ctx)
        if p["proposed_by"] == identity.username and identity.has(Role.CLERK)
    ]
    with ctx.db.read() as session:
        stuck = stuck_procedures(session, ctx.clock.now(), ctx.settings.stuck_after_days)
    return _page(
        "dashboard.html",
        page,
        status,
        nav="dashboard",
        rows=reads.dashboard(ctx, filters),
        filters=filters,
        choices=reads.filter_choices(ctx),
        inbox=mine,
        proposed=proposed,
        stuck=stuck,
        today=ctx.clock.today(),
        clusters=clusters.list_clusters(ctx),
        approvers=[u for u in people.list_users(ctx) if "approver" in u.roles and u.active],
        kinds=[(k, definition_of(k).label) for k in kinds()],
        **extra,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    ctx: Ctx,
    page: PageUser,
    stage: str | None = None,
    cluster: str | None = None,
    kind: str | None = None,
    person: str | None = None,
) -> Response:
    return _dashboard(ctx, page, _filters(stage, cluster, kind, person))


@router.post("/procedures", response_class=HTMLResponse)
def open_procedure(ctx: Ctx, form: Form) -> Response:
    assert form.page is not None
    values = form.values
    try:
        cluster = values.get("cluster_id", "")
        result = engine.open_procedure(
            ctx,
            form.page.identity.actor(),
            values.get("kind") or "designation",
            cluster_id=int(cluster) if cluster.isdigit() else None,
            approver=values.get("approver", ""),
            title=values.get("title") or None,
            comment=values.get("comment") or None,
        )
    except GcwError as error:
        return _dashboard(
            ctx, form.page, reads.Filters(), error.http_status, open_error=error, open_values=values
        )
    return _see_other(f"/procedures/{result.procedure_id}?done=open")


# --- the procedure page -------------------------------------------------------------------------------


def _event_label(definition: ProcedureDefinition, event: dict[str, Any]) -> str:
    payload = event["payload"] if isinstance(event["payload"], dict) else {}
    if event["trigger"] == "propose" and "trigger" in payload:
        action = definition.action(payload["trigger"])
        return f"결재 상신: {action.label if action else payload['trigger']}"
    if "proposal" in payload:
        acting = " (대결)" if payload["proposal"].get("acting") else ""
        return f"{event['label']} (상신 #{payload['proposal']['id']} 승인{acting})"
    return event["label"]


def _action_forms(definition: ProcedureDefinition, status: dict[str, Any]) -> list[dict[str, Any]]:
    forms = []
    for offer in status["actions"]:
        if not offer["yours"]:
            continue
        action = definition.action(offer["trigger"])
        if action is None or offer["trigger"] == "document_issued":
            continue
        dest = offer["transition_to"]
        forms.append(
            {
                **offer,
                "fields": fields_of(action.payload) if offer["trigger"] not in NOT_A_FORM else [],
                "elsewhere": NOT_A_FORM.get(offer["trigger"]),
                "dest_label": definition.state(dest).label if dest else None,
            }
        )
    # Transitions first: they are what moves the procedure on.
    forms.sort(key=lambda f: (f["transition_to"] is None, f["needs_signoff"] is False))
    return forms


def _procedure_page(
    ctx: Context,
    page: Page,
    procedure_id: int,
    *,
    status_code: int = 200,
    failed: dict[str, Any] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    status = queries.procedure_status(ctx, procedure_id, page.identity.username)
    definition = definition_of(status["kind"], status["definition_version"])
    events = queries.history(ctx, procedure_id)
    visited = {e["to_state"] for e in events if e["to_state"]} - {status["state"]}
    today = ctx.clock.today()
    for deadline in status["deadlines"]:
        deadline["subject_label"] = reads.subject_label(deadline["subject"], today)
    for event in events:
        event["title"] = _event_label(definition, event)
        event["from_label"] = definition.state(event["from_state"]).label if event["from_state"] else None
        event["to_label"] = definition.state(event["to_state"]).label if event["to_state"] else None
    me = page.identity.username
    # The in-tray's rule (queries.proposals): the approver or the acting approver, never the proposer.
    signs = page.identity.has(Role.APPROVER) and me in (status["approver"], status["acting_approver"])
    for proposal in status["pending_proposals"]:
        action = definition.action(proposal["trigger"])
        proposal["label"] = action.label if action else proposal["trigger"]
        proposal["mine_to_sign"] = signs and proposal["proposed_by"] != me
    done_label = None
    if done:
        action = definition.action(done)
        done_label = action.label if action else DONE_LABELS.get(done, done)
    return _page(
        "procedure.html",
        page,
        status_code,
        nav="dashboard",
        status=status,
        definition=definition,
        diagram=svg.diagram(definition, status["state"], visited),
        events=list(reversed(events)),
        consultations=reads.consultations(status, today),
        forms=_action_forms(definition, status),
        refusals=queries.refusals(ctx, procedure_id, latest=8)[::-1],
        failed=failed,
        done_label=done_label,
        today=today,
    )


@router.get("/procedures/{procedure_id}", response_class=HTMLResponse)
def procedure(ctx: Ctx, page: PageUser, procedure_id: int, done: str | None = None) -> Response:
    return _procedure_page(ctx, page, _check_id(procedure_id), done=done)


def _attach(
    ctx: Context, fields: Sequence[FormField], form: Posted, values: dict[str, str]
) -> dict[str, Any]:
    """Uploaded files go into the document store; their SHA-256 (and name, size, type) fill the payload."""
    extra: dict[str, Any] = {}
    names = {f.name for f in fields}
    for spec in fields:
        upload = form.files.get(spec.name)
        if spec.kind != "file" or upload is None:
            continue
        filename, media_type, data = upload
        assert ctx.store is not None
        values[spec.name] = ctx.store.put(data)
        guessed = mimetypes.guess_type(filename)[0] if filename else None
        defaults = {"filename": filename, "size": len(data), "media_type": media_type or guessed}
        if spec.name == "sha256":
            defaults["title"] = filename
        extra.update({k: v for k, v in defaults.items() if k in names and v and not values.get(k)})
    return extra


def _expected_version(values: dict[str, str]) -> int:
    text = values.get("expected_version", "")
    if not text.isdigit() or int(text) > 2**31:
        raise InvalidInput("화면의 판 번호가 없습니다. 화면을 새로 고친 뒤 다시 시도하십시오.")
    return int(text)


@router.post("/procedures/{procedure_id}/actions/{trigger}", response_class=HTMLResponse)
def act(ctx: Ctx, form: Form, procedure_id: int, trigger: str) -> Response:
    """One action from its form: fired through the engine, or proposed (결재 상신) when it needs sign-off."""
    assert form.page is not None
    _check_id(procedure_id)
    values = dict(form.values)
    try:
        definition = queries.procedure_definition(ctx, procedure_id)
        action = definition.action(trigger)
        if action is None or trigger in NOT_A_FORM:
            raise InvalidInput(f"이 화면에서 할 수 없는 처리입니다: {trigger}")
        fields = fields_of(action.payload)
        extra = _attach(ctx, fields, form, values)
        payload = {**payload_from_form(fields, values), **extra}
        version = _expected_version(values)
        comment = values.get("comment", "").strip() or None
        actor = form.page.identity.actor()
        if action.signoff:
            engine.fire(
                ctx,
                procedure_id,
                "propose",
                actor,
                {"trigger": trigger, "payload": payload},
                version,
                comment=comment,
            )
        else:
            engine.fire(ctx, procedure_id, trigger, actor, payload, version, comment=comment)
    except GcwError as error:
        failed = {"trigger": trigger, "error": error, "typed": values}
        return _procedure_page(ctx, form.page, procedure_id, status_code=error.http_status, failed=failed)
    done = "propose" if action.signoff else trigger
    return _see_other(f"/procedures/{procedure_id}?done={quote(done)}")


@router.post("/proposals/{proposal_id}/{decision}", response_class=HTMLResponse)
def decide(ctx: Ctx, form: Form, proposal_id: int, decision: str) -> Response:
    """The approver's sign-off (결재) or rejection (반려) of a proposal, from the in-tray or the procedure."""
    assert form.page is not None
    _check_id(proposal_id)
    if decision not in ("approve", "reject"):
        raise InvalidInput(f"알 수 없는 결재 처리입니다: {decision}")
    values = form.values
    procedure_id = queries.proposal_procedure(ctx, proposal_id)
    trigger = "approve_proposal" if decision == "approve" else "reject_proposal"
    try:
        result = engine.fire(
            ctx,
            procedure_id,
            trigger,
            form.page.identity.actor(),
            {"proposal_id": proposal_id},
            _expected_version(values),
            comment=values.get("comment", "").strip() or None,
        )
    except GcwError as error:
        failed = {"trigger": f"proposal-{proposal_id}", "error": error, "typed": dict(values)}
        return _procedure_page(ctx, form.page, procedure_id, status_code=error.http_status, failed=failed)
    target = values.get("next")
    # An approval fires the proposed action, and the page says which one.
    return _see_other(target if _is_local(target) else f"/procedures/{procedure_id}?done={result.trigger}")


@router.get("/proposals", response_class=HTMLResponse)
def inbox(ctx: Ctx, page: PageUser) -> Response:
    identity = page.identity
    return _page(
        "proposals.html",
        page,
        nav="proposals",
        inbox=queries.proposals(ctx, approver=identity.username),
        proposed=[p for p in queries.proposals(ctx) if p["proposed_by"] == identity.username],
        decided=[
            p
            for status in ("approved", "rejected")
            for p in queries.proposals(ctx, approver=identity.username, status=status)
        ][-20:],
    )


@router.get("/documents/{document_id}")
def document_file(ctx: Ctx, page: PageUser, document_id: int) -> Response:
    """The stored bytes, refused when they no longer match the hash the trail recorded."""
    row = queries.document(ctx, _check_id(document_id))
    return document_response(row, queries.document_bytes(ctx, row["sha256"]))


# --- the plan (조성계획, or the 기본계획 of a basic-plan procedure) -------------------------------------


def _plan_page(
    ctx: Context,
    page: Page,
    procedure_id: int,
    *,
    form: planform.PlanForm | None = None,
    problems: list[Any] | None = None,
    by_input: dict[str, list[str]] | None = None,
    error: GcwError | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    status = queries.procedure_status(ctx, procedure_id, page.identity.username)
    kind = planform.plan_kind(definition_of(status["kind"], status["definition_version"]))
    versions = reads.plan_versions(ctx, procedure_id)
    latest = queries.plan_version(ctx, procedure_id) if versions else None
    content = latest["content"] if latest else None
    values = values or {}
    if not kind.structured and "content_yaml" not in values and content:
        values = {**values, "content_yaml": yaml.safe_dump(content, allow_unicode=True, sort_keys=False)}
    return _page(
        "plan_edit.html",
        page,
        status_code,
        nav="dashboard",
        status=status,
        kind=kind,
        versions=versions,
        latest=latest,
        form=form or planform.form_from_content(content if kind.structured else None),
        sections=planform.SECTIONS,
        problems=problems or [],
        by_input=by_input or {},
        error=error,
        values=values,
        may_edit=any(a["trigger"] == "record_plan" and a["yours"] for a in status["actions"]),
        missing=missing_items(parse_plan(content)) if content and kind.structured else [],
        readable=list(planform.flatten(content, kind.model).values()) if content else [],
    )


@router.get("/procedures/{procedure_id}/plan", response_class=HTMLResponse)
def plan(ctx: Ctx, page: PageUser, procedure_id: int) -> Response:
    return _plan_page(ctx, page, _check_id(procedure_id))


def _yaml_content(values: dict[str, str]) -> dict[str, Any]:
    try:
        content = yaml.safe_load(values.get("content_yaml", "")) or {}
    except yaml.YAMLError as exc:
        raise InvalidInput(f"계획 내용의 형식이 맞지 않습니다 (YAML): {exc}") from exc
    if not isinstance(content, dict):
        raise InvalidInput("계획 내용은 '항목: 값' 형식(YAML)으로 적으십시오")
    return content


@router.post("/procedures/{procedure_id}/plan", response_class=HTMLResponse)
def save_plan(ctx: Ctx, form: Form, procedure_id: int) -> Response:
    """A new plan version: a creation plan is validated per procedure.md §4 first, then every plan is recorded
    through ``record_plan``, which validates it again."""
    assert form.page is not None
    _check_id(procedure_id)
    values = form.values
    kind = planform.plan_kind(queries.procedure_definition(ctx, procedure_id))
    shown: planform.PlanForm | None = None
    try:
        if kind.structured:
            content, shown, where = planform.read_form(values)
            if "add_row" in values:
                planform.add_row(shown, values["add_row"])
                return _plan_page(ctx, form.page, procedure_id, form=shown, values=values)
            try:
                parse_plan(content)
            except PlanValidationError as invalid:
                return _plan_page(
                    ctx,
                    form.page,
                    procedure_id,
                    form=shown,
                    problems=invalid.problems,
                    by_input=planform.problems_by_input(invalid.problems, where),
                    values=values,
                    status_code=400,
                )
        else:
            content = _yaml_content(values)
        payload = {"content": content, "mode": "replace", **payload_from_form(kind.extra, values)}
        engine.fire(
            ctx,
            procedure_id,
            "record_plan",
            form.page.identity.actor(),
            check_payload(payload),
            _expected_version(values),
            comment=values.get("comment", "").strip() or None,
        )
    except GcwError as error:
        return _plan_page(
            ctx,
            form.page,
            procedure_id,
            form=shown,
            error=error,
            values=values,
            status_code=error.http_status,
        )
    return _see_other(f"/procedures/{procedure_id}/plan/diff?done=1")


@router.get("/procedures/{procedure_id}/plan/diff", response_class=HTMLResponse)
def plan_diff(
    ctx: Ctx,
    page: PageUser,
    procedure_id: int,
    a: int | None = Query(None, ge=1, le=2**31 - 1),
    b: int | None = Query(None, ge=1, le=2**31 - 1),
    done: str | None = None,
) -> Response:
    """The difference between two plan versions (default: the newest and the one before)."""
    _check_id(procedure_id)
    versions = reads.plan_versions(ctx, procedure_id)
    if not versions:
        raise InvalidInput("아직 계획이 없습니다")
    b = b or versions[-1]["number"]
    a = a or max(1, b - 1)
    old = queries.plan_version(ctx, procedure_id, a)
    new = queries.plan_version(ctx, procedure_id, b)
    status = queries.procedure_status(ctx, procedure_id, page.identity.username)
    kind = planform.plan_kind(definition_of(status["kind"], status["definition_version"]))
    return _page(
        "plan_diff.html",
        page,
        nav="dashboard",
        status=status,
        versions=versions,
        old=old,
        new=new,
        rows=planform.diff(old["content"], new["content"], kind.model) if a != b else [],
        done=bool(done),
        missing=missing_items(parse_plan(new["content"])) if kind.structured else [],
    )


# --- account and administration -----------------------------------------------------------------------


@router.get("/account", response_class=HTMLResponse)
def account(page: PageUser) -> Response:
    return _page("account.html", page, nav="account")


@router.post("/account/password", response_class=HTMLResponse)
def change_password(ctx: Ctx, form: Form) -> Response:
    assert form.page is not None
    values = form.values
    try:
        if values.get("new_password") != values.get("confirm_password"):
            raise InvalidInput("새 비밀번호와 확인이 다릅니다.")
        accounts.set_password(
            ctx,
            form.page.identity.actor(),
            form.page.identity.username,
            values.get("new_password", ""),
            old_password=values.get("old_password", ""),
            keep_session_sha256=form.page.session_sha256,
        )
    except GcwError as error:
        return _page("account.html", form.page, error.http_status, nav="account", error=error)
    return _page(
        "account.html",
        form.page,
        nav="account",
        notice="비밀번호를 바꾸었습니다. 다른 기기의 로그인은 끝났습니다.",
    )


def _require_admin(identity: Identity) -> None:
    if not identity.has(Role.ADMIN):
        raise Forbidden(
            f"관리자만 볼 수 있는 화면입니다 ({identity.username}의 권한: {identity.role_labels or '없음'})"
        )


def _admin_users(ctx: Context, page: Page, status: int = 200, **extra: Any) -> HTMLResponse:
    _require_admin(page.identity)
    roles = [(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.SYSTEM]
    return _page(
        "admin_users.html", page, status, nav="admin", users=people.list_users(ctx), roles=roles, **extra
    )


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users(ctx: Ctx, page: PageUser) -> Response:
    return _admin_users(ctx, page)


@router.post("/admin/users/{operation}", response_class=HTMLResponse)
def admin_users_post(ctx: Ctx, form: Form, operation: str) -> Response:
    """Users and roles (관리자): every change is the engine's audited action on the system chain."""
    assert form.page is not None
    actor, values = form.page.identity.actor(), form.values
    username = values.get("username", "").strip()
    try:
        if operation == "add":
            roles = [r for r in values.get("roles", "").split(",") if r] or [values.get("role", "")]
            people.add_user(
                ctx, actor, username, values.get("display_name", ""), roles, values.get("email") or None
            )
            notice = f"사용자 {with_particle(username, '을')} 등록했습니다."
        elif operation == "grant":
            people.grant_role(ctx, actor, username, values.get("role", ""))
            notice = f"{username}에게 {values.get('role')} 권한을 부여했습니다."
        elif operation == "revoke":
            people.revoke_role(ctx, actor, username, values.get("role", ""))
            notice = f"{username}의 {values.get('role')} 권한을 회수했습니다."
        elif operation in ("activate", "deactivate"):
            people.set_active(ctx, actor, username, operation == "activate")
            notice = f"{username} 계정을 {'다시 사용하게' if operation == 'activate' else '중지'}했습니다."
        elif operation == "password":
            accounts.set_password(ctx, actor, username, values.get("password", ""))
            notice = f"{username}의 비밀번호를 정했습니다. 그 사용자의 로그인은 모두 끝났습니다."
        else:
            raise InvalidInput(f"알 수 없는 처리입니다: {operation}")
    except GcwError as error:
        return _admin_users(ctx, form.page, error.http_status, error=error, operation=operation)
    return _admin_users(ctx, form.page, notice=notice)


def _admin_tokens(ctx: Context, page: Page, status: int = 200, **extra: Any) -> HTMLResponse:
    _require_admin(page.identity)
    roles = [(r.value, ROLE_LABELS[r]) for r in Role if r is not Role.SYSTEM]
    users = [u for u in people.list_users(ctx) if u.active]
    return _page(
        "admin_tokens.html",
        page,
        status,
        nav="admin",
        tokens=accounts.list_tokens(ctx),
        roles=roles,
        users=users,
        **extra,
    )


@router.get("/admin/tokens", response_class=HTMLResponse)
def admin_tokens(ctx: Ctx, page: PageUser) -> Response:
    return _admin_tokens(ctx, page)


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(ctx: Ctx, form: Form) -> Response:
    assert form.page is not None
    values = form.values
    try:
        days = values.get("days", "").strip() or "90"
        if not days.isdigit() or len(days) > 4:
            raise InvalidInput("유효 기간은 일수(숫자)로 적으십시오.")
        created = accounts.create_token(
            ctx,
            form.page.identity.actor(),
            values.get("username", ""),
            values.get("role", ""),
            values.get("name", ""),
            int(days),
        )
    except GcwError as error:
        return _admin_tokens(ctx, form.page, error.http_status, error=error)
    # The secret is shown on this response only: it is not stored anywhere it could be shown again.
    return _admin_tokens(ctx, form.page, created=created)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(ctx: Ctx, form: Form, token_id: int) -> Response:
    assert form.page is not None
    try:
        accounts.revoke_token(ctx, form.page.identity.actor(), _check_id(token_id))
    except GcwError as error:
        return _admin_tokens(ctx, form.page, error.http_status, error=error)
    return _admin_tokens(ctx, form.page, notice=f"{token_id}번 토큰을 폐기했습니다.")


def _admin_holidays(ctx: Context, page: Page, year: int, status: int = 200, **extra: Any) -> HTMLResponse:
    _require_admin(page.identity)
    try:
        days = holiday_overrides.list_year(ctx, year)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    return _page("admin_holidays.html", page, status, nav="admin", year=year, days=days, **extra)


@router.get("/admin/holidays", response_class=HTMLResponse)
def admin_holidays(ctx: Ctx, page: PageUser, year: int | None = Query(None, ge=2000, le=2100)) -> Response:
    return _admin_holidays(ctx, page, year if year is not None else ctx.clock.today().year)


@router.post("/admin/holidays/{operation}", response_class=HTMLResponse)
def admin_holidays_post(ctx: Ctx, form: Form, operation: str) -> Response:
    """임시공휴일 and corrections: audited, and the engine's own open deadlines are recomputed with them."""
    assert form.page is not None
    values = form.values
    actor = form.page.identity.actor()
    try:
        try:
            day = date.fromisoformat(values.get("date", ""))
        except ValueError as exc:
            raise InvalidInput("날짜를 YYYY-MM-DD 형식으로 적으십시오.") from exc
        year = day.year
        if operation == "add":
            holiday_overrides.add_holiday(ctx, actor, day, values.get("name", ""), values.get("reason", ""))
            notice = f"{with_particle(format_date_ko(day), '을')} 공휴일로 정했습니다. 열린 기한을 다시 계산했습니다."
        elif operation == "remove":
            holiday_overrides.remove_holiday(ctx, actor, day, values.get("reason", ""))
            notice = (
                f"{day.isoformat()}의 공휴일 조정(삭제·정정)을 기록했습니다. 열린 기한을 다시 계산했습니다."
            )
        else:
            raise InvalidInput(f"알 수 없는 처리입니다: {operation}")
    except GcwError as error:
        year = ctx.clock.today().year
        return _admin_holidays(ctx, form.page, year, error.http_status, error=error)
    return _admin_holidays(ctx, form.page, year, notice=notice)
