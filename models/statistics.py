"""Period figures for the dashboards and the monthly evaluation (standard B8).

Every function takes a period [start_utc, end_utc) in naive UTC (WITA month or day
boundaries from models.office_time) and counts each event by the moment it happened
(submitted_at, recorded_at, printed_at, ...), never by when it was entered. Everything
is an SQL aggregate over an indexed column: nothing loads the period's rows into Python
(only the short lists asked for with a limit: breaches, disruptions, reasons).

Percentiles: PostgreSQL's percentile_cont; on SQLite the same linear interpolation
from the two middle values read with ORDER BY ... LIMIT 2 OFFSET k, so both databases
give the same figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from . import codes, wilayah
from .applications import Application
from .audit import AuditEntry
from .blanks import STOCK_OUT_KINDS, Blank, BlankEvent
from .cards import Card
from .complaints import CHANNELS, Complaint
from .db import db
from .office_time import utcnow
from .residents import Applicant
from .service_clock import DISRUPTION_LABELS, Disruption, clock
from .standard import ServiceStandard, current_standard
from .users import User

# The moments the figures are counted by, indexed here (migration 0012) because only
# the period figures filter on them; the entities' own modules need none of them.
# clock_stopped_at, closed_at and the cards' handed_over_at/printed_at lead the
# landing pages' covering indexes (models.dashboards, migration 0013).
_app = Application.__table__.c
INDEXES = (
    sa.Index("ix_application_recorded_at", _app.recorded_at),
    sa.Index("ix_application_siak_result_at", _app.siak_result_at),
    sa.Index("ix_complaint_resolved_at", Complaint.__table__.c.resolved_at),
    # Stock at a moment: per kind, the events before it (an index-only count).
    sa.Index("ix_blank_event_kind_at", BlankEvent.__table__.c.kind,
             BlankEvent.__table__.c.at),
)

# Age bands of uncollected cards, in days since printing (the last one open-ended).
AGE_BANDS = ((0, 7), (8, 30), (31, 90), (91, None))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def minutes_between(later: Any, earlier: Any) -> Any:
    """SQL: minutes from `earlier` to `later` (naive UTC columns), as a float."""
    if _dialect() == "postgresql":
        return sa.extract("epoch", later - earlier) / 60.0
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 1440.0


def _scalar(query: Any) -> Any:
    return db.session.execute(query).scalar()


def _count(*where: Any, column: Any = Application.id) -> int:
    """COUNT(*) of `column`'s table under `where`: count(*), not count(id), so that
    PostgreSQL can answer from a covering index without visiting the heap."""
    return int(_scalar(sa.select(sa.func.count()).select_from(column.class_)
                       .where(*where)) or 0)


def percentiles(expr: Any, where: list[Any], fractions: tuple[float, ...]
                ) -> list[float | None]:
    """Linear-interpolated percentiles (PostgreSQL's percentile_cont) of `expr` over
    the rows matching `where`; None for an empty set."""
    if _dialect() == "postgresql":
        row = db.session.execute(sa.select(*[
            sa.func.percentile_cont(f).within_group(expr) for f in fractions
        ]).where(*where)).one()
        return [None if v is None else float(v) for v in row]
    n = _count(*where)
    if not n:
        return [None for _ in fractions]
    out: list[float | None] = []
    for f in fractions:
        k = f * (n - 1)
        lo = math.floor(k)
        values = [float(v) for v in db.session.execute(
            sa.select(expr).where(*where).order_by(expr).limit(2).offset(lo)).scalars()]
        upper = values[1] if len(values) > 1 else values[0]
        out.append(values[0] + (upper - values[0]) * (k - lo))
    return out


def _in(column: Any, start: datetime, end: datetime) -> Any:
    return sa.and_(column >= start, column < end)


# ------------------------------------------------------------------ applications


@dataclass(frozen=True)
class ApplicationCounts:
    received: int
    recorded: int
    print_ready: int
    printed: int
    handed_over: int
    rejected: int
    cancelled: int


def application_counts(start: datetime, end: datetime) -> ApplicationCounts:
    """Applications by the step that happened in the period: received (submitted),
    recorded, print-ready (SIAK's answer), printed (good cards), handed over, and
    those rejected or cancelled."""
    closed: dict[str, int] = {status: int(n) for status, n in db.session.execute(
        sa.select(Application.status, sa.func.count())
        .where(_in(Application.closed_at, start, end),
               Application.status.in_(("rejected", "cancelled")))
        .group_by(Application.status)).all()}
    return ApplicationCounts(
        received=_count(_in(Application.submitted_at, start, end)),
        recorded=_count(_in(Application.recorded_at, start, end)),
        print_ready=_count(_in(Application.siak_result_at, start, end),
                           Application.status != "duplicate"),
        printed=_count(_in(Card.printed_at, start, end), Card.status != "spoiled",
                       column=Card.id),
        handed_over=_count(_in(Card.handed_over_at, start, end), column=Card.id),
        rejected=int(closed.get("rejected", 0)),
        cancelled=int(closed.get("cancelled", 0)),
    )


# ------------------------------------------------------------------ service time


@dataclass(frozen=True)
class ServiceFigures:
    served: int  # clock stopped by the first good print in the period
    within_normal: int  # within the normal limit (1 h)
    within_disrupted: int  # within the disrupted limit (24 h)
    median_minutes: float | None
    p90_minutes: float | None
    breaches: int  # deadlines in the period that passed unmet
    normal_hours: int
    disrupted_hours: int

    @property
    def share_normal(self) -> float | None:
        return self.within_normal / self.served if self.served else None

    @property
    def share_disrupted(self) -> float | None:
        return self.within_disrupted / self.served if self.served else None

    @property
    def percent_normal(self) -> float | None:
        return None if self.share_normal is None else 100.0 * self.share_normal

    @property
    def percent_disrupted(self) -> float | None:
        return None if self.share_disrupted is None else 100.0 * self.share_disrupted


def _service_minutes() -> Any:
    """SQL: minutes from the clock's start (deadline minus its limit) to its stop."""
    return minutes_between(Application.clock_stopped_at, Application.deadline_at) \
        + Application.sla_hours * 60.0


def _breach_condition(start: datetime, end: datetime, now: datetime) -> list[Any]:
    """Deadlines in [start, end) already passed at `now` and not met: the clock stopped
    after it, or is still running (a request rejected or cancelled is no broken
    promise: models.service_clock.clock)."""
    return [
        _in(Application.deadline_at, start, end), Application.deadline_at < now,
        sa.or_(Application.clock_stopped_at > Application.deadline_at,
               sa.and_(Application.clock_stopped_at.is_(None),
                       Application.status.not_in(("rejected", "cancelled")))),
    ]


def _served_condition(start: datetime, end: datetime) -> list[Any]:
    return [_in(Application.clock_stopped_at, start, end),
            Application.status != "duplicate", Application.deadline_at.is_not(None)]


def service_figures(start: datetime, end: datetime, *, with_percentiles: bool = True,
                    standard: ServiceStandard | None = None) -> ServiceFigures:
    """Service against the standard: served, share within 1 h and 24 h, median and
    90th percentile minutes (None without `with_percentiles`: the trends and the
    landing pages need no sort), and the number of breaches. `standard`: the one in
    force, when the caller has read it already."""
    standard = standard or current_standard()
    minutes = _service_minutes()
    served_where = _served_condition(start, end)
    row = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case(
            (minutes <= standard.sla_hours * 60.0 + 1e-6, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case(
            (minutes <= standard.sla_hours_disrupted * 60.0 + 1e-6, 1), else_=0)), 0),
    ).where(*served_where)).one()
    median, p90 = percentiles(minutes, served_where, (0.5, 0.9)) if with_percentiles \
        else (None, None)
    now = min(utcnow(), end)
    return ServiceFigures(
        served=int(row[0]), within_normal=int(row[1]), within_disrupted=int(row[2]),
        median_minutes=None if median is None else round(median, 2),
        p90_minutes=None if p90 is None else round(p90, 2),
        breaches=_count(*_breach_condition(start, end, now)),
        normal_hours=standard.sla_hours, disrupted_hours=standard.sla_hours_disrupted)


