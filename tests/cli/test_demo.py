"""`gcw demo` as a newcomer runs it (issue #12): every combination the README names, twice; a GCW_VAR_DIR that
cannot be written; the demo's temporary Prefect server stopped when the demo is interrupted.

Each run is its own process in a fresh environment (tests/fresh.py): no PREFECT_HOME from the suite, so Prefect's
home is the one under GCW_VAR_DIR, as on a new machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from tests.fresh import VENV_BIN, clean_env, empty_postgres, footprint, locked_folder
from tests.test_korean import UNRESOLVED

GCW = str(VENV_BIN / "gcw")
DEMO_TIMEOUT = 300


@contextmanager
def _database(kind: str) -> Iterator[dict[str, str]]:
    if kind == "sqlite":
        yield {}
        return
    with empty_postgres("demo") as url:
        yield {"GCW_DATABASE_URL": url}


def _demo(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GCW, "demo"], cwd=cwd, env=env, capture_output=True, text=True, timeout=DEMO_TIMEOUT, check=False
    )


@pytest.mark.parametrize("var_dir", ["default", "new nested"])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_demo_runs_on_a_fresh_machine_and_a_second_run_writes_nothing(
    tmp_path: Path, database: str, var_dir: str
) -> None:
    with _database(database) as db_env:
        local = {} if var_dir == "default" else {"GCW_VAR_DIR": str(tmp_path / "srv" / "gcw" / "var")}
        env = clean_env(**db_env, **local)
        where = Path(local.get("GCW_VAR_DIR", tmp_path / "var"))
        first = _demo(tmp_path, env)
        assert first.returncode == 0, first.stdout[-2000:] + first.stderr[-3000:]
        assert "현재 단계: 지정," in first.stdout and "감사 체인 검증: 이상 없음" in first.stdout
        assert not [pair for pair in UNRESOLVED if pair in first.stdout + first.stderr]
        if database == "sqlite" and var_dir == "default":
            assert _unresolved_in_documents_and_mail(where) == []
            assert _unverified_documents(where) == []
        assert f"문서 저장소: {where / 'documents'}" in first.stdout
        assert (where / "prefect").is_dir() and any((where / "maildir" / "new").iterdir())
        url = db_env.get("GCW_DATABASE_URL", f"sqlite:///{where / 'gcworkflow.sqlite3'}")
        before = footprint(url, where)
        assert before["audit_events"] > 100

        second = _demo(tmp_path, env)
        assert second.returncode == 0, second.stderr[-3000:]
        assert "데모 기록이 이미 있습니다" in second.stdout
        assert "감사 체인 검증: 이상 없음" in second.stdout
        assert footprint(url, where) == before
        # The checkpoint shown again is the one the first run wrote: nothing moved since.
        line = next(x for x in first.stdout.splitlines() if "gcw-checkpoint" in x)
        assert line in second.stdout


def _unverified_documents(var_dir: Path) -> list[str]:
    """Every PDF the demo issued, checked as its recipient would check it (issue #17: signed, unchanged, by the
    demo's 예시 authority, its data agreeing with its page): the lines of those that fail."""
    from gcworkflow.documents.verification import trust_anchors, verify_pdf
    from gcworkflow.settings import Settings

    anchors = trust_anchors(Settings(var_dir=var_dir), var_dir / "signing" / "ca.pem")
    failed = []
    for pdf in (var_dir / "documents").rglob("*"):
        if pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"):
            result = verify_pdf(pdf.read_bytes(), anchors)
            failed += [f"{pdf.name}: {line}" for line in result.lines() if not result.ok]
    return failed


def _unresolved_in_documents_and_mail(var_dir: Path) -> list[str]:
    """What the demo issued and sent, read back: every PDF's text and every e-mail's body and subject."""
    import email
    import io
    from email.header import decode_header, make_header

    from pypdf import PdfReader

    found = []
    for pdf in (var_dir / "documents").rglob("*"):
        if pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"):
            text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
            found += [f"{pdf.name}: {pair}" for pair in UNRESOLVED if pair in text.replace("\u2060", "")]
    for path in (var_dir / "maildir" / "new").iterdir():
        message = email.message_from_bytes(path.read_bytes())
        text = str(make_header(decode_header(message["Subject"])))
        text += "".join(
            part.get_payload(decode=True).decode()
            for part in message.walk()
            if part.get_content_type() == "text/plain"
        )
        found += [f"{path.name}: {pair}" for pair in UNRESOLVED if pair in text]
    return found


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_var_dir_that_cannot_be_made_is_refused_in_korean_and_nothing_is_written(
    tmp_path: Path, database: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("폴더가 아닌 파일\n")
    with _database(database) as db_env:
        result = _demo(tmp_path, clean_env(**db_env, GCW_VAR_DIR=str(blocker / "var")))
        assert result.returncode == 8, result.stderr
        assert f"에 쓸 수 없습니다: {blocker / 'var'}" in result.stderr
        assert "경로 중간에 폴더가 아닌 파일이 있습니다" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
        if db_env:
            assert footprint(db_env["GCW_DATABASE_URL"], tmp_path) == {"files": 1}  # no table, no new file


def test_a_var_dir_without_permission_is_refused_in_korean(tmp_path: Path) -> None:
    with locked_folder(tmp_path) as (locked, prefix):
        result = subprocess.run(
            [*prefix, GCW, "demo"],
            cwd=tmp_path,
            env=clean_env(GCW_VAR_DIR=str(locked / "gcw" / "var")),
            capture_output=True,
            text=True,
            timeout=DEMO_TIMEOUT,
            check=False,
        )
    assert result.returncode == 8, result.stderr
    assert f"{locked / 'gcw' / 'var'}" in result.stderr and "권한이 없습니다" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(locked.iterdir()) == []


def _children(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue  # a process that ended while we looked
    return found


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_demo_stops_its_temporary_prefect_server(
    tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    env = clean_env(GCW_VAR_DIR=str(tmp_path / "var"))
    with ExitStack() as cleanup:
        demo = subprocess.Popen(
            [GCW, "demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        cleanup.callback(demo.kill)
        deadline = time.monotonic() + 120
        servers: list[int] = []
        while not servers and time.monotonic() < deadline and demo.poll() is None:
            servers = [p for p, cmd in _children(demo.pid).items() if "prefect.server.api.server" in cmd]
            time.sleep(0.2)
        assert servers, "the demo never started its temporary Prefect server"
        for server in servers:
            cleanup.callback(
                lambda pid=server: Path(f"/proc/{pid}").exists() and os.kill(pid, signal.SIGKILL)
            )
        time.sleep(1)  # into the flows, past the server's start
        demo.send_signal(signum)
        _out, err = demo.communicate(timeout=60)
        assert demo.returncode == status, err[-3000:]
        assert "중단했습니다" in err and "Traceback" not in err
        time.sleep(0.5)
        assert not [p for p in servers if Path(f"/proc/{p}").exists()], "the Prefect server outlived the demo"
