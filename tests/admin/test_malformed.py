"""No input breaks a page: a property-based campaign of malformed requests over every
route of the app (read from the url map and admin.base.declared_routes, so a new route
is covered the day it is added), and the regressions found from outside.

Every generated request is malformed by construction: every form field any form of the
app knows is posted, each with a value from MALFORMED (none of which any field may
accept), and a POST's record id is never a real one. The campaign then demands: no
answer 500 (nor any 5xx), no row added or removed in any table (audit entries aside),
no uploaded file left without the record that refers to it.
"""

from __future__ import annotations

import importlib
import io
import os
import pkgutil
import struct
import time
import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

import forms
from admin.base import LOGGED_IN, declared_routes
from demo.files import text_pdf
from models import (
    Applicant,
    AuditEntry,
    Complaint,
    Disruption,
    DomainError,
    PrintBatch,
    Printer,
    User,
    db,
    users,
    utcnow,
)
from models.applications import Application
from models.batches import confirm_card, create_batch, print_batch
from models.complaints import record_complaint
from models.editing import create as create_record
from models.permissions import ROLES, actions_of
from models.service_clock import open_disruption
from models.validation import unstorable_characters
from tests.factories import (
    PDF_BYTES,
    Auth,
    batch_with,
    csrf_from,
    intake_lookup,
    make_applicant,
    nik_for,
    png_bytes,
    print_ready,
    receive,
    recorded,
    user_of,
)

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
# None of these is a value any field, parameter or id of the app may accept.
MALFORMED = [
    "\U0010ffff", "ABC\U0010ffff", "KTP-\U0010ffff", "\ud800", "x\udfff", "\ufffe", "\uffff",
    "\ufdd0", "\x00", "1\x00", "\x00\x00KTP", "\x07\x08", "\x1b[31m", "\x7f", "\x85",
    "99999999999999999999", "-99999999999999999999", "1" * 40, "9" * 5000,
    "0000000001-" + "9" * 5000, "9" * 5000 + "-" + "9" * 5000,
    "NaN", "nan", "-nan", "sNaN", "inf", "-Infinity", "1e309", "-1e309", "0x1F", "1_000",
    "0001-01-01", "9999-12-31", "01-01-0001", "31-12-9999", "0000-00-00", "2026-02-30",
    "0001-01-01T00:00", "9999-12-31T23:59", "01-01-0001 00:00", "31-12-9999 23:59",
    "0001-01-01 00:00:00 to 9999-12-31 23:59:59", "9999-12-31 to 0001-01-01",
    ARABIC_INDIC, "٥٣١١٠١٥٧٠٨٩٠٠٠٠١", "٥٣١١٠١٠١٠١١٠٠٠٠٢", "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨",
    "۵۳۱۱۰۱۵۷۰۸۹۰۰۰۰۱", "０１２３", "⁵³¹¹", "５３１１０１５７０８９０００００１",
    "A" * 6000, "é" * 3000, "Ǆ" * 300, "\u202e" * 2 + "x" * 5000, " " * 6000 + "\x00",
    "'; DROP TABLE applicant; --\x00", "%\x00_", "\\\x00", "../../../../etc/passwd\x00",
    "{{7*7}}\x00", "<script>\x00", "${jndi:ldap://x}\x00", "\r\n\r\nX-Injected: 1\x00",
]
# Record ids that are no record.
BAD_IDS = ["", "0", "-1", "99999999999999999999", "2147483648", "9" * 5000, "1e3", "0x10",
           " ", "1.5", "NaN", "١", "１", "\x00", "1\x00", "\U0010ffff", "abc", "[]", "-0"]
URL_VALUES = {
    "export_type": ["csv", "xlsx", "json", "\x00", "9" * 300, "\U0010ffff", "csv\x00"],
    "kind": ["kk_copy", "photo", "signature", "..", "\x00", "\U0010ffff", "a" * 300],
    "code": ["\x00", "9" * 300, "\U0010ffff", "٠١٢"],
}
LIST_ARGS = ("page", "page_size", "sort", "desc", "search", "q", "nik", "start", "end",
             "from", "to", "state", "kecamatan", "file", "name", "query", "offset", "limit",
             "url", "next", "lang", "code", "period")