@dataclass(frozen=True)
class BreachGroup:
    hours: int | None  # the limit that was broken
    disrupted: bool  # under a disruption that gave the longer limit
    count: int
    max_late_minutes: float | None  # the latest of them (up to the period's end if open)
    open: int  # still not served at the period's end


def breach_groups(start: datetime, end: datetime) -> list[BreachGroup]:
    """The period's breaches by reason: the limit broken, with or without a
    disruption, how many, how late the latest, how many still open."""
    now = min(utcnow(), end)
    late = minutes_between(sa.func.coalesce(Application.clock_stopped_at, sa.literal(now)),
                           Application.deadline_at)
    disrupted = Application.disruption_id.is_not(None)
    rows = db.session.execute(
        sa.select(Application.sla_hours, disrupted.label("disrupted"),
                  sa.func.count(), sa.func.max(late),
                  sa.func.sum(sa.case((Application.clock_stopped_at.is_(None), 1),
                                      else_=0)))
        .where(*_breach_condition(start, end, now))
        .group_by(Application.sla_hours, disrupted)
        .order_by(Application.sla_hours, disrupted)).all()
    return [BreachGroup(None if h is None else int(h), bool(d), int(n),
                        None if m is None else round(float(m), 2), int(o or 0))
            for h, d, n, m, o in rows]


