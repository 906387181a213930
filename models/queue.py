"""The work queue (issue 11 item 2): open applications oldest first, one page at a time,
with the count per state from one GROUP BY, the overdue ones (service_clock decides),
and those who wait for their 17th birthday kept out of what can be printed today."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager

from . import service_clock, wilayah
from .applications import APPLICATION_STATUSES, CLOSED_STATUSES, OPEN_STATUSES, Application
from .db import db
from .eligibility import eligibility
from .errors import DomainError
from .office_time import format_date, office_midnight, office_today, parse_date, utcnow
from .permissions import require
from .residents import Applicant
from .standard import ServiceStandard, current_standard
from .users import User

PAGE_SIZE = 50  # rows on one page of the queue, oldest first
MAX_PAGE = 10_000  # page numbers are clamped to this (an OFFSET of 500,000 at most)
COUNT_CAP = 1_000  # closed states are counted up to this: "more than 1,000"

# The groups beside the application states: what is late, who waits for 17, and the
# cards printed but not collected after the standard's days.
OVERDUE, WAITING, UNCOLLECTED = "overdue", "waiting", "uncollected"
GROUPS = (OVERDUE, WAITING, UNCOLLECTED)
GROUP_LABELS = {
    OVERDUE: _l("Overdue"),
    WAITING: _l("Waiting for age 17"),
    UNCOLLECTED: _l("Printed, not collected"),
}
STATES = ("", *APPLICATION_STATUSES, *GROUPS, "all")
# The query-string arguments the queue understands (saved filters are checked against
# them by check_args; the page number is not a filter and is never saved).
QUEUE_ARGS = ("state", "kecamatan", "from", "to")


@dataclass(frozen=True)
class QueueFilters:
    """What the work queue is narrowed to."""

    state: str = ""  # "" = the open states, a status, a group, or "all"
    kecamatan: str = ""  # a dotted district code ("53.11.02") or ""
    date_from: date | None = None  # submitted on or after this office day
    date_to: date | None = None  # submitted on or before this office day


def district_codes() -> set[str]:
    return {d.code for d in wilayah.districts_of_sumba_timur()}


def check_args(pairs: Iterable[tuple[str, str]]) -> QueueFilters:
    """The filters a query string names, or a DomainError saying what is wrong with it
    (an argument the queue does not know, a value not on its list, a bad date)."""
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in QUEUE_ARGS:
            raise DomainError(_l("The queue has no filter named \u201c%(n)s\u201d.",
                                 n=name[:40]), field="query")
        if name in values:
            raise DomainError(_l("The filter \u201c%(n)s\u201d is given twice.", n=name),
                              field="query")
        values[name] = value
    state = values.get("state", "")
    if state not in STATES:
        raise DomainError(_l("\u201c%(v)s\u201d is not a state of the queue.", v=state[:40]),
                          field="query")
    kecamatan = values.get("kecamatan", "")
    if kecamatan and kecamatan not in district_codes():
        raise DomainError(_l("\u201c%(v)s\u201d is not a kecamatan of Sumba Timur.",
                             v=kecamatan[:40]), field="query")
    days = []
    for name in ("from", "to"):
        text = values.get(name, "")
        day = parse_date(text) if text else None
        if text and day is None:
            raise DomainError(_l("\u201c%(v)s\u201d is not a date (DD-MM-YYYY).", v=text[:40]),
                              field="query")
        days.append(day)
    return QueueFilters(state, kecamatan, days[0], days[1])


def filter_args(filters: QueueFilters, **override: str) -> dict[str, str]:
    """The query string of `filters` (with `override`), for links; empty ones dropped."""
    values = {
        "state": filters.state, "kecamatan": filters.kecamatan,
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
    }
    values.update(override)
    return {k: v for k, v in values.items() if v}


# ------------------------------------------------------------------ conditions


def eligible_born_by(today: date, standard: ServiceStandard) -> date:
    """The last birth date of someone who is the standard's age on `today` (by age
    alone): models.eligibility.date_of_age turned round, 29 February included."""
    year = today.year - standard.eligibility_age
    try:
        return today.replace(year=year)
    except ValueError:  # today is 29 February: born on 28 February at the latest
        return date(year, 2, 28)


def waiting_condition(today: date, standard: ServiceStandard) -> Any:
    """Ready to print but not yet printable today: under the age and not married."""
    codes = sorted(standard.marital_codes)
    return sa.and_(Application.status == "print_ready",
                   Applicant.birth_date > eligible_born_by(today, standard),
                   sa.or_(Applicant.marital_status.is_(None),
                          Applicant.marital_status.notin_(codes)))


def uncollected_condition(now: datetime, standard: ServiceStandard) -> Any:
    """Printed (the clock stopped at the first good print) and not handed over after
    the standard's days for an uncollected card."""
    return sa.and_(Application.status == "printed",
                   Application.clock_stopped_at <
                   now - timedelta(days=standard.uncollected_flag_days))


