"""Complaints, suggestions and input received through the standard's channels."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, numbering
from .db import db
from .errors import DomainError
from .office_time import utcnow
from .permissions import require
from .users import User

CHANNELS = ("suggestion_box", "phone", "whatsapp", "email", "web", "in_person")
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


class Complaint(db.Model):
    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(sa.String(16), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(16), index=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="complaint", index=True)
    complainant_name: Mapped[str | None] = mapped_column(sa.String(60))
    contact: Mapped[str | None] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"),
                                                       index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="new", index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    response: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]

    application = relationship("Application")
    assigned_to = relationship("User", foreign_keys=[assigned_to_id])
    received_by = relationship("User", foreign_keys=[received_by_id])

    __table_args__ = (
        sa.CheckConstraint("status IN (" + ", ".join(repr(s) for s in STATUSES) + ")",
                           name="status"),
        sa.CheckConstraint("channel IN (" + ", ".join(repr(s) for s in CHANNELS) + ")",
                           name="channel"),
    )

    def validate(self, today: date | None = None) -> list[str]:
        if self.channel not in CHANNELS:
            raise DomainError(_l("Choose a value from the list."), field="channel")
        if self.kind not in KINDS:
            raise DomainError(_l("Choose a value from the list."), field="kind")
        self.subject = " ".join((self.subject or "").split())
        if not self.subject:
            raise DomainError(_l("The subject is required."), field="subject")
        if not (self.body or "").strip():
            raise DomainError(_l("Write what the complaint is about."), field="body")
        if self.received_at and self.received_at > utcnow():
            raise DomainError(_l("The date cannot be in the future."), field="received_at")
        return []

    def __str__(self) -> str:
        return f"{self.ticket} {self.subject}"


def record_complaint(complaint: Complaint, actor: User) -> Complaint:
    """Register a complaint, suggestion or input received through any channel: it gets
    its public ticket and starts as new."""
    require(actor, "complaint", "create")
    try:
        complaint.validate()
        complaint.ticket = numbering.ticket_number()
        complaint.status = "new"
        complaint.received_by_id = actor.id
        db.session.add(complaint)
        db.session.flush()
        audit.record(actor, "create", complaint,
                     changes=audit.diff(None, audit.snapshot(complaint)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return complaint
