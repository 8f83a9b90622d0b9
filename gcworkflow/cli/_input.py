"""Turning command-line input into payloads: data files (YAML/JSON), ``-p key=value`` pairs, attachments."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gcworkflow.errors import InvalidInput

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
            return json.loads(text)
        except ValueError as exc:
            raise InvalidInput(f"JSON 형식 오류: {path}: {exc}") from exc
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"YAML 형식 오류: {path}: {exc}") from exc


def read_mapping(path: Path) -> dict[str, Any]:
    data = read_data_file(path)
    if not isinstance(data, dict):
        raise InvalidInput(f"'항목: 값' 형식의 묶음이어야 합니다: {path}")
    return data


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


def param_value(text: str, schema: dict[str, Any] | None) -> Any:
    """JSON when the text is JSON, unless the field takes a string that merely looks like JSON
    (``-p sido_code=47``: a code, not the number 47, which the payload model would refuse)."""
    try:
        value = json.loads(text)
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
    """The payload from a file, then --payload, then each -p (later ones win), typed by the payload model."""
    result: dict[str, Any] = read_mapping(payload_file) if payload_file else {}
    if payload:
        try:
            given = json.loads(payload)
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
        result[key.strip()] = param_value(text, properties.get(key.strip()))
    return result


def attach_file(ctx: Context, path: Path, model: type[BaseModel] | None, payload: dict[str, Any]) -> None:
    """Store the file and name it in the payload's document field, with its name and size where asked.

    The store is content-addressed, so a refused action leaves at most an unreferenced copy, never a wrong one.
    """
    fields = set(model.model_fields) if model else set()
    targets = sorted(f for f in fields if f == "sha256" or f.endswith("document_sha256"))
    if len(targets) != 1:
        raise InvalidInput(
            "이 처리에는 --attach로 문서를 붙일 수 없습니다"
            if not targets
            else f"문서 항목이 여럿입니다 ({', '.join(targets)}): 파일을 `gcw documents add`로 등록하고 -p로 지정하십시오"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"첨부 파일을 읽을 수 없습니다: {path} ({exc})") from exc
    assert ctx.store is not None
    payload[targets[0]] = ctx.store.put(data)
    media_type, _ = mimetypes.guess_type(path.name)
    defaults = {"filename": path.name, "size": len(data), "title": path.name, "media_type": media_type}
    for name, value in defaults.items():
        if name in fields and value is not None:
            payload.setdefault(name, value)
