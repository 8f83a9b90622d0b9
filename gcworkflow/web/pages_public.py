"""The public register (공개 열람) under ``/public/``: pages, open data (CSV, JSON) and the Atom feed of notices,
for anyone, without signing in.

Everything shown comes from :mod:`gcworkflow.public_register`, which reads only what a 고시 made public. Each
answer carries a strong ``ETag`` and ``Last-Modified`` from the newest public event and today's date, and a
conditional request is answered 304 after one query. Each address gets ``GCW_PUBLIC_REQUESTS_PER_MINUTE``
requests a minute, counted in memory by each worker process (so with ``gcw serve --workers N`` up to N times
that): a table-backed counter would make every anonymous read a database write (SQLite's one writer, an fsync)
and cost the conditional request its one-query bound. A proxy in front may limit across workers as well.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import threading
import time as wallclock
import xml.etree.ElementTree as ET
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, time
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from gcworkflow import public_register
from gcworkflow.audit.queries import csv_cell
from gcworkflow.clock import SEOUL
from gcworkflow.context import Context
from gcworkflow.public_register import FIELDS, Notice, Register
from gcworkflow.queries import document_bytes
from gcworkflow.web.deps import Ctx
from gcworkflow.web.rendering import render

SHA256 = re.compile(r"[0-9a-f]{64}")
# Revalidated on every use (no-cache), which the 304 makes cheap; a notice's PDF never changes at its hash.
REVALIDATE = "public, no-cache"
IMMUTABLE = "public, max-age=86400, immutable"
ATOM = "http://www.w3.org/2005/Atom"
RATE_BASIS = "운영방침: 공개 열람 요청 수 제한"


class PublicRefusal(Exception):
    """A public request refused (not found, too many): answered with the public layout, not the desk's."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class AddressLimit:
    """Requests per address in a moving one-minute window, in this process's memory."""

    def __init__(self, per_minute: int) -> None:
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def wait(self, address: str) -> int | None:
        """None when the request may go on; otherwise the seconds until it may (Retry-After)."""
        if self.limiter.hit(self.item, "public", address):
            return None
        stats = self.limiter.get_window_stats(self.item, "public", address)
        return max(1, math.ceil(stats.reset_time - wallclock.time()))


def limited(request: Request) -> None:
    address = (request.client.host if request.client else "-")[:64]
    wait = request.app.state.public_limit.wait(address)
    if wait is not None:
        raise PublicRefusal(
            429,
            f"이 주소에서 요청이 너무 많습니다. {wait}초 뒤에 다시 시도하십시오 (1분에 "
            f"{request.app.state.public_limit.item.amount}건까지, {RATE_BASIS}).",
            {"retry-after": str(wait)},
        )


# An answer as made: its body, media type and headers.
Made = tuple[bytes | str, str, dict[str, str]]


class Answers:
    """This process's last register and its recent answers, keyed by the validator (ETag) they were made under.

    The ETag already promises that the register is the same while no public event happens and the day does not
    change, so what was made under it is served again after the one query that reads it: at 5,000 procedures
    reading and building the register takes 70-300 ms (bench/web.py), rendering a page from it a few."""

    ANSWERS = 64  # pages of single clusters are many; the list, the exports and the feed are few

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._register: Register | None = None
        self._answers: OrderedDict[tuple[str, str], Made] = OrderedDict()

    def register(self, ctx: Context, etag: str) -> Register:
        with self._lock:
            kept = self._register
        if kept is not None and kept.validator.etag == etag:
            return kept
        found = public_register.register(ctx)
        with self._lock:
            self._register = found
        return found

    def answer(self, key: tuple[str, str]) -> Made | None:
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def keep(self, key: tuple[str, str], made: Made) -> None:
        with self._lock:
            self._answers[key] = made
            while len(self._answers) > self.ANSWERS:
                self._answers.popitem(last=False)


router = APIRouter(prefix="/public", include_in_schema=False, dependencies=[Depends(limited)])


def install(app: FastAPI, ctx: Context) -> None:
    """The public routes, their per-address limit and their error page."""
    app.state.public_limit = AddressLimit(ctx.settings.public_requests_per_minute)
    app.state.public_answers = Answers()

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, PublicRefusal)
        page = render("public_error.html", {"status": exc.status, "message": exc.message})
        return HTMLResponse(
            page, status_code=exc.status, headers={**exc.headers, "cache-control": "no-store"}
        )

    app.add_exception_handler(PublicRefusal, refused)
    app.include_router(router)


