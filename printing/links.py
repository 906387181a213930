"""Addresses printed on paper: always the office's configured public address
(PUBLIC_BASE_URL), never the host the clerk's browser happened to use."""

from __future__ import annotations

from flask import current_app

DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"


def public_url(path: str) -> str:
    """The public address of `path` (e.g. "/complaint/ADU-2612-0042")."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or DEFAULT_PUBLIC_BASE_URL)
    return f"{base.rstrip('/')}/{path.lstrip('/')}"


def complaint_follow_url(ticket: str) -> str:
    """Where a resident follows a complaint: the public ticket page."""
    return public_url(f"/complaint/{ticket}")
