"""The service clock (standard A3): 1 hour from submission, 24 hours when a disruption
applies; disruptions (gangguan) and what they do to the deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit
from .applications import Application
from .db import db
from .eligibility import eligibility
from .errors import DomainError
from .office_time import duration_text, format_datetime, office_date, to_utc, utcnow
from .permissions import require
from .standard import ServiceStandard, current_standard
from .users import User

DISRUPTION_KINDS = ("network", "power", "equipment", "central_server", "blank_stock_out")
DISRUPTION_LABELS = {
    "network": _l("Communication network"),
    "power": _l("Electricity"),
    "equipment": _l("Equipment"),
    "central_server": _l("Central server (SIAK)"),
    "blank_stock_out": _l("Blank stock out"),
}


class Disruption(db.Model):
    """A disruption (gangguan) that lets the 24-hour service limit apply."""

    __tablename__ = "disruption"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(sa.Text)
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    reported_by = relationship("User", foreign_keys=[reported_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN (" + ", ".join(repr(k) for k in DISRUPTION_KINDS) + ")", name="kind"),
    )

    def validate(self, today: date | None = None) -> list[str]:
        if self.kind not in DISRUPTION_KINDS:
            raise DomainError(_l("Choose a value from the list."), field="kind")
        if not (self.description or "").strip():
            raise DomainError(_l("Describe the disruption."), field="description")
        now = utcnow()
        if self.started_at and self.started_at > now:
            raise DomainError(_l("The start cannot be in the future."), field="started_at")
        if self.ended_at and self.started_at and self.ended_at < self.started_at:
            raise DomainError(_l("The end cannot be before the start."), field="ended_at")
        return []

    def __str__(self) -> str:
        label = DISRUPTION_LABELS.get(self.kind, self.kind)
        return f"{label} {format_datetime(self.started_at)}"


def open_disruption(disruption: Disruption, actor: User) -> list[Application]:
    """Record a disruption; at once it extends the running clocks it affects.

    Returns the applications whose limit became the disrupted one.
    """
    require(actor, "disruption", "create")
    try:
        disruption.reported_by_id = actor.id
        if disruption.started_at is None:
            disruption.started_at = utcnow()
        disruption.validate()
        db.session.add(disruption)
        db.session.flush()
        audit.record(actor, "create", disruption,
                     changes=audit.diff(None, audit.snapshot(disruption)))
        affected = extend_for_disruption(disruption, actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return affected


def disruptions_overlapping(start: datetime, end: datetime | None) -> list[Disruption]:
    """Disruptions whose interval meets [start, end] (end None = still running)."""
    q = sa.select(Disruption).where(
        sa.or_(Disruption.ended_at.is_(None), Disruption.ended_at >= start))
    if end is not None:
        q = q.where(Disruption.started_at <= end)
    return list(db.session.execute(q.order_by(Disruption.started_at)).scalars())


# When the office opens (WITA): an early recording's clock starts then on the eligible day.
OFFICE_OPENS = time(8, 0)


def clock_start(application: Application, standard: ServiceStandard) -> datetime:
    """When the promise starts to run: at submission, or, for someone recorded early
    (at 16), on the morning they become eligible, since requirement A1a (age) is only
    met then."""
    start = application.submitted_at
    status = eligibility(application.applicant, on=office_date(start), standard=standard)
    if not status.may_print and status.eligible_from is not None:
        opens = to_utc(datetime.combine(status.eligible_from, OFFICE_OPENS))
        start = max(start, opens)
    return start


def apply_limit(application: Application, standard: ServiceStandard,
                 disruption: Disruption | None) -> None:
    hours = standard.sla_hours_disrupted if disruption else standard.sla_hours
    application.sla_hours = hours
    application.disruption_id = disruption.id if disruption else None
    application.deadline_at = clock_start(application, standard) + timedelta(hours=hours)


def extend_for_disruption(disruption: Disruption, actor: User) -> list[Application]:
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
        apply_limit(application, application.standard or current_standard(), disruption)
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
        late = duration_text(-remaining)
        if application.disruption_id:
            reason = str(_l("Over the %(h)d-hour limit under disruption by %(late)s.",
                            h=application.sla_hours, late=late))
        else:
            reason = str(_l("Over the %(h)d-hour limit by %(late)s with no disruption "
                            "recorded.", h=application.sla_hours, late=late))
    return Clock(application.deadline_at, remaining, stopped, breached, reason)


def running_disruption(at: datetime) -> Disruption | None:
    """The disruption in progress at `at`, if any (the earliest that started)."""
    running = disruptions_overlapping(at, at)
    return running[0] if running else None


def close_disruption(disruption: Disruption, actor: User, note: str | None = None) -> None:
    """Mark a disruption as over; applications keep the limit they were given."""
    require(actor, "disruption", "close")
    if disruption.ended_at is not None:
        raise DomainError(_l("Disruption %(d)s is already closed.", d=str(disruption)))
    before = audit.snapshot(disruption)
    disruption.ended_at = utcnow()
    disruption.closed_by_id = actor.id
    audit.record(actor, "close", disruption,
                 changes=audit.diff(before, audit.snapshot(disruption)))
    db.session.commit()


@dataclass(frozen=True)
class ClockView:
    """The service clock as the screens show it (deadline in WITA, time left in words)."""

    deadline: str
    text: str
    overdue: bool
    reason: str | None
    running: bool


def clock_view(application: Application, now: datetime | None = None) -> ClockView:
    """What the application page and the work queue show of its service clock."""
    c = clock(application, now)
    if c.deadline is None:
        return ClockView("", str(_l("The clock has not started.")), False, None, False)
    deadline = format_datetime(c.deadline, zone_label=True)
    if c.remaining is None:  # rejected or cancelled before the limit
        return ClockView(deadline, str(_l("Closed: no service promise pending.")), False,
                         None, False)
    left = duration_text(c.remaining)
    if c.stopped:
        text = (_l("Finished late, %(t)s over the limit.", t=left) if c.breached else
                _l("Finished on time, %(t)s before the limit.", t=left))
        return ClockView(deadline, str(text), c.breached, c.breach_reason, False)
    if c.breached:
        return ClockView(deadline, str(_l("Overdue by %(t)s", t=left)), True,
                         c.breach_reason, True)
    return ClockView(deadline, str(_l("%(t)s left", t=left)), False, None, True)
