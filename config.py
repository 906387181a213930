"""Configuration: defaults, overridden by instance/config.py and the environment."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def load_or_create_secret_key(instance_path: str) -> str:
    """Read instance/secret_key, creating it on first start; never a constant in code."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def secure_instance(instance_path: str, database_uri: str | None = None) -> None:
    """The instance folder (keys, SQLite database, uploads, documents) readable by the
    service user only: the folder 0700, an SQLite database file created 0600."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    prefix = "sqlite:///"
    if database_uri and database_uri.startswith(prefix) and ":memory:" not in database_uri:
        db_file = Path(database_uri[len(prefix):].split("?", 1)[0])
        if db_file.name:
            db_file.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(db_file, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(db_file, 0o600)


class Config:
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # Idle timeout: the session cookie and the server-side check both use this.
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=30)
    SESSION_REFRESH_EACH_REQUEST = True
    # Absolute lifetime of a login (one working day), whatever the activity; kept on
    # the server (User.session_started_at), so a cookie cannot stretch it.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=10)
    # TOTP is always required for head of division, secretary, head of office and
    # administrator; the office may require it for the two operator roles too.
    TOTP_REQUIRED_FOR_OPERATORS = False
    # Login throttling (Flask-Limiter), counting failed attempts only. In-memory
    # storage: per process, emptied by a restart; with several gunicorn workers each
    # counts on its own (point RATELIMIT_STORAGE_URI at redis:// or memcached:// to share).
    LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS = "30 per 15 minutes; 200 per day"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    # The public pages, per client address: every status check and every complaint sent
    # counts (a resident behind a shared mobile address still gets a fair number).
    PUBLIC_STATUS_LIMIT = "20 per 10 minutes; 100 per day"
    PUBLIC_COMPLAINT_LIMIT = "5 per hour; 20 per day"
    PUBLIC_VERIFY_LIMIT = "30 per minute; 300 per day"
    # The survey (code entry, questionnaire, answers; about three requests a resident):
    # generous enough for the counter's kiosk, one address for every resident of the
    # day; a code cannot be guessed within it (40-bit HMAC per card).
    PUBLIC_SURVEY_LIMIT = "60 per 10 minutes; 600 per day"
    # The office's public address, printed in every link and QR code on paper (intake
    # and handover receipts, complaint acknowledgement, stock notice): documents never
    # carry the host the clerk's browser happened to use. Set it in production, e.g.
    # "https://ktp.dukcapil.sumbatimurkab.go.id".
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Shared office PCs: no remember-me cookie ever.
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    REMEMBER_COOKIE_HTTPONLY = True
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds the token
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"  # WITA, Sumba Timur's time zone
    LANGUAGES = ("id", "en")
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024
    EXPORT_MAX_ROWS = 10_000
    DEBUG = False
    TESTING = False
    # The audit chain's HMAC key: AUDIT_KEY here or in the environment, else
    # instance/audit_key (created once, mode 0600). Never in the database.
    AUDIT_KEY: str | None = None
    # Strict-Transport-Security: production only (behind HTTPS).
    HSTS: str | None = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = "max-age=31536000; includeSubDomains"


class TestConfig(Config):
    TESTING = True