# POSTs that are complete without any field (the act itself is the request): never
# malformed, so never sent by the campaign.
NO_FIELD_ACTS = {"auth.logout", "auth.renew_recovery_codes", "auth.set_language",
                 "printbatch.create_view"}
# The client of the "My account" pages (an account of its own).
ACCOUNT = "account"
UPLOADS = {
    "kk_copy": ["pdf-js", "png-bomb", "garbage", "pdf"],
    "photo": ["png-bomb", "pdf", "garbage", "png"],
    "signature": ["png-bomb", "garbage", "png"],
}


def png_of_pixels(width: int, height: int) -> bytes:
    """A PNG announcing width x height pixels in a few kilobytes (one colour, deflated):
    the decompression bomb of the issue (77 KB, 79 Mpx)."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))


def pdf_with(catalog_extra: bytes) -> bytes:
    """A well-formed one-page PDF whose catalog carries `catalog_extra`."""
    return text_pdf([("KARTU KELUARGA", 12)], catalog_extra + b" ")


JS_PDF = pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")
BOMB_PNG = png_of_pixels(8900, 8900)  # 79.2 Mpx
FILES = {
    "pdf-js": (JS_PDF, "kk.pdf"),
    "png-bomb": (BOMB_PNG, "foto.png"),
    "garbage": (b"MZ\x90\x00" + b"\x00" * 64, "kk.pdf"),
    "pdf": (PDF_BYTES, "kk.pdf"),
    "png": (png_bytes(), "foto.png"),
}


# ------------------------------------------------------------------ the routes


def form_field_names() -> set[str]:
    """Every field name of every form of forms/ and of every admin view's forms."""
    names: set[str] = set()

    def fields_of(cls: type) -> None:
        for attr in dir(cls):
            value = getattr(cls, attr, None)
            if isinstance(value, UnboundField):
                names.add(value.kwargs.get("name") or attr)

    for info in pkgutil.iter_modules(forms.__path__):
        module = importlib.import_module(f"forms.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and hasattr(value, "_wtforms_meta") or (
                    isinstance(value, type) and any(
                        isinstance(v, UnboundField) for v in vars(value).values())):
                fields_of(value)
    return names


@dataclass
class Route:
    endpoint: str
    rule: str
    method: str
    role: str | None  # None: no login
    filters: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


def role_for(declared: tuple[str, str] | None, entity: str) -> str | None:
    """A role the route is open to (the campaign wants to reach its parsing)."""
    if declared is None:
        return "admin"  # refused for all (delete): any logged-in role
    if declared == LOGGED_IN:
        return "recording_operator"
    entity, action = declared
    for role in ROLES:
        if action == "create|edit":
            if allowed_role(role, entity, "create") or allowed_role(role, entity, "edit"):
                return role
        elif allowed_role(role, entity, action):
            return role
    return "admin"


def allowed_role(role: str, entity: str, action: str) -> bool:
    return action in actions_of(role, entity)


def campaign_routes(app) -> list[Route]:
    admin = app.extensions["admin"][0]
    views = {v.endpoint: v for v in admin._views}
    known_fields = form_field_names()
    routes: list[Route] = []
    seen: set[str] = set()
    for endpoint, url, methods, declared in declared_routes(admin):
        view = views[endpoint.split(".")[0]]
        entity = getattr(view, "entity", "")
        view_fields = set(known_fields)
        for attr in ("_create_form_class", "_edit_form_class"):
            cls = getattr(view, attr, None)
            if cls is not None:
                view_fields |= {n for n in dir(cls)
                                if isinstance(getattr(cls, n, None), UnboundField)}
        filters = [f"flt{i}_{key}" for i, key in
                   enumerate(getattr(view, "_filter_args", None) or {})]
        for method in methods.split(","):
            if method not in ("GET", "POST") or endpoint in NO_FIELD_ACTS:
                continue
            seen.add(endpoint)
            routes.append(Route(endpoint, url, method, role_for(declared, entity), filters,
                                view_fields | {"action", "rowid", "url"}))
    for rule in app.url_map.iter_rules():
        if rule.endpoint in seen or rule.endpoint.endswith("static") \
                or rule.endpoint in NO_FIELD_ACTS:
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            # "My account" with an account of its own: a wrong current password or code
            # there may end that session, which the other roles' clients must survive.
            role = ACCOUNT if rule.rule.startswith("/account") else None
            routes.append(Route(rule.endpoint, rule.rule, method, role, [], known_fields))
    return routes


