"""The refusals a user can see (DESIGN.md §4).

Every refusal is one of these types, carries a stable ``code`` that the CLI, the API and the pages map to an
exit status, an HTTP status and a message beside the form, and says in Korean what to do about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Unmet:
    """One unmet requirement: a stable id, the basis it rests on (article or 운영방침) and a Korean message."""

    id: str
    basis: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.message} ({self.basis}) [{self.id}]"


class GcwError(Exception):
    code = "error"
    http_status = 400

    def __init__(self, message: str, *, unmet: list[Unmet] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.unmet: list[Unmet] = list(unmet or [])

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "unmet": [u.as_dict() for u in self.unmet]}

    def __str__(self) -> str:
        if not self.unmet:
            return self.message
        return "\n".join([self.message, *(f"  - {u}" for u in self.unmet)])


class GuardFailed(GcwError):
    """A transition or record action whose legal requirements are not all met."""

    code = "guard_failed"
    http_status = 422

    def __init__(self, unmet: list[Unmet], message: str = "요건이 충족되지 않아 처리할 수 없습니다.") -> None:
        super().__init__(message, unmet=unmet)


class Conflict(GcwError):
    """The procedure (or the signed content) changed since the actor looked at it."""

    code = "conflict"
    http_status = 409


class Tampered(GcwError):
    """A row that decides what may happen disagrees with the audit trail that should have produced it (it was
    changed outside the engine): nobody acts on it until ``gcw audit verify`` has been run and the row set
    right. The CLI exits with the audit trail's status (1)."""

    code = "integrity"
    http_status = 409


class Forbidden(GcwError):
    code = "forbidden"
    http_status = 403


class NotFound(GcwError):
    code = "not_found"
    http_status = 404


class InvalidInput(GcwError):
    code = "invalid_input"
    http_status = 400

    def __init__(
        self, message: str, *, unmet: list[Unmet] | None = None, fields: Mapping[str, list[str]] | None = None
    ) -> None:
        super().__init__(message, unmet=unmet)
        # What was wrong with each named input (the message says it too): for a form to show beside the field.
        self.fields: dict[str, list[str]] = dict(fields or {})
