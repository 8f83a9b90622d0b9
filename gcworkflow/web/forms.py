"""Plain HTML forms for the actions of a procedure, built from each action's payload model.

The payload models (procedures/) are the single description of what an action takes; a form is their JSON
schema drawn as inputs, and a submitted form is turned back into the payload the engine validates. Nothing
here decides what is allowed: the engine validates the payload again and refuses in Korean.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel

from gcworkflow.errors import InvalidInput
from gcworkflow.inputs import check_payload, load_yaml

# Korean names for payload fields whose model gives no description.
LABELS = {
    "summary": "요지",
    "reason": "사유",
    "received_on": "접수일",
    "held_on": "일자",
    "audience": "대상",
    "ministry": "관계 중앙행정기관",
    "position": "회신 요지",
    "document_sha256": "첨부 문서",
    "sido_code": "시·도 코드 (예: 47)",
    "decision": "의결 내용",
    "votes_for": "찬성",
    "votes_against": "반대",
    "abstentions": "기권",
    "requirement": "지정 요건",
    "title": "제목",
    "kind": "문서 종류",
    "media_type": "파일 형식",
    "filename": "파일 이름",
    "size": "크기(바이트)",
    "sha256": "문서",
    "event_id": "정정할 감사 사건 번호",
    "data": "바로잡은 내용",
    "member": "위원",
    "office": "열람 장소",
    "phone": "전화번호",
}
# Fields a clerk fills in by attaching a file: the form uploads it into the document store.
FILE_SUFFIX = "sha256"
LIST_SEPARATOR = "|"


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    kind: str  # text | textarea | date | datetime | number | select | checkbox | lines | rows | yaml | file
    required: bool
    help: str = ""
    choices: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()  # rows: the item's fields, in order, one item per line
    default: str = ""


@dataclass
class FormState:
    """What the clerk typed, kept when a refusal sends the form back."""

    values: dict[str, str] = field(default_factory=dict)


def _resolve(schema: dict[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return defs.get(ref.rsplit("/", 1)[-1], {})
    return schema


def _non_null(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    options = schema.get("anyOf")
    if not options:
        return schema, False
    rest = [o for o in options if o.get("type") != "null"]
    return (rest[0] if len(rest) == 1 else {}), len(rest) < len(options)


def _simple(schema: dict[str, Any]) -> bool:
    inner, _ = _non_null(schema)
    return inner.get("type") in ("string", "integer", "number", "boolean")


def _label(name: str, schema: dict[str, Any]) -> str:
    return str(schema.get("description") or LABELS.get(name) or name)


def _field(name: str, prop: dict[str, Any], required: bool, defs: Mapping[str, Any]) -> FormField:
    inner, nullable = _non_null(prop)
    inner = _resolve(inner, defs)
    label = _label(name, prop)
    default = prop.get("default")
    shown_default = "" if default in (None, "", [], {}) else str(default)
    kind = inner.get("type")
    required = required and not nullable
    if name.endswith(FILE_SUFFIX) and inner.get("pattern"):
        return FormField(name, label, "file", required, "PDF 등 파일을 올리면 그 SHA-256이 기록됩니다")
    if "enum" in inner:
        return FormField(
            name, label, "select", required, choices=tuple(map(str, inner["enum"])), default=shown_default
        )
    if kind == "string" and inner.get("format") == "date":
        return FormField(name, label, "date", required)
    if kind == "string" and inner.get("format") == "date-time":
        return FormField(name, label, "datetime", required, "시각은 한국 시간으로 봅니다")
    if kind == "integer":
        return FormField(name, label, "number", required, default=shown_default)
    if kind == "boolean":
        return FormField(name, label, "checkbox", False)
    if kind == "array":
        item = _resolve(inner.get("items", {}), defs)
        if item.get("type") == "object":
            columns = tuple(item.get("properties", {}))
            if all(_simple(p) for p in item.get("properties", {}).values()):
                names = f" {LIST_SEPARATOR} ".join(_label(c, item["properties"][c]) for c in columns)
                return FormField(name, label, "rows", required, f"한 줄에 하나씩: {names}", columns=columns)
            return FormField(name, label, "yaml", required, "YAML 목록으로 적으십시오")
        return FormField(name, label, "lines", required, "한 줄에 하나씩 적으십시오")
    if kind == "object":
        return FormField(name, label, "yaml", required, "'항목: 값' 형식(YAML)으로 적으십시오")
    long_text = inner.get("maxLength", 0) > 200
    return FormField(name, label, "textarea" if long_text else "text", required, default=shown_default)


@cache
def fields_of(model: type[BaseModel] | None) -> tuple[FormField, ...]:
    """The inputs of an action's payload, in the model's order (models are static: worked out once)."""
    if model is None:
        return ()
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", []))
    return tuple(_field(n, p, n in required, defs) for n, p in schema.get("properties", {}).items())


def _number(label: str, text: str) -> int | str:
    cleaned = text.replace(",", "").strip()
    try:
        return int(cleaned)
    except ValueError:
        # Left as written: the engine's validation names the field and says what it expects, in Korean.
        return text


def _rows(spec: FormField, text: str) -> list[dict[str, str]]:
    items = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(LIST_SEPARATOR)]
        if len(cells) > len(spec.columns):
            raise InvalidInput(f"'{spec.label}'의 한 줄에 값이 너무 많습니다: {line.strip()}")
        items.append({c: v for c, v in zip(spec.columns, cells, strict=False) if v})
    return items


def payload_from_form(fields: Sequence[FormField], values: Mapping[str, str]) -> dict[str, Any]:
    """A submitted form as the payload the engine takes; empty inputs are left out (the model's defaults)."""
    payload: dict[str, Any] = {}
    for spec in fields:
        raw = values.get(spec.name, "")
        if spec.kind == "checkbox":
            payload[spec.name] = raw in ("on", "true", "1")
            continue
        text = raw.strip()
        if not text:
            continue
        if spec.kind == "number":
            payload[spec.name] = _number(spec.label, text)
        elif spec.kind == "lines":
            payload[spec.name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif spec.kind == "rows":
            payload[spec.name] = _rows(spec, text)
        elif spec.kind == "yaml":
            payload[spec.name] = load_yaml(text, f"'{spec.label}'")
        elif spec.kind == "datetime" and len(text) == 16:
            payload[spec.name] = f"{text}:00+09:00"  # <input type=datetime-local> has no zone: it is KST
        else:
            payload[spec.name] = text
    return check_payload(payload)
