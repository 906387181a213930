"""Back-office login (password, then the second factor), activation, the self-service
password change and TOTP enrolment, logout; login throttling and the browser-bound
session.

Throttling (Flask-Limiter, failed attempts only): per client address on every POST of
the login, second-factor and activation pages (LOGIN_LIMIT_PER_ADDRESS), and per
account name, known or not, on the same steps (LOGIN_LIMIT_PER_ACCOUNT). There is no
lock a stranger can set for long: an account counts as locked only while its throttle
refuses it, and the administrator can lift that at once (`clear_account_throttle`).
The counters live in Flask-Limiter's storage (RATELIMIT_STORAGE_URI, in memory by
default: per process, reset by a restart).
"""

from __future__ import annotations

import time
import typing as t
from datetime import timedelta
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from limits import parse_many

from extensions import limiter
from forms import show_refusal
from forms.auth import (
    ActivationForm,
    EnrolForm,
    LoginForm,
    PasswordChangeForm,
    SecondFactorForm,
)
from models import DomainError, users
from models.office_time import utcnow

bp = Blueprint("auth", __name__)

PENDING = "pending_login"
PENDING_MAX_AGE = 300  # seconds between the password and the second factor
PENDING_MAX_TRIES = 5
ACCOUNT_SCOPE = "login-account"


@bp.record_once
def _init_limiter(state: t.Any) -> None:
    limiter.init_app(state.app)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative '//'."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# ---- throttling --------------------------------------------------------------------------
def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _failed(response: t.Any) -> bool:
    """Only refused attempts count against the address."""
    return response.status_code in (400, 401)


address_limit = limiter.shared_limit(_address_limit, scope="login-address",
                                     methods=["POST"], deduct_when=_failed)


def _account_items() -> list[t.Any]:
    return parse_many(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def _account_key(username: str | None) -> str:
    return (username or "").strip().lower()[:64] or "-"


def account_throttle(username: str | None) -> t.Any:
    """The per-account limit this name has run out of, or None."""
    key = _account_key(username)
    for item in _account_items():
        if not limiter.limiter.test(item, ACCOUNT_SCOPE, key):
            return item
    return None


def count_account_failure(username: str | None) -> None:
    key = _account_key(username)
    for item in _account_items():
        limiter.limiter.hit(item, ACCOUNT_SCOPE, key)


def clear_account_throttle(username: str) -> None:
    """The administrator's unlock: the account may try again at once."""
    key = _account_key(username)
    for item in _account_items():
        limiter.limiter.clear(item, ACCOUNT_SCOPE, key)


def too_many(username: str | None = None, item: t.Any = None) -> t.Any:
    if username is not None and item is not None:
        until = utcnow() + timedelta(seconds=item.get_expiry())
        users.record_throttled(username, until)
    return render_template("auth/throttled.html"), 429


@bp.app_errorhandler(429)
def throttled_page(exc: t.Any) -> t.Any:
    """Flask-Limiter's refusal (per address), in the office's language."""
    return too_many()


# ---- the browser-bound session ----------------------------------------------------------
def ua_hash() -> str:
    return users.user_agent_hash(request.headers.get("User-Agent"))


@bp.before_app_request
def check_session_binding() -> t.Any:
    """A session works only from the browser that logged in, and for one working day."""
    if request.endpoint and request.endpoint.endswith("static"):
        return None
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    reason = users.session_problem(user, ua_hash(),
                                   current_app.config["SESSION_ABSOLUTE_LIFETIME"])
    if reason is None:
        return None
    users.end_session(user, reason)
    _clear_session()
    if reason == "lifetime_over":
        flash(_("Your working day's login has ended. Please log in again."), "warning")
    else:
        flash(_("Your session ended because it was used from another browser. "
                "Please log in again."), "warning")
    return redirect(url_for("auth.login"))


def _clear_session() -> None:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang


def _finish_login(user: users.User, next_url: str | None) -> t.Any:
    users.complete_login(user, ua_hash())
    _clear_session()  # no session fixation: start clean
    login_user(user, remember=False)
    session.permanent = True
    session["seen"] = time.time()
    return safe_next(next_url) or url_for("admin.index")


# ---- login ---------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@address_limit
def login():
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("admin.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        name = form.username.data
        item = account_throttle(name)
        if item is not None:
            return too_many(name, item)
        try:
            user = users.authenticate(name, form.password.data)
        except users.LoginRefused as exc:
            count_account_failure(name)
            error = str(exc.message)
        else:
            step = users.second_factor_needed(
                user, current_app.config["TOTP_REQUIRED_FOR_OPERATORS"])
            if step is None:
                return redirect(_finish_login(user, next_url))
            session.pop(PENDING, None)
            session[PENDING] = {"uid": user.id, "token": user.session_token,
                                "at": time.time(), "step": step, "next": next_url,
                                "tries": 0}
            return redirect(url_for("auth.second_factor" if step == "totp"
                                    else "auth.enrol_at_login"))
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form, error=error), status


def _pending(step: str) -> users.User | None:
    data = session.get(PENDING)
    if not data or data.get("step") != step or time.time() - data.get("at", 0) > PENDING_MAX_AGE:
        return None
    return users.user_for_pending_login(int(data["uid"]), data.get("token", ""))


def _restart_login(message: str) -> t.Any:
    session.pop(PENDING, None)
    flash(message, "warning")
    return redirect(url_for("auth.login"))


@bp.route("/login/totp", methods=["GET", "POST"])
@address_limit
def second_factor():
    user = _pending("totp")
    if user is None:
        return _restart_login(_("Please log in again."))
    form = SecondFactorForm()
    error = None
    if form.validate_on_submit():
        item = account_throttle(user.username)
        if item is not None:
            session.pop(PENDING, None)
            return too_many(user.username, item)
        try:
            used = users.verify_second_factor(user, form.code.data)
        except users.LoginRefused as exc:
            count_account_failure(user.username)
            data = dict(session[PENDING], tries=session[PENDING].get("tries", 0) + 1)
            session[PENDING] = data
            if data["tries"] >= PENDING_MAX_TRIES:
                return _restart_login(_("Too many wrong codes. Please log in again."))
            error = str(exc.message)
        else:
            target = _finish_login(user, session.get(PENDING, {}).get("next"))
            if used == "recovery":
                flash(_("You logged in with a recovery code; %(n)d left. Set up new codes "
                        "under My account if few are left.",
                        n=users.recovery_codes_left(user)), "warning")
            return redirect(target)
    status = 401 if request.method == "POST" else 200
    return render_template("auth/second_factor.html", form=form, error=error), status


def _qr_data_uri(user: users.User) -> str:
    return segno.make(users.totp_uri(user), error="m").svg_data_uri(scale=5, border=2)


def _render_enrol(user: users.User, form: EnrolForm, action: str, status: int = 200) -> t.Any:
    secret = users.begin_totp_enrolment(user)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/enrol.html", form=form, qr=_qr_data_uri(user),
                           secret=grouped, action=action), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@address_limit
