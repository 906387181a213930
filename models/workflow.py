"""The service procedure (A2): intake, recording, SIAK result, reject/cancel,
eligibility and the service clock. Every operation takes the acting user, checks the
permission matrix, refuses invalid transitions without changing anything, writes the
audit entry and commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from . import audit, codes
from .db import db, office_today, utcnow
from .errors import DomainError
from .permissions import require
from .registry import OPEN_STATUSES, Applicant, Application, Disruption, new_reference
from .standard import ServiceStandard, current_standard

# Which states each operation may start from (DESIGN §4).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "record": (("submitted",), "recorded"),
    "siak_result": (("recorded",), None),  # -> print_ready | duplicate
    "reject": (("submitted", "recorded", "print_ready", "duplicate", "batched"), "rejected"),
    "cancel": (("submitted", "recorded", "print_ready", "duplicate", "batched"), "cancelled"),
}
SIAK_RESULTS = ("print_ready", "duplicate")
MIN_REASON_LENGTH = 5


# ---------------------------------------------------------------- eligibility


def birthday_in(year: int, born: date) -> date:
    """The birthday in `year`; someone born on 29 February has it on 1 March in
    common years (the age is reached once 28 February has fully passed)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def age_on(born: date, on: date) -> int:
    years = on.year - born.year
    return years if on >= birthday_in(on.year, born) else years - 1


def date_of_age(born: date, years: int) -> date:
    """The first day on which someone born on `born` is `years` old."""
    return birthday_in(born.year + years, born)


@dataclass(frozen=True)
class Eligibility:
    """Whether an applicant may be recorded and printed, and if not, why and when."""

    may_record: bool
    may_print: bool
    reason: str | None  # why printing (or recording) has to wait
    eligible_from: date | None  # the day printing becomes possible (by age)
    by_marriage: bool


def eligibility(applicant: Applicant, on: date | None = None,
                standard: ServiceStandard | None = None) -> Eligibility:
    """17 (the standard's age) on the day of printing, or married / ever married.

    Recording may start one year earlier; printing waits.
    """
    on = on or office_today()
    standard = standard or current_standard()
    age = standard.eligibility_age
    if applicant.marital_status in codes.MARRIED_OR_EVER_MARRIED:
        return Eligibility(True, True, None, None, True)
    eligible_from = date_of_age(applicant.birth_date, age)
    record_from = date_of_age(applicant.birth_date, age - 1)
    if on >= eligible_from:
        return Eligibility(True, True, None, eligible_from, False)
    if on >= record_from:
        reason = _l("Not yet %(age)d and not married: recording is allowed, printing waits "
                    "until %(date)s.", age=age, date=eligible_from.strftime("%d-%m-%Y"))
        return Eligibility(True, False, str(reason), eligible_from, False)
    reason = _l("Not yet %(age)d and not married: recording may start on %(rec)s and "
                "printing on %(date)s.", age=age, rec=record_from.strftime("%d-%m-%Y"),
                date=eligible_from.strftime("%d-%m-%Y"))
    return Eligibility(False, False, str(reason), eligible_from, False)


# ---------------------------------------------------------------- service clock


def disruptions_overlapping(start: datetime, end: datetime | None) -> list[Disruption]:
    """Disruptions whose interval meets [start, end] (end None = still running)."""
    q = sa.select(Disruption).where(
        sa.or_(Disruption.ended_at.is_(None), Disruption.ended_at >= start))
    if end is not None:
        q = q.where(Disruption.started_at <= end)
    return list(db.session.execute(q.order_by(Disruption.started_at)).scalars())


# 08:00 WITA, when the office opens, in the naive UTC the database stores.
OFFICE_OPENS_UTC = time(0, 0)


def clock_start(application: Application, standard: ServiceStandard) -> datetime:
    """When the promise starts to run: at submission, or, for someone recorded early
    (at 16), on the morning they become eligible, since requirement A1a (age) is only
    met then."""
    start = application.submitted_at
    status = eligibility(application.applicant, on=start.date(), standard=standard)
    if not status.may_print and status.eligible_from is not None:
        start = max(start, datetime.combine(status.eligible_from, OFFICE_OPENS_UTC))
    return start


def _apply_limit(application: Application, standard: ServiceStandard,
                 disruption: Disruption | None) -> None:
    hours = standard.sla_hours_disrupted if disruption else standard.sla_hours
    application.sla_hours = hours
    application.disruption_id = disruption.id if disruption else None
    application.deadline_at = clock_start(application, standard) + timedelta(hours=hours)


def extend_for_disruption(disruption: Disruption, actor: Any) -> list[Application]:
    """Give the disrupted limit to every application whose clock runs during it."""
    affected = db.session.execute(
        sa.select(Application).where(
            Application.submitted_at.is_not(None),
            Application.disruption_id.is_(None),
            sa.or_(Application.closed_at.is_(None),
                   Application.closed_at >= disruption.started_at),
            Application.submitted_at <= (disruption.ended_at or utcnow()),
            sa.or_(Application.clock_stopped_at.is_(None),
                   Application.clock_stopped_at >= disruption.started_at),
        )
    ).scalars().all()
    for application in affected:
        before = application.deadline_at
        _apply_limit(application, application.standard or current_standard(), disruption)
        audit.record(actor, "sla_extended", application,
                     changes={"deadline_at": [audit.jsonable(before),
                                              audit.jsonable(application.deadline_at)],
                              "disruption_id": [None, disruption.id]})
    return list(affected)


