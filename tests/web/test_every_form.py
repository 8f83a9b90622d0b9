"""Every HTML form of the desk posted with generated values (hypothesis), signed in with the session's CSRF token,
against the real uvicorn on SQLite and PostgreSQL: the forms are read from the pages themselves as each member of
the cast sees them, and every POST route of the pages (web/pages_*.py) must be among them. Whatever is posted — hostile text, huge and
negative numbers, deep or aliased YAML, HTML posing as a PDF, a mangled address — the answer is never a server
error (issue 15, "Done when"). The API's own operations are schemathesis's (test_schemathesis.py)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

import httpx
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from gcworkflow import web
from gcworkflow.web import accounts
from tests.support import ADMIN, APPROVER, CLERK, actor, fire, gumi_plan
from tests.web.conftest import Desk

# Examples per form; raise it for a longer hunt (GCW_FORM_EXAMPLES=100).
EXAMPLES = int(os.environ.get("GCW_FORM_EXAMPLES", "4"))

TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "9" * 30,
            "2026-02-30",
            "\x00",
            "\x1b[31m빨강",
            "줄\r\n바꿈",
            "\u202eevil",
            "<script>alert(1)</script>",
            "'; DROP TABLE users; --",
            "가" * 5000,
        ]
    ),
    # A form carries any character but a lone surrogate, which no encoder sends.
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
)
NUMBERS = st.sampled_from(["1", "0", "-1", "1.5", "1e400", "NaN", str(2**31), str(2**63), "9" * 5000])
DATES = st.sampled_from(["2026-03-02", "2026-02-30", "0001-01-01", "9999-12-31", "2026-03-02T10:00"])
YAML = st.sampled_from(
    [
        "a: 1",
        "- 1\n- 2",
        "[" * 5000 + "]" * 5000,
        "a: &a [x, x]\nb: [*a, *a]",
        "a: !!python/object/apply:os.system ['true']",
        "a: 1\n  b: : :",
        "9" * 5000,
        "2026-02-30",
    ]
)
HTML_AS_PDF = ("report.pdf", b"<!doctype html><script>alert(document.cookie)</script>")
UPLOADS = st.sampled_from(
    [
        ("reply.pdf", b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"),
        HTML_AS_PDF,
        ("empty.pdf", b""),
        ("\x1b]0;title\x07.png", bytes(range(256))),
    ]
)
# Each kind of field at its most hostile, all at once in one post per form (see _worst).
WORST_TEXT = "\x00\x1b[31m" + "가" * 5000
WORST = {
    "textarea": "[" * 5000 + "]" * 5000,
    "number": "9" * 5000,
    "date": "9999-12-31",
    "datetime-local": "9999-12-31T23:59",
    "checkbox": "on",
}
SEGMENTS = st.one_of(
    st.sampled_from(["0", "-1", str(2**31), "9" * 30, "abc", "approve", "add", "%00", "가"]),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10),
)


Post = tuple[str, dict[str, str], dict[str, tuple[str, bytes]]]  # the address, the fields, the files


@dataclass
class Field:
    name: str
    kind: str  # an <input>'s type, or textarea / select
    value: str
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    fields: list[Field] = field(default_factory=list)

    @property
    def shape(self) -> tuple[str, tuple[str, ...]]:
        """Forms differing only in their hidden values (one per user, per holiday) are one form here."""
        return re.sub(r"/\d+(?=/|$)", "/N", self.action), tuple(f.name for f in self.fields)


class _Forms(HTMLParser):
    """The POST forms of a page, with each field's name, kind, value and choices."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method") == "post":
            self._form = Form(a["action"])
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self._form.fields.append(Field(a["name"], kind, a.get("value", "")))
            self._select = self._form.fields[-1] if tag == "select" else None
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _forms(client: httpx.Client, pages: list[str]) -> list[Form]:
    found = []
    for page in pages:
        parser = _Forms()
        parser.feed(client.get(page).text)
        found.extend(parser.forms)
    return found


