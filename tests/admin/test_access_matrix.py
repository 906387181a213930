"""The permission matrix, generated: every admin view x every endpoint x every role.

The views are read from the running Flask-Admin instance, so a new view is covered as
soon as it is registered; each expectation is computed from `models.permissions.allowed()`
for the logged-in user, never written out by hand.

One database and one logged-in client per role are shared by the whole module (module
fixture `world`); actions that may change a record get a fresh record of their own.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import current_app
from flask_admin.model import BaseModelView

from admin.base import SecuredMixin
from app import create_app
from models import (
    Applicant,
    Application,
    AuditEntry,
    Blank,
    BlankReceipt,
    Card,
    Complaint,
    Disruption,
    PrintBatch,
    User,
    audit,
    blanks,
    complaints,
    db,
    editing,
    intake,
    service_clock,
    utcnow,
)
from models.applications import enter_siak_result, record
from models.office_time import office_today
from models.permissions import ROLES, actions_of, allowed
from models.standard import current_standard, ensure_seed_standard
from models.uploads import store_document
from models.users import create_user
from tests.factories import PASSWORD, PDF_BYTES, Auth
from tests.factories import empty_database as _empty_database


# --------------------------------------------------------------------------------------
# The views, read from a throwaway app at collection time (same init_admin as the app
# under test, so the endpoint list cannot drift from what is registered).
# --------------------------------------------------------------------------------------
def _registered_views(app: Any) -> list[Any]:
    return [v for v in app.extensions["admin"][0]._views if isinstance(v, SecuredMixin)]


def access_action(view: Any) -> str:
    """The matrix action that opens a view at all: "list" unless the view says otherwise
    (e.g. the intake counter opens with "create" on application)."""
    return getattr(view, "access_action", "list")


class Spec(NamedTuple):
    entity: str
    is_model: bool  # a Flask-Admin model view (list/details/create/edit/export...)
    actions: tuple[str, ...]  # list actions, "delete" always included
    refs: tuple[str, ...]  # form_ajax_refs
    access: str  # the matrix action that opens the view
    url: str
    # False: the view has no generic create form at all (records are born elsewhere),
    # so its /new/ answers 404 to a role the matrix lets create.
    creates: bool = True


_COLLECTION_APP = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                              "SECRET_KEY": "collection-only"})
VIEWS: dict[str, Spec] = {
    v.endpoint: Spec(
        entity=v.entity,
        is_model=isinstance(v, BaseModelView),
        actions=tuple(dict.fromkeys([n for n, _t in getattr(v, "_actions", [])]
                                    + ["delete"])),
        refs=tuple(getattr(v, "_form_ajax_refs", None) or ()),
        access=access_action(v),
        url=v.url.rstrip("/") + "/",
        creates=type(v).__dict__.get("can_create", True) is not False,
    )
    for v in _registered_views(_COLLECTION_APP)
}
MODEL_VIEWS = [ep for ep, spec in VIEWS.items() if spec.is_model]
OTHER_VIEWS = [ep for ep, spec in VIEWS.items() if not spec.is_model]  # custom screens
ROLES_AND_ANON: tuple[str | None, ...] = (*ROLES, None)
KINDS = ("list", "details", "create", "edit", "export", "ajax_update", "ajax_lookup",
         "delete")
# Every URL rule of every secured view (custom steps, files, receipts included).
ROUTES = sorted(
    (rule.endpoint.partition(".")[0], rule.rule,
     "GET" if "GET" in rule.methods else "POST")
    for rule in _COLLECTION_APP.url_map.iter_rules()
    # Flask-Admin's own CSS and JavaScript (the landing page's blueprint serves them)
    # are public, as the login page needs them.
    if rule.endpoint.partition(".")[0] in VIEWS and not rule.endpoint.endswith(".static")
)


def _role_id(role: str | None) -> str:
    return role or "anonymous"


# Cases that reveal a bug in app code, keyed (endpoint, kind, matrix action the role
# must hold for the case to reach the buggy code). Strict: fixing the bug turns them red
# until the entry is removed.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {}


def _marks(endpoint: str, kind: str, role: str | None) -> list[Any]:
    entity = VIEWS[endpoint].entity
    return [pytest.mark.xfail(strict=True, reason=reason)
            for (ep, k, needed), reason in KNOWN_BUGS.items()
            if (ep, k) == (endpoint, kind) and role is not None
            and needed in actions_of(role, entity)]


CASES = [pytest.param(ep, kind, role, id=f"{ep}-{kind}-{_role_id(role)}",
                      marks=_marks(ep, kind, role))
         for ep in MODEL_VIEWS for kind in KINDS for role in ROLES_AND_ANON]
INDEX_CASES = [pytest.param(ep, role, id=f"{ep}-index-{_role_id(role)}")
               for ep in OTHER_VIEWS for role in ROLES_AND_ANON]
ROUTE_CASES = [
    pytest.param(ep, rule, method, role, id=f"{method}-{rule}-{_role_id(role)}")
    for ep, rule, method in ROUTES
    for role in ROLES_AND_ANON
    if role is None or VIEWS[ep].access not in actions_of(role, VIEWS[ep].entity)
]
ACTION_CASES = [pytest.param(ep, name, role, id=f"{ep}-action_{name}-{_role_id(role)}")
                for ep in MODEL_VIEWS for name in VIEWS[ep].actions
                for role in ROLES_AND_ANON]


def test_every_registered_view_is_secured_and_known() -> None:
    """No model view escapes the base: every one carries an entity of the matrix."""
    from models.permissions import ENTITIES

    admin = _COLLECTION_APP.extensions["admin"][0]
    for view in admin._views:
        if view is admin.index_view:
            continue
        assert isinstance(view, SecuredMixin), f"{view.endpoint} is not secured"
        assert view.entity in ENTITIES, view.endpoint
    # The eleven model screens the brief names are all there (more may be added).
    assert {"applicant", "application", "disruption", "complaint", "printbatch", "card",
            "blank", "blankreceipt", "servicestandard", "auditentry", "user"} <= set(
        MODEL_VIEWS)


# --------------------------------------------------------------------------------------
# Records: one per entity for details/edit; factories for actions that change records.
# --------------------------------------------------------------------------------------
_seq = itertools.count(1)


def _user(role: str) -> User:
    return db.session.execute(
        sa.select(User).where(User.username == Auth.username(role))).scalar_one()


def make_applicant() -> Applicant:
    n = next(_seq)
    applicant = Applicant(
        nik=f"531101570890{n:04d}", kk_number="5311010101100002", name="MARIA UMBU HAPU",
        birth_place="WAINGAPU", birth_date=date(1990, 8, 17), sex="2", blood_type="4",
        religion="2", marital_status="1", occupation="9", citizenship="1",
        address="JL. AHMAD YANI NO. 5", rt="003", rw="002", village_code="53.11.01.1001")
    editing.create(_user("recording_operator"), applicant)
    return applicant


def make_application() -> Application:
    kk_copy = store_document(current_app.config["UPLOAD_FOLDER"], PDF_BYTES)
    return intake.open_application(make_applicant(), _user("recording_operator"),
                                     f102_complete=True, kk_copy=kk_copy)


def make_disruption() -> Disruption:
    disruption = Disruption(kind="network", description=f"Jaringan putus {next(_seq)}",
                            started_at=utcnow() - timedelta(minutes=5))
    service_clock.open_disruption(disruption, _user("recording_operator"))
    return disruption


def make_late_disruption() -> Disruption:
    """A disruption entered after the fact: it waits for the head of division."""
    disruption = Disruption(kind="power", description=f"Listrik padam {next(_seq)}",
                            started_at=utcnow() - timedelta(hours=3),
                            ended_at=utcnow() - timedelta(hours=2))
    service_clock.open_disruption(disruption, _user("recording_operator"))
    return disruption


def make_complaint() -> Complaint:
    complaint = Complaint(channel="phone", kind="complaint", subject="Antrean lama",
                          body=f"Menunggu terlalu lama ({next(_seq)})")
    complaints.record_complaint(complaint, _user("recording_operator"))
    return complaint


def make_blank_receipt() -> BlankReceipt:
    n = next(_seq)
    first = 1_000_000_000 + n * 100
    receipt = BlankReceipt(received_at=office_today() - timedelta(days=1),
                           reference=f"BA-{n:04d}/DUKCAPIL", serial_first=str(first),
                           serial_last=str(first + 2), quantity=3)
    blanks.receive_blanks(receipt, _user("printing_operator"))
    return receipt


def make_blank() -> Blank:
    receipt = make_blank_receipt()
    return db.session.execute(sa.select(Blank).where(Blank.receipt_id == receipt.id)
                              .order_by(Blank.serial).limit(1)).scalar_one()


def make_print_batch() -> PrintBatch:
    from models.batches import create_batch

    return create_batch(_user("printing_operator"))


def make_card() -> Card:
    """No domain operation prints yet: insert the card directly."""
    application = make_application()
    blank = make_blank()
    batch = make_print_batch()
    blank.status = "used"
    card = Card(application=application, blank=blank, batch=batch, status="printed",
                printed_by_id=_user("printing_operator").id)
    db.session.add(card)
    db.session.commit()
    return card


def make_printer() -> Any:
    from models import Printer

    printer = Printer(name=f"PRINTER {next(_seq)}", offset_x_mm=0.5, offset_y_mm=-0.25)
    editing.create(_user("printing_operator"), printer)
    return printer


def make_service_standard() -> Any:
    return current_standard()


def make_user() -> User:
    n = next(_seq)
    return create_user(None, f"staf.lain{n}", "STAF LAIN", "recording_operator", PASSWORD)


def make_role_grant() -> Any:
    """A pending request (the administrator's) for a fresh account."""
    from models.users import request_role

    return request_role(_user("admin"), make_user(), "printing_operator")


def make_audit_entry() -> AuditEntry:
    return audit.record_now(None, "test_marker", object_type="test")


def make_print_ready_application() -> Application:
    from models.uploads import store_image
    from tests.factories import png_bytes

    operator = _user("recording_operator")
    application = make_application()
    root = current_app.config["UPLOAD_FOLDER"]
    record(application, operator, photo=store_image(root, png_bytes(), "photo"),
                    signature=store_image(root, png_bytes(), "signature"),
                    fingerprints_captured=True, iris_captured=True)
    enter_siak_result(application, operator, "print_ready")
    return application


def make_spoiled_blank() -> Blank:
    blank = make_blank()
    blank.status = "spoiled"
    db.session.commit()
    return blank


def make_destruction_report() -> Any:
    return blanks.destroy_with_report([make_spoiled_blank()], _user("head_of_division"),
                                      "Digunting di depan dua saksi")


def make_dashboard() -> Any:
    """The landing page reads no record: any row gives the generated URLs their ?id=."""
    return make_audit_entry()


def make_evaluation_report() -> Any:
    """A generated month (its figures without the PDF), ready for its first sign-off."""
    from models import evaluations

    report = evaluations.start_generation("2026-01", _user("head_of_division"))
    db.session.execute(sa.update(evaluations.EvaluationReport).where(
        evaluations.EvaluationReport.id == report.id).values(
            status="generated", figures=evaluations.collect(2026, 1)))
    db.session.commit()
    return report


# A list action that needs its record in a particular state gets one in that state.
ACTION_FACTORIES: dict[str, Callable[[], Any]] = {
    "application.add_to_batch": make_print_ready_application,
    "blank.destroy": make_spoiled_blank,
    "disruption.confirm": make_late_disruption,
}


FACTORIES: dict[str, Callable[[], Any]] = {
    "applicant": make_applicant,
    "application": make_application,
    "disruption": make_disruption,
    "complaint": make_complaint,
    "blank_receipt": make_blank_receipt,
    "blank": make_blank,
    "print_batch": make_print_batch,
    "card": make_card,
    "printer": make_printer,
    "service_standard": make_service_standard,
    "user": make_user,
    "role_grant": make_role_grant,
    "audit_entry": make_audit_entry,
    "dashboard": make_dashboard,
    "destruction_report": make_destruction_report,
    "evaluation_report": make_evaluation_report,
    # The SKM results read aggregates, no record: any row gives the URLs their ?id=.
    "survey_response": make_dashboard,
}


class World:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.clients: dict[str | None, Any] = {}
        self.tokens: dict[str | None, str] = {}
        self.users: dict[str, User] = {}
        self.records: dict[str, Any] = {}

    def view(self, endpoint: str) -> Any:
        return next(v for v in _registered_views(self.app) if v.endpoint == endpoint)

    def user(self, role: str) -> User:
        return db.session.get(User, self.users[role].id)


@pytest.fixture(scope="module")
def world(_app):
    ctx = _app.app_context()
    ctx.push()
    try:
        _empty_database()
        ensure_seed_standard()
        w = World(_app)
        for role in ROLES:
            w.users[role] = create_user(None, Auth.username(role),
                                        f"PEGAWAI {role.upper()}", role, PASSWORD)
        for entity, factory in FACTORIES.items():
            w.records[entity] = factory()
        for endpoint in MODEL_VIEWS:
            entity = VIEWS[endpoint].entity
            assert entity in w.records, f"add a factory for {entity} ({endpoint})"
        for role in ROLES_AND_ANON:
            client = _app.test_client()
            auth = Auth(client)
            if role is None:
                w.tokens[role] = auth.token("/login")
            else:
                response = auth.login(role)
                assert response.status_code == 302, response.get_data(as_text=True)[:300]
                w.tokens[role] = auth.token("/admin/")
            w.clients[role] = client
        db.session.commit()
        yield w
    finally:
        db.session.remove()
        ctx.pop()


def _rows(model: Any) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def _last_audit_id() -> int:
    return db.session.execute(sa.select(sa.func.max(AuditEntry.id))).scalar() or 0


def _entries_since(last_id: int, action: str) -> list[AuditEntry]:
    return list(db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.id > last_id, AuditEntry.action == action)
        .order_by(AuditEntry.id)).scalars())


