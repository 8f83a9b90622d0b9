"""A content-addressed document store: bytes are kept under their SHA-256 and never overwritten.

The interface is small so that another backend (an object store, the ministry's records system) can replace
the local folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from gcworkflow.local_files import LocalFilesError, ensure_dir


class MissingDocument(LookupError):
    pass


class DocumentStore(Protocol):
    def put(self, data: bytes) -> str: ...
    def get(self, sha256: str) -> bytes: ...
    def exists(self, sha256: str) -> bool: ...
    def files(self) -> Iterator[str]: ...
    def discard(self, sha256: str) -> None: ...


class FileStore:
    """``<root>/ab/abcdef…``; writes are atomic (temp file, fsync, rename), so a crash leaves no half file."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"SHA-256 형식이 아닙니다: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.exists():
            return sha256
        ensure_dir(target.parent, "문서 저장소")
        try:
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        except OSError as exc:
            raise LocalFilesError("문서 저장소", target.parent, exc) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException as exc:
            Path(temp).unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise LocalFilesError("문서 저장소", target.parent, exc) from exc
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError as exc:
            raise MissingDocument(f"문서 저장소에 {sha256} 문서가 없습니다") from exc

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def discard(self, sha256: str) -> None:
        """Take back bytes this process put and no record came to name (a run that lost a race to another
        one): the only removal there is, and the caller checks first that no document refers to them."""
        self.path(sha256).unlink(missing_ok=True)

    def files(self) -> Iterator[str]:
        """Every file in the store, as its path under the root (``ab/abcdef…``; anything else found there too,
        so that verification can name a file nobody put through :meth:`put`)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            if path.is_file():
                yield path.relative_to(self.root).as_posix()
