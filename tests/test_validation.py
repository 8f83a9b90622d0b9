"""Invalid input is explained in Korean: pydantic's English never reaches a person (gcworkflow/validation.py)."""

from __future__ import annotations

import re
import typing
from datetime import date
from typing import Annotated, Any, Literal

import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError
from pydantic_core.core_schema import ErrorType

from gcworkflow.procedures.committee import MeetingPayload
from gcworkflow.procedures.ministry_consultation import MinistryReplyPayload
from gcworkflow.validation import GENERIC, korean_errors, korean_message

HANGUL = re.compile(r"[가-힣]")
LIBRARY_PHRASES = ("Input should", "Value error", "Field required", "should have", "Extra inputs")


def _errors(model: type[BaseModel], payload: dict[str, Any]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    return caught.value.errors(include_url=False)


def _english_words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z]+", text)}


# A meeting record and a ministry's reply, as a clerk might get them wrong.
REPRESENTATIVE = [
    (MeetingPayload, {"meeting_name": "중앙환경정책위원회", "meeting_no": "첫째", "held_on": "2026-02-30"}),
    (
        MinistryReplyPayload,
        {
            "ministry": "산업통상부",
            "position": "찬성",
            "received_on": "2026-03-05",
            "summary": "가" * 4001,
            "reply_to": "x",
        },
    ),
]


@pytest.mark.parametrize(("model", "payload"), REPRESENTATIVE)
def test_representative_mistakes_are_explained_in_korean(model: type[BaseModel], payload: dict) -> None:
    errors = _errors(model, payload)
    assert len(errors) >= 3
    for error in errors:
        message = korean_message(error)
        assert HANGUL.search(message), (error["type"], message)
        # None of the library's words, not even one ("Input", "should", "valid", "date", "at", "most" …).
        assert not _english_words(message) & _english_words(error["msg"]), (error["type"], message)


def test_the_messages_say_what_is_wrong() -> None:
    meeting = {e["loc"][0]: korean_message(e) for e in _errors(MeetingPayload, REPRESENTATIVE[0][1])}
    assert meeting["held_on"] == "그 달에 없는 날입니다: 날짜는 2026-03-05처럼 연-월-일로 적어야 합니다"
    assert meeting["meeting_no"].startswith("쉼표나 단위 없이 정수로 적어야 합니다")
    assert meeting["agenda_no"] == "반드시 적어야 하는 값이 없습니다"
    reply = {e["loc"][0]: korean_message(e) for e in _errors(MinistryReplyPayload, REPRESENTATIVE[1][1])}
    assert reply["position"] == "다음 중 하나여야 합니다: 동의, 조건부 동의, 이견, 의견 없음"
    assert reply["summary"] == "4000자 이하로 적어야 합니다 (지금 4001자)"
    assert reply["reply_to"].startswith("알 수 없는 항목입니다")


@pytest.mark.parametrize(("model", "payload"), REPRESENTATIVE)
def test_korean_errors_leaves_no_library_phrase(model: type[BaseModel], payload: dict) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(payload)
    text = korean_errors(caught.value)
    assert text.count("\n") + 1 == len(caught.value.errors())
    for phrase in LIBRARY_PHRASES:
        assert phrase not in text


