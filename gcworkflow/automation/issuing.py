"""Issuing official documents after the action that calls for them has committed (DESIGN.md §2, step 4).

For each document: make sure its number exists (a letter's 시행 number with its date is registered once and
reused, so a re-run prints the same letter), build its content, render it, keep the PDF in the content-addressed
store, and record ``document_issued`` through the engine as the ``system`` actor with the PDF's SHA-256. A
document already issued from the same content is not issued again, whatever re-runs or crashes happen: the
PDF is byte-identical for the same content, and the content hash is the idempotency key.

A letter's enclosures (붙임: the 조성계획(요약) and its kin, documents/enclosures.py) are issued the same way
just before it, and the letter's ``document_issued`` lists them with their hashes, so its e-mail carries exactly
what its 붙임 lines promise. A round's letters go one per recipient, or as one letter to all of them ("수신자
참조") when the clerk chose so in the action that opened the round.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from gcworkflow import engine
from gcworkflow.canonical import digest
from gcworkflow.clock import to_kst
from gcworkflow.context import Context
from gcworkflow.db.models import Cluster, Contact, Document, PlanVersion, Procedure
from gcworkflow.documents import content, enclosures, hwpx
from gcworkflow.documents.models import Enclosure, Letter, Notice
from gcworkflow.engine import Actor, build_view
from gcworkflow.errors import GuardFailed, InvalidInput, NotFound
from gcworkflow.faults import crash_point
from gcworkflow.korean import with_particle
from gcworkflow.procedures.consultation import ONE_LETTER
from gcworkflow.procedures.notice import NOTICE, notice_document, notice_render_digest
from gcworkflow.procedures.notification import governors_to_notify
from gcworkflow.procedures.spec import ProcedureView
from gcworkflow.reference import addressee

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
    enclosures: tuple[Issued, ...] = ()  # a letter's 붙임, issued before it

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "subject": self.subject,
            "sha256": self.sha256,
            "number": self.number,
            "title": self.title,
            "size": self.size,
            "new": self.new,
            **({"enclosures": [e.as_dict() for e in self.enclosures]} if self.enclosures else {}),
        }

    def listed(self) -> dict[str, str]:
        """The enclosure as the letter's ``document_issued`` lists it."""
        return {"document": self.kind, "subject": self.subject, "sha256": self.sha256, "title": self.title}


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
    from gcworkflow.documents.signing import office_key

    office_key(ctx.settings)  # no certificate, no documents: refused before a letter number is registered
    if kind in NOTICES:
        return [_issue_notice(ctx, procedure_id, kind, actor)]
    if kind not in LETTERS:
        raise InvalidInput(f"알 수 없는 문서 종류입니다: {kind} (가능: {', '.join((*NOTICES, *LETTERS))})")
    view = procedure_view(ctx, procedure_id)
    if not kind.endswith("_notification") and view.fact("consultation_round", LETTERS[kind][0]) is None:
        raise InvalidInput(
            f"{with_particle(content.TITLES[kind], '을')} 보낼 차례가 아닙니다 (의견 요청·협의 요청 기록 없음)"
        )
    return [
        _issue_letter(ctx, procedure_id, kind, subject, parties, actor)
        for subject, parties in letter_subjects(view, kind)
    ]


def letter_subjects(view: ProcedureView, kind: str) -> list[tuple[str, list[str]]]:
    """The letters of ``kind`` the procedure calls for now, as (subject, recipients): one per recipient
    ("<round>:<party>"), or one to all of them ("<round>:all", 수신자 참조) when the round was opened so."""
    group, _ = LETTERS[kind]
    consultation = view.fact("consultation_round", group)
    round_no = consultation.data["round"] if consultation else 1
    if kind.endswith("_notification"):
        # A notification goes to the governors whatever the consultations were (a minor change had none).
        parties, letters = governors_to_notify(view), view.fact("notification_letters")
        one = letters is not None and letters.data["letters"] == "one"
    elif consultation is None:
        return []
    else:
        parties, one = consultation.data["parties"], consultation.data.get("letters") == "one"
    if one:
        return [(f"{round_no}:{ONE_LETTER}", list(parties))]
    return [(f"{round_no}:{party}", [party]) for party in parties]


def _issue_notice(ctx: Context, procedure_id: int, kind: str, actor: Actor) -> Issued:
    view = procedure_view(ctx, procedure_id)
    if kind != notice_document(view):
        raise InvalidInput(f"이 절차의 고시는 {notice_document(view)}입니다 ({kind} 아님)")
    notice, number = content.notice(view, illustrative=ctx.settings.documents_illustrative)
    content_sha256 = notice_render_digest(view.fact("notice_content", NOTICE).data, number)
    return _render_and_record(ctx, procedure_id, kind, "", notice, number, content_sha256, actor)


