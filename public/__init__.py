"""Public pages for residents (no login)."""

from __future__ import annotations

from flask import Blueprint, render_template

from models import current_standard
from models.complaints import CHANNEL_LABELS

bp = Blueprint("public", __name__)


@bp.get("/")
def index():  # noqa: ANN201
    """The service standard in force, as the office publishes it."""
    standard = current_standard()
    return render_template("public/index.html", standard=standard,
                           channel_labels=CHANNEL_LABELS)
