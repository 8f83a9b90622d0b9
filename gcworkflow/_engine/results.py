"""Who acts and what an action returned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gcworkflow.procedures.spec import Role


@dataclass(frozen=True)
class Actor:
    """Who acts, through which interface (and, for the CLI, as which OS user). ``role``: the one role the user
    acts in, when the credential is limited to it (an API token); None: all the user's roles."""

    username: str
    interface: str = "api"
    os_user: str | None = None
    role: Role | None = None


@dataclass(frozen=True)
class FireResult:
    procedure_id: int
    trigger: str
    from_state: str
    to_state: str
    version: int
    event_id: int
    event_hash: str
    proposal_id: int | None = None
    effects: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "procedure_id": self.procedure_id,
            "trigger": self.trigger,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "version": self.version,
            "event_id": self.event_id,
            "event_hash": self.event_hash,
            "proposal_id": self.proposal_id,
            "effects": self.effects,
        }
