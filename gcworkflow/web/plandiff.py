"""A plan as labelled leaves, and the difference between two of its versions, for people to read.

Labels are the plan model's field titles (``plan_content``) where it has them, so an item reads as the form
names it; content without a model (the 기본계획) is labelled by its own keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from gcworkflow.procedures.plan_content import PlanContent, format_krw, format_krw_eok
from gcworkflow.procedures.plan_content.parsing import inner_model


def _display(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "예" if value else "아니오"
    if isinstance(value, int) and key.endswith("_krw"):
        return f"{format_krw_eok(value)} ({format_krw(value)})"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def flatten(
    content: Any, model: type[BaseModel] | None = PlanContent, label: str = "", key: str = ""
) -> dict:
    """Every leaf of a plan as ``{path: (Korean label, shown value)}``, in the model's order."""
    leaves: dict[str, tuple[str, str]] = {}
    if isinstance(content, Mapping):
        names = list(model.model_fields) if model is not None else []
        for name in sorted(content, key=lambda n: (names.index(n) if n in names else len(names), n)):
            info = model.model_fields.get(name) if model is not None else None
            title = (info.title if info else None) or name
            inner = inner_model(info.annotation) if info else None
            leaves.update(
                flatten(
                    content[name],
                    inner,
                    f"{label} › {title}" if label else title,
                    f"{key}.{name}" if key else name,
                )
            )
    elif isinstance(content, list):
        for i, item in enumerate(content):
            leaves.update(flatten(item, model, f"{label} {i + 1}번째", f"{key}[{i}]"))
    else:
        leaves[key] = (label, _display(key, content))
    return leaves


def diff(
    old: Mapping[str, Any], new: Mapping[str, Any], model: type[BaseModel] | None = PlanContent
) -> list[dict[str, str]]:
    """What changed from ``old`` to ``new``: one row per leaf that was added, removed or changed (labelled by
    ``model``'s field titles where it has them)."""
    before, after = flatten(old, model), flatten(new, model)
    order = list(after) + [k for k in before if k not in after]
    rows = []
    for path in order:
        if path in before and path in after and before[path][1] == after[path][1]:
            continue
        label = (after.get(path) or before[path])[0]
        change = "추가" if path not in before else "삭제" if path not in after else "변경"
        rows.append(
            {
                "path": path,
                "label": label,
                "change": change,
                "before": before[path][1] if path in before else "",
                "after": after[path][1] if path in after else "",
            }
        )
    return rows