# ------------------------------------------------------------------ the world


# The audit log: its entries and the residents each one names (audit_subject).
AUDIT_TABLES = ("audit_entry", "audit_subject")


def table_counts() -> dict[str, int]:
    """Rows of every table but the audit log, in one query."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in AUDIT_TABLES]
    query = sa.union_all(*[sa.select(sa.literal(t.name).label("name"),
                                     sa.func.count().label("n")).select_from(t)
                           for t in tables])
    with db.engine.connect() as conn:
        return dict(conn.execute(query).all())


def upload_files(root: str) -> set[str]:
    base = Path(root)
    if not base.exists():
        return set()
    return {str(p.relative_to(base)) for p in base.rglob("*") if p.is_file()}


def subjects_after(entry_id: int) -> list[tuple[str, str, str]]:
    """(action, NIK, name) of every resident named by an audit entry after `entry_id`."""
    from models.audit import AuditSubject

    return [tuple(row) for row in db.session.execute(
        sa.select(AuditEntry.action, Applicant.nik, Applicant.name)
        .join(AuditSubject, AuditSubject.entry_id == AuditEntry.id)
        .join(Applicant, Applicant.id == AuditSubject.applicant_id)
        .where(AuditEntry.id > entry_id)).all()]


def last_entry_id() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


def referenced_files() -> set[str]:
    rows = db.session.execute(sa.select(Application.kk_copy_path, Application.photo_path,
                                        Application.signature_path)).all()
    return {path for row in rows for path in row if path}


@dataclass
class World:
    clients: dict[str | None, object]
    tokens: dict[str | None, str]
    niks: list[str]
    tried: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def session_story(role: str) -> list[str]:
    """What the audit log says happened to a role's account (why its session ended)."""
    user = user_of(role)
    entries = db.session.execute(sa.select(AuditEntry).where(
        sa.or_(AuditEntry.user_id == user.id,
               sa.and_(AuditEntry.object_type == "user",
                       AuditEntry.object_id == str(user.id))))
        .order_by(AuditEntry.id.desc()).limit(8)).scalars()
    return [f"{e.action} {e.object_type}:{e.object_id} {str(e.changes)[:200]}"
            for e in entries]


def build_world(app) -> World:
    """Records in every state (so a route's id and state checks have something to
    refuse), every applicant with an application already open or a card issued (so an
    intake can only be refused), and one logged-in client per role."""
    operator, printer = user_of("recording_operator"), user_of("printing_operator")
    receive(1, 20)
    ready = print_ready(app, 5)
    batch = batch_with(ready[:3])
    cards = print_batch(batch, printer)
    confirm_card(cards[0], printer, True, storage_location="LEMARI A")
    confirm_card(cards[1], printer, False, reason="tinta luntur")
    draft = create_batch(printer)
    from models.batches import add_to_batch

    add_to_batch(draft, [ready[3]], printer)
    born = ready[0].applicant.birth_date + timedelta(days=3)
    submitted_one = make_applicant(nik=nik_for(born, "2", serial=77), birth_date=born)
    from tests.factories import submitted

    submitted(app, submitted_one, operator)
    recorded(app, make_applicant(nik=nik_for(born, "2", serial=78), birth_date=born),
             operator)
    record_complaint(Complaint(channel="web", kind="complaint", subject="Antrean lama",
                               body="Menunggu dua jam."), operator)
    open_disruption(Disruption(kind="power", description="Listrik padam",
                               started_at=utcnow() - timedelta(minutes=5)), operator)
    create_record(user_of("printing_operator"),
                  Printer(name="EVOLIS 1", offset_x_mm=0.5, offset_y_mm=-0.25, active=True))
    db.session.commit()
    niks = [a.nik for a in db.session.execute(sa.select(
        Applicant)).scalars()]
    clients: dict[str | None, object] = {None: app.test_client()}
    tokens: dict[str | None, str] = {}
    for role in ROLES:
        client = app.test_client()
        response = Auth(client).login(role)
        assert response.status_code == 302, (role, response.get_data(as_text=True)[:300])
        clients[role] = client
        tokens[role] = csrf_from(client.get("/admin/").get_data(as_text=True))
    from tests.factories import _password_hash

    db.session.add(User(username="akun.uji", role="recording_operator", active=True,
                        full_name="PEGAWAI AKUN UJI", password_hash=_password_hash()))
    db.session.commit()
    clients[ACCOUNT] = app.test_client()
    assert Auth(clients[ACCOUNT]).login("", username="akun.uji").status_code == 302
    tokens[ACCOUNT] = csrf_from(clients[ACCOUNT].get("/admin/").get_data(as_text=True))
    tokens[None] = csrf_from(clients[None].get("/login").get_data(as_text=True))
    return World(clients, tokens, niks)


