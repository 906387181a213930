"""Printed cards: one record per print attempt on a blank; custody of cards awaiting
collection, handover to the resident (or family, with a letter of authority), and the
verification code printed as a QR code on the handover receipt."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, validation
from .applications import Application
from .blanks import Blank, in_check
from .db import db
from .errors import DomainError
from .office_time import utcnow
from .permissions import require
from .residents import Applicant
from .users import User

CARD_STATUSES = ("printed", "stored", "handed_over", "spoiled")
CARD_STATUS_LABELS = {
    "printed": _l("Printed"), "stored": _l("Stored, awaiting collection"),
    "handed_over": _l("Handed over"), "spoiled": _l("Spoiled"),
}
RELATIONS = ("self", "spouse", "parent", "child", "sibling", "other_family")
RELATION_LABELS = {
    "self": _l("The applicant in person"),
    "spouse": _l("Husband or wife"),
    "parent": _l("Father or mother"),
    "child": _l("Child"),
    "sibling": _l("Brother or sister"),
    "other_family": _l("Other family member"),
}



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

    __table_args__ = (sa.CheckConstraint(in_check("status", CARD_STATUSES), name="status"),)

    def __str__(self) -> str:
        return f"{self.blank.serial if self.blank else '?'}"


def move_card(card: Card, actor: User, storage_location: str) -> None:
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


def hand_over(card: Card, actor: User, *, receiver_name: str, relation: str,
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
    return custody(None, now)




def custody(term: str | None = None, now: datetime | None = None) -> list[tuple[Card, int]]:
    """Cards awaiting collection, oldest first, with the days waited; `term` narrows
    them to a receipt number, NIK, name or blank serial containing it."""
    now = now or utcnow()
    query = sa.select(Card).where(Card.status == "stored")
    term = " ".join((term or "").split()).upper()
    if term:
        pattern = "%" + re.sub(r"[\\%_]", "", term) + "%"
        query = (query.join(Application, Card.application_id == Application.id)
                 .join(Applicant, Application.applicant_id == Applicant.id)
                 .join(Blank, Card.blank_id == Blank.id)
                 .where(sa.or_(sa.func.upper(Application.number).like(pattern),
                               Applicant.nik.like(pattern),
                               sa.func.upper(Applicant.name).like(pattern),
                               Blank.serial.like(pattern))))
    cards = db.session.execute(query.order_by(Card.stored_at, Card.id)).scalars().all()
    return [(c, (now - (c.stored_at or now)).days) for c in cards]
