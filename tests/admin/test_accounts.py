"""Issue 9, part A: accounts and logins that hold against an insider.

No one becomes someone else (activation codes, role grants confirmed by the head of
office), passwords checked by zxcvbn with the same limits everywhere, TOTP with
single-use recovery codes, a login that neither leaks nor locks out, throttling per
account and per address, and sessions bound to one browser for one working day.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from models import AuditEntry, PermissionDenied, User, db, users
from models.office_time import utcnow
from models.users import RecoveryCode, RoleGrant
from tests.factories import PASSWORD, TOTP_SECRET, Auth, csrf_from, user_of

NEW_PASSWORD = "padang sabana kuda pacu 77"
CODE_RE = re.compile(r'data-testid="activation-code">([^<]+)<')
RECOVERY_RE = re.compile(r"<li><code>([0-9a-z-]+)</code></li>")
GENERIC = "Nama pengguna atau kata sandi salah."


# ---- helpers ------------------------------------------------------------------------
def entries(action: str, **where: Any) -> list[AuditEntry]:
    q = sa.select(AuditEntry).where(AuditEntry.action == action)
    for key, value in where.items():
        q = q.where(getattr(AuditEntry, key) == value)
    return list(db.session.execute(q.order_by(AuditEntry.id)).scalars())


def account(username: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == username)).scalar_one()


def page(client: Any, path: str, **kw: Any) -> str:
    response = client.get(path, **kw)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def post_form(client: Any, path: str, data: dict, token_from: str | None = None,
              **kw: Any) -> Any:
    data = dict(data, csrf_token=csrf_from(page(client, token_from or path, **kw)))
    return client.post(path, data=data, **kw)


def login_password(client: Any, username: str, password: str, **kw: Any) -> Any:
    return post_form(client, "/login", {"username": username, "password": password}, **kw)


def activate(client: Any, username: str, code: str, password: str = NEW_PASSWORD) -> Any:
    return post_form(client, "/activate", {"username": username, "code": code,
                                           "password": password,
                                           "password_again": password})


def location(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def logged_in(client: Any) -> bool:
    return client.get("/admin/").status_code == 200


def issued_code(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[-1500:]
    match = CODE_RE.search(response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)[-1500:]
    return match.group(1).strip()


# ---- 1. no one becomes someone else -------------------------------------------------
def test_admin_creates_a_secretary_but_cannot_become_one(app, admin_user) -> None:
    """The impersonation path of the issue: the new account has neither a role nor a
    password until the head of office confirms and the user sets their own."""
    admin = admin_user
    form = page(admin.client, "/admin/user/new/")
    assert 'type="password"' not in form  # the administrator never types a password
    response = admin.post("/admin/user/new/", {
        "username": "sekretaris.baru", "full_name": "MARTHA RAMBU KAHI", "nip": "",
        "role": "secretary"}, token_from="/admin/user/new/")
    code = issued_code(response)
    new = account("sekretaris.baru")
    assert new.role is None and new.password_hash is None
    assert users.normalise_code(code) not in (new.activation_hash or "")
    assert new.activation_expires_at - utcnow() <= timedelta(hours=24)
    grant = db.session.execute(sa.select(RoleGrant).where(RoleGrant.user_id == new.id)
                               ).scalar_one()
    assert grant.is_pending and grant.requested_by_id == user_of("admin").id
    # Shown once: the account's page does not show the code again.
    assert code not in page(admin.client, f"/admin/user/details/?id={new.id}")

    stranger = app.test_client()
    for password in ("", PASSWORD, code):
        if password:
            assert login_password(stranger, "sekretaris.baru", password).status_code == 401
    # The administrator cannot confirm the grant they asked for.
    with pytest.raises(PermissionDenied):
        users.confirm_grant(user_of("admin"), grant)
    admin.post("/admin/rolegrant/action/", {"action": "confirm", "rowid": str(grant.id)},
               token_from="/admin/rolegrant/")
    db.session.expire_all()
    assert db.session.get(RoleGrant, grant.id).is_pending

    # The user sets the password with the code (once); the role still waits.
    assert activate(stranger, "sekretaris.baru", code).status_code == 302
    assert activate(app.test_client(), "sekretaris.baru", code).status_code == 401  # used
    response = login_password(stranger, "sekretaris.baru", NEW_PASSWORD)
    assert response.status_code == 401
    assert "menunggu Kepala Dinas" in response.get_data(as_text=True)
    assert not logged_in(stranger)

    # The head of office confirms; the first login sets up TOTP before anything else.
    head = Auth(app.test_client())
    assert head.login("head_of_office").status_code == 302
    listing = page(head.client, "/admin/rolegrant/")
    assert "sekretaris.baru" in listing and "Menunggu Kepala Dinas" in listing
    response = head.post("/admin/rolegrant/action/",
                         {"action": "confirm", "rowid": str(grant.id)},
                         token_from="/admin/rolegrant/")
    assert response.status_code == 302
    db.session.expire_all()
    assert account("sekretaris.baru").role == "secretary"
    user = Auth(stranger)
    response = login_password(stranger, "sekretaris.baru", NEW_PASSWORD)
    assert location(response) == "/login/enrol"
    assert stranger.get("/admin/applicant/").status_code == 302  # not in yet
    assert user.enrol().status_code == 302
    assert logged_in(stranger)

    actions = [e.action for e in db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.object_type.in_(("user", "role_grant")))
        .order_by(AuditEntry.id)).scalars()]
    for expected in ("create", "request", "activation_issued", "activated",
                     "login_pending_role", "confirm", "role_changed", "totp_enrolled",
                     "login"):
        assert expected in actions, (expected, actions)
    (confirmation,) = entries("confirm", object_type="role_grant")
    assert confirmation.user_id == user_of("head_of_office").id


def test_admin_reset_leaves_no_usable_password_and_keeps_the_second_factor(
        app, admin_user) -> None:
    victim = Auth(app.test_client())
    assert victim.login("head_of_division").status_code == 302
    head = user_of("head_of_division")
    response = admin_user.post(f"/admin/user/reset/?id={head.id}", {},
                               token_from=f"/admin/user/details/?id={head.id}")
    code = issued_code(response)
    db.session.expire_all()
    head = user_of("head_of_division")
    assert head.password_hash is None and head.totp_enabled
    assert not head.check_password(PASSWORD)
    assert victim.client.get("/admin/").status_code == 302  # its session is gone
    assert victim.login("head_of_division").status_code == 401
    assert entries("password_reset", object_id=str(head.id))

    # An administrator who used the code still meets the victim's authenticator.
    insider = app.test_client()
    assert activate(insider, "head.of.division", code).status_code == 302
    response = login_password(insider, "head.of.division", NEW_PASSWORD)
    assert location(response) == "/login/totp"
    response = post_form(insider, "/login/totp", {"code": "000000"})
    assert response.status_code == 401
    assert not logged_in(insider)


def test_role_change_waits_for_the_head_of_office(app, admin_user) -> None:
    operator = user_of("recording_operator")
    url = f"/admin/user/edit/?id={operator.id}"
    form = page(admin_user.client, url)
    assert 'type="password"' not in form
    response = admin_user.post(url, {"full_name": operator.full_name, "nip": "",
                                     "role": "head_of_division", "active": "y"},
                               token_from=url)
    assert response.status_code == 302
    db.session.expire_all()
    assert user_of("recording_operator").role == "recording_operator"  # not yet
    grant = users.pending_grant(user_of("recording_operator"))
    assert grant is not None and grant.role == "head_of_division"
    for role in ("secretary", "head_of_division", "head_of_office"):
        oversight = Auth(app.test_client())
        oversight.login(role)
        assert "recording.operator" in page(oversight.client, "/admin/rolegrant/")
    users.refuse_grant(user_of("head_of_office"), grant)
    assert user_of("recording_operator").role == "recording_operator"
    assert entries("refuse", object_type="role_grant")
    # A grant of admin reaches no resident data: it applies at once.
    users.request_role(user_of("admin"), user_of("printing_operator"), "admin")
    assert user_of("printing_operator").role == "admin"


def test_account_events_are_listed_for_oversight(app, admin_user) -> None:
    head_of_office = Auth(app.test_client())
    assert head_of_office.login("head_of_office").status_code == 302
    admin_user.post("/admin/user/new/", {"username": "cetak.baru", "full_name": "PETRUS",
                                         "nip": "", "role": "printing_operator"},
                    token_from="/admin/user/new/")
    listing = page(head_of_office.client, "/admin/rolegrant/")
    match = re.search(r'href="(/admin/auditentry/\?[^"]+)"', listing)
    assert match, listing[-2000:]
    events = page(head_of_office.client, match.group(1).replace("&amp;", "&"))
    assert "cetak.baru" in events or str(account("cetak.baru").id) in events
    assert admin_user.client.get(match.group(1).replace("&amp;", "&")).status_code == 403


# ---- 2. passwords --------------------------------------------------------------------
@pytest.mark.parametrize(("password", "reason"), [
    ("password12", "termasuk yang paling umum dipakai"),
    ("1111111111", "mengulang"),
    ("asdfghjkl;", "pola tombol"),
    ("abcdefghijk", "urutan seperti abc"),
    ("waingapu2024", "terlalu mudah ditebak"),
])
def test_guessable_passwords_are_refused_in_indonesian(app, password: str, reason: str) -> None:
    user = users.create_user(None, "operator.baru", "PEGAWAI BARU", "recording_operator")
    code = users.issue_activation_code(None, user)
    client = app.test_client()
    response = activate(client, "operator.baru", code, password)
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Kata sandi ini terlalu mudah ditebak" in html
    assert reason in html
    assert account("operator.baru").password_hash is None
    # The refusal did not use up the code.
    assert activate(client, "operator.baru", code).status_code == 302


def test_the_same_length_limits_at_set_and_at_login(app) -> None:
    longest = ("kuda sumba berlari di padang " * 5)[:128]
    user = users.create_user(None, "operator.baru", "PEGAWAI BARU", "recording_operator")
    code = users.issue_activation_code(None, user)
    client = app.test_client()
    too_long = activate(client, "operator.baru", code, longest + "x")
    assert too_long.status_code == 401
    assert "128 karakter" in too_long.get_data(as_text=True)
    assert activate(client, "operator.baru", code, longest).status_code == 302
    assert login_password(client, "operator.baru", longest).status_code == 302
    assert logged_in(client)
    with pytest.raises(users.DomainError):
        users.check_password_policy("pendek", "x")


def test_self_service_password_change(app, recording_operator) -> None:
    other = Auth(app.test_client())
    other.login("recording_operator")  # ends the first session (one per account) ...
    recording_operator.login("recording_operator")  # ... and back
    client = recording_operator.client
    assert 'href="/account/"' in page(client, "/admin/")  # "My account", on every screen
    assert "Ganti kata sandi" in page(client, "/account/")
    wrong = post_form(client, "/account/password", {
        "current_password": "bukan-sandi-saya-1", "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD})
    assert wrong.status_code == 401
    assert "Kata sandi sekarang salah." in wrong.get_data(as_text=True)
    weak = post_form(client, "/account/password", {
        "current_password": PASSWORD, "password": "password12",
        "password_again": "password12"})
    assert "terlalu mudah ditebak" in weak.get_data(as_text=True)
    response = post_form(client, "/account/password", {
        "current_password": PASSWORD, "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(client)  # this session goes on
    assert user_of("recording_operator").check_password(NEW_PASSWORD)
    assert entries("password_changed", object_id=str(user_of("recording_operator").id))
    recording_operator.logout()
    assert recording_operator.login("recording_operator").status_code == 401
    assert recording_operator.login("recording_operator",
                                    password=NEW_PASSWORD).status_code == 302


# ---- 2. second factor ----------------------------------------------------------------
def test_totp_enrolment_login_and_single_use_recovery_codes(app) -> None:
    users.create_user(None, "sekretaris.dua", "ANA", "secretary", PASSWORD)
    client = app.test_client()
    response = login_password(client, "sekretaris.dua", PASSWORD)
    assert location(response) == "/login/enrol"
    assert client.get("/admin/").status_code == 302  # nothing before the enrolment
    enrol_page = page(client, "/login/enrol")
    assert 'src="data:image/svg+xml' in enrol_page  # the QR code, no external image
    secret = re.search(r'data-testid="totp-secret">([^<]+)<', enrol_page).group(1)
    secret = secret.replace(" ", "")
    wrong = post_form(client, "/login/enrol", {"code": "123456"}, token_from="/login/enrol")
    assert wrong.status_code == 401 and not account("sekretaris.dua").totp_enabled
    enrol_code = pyotp.TOTP(secret).now()
    done = post_form(client, "/login/enrol", {"code": enrol_code})
    assert done.status_code == 200
    codes = RECOVERY_RE.findall(done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = db.session.execute(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == account("sekretaris.dua").id)).scalars().all()
    assert len(stored) == 10
    assert not any(users.normalise_code(c) in r.code_hash for c in codes for r in stored)
    assert logged_in(client)
    Auth(client).logout()

    # A TOTP code works once (no replay: the enrolment used this step's code, the next
    # step's is accepted too), a recovery code works once.
    login_password(client, "sekretaris.dua", PASSWORD)
    assert post_form(client, "/login/totp", {"code": enrol_code}).status_code == 401
    code = pyotp.TOTP(secret).at(int(time.time()) + 30)
    login_password(client, "sekretaris.dua", PASSWORD)
    assert post_form(client, "/login/totp", {"code": code}).status_code == 302
    Auth(client).logout()
    login_password(client, "sekretaris.dua", PASSWORD)
    assert post_form(client, "/login/totp", {"code": code}).status_code == 401
    response = post_form(client, "/login/totp", {"code": codes[3].upper()})
    assert response.status_code == 302 and logged_in(client)
    Auth(client).logout()
    login_password(client, "sekretaris.dua", PASSWORD)
    again = post_form(client, "/login/totp", {"code": codes[3]})
    assert again.status_code == 401
    assert "sudah pernah dipakai" in again.get_data(as_text=True)
    assert entries("totp_enrolled") and entries("recovery_code_used")


def test_totp_for_operators_is_an_office_setting(app, monkeypatch) -> None:
    client = app.test_client()
    assert location(login_password(client, "recording.operator", PASSWORD)) == "/admin/"
    Auth(client).logout()
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_FOR_OPERATORS", True)
    assert location(login_password(client, "recording.operator", PASSWORD)) == "/login/enrol"


# ---- 3. login that neither leaks nor locks out ------------------------------------------
def test_unknown_wrong_and_locked_get_the_same_answer_after_one_hash_check(
        app, monkeypatch) -> None:
    calls: list[str] = []
    real = users.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash[:10])
        return real(pwhash, password)

    monkeypatch.setattr(users, "check_password_hash", counting)
    operator = user_of("recording_operator")
    operator.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    answers = {}
    for case, (username, password) in {
        "unknown": ("tidak.ada", PASSWORD),
        "wrong": ("printing.operator", "kata-sandi-salah-9"),
        "locked": ("recording.operator", PASSWORD),  # the right password, locked
    }.items():
        client = app.test_client()
        token = csrf_from(page(client, "/login"))
        calls.clear()
        response = client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})
        assert len(calls) == 1, (case, calls)
        html = response.get_data(as_text=True)
        message = re.search(r'data-testid="login-error">([^<]+)<', html).group(1)
        answers[case] = (response.status_code, message)
    assert set(answers.values()) == {(401, GENERIC)}, answers


def test_throttle_per_account_answers_429_from_any_address(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    for n in range(3):
        client = app.test_client()
        response = login_password(client, "head.of.division", "salah-salah-salah",
                                  environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        assert response.status_code == 401
    client = app.test_client()
    response = login_password(client, "head.of.division", PASSWORD,
                              environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Terlalu banyak percobaan" in html and 'lang="id"' in html
    assert user_of("head_of_division").is_locked()
    # Another account from the same addresses is not affected.
    assert location(login_password(app.test_client(), "printing.operator", PASSWORD,
                                   environ_base={"REMOTE_ADDR": "10.0.0.1"})) == "/admin/"


def test_throttle_per_address_answers_429(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "4 per 15 minutes")
    here = {"REMOTE_ADDR": "10.1.1.1"}
    for n in range(4):  # a different account each time: only the address counts
        response = login_password(app.test_client(), f"tebakan.{n}", "salah-salah-salah",
                                  environ_base=here)
        assert response.status_code == 401
    response = login_password(app.test_client(), "recording.operator", PASSWORD,
                              environ_base=here)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)
    # Successful logins from another address do not count against it.
    elsewhere = {"REMOTE_ADDR": "10.1.1.2"}
    for _ in range(5):
        client = app.test_client()
        assert location(login_password(client, "recording.operator", PASSWORD,
                                       environ_base=elsewhere)) == "/admin/"


def test_admin_unlocks_a_throttled_account_on_record(app, admin_user, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        login_password(client, "printing.operator", "salah-salah-salah")
    assert login_password(client, "printing.operator", PASSWORD).status_code == 429
    operator = user_of("printing_operator")
    assert operator.is_locked()
    details = page(admin_user.client, f"/admin/user/details/?id={operator.id}")
    assert 'data-testid="unlock"' in details
    response = admin_user.post(f"/admin/user/unlock/?id={operator.id}", {},
                               token_from=f"/admin/user/details/?id={operator.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert not user_of("printing_operator").is_locked()
    (entry,) = entries("unlock", object_id=str(operator.id))
    assert entry.user_id == user_of("admin").id
    assert location(login_password(client, "printing.operator", PASSWORD)) == "/admin/"
    # Unlocking is the administrator's: no one else may.
    with pytest.raises(PermissionDenied):
        users.unlock(user_of("head_of_office"), operator)


# ---- 4. sessions ------------------------------------------------------------------------------
def test_a_changed_user_agent_ends_the_session(app) -> None:
    client = app.test_client()
    firefox = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0"}
    assert location(login_password(client, "recording.operator", PASSWORD,
                                   headers=firefox)) == "/admin/"
    assert client.get("/admin/applicant/", headers=firefox).status_code == 200
    stolen = client.get("/admin/applicant/", headers={"User-Agent": "curl/8.5.0"})
    assert location(stolen) == "/login"
    # Ended on the server: the original browser's cookie is dead too.
    assert location(client.get("/admin/applicant/", headers=firefox)) == "/login"
    (entry,) = entries("session_ended")
    assert entry.changes == {"reason": "browser_changed"}


def test_the_login_lasts_one_working_day_at_most(app, recording_operator) -> None:
    client = recording_operator.client
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=10)
    operator = user_of("recording_operator")
    operator.session_started_at = utcnow() - timedelta(hours=9, minutes=59)
    db.session.commit()
    assert client.get("/admin/applicant/").status_code == 200  # busy all day: still on
    operator = user_of("recording_operator")
    operator.session_started_at = utcnow() - timedelta(hours=10, minutes=1)
    db.session.commit()
    response = client.get("/admin/applicant/")
    assert location(response) == "/login"
    assert "satu hari kerja" in page(client, "/login")
    assert location(client.get("/admin/")) == "/login"
    (entry,) = entries("session_ended")
    assert entry.changes == {"reason": "lifetime_over"}


def test_the_fixture_accounts_of_the_oversight_roles_have_totp(app) -> None:
    """What the role fixtures rely on (tests/conftest.py)."""
    for role in ("head_of_division", "secretary", "head_of_office", "admin"):
        user = user_of(role)
        assert user.totp_secret == TOTP_SECRET and user.totp_enabled
        client = app.test_client()
        assert location(login_password(client, Auth.username(role), PASSWORD)) \
            == "/login/totp"
        assert not logged_in(client)


# ---- command line --------------------------------------------------------------------------
def test_cli_activation_reset_and_totp_reset(app, runner) -> None:
    result = runner.invoke(args=["user", "create", "kadis.baru", "--role", "head_of_office",
                                 "--name", "KEPALA DINAS BARU", "--activation"])
    assert result.exit_code == 0, result.output
    code = re.search(r"Activation code .*: ([0-9a-z-]+)", result.output).group(1)
    assert account("kadis.baru").password_hash is None
    assert activate(app.test_client(), "kadis.baru", code).status_code == 302
    result = runner.invoke(args=["user", "reset-totp", "head.of.division"])
    assert result.exit_code == 0, result.output
    assert not user_of("head_of_division").totp_enabled
    assert entries("totp_reset")
    result = runner.invoke(args=["user", "reset-password", "secretary"])
    assert result.exit_code == 0 and "Activation code" in result.output
    assert user_of("secretary").password_hash is None
