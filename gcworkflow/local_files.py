"""Local files: ``GCW_VAR_DIR`` (the SQLite file, the document store, the Maildir, Prefect's home) and the files a
command is told to write. A folder is made on first use, parents included; one that cannot be made or written is
refused in Korean, naming the path and the reason, never left to a library's traceback (issue #12).

Ground floor: the standard library and ``gcworkflow.errors`` only.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from gcworkflow.errors import GcwError

VAR_DIR_ADVICE = "GCW_VAR_DIR을 이 서버에서 쓸 수 있는 폴더로 지정하거나 폴더의 권한을 확인하십시오."
PATH_ADVICE = "경로와 폴더의 권한을 확인하십시오."


class LocalFilesError(GcwError):
    """A folder or file on this server that the command needs and cannot write (or read)."""

    code = "local_files"
    http_status = 503  # the server's own disk, not the request, is at fault

    def __init__(self, what: str, path: Path | str, cause: OSError, advice: str = VAR_DIR_ADVICE) -> None:
        super().__init__(f"{what}에 쓸 수 없습니다: {path} ({os_reason(cause)}). {advice}")
        self.path = str(path)


# The operating system's own words are English (os.strerror); these are the ones a clerk or operator meets.
_REASONS = {
    errno.EACCES: "권한이 없습니다",
    errno.EPERM: "권한이 없습니다",
    errno.EROFS: "읽기 전용 파일 시스템입니다",
    errno.ENOSPC: "디스크 공간이 부족합니다",
    errno.EDQUOT: "디스크 할당량을 넘었습니다",
    errno.ENOTDIR: "경로 중간에 폴더가 아닌 파일이 있습니다",
    errno.EEXIST: "같은 이름의 파일이 이미 있습니다",
    errno.ENOENT: "경로가 없습니다",
    errno.EISDIR: "파일이 아니라 폴더입니다",
    errno.ENAMETOOLONG: "경로가 너무 깁니다",
    errno.EIO: "입출력 오류입니다",
    errno.ECONNREFUSED: "연결이 거부되었습니다",
    errno.ETIMEDOUT: "시간이 초과되었습니다",
    errno.EHOSTUNREACH: "서버에 닿을 수 없습니다",
    errno.ENETUNREACH: "네트워크에 닿을 수 없습니다",
}


def os_reason(exc: OSError) -> str:
    """The reason of an operating-system error in Korean; an unusual one by its symbolic name (ELOOP …)."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    name = errno.errorcode.get(exc.errno, str(exc.errno)) if exc.errno is not None else type(exc).__name__
    return f"운영체제 오류 {name}"


def ensure_dir(path: Path, what: str) -> Path:
    """``path`` as a folder this process can write into, made with its parents if missing."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, "not writable", str(path))
    except OSError as exc:
        raise LocalFilesError(what, path, exc) from exc
    return path


def write_file(path: Path, data: bytes, what: str) -> Path:
    """A file a person asked for (``-o FILE``): its folder made if missing, a failure said with the path."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        raise LocalFilesError(what, path, exc, PATH_ADVICE) from exc
    return path
