"""Print batches (standard B7): the printing operator gathers print-ready applications,
the head of division approves, blanks are allocated FIFO at printing, and each card is
confirmed good (into custody) or spoiled (its application goes back to print-ready).
Every operation takes the acting user and commits atomically."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, numbering
from .applications import MIN_REASON_LENGTH, Application, check_separation, status_label
from .blanks import allocate_fifo, blank_event, in_check
from .cards import Card, issued_data
from .db import db
from .eligibility import eligibility
from .errors import DomainError
from .office_time import utcnow
from .permissions import allowed, require
from .users import User

BATCH_STATUSES = ("draft", "submitted", "approved", "rejected", "printed", "closed")
BATCH_STATUS_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Awaiting approval"), "approved": _l("Approved"),
    "rejected": _l("Rejected"), "printed": _l("Printed"), "closed": _l("Closed"),
}


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

    __table_args__ = (sa.CheckConstraint(in_check("status", BATCH_STATUSES), name="status"),)

    def __str__(self) -> str:
        return self.number


def _refuse_unless(batch: PrintBatch, *statuses: str) -> None:
    if batch.status not in statuses:
        raise DomainError(_l("Print batch %(n)s is %(s)s: this step is not possible now.",
                             n=batch.number, s=batch_status_label(batch.status)))


def batch_status_label(status: str) -> str:
    return str(BATCH_STATUS_LABELS.get(status, status))


def _new_batch(actor: User) -> PrintBatch:
    require(actor, "print_batch", "create")
    batch = PrintBatch(number=numbering.day_number(PrintBatch.number, numbering.BATCH),
                       status="draft", created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "create", batch, changes=audit.diff(None, audit.snapshot(batch)))
    return batch


def create_batch(actor: User) -> PrintBatch:
    batch = _new_batch(actor)
    db.session.commit()
    return batch


def draft_of(actor: User) -> PrintBatch | None:
    """The actor's newest draft batch."""
    return db.session.execute(
        sa.select(PrintBatch).where(PrintBatch.status == "draft",
                                    PrintBatch.created_by_id == actor.id)
        .order_by(PrintBatch.id.desc()).limit(1)).scalar_one_or_none()


def add_to_draft(applications: Iterable[Application], actor: User,
                 today: date | None = None) -> tuple[PrintBatch, list[str]]:
    """Add to the actor's draft batch, opening one if needed; a refusal opens none."""
    try:
        batch = draft_of(actor) or _new_batch(actor)
        return batch, add_to_batch(batch, applications, actor, today)
    except Exception:
        db.session.rollback()
        raise


def add_to_batch(batch: PrintBatch, applications: Iterable[Application], actor: User,
                 today: date | None = None) -> list[str]:
    """Add print-ready applications whose applicants may be printed today.

    All or nothing: one unsuitable application refuses the whole request.
    """
    require(actor, "application", "add_to_batch")
    _refuse_unless(batch, "draft")
    applications = list(applications)
    if not applications:
        raise DomainError(_l("Choose at least one application."))
    problems = []
    for application in applications:
        if application.status != "print_ready":
            problems.append(str(_l("%(n)s is %(s)s, not ready to print.", n=application.number,
                                   s=status_label(application.status))))
            continue
        status = eligibility(application.applicant, on=today,
                                      standard=application.standard)
        if not status.may_print:
            problems.append(f"{application.number}: {status.reason}")
    if problems:
        raise DomainError(" ".join(problems))
    for application in applications:
        before = audit.snapshot(application)
        application.status = "batched"
        application.print_batch_id = batch.id
        audit.record(actor, "add_to_batch", application,
                     changes=audit.diff(before, audit.snapshot(application)))
    db.session.commit()
    return [a.number for a in applications]


def remove_from_batch(batch: PrintBatch, application: Application, actor: User) -> None:
    require(actor, "application", "add_to_batch")
    _refuse_unless(batch, "draft")
    if application.print_batch_id != batch.id:
        raise DomainError(_l("%(n)s is not in this batch.", n=application.number))
    before = audit.snapshot(application)
    application.status = "print_ready"
    application.print_batch_id = None
    audit.record(actor, "remove_from_batch", application,
                 changes=audit.diff(before, audit.snapshot(application)))
    db.session.commit()


