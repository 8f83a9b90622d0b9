"""How a difference between a current row and the trail is reported: the table, the row, the column, and the
event that produced (or should have produced) it, as a :class:`~gcworkflow.audit.report.Problem` of the
``projection`` section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gcworkflow.audit.report import Problem, VerifyReport
from gcworkflow.canonical import canonical_text, loads
from gcworkflow.korean import with_particle

SECTION = "projection"


@dataclass(frozen=True)
class Source:
    """The event a value comes from."""

    id: int
    chain: str
    seq: int


def shown(value: Any) -> str:
    """A value as the database would show it: text as it is, other values as JSON, nothing as 없음."""
    if value is None:
        return "없음"
    return value if isinstance(value, str) else canonical_text(value)


def payload_of(text: str | None) -> dict[str, Any]:
    """An event's payload, or nothing when it is no longer JSON (the chain check reports that)."""
    try:
        parsed = loads(text) if text else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def effects_of(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What an action said it wrote: a list (procedure actions, ``gcw init``) or one mapping (system actions)."""
    effects = payload.get("effects")
    listed = effects if isinstance(effects, list) else [effects]
    return [e for e in listed if isinstance(e, dict)]


class Findings:
    """Counts the rows compared and reports each difference like any other tampering."""

    def __init__(self, report: VerifyReport) -> None:
        self.report = report
        self.report.rows = self.report.rows or 0

    def checked(self, rows: int) -> None:
        self.report.rows = (self.report.rows or 0) + rows

    def _add(self, chain: str, source: Source | None, message: str) -> None:
        self.report.problems.append(
            Problem(
                source.chain if source else chain,
                source.seq if source else None,
                source.id if source else None,
                message,
                section=SECTION,
            )
        )

    def compare(self, table: str, row: str, column: str, actual: Any, expected: Any, source: Source) -> None:
        if actual != expected:
            self._add(
                source.chain,
                source,
                f"{table} {row} 행의 {column} 값({shown(actual)})이 이 사건이 남긴 값({shown(expected)})과 "
                "다릅니다 (변조됨)",
            )

    def unvouched(self, table: str, row: str, chain: str, what: str = "이 행") -> None:
        """A row (or a value: ``what``) that no event produced."""
        self._add(
            chain,
            None,
            f"{table} {row}: {with_particle(what, '을')} 남긴 사건이 없습니다 (사건 없이 추가·변경됨)",
        )

    def missing(self, table: str, row: str, source: Source) -> None:
        """A row an event produced that is gone."""
        self._add(source.chain, source, f"{table} {row} 행이 없습니다: 이 사건이 남긴 행입니다 (삭제됨)")

    def revived(self, table: str, row: str, source: Source) -> None:
        """A row an event removed that is back."""
        self._add(source.chain, source, f"{table} {row} 행이 있습니다: 이 사건이 지운 행입니다 (되살아남)")
