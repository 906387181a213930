"""Complaints, suggestions and input received through the standard's channels, and how
the office answers them on time.

A complaint is recorded as received (channel, kind, the complainant's name, contact,
subject and text never change afterwards), gets a ticket that can be read over the
phone (ADU-YYMM-NNNN) and two deadlines from the service standard in force: the first
response (calendar days) and the resolution (working days, Saturday and Sunday
skipped), each counted in WITA to the end of the office day and stored on the
complaint, so "overdue" is an indexed comparison. The head of division assigns it to
an officer whose role may handle complaints; every response is its own dated entry
(ComplaintResponse); states move new -> in_progress -> resolved | rejected, each step
a compare-and-set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, numbering
from .db import Model, db
from .errors import DomainError
from .office_time import office_date, office_midnight, utcnow
from .permissions import ROLES, PermissionDenied, actions_of, allowed, require
from .transitions import atomic, compare_and_set
from .users import User

CHANNELS = ("suggestion_box", "phone", "whatsapp", "email", "web", "in_person")
# What the office records itself; "web" comes from the public complaint form.
STAFF_CHANNELS = tuple(c for c in CHANNELS if c != "web")
CHANNEL_LABELS = {
    "suggestion_box": _l("Suggestion box"),
    "phone": _l("Phone"),
    "whatsapp": _l("WhatsApp"),
    "email": _l("E-mail"),
    "web": _l("Website"),
    "in_person": _l("In person"),
}
KINDS = ("complaint", "suggestion", "input")
KIND_LABELS = {"complaint": _l("Complaint"), "suggestion": _l("Suggestion"),
               "input": _l("Input")}
STATUSES = ("new", "in_progress", "resolved", "rejected")
OPEN_STATUSES = ("new", "in_progress")
CLOSED_STATUSES = ("resolved", "rejected")
STATUS_LABELS = {"new": _l("New"), "in_progress": _l("In progress"),
                 "resolved": _l("Resolved"), "rejected": _l("Rejected")}
RESPONSE_KINDS = ("response", "resolution", "rejection")
RESPONSE_KIND_LABELS = {"response": _l("Response"), "resolution": _l("Resolution"),
                        "rejection": _l("Rejection")}
# What the complainant gave the office: it stays as received.
RECEIVED_FIELDS = ("channel", "kind", "complainant_name", "contact", "subject", "body",
                   "received_at", "received_by_id", "ticket")
# Set only by the steps below (assign, respond, resolve, reject).
STEP_FIELDS = ("status", "assigned_to_id", "responded_at", "resolved_at",
               "first_response_due_at", "resolution_due_at")
MAX_RESPONSE = 4000
# What a complainant may write (the forms say the same): a 5 MB body is no complaint.
MAX_BODY = 10_000


class Complaint(Model):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(sa.String(16), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(16), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="complaint", index=True)
    complainant_name: Mapped[str | None] = mapped_column(sa.String(60))
    contact: Mapped[str | None] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text, info={"max_length": MAX_BODY})
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"),
                                                       index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="new", index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # Before issue 10 the one answer was kept here; answers are ComplaintResponse rows now.
    response: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # The first response to the complainant (an assignment is not one).
    responded_at: Mapped[datetime | None]
    # When it was closed: resolved or rejected.
    resolved_at: Mapped[datetime | None]
    # Deadlines from the standard in force when it was received (end of an office day).
    first_response_due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolution_due_at: Mapped[datetime | None] = mapped_column(index=True)

    application = relationship("Application")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    received_by = relationship("User", foreign_keys=[received_by_id])
    responses = relationship("ComplaintResponse", back_populates="complaint",
                             order_by="(ComplaintResponse.at, ComplaintResponse.id)")

    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(repr(s) for s in STATUSES) + ")",
                           name="status"),
        sa.CheckConstraint("channel IN (" + ", ".join(repr(s) for s in CHANNELS) + ")",
                           name="channel"),
        sa.Index("ix_complaint_status_resolution_due", "status", "resolution_due_at"),
    )

    @orm.validates(*RECEIVED_FIELDS, *STEP_FIELDS)
    def _keep_as_received(self, name: str, value: Any) -> Any:
        """What the complainant gave never changes once recorded, and what the steps set
        changes only through them (compare-and-sets, which bypass this): refused as it
        is set (whatever is flushed in between), not only when an edit is saved."""
        state = sa.inspect(self)
        if state.persistent and name not in state.unloaded and getattr(self, name) != value:
            if name in RECEIVED_FIELDS:
                raise DomainError(_l("What the complainant wrote stays as received; "
                                     "answers are added as responses."), field=name)
            raise DomainError(_l("This changes only through the complaint's steps "
                                 "(assign, respond, close)."))
        return value

    def validate(self, today: date | None = None) -> list[str]:
        """Check a complaint as received; on a recorded one, refuse any change of what
        the complainant wrote or of what only the steps set."""
        state = sa.inspect(self)
        if state.persistent:
            changed = [name for name in (*RECEIVED_FIELDS, *STEP_FIELDS)
                       if state.attrs[name].history.has_changes()]
            if changed:
                field = next((n for n in changed if n in RECEIVED_FIELDS), None)
                raise DomainError(_l("What the complainant wrote stays as received; "
                                     "answers are added as responses."), field=field)
            return []
        if self.channel not in CHANNELS:
            raise DomainError(_l("Choose a value from the list."), field="channel")
        if self.kind not in KINDS:
            raise DomainError(_l("Choose a value from the list."), field="kind")
        self.subject = " ".join((self.subject or "").split())
        if not self.subject:
            raise DomainError(_l("The subject is required."), field="subject")
        if not (self.body or "").strip():
            raise DomainError(_l("Write what the complaint is about."), field="body")
        self.complainant_name = " ".join((self.complainant_name or "").split()) or None
        self.contact = (self.contact or "").strip() or None
        if self.received_at and self.received_at > utcnow():
            raise DomainError(_l("The date cannot be in the future."), field="received_at")
        from .validation import check_lengths

        check_lengths(self)
        return []

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def overdue_kind(self, now: datetime | None = None) -> str | None:
        """"resolution" past the resolution deadline, "first_response" past the
        first-response deadline without an answer yet, None when on time or closed."""
        if not self.is_open:
            return None
        now = now or utcnow()
        if self.resolution_due_at is not None and self.resolution_due_at < now:
            return "resolution"
        if (self.responded_at is None and self.first_response_due_at is not None
                and self.first_response_due_at < now):
            return "first_response"
        return None

    @property
    def is_overdue(self) -> bool:
        return self.overdue_kind() is not None

    def __str__(self) -> str:
        return f"{self.ticket} {self.subject}"


class ComplaintResponse(Model):
    """One dated answer of the office to a complaint: a response, the resolution or
    the rejection with its reason. Entries are never edited."""

    __tablename__ = "complaint_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(sa.ForeignKey("complaint.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    text: Mapped[str] = mapped_column(sa.Text, info={"max_length": MAX_RESPONSE})
    kind: Mapped[str] = mapped_column(sa.String(12), default="response")

    complaint = relationship("Complaint", back_populates="responses")
    by = relationship("User")

    __table_args__ = (
        sa.CheckConstraint("kind IN (" + ", ".join(repr(k) for k in RESPONSE_KINDS) + ")",
                           name="kind"),
    )

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------- deadlines


def add_working_days(day: date, count: int) -> date:
    """The office day `count` working days after `day` (Saturday and Sunday skipped)."""
    current = day
    left = count
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def deadlines(received_at: datetime, response_days: int,
              resolution_working_days: int) -> tuple[datetime, datetime]:
    """(first response due, resolution due) as naive UTC: the end (24:00 WITA) of the
    office day `response_days` calendar days, resp. `resolution_working_days` working
    days, after the office day the complaint was received."""
    day = office_date(received_at)
    first = office_midnight(day + timedelta(days=response_days + 1))
    resolution = office_midnight(add_working_days(day, resolution_working_days)
                                 + timedelta(days=1))
    return first, resolution


def due_day(due_at: datetime | None) -> date | None:
    """The office day a deadline falls at the end of (what people are told)."""
    if due_at is None:
        return None
    return office_date(due_at - timedelta(microseconds=1))


def standard_deadlines(received_at: datetime) -> tuple[datetime, datetime]:
    """The deadlines the standard in force gives a complaint received at `received_at`."""
    from .standard import current_standard

    std = current_standard()
    return deadlines(received_at, std.complaint_response_days,
                     std.complaint_resolution_working_days)


# ---------------------------------------------------------------- who handles


def handling_roles() -> tuple[str, ...]:
    """The roles that may handle (answer) complaints, from the matrix."""
    return tuple(r for r in ROLES if "respond" in actions_of(r, "complaint"))


def may_handle(user: User | None) -> bool:
    """May `user` be assigned a complaint? An active account of a handling role."""
    return bool(user is not None and user.active and user.role in handling_roles())


def handlers() -> list[User]:
    """The accounts a complaint can be assigned to, by name."""
    return list(db.session.execute(
        sa.select(User).where(User.active.is_(True), User.role.in_(handling_roles()))
        .order_by(User.full_name, User.id)).scalars())


def sees_contact(user: Any) -> bool:
    """The complainant's contact is shown only to the roles that handle complaints."""
    return allowed(user, "complaint", "respond")


