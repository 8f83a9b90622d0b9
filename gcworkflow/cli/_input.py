"""Turning command-line input into payloads: data files (YAML/JSON), ``-p key=value`` pairs, attachments;
and the ids commands take, bounded as the database holds them."""

from __future__ import annotations

import json
import mimetypes
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.errors import InvalidInput
from gcworkflow.inputs import MAX_ID, MAX_YAML_DEPTH, check_payload, load_yaml

if TYPE_CHECKING:
    from pydantic import BaseModel

    from gcworkflow.context import Context

ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        metavar="KEY=VALUE",
        help="입력 항목 하나. 값이 JSON(숫자, true/false, [목록], {묶음})이면 그대로, 아니면 문자열로 읽습니다.",
    ),
]
PayloadOption = Annotated[str | None, typer.Option("--payload", metavar="JSON", help="입력 전체 (JSON 묶음)")]
PayloadFileOption = Annotated[
    Path | None, typer.Option("--payload-file", metavar="FILE", help="입력 전체 (.yaml/.yml/.json)")
]


def record_id(text: str) -> int:
    """A record's number as the database holds it (1 … MAX_ID, a PostgreSQL integer): a larger one would
    overflow the database driver before any lookup could say it does not exist. Refused as a usage error
    (exit 2) naming the parameter, like any other malformed argument. Give it as ``parser=`` to every id."""
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID)) and 1 <= int(text) <= MAX_ID):
        raise typer.BadParameter(f"번호는 1부터 {MAX_ID}까지의 정수여야 합니다: {text!r}")
    return int(text)


ProcedureId = Annotated[int, typer.Argument(metavar="ID", help="절차 번호", parser=record_id)]

# A JSON string, escapes included: the brackets inside it nest nothing.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def load_json(text: str, where: str) -> Any:
    """JSON a person gave, its nesting counted on the text before the parser runs (the parser recurses once
    per level, and so does everything that walks what it returns): refused beyond the bound the YAML reader
    has; check_payload then holds it to MAX_DEPTH. Raises ValueError for malformed JSON, as ``json`` does."""
    depth = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if bracket.group() in "[{" else -1
        if depth > MAX_YAML_DEPTH:
            raise InvalidInput(f"{where}의 중첩이 너무 깊습니다 (최대 {MAX_YAML_DEPTH}단계)")
    return json.loads(text)


def read_data_file(path: Path) -> Any:
    """A YAML or JSON file, chosen by its extension."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise InvalidInput(f"YAML(.yaml, .yml) 또는 JSON(.json) 파일이어야 합니다: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(f"파일이 없습니다: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"파일을 읽을 수 없습니다 (UTF-8 텍스트여야 합니다): {path} ({exc})") from exc
    if suffix == ".json":
        try:
            return load_json(text, f"파일 {path}")
        except ValueError as exc:
            raise InvalidInput(f"JSON 형식 오류: {path}: {exc}") from exc
    return load_yaml(text, f"파일 {path}")


def read_mapping(path: Path) -> dict[str, Any]:
    data = read_data_file(path)
    if not isinstance(data, dict):
        raise InvalidInput(f"'항목: 값' 형식의 묶음이어야 합니다: {path}")
    return check_payload(data)


def _json_types(schema: dict[str, Any]) -> set[str]:
    """The JSON types a schema property admits; empty when it cannot tell (a $ref, say)."""
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    types: set[str] = set()
    for option in schema.get("anyOf", []):
        option_types = _json_types(option)
        if not option_types:
            return set()
        types |= option_types
    return types


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {list: "array", dict: "object"}.get(type(value), "string")


def param_value(text: str, schema: dict[str, Any] | None, where: str) -> Any:
    """JSON when the text is JSON, unless the field takes a string that merely looks like JSON
    (``-p sido_code=47``: a code, not the number 47, which the payload model would refuse)."""
    try:
        value = load_json(text, where)
    except ValueError:
        return text
    if isinstance(value, str) or schema is None:
        return value
    types, kind = _json_types(schema), _json_type(value)
    if kind == "integer" and "number" in types:
        return value
    return text if "string" in types and kind not in types else value


def build_payload(
    params: list[str] | None,
    payload: str | None,
    payload_file: Path | None,
    model: type[BaseModel] | None,
) -> dict[str, Any]:
    """The payload from a file, then --payload, then each -p (later ones win), typed by the payload model and
    checked as the API checks a payload (no NUL, no integer beyond JSON's, no deep nesting)."""
    result: dict[str, Any] = read_mapping(payload_file) if payload_file else {}
    if payload:
        try:
            given = load_json(payload, "--payload")
        except ValueError as exc:
            raise InvalidInput(f"--payload가 JSON 형식이 아닙니다: {exc}") from exc
        if not isinstance(given, dict):
            raise InvalidInput('--payload는 JSON 묶음이어야 합니다 (예: {"summary": "이견 없음"})')
        result.update(given)
    properties = model.model_json_schema().get("properties", {}) if model and params else {}
    for pair in params or []:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise InvalidInput(f"-p는 이름=값 형식이어야 합니다: {pair!r}")
        result[key.strip()] = param_value(text, properties.get(key.strip()), f"-p {key.strip()}")
    return check_payload(result)


def attach_file(ctx: Context, path: Path, model: type[BaseModel] | None, payload: dict[str, Any]) -> None:
    """Store the file and name it in the payload's document field, with its name and size where asked. The
    file is held to the web's upload limit (GCW_WEB_UPLOAD_MIB), read no further than that.

    Callers check the actor's authority first (engine.authorise_first); the store is content-addressed, so an
    action refused after that leaves at most an unreferenced copy, never a wrong one.
    """
    fields = set(model.model_fields) if model else set()
    targets = sorted(f for f in fields if f == "sha256" or f.endswith("document_sha256"))
    if len(targets) != 1:
        raise InvalidInput(
            "이 처리에는 --attach로 문서를 붙일 수 없습니다"
            if not targets
            else f"문서 항목이 여럿입니다 ({', '.join(targets)}): 파일을 `gcw documents add`로 등록하고 -p로 지정하십시오"
        )
    limit = ctx.settings.web_upload_mib << 20
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a device or a pipe has no size to ask for beforehand
    except OSError as exc:
        raise InvalidInput(f"첨부 파일을 읽을 수 없습니다: {path} ({exc})") from exc
    if len(data) > limit:
        raise InvalidInput(
            f"첨부 파일이 너무 큽니다: {path} (최대 {ctx.settings.web_upload_mib} MiB, 설정 GCW_WEB_UPLOAD_MIB). "
            "나누거나 줄인 파일을 붙이십시오"
        )
    assert ctx.store is not None
    payload[targets[0]] = ctx.store.put(data)
    media_type, _ = mimetypes.guess_type(path.name)
    defaults = {"filename": path.name, "size": len(data), "title": path.name, "media_type": media_type}
    for name, value in defaults.items():
        if name in fields and value is not None:
            payload.setdefault(name, value)
