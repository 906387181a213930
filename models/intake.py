"""Intake at the counter (standard A2): F-1.02 and the KK copy declared complete, the
application gets its receipt number and the service clock starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from . import audit, numbering
from .applications import Application, open_applications_of
from .db import db
from .eligibility import Eligibility, age_on, eligibility
from .errors import DomainError
from .office_time import office_today, utcnow
from .permissions import require
from .residents import Applicant, by_nik
from .service_clock import start_clock
from .standard import current_standard
from .uploads import StoredFile
from .users import User


def open_application(applicant: Applicant, actor: User, *, f102_complete: bool,
                     kk_copy: StoredFile | None) -> Application:
    """Intake: requirements declared complete, the clock starts, a receipt number.

    `kk_copy` is a stored upload (models.uploads.StoredFile) or None.
    """
    require(actor, "application", "create")
    if not f102_complete:
        raise DomainError(_l("Form F-1.02 must be complete before the application is "
                             "submitted."), field="f102_complete")
    if kk_copy is None:
        raise DomainError(_l("Attach the copy of the family card (KK)."), field="kk_copy")
    standard = current_standard()
    status = eligibility(applicant, standard=standard)
    if not status.may_record:
        raise DomainError(status.reason)
    _refuse_second_card(applicant)
    application = Application(applicant_id=applicant.id, f102_complete=True)
    try:
        application.validate()  # one open application per applicant
        now = utcnow()
        # The receipt number's sequence row is taken first: it also makes two intakes
        # of one day wait for each other, so the checks are made again on what the
        # other one committed (one open application, one new card per resident).
        application.number = numbering.day_number(Application.number, numbering.RECEIPT)
        application.validate()
        _refuse_second_card(applicant)
        application.status = "submitted"
        application.standard_id = standard.id
        application.standard = standard
        application.submitted_at = now
        application.submitted_by_id = actor.id
        application.kk_copy_path = kk_copy.path
        application.kk_copy_sha256 = kk_copy.sha256
        application.kk_copy_mime = kk_copy.mime
        db.session.add(application)
        application.applicant = applicant
        start_clock(application, standard, now)
        db.session.flush()
        audit.record(actor, "submit", application,
                     changes=audit.diff(None, audit.snapshot(application)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return application


def has_issued_card(applicant: Applicant) -> bool:
    """Whether a KTP-el of this resident was printed (and not spoiled), stored or handed
    over: a rejected or cancelled application, or a spoiled card, leaves none."""
    from .cards import Card  # cards sits above applications, as intake does

    issued = sa.select(Application.id).where(
        Application.applicant_id == applicant.id,
        sa.or_(Application.status == "handed_over",
               Application.id.in_(sa.select(Card.application_id).where(
                   Card.status.in_(("printed", "stored", "handed_over")))))).limit(1)
    return db.session.execute(issued).first() is not None


def _refuse_second_card(applicant: Applicant) -> None:
    """This service issues first cards: a reprint goes through the spoiled-card path."""
    if has_issued_card(applicant):
        raise DomainError(_l(
            "%(name)s already has a KTP-el (printed or handed over). This service issues "
            "a first card only; a card to be printed again goes through the spoiled-card "
            "step.", name=applicant.name))


@dataclass(frozen=True)
class CounterLookup:
    """What the counter sees after typing a NIK."""

    nik: str
    applicant: Applicant | None  # None: nobody registered under this NIK yet
    age: int | None = None
    eligibility: Eligibility | None = None
    open_applications: list[Application] = field(default_factory=list)
    village: Any = None  # models.wilayah's village of the applicant, if known


def counter_lookup(nik: str, actor: User, today: date | None = None) -> CounterLookup:
    """The resident behind `nik`, their age and eligibility today, and any application
    of theirs still open (one at a time)."""
    require(actor, "application", "create")
    applicant = by_nik(nik)
    if applicant is None:
        return CounterLookup(nik, None)
    today = today or office_today()
    return CounterLookup(nik, applicant, age_on(applicant.birth_date, today),
                         eligibility(applicant, on=today), open_applications_of(applicant),
                         applicant.village)
