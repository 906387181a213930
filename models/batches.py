"""Print batches (standard B7): the printing operator gathers print-ready applications,
the head of division approves, blanks are allocated FIFO at printing, and each card is
confirmed good (into custody) or spoiled (its application goes back to print-ready).
Every operation takes the acting user and commits atomically."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, numbering
from .applications import MIN_REASON_LENGTH, Application, check_separation, status_label
from .blanks import allocate_fifo, available_count, in_check, move_blanks, propose_if_empty
from .cards import Card, issued_data
from .db import Model, db
from .eligibility import eligibility
from .errors import DomainError
from .office_time import utcnow
from .permissions import allowed, require
from .transitions import JustProcessed, atomic, compare_and_set
from .users import User

BATCH_STATUSES = ("draft", "submitted", "approved", "rejected", "printed", "closed")
BATCH_STATUS_LABELS = {
    "draft": _l("Draft"), "submitted": _l("Awaiting approval"), "approved": _l("Approved"),
    "rejected": _l("Rejected"), "printed": _l("Printed"), "closed": _l("Closed"),
}


class PrintBatch(Model):
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


def _new_batch(actor: User, audited: bool = True) -> PrintBatch:
    require(actor, "print_batch", "create")
    batch = PrintBatch(number=numbering.day_number(PrintBatch.number, numbering.BATCH),
                       status="draft", created_by_id=actor.id)
    db.session.add(batch)
    db.session.flush()
    if audited:
        _audit_created(batch, actor)
    return batch


def _audit_created(batch: PrintBatch, actor: User) -> None:
    audit.record(actor, "create", batch, changes=audit.diff(None, audit.snapshot(batch)))


def create_batch(actor: User) -> PrintBatch:
    with atomic():
        batch = _new_batch(actor)
    return batch


def draft_of(actor: User) -> PrintBatch | None:
    """The actor's newest draft batch."""
    return db.session.execute(
        sa.select(PrintBatch).where(PrintBatch.status == "draft",
                                    PrintBatch.created_by_id == actor.id)
        .order_by(PrintBatch.id.desc()).limit(1)).scalar_one_or_none()


def add_to_draft(applications: Iterable[Application], actor: User,
                 today: date | None = None) -> tuple[PrintBatch, list[str]]:
    """Add to the actor's draft batch, opening one if needed; a refusal opens none.

    Two first requests of one officer at the same moment: the batch number's sequence
    makes the second wait; finding the first one's draft then, it changes nothing and
    gets JustProcessed (never a second draft, never a duplicate number).
    """
    require(actor, "application", "add_to_batch")
    applications = list(applications)
    _refuse_unaddable(applications, today)
    with atomic():
        batch = draft_of(actor)
        opened = batch is None
        if batch is None:
            batch = _new_batch(actor, audited=False)
            if db.session.execute(
                    sa.select(PrintBatch.id).where(PrintBatch.status == "draft",
                                                   PrintBatch.created_by_id == actor.id,
                                                   PrintBatch.id != batch.id)).first():
                raise JustProcessed()
        befores = _claim(batch, applications)
        # The audit entries last: their lock is never held while waiting for a row.
        if opened:
            _audit_created(batch, actor)
        _audit_added(applications, befores, actor)
    return batch, [a.number for a in applications]


def _hold_draft(batch: PrintBatch) -> None:
    """Compare-and-set draft -> draft: the batch is still a draft, and stays one until
    this transaction ends (a submit at the same moment waits, or has won)."""
    compare_and_set(PrintBatch, batch.id, "draft", status="draft")


def _refuse_unaddable(applications: list[Application], today: date | None) -> None:
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


def _claim(batch: PrintBatch, applications: list[Application]) -> list[dict[str, Any]]:
    """The compare-and-sets of adding: the batch still a draft, each application
    print_ready -> batched. Returns the applications' snapshots from before."""
    _hold_draft(batch)
    befores = [audit.snapshot(a) for a in applications]
    compare_and_set(Application, [a.id for a in applications], "print_ready",
                    status="batched", print_batch_id=batch.id)
    return befores


def _audit_added(applications: list[Application], befores: list[dict[str, Any]],
                 actor: User) -> None:
    for application, before in zip(applications, befores, strict=True):
        audit.record(actor, "add_to_batch", application,
                     changes=audit.diff(before, audit.snapshot(application)))


def add_to_batch(batch: PrintBatch, applications: Iterable[Application], actor: User,
                 today: date | None = None) -> list[str]:
    """Add print-ready applications whose applicants may be printed today.

    All or nothing: one unsuitable application refuses the whole request; one taken
    into another batch, or closed, at the same moment makes it lose (JustProcessed).
    """
    require(actor, "application", "add_to_batch")
    _refuse_unless(batch, "draft")
    applications = list(applications)
    _refuse_unaddable(applications, today)
    with atomic():
        befores = _claim(batch, applications)
        _audit_added(applications, befores, actor)
    return [a.number for a in applications]


