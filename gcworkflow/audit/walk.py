"""The walk: rows fed to their chains in id order, the first problem of each chain reported, chains seen out
of order walked again in their own order, checkpoint positions looked for on the way."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Select,
)
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import GENESIS, rebuild_canonical
from gcworkflow.audit.report import Problem, VerifyReport
from gcworkflow.db.models import (
    AuditEvent,
)

_events = AuditEvent.__table__


@dataclass
class _Chain:
    """One chain as the walk has seen it so far."""

    name: str
    seq: int = 0
    hash: str = GENESIS
    broken: bool = False
    # Seen out of order in the id-ordered scan: walked again in its own order (a deleted or re-ordered event).
    rewalk: bool = False
    # Positions checkpoints recorded for this chain: seq -> [hash, checkpoint ids, found].
    expected: dict[int, list[Any]] = field(default_factory=dict)


class Walk:
    """Feeds rows to their chains; the first problem of each chain is reported, later rows only tracked."""

    def __init__(self, session: Session, report: VerifyReport) -> None:
        self.session = session
        self.report = report
        self.chains: dict[str, _Chain] = {}

    def chain(self, name: str) -> _Chain:
        found = self.chains.get(name)
        if found is None:
            found = self.chains[name] = _Chain(name)
        return found

    def feed(self, row: Sequence[Any], *, in_order: bool) -> None:
        """One row of the scan (id, chain, seq, prev_hash, hash, canonical bytes, consistent). ``in_order``: this
        chain's rows come in seq order (a gap is a deletion); otherwise a gap only marks the chain to be walked
        again in its own order. ``consistent``: the database's rebuild of the columns matched the text (the
        whole-trail walk says True and has them checked beside it, :func:`~gcworkflow.audit.scan.suspect_rows`)."""
        event_id, name, seq, prev_hash, digest, canonical, consistent = row
        chain = self.chains.get(name) or self.chain(name)
        if chain.rewalk and not in_order:
            return
        if chain.expected:
            mark = chain.expected.get(seq)
            if mark is not None:
                mark[2] = True
                if mark[0] != digest:
                    self._checkpoint_mismatch(name, seq, mark)
        if chain.broken:
            chain.seq, chain.hash = seq, digest
            return
        problem = None
        if seq != chain.seq + 1:
            if not in_order:
                chain.rewalk = True
                return
            problem = (
                f"사건 {chain.seq + 1}번부터 {seq - 1}번까지가 없습니다 (삭제됨)"
                if seq > chain.seq + 1
                else f"사건 {seq}번이 중복되었습니다"
            )
        elif prev_hash != chain.hash:
            problem = "이전 사건의 해시와 연결되지 않습니다"
        # The database's "identical" holds (see scan.canonical_rebuild); its "different" is Python's to decide.
        elif not consistent and not self._columns_match(event_id):
            problem = "저장된 열 값이 해시된 원문과 다릅니다 (변조됨)"
        elif hashlib.sha256(canonical).hexdigest() != digest:
            problem = "원문의 해시가 기록된 해시와 다릅니다 (변조됨)"
        if problem:
            chain.broken = True
            self.report.problems.append(Problem(name, seq, event_id, problem))
        chain.seq, chain.hash = seq, digest

    def suspect(self, event_id: int, name: str, seq: int) -> None:
        """A row the database's rebuild did not match, found beside the walk: decided here, by Python's rebuild;
        reported as its chain's problem unless the chain broke earlier (the walk's later problem gives way)."""
        if self._columns_match(event_id) is not False:
            return
        earlier = [p for p in self.report.problems if p.section == "chains" and p.chain == name]
        if any(p.seq is not None and p.seq <= seq for p in earlier):
            return
        self.report.problems = [p for p in self.report.problems if p not in earlier]
        self.report.problems.append(
            Problem(name, seq, event_id, "저장된 열 값이 해시된 원문과 다릅니다 (변조됨)")
        )
        self.report.problems.sort(key=lambda p: (p.section != "chains", p.event_id is None, p.event_id or 0))
        self.chain(name).broken = True

    def _columns_match(self, event_id: int) -> bool | None:
        """The exact check, by the Python definition of the canonical form (the database's rebuild differed).
        None: the row is not in this verification's snapshot (committed after it began)."""
        row = self.session.get(AuditEvent, event_id)
        if row is None:
            return None
        try:
            return rebuild_canonical(row) == row.canonical
        except ValueError:  # the payload column is no longer JSON
            return False
        finally:
            self.session.expunge(row)

    def _checkpoint_mismatch(self, chain: str, seq: int, mark: list[Any]) -> None:
        ids = sorted(mark[1])
        others = f" 외 {len(ids) - 1}개" if len(ids) > 1 else ""
        self.report.problems.append(
            Problem(
                chain,
                seq,
                None,
                f"체크포인트 {ids[0]}번{others}이 기록한 사건이 없거나 다릅니다 (삭제 또는 변조)",
                section="checkpoints",
            )
        )

    def expect(self, checkpoint_id: int, heads: dict[str, list[Any]]) -> None:
        for name, (seq, head_hash) in heads.items():
            mark = self.chain(name).expected.setdefault(seq, [head_hash, set(), False])
            mark[1].add(checkpoint_id)
            if mark[0] != head_hash:  # two checkpoints disagree about one position: one of them was altered
                self._checkpoint_mismatch(name, seq, mark)

    def rewalk(self, query: Select[Any]) -> None:
        """Walk again, in seq order, each chain the id-ordered scan saw out of order."""
        for chain in [c for c in self.chains.values() if c.rewalk]:
            chain.seq, chain.hash, chain.broken = 0, GENESIS, False
            for mark in chain.expected.values():
                mark[2] = False
            rows = self.session.execute(
                query.where(_events.c.chain == chain.name).order_by(_events.c.seq)
            ).all()
            for row in rows:
                self.feed(row, in_order=True)

    def finish(self, heads: dict[str, tuple[int, str]], *, checked: Iterable[str] | None = None) -> None:
        """Compare every recorded head with the last event of its chain; report checkpoint positions unseen."""
        names = set(heads) | set(self.chains) if checked is None else set(checked)
        for name in sorted(names):
            chain = self.chains.get(name)
            recorded = heads.get(name)
            if chain is not None and chain.broken:
                continue
            last = (chain.seq, chain.hash) if chain is not None and chain.seq else None
            if recorded is None and last is not None:
                self.report.problems.append(
                    Problem(name, last[0], None, "체인 머리 기록이 없습니다 (절차 행 또는 체인 행이 변조됨)")
                )
            elif recorded is not None and last != tuple(recorded):
                self.report.problems.append(
                    Problem(
                        name,
                        recorded[0],
                        None,
                        "체인 머리 기록과 마지막 사건이 다릅니다 (최근 사건 삭제 또는 변조)",
                    )
                )
        for chain in self.chains.values():
            for seq, mark in sorted(chain.expected.items()):
                if not mark[2]:
                    self._checkpoint_mismatch(chain.name, seq, mark)
        self.report.chains = len([c for c in self.chains.values() if c.seq or c.broken])
