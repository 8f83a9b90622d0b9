"""The public register (공개 열람): the clusters the Minister has designated by 고시, the clusters 법 부칙 제2조
deems designated, and their notices — only what a 관보 고시 already made public.

What is public is decided here, once, for every public page and export: a notice counts from its
``publish_notice`` event (the gazette carried it: the guards of that action required the number, the issued
PDF and the 관보 호수), and it is shown as it stood at that moment. A later correction of the record does not
rewrite what was published (a 정정 of a 고시 is a new 고시). Nothing of an open procedure, no proposal,
refusal, letter, comment, user or contact is read here at all, so none can be shown by mistake.

Public reads are not recorded in ``audit_reads``: what they show is public by 고시 (관보), so who read it is
nobody's business and recording every anonymous request would turn a public page into a write.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from gcworkflow.canonical import loads, sha256_hex
from gcworkflow.clock import SEOUL
from gcworkflow.context import Context
from gcworkflow.db.models import AuditEvent, Cluster, Document, Fact, PlanVersion, Procedure
from gcworkflow.reference import sido_by_code
from gcworkflow.reference.regions import UnknownRegion

PUBLISHED = "publish_notice"
DEEMED = "register_deemed_cluster"
# Every change to what the register shows is one of these events (or the date: statuses are as of today).
PUBLIC_TRIGGERS = (PUBLISHED, DEEMED)
NOTICE_FACTS = ("notice_content", "notice_number", "gazette_publication", "document_issued", "release_scope")
PDF = "application/pdf"
FORMAT = "1"  # bumped when the register's fields change, so that cached copies are not taken for current
KIND_LABELS = {"designation": "지정", "change": "변경", "release": "해제", "basic_plan": "기본계획"}
STATUS_LABELS = {
    "designated": "지정",
    "deemed": "지정(의제)",
    "pending": "지정 예정",
    "partly_released": "일부 해제",
    "released": "해제",
}


@dataclass(frozen=True)
class Field:
    """One field of the open data: its JSON key, its CSV header (공공데이터포털 file data use Korean names)
    and what it holds (the README's field table is checked against these)."""

    key: str
    header: str
    description: str


# The open data's fields, in their CSV order. Stable: add new ones at the end, never rename.
FIELDS = (
    Field("id", "클러스터번호", "등록부의 클러스터 번호 (상세 페이지 /public/clusters/{번호})"),
    Field("name", "명칭", "클러스터 명칭 (고시문 규칙 제3조제1호)"),
    Field("sido", "시도", "소재 시·도 (여럿이면 쉼표로 구분)"),
    Field("location", "위치", "위치 (고시문 규칙 제3조제1호)"),
    Field("area_m2", "면적", "면적 (㎡, 정수)"),
    Field(
        "period_start_year",
        "조성기간시작연도",
        "조성기간의 시작 연도 (규칙 제3조제3호; 의제 클러스터는 빈 값)",
    ),
    Field("period_end_year", "조성기간종료연도", "조성기간의 끝 연도"),
    Field("operating_institution", "전문운영기관", "전문운영기관 (규칙 제3조제4호)"),
    Field(
        "status_code",
        "상태코드",
        "designated(지정), deemed(지정 의제), pending(고시됨·지정일 전), partly_released(일부 해제), released(해제)",
    ),
    Field("status", "상태", "기준일 현재 상태 (지정, 지정(의제), 지정 예정, 일부 해제, 해제)"),
    Field("designated_on", "지정일", "지정일 (의제 클러스터는 지정된 것으로 보는 날), YYYY-MM-DD"),
    Field("basis", "지정근거", "지정 고시 번호 또는 의제 근거 (법 부칙 제2조)"),
    Field("latest_notice_number", "최근고시번호", "가장 최근 고시의 번호 (지정·변경·해제)"),
    Field("latest_notice_date", "최근고시일", "가장 최근 고시의 고시일, YYYY-MM-DD"),
    Field("notice_count", "고시건수", "이 클러스터에 관한 고시의 수"),
    Field("url", "상세페이지", "클러스터 상세 페이지 주소"),
    Field("as_of", "기준일", "데이터 기준일: 상태를 판단한 날 (YYYY-MM-DD)"),
)


@dataclass(frozen=True)
class Validator:
    """What a public response's ``ETag`` and ``Last-Modified`` come from: the public events (how many, the
    newest) and the day the statuses are computed for."""

    count: int
    newest: datetime | None
    as_of: date

    @property
    def etag(self) -> str:
        newest = self.newest.isoformat() if self.newest else "-"
        return f'"{sha256_hex(f"{FORMAT}|{self.count}|{newest}|{self.as_of}".encode())[:32]}"'

    @property
    def last_modified(self) -> datetime:
        """The newest public event, or the start of today (KST) when later: a status may change at midnight."""
        midnight = datetime.combine(self.as_of, time(0), SEOUL).astimezone(UTC)
        return max(self.newest, midnight) if self.newest else midnight


# How many public events there are and the newest: one statement the trigger index answers.
_PUBLIC_CHANGES = select(func.count(), func.max(AuditEvent.occurred_at)).where(
    AuditEvent.trigger.in_(PUBLIC_TRIGGERS)
)


def validator(ctx: Context) -> Validator:
    """One statement (the trigger index answers it), so that a conditional request costs no more."""
    with ctx.db.read() as session:
        count, newest = session.execute(_PUBLIC_CHANGES).one()
    return Validator(count, newest, ctx.clock.today())


@dataclass(frozen=True)
class Notice:
    """One published notice (고시) as the register shows it."""

    procedure_id: int
    cluster_id: int | None
    kind: str
    number: str
    notice_date: date
    effective_on: date  # 지정일 (or the day the change or release takes effect)
    gazette_issue: str
    published_on: date
    published_at: datetime
    title: str
    sha256: str | None  # the issued PDF; None if its documents row is missing
    size: int | None
    content: dict[str, Any]
    sido: tuple[str, ...]
    partial: bool  # a release of part of the area

    @property
    def kind_label(self) -> str:
        label = KIND_LABELS.get(self.kind, self.kind)
        return "일부 해제" if self.partial else label

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "number": self.number,
            "notice_date": self.notice_date.isoformat(),
            "effective_on": self.effective_on.isoformat(),
            "gazette_issue": self.gazette_issue,
            "published_on": self.published_on.isoformat(),
            "title": self.title,
            "pdf_sha256": self.sha256,
            "pdf_size": self.size,
        }