def _assert_login_redirect(response: Any, path: str) -> None:
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"][0].startswith(path)


def _assert_forbidden_audited(world: World, role: str, entity: str, since: int) -> None:
    entries = _entries_since(since, "forbidden")
    assert len(entries) == 1, [e.changes for e in entries]
    entry = entries[0]
    assert entry.user_id == world.users[role].id
    assert entry.username == Auth.username(role)
    assert entry.object_type == entity
    assert entry.ip == "127.0.0.1"


def _expected(user: User | None, entity: str, kind: str, refs: tuple[str, ...]) -> int:
    """The status the secured base view must answer, from the matrix alone."""
    if user is None:
        return 302  # to /login?next=...
    if not allowed(user, entity, "list"):
        return 403
    can = {a: allowed(user, entity, a) for a in ("view", "create", "edit", "export")}
    if kind == "list":
        return 200
    if kind == "details":
        return 200 if can["view"] else 403
    if kind in ("create", "edit", "export"):
        return 200 if can[kind] else 403
    if kind == "ajax_update":
        return 404 if can["edit"] else 403  # inline edit is disabled by design
    if kind == "ajax_lookup":
        if not (can["create"] or can["edit"]):
            return 403
        return 200 if refs else 404
    if kind == "delete":
        return 403  # nothing is hard-deleted
    raise AssertionError(kind)