# ------------------------------------------------------------------ the requests


def encoded(pairs: list[tuple[str, str]]) -> str:
    """A query string or form body as a client could send it: percent-encoded UTF-8,
    lone surrogates included (as the bytes a broken client sends)."""
    return "&".join(f"{quote(k, safe='', errors='surrogatepass')}="
                    f"{quote(v, safe='', errors='surrogatepass')}" for k, v in pairs)


def multipart_safe(value: str) -> str:
    return value.encode("utf-8", "replace").decode("utf-8")


# Characters no stored text may hold: a form carrying one is refused as a whole (400).
UNSTORABLE = [v for v in MALFORMED if unstorable_characters(v)]
# The rest reach each field's own parsing and checks.
STORABLE = [v for v in MALFORMED if not unstorable_characters(v)]


@st.composite
def requests(draw, route: Route, world: World):
    """One malformed request to `route`: a bad id, list parameters and filters with
    malformed values, and on a POST every known form field malformed (storable
    values only, or with control characters among them). The many small choices come
    from a Random that hypothesis seeds (drawing each one would cost more than the
    request itself)."""
    rnd = draw(st.randoms(use_true_random=False))
    pool = rnd.choice([STORABLE, STORABLE, MALFORMED])
    path = route.rule
    for var, values in URL_VALUES.items():
        if f"<{var}>" in path:
            path = path.replace(f"<{var}>", quote(draw(st.sampled_from(values)), safe="",
                                                  errors="surrogatepass"))
    args: list[tuple[str, str]] = [("id", draw(st.sampled_from(BAD_IDS)))]
    for name in LIST_ARGS + tuple(route.filters):
        if rnd.random() < 0.4:
            args.append((name, rnd.choice(MALFORMED)))
    body: list[tuple[str, str]] = []
    files: dict[str, tuple[bytes, str]] = {}
    if route.method == "POST":
        body.append(("csrf_token", world.tokens[route.role]))
        for name in sorted(route.fields - {"csrf_token"}):
            body.append((name, rnd.choice(pool)))
        if route.endpoint == "intake.index" and draw(st.booleans()):
            # A real resident: the intake is refused by the domain after the file
            # was stored (each applicant already has an application): nothing stays.
            body = [(k, v) for k, v in body if k != "nik"]
            body.append(("nik", draw(st.sampled_from(world.niks))))
            files["kk_copy"] = FILES[draw(st.sampled_from(UPLOADS["kk_copy"]))]
        elif route.endpoint == "application.record_view":
            for name in ("photo", "signature"):
                if draw(st.booleans()):
                    files[name] = FILES[draw(st.sampled_from(UPLOADS[name]))]
    else:
        for name in sorted(route.fields - {"csrf_token"}):
            if rnd.random() < 0.15:
                args.append((name, rnd.choice(MALFORMED)))
    return path, args, body, files


def send(world: World, route: Route, path: str, args, body, files):
    client = world.clients[route.role]
    url = path + "?" + encoded(args)
    if route.method == "GET":
        return client.get(url)
    if files:
        data: dict[str, object] = {}
        for key, value in body:
            data.setdefault(key, multipart_safe(value))
        for key, (content, name) in files.items():
            data[key] = (io.BytesIO(content), name)
        return client.post(url, data=data, content_type="multipart/form-data")
    return client.post(url, data=encoded(body).encode("ascii"),
                       content_type="application/x-www-form-urlencoded")