def _transition(batch: PrintBatch, actor: User, action: str, target: str,
                **fields: Any) -> None:
    before = audit.snapshot(batch)
    batch.status = target
    for key, value in fields.items():
        setattr(batch, key, value)
    audit.record(actor, action, batch, changes=audit.diff(before, audit.snapshot(batch)))


def submit_batch(batch: PrintBatch, actor: User) -> None:
    require(actor, "print_batch", "submit")
    _refuse_unless(batch, "draft")
    if not batch.applications:
        raise DomainError(_l("An empty batch cannot be submitted."))
    _transition(batch, actor, "submit", "submitted", submitted_at=utcnow())
    db.session.commit()


def decide_batch(batch: PrintBatch, actor: User, approve: bool, note: str | None) -> None:
    """The head of division approves or rejects; never the batch's own creator."""
    require(actor, "print_batch", "approve")
    _refuse_unless(batch, "submitted")
    if is_creator(actor, batch):
        raise DomainError(_l("You created this batch: another officer must approve it."))
    note = (note or "").strip()
    if not approve and len(note) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write why the batch is rejected."), field="note")
    _transition(batch, actor, "approve" if approve else "reject",
                "approved" if approve else "rejected",
                approved_by_id=actor.id, approved_at=utcnow(), decision_note=note or None)
    if not approve:
        for application in list(batch.applications):
            application.status = "print_ready"
            application.print_batch_id = None
    db.session.commit()


def _claim_for_printing(batch: PrintBatch) -> bool:
    """Compare-and-set approved -> printed; also takes the write lock on SQLite, so
    the blank selection below cannot interleave with another printer's."""
    result = db.session.execute(
        sa.update(PrintBatch).where(PrintBatch.id == batch.id,
                                    PrintBatch.status == "approved")
        .values(status="printed").execution_options(synchronize_session=False))
    return cast(CursorResult[Any], result).rowcount == 1


def print_batch(batch: PrintBatch, actor: User, override_reason: str | None = None,
                today: date | None = None) -> list[Card]:
    """Allocate one blank per application (FIFO by serial) and create the cards.

    Runs in one transaction: on any refusal nothing is allocated. The PDF is rendered
    afterwards from the cards, so rendering again never touches the blanks.
    """
    require(actor, "print_batch", "print")
    _refuse_unless(batch, "approved")
    applications = sorted(batch.applications, key=lambda a: a.id)
    try:
        for application in applications:
            check_separation(application, actor, override_reason)
            status = eligibility(application.applicant, on=today,
                                          standard=application.standard)
            if not status.may_print:
                raise DomainError(f"{application.number}: {status.reason}")
        if not _claim_for_printing(batch):
            raise DomainError(_l("Print batch %(n)s has just been printed by someone else.",
                                 n=batch.number))
        blanks = allocate_fifo(len(applications))
        if len(blanks) < len(applications):
            raise DomainError(_l("Not enough blanks: %(need)d needed, %(have)d available.",
                                 need=len(applications), have=len(blanks)))
        now = utcnow()
        cards = []
        for application, blank in zip(applications, blanks, strict=True):
            blank_event(blank, "reserved", "reserved", actor, f"batch {batch.number}", now)
            card = Card(application_id=application.id, blank_id=blank.id, batch_id=batch.id,
                        status="printed", printed_at=now, printed_by_id=actor.id,
                        printed_data=issued_data(application, now))
            db.session.add(card)
            before = audit.snapshot(application)
            application.status = "printed"
            audit.record(actor, "print", application,
                         changes=audit.diff(before, audit.snapshot(application)) |
                         {"blank": [None, blank.serial]})
            cards.append(card)
        db.session.flush()
        batch.status = "printed"
        batch.printed_at = now
        batch.printed_by_id = actor.id
        audit.record(actor, "print", batch,
                     changes={"status": ["approved", "printed"],
                              "serials": [b.serial for b in blanks]})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return cards


def attach_pdf(batch: PrintBatch, actor: User, path: str, sha256: str) -> None:
    """Record where the batch's PDF is; re-rendering replaces it, blanks untouched."""
    require(actor, "print_batch", "print")
    _refuse_unless(batch, "printed", "closed")
    before = audit.snapshot(batch)
    batch.pdf_path, batch.pdf_sha256 = path, sha256
    audit.record(actor, "render_pdf", batch, changes=audit.diff(before, audit.snapshot(batch)))
    db.session.commit()


