"""The service clock (standard A3): 1 hour from submission, 24 hours when a disruption
applies; disruptions (gangguan) and what they do to the deadlines.

How the standard is read here (DESIGN §4, issue 8):

- The clock starts at submission, or, for someone recorded at 16, at the office's
  opening (08:00 WITA) on the day they turn 17 in WITA: requirement A1a (age) is met
  that day, and the office cannot serve anyone before it opens. A submission on the
  birthday itself (even between 00:00 and 07:59 WITA) is by a 17-year-old: its clock
  starts at submission. Days are always the office's (WITA) days, never UTC dates.
- The window of an application is [clock start, the normal deadline], cut short when
  the clock stopped (first good print, SIAK duplicate) or the application was closed.
- A disruption gives the disrupted limit (24 h) only if it meets that window; while
  it is still open it counts up to now. One that begins after the deadline, or ended
  before the clock started, changes nothing: a breach is never erased. The limit is
  given once, by the earliest disruption in force that meets the window.
- A disruption entered after the fact (its start more than DISRUPTION_LATE_ENTRY_MINUTES
  before it was reported) is in force only once the head of division confirms it.
- Closing a disruption never takes back a limit it gave; at the close it gives the
  limit to windows that started while it was open and had none yet.
"""

from __future__ import annotations

import typing as t
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit
from .applications import Application
from .db import Model, db
from .eligibility import eligibility
from .errors import DomainError
from .office_time import duration_text, format_datetime, office_date, to_utc, utcnow
from .permissions import require
from .standard import ServiceStandard, current_standard
from .transitions import JustProcessed, compare_and_set
from .users import User

DISRUPTION_KINDS = ("network", "power", "equipment", "central_server", "blank_stock_out")
DISRUPTION_LABELS = {
    "network": _l("Communication network"),
    "power": _l("Electricity"),
    "equipment": _l("Equipment"),
    "central_server": _l("Central server (SIAK)"),
    "blank_stock_out": _l("Blank stock out"),
}

# A disruption reported more than this after it started is "entered after the fact":
# it extends clocks only once the head of division confirms it. App config
# DISRUPTION_LATE_ENTRY_MINUTES overrides it.
LATE_ENTRY_MINUTES = 15

def late_entry_limit() -> timedelta:
    """How long after its start a disruption may be reported without confirmation."""
    from flask import current_app, has_app_context

    minutes = LATE_ENTRY_MINUTES
    if has_app_context():
        minutes = int(current_app.config.get("DISRUPTION_LATE_ENTRY_MINUTES", minutes))
    return timedelta(minutes=minutes)


