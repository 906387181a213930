"""Applications for a new KTP-el (permohonan): the entity, its states, and the steps
after intake: recording, the SIAK result, reject and cancel. Every step takes the acting
user, checks the permission matrix, refuses a wrong state without changing anything,
writes the audit entry and commits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit
from .db import Model, db
from .eligibility import eligibility
from .errors import DomainError
from .office_time import utcnow
from .permissions import allowed, require
from .residents import Applicant
from .transitions import atomic, compare_and_set
from .uploads import StoredFile
from .users import User

APPLICATION_STATUSES = ("submitted", "recorded", "print_ready", "duplicate", "batched",
                        "printed", "handed_over", "rejected", "cancelled")
OPEN_STATUSES = ("submitted", "recorded", "print_ready", "duplicate", "batched", "printed")
CLOSED_STATUSES = tuple(s for s in APPLICATION_STATUSES if s not in OPEN_STATUSES)


class Application(Model):
    """A request for a new KTP-el (permohonan); its status moves only via domain ops."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    applicant_id: Mapped[int] = mapped_column(sa.ForeignKey("applicant.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="submitted")
    standard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_standard.id"))
    f102_complete: Mapped[bool] = mapped_column(default=False)
    kk_copy_path: Mapped[str | None] = mapped_column(sa.String(255))
    kk_copy_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    submitted_at: Mapped[datetime | None] = mapped_column(index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    photo_path: Mapped[str | None] = mapped_column(sa.String(255))
    signature_path: Mapped[str | None] = mapped_column(sa.String(255))
    fingerprints_captured: Mapped[bool] = mapped_column(default=False)
    iris_captured: Mapped[bool] = mapped_column(default=False)
    siak_result_at: Mapped[datetime | None]
    siak_note: Mapped[str | None] = mapped_column(sa.String(255))
    rejection_reason: Mapped[str | None] = mapped_column(sa.String(255))
    sla_hours: Mapped[int | None]
    # submitted_at + sla_hours, kept so "overdue" is one indexed comparison.
    deadline_at: Mapped[datetime | None] = mapped_column(index=True)
    kk_copy_mime: Mapped[str | None] = mapped_column(sa.String(40))
    photo_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    signature_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(255))
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    disruption_id: Mapped[int | None] = mapped_column(sa.ForeignKey("disruption.id"),
                                                      index=True)
    print_batch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("print_batch.id"),
                                                       index=True)
    clock_stopped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    applicant = relationship("Applicant", back_populates="applications")
    standard = relationship("ServiceStandard")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    disruption = relationship("Disruption")
    print_batch = relationship("PrintBatch", back_populates="applications")

    __table_args__ = (
        sa.Index("ix_application_status_id", "status", "id"),
        # The work queue pages each state oldest first.
        sa.Index("ix_application_status_submitted_at", "status", "submitted_at"),
        sa.CheckConstraint(
            "status IN (" + ", ".join(repr(s) for s in APPLICATION_STATUSES) + ")",
            name="status"),
    )

    def validate(self, today: date | None = None) -> list[str]:
        if self.applicant_id is None and self.applicant is None:
            raise DomainError(_l("Choose the applicant."), field="applicant")
        applicant_id = self.applicant_id or self.applicant.id
        other = db.session.execute(
            sa.select(Application.number).where(
                Application.applicant_id == applicant_id,
                Application.status.in_(OPEN_STATUSES),
                Application.id != (self.id or 0),
            ).limit(1)
        ).scalar()
        if other:
            raise DomainError(_l("This applicant already has an open application (%(n)s).",
                                 n=other), field="applicant")
        return []

    def stop_clock(self, at: datetime | None = None) -> None:
        """The first good print (or SIAK's duplicate answer) stops the service clock."""
        if self.clock_stopped_at is None:
            self.clock_stopped_at = at or utcnow()

    def __str__(self) -> str:
        return self.number


# Which states each operation may start from (DESIGN §4).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "record": (("submitted",), "recorded"),
    "siak_result": (("recorded",), None),  # -> print_ready | duplicate
    # SIAK's duplicate resolved with SIAK: back to recorded, for SIAK's answer again.
    "recheck_duplicate": (("duplicate",), "recorded"),
    "reject": (("submitted", "recorded", "print_ready", "duplicate", "batched"), "rejected"),
    "cancel": (("submitted", "recorded", "print_ready", "duplicate", "batched"), "cancelled"),
}
SIAK_RESULTS = ("print_ready", "duplicate")
MIN_REASON_LENGTH = 5
# The steps of the application page after intake, in the order they are shown.
STEPS = ("record", "siak_result", "recheck_duplicate", "reject", "cancel")
# The matrix action a step needs, where it is not the step's own name.
STEP_ACTIONS = {"recheck_duplicate": "siak_result"}


def state_allows(application: Application, step: str) -> bool:
    """Whether the application's state lets `step` start (the matrix aside)."""
    return application.status in TRANSITIONS[step][0]


def available_steps(user: User, application: Application) -> list[str]:
    """The steps `user` may take on `application` now: the matrix AND the state."""
    return [step for step in STEPS
            if allowed(user, "application", STEP_ACTIONS.get(step, step))
            and state_allows(application, step)]


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "recorded": _l("Recorded"),
    "print_ready": _l("Ready to print"),
    "duplicate": _l("Duplicate (SIAK)"),
    "batched": _l("In a print batch"),
    "printed": _l("Printed"),
    "handed_over": _l("Handed over"),
    "rejected": _l("Rejected"),
    "cancelled": _l("Cancelled"),
}


def _refuse_transition(application: Application, operation: str) -> None:
    allowed_from, _target = TRANSITIONS[operation]
    if application.status not in allowed_from:
        raise DomainError(_l(
            "Application %(n)s is %(status)s: this step is not possible now.",
            n=application.number, status=status_label(application.status)))


