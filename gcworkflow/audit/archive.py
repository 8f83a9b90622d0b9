"""One procedure's records archive (기록물 이관), verifiable on its own without the database (issue #6).

A ZIP file with:

- ``events.jsonl``: the procedure's chain, one event per line, each line exactly the canonical bytes that were
  hashed (so ``sha256`` of a line is the event's hash, and each line names the previous hash);
- ``events.sha256``: ``<hash>  <seq>`` per event, as the database recorded them;
- ``checkpoint.txt`` and ``checkpoint-heads.json``: the line of a checkpoint covering the chain's head, and
  the chain heads it hashed (their SHA-256 is the line's digest). Compared with the same line kept outside
  the system (``gcw audit verify --archive FILE --against-line "gcw-checkpoint …"``), it proves the events
  up to that head are the ones the system had then;
- ``documents/<sha256>``: every document the actions produced or received, under its hash;
- ``history.csv``: the same history for people (UTF-8 with a BOM, Korean headings);
- ``manifest.json`` and ``README.txt``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from gcworkflow.audit.chain import GENESIS, procedure_chain
from gcworkflow.audit.checkpoints import CheckpointLine, checkpoint_line, latest_checkpoint
from gcworkflow.audit.checkpoints import checkpoint as take_checkpoint
from gcworkflow.audit.queries import (
    READ_BASIS,
    Reader,
    csv_text,
    history_rows,
    procedure_record,
    reader_scope,
    record_read,
)
from gcworkflow.audit.report import Problem, Progress, VerifyReport
from gcworkflow.canonical import canonical_text, format_instant, loads
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, Document, Procedure
from gcworkflow.errors import Conflict, Forbidden, GcwError, NotFound
from gcworkflow.korean import with_particle
from gcworkflow.local_files import ensure_dir

__all__ = ["FORMAT", "ExportSummary", "export_procedure", "verify_archive"]

FORMAT = "gcw-audit-archive/1"

README = """\
녹색융합클러스터 절차 기록물 (gcworkflow 감사 기록 내보내기)

검증: gcw audit verify --archive 이 파일.zip [--against-line "외부에 보관한 gcw-checkpoint 줄"]
데이터베이스 없이 검증됩니다.

- events.jsonl: 처리 기록. 한 줄이 한 사건이며, 그 줄의 바이트가 해시된 원문입니다
  (줄의 SHA-256 = 사건의 해시, 각 줄은 앞 사건의 해시(prev_hash)를 담습니다).
- events.sha256: 사건별 해시 (데이터베이스 기록).
- checkpoint.txt, checkpoint-heads.json: 이 절차의 마지막 사건을 포함하는 체크포인트 줄과, 그 줄의
  sha256 값으로 해시된 모든 체인의 머리. 당시 인쇄·공개한 체크포인트 줄과 같으면 그때까지의 기록이
  바뀌지 않았음이 증명됩니다.
- documents/: 처리로 발행·접수된 문서 (파일 이름 = SHA-256).
- history.csv: 사람이 읽는 처리 이력 (UTF-8, 엑셀에서 바로 열림).
"""


@dataclass(frozen=True)
class ExportSummary:
    path: str
    procedure_id: int
    title: str
    events: int
    head_seq: int
    head_hash: str
    documents: int
    checkpoint_line: str
    size: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _covering_checkpoint(
    session: Session, chain: str, head: tuple[int, str], actor: str, ctx: Context
) -> Any:
    """The latest checkpoint if it already records this chain's head, else a new one."""
    latest = latest_checkpoint(session)
    if latest is not None and tuple(loads(latest.heads).get(chain, ())) == head:
        return latest
    return take_checkpoint(session, actor, ctx.clock.now())


