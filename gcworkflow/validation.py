"""Korean messages for invalid input: pydantic's errors as a ministry clerk should read them.

Messages are chosen by the error's ``type`` and filled from its ``ctx`` (limits, allowed values); pydantic's own
English ``msg`` never reaches a person. A type not known here gets a plain Korean "값이 올바르지 않습니다", and
a message raised by our own validators (value errors, custom error types) is passed on only if it is Korean,
because a third-party validator (an e-mail or URL type, say) raises value errors in English too.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core.core_schema import ErrorType

__all__ = ["korean_errors", "korean_message", "shown_input", "spurious_length_error"]

GENERIC = "값이 올바르지 않습니다"

# Every type pydantic itself raises; any other type was raised by a validator of ours (PydanticCustomError).
_LIBRARY_TYPES = frozenset(typing.get_args(ErrorType))
_HANGUL = re.compile(r"[가-힣]")

_DATE_FORM = "날짜는 2026-03-05처럼 연-월-일로 적어야 합니다"
_DATETIME_FORM = "일시는 2026-03-05 14:00처럼 연-월-일 시:분으로 적어야 합니다"
_TIME_FORM = "시각은 14:00처럼 시:분으로 적어야 합니다"
# What the date parser (speedate) says in ctx['error'], by its beginning (some end in a range, "of 1-12"), for
# the mistakes a person actually makes; anything else gets the form alone.
_DATE_DETAILS = (
    ("day value is outside expected range", "그 달에 없는 날입니다"),
    ("month value is outside expected range", "월은 1부터 12까지입니다"),
    ("hour value is outside expected range", "시는 0부터 23까지입니다"),
    ("minute value is outside expected range", "분은 0부터 59까지입니다"),
    ("second value is outside expected range", "초는 0부터 59까지입니다"),
    ("invalid date separator", "연·월·일 사이에는 붙임표(-)를 써야 합니다"),
)

_MAPPING_TYPES = {
    "model_type",
    "model_attributes_type",
    "dataclass_type",
    "dict_type",
    "frozen_dict_type",
    "mapping_type",
    "ordered_dict_type",
    "counter_type",
    "named_tuple_type",
}
_SEQUENCE_TYPES = {"tuple_type", "list_type", "iterable_type", "set_type", "frozen_set_type", "deque_type"}


def _choices(expected: str) -> str:
    # pydantic renders the allowed values as "'국비', '지방비', '민자' or '기타'" (or "1 or 2" for numbers);
    # keep just the values, without its English "or".
    values = re.findall(r"'([^']*)'", expected)
    if not values:
        values = [part for part in re.split(r",\s*|\s+or\s+", expected) if part]
    return ", ".join(values)


def _korean(said: object) -> str | None:
    """`said` as text if a person can read it in Korean, else None."""
    text = str(said)
    return text if _HANGUL.search(text) else None


def _with_detail(form: str, ctx: Mapping[str, Any]) -> str:
    said = str(ctx.get("error", ""))
    detail = next((korean for english, korean in _DATE_DETAILS if said.startswith(english)), None)
    return f"{detail}: {form}" if detail else form


def _number(value: object) -> object:
    # A float field reports its limit as 0.0 even when the model says 0; a clerk reads "0보다 커야". Large
    # limits are written with thousands separators, as a ministry writes them (years stay as they are).
    number = int(value) if isinstance(value, float) and value.is_integer() else value
    return f"{number:,}" if isinstance(number, int) and number >= 10_000 else number


def _too_short_text(ctx: Mapping[str, Any]) -> str:
    minimum = ctx.get("min_length", 1)
    return "비어 있을 수 없습니다" if minimum == 1 else f"{minimum}자 이상 적어야 합니다"


def _too_long_text(ctx: Mapping[str, Any], given: object) -> str:
    now = f" (지금 {len(given)}자)" if isinstance(given, str) else ""
    return f"{ctx.get('max_length')}자 이하로 적어야 합니다{now}"


def _too_many(ctx: Mapping[str, Any], _given: object) -> str:
    actual = ctx.get("actual_length")
    now = f" (지금 {actual}개)" if actual is not None else ""
    return f"최대 {ctx.get('max_length')}개까지 적을 수 있습니다{now}"


# Messages by type, grouped as a clerk meets them rather than as pydantic orders them: fixed ones first,
# then those filled from the error's ctx (limits, allowed values) and input.
_FIXED: dict[str, str] = {
    # presence
    "missing": "반드시 적어야 하는 값이 없습니다",
    "missing_argument": "반드시 적어야 하는 값이 없습니다",
    "missing_keyword_only_argument": "반드시 적어야 하는 값이 없습니다",
    "missing_positional_only_argument": "반드시 적어야 하는 값이 없습니다",
    "extra_forbidden": "알 수 없는 항목입니다 (항목 이름에 오타가 없는지 확인하십시오)",
    "unexpected_keyword_argument": "알 수 없는 항목입니다 (항목 이름에 오타가 없는지 확인하십시오)",
    "unexpected_positional_argument": "알 수 없는 항목입니다",
    "multiple_argument_values": "같은 항목이 두 번 적혔습니다",
    "none_required": "비워 두어야 합니다",
    "frozen_field": "바꿀 수 없는 항목입니다",
    "frozen_instance": "바꿀 수 없는 항목입니다",
    # numbers
    "int_type": "쉼표나 단위 없이 정수로 적어야 합니다 (예: 49000000000)",
    "int_parsing": "쉼표나 단위 없이 정수로 적어야 합니다 (예: 49000000000)",
    "int_from_float": "쉼표나 단위 없이 정수로 적어야 합니다 (예: 49000000000)",
    "int_parsing_size": "정수가 너무 큽니다",
    "float_type": "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)",
    "float_parsing": "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)",
    "decimal_type": "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)",
    "decimal_parsing": "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)",
    "fraction_type": "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)",
    "fraction_parsing": "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)",
    "finite_number": "유한한 숫자여야 합니다",
    "bool_type": "예는 true, 아니요는 false로 적어야 합니다",
    "bool_parsing": "예는 true, 아니요는 false로 적어야 합니다",
    # text
    "string_type": "글자(문자열)로 적어야 합니다",
    "string_unicode": "글자(문자열)로 적어야 합니다",
    "string_pattern_mismatch": "정해진 형식에 맞지 않습니다",
    "string_not_ascii": "영문 자모, 숫자와 기호만 쓸 수 있습니다",
    # dates and times
    "date_type": _DATE_FORM,
    "datetime_type": _DATETIME_FORM,
    "datetime_object_invalid": _DATETIME_FORM,
    "time_type": _TIME_FORM,
    # Also what a bare number (20260305, read as a timestamp) gives: the form is what to say either way.
    "date_from_datetime_inexact": "날짜는 2026-03-05처럼 연-월-일로, 시각 없이 적어야 합니다",
    "date_past": "오늘보다 앞선 날이어야 합니다",
    "date_future": "오늘보다 뒤의 날이어야 합니다",
    "datetime_past": "지금보다 앞선 때여야 합니다",
    "datetime_future": "지금보다 뒤의 때여야 합니다",
    "timezone_naive": "시간대를 붙이지 않고 적어야 합니다",
    "timezone_aware": "시간대를 붙여 적어야 합니다 (예: 2026-03-05 14:00+09:00)",
    "timezone_offset": "시간대가 맞지 않습니다 (한국 시간은 +09:00)",
    "time_delta_type": "기간 형식이 올바르지 않습니다",
    "time_delta_parsing": "기간 형식이 올바르지 않습니다",
    # collections
    "set_item_not_hashable": "목록에 넣을 수 없는 값입니다",
    # formats
    "json_invalid": "JSON 형식이 올바르지 않습니다",
    "json_type": "JSON으로 된 글자로 적어야 합니다",
    "url_type": "인터넷 주소(URL)로 적어야 합니다 (예: https://www.example.kr)",
    "url_parsing": "인터넷 주소(URL) 형식이 올바르지 않습니다 (예: https://www.example.kr)",
    "url_syntax_violation": "인터넷 주소(URL) 형식이 올바르지 않습니다 (예: https://www.example.kr)",
    "uuid_type": "UUID 형식으로 적어야 합니다",
    "uuid_parsing": "UUID 형식으로 적어야 합니다",
    "bytes_type": "파일 내용(바이트)으로 넣어야 합니다",
    "bytes_invalid_encoding": "파일 내용의 인코딩이 올바르지 않습니다",
    **dict.fromkeys(_MAPPING_TYPES, "'항목: 값' 형식의 묶음으로 적어야 합니다"),
    **dict.fromkeys(_SEQUENCE_TYPES, "목록(- 로 시작하는 줄들)으로 적어야 합니다"),
}
_FILLED: dict[str, Callable[[Mapping[str, Any], object], str]] = {
    # numbers
    "decimal_max_digits": lambda c, i: f"숫자는 모두 {c.get('max_digits')}자리까지 적을 수 있습니다",
    "decimal_max_places": lambda c, i: f"소수점 아래는 {c.get('decimal_places')}자리까지 적을 수 있습니다",
    "decimal_whole_digits": lambda c, i: f"정수 부분은 {c.get('whole_digits')}자리까지 적을 수 있습니다",
    "greater_than": lambda c, i: f"{_number(c.get('gt'))}보다 커야 합니다",
    "greater_than_equal": lambda c, i: f"{_number(c.get('ge'))} 이상이어야 합니다",
    "less_than": lambda c, i: f"{_number(c.get('lt'))}보다 작아야 합니다",
    "less_than_equal": lambda c, i: f"{_number(c.get('le'))} 이하여야 합니다",
    "multiple_of": lambda c, i: f"{_number(c.get('multiple_of'))}의 배수여야 합니다",
    # text
    "string_too_short": lambda c, i: _too_short_text(c),
    "string_too_long": _too_long_text,
    "literal_error": lambda c, i: f"다음 중 하나여야 합니다: {_choices(str(c.get('expected', '')))}",
    "enum": lambda c, i: f"다음 중 하나여야 합니다: {_choices(str(c.get('expected', '')))}",
    "union_tag_invalid": lambda c, i: f"다음 중 하나여야 합니다: {_choices(str(c.get('expected_tags', '')))}",
    "union_tag_not_found": lambda c, i: f"구분 항목({c.get('discriminator')})이 없습니다",
    # dates and times
    "date_parsing": lambda c, i: _with_detail(_DATE_FORM, c),
    "date_from_datetime_parsing": lambda c, i: _with_detail(_DATE_FORM, c),
    "datetime_parsing": lambda c, i: _with_detail(_DATETIME_FORM, c),
    "datetime_from_date_parsing": lambda c, i: _with_detail(_DATETIME_FORM, c),
    "time_parsing": lambda c, i: _with_detail(_TIME_FORM, c),
    # collections
    "too_short": lambda c, i: f"최소 {c.get('min_length', 1)}개를 적어야 합니다",
    "too_long": _too_many,
    # formats
    "url_too_long": lambda c, i: f"인터넷 주소는 {c.get('max_length')}자까지 적을 수 있습니다",
    "url_scheme": lambda c, i: (
        f"인터넷 주소는 다음으로 시작해야 합니다: {_choices(str(c.get('expected_schemes', '')))}"
    ),
    "uuid_version": lambda c, i: f"UUID 버전 {c.get('expected_version')} 형식이어야 합니다",
    "bytes_too_short": lambda c, i: f"최소 {c.get('min_length')}바이트여야 합니다",
    "bytes_too_long": lambda c, i: f"최대 {c.get('max_length')}바이트까지 넣을 수 있습니다",
}


def korean_message(error: Mapping[str, Any], own_types: Collection[str] = ()) -> str:
    """pydantic's error as a clerk should read it, in Korean; ``own_types`` carry a Korean message already."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in own_types:
        return str(error["msg"])
    if kind in {"value_error", "assertion_error"}:
        # Our validators raise Korean text; ctx['error'] is it without pydantic's "Value error, " prefix.
        return _korean(ctx.get("error", "")) or GENERIC
    if kind not in _LIBRARY_TYPES:
        return _korean(error.get("msg", "")) or GENERIC
    if kind in _FILLED:
        return _FILLED[kind](ctx, error.get("input"))
    return _FIXED.get(kind, GENERIC)


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


def _where(loc: tuple[Any, ...]) -> str:
    # pydantic puts its own labels for union members and validators in the path ("function-after[...]",
    # "literal['a']", "[key]"); a field name never has brackets, so those parts are left out.
    return ".".join(str(part) for part in loc if "[" not in str(part)) or "입력"


def korean_errors(exc: ValidationError) -> str:
    """One line per problem: ``- 필드.경로: 메시지``."""
    return "\n".join(f"- {where}: {message}" for where, message in _problems(exc))


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    """:func:`korean_errors`' messages by the input field they are about (the first part of the path)."""
    by_field: dict[str, list[str]] = {}
    for where, message in _problems(exc):
        by_field.setdefault(where.split(".", 1)[0], []).append(message)
    return by_field


def _problems(exc: ValidationError) -> Iterator[tuple[str, str]]:
    for error in exc.errors(include_url=False):
        if not spurious_length_error(error):
            yield _where(tuple(error["loc"])), f"{korean_message(error)}{shown_input(error)}"
