"""Addresses printed on paper: always the office's configured public address
(PUBLIC_BASE_URL) followed by the public page's path, never the host (or the path
prefix) the clerk's browser happened to use. Every link and QR code on a document is
built here."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


def public_base_url() -> str:
    """PUBLIC_BASE_URL without its trailing slash (e.g. https://ktp.example.go.id or
    https://dukcapil.example.go.id/ktp); a value that is no http(s) address is refused."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL).strip()
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ValueError(f"PUBLIC_BASE_URL must be an http(s) address, not {base!r}")
    return base.rstrip("/")


def public_path(endpoint: str, **values: Any) -> str:
    """The path of a route relative to the application's root ("/verify/<code>"),
    built from the URL map alone: independent of the request being served."""
    adapter = current_app.url_map.bind("public.invalid", script_name="/")
    return adapter.build(endpoint, values, force_external=False)


def public_url(endpoint: str, **values: Any) -> str:
    """The address a resident types or scans: PUBLIC_BASE_URL + the route's path."""
    return public_base_url() + public_path(endpoint, **values)


def status_url() -> str:
    """The intake receipt's "check your application" address."""
    return public_url("public.status")


def verify_url(code: str) -> str:
    """What a handover receipt's QR code opens: the public verification page."""
    return public_url("public.verify", code=code)


def complaint_follow_url(ticket: str) -> str:
    """Where a resident follows a complaint: the public ticket page."""
    return public_url("public.complaint_status", ticket=ticket)


def stock_url() -> str:
    """The public blank-stock page (on the printed stock notice)."""
    return public_url("public.stock")


def survey_url(code: str) -> str:
    """What the handover receipt's survey QR code opens: the SKM questionnaire."""
    return public_url("public.survey", code=code)