def _value(spec: Field) -> st.SearchStrategy[str]:
    chosen = {
        "select": st.sampled_from(spec.options or [""]),
        "hidden": st.just(spec.value),
        "number": NUMBERS,
        "date": DATES,
        "datetime-local": DATES,
        "textarea": YAML,
        "checkbox": st.just("on"),
    }.get(spec.kind)
    return st.one_of(chosen, TEXT) if chosen is not None else TEXT


@st.composite
def _posts(draw: st.DrawFn, form: Form) -> Post:
    """The form's address (now and then with one part mangled), each field left out or filled, the CSRF
    token always as the page gave it."""
    action = form.action
    if draw(st.booleans()):
        parts = action.strip("/").split("/")
        where = draw(st.integers(0, len(parts) - 1))
        parts[where] = quote(draw(SEGMENTS), safe="")
        action = "/" + "/".join(parts)
    data, files = {}, {}
    for spec in form.fields:
        if spec.name == "csrf_token":
            data[spec.name] = spec.value
        elif draw(st.integers(0, 3)) == 0:  # left out now and then; mostly sent, to get past the first check
            continue
        elif spec.kind == "file":
            files[spec.name] = draw(UPLOADS)
        else:
            data[spec.name] = draw(_value(spec))
    return action, data, files


def _worst(form: Form) -> Post:
    """Every field at once at its most hostile, the hidden ones (the CSRF token, the version seen) as the page
    gave them, so that the post gets past those checks to every parser behind them."""
    data = {f.name: f.value if f.kind == "hidden" else WORST.get(f.kind, WORST_TEXT) for f in form.fields}
    files = {f.name: HTML_AS_PDF for f in form.fields if f.kind == "file"}
    return form.action, {k: v for k, v in data.items() if k not in files}, files


def _no_server_error(client: httpx.Client, form: Form) -> None:
    @example(post=_worst(form))
    @given(post=_posts(form))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same posts every run: a failure here is reproducible
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def post(post: Post) -> None:
        action, data, files = post
        response = client.post(action, data=data, files=files or None)
        shown = {k: v if len(v) <= 60 else f"{v[:40]}… ({len(v):,} chars)" for k, v in data.items()}
        assert response.status_code < 500, f"POST {action} {shown!r} {list(files)} → {response.status_code}"

    post()


def test_no_generated_form_gets_a_server_error(desk: Desk) -> None:
    pid = desk.procedure_id
    fire(desk.ctx, pid, "record_plan", content=gumi_plan())
    # A proposal and a token, so that the approver's and the admin's forms for them are on their pages.
    fire(desk.ctx, pid, "propose", CLERK, trigger="withdraw", payload={"reason": "시험"})
    accounts.create_token(desk.ctx, actor(ADMIN), CLERK, "clerk", "시험")
    # The cast in an order that keeps each one signed in for their own forms: the admin's may deactivate
    # anyone, signing out, and signing in come last.
    rounds = [
        (CLERK, ["/dashboard", f"/procedures/{pid}", f"/procedures/{pid}/plan", "/account"]),
        (APPROVER, ["/proposals", f"/procedures/{pid}"]),
        (ADMIN, ["/admin/users", "/admin/tokens", "/admin/holidays"]),
        (None, ["/login"]),
    ]
    posted: dict[tuple[str, tuple[str, ...]], Form] = {}
    for user, pages in rounds:
        client = desk.client(user)
        forms = {form.shape: form for form in _forms(client, pages) if form.shape not in posted}
        logout = [f for f in forms.values() if f.action == "/logout"]
        for form in [f for f in forms.values() if f.action != "/logout"] + logout:
            _no_server_error(client, form)
        posted.update(forms)

    routes = [
        route.path
        for module in pkgutil.iter_modules(web.__path__)
        if module.name.startswith("pages_")
        for route in importlib.import_module(f"gcworkflow.web.{module.name}").router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    ]
    actions = [form.action for form in posted.values()]
    missed = [
        path
        for path in routes
        if not any(re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", path), action) for action in actions)
    ]
    assert len(routes) >= 10 and not missed, f"POST pages without a form on any page: {missed}"
