"""Running the flows: once now (`gcw flows run`), or served on their schedules (`gcw flows serve`)."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from prefect import serve
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.definitions import FLOWS, SCHEDULES


def _heartbeats(enabled: bool) -> AbstractContextManager[Any]:
    # Each sync run otherwise pays ~1 s joining the heartbeat thread; the variable cannot say "off".
    return nullcontext() if enabled else temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


def run(name: str, *, heartbeats: bool = False, **parameters: Any) -> Any:
    if name not in FLOWS:
        raise KeyError(name)
    with _heartbeats(heartbeats):
        return FLOWS[name](**{k: v for k, v in parameters.items() if v is not None})


def serve_all(heartbeats: bool = True) -> None:
    deployments = [
        FLOWS[name].to_deployment(
            name=f"{name}-scheduled", cron=cron, timezone="UTC", description=FLOWS[name].description
        )
        for name, cron in SCHEDULES.items()
    ]
    with _heartbeats(heartbeats):
        serve(*deployments)