def _common_conditions(filters: QueueFilters) -> list[Any]:
    conditions: list[Any] = []
    if filters.kecamatan:
        # A range over the village code, which its index can walk.
        prefix = filters.kecamatan + "."
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        conditions += [Applicant.village_code >= prefix, Applicant.village_code < after]
    if filters.date_from:
        conditions.append(Application.submitted_at >= office_midnight(filters.date_from))
    if filters.date_to:
        conditions.append(Application.submitted_at <
                          office_midnight(filters.date_to + timedelta(days=1)))
    return conditions


def _state_condition(state: str, now: datetime, today: date,
                     standard: ServiceStandard) -> Any:
    if state == "all":
        return sa.true()
    if state == "print_ready":  # only what can be printed today
        return sa.and_(Application.status == "print_ready",
                       sa.not_(waiting_condition(today, standard)))
    if state in APPLICATION_STATUSES:
        return Application.status == state
    if state == OVERDUE:
        return sa.and_(Application.status.in_(OPEN_STATUSES),
                       service_clock.overdue_condition(now))
    if state == WAITING:
        return waiting_condition(today, standard)
    if state == UNCOLLECTED:
        return uncollected_condition(now, standard)
    return Application.status.in_(OPEN_STATUSES)


# ------------------------------------------------------------------ the queue


@dataclass(frozen=True)
class Count:
    """A count shown on the queue: exact, or at least `COUNT_CAP` + 1."""

    value: int
    capped: bool = False


@dataclass(frozen=True)
class QueueRow:
    application: Application
    clock: service_clock.ClockView
    lateness: str  # the one phrase: "terlambat 2 jam 5 menit", "sisa 35 menit"...
    overdue: bool
    waiting_until: date | None  # the 17th birthday, while printing waits for it
    state_label: str


@dataclass(frozen=True)
class WorkQueue:
    rows: list[QueueRow]  # oldest first, one page
    page: int
    page_size: int
    has_next: bool
    counts: dict[str, Count]  # status or group -> applications under the filters
    open_total: int
    disruptions: list[service_clock.Disruption] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _counts(common: list[Any], now: datetime, today: date, standard: ServiceStandard,
            closed: bool = True) -> tuple[dict[str, Count], int]:
    """Every open state (the print-ready split into printable and waiting) and the
    overdue ones from one GROUP BY over the open applications; the closed states,
    which grow without end, counted only up to COUNT_CAP."""
    waiting = sa.case((waiting_condition(today, standard), 1), else_=0)
    overdue = sa.case((service_clock.overdue_condition(now), 1), else_=0)
    uncollected = sa.case((uncollected_condition(now, standard), 1), else_=0)
    rows = db.session.execute(
        sa.select(Application.status, waiting, sa.func.count(Application.id),
                  sa.func.sum(overdue), sa.func.sum(uncollected))
        .join(Applicant, Application.applicant_id == Applicant.id)
        .where(Application.status.in_(OPEN_STATUSES), *common)
        .group_by(Application.status, waiting)).tuples().all()
    values: dict[str, int] = {}
    late = collected = 0
    for status, is_waiting, count, overdue_sum, uncollected_sum in rows:
        key = WAITING if is_waiting else status
        values[key] = values.get(key, 0) + count
        late += int(overdue_sum or 0)
        collected += int(uncollected_sum or 0)
    counts = {key: Count(value) for key, value in values.items()}
    open_total = sum(values.values())
    counts[OVERDUE] = Count(late)
    counts[UNCOLLECTED] = Count(collected)
    for status in CLOSED_STATUSES if closed else ():
        capped = sa.select(Application.id).join(
            Applicant, Application.applicant_id == Applicant.id).where(
            Application.status == status, *common).limit(COUNT_CAP + 1).subquery()
        n = db.session.execute(sa.select(sa.func.count()).select_from(capped)).scalar() or 0
        counts[status] = Count(min(n, COUNT_CAP), n > COUNT_CAP)
    return counts, open_total