def _issue_letter(
    ctx: Context, procedure_id: int, kind: str, subject: str, parties: list[str], actor: Actor
) -> Issued:
    purpose = f"{kind}:{subject}"
    party = parties[0]  # the round's parties share one approval and one reply-by date
    view = procedure_view(ctx, procedure_id)
    if view.fact("letter_number", purpose) is None:
        if ctx.settings.notice_numbering != "local":
            raise InvalidInput(
                f"{content.TITLES[kind]}({subject})의 시행 번호가 없습니다. 문서관리시스템 번호를 먼저 등록하십시오: "
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
        units = {p: contact.unit for p in parties if (contact := session.get(Contact, p)) is not None}
    dated = date.fromisoformat(number["dated"])
    # 수신자 참조 (시행규칙 제4조제2항제2호나목): the header says so, the 수신자 line names everyone.
    recipients = tuple(addressee(p, dated, units.get(p)) for p in parties) if len(parties) > 1 else ()
    addressed = {"unit": units.get(party), "recipients": recipients, "illustrative": illustrative}
    builders: dict[str, Callable[..., Letter]] = {
        "opinion_request": content.opinion_request,
        "consultation_request": content.consultation_request,
    }
    if kind.endswith("_notification"):
        notice_number = view.fact("notice_number", NOTICE).data["number"]
        letter = content.notification(view, ctx.settings, signed, party, number, notice_number, **addressed)
    else:
        letter = builders[kind](view, ctx.settings, signed, party, number, **addressed)
    enclosed = _issue_enclosures(ctx, procedure_id, kind, actor)
    return _render_and_record(
        ctx,
        procedure_id,
        kind,
        subject,
        letter,
        number["number"],
        digest(letter.model_dump(mode="json")),
        actor,
        enclosures=enclosed,
    )


def _issue_enclosures(ctx: Context, procedure_id: int, kind: str, actor: Actor) -> tuple[Issued, ...]:
    """The letter's 붙임 made from the procedure's record, each issued once per content: the matter's
    (조성계획(요약) and its kin) for every letter, and the governors' opinions for the ministries'."""
    view = procedure_view(ctx, procedure_id)
    illustrative = ctx.settings.documents_illustrative
    made = [
        (
            enclosures.subject_of(view),
            enclosures.matter_enclosure(view, _plan_day(ctx, view), illustrative=illustrative),
        )
    ]
    if kind == "consultation_request":
        round_no = view.fact("consultation_round", "governor").data["round"]
        made.append((str(round_no), enclosures.opinion_summary(view, illustrative=illustrative)))
    return tuple(
        _render_and_record(
            ctx,
            procedure_id,
            enclosure.kind,
            subject,
            enclosure,
            "",
            digest(enclosure.model_dump(mode="json")),
            actor,
            made_from={"plan_version": enclosure.plan_version, "plan_sha256": enclosure.plan_sha256},
        )
        for subject, enclosure in made
    )


def _plan_day(ctx: Context, view: ProcedureView) -> date:
    """The day (KST) the procedure's current plan version was written: the date of what is made from it."""
    with ctx.db.read() as session:
        written = session.execute(
            select(PlanVersion.created_at).where(
                PlanVersion.procedure_id == view.id, PlanVersion.number == view.plan_version_no
            )
        ).scalar_one_or_none()
    return to_kst(written).date() if written is not None else view.today


def _render_and_record(
    ctx: Context,
    procedure_id: int,
    kind: str,
    subject: str,
    document: Letter | Notice | Enclosure,
    number: str,
    content_sha256: str,
    actor: Actor,
    *,
    enclosures: tuple[Issued, ...] = (),
    made_from: Mapping[str, object] | None = None,
) -> Issued:
    from gcworkflow.documents.render import render  # WeasyPrint loads only when a document is rendered
    from gcworkflow.documents.signing import sign_rendered  # and pyHanko only when one is signed

    fact_subject = f"{kind}:{subject}".rstrip(":")
    view = procedure_view(ctx, procedure_id)
    existing = view.fact("document_issued", fact_subject)
    if existing is not None and existing.data["content_sha256"] == content_sha256:
        data = existing.data
        return Issued(kind, subject, data["sha256"], number, data["title"], data["size"], False, enclosures)
    rendered = render(document)
    # What is kept, hashed and recorded is the office-signed file (PAdES); the content hash stays the key.
    rendered, signer = sign_rendered(ctx.settings, rendered, ctx.clock.now())
    crash_point("after_render")
    assert ctx.store is not None
    sha256 = ctx.store.put(rendered.pdf)
    # The HWPX twin for the 관보's editors and 온나라, from the same content (never from the PDF).
    twin = hwpx.build(document)
    twin_sha256 = ctx.store.put(twin)
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
                **signer,
                "content_sha256": content_sha256,
                "hwpx_sha256": twin_sha256,
                "hwpx_size": len(twin),
                **({"enclosures": [e.listed() for e in enclosures]} if enclosures else {}),
                **{key: value for key, value in (made_from or {}).items() if value is not None},
            },
        )
    except GuardFailed as refused:
        # Another run (a second worker) recorded the same document while this one rendered it: issued once, by
        # that run. Its signature's time differs from ours, so the bytes this run put are nobody's record.
        if [u.id for u in refused.unmet] != ["document_already_issued"]:
            raise
        _discard_unrecorded(ctx, {sha256, twin_sha256})
        data = procedure_view(ctx, procedure_id).fact("document_issued", fact_subject).data
        return Issued(kind, subject, data["sha256"], number, data["title"], data["size"], False, enclosures)
    return Issued(kind, subject, sha256, number, rendered.title, len(rendered.pdf), True, enclosures)


def _discard_unrecorded(ctx: Context, sha256s: set[str]) -> None:
    """Remove from the store what no document row names (the HWPX twin, built from the same content, is
    usually the winner's own file and stays)."""
    assert ctx.store is not None
    with ctx.db.read() as session:
        recorded = set(session.execute(select(Document.sha256).where(Document.sha256.in_(sha256s))).scalars())
    for sha256 in sha256s - recorded:
        ctx.store.discard(sha256)