@dataclass(frozen=True)
class Breach:
    application_id: int
    number: str
    submitted_at: datetime | None
    deadline_at: datetime
    stopped_at: datetime | None
    hours: int | None
    disruption_id: int | None
    reason: str


def breaches(start: datetime, end: datetime, limit: int = 100, offset: int = 0
             ) -> list[Breach]:
    """The period's breaches (by deadline), earliest first, each with its reason as
    the service clock gives it (judged at the period's end for one still open)."""
    now = min(utcnow(), end)
    rows = db.session.execute(
        sa.select(Application).where(*_breach_condition(start, end, now))
        .order_by(Application.deadline_at, Application.id).limit(limit).offset(offset)
    ).scalars()
    out = []
    for application in rows:
        c = clock(application, now)
        assert application.deadline_at is not None  # the breach condition filters on it
        out.append(Breach(application.id, application.number, application.submitted_at,
                          application.deadline_at, application.clock_stopped_at,
                          application.sla_hours, application.disruption_id,
                          c.breach_reason or ""))
    return out


# ------------------------------------------------------------------ disruptions


@dataclass(frozen=True)
class DisruptionFigure:
    id: int
    kind: str
    label: str
    started_at: datetime
    ended_at: datetime | None
    minutes: float  # its whole length (up to the period's end while still open)
    in_force: bool
    awaiting_confirmation: bool
    applications_extended: int  # applications whose 24-hour limit it gave
    reported_at: datetime | None = None


def disruptions(start: datetime, end: datetime, limit: int = 200) -> list[DisruptionFigure]:
    """Disruptions that met the period (started before its end, not ended before its
    start), with kind, length and the applications whose limit they extended."""
    rows = list(db.session.execute(
        sa.select(Disruption).where(
            Disruption.started_at < end,
            sa.or_(Disruption.ended_at.is_(None), Disruption.ended_at >= start))
        .order_by(Disruption.started_at, Disruption.id).limit(limit)).scalars())
    extended: dict[int, int] = {int(d or 0): int(n) for d, n in db.session.execute(
        sa.select(Application.disruption_id, sa.func.count())
        .where(Application.disruption_id.in_([d.id for d in rows]))
        .group_by(Application.disruption_id)).all()} if rows else {}
    until_default = min(utcnow(), end)
    out = []
    for d in rows:
        until = d.ended_at or max(until_default, d.started_at)
        out.append(DisruptionFigure(
            d.id, d.kind, str(DISRUPTION_LABELS.get(d.kind, d.kind)), d.started_at,
            d.ended_at, round((until - d.started_at).total_seconds() / 60, 2), d.in_force,
            d.awaiting_confirmation, int(extended.get(d.id, 0)), d.reported_at))
    return out