def _request(world: World, role: str | None, endpoint: str, kind: str) -> Any:
    client = world.clients[role]
    entity, refs = VIEWS[endpoint].entity, VIEWS[endpoint].refs
    record_id = world.records[entity].id
    base = VIEWS[endpoint].url.rstrip("/")
    token = world.tokens[role]
    if kind == "list":
        return client.get(f"{base}/")
    if kind == "details":
        return client.get(f"{base}/details/?id={record_id}")
    if kind == "create":
        return client.get(f"{base}/new/")
    if kind == "edit":
        return client.get(f"{base}/edit/?id={record_id}")
    if kind == "export":
        return client.get(f"{base}/export/csv/")
    if kind == "ajax_update":
        return client.post(f"{base}/ajax/update/", data={
            "csrf_token": token, "list_form_pk": str(record_id), "name": "x"})
    if kind == "ajax_lookup":
        name = refs[0] if refs else "nothing"
        return client.get(f"{base}/ajax/lookup/?name={name}&query=5311")
    if kind == "delete":
        return client.post(f"{base}/delete/", data={"csrf_token": token,
                                                    "id": str(record_id)})
    raise AssertionError(kind)


@pytest.mark.parametrize(("endpoint", "kind", "role"), CASES)
def test_endpoint(world: World, endpoint: str, kind: str, role: str | None) -> None:
    entity, refs = VIEWS[endpoint].entity, VIEWS[endpoint].refs
    user = world.user(role) if role else None
    expected = _expected(user, entity, kind, refs)
    if kind == "create" and expected == 200 and not VIEWS[endpoint].creates:
        expected = 404
    model = type(world.records[entity])
    posts = kind in ("ajax_update", "delete")
    rows_before = _rows(model) if posts else None
    since = _last_audit_id()

    response = _request(world, role, endpoint, kind)
    if kind == "create" and expected == 200 and response.status_code == 302:
        # A view may hand creation over to a dedicated screen (applications: the
        # intake counter): the role must be able to use that screen, on this site.
        target = urlsplit(response.headers["Location"])
        assert target.netloc in ("", "localhost") and target.path != "/login", target
        response = world.clients[role].get(target._replace(scheme="", netloc="").geturl())

    assert response.status_code == expected, response.get_data(as_text=True)[:800]
    if expected == 302:
        _assert_login_redirect(response, VIEWS[endpoint].url)
    elif expected == 403:
        _assert_forbidden_audited(world, role, entity, since)
    else:
        assert _entries_since(since, "forbidden") == []
    if expected == 200 and kind == "export":
        assert response.mimetype == "text/csv"
        (entry,) = _entries_since(since, "export")
        assert entry.object_type == entity and entry.user_id == user.id
    if expected == 200 and kind == "ajax_lookup":
        assert response.mimetype == "application/json"
    if kind in ("list", "details", "create", "edit") and expected == 200:
        assert response.mimetype == "text/html"
    if posts and model is not AuditEntry:  # refused POSTs never add or remove a row
        db.session.expire_all()
        assert _rows(model) == rows_before
        assert db.session.get(model, world.records[entity].id) is not None


