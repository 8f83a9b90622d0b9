"""Running the flows: once now (`gcw flows run`, the demo), or served on their schedules (`gcw flows serve`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from prefect import serve
from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from flows.definitions import FLOWS, SCHEDULES


def _heartbeats(enabled: bool) -> AbstractContextManager[Any]:
    # Each sync run otherwise pays ~1 s joining the heartbeat thread; the variable cannot say "off".
    return nullcontext() if enabled else temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})


@contextmanager
def prefect_api() -> Iterator[str]:
    """The Prefect API the runs inside the block report to: ``PREFECT_API_URL`` when it is set, otherwise a
    temporary local server. That one is started here rather than by the first flow call, so that it stops when
    the block ends however it ends: Prefect's own clean-up is an atexit hook, which SIGTERM never reaches."""
    configured = PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    try:
        server.start()
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        server.stop()


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
