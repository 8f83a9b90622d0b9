"""Issuing official documents after the action that calls for them has committed (DESIGN.md §2, step 4).

For each document: make sure its number exists (a letter's 시행 number with its date is registered once and
reused, so a re-run prints the same letter), build its content, render it, keep the PDF in the content-addressed
store, and record ``document_issued`` through the engine as the ``system`` actor with the PDF's SHA-256. A
document already issued from the same content is not issued again, whatever re-runs or crashes happen: the
PDF is byte-identical for the same content, and the content hash is the idempotency key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gcworkflow import engine
from gcworkflow.canonical import digest
from gcworkflow.context import Context
from gcworkflow.db.models import Cluster, Contact, Procedure
from gcworkflow.documents import content
from gcworkflow.documents.models import Letter, Notice
from gcworkflow.engine import Actor, build_view
from gcworkflow.errors import GuardFailed, InvalidInput, NotFound
from gcworkflow.faults import crash_point
from gcworkflow.korean import with_particle
from gcworkflow.procedures.notice import NOTICE, notice_document, notice_render_digest
from gcworkflow.procedures.notification import governors_to_notify
from gcworkflow.procedures.spec import ProcedureView

SYSTEM = Actor("system", interface="flow")
# (document kind) → (consultation group whose round it answers, the fact whose event carries its 결재)
LETTERS = {
    "opinion_request": ("governor", "consultation_request"),
    "consultation_request": ("ministry", "consultation_request"),
    "designation_notification": ("governor", "notice_signoff"),
    "change_notification": ("governor", "notice_signoff"),
    "release_notification": ("governor", "notice_signoff"),
    "basic_plan_notification": ("governor", "notice_signoff"),
}
NOTICES = ("designation_notice", "change_notice", "release_notice", "basic_plan_notice")


@dataclass(frozen=True)
class Issued:
    kind: str
    subject: str
    sha256: str
    number: str
    title: str
    size: int
    new: bool  # False: the same document had been issued already

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "sha256": self.sha256,
            "number": self.number,
            "title": self.title,
            "size": self.size,
            "new": self.new,
        }


def procedure_view(ctx: Context, procedure_id: int) -> ProcedureView:
    """The procedure as its documents are built from (read in one transaction, calendar included)."""
    with ctx.db.read() as session:
        procedure = session.get(Procedure, procedure_id)
        if procedure is None:
            raise NotFound(f"{procedure_id}번 절차가 없습니다")
        cluster = session.get(Cluster, procedure.cluster_id) if procedure.cluster_id is not None else None
        view = build_view(ctx, session, procedure, cluster.name if cluster else None)
        view.calendar  # noqa: B018  (read the calendar while the session is open)
        return view


def issue(ctx: Context, procedure_id: int, kind: str, *, actor: Actor = SYSTEM) -> list[Issued]:
    """Issue every document of ``kind`` the procedure calls for now, acting as ``system`` (through ``actor``'s
    interface: the flows, or an operator's CLI)."""
    if kind in NOTICES:
        return [_issue_notice(ctx, procedure_id, kind, actor)]
    if kind not in LETTERS:
        raise InvalidInput(f"알 수 없는 문서 종류입니다: {kind} (가능: {', '.join((*NOTICES, *LETTERS))})")
    group, _ = LETTERS[kind]
    view = procedure_view(ctx, procedure_id)
    consultation = view.fact("consultation_round", group)
    if kind.endswith("_notification"):
        # A notification goes to the governors whatever the consultations were (a minor change had none).
        parties, round_no = governors_to_notify(view), consultation.data["round"] if consultation else 1
    elif consultation is None:
        raise InvalidInput(
            f"{with_particle(content.TITLES[kind], '을')} 보낼 차례가 아닙니다 (의견 요청·협의 요청 기록 없음)"
        )
    else:
        parties, round_no = consultation.data["parties"], consultation.data["round"]
    return [_issue_letter(ctx, procedure_id, kind, f"{round_no}:{party}", party, actor) for party in parties]


def _issue_notice(ctx: Context, procedure_id: int, kind: str, actor: Actor) -> Issued:
    view = procedure_view(ctx, procedure_id)
    if kind != notice_document(view):
        raise InvalidInput(f"이 절차의 고시는 {notice_document(view)}입니다 ({kind} 아님)")
    notice, number = content.notice(view, illustrative=ctx.settings.documents_illustrative)
    content_sha256 = notice_render_digest(view.fact("notice_content", NOTICE).data, number)
    return _render_and_record(ctx, procedure_id, kind, "", notice, number, content_sha256, actor)


def _issue_letter(
    ctx: Context, procedure_id: int, kind: str, subject: str, party: str, actor: Actor
) -> Issued:
    purpose = f"{kind}:{subject}"
    view = procedure_view(ctx, procedure_id)
    if view.fact("letter_number", purpose) is None:
        if ctx.settings.notice_numbering != "local":
            raise InvalidInput(
                f"{content.TITLES[kind]}({party})의 시행 번호가 없습니다. 문서관리시스템 번호를 먼저 등록하십시오: "
                f"gcw --as 담당자 fire {procedure_id} register_letter_number -p document={kind} -p subject={subject} "
                f"-p dated=YYYY-MM-DD -p number=처리과-번호"
            )
        try:
            engine.fire(
                ctx,
                procedure_id,
                "register_letter_number",
                actor,
                {"document": kind, "subject": subject, "dated": ctx.clock.today().isoformat()},
            )
        except GuardFailed as refused:
            # A concurrent run registered it first: the letter goes out under that number.
            if [u.id for u in refused.unmet] != ["letter_number_already_registered"]:
                raise
        view = procedure_view(ctx, procedure_id)
    number = view.fact("letter_number", purpose).data
    illustrative = ctx.settings.documents_illustrative
    _, signed_by = LETTERS[kind]
    approval = view.fact(signed_by, party if signed_by == "consultation_request" else NOTICE)
    with ctx.db.read() as session:
        signed = content.signing(session, approval.event_id)
        contact = session.get(Contact, party)
    unit = contact.unit if contact is not None else None
    builders: dict[str, Callable[..., Letter]] = {
        "opinion_request": content.opinion_request,
        "consultation_request": content.consultation_request,
    }
    if kind.endswith("_notification"):
        notice_number = view.fact("notice_number", NOTICE).data["number"]
        letter = content.notification(
            view, ctx.settings, signed, party, number, notice_number, unit=unit, illustrative=illustrative
        )
    else:
        letter = builders[kind](
            view, ctx.settings, signed, party, number, unit=unit, illustrative=illustrative
        )
    return _render_and_record(
        ctx,
        procedure_id,
        kind,
        subject,
        letter,
        number["number"],
        digest(letter.model_dump(mode="json")),
        actor,
    )


def _render_and_record(
    ctx: Context,
    procedure_id: int,
    kind: str,
    subject: str,
    document: Letter | Notice,
    number: str,
    content_sha256: str,
    actor: Actor,
) -> Issued:
    from gcworkflow.documents.render import render  # WeasyPrint loads only when a document is rendered

    fact_subject = f"{kind}:{subject}".rstrip(":")
    view = procedure_view(ctx, procedure_id)
    existing = view.fact("document_issued", fact_subject)
    if existing is not None and existing.data["content_sha256"] == content_sha256:
        data = existing.data
        return Issued(kind, subject, data["sha256"], number, data["title"], data["size"], new=False)
    rendered = render(document)
    crash_point("after_render")
    assert ctx.store is not None
    sha256 = ctx.store.put(rendered.pdf)
    crash_point("after_store")
    try:
        engine.fire(
            ctx,
            procedure_id,
            "document_issued",
            actor,
            {
                "document": kind,
                "subject": subject,
                "sha256": sha256,
                "title": rendered.title,
                "size": len(rendered.pdf),
                "content_sha256": content_sha256,
            },
        )
    except GuardFailed as refused:
        # Another run (a second worker) recorded the same document while this one rendered it (the same bytes,
        # already in the store): issued once, by that run.
        if [u.id for u in refused.unmet] != ["document_already_issued"]:
            raise
        data = procedure_view(ctx, procedure_id).fact("document_issued", fact_subject).data
        return Issued(kind, subject, data["sha256"], number, data["title"], data["size"], new=False)
    return Issued(kind, subject, sha256, number, rendered.title, len(rendered.pdf), new=True)
