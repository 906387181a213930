"""Printing (B7): print batches approved by the head of division, blanks allocated
FIFO by serial and atomically, card confirmation, custody, handover and blank
accountability. Every operation takes the acting user and commits atomically.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from . import audit, validation, workflow
from .db import OFFICE_UTC_OFFSET, db, office_today, utcnow
from .errors import DomainError
from .permissions import require
from .registry import Application
from .stock import BATCH_STATUS_LABELS, Blank, BlankEvent, Card, PrintBatch
from .workflow import MIN_REASON_LENGTH

RELATIONS = ("self", "spouse", "parent", "child", "sibling", "other_family")
RELATION_LABELS = {
    "self": _l("The applicant in person"),
    "spouse": _l("Husband or wife"),
    "parent": _l("Father or mother"),
    "child": _l("Child"),
    "sibling": _l("Brother or sister"),
    "other_family": _l("Other family member"),
}


def _refuse_unless(batch: PrintBatch, *statuses: str) -> None:
    if batch.status not in statuses:
        raise DomainError(_l("Print batch %(n)s is %(s)s: this step is not possible now.",
                             n=batch.number, s=batch_status_label(batch.status)))


def batch_status_label(status: str) -> str:
    return str(BATCH_STATUS_LABELS.get(status, status))


def _blank_event(blank: Blank, kind: str, to_status: str, actor: Any,
                 reason: str | None = None, at: datetime | None = None) -> None:
    db.session.add(BlankEvent(blank_id=blank.id, kind=kind, from_status=blank.status,
                              to_status=to_status, user_id=getattr(actor, "id", None),
                              reason=reason, at=at or utcnow()))
    blank.status = to_status
    blank.status_reason = reason


# ---------------------------------------------------------------- batches


def _new_batch(actor: Any) -> PrintBatch:
    require(actor, "print_batch", "create")
    batch = PrintBatch()
    batch.on_create(actor)
    db.session.add(batch)
    db.session.flush()
    audit.record(actor, "create", batch, changes=audit.diff(None, audit.snapshot(batch)))
    return batch


def create_batch(actor: Any) -> PrintBatch:
    batch = _new_batch(actor)
    db.session.commit()
    return batch


def draft_of(actor: Any) -> PrintBatch | None:
    """The actor's newest draft batch."""
    return db.session.execute(
        sa.select(PrintBatch).where(PrintBatch.status == "draft",
                                    PrintBatch.created_by_id == actor.id)
        .order_by(PrintBatch.id.desc()).limit(1)).scalar_one_or_none()


def add_to_draft(applications: Iterable[Application], actor: Any,
                 today: date | None = None) -> tuple[PrintBatch, list[str]]:
    """Add to the actor's draft batch, opening one if needed; a refusal opens none."""
    try:
        batch = draft_of(actor) or _new_batch(actor)
        return batch, add_to_batch(batch, applications, actor, today)
    except Exception:
        db.session.rollback()
        raise


