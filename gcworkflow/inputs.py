"""What people type, checked before anything else reads it (issue 15 §2), for every door alike.

- Names and titles are one line of visible text: no control character (ESC, BEL, CR, LF, the other C0 and C1
  codes), no line or paragraph separator, no bidirectional override — any of them, printed later by the CLI,
  would move the cursor, recolour the terminal or reorder what the reader sees. :func:`visible` shows such
  characters as escapes, for rows stored before this check.
- YAML a person wrote is read without aliases: a few hundred bytes of nested ``&a [*b, *b, …]`` expand to
  billions of nodes ("billion laughs"), and nothing a clerk enters needs one.
- A payload holds only what the database and the canonical JSON can keep (:func:`check_payload`).

Ground floor: the payload models (procedures/), the CLI and the pages share these checks.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any

import yaml

from gcworkflow.errors import InvalidInput

MAX_DEPTH = 12  # nesting of a payload: a plan file is 5 deep, and a payload wraps it once
MAX_YAML_DEPTH = 64  # nesting the YAML reader may build before MAX_DEPTH refuses it with the field's name
MAX_SAFE_INT = 2**53 - 1
MAX_ID = 2**31 - 1  # every id and version column is a PostgreSQL integer: the API and the CLI bound ids by it
# Bidirectional formatting: they reorder the text around them as it is displayed ("Trojan Source").
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# libyaml when PyYAML was built with it: about four times faster than the pure-Python reader.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _BIDI


def visible(text: str) -> str:
    """``text`` with each control character written as its escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    if not any(_is_control(c) for c in text):
        return text
    return "".join(repr(c)[1:-1] if _is_control(c) else c for c in text)


def control_problem(text: str) -> str | None:
    """What is wrong with ``text`` as a name or title, in Korean, or None."""
    where = next((i for i, c in enumerate(text) if _is_control(c)), None)
    if where is None:
        return None
    return (
        f"제어 문자({visible(text[where])}, {where + 1}번째 글자)는 쓸 수 없습니다: 줄바꿈·탭 없이 한 줄로, "
        "보이는 글자만 적으십시오"
    )


def single_line(text: str, what: str) -> str:
    """``text`` if it is one line of visible text, else ``invalid_input`` naming ``what`` (a name or title)."""
    problem = control_problem(text)
    if problem is not None:
        raise InvalidInput(f"{what}에 {problem}")
    return text


def one_line(text: str) -> str:
    """:func:`single_line` for a payload model's field (pydantic lists it with the field's other errors)."""
    problem = control_problem(text)
    if problem is not None:
        raise ValueError(problem)
    return text


def load_yaml(text: str, where: str) -> Any:
    """YAML a person wrote, read as ``yaml.safe_load`` reads it, but refused (``invalid_input``, naming
    ``where``) when it uses an alias or nests deeper than :data:`MAX_YAML_DEPTH`. One pass over the parser's
    events, linear in the text, checks both before anything is built."""
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            if isinstance(event, yaml.AliasEvent):
                line = event.start_mark.line + 1 if event.start_mark else "?"
                raise InvalidInput(
                    f"{where}에 YAML 별칭(*{event.anchor}, {line}행)이 있습니다: 별칭은 받지 않으니 같은 값을 "
                    "그 자리에 직접 적으십시오"
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise InvalidInput(f"{where}의 중첩이 너무 깊습니다 (최대 {MAX_YAML_DEPTH}단계)")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.load(text, Loader=_YAML_LOADER)  # a safe loader; aliases refused above
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{where}의 형식이 맞지 않습니다 (YAML): {exc}") from exc
    except (ValueError, OverflowError) as exc:
        # What the safe constructor cannot build: an integer of thousands of digits, a date like 2026-02-30.
        raise InvalidInput(f"{where}에 읽을 수 없는 값이 있습니다 (YAML): {exc}") from exc


def check_payload(value: Any, depth: int = 0) -> Any:
    """Refuse what the database or the canonical JSON cannot hold, before it reaches the engine: NUL and lone
    surrogates in strings, integers beyond what JSON carries exactly, non-finite numbers, deep nesting."""
    if depth > MAX_DEPTH:
        raise InvalidInput("입력의 중첩이 너무 깊습니다")
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INT:
            raise InvalidInput(f"숫자가 너무 큽니다: {value}")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput("숫자가 아닌 값(NaN, 무한대)은 받을 수 없습니다")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_text(str(key))
            check_payload(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_payload(item, depth + 1)
    return value


def check_text(text: str) -> str:
    if "\x00" in text:
        raise InvalidInput("입력에 NUL 문자(\\x00)가 들어 있습니다: 그 문자를 지우고 다시 보내십시오")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("입력에 UTF-8로 나타낼 수 없는 문자가 들어 있습니다") from exc
    return text
