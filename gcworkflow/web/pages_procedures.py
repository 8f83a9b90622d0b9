"""The dashboard, the procedure page with a form for each action the person may take, and stored documents."""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gcworkflow import engine, exports, queries
from gcworkflow.context import Context
from gcworkflow.errors import GcwError, InvalidInput
from gcworkflow.exports import Format
from gcworkflow.inputs import MAX_ID, check_text
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.procedures.registry import kinds
from gcworkflow.procedures.spec import ProcedureDefinition, Role
from gcworkflow.web import reads, svg
from gcworkflow.web.deps import Ctx, Form, Page, PageUser, Posted, document_response, export_response
from gcworkflow.web.forms import FormField, fields_of, payload_from_form
from gcworkflow.web.pages import check_id, expected_version, render_page, see_other

router = APIRouter(include_in_schema=False)

# Actions with a page of their own, or not a person's to take.
NOT_A_FORM = {"record_plan": "조성계획 작성·수정은 조성계획 화면에서 합니다", "document_issued": ""}
DONE_LABELS = {"open": "절차 개시", "propose": "결재 상신", "reject_proposal": "결재 반려"}
# Open procedures per page of the dashboard, the most urgent first: a ministry's thousand would not be read.
DASHBOARD_ROWS = 50
# The newest events the page shows; a chain of hundreds (a designation carries ~200) is the audit search's.
TIMELINE_EVENTS = 50
# The procedures idle longest, named on the dashboard; the filter `stuck=1` lists them all.
STUCK_SHOWN = 10


@router.get("/", response_class=HTMLResponse)
def home() -> Response:
    return see_other("/dashboard")


# --- dashboard ----------------------------------------------------------------------------------------


def _filters(
    stage: str | None, cluster: str | None, kind: str | None, person: str | None, stuck: str | None = None
) -> reads.Filters:
    for text in (stage, cluster, kind, person, stuck):
        check_text(text or "")
    return reads.Filters(
        stage=stage or None,
        cluster=int(cluster) if cluster and cluster.isdigit() and int(cluster) <= MAX_ID else None,
        kind=kind or None,
        person=person or None,
        stuck=stuck == "1",
    )


def _dashboard(
    ctx: Context, page: Page, filters: reads.Filters, status: int = 200, offset: int = 0, **extra: Any
) -> HTMLResponse:
    identity = page.identity
    # One snapshot for the whole page: the in-tray, the counts and the lists agree with each other.
    with ctx.db.read() as session:
        mine = (
            queries.proposals_in(session, approver=identity.username) if identity.has(Role.APPROVER) else []
        )
        proposed = (
            queries.proposals_in(session, proposed_by=identity.username) if identity.has(Role.CLERK) else []
        )
        stuck, stuck_total = reads.stuck_shortlist(ctx, session, STUCK_SHOWN)
        rows, total = reads.dashboard_page(ctx, session, filters, offset, DASHBOARD_ROWS)
        choices = reads.dashboard_choices(session)
    end = offset + DASHBOARD_ROWS
    return render_page(
        "dashboard.html",
        page,
        status,
        nav="dashboard",
        rows=rows,
        total=total,
        offset=offset,
        previous=urlencode(filters.as_query() | {"offset": max(0, offset - DASHBOARD_ROWS)})
        if offset
        else None,
        next=urlencode(filters.as_query() | {"offset": end}) if end < total else None,
        filters=filters,
        choices=choices.filters,
        inbox=mine,
        proposed=proposed,
        stuck=stuck,
        stuck_total=stuck_total,
        today=ctx.clock.today(),
        clusters=choices.clusters,
        approvers=choices.approvers,
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
    stuck: str | None = None,
    offset: str | None = None,
) -> Response:
    skip = int(offset) if offset and offset.isdigit() and int(offset) <= MAX_ID else 0
    return _dashboard(ctx, page, _filters(stage, cluster, kind, person, stuck), offset=skip)


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
    return see_other(f"/procedures/{result.procedure_id}?done=open")


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


def procedure_page(
    ctx: Context,
    page: Page,
    procedure_id: int,
    *,
    status_code: int = 200,
    failed: dict[str, Any] | None = None,
    done: str | None = None,
) -> HTMLResponse:
    # The page always shows the stage and this person's actions; the record only under the audit rule, its
    # read (answered or refused) recorded once.
    status, record = queries.procedure_page(
        ctx, page.identity.reader(), procedure_id, latest_events=TIMELINE_EVENTS, latest_refusals=8
    )
    definition = definition_of(status["kind"], status["definition_version"])
    events, refused = (record.events, record.refusals) if record else ([], [])
    record_hidden = status["record_hidden"]
    visited = (record.visited if record else set()) - {status["state"]}
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
    return render_page(
        "procedure.html",
        page,
        status_code,
        nav="dashboard",
        status=status,
        definition=definition,
        diagram=svg.diagram(definition, status["state"], visited),
        visited=visited,
        events=list(reversed(events)),
        earlier_events=record.earlier if record else 0,
        consultations=reads.consultations(status, today),
        forms=_action_forms(definition, status),
        refusals=refused[::-1],
        record_hidden=record_hidden,
        failed=failed,
        done_label=done_label,
        today=today,
    )


@router.get("/procedures/{procedure_id}", response_class=HTMLResponse)
def procedure(ctx: Ctx, page: PageUser, procedure_id: int, done: str | None = None) -> Response:
    return procedure_page(ctx, page, check_id(procedure_id), done=done)


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


@router.post("/procedures/{procedure_id}/actions/{trigger}", response_class=HTMLResponse)
def act(ctx: Ctx, form: Form, procedure_id: int, trigger: str) -> Response:
    """One action from its form: fired through the engine, or proposed (결재 상신) when it needs sign-off."""
    assert form.page is not None
    check_id(procedure_id)
    values = dict(form.values)
    try:
        definition = queries.procedure_definition(ctx, procedure_id)
        action = definition.action(trigger)
        if action is None or trigger in NOT_A_FORM:
            raise InvalidInput(f"이 화면에서 할 수 없는 처리입니다: {trigger}")
        actor = form.page.identity.actor()
        # Before anything the form carries is stored or parsed: an auditor's upload never reaches the store.
        engine.authorise_first(ctx, procedure_id, trigger, actor)
        fields = fields_of(action.payload)
        extra = _attach(ctx, fields, form, values)
        payload = {**payload_from_form(fields, values), **extra}
        version = expected_version(values)
        comment = values.get("comment", "").strip() or None
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
        return procedure_page(ctx, form.page, procedure_id, status_code=error.http_status, failed=failed)
    done = "propose" if action.signoff else trigger
    return see_other(f"/procedures/{procedure_id}?done={quote(done)}")


# --- stored documents ---------------------------------------------------------------------------------


@router.get("/documents/{document_id}")
def document_file(
    ctx: Ctx,
    page: PageUser,
    document_id: int,
    fmt: Annotated[Format | None, Query(alias="format")] = None,
) -> Response:
    """The stored bytes, refused when they no longer match the hash the trail recorded; with ``?format=`` an
    issued document as a download in that format (``hwpx``: its twin for the 관보's editors and 온나라)."""
    if fmt is not None:
        return export_response(exports.export(ctx, page.identity.reader(), check_id(document_id), fmt))
    row = queries.document(ctx, page.identity.reader(), check_id(document_id))
    return document_response(row, queries.document_bytes(ctx, row["sha256"]))
