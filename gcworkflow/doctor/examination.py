"""Every check of the installation, in the order an operator reads them (findings.TITLES): the database
first, since the checks that read the records need its engine, and that engine disposed of at the end."""

from __future__ import annotations

from datetime import datetime

from gcworkflow.doctor.database import check_admin, check_database
from gcworkflow.doctor.documents import (
    check_documents,
    check_fonts,
    check_office,
    check_pdf_engine,
    check_signing,
)
from gcworkflow.doctor.files import check_folders
from gcworkflow.doctor.findings import Finding, debugging, guarded, unforeseen
from gcworkflow.doctor.mail import check_mail
from gcworkflow.doctor.services import check_prefect, check_smtp
from gcworkflow.doctor.trail import check_records
from gcworkflow.settings import Settings

__all__ = ["examine"]


def examine(
    settings: Settings,
    now: datetime,
    *,
    smtp: bool = False,
    prefect: bool = False,
    prefect_url: str | None = None,
) -> list[Finding]:
    """Every check of the installation ``settings`` describe, at ``now`` (UTC). The mail server is tried with
    ``smtp`` or when mail goes by SMTP; Prefect with ``prefect`` or when ``prefect_url`` is configured."""
    try:
        database, reader = check_database(settings)
    except Exception as exc:
        if debugging():
            raise
        database, reader = unforeseen("database", exc), None
    findings = [database]
    try:
        if reader is not None:
            findings += guarded("admin", lambda: check_admin(reader))
        findings += guarded("var_dir", lambda: check_folders(settings))
        findings += guarded("fonts", check_fonts)
        findings += guarded("pdf_engine", check_pdf_engine)
        findings += guarded("office", lambda: check_office(settings, now))
        findings += guarded("documents", lambda: check_documents(settings))
        findings += guarded("signing", lambda: check_signing(settings, now))
        findings += guarded("mail", lambda: check_mail(settings))
        if smtp or settings.mail_channel == "smtp":
            findings += guarded("smtp", lambda: check_smtp(settings))
        if prefect or prefect_url:
            findings += guarded("prefect", lambda: check_prefect(prefect_url))
        if reader is not None:
            findings += guarded("checkpoint", lambda: check_records(reader, now))
    finally:
        if reader is not None:
            reader.dispose()
    return findings