def enrol_at_login():
    """First login of a role that needs TOTP: set up the app before anything else."""
    user = _pending("enrol")
    if user is None:
        return _restart_login(_("Please log in again."))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = users.confirm_totp_enrolment(user, form.code.data)
        except DomainError as exc:
            show_refusal(form, exc, default="code")
            return _render_enrol(user, form, url_for("auth.enrol_at_login"), 401)
        target = _finish_login(user, session.get(PENDING, {}).get("next"))
        return render_template("auth/recovery_codes.html", codes=codes, target=target)
    status = 401 if request.method == "POST" else 200
    return _render_enrol(user, form, url_for("auth.enrol_at_login"), status)


# ---- My account ------------------------------------------------------------------------
@bp.route("/account/")
@login_required
def account():
    user = current_user._get_current_object()
    return render_template("auth/account.html", user=user,
                           codes_left=users.recovery_codes_left(user))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@address_limit
def change_password():
    user = current_user._get_current_object()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        item = account_throttle(user.username)
        if item is not None:
            return too_many(user.username, item)
        try:
            users.change_password(user, form.current_password.data, form.password.data)
        except DomainError as exc:
            if exc.field == "current_password":
                count_account_failure(user.username)
            show_refusal(form, exc, default="password")
        else:
            login_user(user, remember=False)  # the token rotated: this session goes on
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    status = 401 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/totp", methods=["GET", "POST"])
@login_required
def enrol():
    """Set up the authenticator app from My account (operators, where optional)."""
    user = current_user._get_current_object()
    if user.totp_enabled:
        return redirect(url_for("auth.account"))
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = users.confirm_totp_enrolment(user, form.code.data)
        except DomainError as exc:
            show_refusal(form, exc, default="code")
            return _render_enrol(user, form, url_for("auth.enrol"), 401)
        return render_template("auth/recovery_codes.html", codes=codes,
                               target=url_for("auth.account"))
    return _render_enrol(user, form, url_for("auth.enrol"))


@bp.post("/account/recovery-codes")
@login_required
def renew_recovery_codes():
    codes = users.new_recovery_codes(current_user._get_current_object())
    return render_template("auth/recovery_codes.html", codes=codes,
                           target=url_for("auth.account"))


# ---- activation --------------------------------------------------------------------------
@bp.route("/activate", methods=["GET", "POST"])
@address_limit
def activate():
    """A new account or a reset: the member of staff sets their own password."""
    form = ActivationForm()
    if form.validate_on_submit():
        name = form.username.data
        item = account_throttle(name)
        if item is not None:
            return too_many(name, item)
        try:
            users.activate(name, form.code.data, form.password.data)
        except DomainError as exc:
            if exc.field == "code":
                count_account_failure(name)
            show_refusal(form, exc, default="password")
        else:
            flash(_("Your password is set. Log in with it now."), "success")
            return redirect(url_for("auth.login"))
    status = 401 if request.method == "POST" else 200
    return render_template("auth/activate.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    users.logout(current_user._get_current_object())
    _clear_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))
