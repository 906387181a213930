"""Fixtures in the manner of flaskr's: app, client, runner, and a login per role.

KTP_TEST_DB=postgresql runs the same suite on TEST_DATABASE_URL.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import date
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from jinja2 import StrictUndefined, Undefined
from jinja2.utils import missing
from werkzeug.security import generate_password_hash

from app import create_app
from models import db
from models.office_time import utcnow
from models.permissions import ROLES
from models.standard import ensure_seed_standard
from models.users import TOTP_ROLES, User

PASSWORD = "kata-sandi-uji-123"
# The fixture accounts of the roles that need a second factor have this TOTP secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
TOTP_SECRET_RE = re.compile(r'data-testid="totp-secret">([^<]+)<')
ON_POSTGRES = os.environ.get("KTP_TEST_DB") == "postgresql"


@functools.cache
def _password_hash() -> str:
    return generate_password_hash(PASSWORD, method="scrypt")


def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if ON_POSTGRES:
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.fail("KTP_TEST_DB=postgresql needs TEST_DATABASE_URL")
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


class StrictNamesUndefined(StrictUndefined):
    """Strict for an undefined variable; Flask-Admin's own templates probe optional
    attributes of WTForms widgets (e.g. `widget.input_type`), which stays lenient."""

    def _lenient(self) -> bool:
        return self._undefined_obj is not missing

    def __str__(self) -> str:
        return "" if self._lenient() else super().__str__()

    def __bool__(self) -> bool:
        return False if self._lenient() else super().__bool__()

    def __iter__(self):
        return iter(()) if self._lenient() else super().__iter__()

    def __eq__(self, other: object) -> bool:
        return Undefined.__eq__(self, other) if self._lenient() else super().__eq__(other)

    __hash__ = Undefined.__hash__


class IsolatedClient(FlaskClient):
    """Each request gets its own app context (own `g`, own DB session), as in
    production, even though the test itself holds one open for db.session."""

    def open(self, *args, **kwargs):
        db.session.commit()  # what the test set up is visible to the request
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test sees what the request changed
        return response


@pytest.fixture(scope="session")
def _app(tmp_path_factory: pytest.TempPathFactory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": True,
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "DOCUMENT_FOLDER": str(instance / "documents"),
    })
    app.instance_path = str(instance)  # never the developer's own instance/
    app.jinja_env.undefined = StrictNamesUndefined
    app.test_client_class = IsolatedClient
    with app.app_context():
        if ON_POSTGRES:
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


def _empty_database() -> None:
    # Our own session's open read transaction would block TRUNCATE on PostgreSQL.
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))


def fresh_database() -> None:
    """Empty tables, the seed standard, and one account per role."""
    _empty_database()
    ensure_seed_standard()
    for role in ROLES:
        # One scrypt hash for all: hashing six passwords per test would dominate.
        user = User(username=role.replace("_", "."), role=role, active=True,
                    full_name=f"PEGAWAI {role.upper()}", password_hash=_password_hash())
        if role in TOTP_ROLES:  # enrolled already: the login asks for the code
            user.totp_secret = TOTP_SECRET
            user.totp_enabled_at = utcnow()
        db.session.add(user)
    db.session.commit()


@pytest.fixture
def app(_app):
    """A clean database with the seed standard and one account per role; the login
    throttle's counters start empty."""
    from admin.auth import limiter

    limiter.reset()
    with _app.app_context():
        fresh_database()
        db.session.remove()
    with _app.app_context():
        yield _app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Auth:
    """Log the test client in and out as one of the six roles."""

    def __init__(self, client) -> None:
        self.client = client

    @staticmethod
    def username(role: str) -> str:
        return role.replace("_", ".")

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, role: str, password: str = PASSWORD, follow: bool = False,
              username: str | None = None):
        """The whole login: password, then the second factor where the account has
        one (the fixture's TOTP secret) or must set one up (enrolled on the way)."""
        token = self.token("/login")
        response = self.client.post("/login", data={
            "username": username or self.username(role), "password": password,
            "csrf_token": token})
        step = urlsplit(response.headers.get("Location", "")).path \
            if response.status_code == 302 else ""
        if step == "/login/totp":
            return self.second_factor(username or self.username(role), follow=follow)
        if step == "/login/enrol":
            return self.enrol(follow=follow)
        if follow and response.status_code == 302:
            return self.client.get(response.headers["Location"], follow_redirects=True)
        return response

    def totp_code(self, username: str) -> str:
        """The current code of `username`'s app. The replay guard (last step used) is
        reset first: tests log the same account in more than once per 30 seconds."""
        user = db.session.execute(sa.select(User).where(User.username == username)
                                  ).scalar_one()
        user.totp_last_step = None
        db.session.commit()
        return pyotp.TOTP(user.totp_secret).now()

    def second_factor(self, username: str, code: str | None = None, follow: bool = False):
        page = self.client.get("/login/totp")
        return self.client.post("/login/totp", data={
            "code": code or self.totp_code(username),
            "csrf_token": csrf_from(page.get_data(as_text=True))}, follow_redirects=follow)

    def enrol(self, follow: bool = False):
        page = self.client.get("/login/enrol").get_data(as_text=True)
        match = TOTP_SECRET_RE.search(page)
        assert match, page[:1000]
        secret = match.group(1).replace(" ", "")
        response = self.client.post("/login/enrol", data={
            "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)})
        assert response.status_code == 200, response.get_data(as_text=True)[:1000]
        if follow:
            return self.client.get("/admin/", follow_redirects=True)
        # What a finished login answers: on to the back-office.
        return self.client.get("/login")

    def logout(self):
        token = self.token("/admin/")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, token_from: str = "/admin/", **kw):
        """POST with a valid CSRF token taken from a page of the back-office."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.client.post(path, data=data, **kw)


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def _role_fixture(role: str):
    @pytest.fixture
    def logged_in(client, auth):
        response = auth.login(role)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return auth

    return logged_in


recording_operator = _role_fixture("recording_operator")
printing_operator = _role_fixture("printing_operator")
head_of_division = _role_fixture("head_of_division")
secretary = _role_fixture("secretary")
head_of_office = _role_fixture("head_of_office")
admin_user = _role_fixture("admin")


def user_of(role: str):
    from models import User

    return db.session.execute(
        sa.select(User).where(User.username == Auth.username(role))).scalar_one()


@pytest.fixture
def applicant_data() -> dict[str, str]:
    """A valid F-1.02 as the applicant form posts it (woman, born 17-08-1990)."""
    return {
        "nik": "5311015708900001",
        "kk_number": "5311010101100002",
        "name": "MARIA UMBU HAPU",
        "birth_place": "WAINGAPU",
        "birth_date": date(1990, 8, 17).isoformat(),
        "sex": "2",
        "blood_type": "4",
        "religion": "2",
        "marital_status": "1",
        "occupation": "9",
        "citizenship": "1",
        "address": "JL. AHMAD YANI NO. 5",
        "rt": "3",
        "rw": "2",
        "village_code": "53.11.01.1001",
        "phone": "",
    }