def remove_from_batch(batch: PrintBatch, application: Application, actor: User) -> None:
    require(actor, "application", "add_to_batch")
    _refuse_unless(batch, "draft")
    if application.print_batch_id != batch.id:
        raise DomainError(_l("%(n)s is not in this batch.", n=application.number))
    before = audit.snapshot(application)
    with atomic():
        _hold_draft(batch)
        compare_and_set(Application, application.id, "batched",
                        Application.print_batch_id == batch.id,
                        status="print_ready", print_batch_id=None)
        audit.record(actor, "remove_from_batch", application,
                     changes=audit.diff(before, audit.snapshot(application)))


def _transition(batch: PrintBatch, actor: User, action: str, expected: str, target: str,
                **fields: Any) -> None:
    """The batch `expected` -> `target` (a compare-and-set) with its audit entry."""
    before = audit.snapshot(batch)
    compare_and_set(PrintBatch, batch.id, expected, status=target, **fields)
    audit.record(actor, action, batch, changes=audit.diff(before, audit.snapshot(batch)))


def _in_batch(batch: PrintBatch) -> list[int]:
    """The ids of the applications in `batch` now (read after its row is held)."""
    return list(db.session.execute(
        sa.select(Application.id).where(Application.print_batch_id == batch.id,
                                        Application.status == "batched")
        .order_by(Application.id)).scalars())


def submit_batch(batch: PrintBatch, actor: User) -> None:
    require(actor, "print_batch", "submit")
    _refuse_unless(batch, "draft")
    if not batch.applications:
        raise DomainError(_l("An empty batch cannot be submitted."))
    with atomic():
        _transition(batch, actor, "submit", "draft", "submitted", submitted_at=utcnow())
        if not _in_batch(batch):  # its last application removed at the same moment
            raise DomainError(_l("An empty batch cannot be submitted."))


def decide_batch(batch: PrintBatch, actor: User, approve: bool, note: str | None) -> None:
    """The head of division approves or rejects; never the batch's own creator."""
    require(actor, "print_batch", "approve")
    _refuse_unless(batch, "submitted")
    if is_creator(actor, batch):
        raise DomainError(_l("You created this batch: another officer must approve it."))
    note = (note or "").strip()
    if not approve and len(note) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write why the batch is rejected."), field="note")
    before = audit.snapshot(batch)
    with atomic():
        compare_and_set(PrintBatch, batch.id, "submitted",
                        status="approved" if approve else "rejected",
                        approved_by_id=actor.id, approved_at=utcnow(),
                        decision_note=note or None)
        changes = audit.diff(before, audit.snapshot(batch))
        if not approve:
            returned = _in_batch(batch)
            compare_and_set(Application, returned, "batched",
                            Application.print_batch_id == batch.id,
                            status="print_ready", print_batch_id=None)
            # The batch no longer holds them: the rejection keeps which it returned.
            changes["returned_applications"] = returned
        audit.record(actor, "approve" if approve else "reject", batch, changes=changes)


def returned_applications(batch: PrintBatch) -> list[Application]:
    """The applications a rejected batch returned to print-ready (as its rejection
    recorded them), by receipt number."""
    if batch.status != "rejected":
        return []
    changes = db.session.execute(
        sa.select(audit.AuditEntry.changes).where(
            audit.AuditEntry.object_type == "print_batch",
            audit.AuditEntry.object_id == str(batch.id),
            audit.AuditEntry.action == "reject")
        .order_by(audit.AuditEntry.id.desc()).limit(1)).scalar()
    ids = [i for i in (changes or {}).get("returned_applications", [])
           if isinstance(i, int)]
    if not ids:
        return []
    return list(db.session.execute(
        sa.select(Application).where(Application.id.in_(ids))
        .order_by(Application.number)).scalars())


def print_batch(batch: PrintBatch, actor: User, override_reason: str | None = None,
                today: date | None = None) -> list[Card]:
    """Allocate one blank per application (FIFO by serial) and create the cards.

    Runs in one transaction of compare-and-sets: the batch approved -> printed, each
    application batched -> printed (one rejected or cancelled at the same moment makes
    the print lose), each blank available -> reserved. On any refusal nothing is
    allocated. The PDF is rendered afterwards from the cards, so rendering again never
    touches the blanks.
    """
    require(actor, "print_batch", "print")
    _refuse_unless(batch, "approved")
    # The stock as the printer finds it: fewer blanks once the locks are held means
    # another officer took or wrote them off meanwhile (allocate_fifo).
    seen_available = available_count()
    applications = sorted(batch.applications, key=lambda a: a.id)
    for application in applications:
        status = eligibility(application.applicant, on=today,
                                      standard=application.standard)
        if not status.may_print:
            raise DomainError(f"{application.number}: {status.reason}")
    try:
        cards = _print_cards(batch, actor, applications, seen_available, override_reason)
    except DomainError:
        # Too few blanks found: if there are none, the head of division is told.
        propose_if_empty(actor)
        raise
    propose_if_empty(actor)  # this print took the last ones
    return cards