def may_act_on(user: Any, complaint: Complaint, action: str) -> bool:
    """May `user` run `action` (respond, resolve) on this complaint now? The head of
    division (who assigns) on any open complaint; a handling officer on one assigned
    to them."""
    if not allowed(user, "complaint", action) or not complaint.is_open:
        return False
    return allowed(user, "complaint", "assign") or complaint.assigned_to_id == user.id


def _check_handler(actor: User, complaint: Complaint, action: str) -> None:
    require(actor, "complaint", action)
    if not complaint.is_open:
        raise DomainError(_l("This complaint is already closed."))
    if not (allowed(actor, "complaint", "assign") or complaint.assigned_to_id == actor.id):
        raise DomainError(_l("Only the officer it is assigned to, or the head of "
                             "division, may answer this complaint."))


def _clean_text(text: str | None, field: str, message: Any) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise DomainError(message, field=field)
    if len(cleaned) > MAX_RESPONSE:
        raise DomainError(_l("At most %(n)d characters.", n=MAX_RESPONSE), field=field)
    return cleaned


# ---------------------------------------------------------------- queries


def overdue_condition(now: datetime | None = None) -> Any:
    """SQL: open and past the resolution deadline, or still unanswered past the first
    response deadline (both indexed comparisons)."""
    now = now or utcnow()
    return sa.and_(Complaint.status.in_(OPEN_STATUSES), sa.or_(
        Complaint.resolution_due_at < now,
        sa.and_(Complaint.responded_at.is_(None), Complaint.first_response_due_at < now)))


