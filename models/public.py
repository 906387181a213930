"""What the public pages (residents, no login) may read, and no more: the status of an
application by receipt number AND birth date, the check of a handover receipt's code
(every lookup audited), a complaint's public state by ticket, and today's blank stock.

Names are masked ("MA*** UM** HA***"), NIKs too (530201******0001); nothing here
returns a contact, an address or the text a complainant wrote.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from . import audit
from .applications import STATUS_LABELS, Application
from .blanks import BlankReceipt, available_count
from .cards import Card, card_issued_data, check_verification_code
from .complaints import (
    CHANNEL_LABELS,
    KIND_LABELS,
    RESPONSE_KIND_LABELS,
    Complaint,
    by_ticket,
    due_day,
)
from .complaints import (
    STATUS_LABELS as COMPLAINT_STATUS_LABELS,
)
from .db import db
from .office_time import format_date, format_datetime, office_date, utcnow
from .residents import Applicant, masked_nik
from .service_clock import clock

# What a receipt number, a verification code and a ticket look like; anything else is
# refused before the database is asked.
RECEIPT_NUMBER = re.compile(r"^KTP-\d{6}-\d{4,6}$")
VERIFICATION_CODE = re.compile(r"^[A-Za-z0-9_-]{8,40}\.[0-9a-f]{20}$")
TICKET = re.compile(r"^ADU-\d{4}-\d{4,6}$")
MAX_CODE_LENGTH = 64

# What each state means for the resident, in plain words.
STATE_EXPLANATIONS = {
    "submitted": _l("Your application has been received; the recording (photo, "
                    "fingerprints, signature) comes next."),
    "recorded": _l("Your data has been recorded and is being checked in SIAK."),
    "print_ready": _l("Your data has been checked; your KTP-el is waiting to be printed."),
    "duplicate": _l("SIAK found your data already recorded; please come to the office "
                    "with your receipt."),
    "batched": _l("Your KTP-el is about to be printed."),
    "printed": _l("Your KTP-el has been printed: collect it at the office with your "
                  "receipt."),
    "handed_over": _l("Your KTP-el has been handed over."),
    "rejected": _l("Your application was rejected; ask the office for the reason."),
    "cancelled": _l("Your application was cancelled."),
}


def mask_name(name: str | None) -> str:
    """Each word's first two letters, the rest as stars: MARIA UMBU HARAN ->
    MA*** UM** HA***; a word of one or two letters keeps only its first."""
    words = (name or "").split()
    out = []
    for word in words:
        keep = 2 if len(word) > 2 else 1
        out.append(word[:keep] + "*" * max(len(word) - keep, 1))
    return " ".join(out)


def mask_code(code: str | None) -> str:
    """A verification code as the audit log keeps it: its first 4 characters."""
    text = (code or "")[:MAX_CODE_LENGTH]
    return (text[:4] + "***") if text else ""


# ---------------------------------------------------------------- status check


@dataclass(frozen=True)
class PublicStatus:
    number: str
    state: str
    state_label: str
    explanation: str
    promised: str  # the promised completion, DD-MM-YYYY HH:MM WITA ("" if none pending)
    masked_name: str


def normalised_receipt_number(text: str | None) -> str:
    return "".join((text or "").split()).upper()


# Compared with the typed date when no application has the number, so that a wrong
# number and a wrong birth date take the same steps.
_NO_BIRTH_DATE = "0000-00-00"


def application_status(number: str | None, birth_date: date | None) -> PublicStatus | None:
    """The status of the application with this receipt number whose applicant was born
    on `birth_date`; None when the number is unknown OR the date does not match, with
    the same work done either way (one indexed query, one constant-time comparison),
    so the answer cannot tell whether a receipt number exists."""
    wanted = normalised_receipt_number(number)
    typed = birth_date.isoformat() if birth_date is not None else ""
    row = db.session.execute(
        sa.select(Application.id, Applicant.birth_date)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(Application.number == wanted[:20])).first()
    stored = row.birth_date.isoformat() if row is not None and row.birth_date else \
        _NO_BIRTH_DATE
    matches = hmac.compare_digest(stored.encode(), typed.encode())
    if row is None or not matches or not typed:
        return None
    application = db.session.get(Application, row.id)
    assert application is not None
    promised = ""
    if application.status not in ("rejected", "cancelled"):
        c = clock(application)
        promised = format_datetime(c.deadline, zone_label=True) if c.deadline else ""
    return PublicStatus(
        number=application.number,
        state=application.status,
        state_label=str(STATUS_LABELS.get(application.status, application.status)),
        explanation=str(STATE_EXPLANATIONS.get(application.status, "")),
        promised=promised,
        masked_name=mask_name(application.applicant.name),
    )


# ---------------------------------------------------------------- receipt verification


@dataclass(frozen=True)
class PublicVerification:
    serial: str
    issue_date: str
    handed_over_on: str
    masked_nik: str
    masked_name: str


def verify_receipt(code: str | None, secret: str) -> PublicVerification | None:
    """Check a handover receipt's code: the handed-over card it stands for, as the
    public page shows it, or None (forged, malformed, or no card handed over with it).
    Every lookup is audited (no user; the code masked) and committed."""
    text = (code or "")[:MAX_CODE_LENGTH + 1]
    card: Card | None = None
    if VERIFICATION_CODE.match(text):
        card = check_verification_code(text, secret)
    audit.record(None, "verify_receipt", object_type="card",
                 object_id=card.id if card is not None else None,
                 changes={"code": mask_code(text),
                          "result": "valid" if card is not None else "not_valid"})
    db.session.commit()
    if card is None:
        return None
    issued = card_issued_data(card)
    return PublicVerification(
        serial=card.blank.serial if card.blank else "",
        issue_date=str(issued.get("issue_date") or format_date(card.printed_at)),
        handed_over_on=format_date(card.handed_over_at),
        masked_nik=masked_nik(issued.get("nik")),
        masked_name=mask_name(issued.get("name")),
    )


# ---------------------------------------------------------------- complaint follow-up


@dataclass(frozen=True)
class PublicResponse:
    at: str
    kind: str
    kind_label: str
    text: str


@dataclass(frozen=True)
class PublicComplaint:
    """A complaint as anyone with its ticket may see it: no name, no contact, not what
    the complainant wrote (tickets are numbered, so they can be guessed)."""

    ticket: str
    kind_label: str
    channel_label: str
    received_at: str
    status: str
    status_label: str
    first_response_due: str
    resolution_due: str
    overdue: bool
    responses: list[PublicResponse]


def complaint_status(ticket: str | None) -> PublicComplaint | None:
    text = "".join((ticket or "").split()).upper()
    if not TICKET.match(text):
        return None
    complaint: Complaint | None = by_ticket(text)
    if complaint is None:
        return None
    return PublicComplaint(
        ticket=complaint.ticket,
        kind_label=str(KIND_LABELS.get(complaint.kind, complaint.kind)),
        channel_label=str(CHANNEL_LABELS.get(complaint.channel, complaint.channel)),
        received_at=format_datetime(complaint.received_at, zone_label=True),
        status=complaint.status,
        status_label=str(COMPLAINT_STATUS_LABELS.get(complaint.status, complaint.status)),
        first_response_due=format_date(due_day(complaint.first_response_due_at)),
        resolution_due=format_date(due_day(complaint.resolution_due_at)),
        overdue=complaint.is_overdue,
        responses=[PublicResponse(format_datetime(r.at, zone_label=True), r.kind,
                                  str(RESPONSE_KIND_LABELS.get(r.kind, r.kind)), r.text)
                   for r in complaint.responses],
    )


# ---------------------------------------------------------------- blank stock


@dataclass(frozen=True)
class StockNotice:
    """Today's blank stock as the office publishes it daily."""

    on: date  # the office day (WITA)
    at: datetime  # when counted (naive UTC)
    available: int
    last_receipt_on: date | None

    @property
    def on_text(self) -> str:
        return format_date(self.on)

    @property
    def at_text(self) -> str:
        return format_datetime(self.at, zone_label=True)

    @property
    def last_receipt_text(self) -> str:
        return format_date(self.last_receipt_on)


def stock_notice(now: datetime | None = None) -> StockNotice:
    now = now or utcnow()
    last = db.session.execute(sa.select(sa.func.max(BlankReceipt.received_at))).scalar()
    return StockNotice(on=office_date(now), at=now, available=available_count(),
                       last_receipt_on=last)
