"""Korean messages for invalid input: pydantic's errors as a ministry clerk should read them."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import ValidationError


def _choices(expected: str) -> str:
    # pydantic renders the allowed values as "'국비', '지방비', '민자' or '기타'"; keep just the values.
    values = re.findall(r"'([^']*)'", expected)
    return ", ".join(values) if values else expected


def korean_message(error: Mapping[str, Any], own_types: Collection[str] = ()) -> str:
    """pydantic's English error, as a clerk should read it; ``own_types`` carry a Korean message already."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in own_types:
        return str(error["msg"])
    if kind == "missing":
        return "반드시 적어야 하는 값이 없습니다"
    if kind == "extra_forbidden":
        return "알 수 없는 항목입니다 (항목 이름에 오타가 없는지 확인하십시오)"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return "쉼표나 단위 없이 정수로 적어야 합니다 (예: 49000000000)"
    if kind in {"string_type", "string_unicode"}:
        return "글자(문자열)로 적어야 합니다"
    if kind == "string_too_short":
        return "비어 있을 수 없습니다"
    if kind == "too_short":
        return f"최소 {ctx.get('min_length', 1)}개를 적어야 합니다"
    if kind == "greater_than":
        return f"{ctx.get('gt')}보다 커야 합니다"
    if kind == "greater_than_equal":
        return f"{ctx.get('ge')} 이상이어야 합니다"
    if kind == "less_than":
        return f"{ctx.get('lt')}보다 작아야 합니다"
    if kind == "less_than_equal":
        return f"{ctx.get('le')} 이하여야 합니다"
    if kind in {"literal_error", "enum"}:
        return f"다음 중 하나여야 합니다: {_choices(str(ctx.get('expected', '')))}"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "'항목: 값' 형식의 묶음으로 적어야 합니다"
    if kind in {"tuple_type", "list_type", "iterable_type"}:
        return "목록(- 로 시작하는 줄들)으로 적어야 합니다"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return f"값이 올바르지 않습니다 ({error['msg']})"


def shown_input(error: Mapping[str, Any], own_types: Collection[str] = ()) -> str:
    value = error.get("input")
    if error["type"] in {"missing", "extra_forbidden"} or error["type"] in own_types:
        return ""
    if isinstance(value, str | int | float | bool):
        shown = repr(value) if isinstance(value, str) else str(value)
        return f" (입력값: {shown[:60]})"
    return ""


def spurious_length_error(error: Mapping[str, Any]) -> bool:
    # pydantic counts only the items that validated, so one bad item in a one-item list also yields "at least
    # 1 item"; the clerk did write an item, and the item's own error already says what is wrong with it.
    if error["type"] != "too_short":
        return False
    given = error.get("input")
    minimum = (error.get("ctx") or {}).get("min_length", 0)
    return isinstance(given, list | tuple) and len(given) >= minimum


def korean_errors(exc: ValidationError) -> str:
    """One line per problem: ``- 필드.경로: 메시지``."""
    lines = []
    for error in exc.errors(include_url=False):
        if spurious_length_error(error):
            continue
        where = ".".join(str(part) for part in error["loc"]) or "입력"
        lines.append(f"- {where}: {korean_message(error)}{shown_input(error)}")
    return "\n".join(lines)
