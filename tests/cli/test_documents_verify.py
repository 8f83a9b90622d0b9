"""`gcw documents verify` on documents the engine issued and signed, and `gcw audit verify` on the stored ones
(issue #17): real databases (SQLite, and PostgreSQL when configured), the real document store, real PDFs."""

from __future__ import annotations

import json
from pathlib import Path

from gcworkflow import queries
from gcworkflow.automation.issuing import Issued, issue
from gcworkflow.context import Context
from gcworkflow.documents.signing import office_key
from tests.cli import Gcw
from tests.support import AUDITOR, fire, gumi_plan, open_gumi, signed

NOW = "2026-03-02T10:00:00+09:00"
EXIT_NOT_VERIFIED = 11


def issued_letter(ctx: Context) -> Issued:
    pid = open_gumi(ctx)
    fire(ctx, pid, "record_plan", content=gumi_plan())
    signed(ctx, pid, "request_governor_opinions")
    (letter,) = issue(ctx, pid, "opinion_request")
    return letter


def test_the_event_records_who_signed_the_stored_file(office: Context):
    ctx = office
    letter = issued_letter(ctx)
    key = office_key(ctx.settings)
    facts = queries.procedure_status(ctx, 1)["facts"]
    (fact,) = [
        f["data"]
        for f in facts
        if (f["kind"], f["subject"]) == ("document_issued", f"opinion_request:{letter.subject}")
    ]
    assert (fact["signer"], fact["signer_sha256"]) == (key.subject, key.sha256)
    assert fact["sha256"] == letter.sha256 and fact["size"] == len(ctx.store.get(letter.sha256))
    assert b"/ETSI.CAdES.detached" in ctx.store.get(letter.sha256)


def test_a_recipient_verifies_an_issued_letter_without_the_database(office: Context, tmp_path: Path):
    ctx = office
    letter = issued_letter(ctx)
    received = tmp_path / "letter.pdf"
    received.write_bytes(ctx.store.get(letter.sha256))
    # A recipient's shell: no database, no folder of ours; only the file and the trust anchors (the env's).
    gcw = Gcw(
        {"GCW_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "GCW_VAR_DIR": str(tmp_path / "x")}
    )
    shown = gcw.ok("documents", "verify", str(received)).stdout.splitlines()
    assert [line.split(" — ")[0] for line in shown[:4]] == [
        "서명: 통과",
        "변경: 통과",
        "인증서: 통과",
        "내용: 통과",
    ]
    assert (
        shown[3]
        == "내용: 통과 — 내장 데이터(opinion_request.json)가 본문과 일치합니다 (시행 번호, 시행일, 수신, 제목)"
    )
    assert shown[4] == f"결과: 모두 통과 (SHA-256 {letter.sha256})"
    as_json = json.loads(gcw.ok("documents", "verify", str(received), "--json").stdout)
    assert as_json["ok"] and as_json["kind"] == "opinion_request" and as_json["issued"] is None
    assert [c["check"] for c in as_json["checks"]] == ["signature", "unchanged", "certificate", "data"]

    changed = bytearray(received.read_bytes())
    changed[len(changed) // 3] ^= 0x01
    received.write_bytes(bytes(changed))
    refused = gcw("documents", "verify", str(received))
    assert refused.exit_code == EXIT_NOT_VERIFIED, refused.output
    assert refused.stdout.splitlines()[0] == (
        "서명: 실패 — 서명값이 문서 내용과 맞지 않습니다 (서명한 뒤에 내용이 바뀌었습니다)"
    )
    missing = gcw("documents", "verify", str(tmp_path / "nothing.pdf"))
    assert missing.exit_code == 2 and "확인할 파일을 읽을 수 없습니다" in missing.stderr


def test_untrusted_without_anchors_and_trusted_with_trust(office: Context, tmp_path: Path):
    ctx = office
    letter = issued_letter(ctx)
    received = tmp_path / "letter.pdf"
    received.write_bytes(ctx.store.get(letter.sha256))
    gcw = Gcw.against(ctx.settings, NOW)
    anchors = gcw.env.get("GCW_SIGNING_TRUST") or str(ctx.settings.signing_trust)
    gcw.env["GCW_SIGNING_TRUST"] = None
    untrusted = gcw("documents", "verify", str(received))
    assert untrusted.exit_code == EXIT_NOT_VERIFIED
    assert "인증서: 실패 — 신뢰할 인증서가 지정되지 않았습니다" in untrusted.stdout
    trusted = gcw.ok("documents", "verify", str(received), "--trust", anchors)
    assert f"(신뢰 목록: {anchors}; 폐지 여부는 조회하지 않음)" in trusted.stdout


def test_with_the_record_it_names_the_procedure_and_action(office: Context, tmp_path: Path):
    ctx = office
    letter = issued_letter(ctx)
    received = tmp_path / "letter.pdf"
    received.write_bytes(ctx.store.get(letter.sha256))
    gcw = Gcw.against(ctx.settings, NOW)
    shown = gcw.ok("documents", "verify", str(received), "--record", user=AUDITOR).stdout.splitlines()
    (record,) = [line for line in shown if line.startswith("발행 기록:")]
    assert (
        record.startswith("발행 기록: 통과 — 1번 절차(")
        and "의 문서 생성 기록(document_issued, procedure:1 #" in record
    )
    unknown = tmp_path / "other.pdf"
    unknown.write_bytes(b"%PDF-1.7 something else")
    refused = gcw("documents", "verify", str(unknown), "--record", "--json", user=AUDITOR)
    assert refused.exit_code == EXIT_NOT_VERIFIED
    checks = {c["check"]: c for c in json.loads(refused.stdout)["checks"]}
    assert checks["record"] == {
        "check": "record",
        "ok": False,
        "message": "이 파일(SHA-256)과 같은 발행 문서가 이 시스템의 기록에 없습니다",
    }


def test_audit_verify_finds_a_tampered_and_an_unsigned_stored_document(office: Context):
    ctx = office
    letter = issued_letter(ctx)
    gcw = Gcw.against(ctx.settings, NOW)
    clean = gcw.ok("audit", "verify").stdout
    assert (
        "서명 2건 — 이상 없음" in clean
    )  # the letter and its enclosure (조성계획(요약)); not their HWPX twins
    path = ctx.store.path(letter.sha256)
    original = path.read_bytes()
    tampered = bytearray(original)
    tampered[len(tampered) // 2] ^= 0x01
    path.write_bytes(bytes(tampered))
    found = gcw("audit", "verify")
    assert found.exit_code == 1
    assert "내용이 기록된 SHA-256과 다릅니다 (교체·변조됨)" in found.stdout
    assert "전자서명: 전자서명이 문서 내용과 맞지 않습니다 (서명한 뒤에 바뀜)" in found.stdout
    # The letter as it was before it was signed: the rendered PDF the signature was appended to.
    path.write_bytes(original[: original.index(b"%%EOF") + len(b"%%EOF\n")])
    found = gcw("audit", "verify")
    assert found.exit_code == 1
    assert "전자서명: 전자서명이 없습니다 (발행 기록에는 서명자 인증서가 있습니다)" in found.stdout
