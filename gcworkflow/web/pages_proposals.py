"""The approver's sign-off (결재): the in-tray, and approving or rejecting a proposal."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from gcworkflow import engine, queries
from gcworkflow.errors import GcwError, InvalidInput
from gcworkflow.web.deps import Ctx, Form, PageUser
from gcworkflow.web.pages import check_id, expected_version, is_local, render_page, see_other
from gcworkflow.web.pages_procedures import procedure_page

router = APIRouter(include_in_schema=False)


@router.post("/proposals/{proposal_id}/{decision}", response_class=HTMLResponse)
def decide(ctx: Ctx, form: Form, proposal_id: int, decision: str) -> Response:
    """The approver's sign-off (결재) or rejection (반려) of a proposal, from the in-tray or the procedure."""
    assert form.page is not None
    check_id(proposal_id)
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
            expected_version(values),
            comment=values.get("comment", "").strip() or None,
        )
    except GcwError as error:
        failed = {"trigger": f"proposal-{proposal_id}", "error": error, "typed": dict(values)}
        return procedure_page(ctx, form.page, procedure_id, status_code=error.http_status, failed=failed)
    target = values.get("next")
    # An approval fires the proposed action, and the page says which one.
    return see_other(target if is_local(target) else f"/procedures/{procedure_id}?done={result.trigger}")


@router.get("/proposals", response_class=HTMLResponse)
def inbox(ctx: Ctx, page: PageUser) -> Response:
    me = page.identity.username
    with ctx.db.read() as session:  # one snapshot: a proposal decided meanwhile is in one list, not two
        inbox = queries.proposals_in(session, approver=me)
        proposed = queries.proposals_in(session, proposed_by=me)
        decided = [
            p
            for status in ("approved", "rejected")
            for p in queries.proposals_in(session, approver=me, status=status)
        ][-20:]
    return render_page(
        "proposals.html", page, nav="proposals", inbox=inbox, proposed=proposed, decided=decided
    )
