"""Blank card stock, print batches and the printed cards."""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db, office_today, utcnow
from .errors import DomainError

BLANK_STATUSES = ("available", "reserved", "used", "spoiled", "lost", "returned", "destroyed")
BATCH_STATUSES = ("draft", "submitted", "approved", "rejected", "printed", "closed")
CARD_STATUSES = ("printed", "stored", "handed_over", "spoiled")
SERIAL_LENGTH = 10

BLANK_STATUS_LABELS = {
    "available": _l("Available"), "reserved": _l("Reserved"), "used": _l("Used"),
    "spoiled": _l("Spoiled"), "lost": _l("Lost"), "returned": _l("Returned"),
    "destroyed": _l("Destroyed"),
}
BATCH_STATUS_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Awaiting approval"), "approved": _l("Approved"),
    "rejected": _l("Rejected"), "printed": _l("Printed"), "closed": _l("Closed"),
}
CARD_STATUS_LABELS = {
    "printed": _l("Printed"), "stored": _l("Stored, awaiting collection"),
    "handed_over": _l("Handed over"), "spoiled": _l("Spoiled"),
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(repr(v) for v in values) + ")"


class BlankReceipt(db.Model):
    """Blanks received from the ministry, as one contiguous serial range."""

    __tablename__ = "blank_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[date] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(sa.String(80), unique=True)
    serial_first: Mapped[str] = mapped_column(sa.String(SERIAL_LENGTH))
    serial_last: Mapped[str] = mapped_column(sa.String(SERIAL_LENGTH))
    quantity: Mapped[int]
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    received_by = relationship("User")
    blanks = relationship("Blank", back_populates="receipt", lazy="dynamic")

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity"),)

    def validate(self, today: date | None = None) -> list[str]:
        today = today or office_today()
        for field in ("serial_first", "serial_last"):
            value = (getattr(self, field) or "").strip()
            if not (value.isdigit() and len(value) == SERIAL_LENGTH):
                raise DomainError(_l("A blank serial is exactly %(n)d digits.",
                                     n=SERIAL_LENGTH), field=field)
            setattr(self, field, value)
        if int(self.serial_last) < int(self.serial_first):
            raise DomainError(_l("The last serial is lower than the first."),
                              field="serial_last")
        expected = int(self.serial_last) - int(self.serial_first) + 1
        if self.quantity != expected:
            raise DomainError(_l("The quantity (%(q)s) does not match the serial range "
                                 "(%(n)d blanks).", q=self.quantity, n=expected),
                              field="quantity")
        if self.received_at and self.received_at > today:
            raise DomainError(_l("The date cannot be in the future."), field="received_at")
        self.reference = " ".join((self.reference or "").split())
        if not self.reference:
            raise DomainError(_l("The reference number is required."), field="reference")
        taken = db.session.execute(sa.select(BlankReceipt.id).where(
            BlankReceipt.reference == self.reference, BlankReceipt.id != (self.id or 0))
        ).first()
        if taken:
            raise DomainError(_l("Reference %(ref)s has already been recorded.",
                                 ref=self.reference), field="reference")
        overlap = db.session.execute(
            sa.select(BlankReceipt.reference).where(
                BlankReceipt.id != (self.id or 0),
                BlankReceipt.serial_first <= self.serial_last,
                BlankReceipt.serial_last >= self.serial_first,
            ).limit(1)
        ).scalar()
        if overlap:
            raise DomainError(_l("This serial range overlaps receipt %(ref)s.", ref=overlap),
                              field="serial_first")
        return []

    def on_create(self, actor) -> None:  # noqa: ANN001
        self.received_by_id = getattr(actor, "id", None)

    def after_create(self, actor) -> None:  # noqa: ANN001
        """One Blank per serial of the range, all available, each with its event."""
        width = len(self.serial_first)
        now = utcnow()
        # The stock changes on the day the blanks arrived, whenever they are recorded.
        arrived = datetime.combine(self.received_at, time.min)
        db.session.execute(
            sa.insert(Blank),
            [{"serial": f"{n:0{width}d}", "receipt_id": self.id, "status": "available",
              "updated_at": now}
             for n in range(int(self.serial_first), int(self.serial_last) + 1)],
        )
        db.session.execute(
            sa.insert(BlankEvent).from_select(
                ["blank_id", "at", "kind", "from_status", "to_status", "user_id"],
                sa.select(Blank.id, sa.literal(arrived), sa.literal("received"),
                          sa.null(), sa.literal("available"),
                          sa.literal(getattr(actor, "id", None), sa.Integer))
                .where(Blank.receipt_id == self.id),
            )
        )

    def __str__(self) -> str:
        return f"{self.reference} ({self.serial_first}-{self.serial_last})"


class Blank(db.Model):
    """One physical blank card, known by its serial."""

    __tablename__ = "blank"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(SERIAL_LENGTH), unique=True)
    receipt_id: Mapped[int] = mapped_column(sa.ForeignKey("blank_receipt.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="available")
    status_reason: Mapped[str | None] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    receipt = relationship("BlankReceipt", back_populates="blanks")
    card = relationship("Card", back_populates="blank", uselist=False)

    __table_args__ = (
        # FIFO allocation walks this index: first available by serial.
        sa.Index("ix_blank_status_serial", "status", "serial"),
        sa.CheckConstraint(_in("status", BLANK_STATUSES), name="status"),
    )

    def __str__(self) -> str:
        return self.serial


BLANK_EVENT_KINDS = ("received", "reserved", "released", "used", "spoiled", "lost",
                     "returned", "destroyed")


class BlankEvent(db.Model):
    """Every change of a blank's status, with its time: the basis of reconciliation."""

    __tablename__ = "blank_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    blank_id: Mapped[int] = mapped_column(sa.ForeignKey("blank.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(255))

    blank = relationship("Blank")

    __table_args__ = (sa.CheckConstraint(_in("kind", BLANK_EVENT_KINDS), name="kind"),)


class PrintBatch(db.Model):
    """A set of print-ready applications, approved by the head of division."""

    __tablename__ = "print_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(sa.String(255))
    printed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    printed_at: Mapped[datetime | None]
    pdf_path: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    printed_by = relationship("User", foreign_keys=[printed_by_id])
    applications = relationship("Application", back_populates="print_batch")
    cards = relationship("Card", back_populates="batch")

    __table_args__ = (sa.CheckConstraint(_in("status", BATCH_STATUSES), name="status"),)

    def on_create(self, actor) -> None:  # noqa: ANN001
        from .registry import day_number

        self.number = day_number(PrintBatch.number, "CTK", 3)
        self.status = "draft"
        self.created_by_id = getattr(actor, "id", None)

    def __str__(self) -> str:
        return self.number


class Card(db.Model):
    """One physical print attempt of a KTP-el on a blank."""

    __tablename__ = "card"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    blank_id: Mapped[int] = mapped_column(sa.ForeignKey("blank.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(sa.ForeignKey("print_batch.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="printed", index=True)
    printed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    printed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    storage_location: Mapped[str | None] = mapped_column(sa.String(60))
    stored_at: Mapped[datetime | None]
    handed_over_at: Mapped[datetime | None]
    handed_over_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    receiver_name: Mapped[str | None] = mapped_column(sa.String(60))
    receiver_relation: Mapped[str | None] = mapped_column(sa.String(30))
    receiver_id_checked: Mapped[bool] = mapped_column(default=False)
    authority_letter: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    verification_code: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    spoil_reason: Mapped[str | None] = mapped_column(sa.String(255))

    application = relationship("Application")
    blank = relationship("Blank", back_populates="card")
    batch = relationship("PrintBatch", back_populates="cards")
    printed_by = relationship("User", foreign_keys=[printed_by_id])
    handed_over_by = relationship("User", foreign_keys=[handed_over_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])

    __table_args__ = (sa.CheckConstraint(_in("status", CARD_STATUSES), name="status"),)

    def __str__(self) -> str:
        return f"{self.blank.serial if self.blank else '?'}"


class Printer(db.Model):
    """A card printer and its calibration: where overlay text lands on the blank."""

    __tablename__ = "printer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), unique=True)
    offset_x_mm: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=0)
    offset_y_mm: Mapped[float] = mapped_column(sa.Numeric(4, 2, asdecimal=False), default=0)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    MAX_OFFSET_MM = 5.0

    def validate(self, today: date | None = None) -> list[str]:
        self.name = " ".join((self.name or "").split())
        if not self.name:
            raise DomainError(_l("Name the printer."), field="name")
        for field in ("offset_x_mm", "offset_y_mm"):
            value = getattr(self, field)
            if value is None or abs(float(value)) > self.MAX_OFFSET_MM:
                raise DomainError(_l("The offset must be between -%(m)s and %(m)s mm.",
                                     m=self.MAX_OFFSET_MM), field=field)
        return []

    def __str__(self) -> str:
        return self.name