@dataclass
class PublicCluster:
    id: int
    name: str
    sido: str
    location: str | None
    area_m2: int | None
    period_start: int | None
    period_end: int | None
    operating_institution: str | None
    status: str
    designated_on: date | None
    basis: str
    notices: list[Notice] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def period(self) -> str | None:
        if self.period_start is None:
            return None
        return f"{self.period_start}~{self.period_end}"

    @property
    def latest(self) -> Notice | None:
        return self.notices[-1] if self.notices else None


@dataclass(frozen=True)
class Register:
    validator: Validator
    clusters: list[PublicCluster]
    basic_plan_notices: list[Notice]

    @property
    def notices(self) -> list[Notice]:
        """Every published notice, newest first (the feed's order)."""
        every = [n for c in self.clusters for n in c.notices] + self.basic_plan_notices
        return sorted(every, key=lambda n: (n.notice_date, n.published_at), reverse=True)

    def cluster(self, cluster_id: int) -> PublicCluster | None:
        return next((c for c in self.clusters if c.id == cluster_id), None)

    def notice_with_pdf(self, sha256: str) -> Notice | None:
        """The published notice whose PDF has this SHA-256; None when no published notice has it (a PDF
        superseded before publication, a letter, a received document are not public)."""
        return next((n for n in self.notices if n.sha256 == sha256), None)


def register(ctx: Context) -> Register:
    """The whole register as of today, read in one transaction."""
    today = ctx.clock.today()
    with ctx.db.read() as session:
        published = _published_notices(session)
        ids = {n.cluster_id for n in published if n.cluster_id is not None}
        rows = (
            session.execute(select(Cluster).where(Cluster.basis.is_not(None) | Cluster.id.in_(ids)))
            .scalars()
            .all()
        )
        count, newest = session.execute(_PUBLIC_CHANGES).one()
    by_cluster: dict[int, list[Notice]] = defaultdict(list)
    for notice in published:
        if notice.cluster_id is not None:
            by_cluster[notice.cluster_id].append(notice)
    clusters = [_cluster(row, by_cluster[row.id], today) for row in rows]
    clusters.sort(key=lambda c: (c.designated_on or date.max, c.id))
    return Register(Validator(count, newest, today), clusters, [n for n in published if n.cluster_id is None])


_issued = Fact.__table__.alias("issued")
_later = Fact.__table__.alias("later")
_publish = AuditEvent.__table__.alias("publish")