# ------------------------------------------------------------------ blanks


@dataclass(frozen=True)
class BlankFigures:
    opening: int  # on hand (available or reserved) at the start
    received: int
    used: int
    spoiled: int
    lost: int
    returned: int
    destroyed: int  # spoiled blanks destroyed (they had already left the stock)
    closing: int
    spoiled_reasons: list[tuple[str, int]] = field(default_factory=list)

    @property
    def spoil_rate(self) -> float | None:
        """Spoiled among the blanks printed on (used + spoiled)."""
        printed = self.used + self.spoiled
        return self.spoiled / printed if printed else None

    @property
    def balances(self) -> bool:
        return self.opening + self.received - self.used - self.spoiled - self.lost \
            - self.returned == self.closing


def _event_counts(*where: Any) -> dict[str, int]:
    return {k: int(n) for k, n in db.session.execute(
        sa.select(BlankEvent.kind, sa.func.count()).where(*where)
        .group_by(BlankEvent.kind)).all()}


def blanks_on_hand_at(moment: datetime) -> int:
    """Blanks received and not gone (used, spoiled, lost, returned) before `moment`:
    from the event log, as models.blanks' reconciliation counts them. One count per
    kind, each a range of the (kind, at) index alone (a GROUP BY over the kinds would
    read every event's row)."""
    def before(kind: str) -> int:
        return _count(BlankEvent.kind == kind, BlankEvent.at < moment, column=BlankEvent.id)

    return before("received") - sum(before(k) for k in STOCK_OUT_KINDS)


def blank_figures(start: datetime, end: datetime, reasons_limit: int = 20) -> BlankFigures:
    """The period's blank flow from the event log: opening + received - used - spoiled
    - lost - returned = closing, with the spoiled blanks' reasons."""
    counts = _event_counts(_in(BlankEvent.at, start, end))
    reasons = [(reason or "", int(n)) for reason, n in db.session.execute(
        sa.select(BlankEvent.reason, sa.func.count())
        .where(BlankEvent.kind == "spoiled", _in(BlankEvent.at, start, end))
        .group_by(BlankEvent.reason)
        .order_by(sa.func.count().desc(), BlankEvent.reason)
        .limit(reasons_limit)).all()]
    opening = blanks_on_hand_at(start)
    flow = counts.get("received", 0) - sum(counts.get(k, 0) for k in STOCK_OUT_KINDS)
    return BlankFigures(
        opening=opening, received=counts.get("received", 0),
        used=counts.get("used", 0), spoiled=counts.get("spoiled", 0),
        lost=counts.get("lost", 0), returned=counts.get("returned", 0),
        destroyed=counts.get("destroyed", 0),
        # The events before the end are those before the start and those within: the
        # closing stock is blanks_on_hand_at(end), counted here without reading the
        # whole log twice (tests check it against blanks_on_hand_at).
        closing=opening + flow, spoiled_reasons=reasons)


def blank_status_counts() -> dict[str, int]:
    """Every blank by its present status (the reconciliation's cross-check)."""
    return {s: int(n) for s, n in db.session.execute(
        sa.select(Blank.status, sa.func.count()).group_by(Blank.status)).all()}


# ------------------------------------------------------------------ cards


@dataclass(frozen=True)
class AgeBand:
    min_days: int
    max_days: int | None
    cards: int