def row_of(application: Application, now: datetime, today: date,
           standard: ServiceStandard) -> QueueRow:
    """One row: its clock, and one phrase for how late it is (or what it waits for)."""
    from .applications import status_label
    from .office_time import duration_text, format_datetime

    status = eligibility(application.applicant, on=today, standard=standard)
    label = status_label(application.status)
    before_print = application.status in ("submitted", "recorded", "print_ready")
    if before_print and not status.may_print and status.eligible_from is not None:
        phrase = str(_l("Waiting for age 17 (%(d)s)", d=format_date(status.eligible_from)))
        view = service_clock.ClockView("", phrase, False, None, False)
        return QueueRow(application, view, phrase, False, status.eligible_from,
                        phrase if application.status == "print_ready" else label)
    c = service_clock.clock(application, now)
    if c.deadline is None or c.remaining is None or c.stopped:
        view = service_clock.clock_view(application, now)
        return QueueRow(application, view, view.text, view.overdue, None, label)
    if c.breached:
        phrase = str(_l("%(t)s late", t=duration_text(c.remaining)))
    else:
        phrase = str(_l("%(t)s left", t=duration_text(c.remaining)))
    given = c.disruption
    view = service_clock.ClockView(
        format_datetime(c.deadline, zone_label=True), phrase, c.breached, c.breach_reason,
        True, c.hours, str(given) if given is not None else None,
        given.id if given is not None else None)
    return QueueRow(application, view, phrase, c.breached, None, label)


def waiting_label(application: Application, today: date | None = None,
                  standard: ServiceStandard | None = None) -> str | None:
    """"Waiting for age 17 (DD-MM-YYYY)" for a print-ready application whose applicant
    may not be printed today (by age), else None: what a list shows instead of
    "Ready to print"."""
    if application.status != "print_ready":
        return None
    status = eligibility(application.applicant, on=today or office_today(),
                         standard=standard or current_standard())
    if status.may_print or status.eligible_from is None:
        return None
    return str(_l("Waiting for age 17 (%(d)s)", d=format_date(status.eligible_from)))


def page_number(value: Any) -> int:
    """A page from the query string: 1.. MAX_PAGE, anything else the first page."""
    text = str(value or "")
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        return 1
    return min(max(int(text), 1), MAX_PAGE)


def work_queue(user: User, filters: QueueFilters, page: int = 1,
               page_size: int | None = None) -> WorkQueue:
    """The counter's work queue: one page of applications under `filters`, oldest
    first (LIMIT/OFFSET + 1: no count of the whole list), with the counts per state
    and the open disruptions. Four small queries for the counts and one for the page,
    however many applications are open."""
    require(user, "application", "list")
    size = PAGE_SIZE if page_size is None else page_size
    page = min(max(page, 1), MAX_PAGE)
    now = utcnow()
    today = office_today()
    standard = current_standard()
    common = _common_conditions(filters)
    counts, open_total = _counts(common, now, today, standard)
    found = list(db.session.execute(
        sa.select(Application)
        .join(Application.applicant)
        .options(contains_eager(Application.applicant))
        .where(_state_condition(filters.state, now, today, standard), *common)
        .order_by(Application.submitted_at.asc(), Application.id.asc())
        .offset((page - 1) * size).limit(size + 1)).scalars())
    rows = [row_of(a, now, today, standard) for a in found[:size]]
    return WorkQueue(rows, page, size, len(found) > size, counts, open_total,
                     service_clock.open_disruptions())


def print_ready_count(today: date | None = None) -> int:
    """Applications that can be printed today (print-ready, and the applicant may be
    printed): what any "ready to print" figure should show."""
    today = today or office_today()
    standard = current_standard()
    return db.session.execute(
        sa.select(sa.func.count(Application.id))
        .join(Applicant, Application.applicant_id == Applicant.id)
        .where(Application.status == "print_ready",
               sa.not_(waiting_condition(today, standard)))).scalar() or 0


def printable_condition(today: date | None = None) -> Any:
    """SQL for print-ready AND printable today (joins Applicant): the add-to-batch list."""
    today = today or office_today()
    return sa.and_(Application.status == "print_ready",
                   sa.not_(waiting_condition(today, current_standard())))


def open_state_counts() -> dict[str, int]:
    """The open applications by state as the queue counts them, print-ready split into
    printable today ("print_ready") and waiting for the 17th birthday ("waiting"):
    for any other screen that shows the queue's figures (one GROUP BY)."""
    standard = current_standard()
    counts, _total = _counts([], utcnow(), office_today(), standard, closed=False)
    return {k: c.value for k, c in counts.items()
            if (k in OPEN_STATUSES or k == WAITING) and c.value}
