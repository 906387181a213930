"""The intake receipt (tanda terima permohonan) handed to the resident at the counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from models.office_time import OFFICE_TIMEZONE, format_datetime, utcnow
from models.standard import channel_texts, current_standard

from .render import render_pdf

TEMPLATE = "receipt.html"


def _office_timezone() -> str:
    """The office clock's zone (models.office_time): documents print WITA."""
    return OFFICE_TIMEZONE


def local_text(value: datetime | None, tz: str | None = None) -> str:
    """A stored naive-UTC moment as DD-MM-YYYY HH:MM on the office clock (WITA)."""
    return format_datetime(value)


def receipt_context(application: Any, status_url: str, tz: str | None = None) -> dict:
    """Everything the template shows, already formatted (the template stays plain)."""
    tz = tz or _office_timezone()
    applicant = application.applicant
    standard = application.standard
    # How to reach the office today: the contacts of the version in force, kept once.
    channels = channel_texts(current_standard())
    return {
        "number": application.number,
        "name": applicant.name,
        "masked_nik": applicant.masked_nik,
        "submitted_at": local_text(application.submitted_at, tz),
        "deadline": local_text(application.deadline_at, tz),
        "sla_hours": application.sla_hours,
        "disrupted": application.disruption_id is not None,
        "standard_sla_hours": standard.sla_hours if standard else application.sla_hours,
        "standard_sla_hours_disrupted": standard.sla_hours_disrupted if standard else None,
        "standard_number": standard.document_number if standard else "",
        "unit": standard.unit if standard else "",
        "fee": standard.fee if standard else 0,
        "status_url": status_url,
        "received_by": getattr(application.submitted_by, "full_name", None) or "",
        "channels": channels,
        "printed_at": format_datetime(utcnow()),
    }


def render_receipt(application: Any, status_url: str, tz: str | None = None) -> bytes:
    return render_pdf(TEMPLATE, **receipt_context(application, status_url, tz))