def confirm_card(card: Card, actor: User, good: bool, *, storage_location: str | None = None,
                 reason: str | None = None) -> None:
    """After printing: a good card goes into custody, a spoiled one frees its
    application for another print and its blank is written off with the reason."""
    require(actor, "print_batch", "confirm")
    if card.status != "printed" or card.confirmed_at is not None:
        raise DomainError(_l("Card on blank %(s)s has already been confirmed.",
                             s=card.blank.serial))
    now = utcnow()
    application = card.application
    before_app = audit.snapshot(application)
    if good:
        location = " ".join((storage_location or "").split()).upper()
        if not location:
            raise DomainError(_l("Write where the card is kept (e.g. LEMARI A / RAK 2)."),
                              field="storage_location")
        blank_event(card.blank, "used", "used", actor, None, now)
        card.status = "stored"
        card.storage_location = location[:60]
        card.stored_at = now
        application.stop_clock(card.printed_at)
    else:
        reason = (reason or "").strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise DomainError(_l("Write why the card is spoiled."), field="reason")
        blank_event(card.blank, "spoiled", "spoiled", actor, reason[:255], now)
        card.status = "spoiled"
        card.spoil_reason = reason[:255]
        application.status = "print_ready"
        application.print_batch_id = None
    card.confirmed_at = now
    card.confirmed_by_id = actor.id
    audit.record(actor, "confirm_good" if good else "spoil", card,
                 changes={"blank": card.blank.serial, "status": ["printed", card.status],
                          **({"reason": reason} if not good else
                             {"storage_location": card.storage_location})})
    app_changes = audit.diff(before_app, audit.snapshot(application))
    if app_changes:
        audit.record(actor, "card_confirmed", application, changes=app_changes)
    batch = card.batch
    db.session.flush()
    if all(c.confirmed_at is not None for c in batch.cards):
        _transition(batch, actor, "close", "closed")
    db.session.commit()




# ------------------------------------------------------------------ reads for the screens


def is_creator(user: User, batch: PrintBatch) -> bool:
    return batch.created_by_id is not None and batch.created_by_id == user.id


def may_decide(user: User, batch: PrintBatch) -> bool:
    """May `user` approve or reject `batch` now: a submitted batch, the approve right,
    and never the batch's own creator."""
    return (batch.status == "submitted" and allowed(user, "print_batch", "approve")
            and not is_creator(user, batch))


def needs_override(user: User, batch: PrintBatch) -> bool:
    """The recorder does not print: printing this batch needs `user` to write why,
    because they recorded at least one of its applications (check_separation)."""
    return any(a.recorded_by_id is not None and a.recorded_by_id == user.id
               for a in batch.applications)


def pending_batches() -> list[PrintBatch]:
    """Batches waiting for the head of division's decision, oldest first."""
    return list(db.session.execute(
        sa.select(PrintBatch).where(PrintBatch.status == "submitted")
        .order_by(PrintBatch.submitted_at, PrintBatch.id)).scalars())


def batch_cards(batch: PrintBatch) -> list[Card]:
    """The batch's cards in blank-serial order (the order of the PDF's pages)."""
    return sorted(batch.cards, key=lambda c: c.blank.serial)


@dataclass(frozen=True)
class BatchSteps:
    """Which steps of a batch `user` may take now (what the batch page offers)."""

    submit: bool
    decide: bool
    own_batch: bool  # may approve in general, but created this one
    print: bool
    remove: bool
    pdf: bool
    manifest: bool
    confirm: bool
    needs_override: bool
    printers: bool  # the printer choice is needed (print or render again)


def batch_steps(user: User, batch: PrintBatch) -> BatchSteps:
    status = batch.status
    printed = status in ("printed", "closed")
    may_print = allowed(user, "print_batch", "print")
    may_remove = allowed(user, "application", "add_to_batch")
    return BatchSteps(
        submit=status == "draft" and allowed(user, "print_batch", "submit"),
        decide=may_decide(user, batch),
        own_batch=status == "submitted" and allowed(user, "print_batch", "approve")
        and is_creator(user, batch),
        print=status == "approved" and may_print,
        remove=status == "draft" and may_remove,
        pdf=printed and may_print,
        manifest=printed and allowed(user, "print_batch", "view"),
        confirm=status == "printed" and allowed(user, "print_batch", "confirm"),
        needs_override=needs_override(user, batch),
        printers=(status == "approved" or printed) and may_print,
    )
