"""Application factory of the KTP-el back-office of Dinas Dukcapil Sumba Timur."""

from __future__ import annotations

import logging
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, jsonify, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from sqlalchemy import text

import catalogs
import config as config_module
from extensions import babel, csrf, login_manager, migrate
from models import audit, db
from models.users import load_user_by_session_id

ROOT = Path(__file__).resolve().parent


class MaskNiksFilter(logging.Filter):
    """Access-log lines never carry a whole NIK or KK number (16-digit runs masked)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = audit.mask_niks(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


# The access logs of the development server and of gunicorn.
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")


def install_access_log_masking() -> None:
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskNiksFilter) for f in logger.filters):
            logger.addFilter(MaskNiksFilter())


def csp_nonce() -> str:
    """This request's CSP nonce: every inline <script> carries nonce="{{ csp_nonce() }}"."""
    if not has_request_context():
        return ""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        # Bootstrap and select2 set style attributes; scripts stay nonce-only.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ))


# No screen uses these browser features.
PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), bluetooth=(), hid=(), midi=(), accelerometer=(), "
                      "gyroscope=(), magnetometer=(), display-capture=(), interest-cohort=()")


def select_locale() -> str:
    if not has_request_context():
        return "id"
    lang = session.get("lang")
    return lang if lang in ("id", "en") else "id"


def create_app(config: dict[str, Any] | type | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, admin, CLI."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(config_module.Config)
    if os.environ.get("FLASK_ENV") == "production" or os.environ.get("KTP_PRODUCTION"):
        app.config.from_object(config_module.ProductionConfig)
    app.config.from_pyfile("config.py", silent=True)
    if isinstance(config, type):
        app.config.from_object(config)
    elif config:
        app.config.update(config)

    config_module.secure_instance(app.instance_path)  # 0700: keys, database, uploads
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        os.environ.get("DATABASE_URL")
        or f"sqlite:///{Path(app.instance_path) / 'ktp.sqlite'}",
    )
    config_module.secure_instance(app.instance_path, app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or \
            config_module.load_or_create_secret_key(app.instance_path)
    app.config.setdefault("UPLOAD_FOLDER", str(Path(app.instance_path) / "uploads"))
    app.config.setdefault("DOCUMENT_FOLDER", str(Path(app.instance_path) / "documents"))

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    # A fresh install has no compiled catalogs: make them, or the UI is English.
    app.config.setdefault("TRANSLATIONS_DIR", str(
        catalogs.ensure_compiled(ROOT / "translations", app.instance_path)))
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=app.config["TRANSLATIONS_DIR"])
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user_by_session_id)

    _install_request_hooks(app)
    install_access_log_masking()
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    from admin import init_admin
    from admin.auth import bp as auth_bp
    from public import bp as public_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(public_bp)
    office_admin = init_admin(app)
    office_admin.csp_nonce_generator = csp_nonce  # Flask-Admin's own <script> tags
    office_admin.translations_path = app.config["TRANSLATIONS_DIR"]  # its admin.mo

    from cli import register_cli
    from errors import register_error_pages

    register_cli(app)
    register_error_pages(app)
    _register_template_filters(app)

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask for /favicon.ico whatever the <link rel=icon> says.
        return app.send_static_file("favicon.ico")

    @app.get("/healthz")
    def healthz():
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # the whole point is to report any database failure
            db.session.rollback()
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="ok", database="ok")

    return app


def _install_request_hooks(app: Flask) -> None:
    @app.before_request
    def bind_request_context() -> Any:
        g.ip_token = audit.current_ip.set(request.remote_addr)
        if request.endpoint and request.endpoint.endswith("static"):
            return None
        session.permanent = True
        if current_user.is_authenticated:
            now = datetime.now(UTC).timestamp()
            seen = session.get("seen")
            idle = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
            if seen is not None and now - seen > idle:
                audit.record_now(current_user._get_current_object(), "session_expired",
                                 object_type="user", object_id=current_user.id)
                logout_user()
                session.clear()
                from flask import flash, redirect, url_for

                flash(_l("Your session ended after 30 minutes without activity. "
                         "Please log in again."), "warning")
                return redirect(url_for("auth.login", next=request.full_path
                                        if request.method == "GET" else None))
            session["seen"] = now
        return None

    @app.teardown_request
    def unbind_request_context(exc: BaseException | None) -> None:
        token = g.pop("ip_token", None)
        if token is not None:
            audit.current_ip.reset(token)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    content_security_policy(csp_nonce()))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", app.config["HSTS"])
        if current_user.is_authenticated:
            # Resident data must not stay in a shared PC's browser cache.
            response.headers["Cache-Control"] = "no-store"
        return response


def _register_template_filters(app: Flask) -> None:
    from models.office_time import format_date, format_datetime

    @app.template_filter("dmy")
    def dmy(value: Any) -> str:
        if isinstance(value, datetime):
            return format_datetime(value)
        return format_date(value)