ACCEPTED_STATUSES = {200, 302, 400, 401, 403, 404, 405, 413, 429}
# Requests of the campaign in all (spread over the routes); the closing note counts them.
CAMPAIGN_SIZE = int(os.environ.get("KTP_MALFORMED_REQUESTS", "1100"))


@pytest.mark.timeout(1200)  # ~30 s on an idle machine; a loaded CI box may take longer
def test_a_thousand_malformed_requests_break_nothing(app, capsys) -> None:
    world = build_world(app)
    routes = campaign_routes(app)
    assert len({r.endpoint for r in routes}) >= 120, len(routes)
    per_route = -(-CAMPAIGN_SIZE // len(routes))
    root = app.config["UPLOAD_FOLDER"]
    before = table_counts()
    files_before = upload_files(root)
    started = time.monotonic()

    def check(route: Route, request) -> None:
        path, args, body, files = request
        t0 = time.monotonic()
        entry_before = last_entry_id()
        response = send(world, route, path, args, body, files)
        world.tried += 1
        world.seconds[route.endpoint] = world.seconds.get(route.endpoint, 0) + (
            time.monotonic() - t0)
        world.statuses[response.status_code] = world.statuses.get(response.status_code, 0) + 1
        where = f"{route.method} {route.endpoint} {path} {args[:6]!r} {body[:4]!r}"[:2000]
        assert response.status_code in ACCEPTED_STATUSES, (
            where, response.status_code, response.get_data(as_text=True)[:600])
        if response.status_code == 400 and response.mimetype == "text/html":
            # Refused with a page in the office's language (the error page, or the
            # form again with its messages), never a bare status.
            assert '<html lang="id">' in response.get_data(as_text=True), where
        assert table_counts() == before, where
        # A resident named in the audit log was truly read: the answer showed them (a
        # page shows their NIK and name; a PDF or an export is theirs by its record).
        page = response.get_data(as_text=True) if response.mimetype == "text/html" else None
        for action, nik, name in subjects_after(entry_before):
            assert action in ("read", "export") and response.status_code == 200, (
                where, action)
            assert page is None or (nik in page and name in page), (where, nik)
        assert upload_files(root) - files_before <= referenced_files(), where

    def campaign_of(route: Route):
        @settings(max_examples=per_route, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(requests(route, world))
        def run(request) -> None:
            check(route, request)

        return run

    for route in routes:
        campaign_of(route)()
    with capsys.disabled():
        print(f"\n[malformed campaign, {db.engine.dialect.name}] {world.tried} malformed "
              f"requests over {len(routes)} routes in {time.monotonic() - started:.1f} s; "
              f"statuses {dict(sorted(world.statuses.items()))}")
        if os.environ.get("KTP_MALFORMED_TRACE"):
            for endpoint, seconds in sorted(world.seconds.items(), key=lambda x: -x[1])[:15]:
                print(f"  {endpoint}: {seconds:.2f} s")
    assert world.tried >= 1000
    # Every client is still logged in: the campaign reached the pages, not the login.
    for role in ROLES:
        response = world.clients[role].get("/admin/")
        assert response.status_code == 200, (role, response.headers.get("Location"),
                                              session_story(role))
    assert upload_files(root) <= referenced_files() | files_before


# ------------------------------------------------------------------ the regressions


def _html(response) -> str:
    return response.get_data(as_text=True)


def _counts_and_files(app) -> tuple[dict[str, int], set[str]]:
    return table_counts(), upload_files(app.config["UPLOAD_FOLDER"])


SEARCHABLE = ("applicant", "application", "complaint", "blank")


@pytest.mark.parametrize("term", ["KTP\U0010ffff", "\U0010ffff", "5311\U0010ffff",
                                  "\ud800", "MARIA\x00", "A" * 5000, "٥٣١١٠١",
                                  "% _ \\ ' \"", "a b c d e f g h i j k l"])
def test_a_search_term_never_breaks_a_list(app, head_of_division, term) -> None:
    for endpoint in SEARCHABLE:
        response = head_of_division.client.get(
            f"/admin/{endpoint}/?" + encoded([("search", term)]))
        assert response.status_code == 200, (endpoint, term)
        assert "\U0010ffff" not in _html(response)


def test_a_search_ending_in_the_last_code_point_still_finds_by_prefix(app,
                                                                     head_of_division) -> None:
    make_applicant()
    response = head_of_division.client.get(
        "/admin/applicant/?" + encoded([("search", "5311015708\U0010ffff")]))
    assert response.status_code == 200
    assert "MARIA HAPU" in _html(response)


HUGE = "99999999999999999999"


def test_twenty_digit_pages_ids_offsets_and_sorts(app, head_of_division) -> None:
    make_applicant()
    client = head_of_division.client
    for endpoint in ("applicant", "application", "complaint", "printbatch", "card",
                     "blank", "blankreceipt", "disruption", "auditentry"):
        for args in ([("page", HUGE)], [("page", "-" + HUGE)], [("sort", HUGE)],
                     [("sort", "-1"), ("desc", HUGE)], [("page", "٣")],
                     [("page_size", HUGE)]):
            response = client.get(f"/admin/{endpoint}/?" + encoded(args))
            assert response.status_code == 200, (endpoint, args)
        for route in ("details", "edit"):
            response = client.get(f"/admin/{endpoint}/{route}/?id={HUGE}")
            assert response.status_code in (302, 403, 404), (endpoint, route)
    for path in ("/admin/custody/handover/", "/admin/custody/receipt/",
                 "/admin/application/receipt/", "/admin/application/preview/",
                 "/admin/printbatch/manifest/", "/admin/printbatch/pdf/",
                 "/admin/application/file/photo/"):
        assert client.get(f"{path}?id={HUGE}").status_code in (403, 404), path
    response = client.get("/admin/application/ajax/lookup/?" + encoded(
        [("name", "applicant"), ("query", "5311"), ("offset", HUGE), ("limit", "-" + HUGE)]))
    assert response.status_code in (200, 403)


def test_twenty_digit_ids_in_posted_steps(app) -> None:
    world = build_world(app)
    printer = world.clients["printing_operator"]
    token = world.tokens["printing_operator"]
    before = table_counts()
    batch_id = db.session.execute(sa.select(sa.func.min(
        PrintBatch.id))).scalar()
    for path, data in (
            (f"/admin/printbatch/remove/?id={batch_id}", {"application_id": HUGE}),
            (f"/admin/printbatch/confirm/?id={batch_id}",
             {"card_id": HUGE, "result": "good", "storage_location": "A"}),
            (f"/admin/printbatch/remove/?id={batch_id}", {"application_id": "١"}),
            (f"/admin/custody/move/?id={HUGE}", {"storage_location": "A"}),
            ("/admin/card/action/", {"action": "card.store", "rowid": HUGE})):
        response = printer.post(path, data={**data, "csrf_token": token})
        assert response.status_code in (302, 400, 403, 404), (path, response.status_code)
    assert table_counts() == before


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "01-01-0001", "31-12-9999"])
def test_dates_of_year_1_and_9999_on_the_queue_and_the_reconciliation(
        app, head_of_division, value) -> None:
    client = head_of_division.client
    for query in ([("from", value)], [("to", value)], [("from", value), ("to", value)]):
        response = client.get("/admin/queue/?" + encoded(query))
        assert response.status_code == 200, query
        assert "bukan tanggal" in _html(response) or "DD-MM-YYYY" in _html(response), query
    for query in ([("start", value)], [("end", value)], [("start", value), ("end", value)]):
        response = client.get("/admin/reconciliation/?" + encoded(query))
        assert response.status_code == 200, query
        assert "1900" in _html(response), query  # the plausible years, in the message
        assert client.get("/admin/reconciliation/pdf/?" + encoded(query)).status_code == 302
    for endpoint, column in (("application", "submitted_at"), ("complaint", "received_at"),
                             ("applicant", "birth_date"), ("disruption", "started_at")):
        for operation in ("equals", "greater", "smaller", "between", "not_between"):
            arg = value if "between" not in operation else f"{value} to {value}"
            if endpoint != "applicant" and "between" in operation:
                arg = f"{value} 00:00:00 to {value} 23:59:59"
            response = client.get(f"/admin/{endpoint}/?" + encoded(
                [(f"flt0_{column}_{operation}", arg)]))
            assert response.status_code == 200, (endpoint, operation, value)


