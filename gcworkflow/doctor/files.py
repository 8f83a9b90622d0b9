"""The local folders (GCW_VAR_DIR, the document store, the Maildir): each written for real, by one temporary
file made and removed, or shown to be one that can be made on first use."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from gcworkflow.doctor.findings import Finding, ok
from gcworkflow.local_files import VAR_DIR_ADVICE, os_reason
from gcworkflow.settings import Settings

__all__ = ["check_folders"]


def check_folders(settings: Settings) -> Iterator[Finding]:
    var_dir = _folder("var_dir", settings.var_dir, "GCW_VAR_DIR", None)
    yield var_dir
    usable = var_dir.status != "fail"
    yield _folder("document_store", settings.document_dir, "발행·접수 문서", usable)
    if settings.mail_channel == "maildir":
        yield _folder("maildir", settings.maildir, "메일 보관함(Maildir)", usable)


def _folder(check: str, path: Path, what: str, parent_usable: bool | None) -> Finding:
    """``path`` is a folder this process can write (one temporary file made and removed), or can be made on
    first use as every command does (local_files.ensure_dir)."""
    try:
        exists = path.exists()
        is_dir = path.is_dir()
    except OSError as exc:
        return Finding(
            check, "fail", f"{what} 폴더를 볼 수 없습니다: {path} ({os_reason(exc)})", VAR_DIR_ADVICE
        )
    if exists and not is_dir:
        return Finding(check, "fail", f"{what} 폴더 자리에 파일이 있습니다: {path}", VAR_DIR_ADVICE)
    if exists:
        problem = _probe(path)
        if problem:
            return Finding(check, "fail", f"{what} 폴더에 쓸 수 없습니다: {path} ({problem})", VAR_DIR_ADVICE)
        return ok(check, f"{path}: 쓸 수 있습니다 (임시 파일을 만들고 지웠습니다).")
    if parent_usable is False:
        return Finding(
            check,
            "fail",
            f"{what} 폴더를 만들 수 없습니다: {path} (GCW_VAR_DIR에 쓸 수 없음)",
            VAR_DIR_ADVICE,
        )
    try:
        ancestor = _nearest_existing(path)
    except OSError as exc:  # a parent that cannot even be looked into
        return Finding(
            check, "fail", f"{what} 폴더를 만들 수 없습니다: {path} ({os_reason(exc)})", VAR_DIR_ADVICE
        )
    problem = "경로 중간에 폴더가 아닌 파일이 있습니다" if ancestor is None else _probe(ancestor)
    if problem:
        return Finding(check, "fail", f"{what} 폴더를 만들 수 없습니다: {path} ({problem})", VAR_DIR_ADVICE)
    if parent_usable is None:
        # GCW_VAR_DIR itself missing: made on first use, but an operator expects to find it where it was set.
        return Finding(
            check,
            "warn",
            f"{what} 폴더가 아직 없습니다: {path} (처음 쓸 때 만들어집니다).",
            f"경로가 맞는지 확인하고 미리 만들어 두십시오: mkdir -p {path}",
        )
    return ok(check, f"{path}: 아직 없지만 처음 쓸 때 만들어집니다.")


def _nearest_existing(path: Path) -> Path | None:
    """The closest existing ancestor of ``path``, None when that is a file (the path cannot be made)."""
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            return ancestor if ancestor.is_dir() else None
    return None


def _probe(folder: Path) -> str | None:
    """Why a file cannot be written in ``folder``, or None: tried for real, since permission bits, read-only
    mounts, quotas and a root without its capabilities all answer only to a write."""
    try:
        handle, name = tempfile.mkstemp(prefix=".gcw-doctor-", dir=folder)
    except OSError as exc:
        return os_reason(exc)
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None
