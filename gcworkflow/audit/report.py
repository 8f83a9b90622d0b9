"""What a verification found: one :class:`Problem` per broken thing, grouped by section, and the Korean
lines the CLI and the web page print."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (phase, done, total): how far a long verification or export has come, for a progress bar.
Progress = Callable[[str, int, int | None], None]

SECTIONS = ("chains", "records", "projection", "checkpoints", "documents")


@dataclass
class Problem:
    chain: str
    seq: int | None
    event_id: int | None
    message: str
    section: str = "chains"
    document_id: int | None = None

    def __str__(self) -> str:
        where = f"{self.chain} #{self.seq}" if self.seq is not None else self.chain
        ident = f" (event id {self.event_id})" if self.event_id is not None else ""
        return f"{where}{ident}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "chain": self.chain,
            "seq": self.seq,
            "event_id": self.event_id,
            "document_id": self.document_id,
            "message": self.message,
        }


@dataclass
class VerifyReport:
    chains: int = 0
    events: int = 0
    records: int = 0
    # Current rows compared with the chains' projection (audit.projection); None: not compared (an archive).
    rows: int | None = None
    checkpoints: int = 0
    documents: int = 0
    signatures: int = (
        0  # issued PDFs whose signature was checked against the certificate their event recorded
    )
    problems: list[Problem] = field(default_factory=list)
    # A partial verification (``since``) starts after this checkpoint; None: the whole trail from genesis.
    since_checkpoint: int | None = None
    # The checkpoint of an external line that was checked against the database (``against``).
    against_checkpoint: int | None = None
    documents_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def section(self, name: str) -> list[Problem]:
        return [p for p in self.problems if p.section == name]

    def finish(self) -> VerifyReport:
        """Problems grouped by section (chains first), each section in the order found (oldest event first)."""
        self.problems.sort(key=lambda p: SECTIONS.index(p.section))
        return self

    def lines(self) -> list[str]:
        """One Korean line per thing verified: chains, the records they vouch for, the current rows, checkpoints,
        documents."""

        def verdict(name: str) -> str:
            found = self.section(name)
            return "이상 없음" if not found else f"이상 {len(found)}건 — 첫 문제: {found[0]}"

        scope = (
            f"체크포인트 {self.since_checkpoint}번 이후" if self.since_checkpoint is not None else "처음부터"
        )
        documents = (
            f"문서: {self.documents:,}건 해시{f', 서명 {self.signatures:,}건' if self.signatures else ''} — "
            f"{verdict('documents')}"
            if self.documents_checked
            else "문서: 검증하지 않음 (문서 저장소 없음)"
        )
        return [
            f"체인: {self.chains:,}개, 사건 {self.events:,}건 ({scope}) — {verdict('chains')}",
            f"기록: {self.records:,}건 (사실·조성계획·번호·문서 연결) — {verdict('records')}",
            (
                f"현재 상태: {self.rows:,}행 (절차·상신·기한·사용자·권한·토큰·연락처·공휴일 조정) — "
                f"{verdict('projection')}"
                if self.rows is not None
                else "현재 상태: 검증하지 않음 (기록물에는 현재 행이 없음)"
            ),
            f"체크포인트: {self.checkpoints:,}개 — {verdict('checkpoints')}",
            documents,
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "records": self.records,
            "rows": self.rows,
            "checkpoints": self.checkpoints,
            "documents": self.documents if self.documents_checked else None,
            "signatures": self.signatures if self.documents_checked else None,
            "since_checkpoint": self.since_checkpoint,
            "against_checkpoint": self.against_checkpoint,
            "problems": [p.as_dict() for p in self.problems],
        }