def export_procedure(
    ctx: Context,
    reader: Reader,
    procedure_id: int,
    target: Path,
    progress: Progress | None = None,
) -> ExportSummary:
    """Write ``target`` (a ZIP file, replaced atomically). The operator may export any procedure; a named
    user one they may query. Refused if a document is missing from the store or no longer matches its hash:
    an archive is only made of intact records. The export is recorded among the reads."""
    parameters = {"procedure_id": procedure_id, "target": str(target)}
    roles: tuple[str, ...] = ()
    chain = procedure_chain(procedure_id)
    try:
        with ctx.db.write() as session:
            scope = reader_scope(session, reader, operator=True)
            roles = scope.roles
            row = session.get(Procedure, procedure_id)
            if row is None:
                raise NotFound(f"{procedure_id}번 절차가 없습니다")
            if not scope.sees(procedure_id):
                raise Forbidden(
                    f"{with_particle(reader.username, '은')} {procedure_id}번 절차를 내보낼 수 없습니다: 담당하거나 "
                    f"처리한 절차가 아닙니다 ({READ_BASIS})"
                )
            checkpoint = _covering_checkpoint(
                session, chain, (row.chain_seq, row.chain_head), reader.username, ctx
            )
            line, heads_text = checkpoint_line(checkpoint), checkpoint.heads
        with ctx.db.read() as session:
            summary = _write(ctx, session, procedure_id, target, line, heads_text, reader, progress)
    except GcwError as error:
        record_read(ctx, reader, roles, "export", parameters, None, error.code)
        raise
    record_read(ctx, reader, roles, "export", parameters, summary.events, "ok")
    return summary