def published_at(ctx: Context, sha256: str) -> datetime | None:
    """When the notice whose PDF has this SHA-256 was published, None if none was — the rule of
    :func:`register` (the notice's newest PDF when it was published) in one statement, for a conditional
    request: the bytes at a SHA-256 never change, so the hash is their ETag, but whether they are public is
    asked every time. ``sha256`` is 64 hex digits (checked by the route), so it cannot be a LIKE pattern."""
    superseded = (
        select(_later.c.id)
        .where(
            _later.c.procedure_id == _issued.c.procedure_id,
            _later.c.kind == "document_issued",
            _later.c.subject == _issued.c.subject,
            _later.c.id > _issued.c.id,
            _later.c.event_id <= _publish.c.id,
        )
        .exists()
    )
    holders = select(Document.procedure_id).where(Document.sha256 == sha256, Document.media_type == PDF)
    query = (
        select(func.min(_publish.c.occurred_at))
        .select_from(_issued.join(_publish, _publish.c.procedure_id == _issued.c.procedure_id))
        .where(
            _issued.c.procedure_id.in_(holders),
            _issued.c.kind == "document_issued",
            _issued.c.subject.like("%\\_notice", escape="\\"),
            _issued.c.data.like(f'%"sha256":"{sha256}"%'),
            _issued.c.event_id <= _publish.c.id,
            _publish.c.trigger == PUBLISHED,
            ~superseded,
        )
    )
    with ctx.db.read() as session:
        return session.execute(query).scalar()