def _audit(actor: User, action: str, application: Application, before: dict[str, Any],
           extra: dict[str, Any] | None = None) -> None:
    changes = audit.diff(before, audit.snapshot(application))
    if extra:
        changes.update(extra)
    audit.record(actor, action, application, changes=changes)


def move(application: Application, expected: str | tuple[str, ...], **values: Any) -> None:
    """The application's state transition as a compare-and-set
    (models.transitions.compare_and_set): the loser of a race gets JustProcessed."""
    compare_and_set(Application, application.id, expected, **values)


def record(application: Application, actor: User, *, photo: StoredFile | None,
           signature: StoredFile | None, fingerprints_captured: bool, iris_captured: bool) -> None:
    """Recording (perekaman): photo, signature, fingerprints and iris captured."""
    require(actor, "application", "record")
    _refuse_transition(application, "record")
    status = eligibility(application.applicant, standard=application.standard)
    if not status.may_record:
        raise DomainError(status.reason)
    missing = [str(label) for ok, label in (
        (photo is not None, _l("photo")), (signature is not None, _l("signature")),
        (fingerprints_captured, _l("fingerprints")), (iris_captured, _l("iris")))
        if not ok]
    if missing or photo is None or signature is None:
        raise DomainError(_l("Recording is not complete: %(missing)s missing.",
                             missing=", ".join(missing)))
    before = audit.snapshot(application)
    with atomic():
        move(application, application.status, status="recorded",
             photo_path=photo.path, photo_sha256=photo.sha256,
             signature_path=signature.path, signature_sha256=signature.sha256,
             fingerprints_captured=True, iris_captured=True,
             recorded_at=utcnow(), recorded_by_id=actor.id)
        _audit(actor, "record", application, before)


def enter_siak_result(application: Application, actor: User, result: str,
                      note: str | None = None) -> None:
    """What SIAK answered after biometric de-duplication."""
    require(actor, "application", "siak_result")
    _refuse_transition(application, "siak_result")
    if result not in SIAK_RESULTS:
        raise DomainError(_l("Choose the SIAK result: ready to print or duplicate."),
                          field="result")
    note = (note or "").strip()
    if result == "duplicate" and len(note) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write SIAK's note on the duplicate (at least %(n)d characters).",
                             n=MIN_REASON_LENGTH), field="note")
    before = audit.snapshot(application)
    now = utcnow()
    values: dict[str, Any] = {"status": result, "siak_result_at": now,
                              "siak_note": note or None}
    if result == "duplicate" and application.clock_stopped_at is None:
        # SIAK ends the procedure here; the clock of a print-ready application runs
        # on until its first good print (models.batches.confirm_card).
        values["clock_stopped_at"] = now
    with atomic():
        move(application, application.status, **values)
        _audit(actor, "siak_result", application, before)


def recheck_duplicate(application: Application, actor: User, note: str) -> None:
    """The office resolved SIAK's duplicate with SIAK (e.g. the other record was
    corrected centrally): the application goes back to `recorded`, so SIAK's answer
    can be entered again; the note says how it was resolved. The service clock runs
    on from where the duplicate stopped it, against the same deadline: the resident
    is still waiting."""
    require(actor, "application", STEP_ACTIONS["recheck_duplicate"])
    _refuse_transition(application, "recheck_duplicate")
    note = (note or "").strip()
    if len(note) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write how the duplicate was resolved with SIAK (at least "
                             "%(n)d characters).", n=MIN_REASON_LENGTH), field="note")
    before = audit.snapshot(application)
    with atomic():
        move(application, "duplicate", status="recorded", siak_note=note[:255],
             siak_result_at=None, clock_stopped_at=None)
        _audit(actor, "recheck_duplicate", application, before)


def _close(application: Application, actor: User, operation: str, reason: str) -> None:
    require(actor, "application", operation)
    _refuse_transition(application, operation)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write the reason (at least %(n)d characters).",
                             n=MIN_REASON_LENGTH), field="reason")
    before = audit.snapshot(application)
    target = TRANSITIONS[operation][1]
    assert target is not None  # reject and cancel each have their one target state
    reason_field = "rejection_reason" if operation == "reject" else "cancel_reason"
    with atomic():
        # Compared with the state the officer saw: a batch printed meanwhile (the
        # application is then "printed") makes this one lose, and the other way round
        # print_batch loses against an application closed first. A closed application
        # leaves its (unprinted) batch; printed ones are past reject and cancel.
        move(application, application.status, status=target,
             **{reason_field: reason[:255]}, closed_at=utcnow(), closed_by_id=actor.id,
             print_batch_id=None)
        _audit(actor, operation, application, before)


def reject(application: Application, actor: User, reason: str) -> None:
    _close(application, actor, "reject", reason)


def cancel(application: Application, actor: User, reason: str) -> None:
    _close(application, actor, "cancel", reason)


def check_separation(application: Application, printer: User,
                     override_reason: str | None = None) -> None:
    """The person who recorded an application does not print it, unless they write
    down why (logged)."""
    if application.recorded_by_id is None or application.recorded_by_id != printer.id:
        return
    reason = (override_reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(_l("You recorded application %(n)s yourself: another officer must "
                             "print it, or write why you print it yourself.",
                             n=application.number), field="override_reason")
    audit.record(printer, "separation_override", application, changes={"reason": reason})


def open_applications_of(applicant: Applicant) -> list[Application]:
    return list(db.session.execute(
        sa.select(Application).where(Application.applicant_id == applicant.id,
                                     Application.status.in_(OPEN_STATUSES))).scalars())
