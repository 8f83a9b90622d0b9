"""Checkpoints: every chain head hashed at one moment. A checkpoint kept outside the database (its one-line
form, :class:`CheckpointLine`) is what makes deleting the newest events detectable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    select,
)
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import chain_heads
from gcworkflow.canonical import canonical_text, digest, format_instant, loads
from gcworkflow.db.models import (
    AuditCheckpoint,
)


@dataclass(frozen=True)
class CheckpointLine:
    """A checkpoint as one printable line: ``gcw-checkpoint <id> <UTC instant> chains=<n> sha256=<digest>``.

    Kept outside the system (printed, mailed, published), it lets anyone later check that the checkpoint row
    and every event it covers are still exactly what they were.
    """

    id: int
    created_at: str
    chains: int
    digest: str

    PREFIX = "gcw-checkpoint"

    def __str__(self) -> str:
        return f"{self.PREFIX} {self.id} {self.created_at} chains={self.chains} sha256={self.digest}"

    @classmethod
    def parse(cls, text: str) -> CheckpointLine:
        """Raises ValueError with a Korean message when the line is not one of ours."""
        parts = text.strip().split()
        try:
            prefix, ident, created_at, chains, sha = parts
            if prefix != cls.PREFIX or not chains.startswith("chains=") or not sha.startswith("sha256="):
                raise ValueError
            line = cls(
                int(ident), created_at, int(chains.removeprefix("chains=")), sha.removeprefix("sha256=")
            )
        except ValueError:
            raise ValueError(
                f"체크포인트 줄의 형식이 아닙니다: {text.strip()!r} "
                "(예: gcw-checkpoint 12 2026-03-31T06:00:00.000000Z chains=5 sha256=…)"
            ) from None
        if len(line.digest) != 64 or any(c not in "0123456789abcdef" for c in line.digest):
            raise ValueError(f"체크포인트 줄의 sha256 값이 올바르지 않습니다: {line.digest!r}")
        return line

    @classmethod
    def of(cls, row: AuditCheckpoint) -> CheckpointLine:
        return cls(row.id, format_instant(row.created_at), len(loads(row.heads)), row.digest)


def checkpoint(session: Session, actor: str, now: datetime) -> AuditCheckpoint:
    """Hash every chain head now; the returned line can be printed and kept outside the system."""
    return checkpoint_with(
        session, {name: list(head) for name, head in chain_heads(session).items()}, actor, now
    )


def checkpoint_with(
    session: Session, heads: dict[str, list[Any]], actor: str, now: datetime
) -> AuditCheckpoint:
    """A checkpoint of ``heads`` read elsewhere: a backup reads them in its snapshot, then records them here in a
    transaction of its own (positions in append-only chains stay true after later events)."""
    row = AuditCheckpoint(created_at=now, created_by=actor, heads=canonical_text(heads), digest=digest(heads))
    session.add(row)
    session.flush()
    return row


def checkpoint_unless_current(session: Session, actor: str, now: datetime) -> AuditCheckpoint:
    """The latest checkpoint when no chain has moved since it was taken (a re-run writes nothing), else a new one."""
    latest = latest_checkpoint(session)
    heads = {name: list(head) for name, head in chain_heads(session).items()}
    if latest is not None and latest.heads == canonical_text(heads):
        return latest
    return checkpoint(session, actor, now)


def checkpoint_line(row: AuditCheckpoint) -> str:
    return str(CheckpointLine.of(row))


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    return session.execute(
        select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1)
    ).scalar_one_or_none()
