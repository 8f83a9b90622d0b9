"""The Prefect flows (flows/), in this process against the session's test server, and as an operator runs them:
`gcw flows run NAME [--procedure ID]` in a subprocess that talks to the same server (PREFECT_API_URL), so that
a crash point (GCW_CRASH_AT) can end the process the way a power cut would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gcworkflow.faults import EXIT_STATUS as CRASHED

GCW = str(Path(sys.executable).with_name("gcw"))
TIMEOUT = 120

__all__ = ["CRASHED", "FlowProcess", "Gcw"]


@dataclass(frozen=True)
class FlowProcess:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)

    def explain(self) -> str:
        return f"gcw {' '.join(self.args)} → {self.returncode}\n{self.stdout[-2000:]}\n{self.stderr[-4000:]}"


@dataclass
class Gcw:
    """`gcw` in a subprocess with the test's database, folders, mail server and Prefect API in its environment.

    Nothing of the developer's GCW_ settings leaks in; each call may add variables (GCW_NOW, GCW_CRASH_AT …).
    """

    env: dict[str, str]
    runs: list[FlowProcess] = field(default_factory=list)

    @classmethod
    def for_test(cls, gcw_env: dict[str, str], prefect_api: str, prefect_home: Path) -> Gcw:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("GCW_", "PREFECT_"))}
        return cls(
            {
                **base,
                **gcw_env,
                "PREFECT_API_URL": prefect_api,
                "PREFECT_HOME": str(prefect_home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1",
                "PREFECT_LOGGING_LEVEL": "WARNING",
            }
        )

    def start(self, *args: str, **env: str | None) -> subprocess.Popen[str]:
        merged = {**self.env, **{k: v for k, v in env.items() if v is not None}}
        for key in (k for k, v in env.items() if v is None):
            merged.pop(key, None)
        return subprocess.Popen(
            [GCW, *args],
            env=merged,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait(self, process: subprocess.Popen[str], args: tuple[str, ...]) -> FlowProcess:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
        done = FlowProcess(args, process.returncode, stdout, stderr)
        self.runs.append(done)
        return done

    def __call__(self, *args: str, **env: str | None) -> FlowProcess:
        return self.wait(self.start(*args, **env), args)

    def flow(self, name: str, procedure_id: int | None = None, **env: str | None) -> FlowProcess:
        """`gcw flows run NAME [--procedure ID] --json`: its report, or the crash (exit status 86)."""
        args = (
            "flows", "run", name, *(("--procedure", str(procedure_id)) if procedure_id else ()), "--as-system", "--json"
        )  # fmt: skip
        return self(*args, **env)
