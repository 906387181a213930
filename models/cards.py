"""Printed cards: one record per print attempt on a blank; custody of cards awaiting
collection, handover to the resident (or family, with a letter of authority), and the
verification code printed as a QR code on the handover receipt."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, validation
from .applications import Application
from .blanks import in_check
from .db import Model, db
from .errors import DomainError
from .office_time import format_date, office_date, office_today, utcnow
from .permissions import require
from .transitions import atomic, compare_and_set
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



class Card(Model):
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
    # What was printed on the card (issued_data), as it was at printing: the card
    # face, the manifest and the handover receipt are rendered from it.
    printed_data: Mapped[dict | None] = mapped_column(sa.JSON)

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
    with atomic():
        compare_and_set(Card, card.id, "stored", storage_location=location[:60])
        audit.record(actor, "store", card, changes=audit.diff(before, audit.snapshot(card)))


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
    application = card.application
    before_app = audit.snapshot(application)
    with atomic():
        # Compare-and-sets: the card stored -> handed_over, its application printed ->
        # handed_over. Of two handovers at the same moment one wins; the other keeps
        # neither its receiver nor its receipt's code.
        compare_and_set(Card, card.id, "stored", status="handed_over", receiver_name=name,
                        receiver_relation=relation, receiver_id_checked=True,
                        authority_letter=relation != "self", handed_over_at=now,
                        handed_over_by_id=actor.id,
                        verification_code=make_verification_code(secret))
        compare_and_set(Application, application.id, "printed", status="handed_over")
        audit.record(actor, "hand_over", card, changes=audit.diff(before, audit.snapshot(card)))
        audit.record(actor, "hand_over", application,
                     changes=audit.diff(before_app, audit.snapshot(application)))
    return card


def uncollected(now: datetime | None = None) -> list[tuple[Card, int]]:
    """Cards in custody, oldest first, with the days they have waited."""
    return custody(None, now)




def custody(term: str | None = None, now: datetime | None = None) -> list[tuple[Card, int]]:
    """Cards awaiting collection, oldest first, with the days waited; `term` narrows
    them to a receipt number, the resident's NIK or KK (all digits or their start),
    any words of the name, or a blank serial's start (models/search.py)."""
    from .search import card_conditions

    now = now or utcnow()
    query = sa.select(Card).where(Card.status == "stored", *card_conditions(term))
    cards = db.session.execute(query.order_by(Card.stored_at, Card.id)).scalars().all()
    return [(c, (now - (c.stored_at or now)).days) for c in cards]


# ------------------------------------------------------------------ documents as issued

ISSUE_PLACE = "SUMBA TIMUR"
VALID_UNTIL = "SEUMUR HIDUP"
FALLBACK_PROVINCE = "PROVINSI NUSA TENGGARA TIMUR"
FALLBACK_REGENCY = "KABUPATEN SUMBA TIMUR"
# A card in these states is (or is about to be) in the resident's hands.
ISSUED_CARD_STATUSES = ("printed", "stored", "handed_over")

# The card face in the official order (printing/templates/card.html shows these);
# photo and signature are paths relative to the upload root.
FACE_FIELDS = ("province", "regency", "nik", "name", "birth", "sex", "blood_type",
               "address", "rt_rw", "village", "district", "religion", "marital_status",
               "occupation", "citizenship", "valid_until", "photo", "issue_place",
               "issue_date", "signature")
# Beside the face: which photo and signature image were printed (by content).
FILE_FIELDS = ("photo_sha256", "signature_sha256")
# What can change after issue (the rest of the face is the office's, not the resident's).
PERSONAL_FIELDS = ("province", "regency", "nik", "name", "birth", "sex", "blood_type",
                   "address", "rt_rw", "village", "district", "religion", "marital_status",
                   "occupation", "citizenship", "photo_sha256", "signature_sha256")
ISSUED_FIELD_LABELS = {
    "province": _l("Province"), "regency": _l("Regency"), "nik": _l("NIK"),
    "name": _l("Name"), "birth": _l("Place/date of birth"), "sex": _l("Sex"),
    "blood_type": _l("Blood type"), "address": _l("Address"), "rt_rw": _l("RT/RW"),
    "village": _l("Village"), "district": _l("Kecamatan"), "religion": _l("Religion"),
    "marital_status": _l("Marital status"), "occupation": _l("Occupation"),
    "citizenship": _l("Citizenship"), "photo_sha256": _l("Photo"),
    "signature_sha256": _l("Signature"),
}