def add_to_batch(batch: PrintBatch, applications: Iterable[Application], actor: Any,
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
                                   s=workflow.status_label(application.status))))
            continue
        status = workflow.eligibility(application.applicant, on=today,
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


def remove_from_batch(batch: PrintBatch, application: Application, actor: Any) -> None:
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


def _transition(batch: PrintBatch, actor: Any, action: str, target: str,
                **fields: Any) -> None:
    before = audit.snapshot(batch)
    batch.status = target
    for key, value in fields.items():
        setattr(batch, key, value)
    audit.record(actor, action, batch, changes=audit.diff(before, audit.snapshot(batch)))


def submit_batch(batch: PrintBatch, actor: Any) -> None:
    require(actor, "print_batch", "submit")
    _refuse_unless(batch, "draft")
    if not batch.applications:
        raise DomainError(_l("An empty batch cannot be submitted."))
    _transition(batch, actor, "submit", "submitted", submitted_at=utcnow())
    db.session.commit()


def decide_batch(batch: PrintBatch, actor: Any, approve: bool, note: str | None) -> None:
    """The head of division approves or rejects; never the batch's own creator."""
    require(actor, "print_batch", "approve")
    _refuse_unless(batch, "submitted")
    if batch.created_by_id == actor.id:
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


# ---------------------------------------------------------------- printing


def _claim_for_printing(batch: PrintBatch) -> bool:
    """Compare-and-set approved -> printed; also takes the write lock on SQLite, so
    the blank selection below cannot interleave with another printer's."""
    result = db.session.execute(
        sa.update(PrintBatch).where(PrintBatch.id == batch.id,
                                    PrintBatch.status == "approved")
        .values(status="printed").execution_options(synchronize_session=False))
    return result.rowcount == 1


def _free_blanks(n: int) -> list[Blank]:
    q = (sa.select(Blank).where(Blank.status == "available")
         .order_by(Blank.serial).limit(n))
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    return list(db.session.execute(q).scalars())


def print_batch(batch: PrintBatch, actor: Any, override_reason: str | None = None,
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
            workflow.check_separation(application, actor, override_reason)
            status = workflow.eligibility(application.applicant, on=today,
                                          standard=application.standard)
            if not status.may_print:
                raise DomainError(f"{application.number}: {status.reason}")
        if not _claim_for_printing(batch):
            raise DomainError(_l("Print batch %(n)s has just been printed by someone else.",
                                 n=batch.number))
        blanks = _free_blanks(len(applications))
        if len(blanks) < len(applications):
            raise DomainError(_l("Not enough blanks: %(need)d needed, %(have)d available.",
                                 need=len(applications), have=len(blanks)))
        now = utcnow()
        cards = []
        for application, blank in zip(applications, blanks, strict=True):
            _blank_event(blank, "reserved", "reserved", actor, f"batch {batch.number}", now)
            card = Card(application_id=application.id, blank_id=blank.id, batch_id=batch.id,
                        status="printed", printed_at=now, printed_by_id=actor.id)
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


def attach_pdf(batch: PrintBatch, actor: Any, path: str, sha256: str) -> None:
    """Record where the batch's PDF is; re-rendering replaces it, blanks untouched."""
    require(actor, "print_batch", "print")
    _refuse_unless(batch, "printed", "closed")
    before = audit.snapshot(batch)
    batch.pdf_path, batch.pdf_sha256 = path, sha256
    audit.record(actor, "render_pdf", batch, changes=audit.diff(before, audit.snapshot(batch)))
    db.session.commit()


def confirm_card(card: Card, actor: Any, good: bool, *, storage_location: str | None = None,
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
        _blank_event(card.blank, "used", "used", actor, None, now)
        card.status = "stored"
        card.storage_location = location[:60]
        card.stored_at = now
        workflow.stop_clock(application, card.printed_at)
    else:
        reason = (reason or "").strip()
        if len(reason) < MIN_REASON_LENGTH:
            raise DomainError(_l("Write why the card is spoiled."), field="reason")
        _blank_event(card.blank, "spoiled", "spoiled", actor, reason[:255], now)
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


def move_card(card: Card, actor: Any, storage_location: str) -> None:
    require(actor, "card", "store")
    if card.status != "stored":
        raise DomainError(_l("Only a card in custody can be moved."))
    location = " ".join((storage_location or "").split()).upper()
    if not location:
        raise DomainError(_l("Write where the card is kept."), field="storage_location")
    before = audit.snapshot(card)
    card.storage_location = location[:60]
    audit.record(actor, "store", card, changes=audit.diff(before, audit.snapshot(card)))
    db.session.commit()


# ---------------------------------------------------------------- handover


def make_verification_code(secret: str) -> str:
    """An unguessable id plus its HMAC: only this office can issue valid codes."""
    token = secrets.token_urlsafe(12)
    return f"{token}.{_signature(secret, token)}"


def _signature(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()[:20]


def check_verification_code(code: str, secret: str) -> Card | None:
    """The handed-over card a receipt's QR code stands for, or None if forged."""
    token, _, signature = (code or "").partition(".")
    if not token or not signature or len(code) > 64:
        return None
    if not hmac.compare_digest(_signature(secret, token), signature):
        return None
    return db.session.execute(
        sa.select(Card).where(Card.verification_code == code,
                              Card.status == "handed_over")).scalar_one_or_none()


def hand_over(card: Card, actor: Any, *, receiver_name: str, relation: str,
              id_checked: bool, authority_letter: bool, secret: str) -> Card:
    """The card leaves custody into the resident's (or family's) hands."""
    require(actor, "card", "hand_over")
    if card.status != "stored":
        raise DomainError(_l("Only a card in custody can be handed over."))
    try:
        name = validation.check_name(receiver_name or "")
    except validation.InvalidValue as exc:
        raise DomainError(exc.message, field="receiver_name") from exc
    if relation not in RELATIONS:
        raise DomainError(_l("Choose the receiver's relation to the applicant."),
                          field="relation")
    if not id_checked:
        raise DomainError(_l("Check the receiver's KTP/KK before handing over the card."),
                          field="id_checked")
    if relation != "self" and not authority_letter:
        raise DomainError(_l("A family member needs a letter of authority from the "
                             "applicant."), field="authority_letter")
    before = audit.snapshot(card)
    now = utcnow()
    card.status = "handed_over"
    card.receiver_name = name
    card.receiver_relation = relation
    card.receiver_id_checked = True
    card.authority_letter = relation != "self"
    card.handed_over_at = now
    card.handed_over_by_id = actor.id
    card.verification_code = make_verification_code(secret)
    application = card.application
    before_app = audit.snapshot(application)
    application.status = "handed_over"
    audit.record(actor, "hand_over", card, changes=audit.diff(before, audit.snapshot(card)))
    audit.record(actor, "hand_over", application,
                 changes=audit.diff(before_app, audit.snapshot(application)))
    db.session.commit()
    return card


def uncollected(now: datetime | None = None) -> list[tuple[Card, int]]:
    """Cards in custody, oldest first, with the days they have waited."""
    now = now or utcnow()
    cards = db.session.execute(
        sa.select(Card).where(Card.status == "stored").order_by(Card.stored_at)
    ).scalars().all()
    return [(c, (now - c.stored_at).days) for c in cards]


# ---------------------------------------------------------------- accountability

STOCK_OUT_KINDS = ("used", "spoiled", "lost", "returned")


@dataclass(frozen=True)
class Reconciliation:
    start: date
    end: date
    opening: int  # blanks on hand (available or reserved) at the start
    received: int
    used: int
    spoiled: int
    lost: int
    returned: int
    destroyed: int  # spoiled blanks destroyed (they had already left the stock)
    released: int  # reservations given back; a reserved blank stays on hand
    closing: int
    status_counts: dict[str, int]
    total_received: int

    @property
    def balances(self) -> bool:
        flow = (self.opening + self.received - self.used - self.spoiled - self.lost
                - self.returned)
        on_hand = self.status_counts.get("available", 0) + self.status_counts.get(
            "reserved", 0)
        total = sum(self.status_counts.values())
        return flow == self.closing and total == self.total_received and (
            self.end < office_today() or self.closing == on_hand)


def _on_hand_at(moment: datetime) -> int:
    """Blanks received and not yet gone (used/spoiled/lost/returned) at `moment`."""
    counts = dict(db.session.execute(
        sa.select(BlankEvent.kind, sa.func.count(BlankEvent.id))
        .where(BlankEvent.at < moment,
               BlankEvent.kind.in_(("received", *STOCK_OUT_KINDS)))
        .group_by(BlankEvent.kind)).all())
    return counts.get("received", 0) - sum(counts.get(k, 0) for k in STOCK_OUT_KINDS)


def reconcile(start: date, end: date) -> Reconciliation:
    """Opening + received - used - spoiled - lost - returned = closing, proven from
    the event log and checked against the blanks' present status."""
    if end < start:
        raise DomainError(_l("The end date is before the start date."))
    # The office's day (WITA) in the naive UTC the database stores.
    lo = datetime.combine(start, time.min) - OFFICE_UTC_OFFSET
    hi = datetime.combine(end, time.min) + timedelta(days=1) - OFFICE_UTC_OFFSET
    counts = dict(db.session.execute(
        sa.select(BlankEvent.kind, sa.func.count(BlankEvent.id))
        .where(BlankEvent.at >= lo, BlankEvent.at < hi).group_by(BlankEvent.kind)).all())
    status_counts = dict(db.session.execute(
        sa.select(Blank.status, sa.func.count(Blank.id)).group_by(Blank.status)).all())
    total_received = db.session.execute(
        sa.select(sa.func.count(BlankEvent.id)).where(BlankEvent.kind == "received")
    ).scalar()
    return Reconciliation(
        start=start, end=end, opening=_on_hand_at(lo),
        received=counts.get("received", 0), used=counts.get("used", 0),
        spoiled=counts.get("spoiled", 0), lost=counts.get("lost", 0),
        returned=counts.get("returned", 0), destroyed=counts.get("destroyed", 0),
        released=counts.get("released", 0), closing=_on_hand_at(hi),
        status_counts=status_counts, total_received=total_received)


def write_off(blanks: Iterable[Blank], actor: Any, kind: str, reason: str) -> int:
    """Mark available blanks lost or returned to the ministry (head of division)."""
    require(actor, "blank", "destroy")
    if kind not in ("lost", "returned"):
        raise DomainError(_l("Choose lost or returned."))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write the reason (at least %(n)d characters).",
                             n=MIN_REASON_LENGTH), field="reason")
    blanks = list(blanks)
    bad = [b.serial for b in blanks if b.status != "available"]
    if bad:
        raise DomainError(_l("Only available blanks can be written off: %(s)s.",
                             s=", ".join(bad[:10])))
    for blank in blanks:
        _blank_event(blank, kind, kind, actor, reason[:255])
    audit.record(actor, kind, object_type="blank",
                 changes={"serials": [b.serial for b in blanks], "reason": reason})
    db.session.commit()
    return len(blanks)


def destroy_spoiled(blanks: Iterable[Blank], actor: Any, note: str) -> list[str]:
    """Destroy spoiled blanks (berita acara pemusnahan); returns their serials."""
    require(actor, "blank", "destroy")
    blanks = sorted(blanks, key=lambda b: b.serial)
    if not blanks:
        raise DomainError(_l("Choose at least one spoiled blank."))
    bad = [b.serial for b in blanks if b.status != "spoiled"]
    if bad:
        raise DomainError(_l("Only spoiled blanks can be destroyed: %(s)s.",
                             s=", ".join(bad[:10])))
    for blank in blanks:
        _blank_event(blank, "destroyed", "destroyed", actor, (note or "").strip()[:255])
    serials = [b.serial for b in blanks]
    audit.record(actor, "destroy", object_type="blank",
                 changes={"serials": serials, "note": note})
    db.session.commit()
    return serials


def low_stock(threshold: int) -> tuple[bool, int]:
    available = db.session.execute(
        sa.select(sa.func.count(Blank.id)).where(Blank.status == "available")).scalar()
    return available < threshold, available
