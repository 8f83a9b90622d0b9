"""The command line as an operator runs it: `gcw` in-process with an environment of its own, and its --help in a
fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from typer.testing import CliRunner, Result

from gcworkflow.cli import app
from gcworkflow.settings import Settings


@dataclass
class Gcw:
    env: dict[str, str | None]

    @classmethod
    def against(cls, settings: Settings, now: str) -> Gcw:
        """`gcw` on ``settings``' database and folder at ``now``, with no GCW_USER (each call says who acts)."""
        return cls(
            {
                "GCW_DATABASE_URL": settings.resolved_database_url,
                "GCW_VAR_DIR": str(settings.var_dir),
                "GCW_NOW": now,
                "GCW_USER": None,
            }
        )

    def __call__(self, *args: str, user: str | None = None, now: str | None = None) -> Result:
        argv = [*(["--as", user] if user else []), *args]
        env = {**self.env, **({"GCW_NOW": now} if now else {})}
        return CliRunner().invoke(app, argv, env=env, catch_exceptions=False)

    def ok(self, *args: str, user: str | None = None, now: str | None = None) -> Result:
        result = self(*args, user=user, now=now)
        assert result.exit_code == 0, result.output
        return result

    def json(self, *args: str, user: str | None = None) -> Any:
        return json.loads(self.ok(*args, "--json", user=user).stdout)


def help_in_a_fresh_interpreter(commands: list[list[str]], heavy: tuple[str, ...]) -> str:
    """What ``gcw <command>`` prints for each of ``commands`` (each a --help, which must exit 0), run one after the
    other in a fresh interpreter; its last line lists the modules of ``heavy`` (packages, or whole module names)
    that they imported."""
    probe = (
        "import sys\n"
        "from gcworkflow.cli import app\n"
        f"for argv in {commands!r}:\n"
        "    try:\n"
        "        app(argv, prog_name='gcw')\n"
        "    except SystemExit as exit:\n"
        "        assert exit.code == 0, exit.code\n"
        f"heavy = {heavy!r}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy))\n"
    )
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout


def open_gumi(gcw: Gcw, cluster: str) -> str:
    """An admin, a clerk, an approver and an auditor; the 구미 cluster and its designation procedure (its id)."""
    from tests.support import ADMIN, APPROVER, AUDITOR, CLERK

    gcw.ok("init", "--admin", ADMIN, "--name", "관리자")
    for user, name, role in (
        (CLERK, "김주무", "clerk"),
        (APPROVER, "박과장", "approver"),
        (AUDITOR, "한감사", "auditor"),
    ):
        gcw.ok("users", "add", user, "--name", name, "--role", role, user=ADMIN)
    gcw.ok("clusters", "add", cluster, "--sido", "47", "--sigungu", "구미시", user=CLERK)
    return str(
        gcw.json("procedures", "open", "--cluster", "1", "--approver", APPROVER, user=CLERK)["procedure_id"]
    )