@dataclass(frozen=True)
class Clock:
    deadline: datetime | None
    remaining: timedelta | None  # negative when overdue; None before submission
    stopped: bool
    breached: bool
    breach_reason: str | None


def clock(application: Application, now: datetime | None = None) -> Clock:
    """Deadline, time left, and whether (and why) the promise was broken."""
    if application.submitted_at is None or application.deadline_at is None:
        return Clock(None, None, False, False, None)
    now = now or utcnow()
    end = application.clock_stopped_at
    stopped = end is not None
    reference = end if stopped else now
    remaining = application.deadline_at - reference
    breached = remaining < timedelta(0)
    closed_early = application.status in ("rejected", "cancelled") and not stopped
    if closed_early:
        # A rejected or cancelled request is not a broken promise.
        return Clock(application.deadline_at, None, True, False, None)
    reason = None
    if breached:
        late = _duration(-remaining)
        if application.disruption_id:
            reason = str(_l("Over the %(h)d-hour limit under disruption by %(late)s.",
                            h=application.sla_hours, late=late))
        else:
            reason = str(_l("Over the %(h)d-hour limit by %(late)s with no disruption "
                            "recorded.", h=application.sla_hours, late=late))
    return Clock(application.deadline_at, remaining, stopped, breached, reason)


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} j {minutes} m" if hours else f"{minutes} m"


def stop_clock(application: Application, at: datetime | None = None) -> None:
    """The first good print stops the clock (or SIAK's duplicate answer)."""
    if application.clock_stopped_at is None:
        application.clock_stopped_at = at or utcnow()


# ---------------------------------------------------------------- operations


def _refuse_transition(application: Application, operation: str) -> None:
    allowed_from, _target = TRANSITIONS[operation]
    if application.status not in allowed_from:
        raise DomainError(_l(
            "Application %(n)s is %(status)s: this step is not possible now.",
            n=application.number, status=status_label(application.status)))


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


def _commit(actor: Any, action: str, application: Application, before: dict,
            extra: dict | None = None) -> None:
    changes = audit.diff(before, audit.snapshot(application))
    if extra:
        changes.update(extra)
    audit.record(actor, action, application, changes=changes)
    db.session.commit()


def open_application(applicant: Applicant, actor: Any, *, f102_complete: bool,
                     kk_copy: Any | None) -> Application:
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
    application = Application(applicant_id=applicant.id, f102_complete=True)
    try:
        application.validate()  # one open application per applicant
        now = utcnow()
        application.number = new_reference("KTP")
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
        running = disruptions_overlapping(now, now)
        _apply_limit(application, standard, running[0] if running else None)
        db.session.flush()
        audit.record(actor, "submit", application,
                     changes=audit.diff(None, audit.snapshot(application)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return application


def record(application: Application, actor: Any, *, photo: Any, signature: Any,
           fingerprints_captured: bool, iris_captured: bool) -> None:
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
    if missing:
        raise DomainError(_l("Recording is not complete: %(missing)s missing.",
                             missing=", ".join(missing)))
    before = audit.snapshot(application)
    application.photo_path, application.photo_sha256 = photo.path, photo.sha256
    application.signature_path, application.signature_sha256 = signature.path, signature.sha256
    application.fingerprints_captured = True
    application.iris_captured = True
    application.recorded_at = utcnow()
    application.recorded_by_id = actor.id
    application.status = "recorded"
    _commit(actor, "record", application, before)


def enter_siak_result(application: Application, actor: Any, result: str,
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
    application.status = result
    application.siak_result_at = utcnow()
    application.siak_note = note or None
    if result == "duplicate":
        # SIAK ends the procedure here; the clock of a print-ready application runs
        # on until its first good print (models.batches.confirm_card).
        stop_clock(application, application.siak_result_at)
    _commit(actor, "siak_result", application, before)


def _close(application: Application, actor: Any, operation: str, reason: str) -> None:
    require(actor, "application", operation)
    _refuse_transition(application, operation)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write the reason (at least %(n)d characters).",
                             n=MIN_REASON_LENGTH), field="reason")
    before = audit.snapshot(application)
    application.status = TRANSITIONS[operation][1]
    if operation == "reject":
        application.rejection_reason = reason[:255]
    else:
        application.cancel_reason = reason[:255]
    application.closed_at = utcnow()
    application.closed_by_id = actor.id
    if application.print_batch_id and application.print_batch is not None and \
            application.print_batch.status in ("draft", "submitted", "approved"):
        application.print_batch_id = None
    _commit(actor, operation, application, before)


def reject(application: Application, actor: Any, reason: str) -> None:
    _close(application, actor, "reject", reason)


def cancel(application: Application, actor: Any, reason: str) -> None:
    _close(application, actor, "cancel", reason)


def check_separation(application: Application, printer: Any,
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
