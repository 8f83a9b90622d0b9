"""The plan of a procedure (조성계획, or the 기본계획 of a basic-plan procedure): editing it, its versions, and
the difference between two."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from gcworkflow import engine, queries
from gcworkflow.context import Context
from gcworkflow.errors import GcwError, InvalidInput
from gcworkflow.inputs import MAX_ID, check_payload, load_yaml
from gcworkflow.procedures.plan_content import PlanValidationError, missing_items, parse_plan
from gcworkflow.procedures.registry import definition as definition_of
from gcworkflow.web import plandiff, planform, reads
from gcworkflow.web.deps import Ctx, Form, Page, PageUser
from gcworkflow.web.forms import payload_from_form
from gcworkflow.web.pages import check_id, expected_version, render_page, see_other

router = APIRouter(include_in_schema=False)


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
    status = queries.procedure_status(ctx, procedure_id, page.identity.reader())
    kind = planform.plan_kind(definition_of(status["kind"], status["definition_version"]))
    versions = reads.plan_versions(ctx, page.identity.reader(), procedure_id)
    latest = queries.plan_version(ctx, page.identity.reader(), procedure_id) if versions else None
    content = latest["content"] if latest else None
    values = values or {}
    if not kind.structured and "content_yaml" not in values and content:
        values = {**values, "content_yaml": yaml.safe_dump(content, allow_unicode=True, sort_keys=False)}
    return render_page(
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
        readable=list(plandiff.flatten(content, kind.model).values()) if content else [],
    )


@router.get("/procedures/{procedure_id}/plan", response_class=HTMLResponse)
def plan(ctx: Ctx, page: PageUser, procedure_id: int) -> Response:
    return _plan_page(ctx, page, check_id(procedure_id))


def _yaml_content(values: dict[str, str]) -> dict[str, Any]:
    content = load_yaml(values.get("content_yaml", ""), "계획 내용") or {}
    if not isinstance(content, dict):
        raise InvalidInput("계획 내용은 '항목: 값' 형식(YAML)으로 적으십시오")
    return content


@router.post("/procedures/{procedure_id}/plan", response_class=HTMLResponse)
def save_plan(ctx: Ctx, form: Form, procedure_id: int) -> Response:
    """A new plan version: a creation plan is validated per procedure.md §4 first, then every plan is recorded
    through ``record_plan``, which validates it again."""
    assert form.page is not None
    check_id(procedure_id)
    values = form.values
    kind = planform.plan_kind(queries.procedure_definition(ctx, procedure_id))
    shown: planform.PlanForm | None = None
    try:
        # Before the plan is parsed: the YAML of someone who may not record a plan is never read.
        engine.authorise_first(ctx, procedure_id, "record_plan", form.page.identity.actor())
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
            expected_version(values),
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
    return see_other(f"/procedures/{procedure_id}/plan/diff?done=1")


@router.get("/procedures/{procedure_id}/plan/diff", response_class=HTMLResponse)
def plan_diff(
    ctx: Ctx,
    page: PageUser,
    procedure_id: int,
    a: int | None = Query(None, ge=1, le=MAX_ID),
    b: int | None = Query(None, ge=1, le=MAX_ID),
    done: str | None = None,
) -> Response:
    """The difference between two plan versions (default: the newest and the one before)."""
    check_id(procedure_id)
    versions = reads.plan_versions(ctx, page.identity.reader(), procedure_id)
    if not versions:
        raise InvalidInput("아직 계획이 없습니다")
    b = b or versions[-1]["number"]
    a = a or max(1, b - 1)
    old = queries.plan_version(ctx, page.identity.reader(), procedure_id, a)
    new = queries.plan_version(ctx, page.identity.reader(), procedure_id, b)
    status = queries.procedure_status(ctx, procedure_id, page.identity.reader())
    kind = planform.plan_kind(definition_of(status["kind"], status["definition_version"]))
    return render_page(
        "plan_diff.html",
        page,
        nav="dashboard",
        status=status,
        versions=versions,
        old=old,
        new=new,
        rows=plandiff.diff(old["content"], new["content"], kind.model) if a != b else [],
        done=bool(done),
        missing=missing_items(parse_plan(new["content"])) if kind.structured else [],
    )
