"""Back-office login and logout."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import LoginForm
from models import users

bp = Blueprint("auth", __name__)


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


@bp.route("/login", methods=["GET", "POST"])
def login():  # noqa: ANN201
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.username.data, form.password.data)
        except users.LoginRefused as exc:
            error = str(exc.message)
        else:
            lang = session.get("lang")
            session.clear()  # no session fixation: start clean
            if lang:
                session["lang"] = lang
            login_user(user, remember=False)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or url_for("admin.index"))
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():  # noqa: ANN201
    users.logout(current_user._get_current_object())
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
def set_language():  # noqa: ANN201
    lang = request.form.get("lang")
    if lang in ("id", "en"):
        session["lang"] = lang
    return redirect(safe_next(request.form.get("next")) or url_for("public.index"))
