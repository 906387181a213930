"""/verify/<code>: what a handover receipt's QR code opens. Valid or not valid, and for
a valid one the blank serial, the issue date and the holder's masked NIK and name.
Every lookup is audited (no user, the code masked)."""

from __future__ import annotations

import typing as t

from flask import current_app, render_template

from models.public import verify_receipt

from .common import bp, limited, no_store


@bp.get("/verify/<path:code>")
@limited("PUBLIC_VERIFY_LIMIT", "verify")
@no_store
def verify(code: str) -> t.Any:
    result = verify_receipt(code, current_app.config["SECRET_KEY"])
    return render_template("public/verify.html", result=result), \
        200 if result is not None else 404
