"""Fixtures in the manner of flaskr's: app, client, runner, and a login per role.

KTP_TEST_DB=postgresql runs the same suite on TEST_DATABASE_URL.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from jinja2 import StrictUndefined, Undefined
from jinja2.utils import missing

from app import create_app
from models import db
from tests.factories import (  # noqa: F401 - re-exported for fixtures
    PASSWORD,
    TOTP_SECRET,
    Auth,
    _password_hash,
    empty_database,
    fresh_database,
    user_of,
)

ON_POSTGRES = os.environ.get("KTP_TEST_DB") == "postgresql"


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
