"""The creation plan (조성계획, procedure.md §4) as a plain form: its sections, and content to form and back.

The form follows the plan's model section by section; labels and choices come from the model itself
(``plan_content``), so the form cannot drift from what the engine validates. Repeated items (locations,
facilities, budget items, institutions) are table rows; empty rows are ignored and "행 추가" sends the form
back with more of them, so no script is needed. Validation is ``parse_plan``'s: every problem is listed in
Korean and, where it has one, shown at its input. How two versions differ is ``plandiff``'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from gcworkflow.procedures.drafting import PlanPayload
from gcworkflow.procedures.plan_content import (
    BasicPlanConsistency,
    CreationPeriod,
    Facilities,
    Facility,
    FeasibilityAnalysis,
    Financing,
    FinancingItem,
    GreenInnovationIndustry,
    NecessityEffects,
    OperationPlan,
    PlanContent,
    PlanProblem,
    ResearchInstitution,
    TenantAttractionPlan,
)
from gcworkflow.procedures.spec import ProcedureDefinition
from gcworkflow.web.forms import FormField, fields_of

EXTRA_ROWS = 2  # blank rows offered under the filled ones
ADDED_ROWS = 3  # rows one "행 추가" adds
MAX_ROWS = 60


@dataclass(frozen=True)
class PlanKind:
    """How a procedure kind takes its plan: the §4 form for a creation plan, YAML for another content (the
    기본계획), and the other inputs of its ``record_plan`` (a change's reason, say)."""

    structured: bool
    extra: tuple[FormField, ...]

    @property
    def model(self) -> type[BaseModel] | None:
        return PlanContent if self.structured else None


def plan_kind(definition: ProcedureDefinition) -> PlanKind:
    action = definition.action("record_plan")
    payload = action.payload if action else None
    extra = tuple(f for f in fields_of(payload) if f.name not in ("content", "mode"))
    return PlanKind(payload is not None and issubclass(payload, PlanPayload), extra)


@dataclass(frozen=True)
class Input:
    name: str  # the content path ("financing.total_cost_krw"), or the column of a table row
    label: str
    kind: str  # text | textarea | number | lines | select
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class Table:
    key: str  # inputs are named "<key>-<row>-<column>"
    path: str  # where the rows go in the content ("financing.items"); "regions" is grouped by 시·도
    label: str
    columns: tuple[Input, ...]


@dataclass(frozen=True)
class Section:
    key: str  # the content key ("" for the top-level items of §4 item 1)
    title: str
    basis: str
    inputs: tuple[Input, ...] = ()
    table: Table | None = None


def _enum(model: type[BaseModel], name: str) -> tuple[str, ...]:
    prop = model.model_json_schema()["properties"][name]
    return tuple(prop.get("enum", ()))


def _in(model: type[BaseModel], name: str, kind: str, path: str | None = None, help: str = "") -> Input:
    info = model.model_fields[name]
    choices = _enum(model, name) if kind == "select" else ()
    return Input(path or name, info.title or name, kind, choices, help or (info.description or ""))


_ACT, _DECREE = "녹색융합클러스터법", "녹색융합클러스터법 시행령"

SECTIONS: tuple[Section, ...] = (
    Section(
        "",
        "명칭·위치·면적",
        f"{_ACT} 제11조제1호",
        (
            _in(PlanContent, "name", "text"),
            _in(PlanContent, "location_detail", "text"),
            _in(PlanContent, "area_m2", "number"),
        ),
        Table(
            "loc",
            "regions",
            "위치 (시·도와 시·군·구; 여러 시·도 가능)",
            (
                Input("sido_code", "시·도 코드", "text", help="두 자리, 예: 47"),
                Input("sigungu", "시·군·구", "text", help="예: 구미시"),
                Input("code", "시·군·구 코드", "text", help="다섯 자리, 선택"),
            ),
        ),
    ),
    Section(
        "basic_plan_consistency",
        "기본계획과의 부합성",
        f"{_ACT} 제11조제2호",
        (
            _in(BasicPlanConsistency, "basic_plan", "text", "basic_plan_consistency.basic_plan"),
            _in(BasicPlanConsistency, "statement", "textarea", "basic_plan_consistency.statement"),
        ),
    ),
    Section(
        "necessity_effects",
        "조성 필요성 및 효과 (사업 타당성 분석 포함)",
        f"{_ACT} 제11조제3호",
        (
            _in(NecessityEffects, "necessity", "textarea", "necessity_effects.necessity"),
            _in(NecessityEffects, "effects", "textarea", "necessity_effects.effects"),
            _in(FeasibilityAnalysis, "cost_krw", "number", "necessity_effects.feasibility.cost_krw"),
            _in(FeasibilityAnalysis, "benefit_krw", "number", "necessity_effects.feasibility.benefit_krw"),
            _in(
                FeasibilityAnalysis,
                "market_size_krw",
                "number",
                "necessity_effects.feasibility.market_size_krw",
            ),
            _in(FeasibilityAnalysis, "summary", "textarea", "necessity_effects.feasibility.summary"),
        ),
    ),
    Section(
        "facilities",
        "주요 시설 및 집적단지 조성계획",
        f"{_ACT} 제11조제4호",
        (_in(Facilities, "agglomeration_complex", "textarea", "facilities.agglomeration_complex"),),
        Table(
            "fac",
            "facilities.items",
            "주요 시설",
            (
                _in(Facility, "category", "select"),
                _in(Facility, "name", "text"),
                _in(Facility, "status", "select"),
            ),
        ),
    ),
    Section(
        "green_innovation_industry",
        "녹색혁신산업 육성계획",
        f"{_ACT} 제11조제5호",
        (
            _in(
                GreenInnovationIndustry,
                "industries",
                "lines",
                "green_innovation_industry.industries",
                "한 줄에 한 분야씩",
            ),
            _in(
                GreenInnovationIndustry,
                "regional_contribution",
                "textarea",
                "green_innovation_industry.regional_contribution",
            ),
        ),
    ),
    Section(
        "financing",
        "재원조달계획",
        f"{_ACT} 제11조제6호",
        (_in(Financing, "total_cost_krw", "number", "financing.total_cost_krw"),),
        Table(
            "fin",
            "financing.items",
            "추진내역별 소요예산과 재원 (합계가 총사업비와 같아야 합니다)",
            (
                _in(FinancingItem, "item", "text"),
                _in(FinancingItem, "source", "select"),
                _in(FinancingItem, "amount_krw", "number"),
            ),
        ),
    ),
    Section(
        "operation_plan",
        "운영계획",
        f"{_DECREE} 제7조제1호",
        (
            _in(OperationPlan, "summary", "textarea", "operation_plan.summary"),
            _in(OperationPlan, "operating_institution", "text", "operation_plan.operating_institution"),
        ),
    ),
    Section(
        "infrastructure_plan",
        "기반시설 확보계획",
        f"{_DECREE} 제7조제2호",
        (_in(PlanContent, "infrastructure_plan", "textarea"),),
    ),
    Section(
        "tenant_attraction_plan",
        "입주기업 유치계획",
        f"{_DECREE} 제7조제3호",
        (
            _in(TenantAttractionPlan, "summary", "textarea", "tenant_attraction_plan.summary"),
            _in(
                TenantAttractionPlan,
                "local_support_linkage",
                "textarea",
                "tenant_attraction_plan.local_support_linkage",
            ),
        ),
    ),
    Section(
        "research_institutions",
        "전문연구기관 및 전문인력 양성기관",
        "기본계획(2023~2027) 붙임 조성계획 가이드라인",
        (),
        Table(
            "inst",
            "research_institutions",
            "기관 (두 구분 모두 필요)",
            (
                _in(ResearchInstitution, "name", "text"),
                _in(ResearchInstitution, "kind", "select"),
                _in(ResearchInstitution, "status", "select"),
            ),
        ),
    ),
    Section(
        "creation_period",
        "조성기간",
        "녹색융합클러스터법 시행규칙 제3조제3호",
        (
            _in(CreationPeriod, "start_year", "number", "creation_period.start_year"),
            _in(CreationPeriod, "end_year", "number", "creation_period.end_year"),
        ),
    ),
)


@dataclass
class PlanForm:
    """A plan as the form shows it: input values by name, and how many rows each table has."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def rows_of(self, table: Table) -> range:
        return range(self.rows.get(table.key, 0) + EXTRA_ROWS)


# --- content → form -------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(map(str, value))
    return "" if value is None else str(value)


def _get(content: Mapping[str, Any], path: str) -> Any:
    value: Any = content
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def form_from_content(content: Mapping[str, Any] | None) -> PlanForm:
    form = PlanForm()
    content = content or {}
    for section in SECTIONS:
        for spec in section.inputs:
            form.values[spec.name] = _shown(_get(content, spec.name))
        table = section.table
        if table is None:
            continue
        if table.path == "regions":
            row = 0
            for region in content.get("regions") or []:
                for sigungu in region.get("sigungu") or [{}]:
                    form.values[f"loc-{row}-sido_code"] = str(region.get("sido_code", ""))
                    form.values[f"loc-{row}-sigungu"] = str(sigungu.get("name", ""))
                    form.values[f"loc-{row}-code"] = str(sigungu.get("code") or "")
                    row += 1
            form.rows["loc"] = row
            continue
        items = _get(content, table.path) or []
        for i, item in enumerate(items):
            for column in table.columns:
                form.values[f"{table.key}-{i}-{column.name}"] = _shown(item.get(column.name))
        form.rows[table.key] = len(items)
    return form


# --- form → content -------------------------------------------------------------------------------


def _value(spec: Input, text: str) -> Any:
    text = text.strip()
    if spec.kind == "number":
        cleaned = text.replace(",", "").replace(" ", "")
        # A value that is not an integer is passed on as written, so the plan's validation names it.
        return int(cleaned) if cleaned.lstrip("-").isdigit() else text
    if spec.kind == "lines":
        return [line.strip() for line in text.splitlines() if line.strip()]
    return text


def _put(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def _row_count(values: Mapping[str, str], key: str) -> int:
    highest = -1
    prefix = f"{key}-"
    for name in values:
        if name.startswith(prefix):
            index = name[len(prefix) :].split("-", 1)[0]
            if index.isdigit():
                highest = max(highest, int(index))
    return min(highest + 1, MAX_ROWS)


def read_form(values: Mapping[str, str]) -> tuple[dict[str, Any], PlanForm, dict[str, str]]:
    """The submitted form as plan content, the form to show again, and where each content path was typed."""
    content: dict[str, Any] = {}
    form = PlanForm()
    where: dict[str, str] = {}
    for section in SECTIONS:
        for spec in section.inputs:
            raw = values.get(spec.name, "")
            form.values[spec.name] = raw
            if raw.strip():
                _put(content, spec.name, _value(spec, raw))
                where[spec.name] = spec.name
        if section.table is not None:
            _read_table(section.table, values, content, form, where)
    return content, form, where


def _read_table(
    table: Table,
    values: Mapping[str, str],
    content: dict[str, Any],
    form: PlanForm,
    where: dict[str, str],
) -> None:
    items: list[dict[str, Any]] = []
    regions: dict[str, dict[str, Any]] = {}
    kept = 0
    for row in range(_row_count(values, table.key)):
        cells = {c.name: values.get(f"{table.key}-{row}-{c.name}", "") for c in table.columns}
        if not any(v.strip() for v in cells.values()):
            continue
        for column in table.columns:
            form.values[f"{table.key}-{kept}-{column.name}"] = cells[column.name]
        name = f"{table.key}-{kept}"
        kept += 1
        if table.path == "regions":
            code = cells["sido_code"].strip()
            region = regions.setdefault(code, {"sido_code": code, "sigungu": []})
            index = list(regions).index(code)
            where[f"regions[{index}].sido_code"] = f"{name}-sido_code"
            if cells["sigungu"].strip():
                sigungu = {"name": cells["sigungu"].strip()}
                if cells["code"].strip():
                    sigungu["code"] = cells["code"].strip()
                at = f"regions[{index}].sigungu[{len(region['sigungu'])}]"
                where[f"{at}.name"], where[f"{at}.code"] = f"{name}-sigungu", f"{name}-code"
                region["sigungu"].append(sigungu)
            continue
        item = {c.name: _value(c, cells[c.name]) for c in table.columns if cells[c.name].strip()}
        for column in table.columns:
            where[f"{table.path}[{len(items)}].{column.name}"] = f"{name}-{column.name}"
        items.append(item)
    # Filled rows move up; the form comes back with as many rows as it was sent with, blank ones included.
    form.rows[table.key] = max(kept, _row_count(values, table.key) - EXTRA_ROWS)
    if table.path == "regions":
        if regions:
            content["regions"] = list(regions.values())
    elif items:
        _put(content, table.path, items)


def _input_for(path: str, where: Mapping[str, str]) -> str | None:
    """The input a content path was typed in, or the first input under it, or under its parent."""
    while True:
        if path in where:
            return where[path]
        under = [name for p, name in where.items() if p.startswith((f"{path}.", f"{path}["))]
        if path and under:
            return under[0]
        if not path:
            return None
        path = path.rsplit(".", 1)[0] if "." in path else ""


def add_row(form: PlanForm, key: str) -> None:
    """More rows in a table ("행 추가")."""
    form.rows[key] = min(form.rows.get(key, 0) + ADDED_ROWS, MAX_ROWS - EXTRA_ROWS)


def problems_by_input(problems: list[PlanProblem], where: Mapping[str, str]) -> dict[str, list[str]]:
    """Each problem at the input it concerns (a section-wide one at the section's first input)."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        target = _input_for(problem.path, where)
        if target is not None:
            found.setdefault(target, []).append(problem.message)
    return found