@pytest.mark.parametrize("offset", ["NaN", "nan", "sNaN", "-NaN", "Infinity", "-inf",
                                    "1e309", "٣", "１", "1_0", "0x1"])
def test_a_printer_offset_that_is_no_number(app, printing_operator, offset) -> None:
    before = table_counts()
    response = printing_operator.post("/admin/printer/new/", {
        "name": "EVOLIS 2", "offset_x_mm": offset, "offset_y_mm": "0", "active": "y"},
        token_from="/admin/printer/new/")
    assert response.status_code == 200
    assert "digit 0-9" in _html(response) or "antara" in _html(response), offset
    assert table_counts() == before
    assert db.session.execute(sa.select(Printer)).first() is None


def test_a_five_thousand_digit_write_off_range(app, head_of_division) -> None:
    receive(1, 10)
    before = table_counts()
    for serials in ("0000000001-" + "9" * 5000, "9" * 5000, "9" * 5000 + "-" + "9" * 5001,
                    "0000000001-0000000003, " + "1" * 4400):
        response = head_of_division.post("/admin/blank/write-off/", {
            "serials": serials, "kind": "lost", "reason": "hilang di jalan"},
            token_from="/admin/blank/write-off/")
        assert response.status_code == 200, serials[:20]
        assert "bukan" in _html(response) or "Paling banyak" in _html(response) \
            or "paling banyak" in _html(response), serials[:20]
        response = head_of_division.post("/admin/blank/destroy/", {
            "serials": serials, "note": "dibakar"}, token_from="/admin/blank/destroy/")
        assert response.status_code == 200, serials[:20]
    assert table_counts() == before