def _print_cards(batch: PrintBatch, actor: User, applications: list[Application],
                 seen_available: int, override_reason: str | None) -> list[Card]:
    """print_batch's transaction (see there)."""
    with atomic():
        # First the batch row: on SQLite this takes the write lock, so the blank
        # selection below cannot interleave with another printer's.
        now = utcnow()
        compare_and_set(PrintBatch, batch.id, "approved", status="printed",
                        printed_at=now, printed_by_id=actor.id)
        befores = [audit.snapshot(a) for a in applications]
        compare_and_set(Application, [a.id for a in applications], "batched",
                        Application.print_batch_id == batch.id, status="printed")
        for application in applications:
            check_separation(application, actor, override_reason)
        blanks = allocate_fifo(len(applications), seen_available)
        if len(blanks) < len(applications):
            raise DomainError(_l("Not enough blanks: %(need)d needed, %(have)d available.",
                                 need=len(applications), have=len(blanks)))
        move_blanks(blanks, "available", "reserved", "reserved", actor,
                    f"batch {batch.number}", now)
        cards = []
        for application, before, blank in zip(applications, befores, blanks, strict=True):
            card = Card(application_id=application.id, blank_id=blank.id, batch_id=batch.id,
                        status="printed", printed_at=now, printed_by_id=actor.id,
                        printed_data=issued_data(application, now))
            db.session.add(card)
            audit.record(actor, "print", application,
                         changes=audit.diff(before, audit.snapshot(application)) |
                         {"blank": [None, blank.serial]})
            cards.append(card)
        db.session.flush()
        audit.record(actor, "print", batch,
                     changes={"status": ["approved", "printed"],
                              "serials": [b.serial for b in blanks]})
    return cards


def attach_pdf(batch: PrintBatch, actor: User, path: str, sha256: str) -> None:
    """Record where the batch's PDF is; re-rendering replaces it, blanks untouched."""
    require(actor, "print_batch", "print")
    _refuse_unless(batch, "printed", "closed")
    before = audit.snapshot(batch)
    with atomic():
        compare_and_set(PrintBatch, batch.id, ("printed", "closed"),
                        pdf_path=path, pdf_sha256=sha256)
        audit.record(actor, "render_pdf", batch,
                     changes=audit.diff(before, audit.snapshot(batch)))


def confirm_card(card: Card, actor: User, good: bool, *, storage_location: str | None = None,
                 reason: str | None = None) -> None:
    """After printing: a good card goes into custody, a spoiled one frees its
    application for another print and its blank is written off with the reason.

    Compare-and-sets, in this order: the batch is still printed (held, so the last
    confirmation closes it exactly once), the card printed -> stored | spoiled, its
    blank reserved -> used | spoiled, its application still printed (-> print_ready
    when spoiled). Of two confirmations of one card at the same moment, one wins; the
    other gets JustProcessed and changes nothing.
    """
    require(actor, "print_batch", "confirm")
    if card.status != "printed" or card.confirmed_at is not None:
        raise DomainError(_l("Card on blank %(s)s has already been confirmed.",
                             s=card.blank.serial))
    now = utcnow()
    application = card.application
    blank = card.blank
    batch = card.batch
    if good:
        location = " ".join((storage_location or "").split()).upper()
        if not location:
            raise DomainError(_l("Write where the card is kept (e.g. LEMARI A / RAK 2)."),
                              field="storage_location")
        card_values: dict[str, Any] = {"status": "stored",
                                       "storage_location": location[:60], "stored_at": now}
        blank_to, blank_reason = "used", None
        app_values: dict[str, Any] = {"status": "printed"}
        if application.clock_stopped_at is None:
            app_values["clock_stopped_at"] = card.printed_at
    else:
        reason = (reason or "").strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise DomainError(_l("Write why the card is spoiled."), field="reason")
        card_values = {"status": "spoiled", "spoil_reason": reason[:255]}
        app_values = {"status": "print_ready", "print_batch_id": None}
        blank_to, blank_reason = "spoiled", reason[:255]
    before_app = audit.snapshot(application)
    with atomic():
        compare_and_set(PrintBatch, batch.id, "printed", status="printed")
        compare_and_set(Card, card.id, "printed", Card.confirmed_at.is_(None),
                        confirmed_at=now, confirmed_by_id=actor.id, **card_values)
        move_blanks([blank], "reserved", blank_to, blank_to, actor, blank_reason, now)
        compare_and_set(Application, application.id, "printed", **app_values)
        audit.record(actor, "confirm_good" if good else "spoil", card,
                     changes={"blank": blank.serial, "status": ["printed", card.status],
                              **({"reason": reason} if not good else
                                 {"storage_location": card.storage_location})})
        app_changes = audit.diff(before_app, audit.snapshot(application))
        if app_changes:
            audit.record(actor, "card_confirmed", application, changes=app_changes)
        db.session.flush()
        unconfirmed = db.session.execute(
            sa.select(sa.func.count(Card.id)).where(Card.batch_id == batch.id,
                                                    Card.confirmed_at.is_(None))).scalar()
        if not unconfirmed:
            _transition(batch, actor, "close", "printed", "closed")




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