def _action_allowed(user: User | None, entity: str, name: str) -> bool:
    """What SecuredModelView.is_action_allowed answers for this user."""
    if user is None or name == "delete":
        return False
    action_entity, _sep, action = name.rpartition(".")
    return allowed(user, action_entity or entity, action)


@pytest.mark.parametrize(("endpoint", "name", "role"), ACTION_CASES)
def test_list_action(world: World, endpoint: str, name: str, role: str | None) -> None:
    """An allowed action runs and redirects to the list; a refused one (a role
    without the right, or "delete" for everyone) is an audited 403 like every other
    refusal (Flask-Admin itself would skip it and redirect silently)."""
    entity = VIEWS[endpoint].entity
    user = world.user(role) if role else None
    may_list = user is not None and allowed(user, entity, "list")
    may_act = _action_allowed(user, entity, name)
    # "delete" never changes anything: the shared record will do. A domain action gets
    # a fresh record so that an allowed run does not spoil the next case.
    target = (world.records[entity] if name == "delete"
              else ACTION_FACTORIES.get(name, FACTORIES[entity])())
    model = type(target)
    target_id = target.id
    before = audit.snapshot(target)
    rows_before = _rows(model)
    since = _last_audit_id()

    url = VIEWS[endpoint].url
    response = world.clients[role].post(f"{url}action/", data={
        "csrf_token": world.tokens[role], "action": name, "rowid": str(target_id)})

    if user is None:
        _assert_login_redirect(response, f"{url}action/")
    elif not may_list or not may_act:
        assert response.status_code == 403
        _assert_forbidden_audited(world, role, name.rpartition(".")[0] or entity, since)
    else:
        assert response.status_code == 302, response.get_data(as_text=True)[:800]
        assert urlsplit(response.headers["Location"]).path == url
    db.session.expire_all()
    after_obj = db.session.get(model, target_id)
    assert after_obj is not None, "a record was hard-deleted"
    if model is not AuditEntry:
        assert _rows(model) == rows_before
    after = audit.snapshot(after_obj)
    if may_act:
        assert after != before, f"{name} was allowed but changed nothing"
        assert _entries_since(since, name.rpartition(".")[2]), "allowed action not audited"
    else:
        assert after == before, f"{name} by {_role_id(role)} changed {audit.diff(before, after)}"