class _Limits(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(default=1, ge=1, le=9)
    share: float = Field(default=0.5, gt=0, lt=1)
    ok: bool = True
    items: list[int] = Field(default_factory=lambda: [1], min_length=1, max_length=2)
    code: str = Field(default="47", min_length=2, max_length=2, pattern=r"^\d+$")
    kind: Literal[1, 2] = 1
    on: date = date(2026, 3, 5)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"count": 0}, "1 이상이어야 합니다"),
        ({"count": 10}, "9 이하여야 합니다"),
        ({"share": 0}, "0보다 커야 합니다"),
        ({"share": 1}, "1보다 작아야 합니다"),
        ({"share": "반"}, "쉼표나 단위 없이 숫자로 적어야 합니다 (예: 12.5)"),
        ({"ok": "아마"}, "예는 true, 아니요는 false로 적어야 합니다"),
        ({"items": []}, "최소 1개를 적어야 합니다"),
        ({"items": [1, 2, 3]}, "최대 2개까지 적을 수 있습니다 (지금 3개)"),
        ({"items": "1"}, "목록(- 로 시작하는 줄들)으로 적어야 합니다"),
        ({"code": "4"}, "2자 이상 적어야 합니다"),
        ({"code": "4a"}, "정해진 형식에 맞지 않습니다"),
        ({"kind": 3}, "다음 중 하나여야 합니다: 1, 2"),
        ({"on": "2026-13-01"}, "월은 1부터 12까지입니다: 날짜는 2026-03-05처럼 연-월-일로 적어야 합니다"),
        ({"on": "어제"}, "날짜는 2026-03-05처럼 연-월-일로 적어야 합니다"),
        ({"on": "2026-02-30"}, "그 달에 없는 날입니다: 날짜는 2026-03-05처럼 연-월-일로 적어야 합니다"),
        (
            {"on": "2026/03/05"},
            "연·월·일 사이에는 붙임표(-)를 써야 합니다: 날짜는 2026-03-05처럼 연-월-일로 적어야 합니다",
        ),
        ({"on": "2026-03-05T10:30"}, "날짜는 2026-03-05처럼 연-월-일로, 시각 없이 적어야 합니다"),
    ],
)
def test_limits_and_choices_come_from_the_error_context(payload: dict, expected: str) -> None:
    (error,) = _errors(_Limits, payload)
    assert korean_message(error) == expected
    assert not _english_words(expected) & _english_words(error["msg"])


def _korean_check(value: str) -> str:
    if value == "거절":
        raise ValueError("거절된 값입니다")
    if value == "english":
        raise ValueError("rejected by a library")
    if value == "custom":
        raise PydanticCustomError("our_rule", "우리 규칙에 맞지 않습니다: {value}", {"value": value})
    if value == "custom-english":
        raise PydanticCustomError("their_rule", "does not follow their rule")
    return value


class _Ours(BaseModel):
    value: Annotated[str, AfterValidator(_korean_check)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("거절", "거절된 값입니다"),  # our own Korean, without pydantic's "Value error, "
        ("english", GENERIC),  # a library's English value error (an e-mail type's, say) is not passed on
        ("custom", "우리 규칙에 맞지 않습니다: custom"),
        ("custom-english", GENERIC),
    ],
)
def test_our_own_messages_pass_and_foreign_english_does_not(value: str, expected: str) -> None:
    (error,) = _errors(_Ours, {"value": value})
    assert korean_message(error) == expected


@pytest.mark.parametrize("kind", typing.get_args(ErrorType))
def test_every_library_type_is_said_in_korean(kind: str) -> None:
    ctx = {
        "gt": 0,
        "ge": 0,
        "lt": 9,
        "le": 9,
        "multiple_of": 5,
        "min_length": 2,
        "max_length": 3,
        "actual_length": 4,
        "expected": "'가' or '나'",
        "expected_tags": "'a', 'b'",
        "expected_schemes": "'http' or 'https'",
        "discriminator": "'kind'",
        "error": "day value is outside expected range",
        "max_digits": 5,
        "decimal_places": 2,
        "whole_digits": 3,
        "expected_version": 4,
    }
    error = {"type": kind, "loc": ("x",), "msg": "Input should be something else", "input": "?", "ctx": ctx}
    message = korean_message(error)
    assert HANGUL.search(message), message
    # Only format names and examples may be in Latin letters, never the library's prose.
    allowed = {
        "true",
        "false",
        "json",
        "url",
        "uuid",
        "https",
        "http",
        "www",
        "example",
        "kr",
        "a",
        "b",
        "kind",
    }
    assert _english_words(message) <= allowed, message
    assert message == GENERIC or kind not in {"is_instance_of", "callable_type", "recursion_loop"}


def test_union_labels_are_left_out_of_the_path() -> None:
    class Pick(BaseModel):
        choice: Literal["가"] | Annotated[str, AfterValidator(_korean_check)]

    with pytest.raises(ValidationError) as caught:
        Pick.model_validate({"choice": "거절"})
    text = korean_errors(caught.value)
    assert "[" not in text.split(":")[0] and "literal" not in text and "function" not in text
    assert text.startswith("- choice: ")
