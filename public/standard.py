"""/: the service standard in force, as the office publishes it (document number and
date; the fee, plainly: the service is free of charge)."""

from __future__ import annotations

import typing as t

from flask import render_template

from models import current_standard

from .common import bp


@bp.get("/")
def index() -> t.Any:
    """The service standard in force, as the office publishes it."""
    return render_template("public/index.html", standard=current_standard())