def overdue_complaints(actor: User, now: datetime | None = None) -> Sequence[Complaint]:
    require(actor, "complaint", "list")
    return db.session.execute(sa.select(Complaint).where(overdue_condition(now))
                              .order_by(Complaint.resolution_due_at, Complaint.id)
                              ).scalars().all()


def by_ticket(ticket: str | None) -> Complaint | None:
    """The complaint with this ticket (the public follow-up page), None if none."""
    text = (ticket or "").strip().upper()
    if not text or len(text) > 16:
        return None
    return db.session.execute(sa.select(Complaint).where(Complaint.ticket == text)
                              ).scalar_one_or_none()


# ---------------------------------------------------------------- operations


def record_complaint(complaint: Complaint, actor: User | None,
                     receipt_number: str | None = None) -> Complaint:
    """Register a complaint, suggestion or input received through any channel: it gets
    its ticket and its deadlines and starts as new. `actor` None is the public web
    form (channel "web" only). `receipt_number` links the application it is about."""
    if actor is None:
        if complaint.channel != "web":
            raise PermissionDenied("complaint", "create")
    else:
        require(actor, "complaint", "create")
    try:
        complaint.validate()
        if receipt_number and receipt_number.strip():
            from .applications import Application

            number = receipt_number.strip().upper()
            application = db.session.execute(sa.select(Application).where(
                Application.number == number)).scalar_one_or_none()
            if application is None:
                raise DomainError(_l("No application has this receipt number."),
                                  field="application")
            complaint.application_id = application.id
        complaint.received_at = complaint.received_at or utcnow()
        complaint.first_response_due_at, complaint.resolution_due_at = \
            standard_deadlines(complaint.received_at)
        complaint.ticket = numbering.ticket_number(Complaint.ticket)
        complaint.status = "new"
        complaint.assigned_to_id = None
        complaint.received_by_id = actor.id if actor is not None else None
        db.session.add(complaint)
        db.session.flush()
        audit.record(actor, "create", complaint,
                     changes=audit.diff(None, audit.snapshot(complaint)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return complaint


def assign(complaint: Complaint, actor: User, handler: User | None) -> Complaint:
    """The head of division gives the complaint to an officer whose role may handle
    complaints (never the administrator); a new complaint is then in progress."""
    require(actor, "complaint", "assign")
    if not complaint.is_open:
        raise DomainError(_l("This complaint is already closed."))
    if not may_handle(handler):
        raise DomainError(_l("Choose an officer whose role handles complaints."),
                          field="assigned_to")
    assert handler is not None
    seen = complaint.status
    before = complaint.assigned_to_id
    with atomic():
        compare_and_set(Complaint, complaint.id, seen, status="in_progress",
                        assigned_to_id=handler.id)
        audit.record(actor, "assign", complaint, changes={
            "assigned_to_id": [before, handler.id], "status": [seen, "in_progress"]})
    return complaint


def _add_entry(complaint: Complaint, actor: User, kind: str, text: str) -> ComplaintResponse:
    now = utcnow()
    entry = ComplaintResponse(complaint_id=complaint.id, at=now, by_id=actor.id, text=text,
                              kind=kind)
    db.session.add(entry)
    if complaint.responded_at is None:
        # Only the first answer sets it; a second one at the same moment leaves it.
        db.session.execute(sa.update(Complaint).where(
            Complaint.id == complaint.id, Complaint.responded_at.is_(None))
            .values(responded_at=now).execution_options(synchronize_session=False))
    db.session.flush()
    return entry


def respond(complaint: Complaint, actor: User, text: str | None) -> ComplaintResponse:
    """Add a dated response (the complaint stays open, in progress)."""
    _check_handler(actor, complaint, "respond")
    cleaned = _clean_text(text, "text", _l("Write the response."))
    seen = complaint.status
    with atomic():
        # Two officers may answer at once: both answers are kept, the state stays open.
        compare_and_set(Complaint, complaint.id, OPEN_STATUSES, status="in_progress")
        entry = _add_entry(complaint, actor, "response", cleaned)
        audit.record(actor, "respond", complaint, changes={
            "status": [seen, "in_progress"], "response_id": [None, entry.id]})
    db.session.refresh(complaint)
    return entry


def _close(complaint: Complaint, actor: User, text: str | None, status: str,
           kind: str, message: Any) -> ComplaintResponse:
    _check_handler(actor, complaint, "resolve")
    cleaned = _clean_text(text, "text", message)
    seen = complaint.status
    with atomic():
        compare_and_set(Complaint, complaint.id, seen, status=status,
                        resolved_at=utcnow())
        entry = _add_entry(complaint, actor, kind, cleaned)
        audit.record(actor, "resolve" if status == "resolved" else "reject", complaint,
                     changes={"status": [seen, status], "response_id": [None, entry.id]})
    db.session.refresh(complaint)
    return entry


def resolve(complaint: Complaint, actor: User, text: str | None) -> ComplaintResponse:
    """Close the complaint as resolved, with the answer given to the complainant."""
    return _close(complaint, actor, text, "resolved", "resolution",
                  _l("Write how the complaint was resolved."))


def reject(complaint: Complaint, actor: User, reason: str | None) -> ComplaintResponse:
    """Close the complaint as rejected, with the reason given to the complainant."""
    return _close(complaint, actor, reason, "rejected", "rejection",
                  _l("Give the reason for rejecting it."))