class Disruption(Model):
    """A disruption (gangguan) that lets the 24-hour service limit apply."""

    __tablename__ = "disruption"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    description: Mapped[str] = mapped_column(sa.String(2000))
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # When it was entered; one entered after the fact waits for confirmation.
    reported_at: Mapped[datetime | None]
    needs_confirmation: Mapped[bool] = mapped_column(default=False,
                                                     server_default=sa.false())
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    # A proposal (blank stock out) the head of division turned down: never in force.
    dismissed_at: Mapped[datetime | None]
    dismissed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    dismissal_reason: Mapped[str | None] = mapped_column(sa.String(255))

    reported_by = relationship("User", foreign_keys=[reported_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    dismissed_by = relationship("User", foreign_keys=[dismissed_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "kind IN (" + ", ".join(repr(k) for k in DISRUPTION_KINDS) + ")", name="kind"),
        # One open blank-stock-out at a time: two printers emptying the stock at the
        # same moment propose one disruption (the second insert loses on this index).
        sa.Index("uq_disruption_open_stock_out", "kind", unique=True,
                 sqlite_where=sa.text("kind = 'blank_stock_out' AND ended_at IS NULL"),
                 postgresql_where=sa.text("kind = 'blank_stock_out' AND ended_at IS NULL")),
    )

    @property
    def in_force(self) -> bool:
        """Reported as it happened, or confirmed by the head of division."""
        return not self.needs_confirmation or self.confirmed_at is not None

    @property
    def awaiting_confirmation(self) -> bool:
        return (bool(self.needs_confirmation) and self.confirmed_at is None
                and self.dismissed_at is None)

    def validate(self, today: date | None = None) -> list[str]:
        if self.kind not in DISRUPTION_KINDS:
            raise DomainError(_l("Choose a value from the list."), field="kind")
        if not (self.description or "").strip():
            raise DomainError(_l("Describe the disruption."), field="description")
        now = utcnow()
        if self.started_at and self.started_at > now:
            raise DomainError(_l("The start cannot be in the future."), field="started_at")
        if self.ended_at and self.ended_at > now:
            raise DomainError(_l("The end cannot be in the future."), field="ended_at")
        if self.ended_at and self.started_at and self.ended_at < self.started_at:
            raise DomainError(_l("The end cannot be before the start."), field="ended_at")
        from .validation import check_lengths

        check_lengths(self)
        return []

    def __str__(self) -> str:
        label = DISRUPTION_LABELS.get(self.kind, self.kind)
        return f"{label} {format_datetime(self.started_at)}"


IN_FORCE = sa.or_(Disruption.needs_confirmation == sa.false(),
                  Disruption.confirmed_at.is_not(None))


# ------------------------------------------------------------------ the rule itself


# When the office opens (WITA): an early recording's clock starts then on the eligible day.
OFFICE_OPENS = time(8, 0)


def clock_start(application: Application, standard: ServiceStandard) -> datetime:
    """When the promise starts to run: at submission, or, for someone recorded early
    (at 16), at 08:00 WITA on the office day they turn 17 (requirement A1a is met
    then). The birthday is compared with the submission's WITA day, never its UTC one."""
    start = application.submitted_at
    assert start is not None
    status = eligibility(application.applicant, on=office_date(start), standard=standard)
    if not status.may_print and status.eligible_from is not None:
        opens = to_utc(datetime.combine(status.eligible_from, OFFICE_OPENS))
        start = max(start, opens)
    return start


def clock_window(application: Application, standard: ServiceStandard
                 ) -> tuple[datetime, datetime]:
    """[clock start, normal deadline], cut short where the clock stopped or the
    application was closed before it."""
    start = clock_start(application, standard)
    end = start + timedelta(hours=standard.sla_hours)
    for cut in (application.clock_stopped_at, application.closed_at):
        if cut is not None and cut < end:
            end = cut
    return start, end


def meets(disruption: Disruption, start: datetime, end: datetime, now: datetime) -> bool:
    """Does the disruption (an open one counts up to `now`) meet [start, end]?"""
    if end < start:  # the clock stopped before it ever started: nothing to extend
        return False
    until = disruption.ended_at or now
    return disruption.started_at <= end and until >= start


def giving_disruption(start: datetime, end: datetime, disruptions: Iterable[Disruption],
                      now: datetime) -> Disruption | None:
    """The disruption that gives the window [start, end] the disrupted limit: the
    earliest one in force that meets it (the limit is given once)."""
    for d in sorted(disruptions, key=lambda d: (d.started_at, d.id or 0)):
        if d.in_force and meets(d, start, end, now):
            return d
    return None


def deadline_for(application: Application, standard: ServiceStandard,
                 disruptions: Iterable[Disruption], now: datetime
                 ) -> tuple[datetime, int, Disruption | None]:
    """(deadline, hours, the disruption that gave the longer limit) by the rule above."""
    start, end = clock_window(application, standard)
    given = giving_disruption(start, end, disruptions, now)
    hours = standard.sla_hours_disrupted if given else standard.sla_hours
    return start + timedelta(hours=hours), hours, given


def apply_limit(application: Application, standard: ServiceStandard,
                disruption: Disruption | None) -> None:
    """Store the limit: the disrupted one when `disruption` gave it, else the normal one."""
    hours = standard.sla_hours_disrupted if disruption else standard.sla_hours
    application.sla_hours = hours
    application.disruption_id = disruption.id if disruption else None
    application.disruption = disruption
    application.deadline_at = clock_start(application, standard) + timedelta(hours=hours)


def disruptions_overlapping(start: datetime, end: datetime | None) -> list[Disruption]:
    """Disruptions whose interval meets [start, end] (end None = still running),
    in force or not."""
    q = sa.select(Disruption).where(
        sa.or_(Disruption.ended_at.is_(None), Disruption.ended_at >= start))
    if end is not None:
        q = q.where(Disruption.started_at <= end)
    return list(db.session.execute(q.order_by(Disruption.started_at)).scalars())


def start_clock(application: Application, standard: ServiceStandard,
                now: datetime | None = None) -> None:
    """At intake: the limit from the disruptions in force that meet the new window."""
    now = now or utcnow()
    start, end = clock_window(application, standard)
    candidates = disruptions_overlapping(start, end) if start <= now else []
    apply_limit(application, standard, giving_disruption(start, end, candidates, now))


def running_disruption(at: datetime) -> Disruption | None:
    """The disruption in force at `at`, if any (the earliest that started)."""
    running = [d for d in disruptions_overlapping(at, at) if d.in_force]
    return running[0] if running else None


def extend_clocks(disruption: Disruption, actor: User,
                  now: datetime | None = None) -> list[Application]:
    """Give the disrupted limit to every application without one whose window this
    disruption (in force) meets. Never shortens a limit, never touches a window that
    ended before it began or started after it ended."""
    if not disruption.in_force:
        return []
    now = now or utcnow()
    until = disruption.ended_at or now
    candidates = db.session.execute(
        sa.select(Application).where(
            Application.submitted_at.is_not(None),
            Application.disruption_id.is_(None),
            # Without a disruption the stored deadline is the normal one.
            Application.deadline_at >= disruption.started_at,
            Application.submitted_at <= until,
            sa.or_(Application.closed_at.is_(None),
                   Application.closed_at >= disruption.started_at),
            sa.or_(Application.clock_stopped_at.is_(None),
                   Application.clock_stopped_at >= disruption.started_at),
        ).order_by(Application.id)
    ).scalars().all()
    affected = []
    for application in candidates:
        standard = application.standard or current_standard()
        start, end = clock_window(application, standard)
        if not meets(disruption, start, end, now):
            continue
        before = application.deadline_at
        apply_limit(application, standard, disruption)
        audit.record(actor, "sla_extended", application,
                     changes={"deadline_at": [audit.jsonable(before),
                                              audit.jsonable(application.deadline_at)],
                              "sla_hours": [standard.sla_hours, application.sla_hours],
                              "disruption_id": [None, disruption.id]})
        affected.append(application)
    return affected


# ------------------------------------------------------------------ disruption operations


def open_disruption(disruption: Disruption, actor: User) -> list[Application]:
    """Record a disruption. One reported as it happens extends at once the clocks whose
    window it meets; one entered after the fact waits for the head of division.

    Returns the applications whose limit became the disrupted one.
    """
    require(actor, "disruption", "create")
    try:
        now = utcnow()
        disruption.reported_by_id = actor.id
        disruption.reported_at = now
        if disruption.started_at is None:
            disruption.started_at = now
        disruption.validate()
        disruption.needs_confirmation = now - disruption.started_at > late_entry_limit()
        if disruption.ended_at is not None:
            disruption.closed_by_id = actor.id
        db.session.add(disruption)
        db.session.flush()
        audit.record(actor, "create", disruption,
                     changes=audit.diff(None, audit.snapshot(disruption)))
        affected = extend_clocks(disruption, actor, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return affected


def close_disruption(disruption: Disruption, actor: User,
                     note: str | None = None) -> list[Application]:
    """Mark a disruption as over (open -> closed, a compare-and-set). Limits it gave
    stay; windows that started while it was open and had no limit yet get it now.

    Returns the applications whose limit became the disrupted one at the close.
    """
    require(actor, "disruption", "close")
    if disruption.ended_at is not None:
        raise DomainError(_l("Disruption %(d)s is already closed.", d=str(disruption)))
    try:
        now = utcnow()
        before = audit.snapshot(disruption)
        # open -> closed, only if nobody closed it meanwhile (else JustProcessed).
        compare_and_set(Disruption, disruption.id, None, Disruption.ended_at.is_(None),
                        ended_at=now, closed_by_id=actor.id)
        changes = audit.diff(before, audit.snapshot(disruption))
        if note:
            changes["note"] = note
        audit.record(actor, "close", disruption, changes=changes)
        affected = extend_clocks(disruption, actor, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return affected


def may_confirm(user: User, disruption: Disruption) -> bool:
    """Whether `user` may confirm `disruption` now (the matrix AND its state)."""
    from .permissions import allowed

    return allowed(user, "disruption", "confirm") and disruption.awaiting_confirmation


def confirm_disruption(disruption: Disruption, actor: User) -> list[Application]:
    """The head of division confirms a disruption entered after the fact
    (unconfirmed -> confirmed, a compare-and-set); from then on it extends the clocks
    whose window it met.

    Returns the applications whose limit became the disrupted one.
    """
    require(actor, "disruption", "confirm")
    if not disruption.needs_confirmation:
        raise DomainError(_l("Disruption %(d)s was reported as it happened: it needs no "
                             "confirmation.", d=str(disruption)))
    if disruption.confirmed_at is not None:
        raise DomainError(_l("Disruption %(d)s is already confirmed.", d=str(disruption)))
    if disruption.dismissed_at is not None:
        raise DomainError(_l("Disruption %(d)s was dismissed: it cannot be confirmed.",
                             d=str(disruption)))
    try:
        now = utcnow()
        before = audit.snapshot(disruption)
        # unconfirmed -> confirmed, only if nobody confirmed it meanwhile.
        compare_and_set(Disruption, disruption.id, None,
                        Disruption.needs_confirmation == sa.true(),
                        Disruption.confirmed_at.is_(None),
                        Disruption.dismissed_at.is_(None),
                        confirmed_at=now, confirmed_by_id=actor.id)
        audit.record(actor, "confirm", disruption,
                     changes=audit.diff(before, audit.snapshot(disruption)))
        affected = extend_clocks(disruption, actor, now)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return affected


def dismiss_disruption(disruption: Disruption, actor: User, reason: str) -> None:
    """The head of division turns down a disruption awaiting confirmation (e.g. a
    proposed blank stock out that was a counting error), with the reason: it never
    extends a clock, and it ends, so the next stock out can be proposed."""
    require(actor, "disruption", "confirm")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_l("Write why the disruption is dismissed (at least 5 "
                             "characters)."), field="reason")
    if len(reason) > 255:
        raise DomainError(_l("At most %(n)d characters.", n=255), field="reason")
    if not disruption.awaiting_confirmation:
        raise DomainError(_l("Disruption %(d)s is not awaiting confirmation.",
                             d=str(disruption)))
    try:
        now = utcnow()
        before = audit.snapshot(disruption)
        compare_and_set(Disruption, disruption.id, None,
                        Disruption.needs_confirmation == sa.true(),
                        Disruption.confirmed_at.is_(None),
                        Disruption.dismissed_at.is_(None),
                        # closed meanwhile (a blank receipt): lose, keep its end
                        Disruption.ended_at.is_(None) if disruption.ended_at is None
                        else Disruption.ended_at == disruption.ended_at,
                        dismissed_at=now, dismissed_by_id=actor.id,
                        dismissal_reason=reason,
                        ended_at=disruption.ended_at or now,
                        closed_by_id=disruption.closed_by_id or actor.id)
        audit.record(actor, "dismiss", disruption,
                     changes=audit.diff(before, audit.snapshot(disruption)))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


def open_disruptions() -> list[Disruption]:
    """Disruptions not over yet (in force or awaiting the head of division), oldest
    first: the work queue's banner."""
    return list(db.session.execute(
        sa.select(Disruption).where(Disruption.ended_at.is_(None),
                                    Disruption.dismissed_at.is_(None))
        .order_by(Disruption.started_at, Disruption.id)).scalars())


# ------------------------------------------------------------------ blanks run out

STOCK_OUT = "blank_stock_out"


def open_stock_out() -> Disruption | None:
    """The open blank-stock-out disruption (at most one: a unique index says so)."""
    return db.session.execute(
        sa.select(Disruption).where(Disruption.kind == STOCK_OUT,
                                    Disruption.ended_at.is_(None))).scalar_one_or_none()


def propose_stock_out(actor: User, now: datetime | None = None) -> Disruption | None:
    """The blank stock has reached zero: propose a blank-stock-out disruption to the
    head of division (it waits for confirmation, like one entered after the fact).

    Called by the operation that found the stock empty (a print, an allocation that
    found too few blanks, a write-off), in a transaction of its own after that
    operation's. Only one open at a time: with one already open, or proposed by
    another officer at the same moment (the unique index refuses the second insert),
    the open one is returned and nothing is added.
    """
    existing = open_stock_out()
    if existing is not None:
        return existing
    now = now or utcnow()
    disruption = Disruption(
        kind=STOCK_OUT, started_at=now, reported_at=now, reported_by_id=actor.id,
        needs_confirmation=True,
        description=str(_l("Blank stock reached zero: printing waits for the next "
                           "blank receipt.")))
    try:
        db.session.add(disruption)
        db.session.flush()
        audit.record(actor, "propose", disruption,
                     changes=audit.diff(None, audit.snapshot(disruption)))
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()  # another officer's proposal won: that one is open
        return open_stock_out()
    except Exception:
        db.session.rollback()
        raise
    return disruption


def end_stock_out(actor: User, at: datetime) -> Disruption | None:
    """A blank receipt ends the open blank-stock-out disruption at `at` (within the
    receipt's own transaction: no commit here). Limits it gave stay; windows that
    started while it was open get it now, as at any close."""
    disruption = open_stock_out()
    if disruption is None:
        return None
    at = max(at, disruption.started_at)
    before = audit.snapshot(disruption)
    try:
        compare_and_set(Disruption, disruption.id, None, Disruption.ended_at.is_(None),
                        ended_at=at, closed_by_id=actor.id)
    except JustProcessed:
        # Dismissed (or closed) by the head of division at this very moment: nothing
        # is left to close, and the receipt itself goes through.
        db.session.expire(disruption)
        return None
    audit.record(actor, "close", disruption,
                 changes=audit.diff(before, audit.snapshot(disruption))
                 | {"note": "blank receipt"})
    extend_clocks(disruption, actor, at)
    return disruption


# ------------------------------------------------------------------ overdue, in SQL


def overdue_condition(now: datetime) -> t.Any:
    """SQL for "past its deadline and the clock still running" as clock() reads it:
    the stored deadline passed, not stopped, not closed. While a disruption in force
    is open, an early recording whose window began during it (no event has stored its
    longer limit yet: see _running_for) is late only past the disrupted limit."""
    base = sa.and_(Application.deadline_at < now,
                   Application.clock_stopped_at.is_(None),
                   Application.closed_at.is_(None),
                   Application.status.notin_(("rejected", "cancelled", "handed_over")))
    running = db.session.execute(
        sa.select(Disruption.started_at).where(Disruption.ended_at.is_(None), IN_FORCE)
        .order_by(Disruption.started_at).limit(1)).scalar()
    if running is None:
        return base
    try:
        standard = current_standard()
        extra = timedelta(hours=standard.sla_hours_disrupted - standard.sla_hours)
    except DomainError:
        return base
    # Rows without a stored disruption whose deadline falls in the open one are, by
    # the rules of intake and extend_clocks, exactly the early recordings above.
    return sa.and_(base, sa.or_(Application.disruption_id.is_not(None),
                                Application.deadline_at < running,
                                Application.deadline_at < now - extra))


# ------------------------------------------------------------------ reading the clock


@dataclass(frozen=True)
class Clock:
    deadline: datetime | None
    remaining: timedelta | None  # negative when overdue; None before submission
    stopped: bool
    breached: bool
    breach_reason: str | None
    hours: int | None = None  # the limit in force
    disruption: Disruption | None = None  # the disruption that gave the longer limit


def _running_for(application: Application, now: datetime) -> Disruption | None:
    """An early recording whose window began during a disruption still open (no event
    has stored the longer limit yet: the close will)."""
    if application.disruption_id is not None or application.clock_stopped_at is not None \
            or application.closed_at is not None or application.deadline_at is None \
            or application.sla_hours is None or application.submitted_at is None:
        return None
    start = application.deadline_at - timedelta(hours=application.sla_hours)
    if start <= application.submitted_at or start > now or now <= application.deadline_at:
        return None  # not an early recording, not started, or not (yet) overdue anyway
    running = db.session.execute(
        sa.select(Disruption).where(Disruption.ended_at.is_(None), IN_FORCE,
                                    Disruption.started_at <= application.deadline_at)
        .order_by(Disruption.started_at, Disruption.id).limit(1)).scalar()
    return running


def clock(application: Application, now: datetime | None = None) -> Clock:
    """Deadline, time left, and whether (and why) the promise was broken."""
    if application.submitted_at is None or application.deadline_at is None:
        return Clock(None, None, False, False, None)
    now = now or utcnow()
    deadline, hours = application.deadline_at, application.sla_hours
    disruption = application.disruption if application.disruption_id else None
    running = _running_for(application, now)
    if running is not None:
        standard = application.standard or current_standard()
        hours = standard.sla_hours_disrupted
        deadline = deadline - timedelta(hours=application.sla_hours or 0) \
            + timedelta(hours=hours)
        disruption = running
    end = application.clock_stopped_at
    stopped = end is not None
    reference = end if end is not None else now
    remaining = deadline - reference
    breached = remaining < timedelta(0)
    closed_early = application.status in ("rejected", "cancelled") and not stopped
    if closed_early:
        # A rejected or cancelled request is not a broken promise.
        return Clock(deadline, None, True, False, None, hours, disruption)
    reason = None
    if breached:
        late = duration_text(-remaining)
        if disruption is not None:
            reason = str(_l("Over the %(h)d-hour limit under disruption by %(late)s.",
                            h=hours, late=late))
        else:
            reason = str(_l("Over the %(h)d-hour limit by %(late)s with no disruption "
                            "recorded.", h=hours, late=late))
    return Clock(deadline, remaining, stopped, breached, reason, hours, disruption)


@dataclass(frozen=True)
class ClockView:
    """The service clock as the screens show it (deadline in WITA, time left in words)."""

    deadline: str
    text: str
    overdue: bool
    reason: str | None
    running: bool
    hours: int | None = None
    disruption: str | None = None  # which disruption gave the longer limit, in words
    disruption_id: int | None = None


def clock_view(application: Application, now: datetime | None = None) -> ClockView:
    """What the application page and the work queue show of its service clock."""
    c = clock(application, now)
    if c.deadline is None:
        return ClockView("", str(_l("The clock has not started.")), False, None, False)
    deadline = format_datetime(c.deadline, zone_label=True)
    given = str(c.disruption) if c.disruption is not None else None
    given_id = c.disruption.id if c.disruption is not None else None

    def view(text: t.Any, overdue: bool, reason: str | None, running: bool) -> ClockView:
        return ClockView(deadline, str(text), overdue, reason, running, c.hours, given,
                         given_id)

    if c.remaining is None:  # rejected or cancelled before the limit
        return view(_l("Closed: no service promise pending."), False, None, False)
    left = duration_text(c.remaining)
    if c.stopped:
        text = (_l("Finished late, %(t)s over the limit.", t=left) if c.breached else
                _l("Finished on time, %(t)s before the limit.", t=left))
        return view(text, c.breached, c.breach_reason, False)
    if c.breached:
        return view(_l("Overdue by %(t)s", t=left), True, c.breach_reason, True)
    starts = c.deadline - timedelta(hours=c.hours or 0)
    if c.hours and starts > (now or utcnow()):
        # Recorded at 16: not "294 days left" but when the promise starts to run.
        return view(_l("Waiting for age 17: the clock starts %(t)s.",
                       t=format_datetime(starts, zone_label=True)), False, None, False)
    return view(_l("%(t)s left", t=left), False, None, True)