def _write(
    ctx: Context,
    session: Session,
    procedure_id: int,
    target: Path,
    line: str,
    heads_text: str,
    reader: Reader,
    progress: Progress | None,
) -> ExportSummary:
    assert ctx.store is not None
    chain = procedure_chain(procedure_id)
    events = session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.canonical)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq)
    ).all()
    documents = session.execute(
        select(Document, AuditEvent.seq)
        .join(AuditEvent, AuditEvent.id == Document.event_id)
        .where(Document.procedure_id == procedure_id)
        .order_by(Document.id)
    ).all()
    procedure = procedure_record(session, procedure_id)
    history = history_rows(session, procedure_id)
    head_seq, head_hash = (events[-1].seq, events[-1].hash) if events else (0, GENESIS)
    manifest = {
        "format": FORMAT,
        "procedure": procedure,
        "chain": chain,
        "events": len(events),
        "head": {"seq": head_seq, "hash": head_hash},
        "checkpoint": {"line": line, "chain_head": loads(heads_text).get(chain)},
        "documents": [
            {**d.record(), "path": f"documents/{d.sha256}", "event_seq": seq} for d, seq in documents
        ],
        "exported_at": format_instant(ctx.clock.now()),
        "exported_by": reader.username,
    }
    ensure_dir(target.parent, "내보낼 파일의 폴더")
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".gcw-export-", suffix=".zip")
    os.close(fd)
    try:
        with zipfile.ZipFile(temp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("README.txt", README)
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
            archive.writestr("events.jsonl", "".join(f"{e.canonical}\n" for e in events))
            archive.writestr("events.sha256", "".join(f"{e.hash}  {e.seq}\n" for e in events))
            archive.writestr("checkpoint.txt", line + "\n")
            archive.writestr("checkpoint-heads.json", heads_text)
            archive.writestr("history.csv", csv_text(history))
            written: set[str] = set()
            for n, (document, _seq) in enumerate(documents, start=1):
                if document.sha256 in written:
                    continue
                try:
                    data = ctx.store.get(document.sha256)
                except LookupError as exc:
                    raise Conflict(
                        f"문서 {document.id}번 파일이 문서 저장소에 없습니다: 내보낼 수 없습니다 (gcw audit verify)"
                    ) from exc
                if hashlib.sha256(data).hexdigest() != document.sha256:
                    raise Conflict(
                        f"문서 {document.id}번 파일이 기록된 SHA-256과 다릅니다: 내보낼 수 없습니다 (gcw audit verify)"
                    )
                archive.writestr(f"documents/{document.sha256}", data)
                written.add(document.sha256)
                if progress:
                    progress("문서", n, len(documents))
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return ExportSummary(
        str(target),
        procedure_id,
        procedure["title"],
        len(events),
        head_seq,
        head_hash,
        len(written),
        line,
        target.stat().st_size,
    )


# --- verifying an archive without the database ------------------------------------------------------------


def _lines(data: bytes) -> Iterator[bytes]:
    for raw in data.split(b"\n"):
        if raw:
            yield raw


def verify_archive(
    path: Path, against: CheckpointLine | None = None, progress: Progress | None = None
) -> VerifyReport:
    """Every event line hashes to its recorded hash and links to the one before; the head is the manifest's;
    the checkpoint's heads hash to its line, and its head for this chain is an event of the archive; every
    document file hashes to its name and is named by the event that produced it. ``against``: the same
    checkpoint line kept outside the system."""
    report = VerifyReport()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.problems.append(Problem(str(path), None, None, f"기록물 파일을 읽을 수 없습니다: {exc}"))
        return report.finish()
    with archive:
        names = set(archive.namelist())
        required = {
            "manifest.json",
            "events.jsonl",
            "events.sha256",
            "checkpoint.txt",
            "checkpoint-heads.json",
        }
        missing = sorted(required - names)
        if missing:
            report.problems.append(
                Problem(str(path), None, None, f"기록물에 필요한 항목이 없습니다: {', '.join(missing)}")
            )
            return report.finish()
        manifest = json.loads(archive.read("manifest.json"))
        if manifest.get("format") != FORMAT:
            report.problems.append(
                Problem(str(path), None, None, f"알 수 없는 기록물 형식입니다: {manifest.get('format')}")
            )
            return report.finish()
        chain = manifest["chain"]
        hashes, effects = _verify_events(archive, manifest, report, progress)
        _verify_checkpoint(archive, chain, hashes, against, report)
        _verify_archived_documents(archive, manifest, effects, names, report)
    return report.finish()


def _verify_events(
    archive: zipfile.ZipFile,
    manifest: dict[str, Any],
    report: VerifyReport,
    progress: Progress | None,
) -> tuple[dict[int, str], dict[int, list[Any]]]:
    """The chain's lines; returns each line's hash and each intact event's effects, by seq."""
    chain = manifest["chain"]
    listed = [line.decode("utf-8").split() for line in _lines(archive.read("events.sha256"))]
    recorded = {int(seq): digest for digest, seq in listed}
    hashes: dict[int, str] = {}
    effects: dict[int, list[Any]] = {}
    previous, broken = GENESIS, False
    lines = list(_lines(archive.read("events.jsonl")))
    for seq, raw in enumerate(lines, start=1):
        report.events += 1
        digest = hashlib.sha256(raw).hexdigest()
        hashes[seq] = digest
        if broken:
            continue
        problem = None
        try:
            text = raw.decode("utf-8")
            event = loads(text)
        except ValueError:
            event, text = None, ""
        if not isinstance(event, dict) or canonical_text(event) != text:
            problem = "원문이 정규형 JSON이 아닙니다 (변조됨)"
        elif event.get("chain") != chain or event.get("seq") != seq:
            problem = f"{seq}번째 줄이 이 체인의 {seq}번 사건이 아닙니다 (삭제·순서 변경됨)"
        elif event.get("prev_hash") != previous:
            problem = "이전 사건의 해시와 연결되지 않습니다"
        elif recorded.get(seq) != digest:
            problem = "원문의 해시가 기록된 해시와 다릅니다 (변조됨)"
        if problem:
            broken = True
            report.problems.append(Problem(chain, seq, None, problem))
        else:
            payload = event.get("payload")
            effects[seq] = payload.get("effects", []) if isinstance(payload, dict) else []
        previous = digest
        if progress and seq % 1000 == 0:
            progress("사건", seq, len(lines))
    report.chains = 1
    head = manifest.get("head", {})
    if not broken and (len(lines), previous) != (
        head.get("seq"),
        head.get("hash") if lines else GENESIS,
    ):
        report.problems.append(
            Problem(
                chain,
                head.get("seq"),
                None,
                "기록물 목록의 마지막 사건과 실제 마지막 사건이 다릅니다 (최근 사건 삭제)",
            )
        )
    if len(recorded) != len(lines):
        report.problems.append(Problem(chain, None, None, "사건 해시 목록과 사건 수가 다릅니다"))
    return hashes, effects


def _verify_checkpoint(
    archive: zipfile.ZipFile,
    chain: str,
    hashes: dict[int, str],
    against: CheckpointLine | None,
    report: VerifyReport,
) -> None:
    report.checkpoints = 1
    try:
        line = CheckpointLine.parse(archive.read("checkpoint.txt").decode("utf-8"))
    except ValueError as exc:
        report.problems.append(Problem("checkpoint", None, None, str(exc), section="checkpoints"))
        return
    heads_bytes = archive.read("checkpoint-heads.json")
    problem = None
    if against is not None and (against.id, against.digest) != (line.id, line.digest):
        report.against_checkpoint = against.id
        problem = f"기록물의 체크포인트({line.id}번)가 외부에 보관한 줄({against.id}번)과 다릅니다"
    elif hashlib.sha256(heads_bytes).hexdigest() != line.digest:
        problem = "체크포인트의 체인 머리 목록이 체크포인트 줄의 해시와 다릅니다 (변조됨)"
    else:
        heads = loads(heads_bytes.decode("utf-8"))
        position = heads.get(chain)
        if len(heads) != line.chains:
            problem = "체크포인트 줄의 체인 수와 머리 목록이 다릅니다"
        elif position is None or hashes.get(position[0]) != position[1]:
            problem = "체크포인트가 기록한 이 체인의 머리가 기록물에 없거나 다릅니다 (삭제 또는 변조)"
        if against is not None:
            report.against_checkpoint = against.id
    if problem:
        report.problems.append(Problem("checkpoint", line.id, None, problem, section="checkpoints"))


def _verify_archived_documents(
    archive: zipfile.ZipFile,
    manifest: dict[str, Any],
    effects: dict[int, list[Any]],
    names: set[str],
    report: VerifyReport,
) -> None:
    chain = manifest["chain"]
    for document in manifest.get("documents", []):
        report.documents += 1
        sha = document["sha256"]
        report.records += 1
        named = any(
            isinstance(e, dict) and e.get("document") == sha for e in effects.get(document["event_seq"], [])
        )
        if not named:
            report.problems.append(
                Problem(
                    chain,
                    document["event_seq"],
                    None,
                    f"문서 {document['id']}번이 그 사건의 기록에 없습니다 (목록 변조)",
                    section="records",
                    document_id=document["id"],
                )
            )
        path = f"documents/{sha}"
        if path not in names:
            message = "기록물에 파일이 없습니다 (삭제됨)"
        elif hashlib.sha256(archive.read(path)).hexdigest() != sha:
            message = "내용이 기록된 SHA-256과 다릅니다 (교체·변조됨)"
        else:
            continue
        report.problems.append(
            Problem(
                chain,
                None,
                None,
                f"문서 {document['id']}번 ({sha[:12]}…): {message}",
                section="documents",
                document_id=document["id"],
            )
        )
    listed = {d["sha256"] for d in manifest.get("documents", [])}
    for seq, items in sorted(effects.items()):
        for effect in items:
            if isinstance(effect, dict) and "document" in effect and effect["document"] not in listed:
                report.problems.append(
                    Problem(
                        chain,
                        seq,
                        None,
                        f"사건이 남긴 문서 {effect['document'][:12]}…가 기록물에 없습니다",
                        section="documents",
                    )
                )