ARABIC_SERIAL = "٠٠٠٠٠٠٠١٠٠"  # 0000000100 in Arabic-Indic digits


def test_arabic_indic_digits_are_no_serials(app, printing_operator) -> None:
    receive(100, 10)  # 0000000100 - 0000000109
    before = table_counts()
    response = printing_operator.post("/admin/blankreceipt/new/", {
        "received_at": "2026-01-05", "reference": "BA-ARAB", "serial_first": ARABIC_SERIAL,
        "serial_last": "٠٠٠٠٠٠٠١٠٩", "quantity": "10", "notes": ""},
        token_from="/admin/blankreceipt/new/")
    assert response.status_code == 200
    assert table_counts() == before  # the overlap check was not defeated: refused
    head = Auth(app.test_client())
    assert head.login("head_of_division").status_code == 302
    response = head.post("/admin/blank/write-off/", {
        "serials": ARABIC_SERIAL, "kind": "lost", "reason": "hilang di jalan"},
        token_from="/admin/blank/write-off/")
    assert response.status_code == 200 and table_counts() == before
    from models.blanks import parse_serials

    with pytest.raises(DomainError):
        parse_serials(ARABIC_SERIAL)
    with pytest.raises(DomainError):
        parse_serials("0000000100-٠٠٠٠٠٠٠١٠٩")


def test_arabic_indic_digits_are_no_nip_nik_rt_or_phone(app, admin_user) -> None:
    from models import validation

    before = table_counts()
    response = admin_user.post("/admin/user/new/", {
        "username": "pegawai.baru", "full_name": "UMBU NDAKULARAK",
        "nip": "١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١", "role": "secretary"}, token_from="/admin/user/new/")
    assert response.status_code == 200  # the form again: refused
    assert table_counts() == before
    for bad in ("١٩٨٠٠١٠١٢٠٠٥٠١١٠٠١", "198001012005011001\n",
                "１９８００１０１２００５０１１００１"):
        with pytest.raises(DomainError):
            users.create_user(None, "uji.nip", "UJI", "secretary",
                                                   nip=bad)
    for check, value in ((validation.check_nik, "٥٣١١٠١٥٧٠٨٩٠٠٠٠١"),
                         (validation.check_kk_number, "٥٣١١٠١٠١٠١١٠٠٠٠٢"),
                         (validation.check_rt_rw, "٣"), (validation.check_phone, "٠٨١٢٣٤٥٦٧٨")):
        with pytest.raises(validation.InvalidValue):
            check(value)
    assert validation.ascii_digits("53١1") == "531"
    assert not validation.is_ascii_digits("٥٣١١")
    assert validation.parse_id("٣") is None and validation.parse_id(HUGE) is None