def _upper(value: object) -> str:
    return " ".join(str(value or "").split()).upper()


def issued_data(application: Application, issued_on: date | datetime | None = None,
                place: str = ISSUE_PLACE) -> dict[str, str | None]:
    """Everything printed on the card, in capitals and in the official order, with the
    photo and signature files (relative paths and sha256): what Card.printed_data
    keeps from the moment of printing. `issued_on`: the date of issue, or a stored
    (naive UTC) moment whose office day it is; today by default. Plain strings only,
    so it can be stored as JSON and sent to a worker process."""
    from . import codes, wilayah

    if isinstance(issued_on, datetime):
        issued_on = office_date(issued_on)
    issued_on = issued_on or office_today()
    a = application.applicant
    village = wilayah.village(a.village_code) if a.village_code else None
    province = wilayah.province_name(a.village_code[:2]) if a.village_code else None
    regency = wilayah.regency_name(a.village_code[:5]) if a.village_code else None
    birth = format_date(a.birth_date)
    return {
        "province": f"PROVINSI {_upper(province)}" if province else FALLBACK_PROVINCE,
        "regency": _upper(regency) if regency else FALLBACK_REGENCY,
        "nik": a.nik,
        "name": _upper(a.name),
        "birth": f"{_upper(a.birth_place)}, {birth}",
        "sex": codes.label(codes.SEX, a.sex) or "-",
        "blood_type": codes.blood_type_on_card(a.blood_type),
        "address": _upper(a.address),
        "rt_rw": f"{str(a.rt or '').zfill(3)}/{str(a.rw or '').zfill(3)}",
        "village": _upper(village.name) if village else "-",
        "district": _upper(village.district_name) if village else "-",
        "religion": codes.label(codes.RELIGION, a.religion) or "-",
        "marital_status": codes.label(codes.MARITAL_STATUS, a.marital_status) or "-",
        "occupation": codes.label(codes.OCCUPATION, a.occupation) or "-",
        "citizenship": codes.label(codes.CITIZENSHIP, a.citizenship) or "-",
        "valid_until": VALID_UNTIL,
        "photo": application.photo_path,
        "issue_place": _upper(place),
        "issue_date": format_date(issued_on),
        "signature": application.signature_path,
        "photo_sha256": application.photo_sha256,
        "signature_sha256": application.signature_sha256,
    }


def card_issued_data(card: Card) -> dict[str, str | None]:
    """What is printed on `card`: its snapshot; for a card printed before snapshots
    were kept, the live data with the day it was printed as the date of issue."""
    if card.printed_data:
        return dict(card.printed_data)
    return issued_data(card.application, card.printed_at or utcnow())


@dataclass(frozen=True)
class IssueChange:
    """One item of the card face that differs from the resident's data now."""

    field: str
    label: str
    issued: str
    now: str


def _shown(field: str, value: str | None) -> str:
    if value and field in FILE_FIELDS:
        return value[:12]  # an image, named by its content
    return value or "-"


def changes_since_issue(card: Card) -> list[IssueChange]:
    """What the card in the resident's hands says differently from the data now
    (the resident was edited after the card was printed); empty for a spoiled card
    or one without a snapshot."""
    if card.status not in ISSUED_CARD_STATUSES or not card.printed_data:
        return []
    issued = card.printed_data
    live = issued_data(card.application, card.printed_at)
    return [IssueChange(field, str(ISSUED_FIELD_LABELS[field]),
                        _shown(field, issued.get(field)), _shown(field, live.get(field)))
            for field in PERSONAL_FIELDS if issued.get(field) != live.get(field)]


def handed_over_card(application: Application) -> Card | None:
    """The card of `application` that was handed over (the one its handover receipt
    is about), if any."""
    return db.session.execute(
        sa.select(Card).where(Card.application_id == application.id,
                              Card.status == "handed_over")
        .order_by(Card.id.desc()).limit(1)).scalar_one_or_none()
