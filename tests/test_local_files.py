"""Local files under GCW_VAR_DIR (issue #12): folders made with their parents on first write; a folder that cannot
be made is refused in Korean by name, and a mail folder that cannot be written fails the message, not the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from gcworkflow.documents.store import FileStore
from gcworkflow.local_files import LocalFilesError, ensure_dir
from gcworkflow.notify.channels import MaildirChannel, SendFailed
from gcworkflow.notify.compose import Composed

MESSAGE = Composed(
    "gcw@example.kr", "governor@example.kr", "<gcw.1.abc@example.kr>", b"Subject: x\r\n\r\nbody\r\n"
)


@pytest.fixture
def blocker(tmp_path: Path) -> Path:
    """A regular file where a folder of GCW_VAR_DIR would have to be."""
    path = tmp_path / "var-is-a-file"
    path.write_text("x")
    return path


def test_missing_folders_are_made_with_their_parents(tmp_path: Path) -> None:
    var = tmp_path / "srv" / "gcw" / "var"
    assert FileStore(var / "documents").put(b"%PDF-1.7 x") and (var / "documents").is_dir()
    channel = MaildirChannel(var / "mail" / "maildir")
    assert channel.send(MESSAGE).startswith("maildir ")
    channel.close()
    assert len(list((var / "mail" / "maildir" / "new").iterdir())) == 1
    assert ensure_dir(var / "prefect", "Prefect 작업 폴더") == var / "prefect"


def test_a_folder_that_cannot_be_made_is_named_with_its_reason(blocker: Path) -> None:
    with pytest.raises(LocalFilesError) as refused:
        ensure_dir(blocker / "prefect", "Prefect 작업 폴더(PREFECT_HOME)")
    assert refused.value.code == "local_files"
    assert refused.value.message.startswith(
        f"Prefect 작업 폴더(PREFECT_HOME)에 쓸 수 없습니다: {blocker / 'prefect'} "
        "(경로 중간에 폴더가 아닌 파일이 있습니다). GCW_VAR_DIR을"
    )
    with pytest.raises(LocalFilesError, match="문서 저장소에 쓸 수 없습니다"):
        FileStore(blocker / "documents").put(b"%PDF-1.7 x")


def test_a_mail_folder_that_cannot_be_written_fails_the_message_in_korean(blocker: Path) -> None:
    channel = MaildirChannel(blocker / "mail" / "maildir")
    with pytest.raises(SendFailed, match=r"메일 보관함\(Maildir\) 폴더에 쓸 수 없습니다: .*폴더가 아닌 파일"):
        channel.send(MESSAGE)
    channel.close()