# --- conditional requests ---------------------------------------------------------------------------------


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _conditional(request: Request) -> bool:
    return "if-none-match" in request.headers or "if-modified-since" in request.headers


def _fresh(request: Request, etag: str, last_modified: datetime) -> bool:
    """The client's copy is current (RFC 9110 §13.1: If-None-Match, when sent, decides alone)."""
    match = request.headers.get("if-none-match")
    if match is not None:
        return match.strip() == "*" or etag in [tag.strip() for tag in match.split(",")]
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return last_modified.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False  # an unreadable date is ignored, as the RFC says


def _validators(etag: str, last_modified: datetime, cache: str = REVALIDATE) -> dict[str, str]:
    return {"etag": etag, "last-modified": _http_date(last_modified), "cache-control": cache}


def _answer(request: Request, ctx: Context, make: Callable[[Register], Made]) -> Response:
    """304 after one query when the client's copy is current; otherwise the answer made under the same validator,
    or one made from the register (read in full only when a public event or the day changed it)."""
    checked = public_register.validator(ctx)
    if _conditional(request) and _fresh(request, checked.etag, checked.last_modified):
        return Response(status_code=304, headers=_validators(checked.etag, checked.last_modified))
    answers: Answers = request.app.state.public_answers
    made = answers.answer((str(request.url), checked.etag))
    if made is None:
        found = answers.register(ctx, checked.etag)
        body, media_type, extra = make(found)
        made = body, media_type, {**_validators(found.validator.etag, found.validator.last_modified), **extra}
        answers.keep((str(request.url), found.validator.etag), made)
    body, media_type, headers = made
    return Response(body, media_type=media_type, headers=headers)


# --- pages ------------------------------------------------------------------------------------------------


def _page(template: str, context: dict[str, Any]) -> tuple[str, str, dict[str, str]]:
    return render(template, context), "text/html; charset=utf-8", {}


@router.get("/")
def index(request: Request, ctx: Ctx) -> Response:
    return _answer(request, ctx, lambda found: _page("public_index.html", {"register": found}))


@router.get("/clusters/{cluster_id}")
def cluster_page(request: Request, ctx: Ctx, cluster_id: int) -> Response:
    def make(found: Register) -> tuple[str, str, dict[str, str]]:
        cluster = found.cluster(cluster_id)
        if cluster is None:
            raise _not_found()
        return _page("public_cluster.html", {"register": found, "cluster": cluster})

    return _answer(request, ctx, make)


def _not_found() -> PublicRefusal:
    return PublicRefusal(404, "공개 열람 대상이 아니거나 없는 주소입니다. 지정 현황에서 찾아 주십시오.")


@router.get("/notices/{sha256}.pdf")
def notice_pdf(request: Request, ctx: Ctx, sha256: str) -> Response:
    """The notice's PDF as it was issued, byte for byte (its SHA-256 is its address and its ETag)."""
    if not SHA256.fullmatch(sha256):
        raise _not_found()
    etag = f'"{sha256}"'
    if _conditional(request):
        published = public_register.published_at(ctx, sha256)
        if published is None:
            raise _not_found()
        if _fresh(request, etag, published):
            return Response(status_code=304, headers=_validators(etag, published, IMMUTABLE))
    found = request.app.state.public_answers.register(ctx, public_register.validator(ctx).etag)
    notice = found.notice_with_pdf(sha256)
    if notice is None:
        raise _not_found()
    filename = f"{notice.number}.pdf"
    return Response(
        document_bytes(ctx, sha256),
        media_type="application/pdf",
        headers={
            **_validators(etag, notice.published_at, IMMUTABLE),
            "content-disposition": f"inline; filename*=UTF-8''{quote(filename)}",
        },
    )


# --- open data --------------------------------------------------------------------------------------------


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _rows(request: Request, found: Register) -> list[dict[str, Any]]:
    base = _base(request)
    return [
        public_register.record(c, found.validator.as_of, f"{base}/public/clusters/{c.id}")
        for c in found.clusters
    ]


def _download(name: str, day: str) -> dict[str, str]:
    korean = f"녹색융합클러스터_지정현황_{day.replace('-', '')}.{name.rsplit('.', 1)[1]}"
    return {"content-disposition": f"inline; filename=\"{name}\"; filename*=UTF-8''{quote(korean)}"}