def test_forbidden_close_leaves_disruption_open(world: World) -> None:
    """The brief's example, spelled out: a secretary cannot close a disruption."""
    disruption = make_disruption()
    response = world.clients["secretary"].post("/admin/disruption/action/", data={
        "csrf_token": world.tokens["secretary"], "action": "close",
        "rowid": str(disruption.id)})
    assert response.status_code == 403  # refused: an audited 403, not a silent redirect
    db.session.expire_all()
    assert db.session.get(Disruption, disruption.id).ended_at is None
    response = world.clients["recording_operator"].post("/admin/disruption/action/", data={
        "csrf_token": world.tokens["recording_operator"], "action": "close",
        "rowid": str(disruption.id)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Disruption, disruption.id).ended_at is not None


MENU_LINK = re.compile(r'href="(/admin/[^"/?#]+/)"')
HOME_LINKS = re.compile(r'data-testid="home-links">(.*?)</ul>', re.S)


@pytest.mark.parametrize("role", ROLES)
def test_menu_shows_exactly_the_openable_views(world: World, role: str) -> None:
    user = world.user(role)
    # The landing page itself (/admin/, the brand link) is no menu entry.
    expected = {spec.url for spec in VIEWS.values()
                if allowed(user, spec.entity, spec.access) and spec.url != "/admin/"}
    response = world.clients[role].get("/admin/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    home = HOME_LINKS.search(html)
    assert home, "no home-links list on /admin/"
    navbar = html[:home.start()]
    assert set(MENU_LINK.findall(navbar)) == expected
    assert set(MENU_LINK.findall(home.group(1))) == expected
    assert set(MENU_LINK.findall(html)) == expected


@pytest.mark.parametrize("role", ROLES_AND_ANON, ids=_role_id)
def test_admin_index(world: World, role: str | None) -> None:
    response = world.clients[role].get("/admin/")
    if role is None:
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"
    else:
        assert response.status_code == 200


def test_anonymous_next_keeps_the_requested_page(world: World) -> None:
    response = world.clients[None].get("/admin/complaint/?page=1")
    _assert_login_redirect(response, "/admin/complaint/?page=1")


@pytest.mark.parametrize(("endpoint", "role"), INDEX_CASES)
def test_custom_view_index(world: World, endpoint: str, role: str | None) -> None:
    """Screens that are not model views (intake, work queue...): the view's own
    access action decides."""
    spec = VIEWS[endpoint]
    user = world.user(role) if role else None
    since = _last_audit_id()
    response = world.clients[role].get(spec.url)
    if user is None:
        _assert_login_redirect(response, spec.url)
    elif not allowed(user, spec.entity, spec.access):
        assert response.status_code == 403
        _assert_forbidden_audited(world, role, spec.entity, since)
    else:
        assert response.status_code == 200, response.get_data(as_text=True)[:800]
        assert _entries_since(since, "forbidden") == []


@pytest.mark.parametrize(("endpoint", "rule", "method", "role"), ROUTE_CASES)
def test_every_route_is_guarded(world: World, endpoint: str, rule: str, method: str,
                                role: str | None) -> None:
    """Every URL of every secured view, custom steps included: login first, then the
    view's access action, before any code of the view runs."""
    spec = VIEWS[endpoint]
    record_id = world.records[spec.entity].id
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", rule) + f"?id={record_id}"
    client = world.clients[role]
    since = _last_audit_id()
    if method == "GET":
        response = client.get(path)
    else:
        response = client.post(path, data={"csrf_token": world.tokens[role]})
    if role is None:
        _assert_login_redirect(response, rule.split("<", 1)[0])
    else:
        assert response.status_code == 403, response.get_data(as_text=True)[:500]
        _assert_forbidden_audited(world, role, spec.entity, since)


def test_service_screens_steps_are_generated() -> None:
    """The disruption close action and the complaint's application lookup, as declared
    by admin/disruptions.py and admin/complaints.py, are exercised for every role."""
    assert VIEWS["disruption"].actions == ("close", "disruption.confirm", "delete")
    assert VIEWS["complaint"].refs == ("application",)
    ids = {case.id for case in ACTION_CASES} | {case.id for case in CASES}
    for role in ROLES_AND_ANON:
        assert f"disruption-action_close-{_role_id(role)}" in ids
        assert f"disruption-action_disruption.confirm-{_role_id(role)}" in ids
        assert f"complaint-ajax_lookup-{_role_id(role)}" in ids
        assert f"servicestandard-create-{_role_id(role)}" in ids


def test_generated_case_counts() -> None:
    """Guard against the generator silently producing nothing."""
    assert len(MODEL_VIEWS) >= 11
    assert len(CASES) == len(MODEL_VIEWS) * len(KINDS) * len(ROLES_AND_ANON)
    assert len(ACTION_CASES) >= len(MODEL_VIEWS) * len(ROLES_AND_ANON)
    assert len(ROUTES) >= len(MODEL_VIEWS) * 9
    assert len(ROUTE_CASES) >= len(ROUTES)  # at least the anonymous visit of each


# --------------------------------------------------------------------------------------
# Every route's own declaration (admin.base.requires), custom steps included, for every
# role and anonymous: the status comes from the (entity, action) the route declares.
# --------------------------------------------------------------------------------------
def _declared_custom_routes() -> list[tuple[str, str, str, tuple[str, str]]]:
    from admin.base import ENDPOINT_ACTIONS, LOGGED_IN, declared_routes

    out = []
    for endpoint, url, methods, declared in declared_routes(
            _COLLECTION_APP.extensions["admin"][0]):
        view_endpoint, _dot, name = endpoint.partition(".")
        if view_endpoint not in VIEWS or name in ENDPOINT_ACTIONS:
            continue  # generic endpoints: test_endpoint covers them
        assert declared is not None, f"{endpoint} declares nothing"
        if declared == LOGGED_IN:
            continue
        out.append((endpoint, url, methods, declared))
    return sorted(out)


DECLARED_ROUTES = _declared_custom_routes()
DECLARED_CASES = [
    pytest.param(ep, url, methods, declared, role, id=f"declared-{ep}-{_role_id(role)}")
    for ep, url, methods, declared in DECLARED_ROUTES
    for role in ROLES_AND_ANON
]


@pytest.mark.parametrize(("endpoint", "url", "methods", "declared", "role"), DECLARED_CASES)
def test_declared_route(world: World, endpoint: str, url: str, methods: str,
                        declared: tuple[str, str], role: str | None) -> None:
    """Each custom route answers exactly what its @requires declaration implies: login
    first; then a role without (entity, action) gets an audited 403 before the view
    runs; a role with it reaches the view (any answer but 403 or 500)."""
    spec = VIEWS[endpoint.partition(".")[0]]
    entity, action = declared
    post = "GET" not in methods.split(",")
    # A role that may run a step acts on a fresh record, so the module's shared records
    # stay as the other cases expect them.
    user = world.user(role) if role else None
    may = user is not None and allowed(user, entity, action) and allowed(
        user, spec.entity, spec.access)
    record = FACTORIES[spec.entity]() if (post and may) else world.records[spec.entity]
    db.session.commit()
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", url) + f"?id={record.id}"
    client = world.clients[role]
    since = _last_audit_id()
    if post:
        response = client.post(path, data={"csrf_token": world.tokens[role]})
    else:
        response = client.get(path)
    if user is None:
        _assert_login_redirect(response, url.split("<", 1)[0])
    elif not may:
        assert response.status_code == 403, response.get_data(as_text=True)[:500]
        entries = _entries_since(since, "forbidden")
        assert len(entries) == 1 and entries[0].user_id == user.id
        assert entries[0].object_type in (entity, spec.entity)
    else:
        assert response.status_code not in (403, 500), response.get_data(as_text=True)[:800]
        assert _entries_since(since, "forbidden") == []


def test_every_custom_step_is_generated_from_its_declaration() -> None:
    """The steps the issue names are all declared and exercised for 6 roles + anonymous."""
    names = {ep.partition(".")[2] for ep, _u, _m, _d in DECLARED_ROUTES}
    for step in ("submit_view", "decide_view", "print_view", "confirm_view", "record_view",
                 "siak_view", "handover_view", "move_view", "write_off_view",
                 "reject_view", "cancel_view"):
        assert step in names, step
    assert len(DECLARED_CASES) == len(DECLARED_ROUTES) * len(ROLES_AND_ANON)