def test_arabic_indic_digits_find_no_resident_at_the_intake(app, recording_operator) -> None:
    make_applicant()
    response = intake_lookup(recording_operator.client, "٥٣١١٠١٥٧٠٨٩٠٠٠٠١")
    assert response.status_code == 200
    assert "MARIA HAPU" not in _html(response)


def test_a_five_megabyte_complaint_body_is_refused(app, recording_operator) -> None:
    before = table_counts()
    audit_before = db.session.execute(sa.select(sa.func.count()).select_from(
        AuditEntry)).scalar()
    body = "Antrean sangat lama. " * (5 * 1024 * 1024 // 21)
    response = recording_operator.post("/admin/complaint/new/", {
        "channel": "in_person", "kind": "complaint", "subject": "Antrean",
        "body": body}, token_from="/admin/complaint/new/")
    assert response.status_code in (200, 413)
    assert table_counts() == before
    entries = db.session.execute(sa.select(AuditEntry).where(
        AuditEntry.id > audit_before)).scalars().all()
    assert all(len(str(e.changes)) < 10_000 for e in entries)  # the body is nowhere
    with pytest.raises(DomainError):
        record_complaint(Complaint(channel="in_person", kind="complaint", subject="Antrean",
                                   body="x" * 10_001), user_of("recording_operator"))
    assert table_counts() == before


def test_every_text_column_has_a_maximum_length() -> None:
    """Free text has a limit in the model: String(n), or Text with info["max_length"]."""
    unbounded = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.Text) and not column.info.get("max_length"):
                unbounded.append(f"{table.name}.{column.name}")
    # What the office never types: the audit log's own JSON, legacy response column.
    allowed_unbounded = {"complaint.response"}  # no longer written (responses are rows)
    assert set(unbounded) <= allowed_unbounded, unbounded


@pytest.mark.parametrize("value", ["MARIA\x00", "\x0b", "A\ufffe", "\U0010ffff", "\x1b[2J"])
def test_a_posted_control_character_is_refused_as_a_whole(app, recording_operator,
                                                           value) -> None:
    before = table_counts()
    response = recording_operator.post("/admin/complaint/new/", {
        "channel": "in_person", "kind": "complaint", "subject": "Antrean",
        "body": f"Menunggu lama {value}"}, token_from="/admin/complaint/new/")
    assert response.status_code == 400
    text = _html(response)
    assert "tidak dapat disimpan" in text and "tidak ada yang diubah" in text
    assert table_counts() == before


def test_a_refused_field_is_not_marked_on_the_next_page(app, recording_operator,
                                                        applicant_data) -> None:
    """Flask-Admin marks a refused field in the view's own widget arguments: without a
    copy per page, one bad KK number left the field red on every later form."""
    for _ in range(2):
        response = recording_operator.post("/admin/applicant/new/", dict(
            applicant_data, kk_number="5311019999999999", nik="5311015708900000"),
            token_from="/admin/applicant/new/")
        assert response.status_code == 200
    form = _html(recording_operator.client.get("/admin/applicant/new/"))
    assert "is-invalid" not in form


@pytest.mark.parametrize("bad", ["1\x00", "\x001", "1\x07", "1\ufffe", "\U0010ffff1"])
def test_an_id_carrying_a_control_character_is_no_id(admin_user, bad) -> None:
    """The query string is cleaned for reading, but an id is not repaired: '1\\x00' is
    not account 1 for the administrator's reset and unlock steps (a full-suite campaign
    once reset the recording operator's password this way)."""
    client = admin_user.client
    token = csrf_from(client.get("/admin/user/").get_data(as_text=True))
    before = last_entry_id()
    for step in ("reset", "unlock"):
        response = client.post(f"/admin/user/{step}/?" + encoded([("id", bad)]),
                               data={"csrf_token": token})
        assert response.status_code == 404, (step, response.status_code)
    changed = db.session.execute(sa.select(AuditEntry.action).where(
        AuditEntry.id > before, AuditEntry.object_type == "user")).scalars().all()
    assert not [a for a in changed if a in ("password_reset", "unlock")], changed
    assert user_of("recording_operator").password_hash is not None
