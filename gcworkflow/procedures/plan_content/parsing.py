"""Reading a creation plan from YAML/JSON/CLI input with every problem listed in Korean, replacing whole
sections of a saved one, and the digest an approver signs off."""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from gcworkflow.procedures.plan_content.models import PlanContent
from gcworkflow.validation import korean_message, shown_input, spurious_length_error


@dataclass(frozen=True)
class PlanProblem:
    """One invalid value: where it is (English field path and Korean labels) and what is wrong, in Korean."""

    path: str  # e.g. "financing.items[1].amount_krw"
    label: str  # e.g. "재원조달계획 › 재원 항목 2번째 › 금액(원)"
    message: str
    type: str  # pydantic's error type or ours, e.g. "financing_sum_mismatch"

    def __str__(self) -> str:
        where = f"{self.label} ({self.path})" if self.path else self.label
        return f"{where}: {self.message}"


class PlanValidationError(ValueError):
    """A plan that cannot be saved, with every problem listed in Korean for the clerk."""

    def __init__(self, problems: list[PlanProblem]) -> None:
        self.problems = problems
        lines = [f"조성계획에 바로잡아야 할 값이 {len(problems)}건 있습니다:"]
        lines.extend(f"- {problem}" for problem in problems)
        super().__init__("\n".join(lines))


def inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model class inside Optional[...], tuple[..., ...] or Annotated[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        found = inner_model(argument)
        if found is not None:
            return found
    return None


def _locate(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """Turn pydantic's loc into ("financing.items[1].amount_krw", "재원조달계획 › 재원 항목 2번째 › 금액(원)")."""
    path = ""
    labels: list[str] = []
    model: type[BaseModel] | None = PlanContent
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            if labels:
                labels[-1] += f" {part + 1}번째"
            continue
        path += f".{part}" if path else part
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            labels.append(part)  # an unknown key (extra_forbidden): show it as written
            model = None
            continue
        labels.append(field.title or part)
        model = inner_model(field.annotation)
    return path, " › ".join(labels) or "조성계획 전체"


_OUR_TYPES = {
    "unknown_sido",
    "sigungu_code",
    "sigungu_outside_sido",
    "duplicate_sigungu",
    "duplicate_sido",
    "duplicate_industry",
    "financing_sum_mismatch",
    "creation_period_order",
}


def _problems(exc: ValidationError) -> list[PlanProblem]:
    problems: list[PlanProblem] = []
    for error in exc.errors(include_url=False):
        if spurious_length_error(error):
            continue
        path, label = _locate(tuple(error["loc"]))
        message = korean_message(error, _OUR_TYPES) + shown_input(error, _OUR_TYPES)
        problems.append(PlanProblem(path, label, message, error["type"]))
    return problems


def parse_plan(data: Mapping[str, Any] | None) -> PlanContent:
    """Validate a plan read from YAML/JSON/CLI input; raise PlanValidationError listing every problem in Korean."""
    if data is None:
        return PlanContent()
    if not isinstance(data, Mapping):
        raise PlanValidationError(
            [PlanProblem("", "조성계획 전체", "'항목: 값' 형식의 묶음으로 적어야 합니다", "model_type")]
        )
    try:
        return PlanContent.model_validate(dict(data))
    except ValidationError as exc:
        raise PlanValidationError(_problems(exc)) from exc


def merge_plan(base: PlanContent | None, changes: Mapping[str, Any]) -> PlanContent:
    """Replace whole sections of `base` with `changes` (None removes a section) and validate the result.

    Sections are replaced, not deep-merged, so that a CLI edit like "--financing file.yaml" cannot leave a
    stale budget item behind that would silently change the total.
    """
    if not isinstance(changes, Mapping):
        raise PlanValidationError(
            [PlanProblem("", "변경 내용", "'항목: 값' 형식의 묶음으로 적어야 합니다", "model_type")]
        )
    merged: dict[str, Any] = base.model_dump(exclude_none=True) if base is not None else {}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, BaseModel):
            merged[key] = value.model_dump(exclude_none=True)  # revalidated, so a stale instance is caught
        else:
            merged[key] = value
    return parse_plan(merged)


def plan_digest(plan: PlanContent) -> str:
    """SHA-256 (hex) of the plan's canonical JSON: what an approver signs off and a proposal pins."""
    canonical = json.dumps(
        plan.model_dump(mode="json", exclude_none=True),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