def uncollected_cards_by_age(at: datetime) -> list[AgeBand]:
    """Good cards printed before `at` and not handed over by then, by days since
    printing (AGE_BANDS)."""
    def band_case() -> Any:
        whens = []
        for i, (_lo, hi) in enumerate(AGE_BANDS):
            if hi is not None:
                whens.append((Card.printed_at > at - timedelta(days=hi + 1), i))
        return sa.case(*whens, else_=len(AGE_BANDS) - 1)

    band = band_case().label("band")
    counts: dict[int, int] = {}
    # Not yet handed over, or handed over since: two ranges of the (handed_over_at,
    # printed_at, status) index rather than one OR that would scan every card.
    for waiting in (Card.handed_over_at.is_(None), Card.handed_over_at >= at):
        for b, n in db.session.execute(
                sa.select(band, sa.func.count())
                .where(waiting, Card.printed_at < at, Card.status != "spoiled")
                .group_by(band)).all():
            counts[int(b)] = counts.get(int(b), 0) + int(n)
    return [AgeBand(lo, hi, counts.get(i, 0)) for i, (lo, hi) in enumerate(AGE_BANDS)]


# ------------------------------------------------------------------ complaints


@dataclass(frozen=True)
class ChannelResponse:
    channel: str
    received: int
    answered: int
    mean_hours: float | None


@dataclass(frozen=True)
class ComplaintFigures:
    received: int
    answered_in_time: int  # first response by its deadline (of those received)
    answered_late: int
    resolved: int  # resolved in the period
    overdue: int  # open at the period's end past the resolution deadline
    by_channel: list[ChannelResponse]


def complaint_figures(start: datetime, end: datetime) -> ComplaintFigures:
    """Complaints received in the period, answered within the first-response deadline,
    resolved in the period, overdue at its end; response time by channel."""
    received = _in(Complaint.received_at, start, end)
    answered = sa.and_(Complaint.responded_at.is_not(None), Complaint.responded_at < end)
    in_time = sa.and_(answered, Complaint.responded_at <= Complaint.first_response_due_at)
    row = db.session.execute(sa.select(
        sa.func.count(),
        sa.func.coalesce(sa.func.sum(sa.case((in_time, 1), else_=0)), 0),
        sa.func.coalesce(sa.func.sum(sa.case((sa.and_(answered, sa.not_(in_time)), 1),
                                             else_=0)), 0),
    ).where(received)).one()
    hours = minutes_between(Complaint.responded_at, Complaint.received_at) / 60.0
    channels = {ch: (int(n), int(a or 0), None if m is None else round(float(m), 2))
                for ch, n, a, m in db.session.execute(
                    sa.select(Complaint.channel, sa.func.count(),
                              sa.func.sum(sa.case((answered, 1), else_=0)),
                              sa.func.avg(sa.case((answered, hours), else_=None)))
                    .where(received).group_by(Complaint.channel)).all()}
    overdue = _count(Complaint.received_at < end, Complaint.resolution_due_at < end,
                     sa.or_(Complaint.resolved_at.is_(None), Complaint.resolved_at >= end),
                     column=Complaint.id)
    return ComplaintFigures(
        received=int(row[0]), answered_in_time=int(row[1]), answered_late=int(row[2]),
        resolved=_count(_in(Complaint.resolved_at, start, end),
                        Complaint.status == "resolved", column=Complaint.id),
        overdue=overdue,
        by_channel=[ChannelResponse(ch, *channels[ch]) for ch in CHANNELS if ch in channels])


# ------------------------------------------------------------------ people and places


@dataclass(frozen=True)
class OperatorOutput:
    user_id: int
    name: str
    recorded: int
    printed: int
    spoiled: int
    handed_over: int