@router.get("/clusters.csv")
def clusters_csv(request: Request, ctx: Ctx) -> Response:
    """공공데이터포털's file data: UTF-8 with a BOM (so spreadsheet programs read the Korean), CRLF lines, one
    header row of the fields' Korean names; a cell a spreadsheet would run as a formula starts with a quote."""

    def make(found: Register) -> tuple[bytes, str, dict[str, str]]:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([f.header for f in FIELDS])
        for row in _rows(request, found):
            writer.writerow([csv_cell(row[f.key]) for f in FIELDS])
        day = found.validator.as_of.isoformat()
        return out.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8", _download("clusters.csv", day)

    return _answer(request, ctx, make)


@router.get("/clusters.json")
def clusters_json(request: Request, ctx: Ctx) -> Response:
    def make(found: Register) -> tuple[bytes, str, dict[str, str]]:
        base = _base(request)
        clusters = []
        for cluster, row in zip(found.clusters, _rows(request, found), strict=True):
            clusters.append({**row, "notices": [_notice_record(base, n) for n in cluster.notices]})
        body = {
            "as_of": found.validator.as_of.isoformat(),
            "count": len(clusters),
            "clusters": clusters,
        }
        text = json.dumps(body, ensure_ascii=False, indent=1)
        return text.encode(), "application/json", _download("clusters.json", body["as_of"])

    return _answer(request, ctx, make)


def _notice_record(base: str, notice: Notice) -> dict[str, Any]:
    pdf = f"{base}/public/notices/{notice.sha256}.pdf" if notice.sha256 else None
    return {**notice.as_dict(), "pdf_url": pdf}


@router.get("/notices.atom")
def notices_atom(request: Request, ctx: Ctx) -> Response:
    """New notices, newest first; each entry's id is a tag: URI from its PDF's SHA-256 (stable across runs
    and installations' addresses), its updated the 고시일."""

    def make(found: Register) -> tuple[bytes, str, dict[str, str]]:
        return _feed(request, ctx, found), "application/atom+xml; charset=utf-8", {}

    return _answer(request, ctx, make)


def _kst_midnight(day: Any) -> datetime:
    return datetime.combine(day, time(0), SEOUL)


def _feed(request: Request, ctx: Context, found: Register) -> bytes:
    """Atom (RFC 4287), built with the standard library's ElementTree so that it is well-formed whatever the
    notices say. (feedgen 1.0 drops an entry link's rel and type.)"""
    base, authority = _base(request), ctx.settings.public_tag_authority
    names = {c.id: c.name for c in found.clusters}
    notices = found.notices
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "ko"})

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, tag, attributes)
        element.text = text
        return element

    add(feed, "id", f"tag:{authority},2021-12-16:gcworkflow/notices")  # the Act's commencement: never changes
    add(feed, "title", "녹색융합클러스터 고시 (지정·변경·해제·기본계획)")
    newest = notices[0].notice_date if notices else found.validator.as_of
    add(feed, "updated", _kst_midnight(newest).isoformat())
    author = add(feed, "author")
    add(author, "name", notices[0].content.get("authority") if notices else "기후에너지환경부장관")
    add(feed, "link", href=f"{base}/public/notices.atom", rel="self", type="application/atom+xml")
    add(feed, "link", href=f"{base}/public/", rel="alternate", type="text/html")
    add(feed, "generator", "gcworkflow")
    for notice in notices:
        entry = add(feed, "entry")
        key = notice.sha256 or f"procedure-{notice.procedure_id}"
        add(entry, "id", f"tag:{authority},{notice.notice_date.isoformat()}:notice/{key}")
        subject = (
            names.get(notice.cluster_id or 0) or notice.content.get("name") or "녹색융합클러스터 기본계획"
        )
        add(entry, "title", f"{notice.number} {subject} {notice.kind_label} 고시")
        add(entry, "updated", _kst_midnight(notice.notice_date).isoformat())
        add(entry, "published", _kst_midnight(notice.notice_date).isoformat())
        page = f"{base}/public/clusters/{notice.cluster_id}" if notice.cluster_id else f"{base}/public/"
        add(entry, "link", href=page, rel="alternate", type="text/html")
        if notice.sha256:
            pdf = f"{base}/public/notices/{notice.sha256}.pdf"
            add(
                entry, "link", href=pdf, rel="enclosure", type="application/pdf", length=str(notice.size or 0)
            )
        add(
            entry,
            "summary",
            f"{notice.number} ({notice.notice_date.isoformat()} 고시, 관보 {notice.gazette_issue} "
            f"{notice.published_on.isoformat()} 게재): {subject} {notice.kind_label}, "
            f"{notice.effective_on.isoformat()}부터",
        )
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