def _published_notices(session: Session) -> list[Notice]:
    events = session.execute(
        select(AuditEvent.id, AuditEvent.procedure_id, AuditEvent.occurred_at).where(
            AuditEvent.trigger == PUBLISHED
        )
    ).all()
    if not events:
        return []
    at = {e.procedure_id: (e.id, e.occurred_at) for e in events}
    clusters = dict(
        session.execute(select(Procedure.id, Procedure.cluster_id).where(Procedure.id.in_(at))).all()
    )
    # Each fact as it stood when its notice was published: the newest of its (kind, subject) by then.
    facts: dict[int, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    rows = session.execute(
        select(Fact.procedure_id, Fact.kind, Fact.subject, Fact.data, Fact.event_id)
        .where(Fact.procedure_id.in_(at), Fact.kind.in_(NOTICE_FACTS))
        .order_by(Fact.id)
    )
    for row in rows:
        if row.event_id <= at[row.procedure_id][0]:
            facts[row.procedure_id][(row.kind, row.subject)] = loads(row.data)
    plans = {}
    wanted = []
    for pid, found in facts.items():
        number = (found.get(("notice_content", "designation_notice")) or {}).get("plan_version")
        if number is not None:
            wanted.append((pid, number))
    if wanted:
        plans = {
            (r.procedure_id, r.number): loads(r.content)
            for r in session.execute(
                select(PlanVersion.procedure_id, PlanVersion.number, PlanVersion.content).where(
                    tuple_(PlanVersion.procedure_id, PlanVersion.number).in_(wanted)
                )
            )
        }
    notices = []
    for pid, found in facts.items():
        content = found.get(("notice_content", "designation_notice"))
        number = found.get(("notice_number", "designation_notice"))
        gazette = found.get(("gazette_publication", "designation_notice"))
        if content is None or number is None or gazette is None:
            continue  # publish_notice requires all three; an imported procedure may lack them
        kind = content.get("kind", "designation")
        issued = found.get(("document_issued", f"{kind}_notice")) or {}
        scope = found.get(("release_scope", "")) or {}
        notices.append(
            _notice(pid, clusters.get(pid), at[pid][1], content, number, gazette, issued, scope, plans)
        )
    shas = [n.sha256 for n in notices if n.sha256]
    pdfs = dict(
        session.execute(
            select(Document.sha256, Document.size).where(
                Document.sha256.in_(shas), Document.media_type == PDF, Document.direction == "issued"
            )
        ).all()
    )
    notices = [n if n.sha256 in pdfs else _without_pdf(n) for n in notices]
    return sorted(notices, key=lambda n: (n.effective_on, n.published_at))


def _notice(
    pid: int,
    cluster_id: int | None,
    published: datetime,
    content: dict[str, Any],
    number: dict[str, Any],
    gazette: dict[str, Any],
    issued: dict[str, Any],
    scope: dict[str, Any],
    plans: dict[tuple[int, int], dict[str, Any]],
) -> Notice:
    notice_date = date.fromisoformat(content["notice_date"])
    plan = plans.get((pid, content.get("plan_version") or 0)) or {}
    sido = []
    for region in plan.get("regions") or ():
        try:
            sido.append(sido_by_code(region["sido_code"]).on(notice_date).name)
        except (UnknownRegion, KeyError):
            continue
    return Notice(
        procedure_id=pid,
        cluster_id=cluster_id,
        kind=content.get("kind", "designation"),
        number=number["number"],
        notice_date=notice_date,
        effective_on=date.fromisoformat(content["designation_date"]),
        gazette_issue=gazette["gazette_issue"],
        published_on=date.fromisoformat(gazette["published_on"]),
        published_at=published,
        title=issued.get("title") or number["number"],
        sha256=issued.get("sha256") if issued.get("media_type", PDF) == PDF else None,
        size=issued.get("size"),
        content=content,
        sido=tuple(dict.fromkeys(sido)),
        partial=scope.get("scope") == "partial",
    )


def _without_pdf(notice: Notice) -> Notice:
    return Notice(**{**notice.__dict__, "sha256": None, "size": None})


def _cluster(row: Cluster, notices: list[Notice], today: date) -> PublicCluster:
    """A cluster as the register shows it today: designated by 고시 (or deemed by 법 부칙 제2조), its status
    from the notices in effect today, its values as the newest of them prints them."""
    effective = [n for n in notices if n.effective_on <= today]
    status = "deemed" if row.basis else "pending"
    for notice in effective:
        if notice.kind == "release":
            status = "partly_released" if notice.partial else "released"
        elif notice.kind == "designation":
            status = "designated"
    # A whole release prints what is released; the cluster is shown as it was before it.
    printed = [n for n in effective if not (n.kind == "release" and not n.partial)] or notices
    values = _printed(printed[-1]) if printed else _registered(row, today)
    first = next((n for n in notices if n.kind == "designation"), notices[0] if notices else None)
    deemed = row.basis is not None or first is None
    return PublicCluster(
        id=row.id,
        name=values["name"] or row.name,
        **{k: v for k, v in values.items() if k != "name"},
        status=status,
        designated_on=row.designated_on if deemed or first is None else first.effective_on,
        basis=(row.basis or "") if deemed or first is None else first.number,
        notices=notices,
    )


def _printed(notice: Notice) -> dict[str, Any]:
    period = notice.content.get("period") or {}
    return {
        "name": notice.content.get("name"),
        "sido": ", ".join(notice.sido),
        "location": notice.content.get("location"),
        "area_m2": notice.content.get("area_m2"),
        "period_start": period.get("start_year"),
        "period_end": period.get("end_year"),
        "operating_institution": notice.content.get("operating_institution"),
    }


def _registered(row: Cluster, today: date) -> dict[str, Any]:
    """A deemed cluster's values as registered: only the fields the register shows are read from its
    profile (not its budget, nor the clerks' notes)."""
    profile = loads(row.profile)
    sido = ""
    if profile.get("sido_code"):
        try:
            sido = sido_by_code(profile["sido_code"]).on(today).name
        except UnknownRegion:
            sido = ""
    place = " ".join(p for p in (sido, profile.get("sigungu_name") or "") if p)
    return {
        "name": row.name,
        "sido": sido,
        "location": profile.get("location_detail") or place or None,
        "area_m2": profile.get("area_m2"),
        "period_start": None,
        "period_end": None,
        "operating_institution": profile.get("operating_institution"),
    }


def record(cluster: PublicCluster, as_of: date, url: str) -> dict[str, Any]:
    """One cluster as a row of the open data, keyed by :data:`FIELDS`."""
    latest = cluster.latest
    row = {
        "id": cluster.id,
        "name": cluster.name,
        "sido": cluster.sido,
        "location": cluster.location,
        "area_m2": cluster.area_m2,
        "period_start_year": cluster.period_start,
        "period_end_year": cluster.period_end,
        "operating_institution": cluster.operating_institution,
        "status_code": cluster.status,
        "status": cluster.status_label,
        "designated_on": cluster.designated_on.isoformat() if cluster.designated_on else None,
        "basis": cluster.basis,
        "latest_notice_number": latest.number if latest else None,
        "latest_notice_date": latest.notice_date.isoformat() if latest else None,
        "notice_count": len(cluster.notices),
        "url": url,
        "as_of": as_of.isoformat(),
    }
    assert list(row) == [f.key for f in FIELDS]
    return row