def output_per_operator(start: datetime, end: datetime) -> list[OperatorOutput]:
    """Per officer: applications recorded, cards printed (good and spoiled) and cards
    handed over in the period."""
    figures: dict[int, dict[str, int]] = {}

    def add(name: str, rows: Any) -> None:
        for user_id, n in rows:
            if user_id is not None:
                figures.setdefault(int(user_id), {})[name] = int(n)

    add("recorded", db.session.execute(
        sa.select(Application.recorded_by_id, sa.func.count())
        .where(_in(Application.recorded_at, start, end))
        .group_by(Application.recorded_by_id)).all())
    printed = _in(Card.printed_at, start, end)
    add("printed", db.session.execute(
        sa.select(Card.printed_by_id, sa.func.count())
        .where(printed, Card.status != "spoiled").group_by(Card.printed_by_id)).all())
    add("spoiled", db.session.execute(
        sa.select(Card.printed_by_id, sa.func.count())
        .where(printed, Card.status == "spoiled").group_by(Card.printed_by_id)).all())
    add("handed_over", db.session.execute(
        sa.select(Card.handed_over_by_id, sa.func.count())
        .where(_in(Card.handed_over_at, start, end))
        .group_by(Card.handed_over_by_id)).all())
    names: dict[int, str] = {int(uid): name for uid, name in db.session.execute(
        sa.select(User.id, User.full_name).where(User.id.in_(list(figures)))).all()}
    return sorted(
        (OperatorOutput(uid, names.get(uid) or f"#{uid}", f.get("recorded", 0),
                        f.get("printed", 0), f.get("spoiled", 0), f.get("handed_over", 0))
         for uid, f in figures.items()),
        key=lambda o: (o.name, o.user_id))


@dataclass(frozen=True)
class AreaFigures:
    district_code: str
    district_name: str
    male: int
    female: int

    @property
    def total(self) -> int:
        return self.male + self.female


def by_kecamatan_and_sex(start: datetime, end: datetime) -> list[AreaFigures]:
    """Applications received in the period by the applicant's kecamatan and sex."""
    district = sa.func.substr(Applicant.village_code, 1, 8).label("district")
    rows = db.session.execute(
        sa.select(district, Applicant.sex, sa.func.count()).select_from(Application)
        .join(Applicant, Applicant.id == Application.applicant_id)
        .where(_in(Application.submitted_at, start, end))
        .group_by(district, Applicant.sex)).all()
    table: dict[str, dict[str, int]] = {}
    for code, sex, n in rows:
        table.setdefault(code or "", {})[sex] = int(n)
    out = []
    for code, by_sex in table.items():
        d = wilayah.district_name(code.replace(".", "")) if code else None
        out.append(AreaFigures(code, d or code or "-", by_sex.get(codes.MALE, 0),
                               by_sex.get(codes.FEMALE, 0)))
    return sorted(out, key=lambda a: (a.district_name, a.district_code))


# ------------------------------------------------------------------ the audit chain


@dataclass(frozen=True)
class ChainHead:
    entry_id: int
    hash: str
    at: datetime


def audit_head_at(moment: datetime) -> ChainHead | None:
    """The audit chain's last entry before `moment` (its number and HMAC)."""
    row = db.session.execute(
        sa.select(AuditEntry.id, AuditEntry.hash, AuditEntry.at)
        .where(AuditEntry.at < moment).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(1)).first()
    return ChainHead(int(row[0]), row[1], row[2]) if row else None


__all__ = [
    "AGE_BANDS", "AgeBand", "ApplicationCounts", "AreaFigures", "BlankFigures", "Breach",
    "BreachGroup", "breach_groups",
    "ChainHead", "ChannelResponse", "ComplaintFigures", "DisruptionFigure",
    "OperatorOutput", "ServiceFigures", "application_counts", "audit_head_at",
    "blank_figures", "blank_status_counts", "blanks_on_hand_at", "breaches",
    "by_kecamatan_and_sex", "complaint_figures", "disruptions", "minutes_between",
    "output_per_operator", "percentiles", "service_figures", "uncollected_cards_by_age",
]
