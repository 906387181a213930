"""The read side of each role's landing page (/admin/): counts and short lists only.

Every figure is an SQL aggregate over indexed columns, or a list cut at a few rows;
nothing loads a period's records into Python. Figures that the monthly evaluation
prints too (service within 1 h / 24 h, breaches, complaints, SKM) come from the same
definitions in models.statistics and models.survey, so "today" and "this month" here
equal the evaluation's. The last twelve months, which would mean reading a year of
applications on every page, are kept as one stored snapshot per closed month
(DashboardMonth), recomputed when older than SNAPSHOT_MAX_AGE.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from . import audit, blanks, complaints, service_clock, statistics, survey
from .applications import OPEN_STATUSES, Application
from .batches import PrintBatch
from .blanks import BlankEvent
from .cards import Card
from .complaints import Complaint
from .db import Model, db
from .errors import DomainError
from .evaluations import EvaluationReport
from .office_time import month_range, office_date, office_day_range, utcnow
from .permissions import (
    ADMIN,
    HEAD_OF_DIVISION,
    HEAD_OF_OFFICE,
    PRINTING_OPERATOR,
    RECORDING_OPERATOR,
    ROLES,
    SECRETARY,
    require,
)
from .queue import COUNT_CAP, Count
from .service_clock import Disruption
from .standard import ServiceStandard, current_standard
from .users import User, pending_grants_query

# Indexes for the landing pages' figures (migration 0013), beside statistics' own.
_app = Application.__table__.c
INDEXES = (
    # Overdue = a running clock (not stopped, not closed) past its deadline. SQLite's
    # statistics count NULLs as distinct values, so they take "closed_at IS NULL" for
    # one row and would walk the closed_at index (every uncollected card and duplicate
    # too: ~70,000 rows at 1M a year); this index answers the whole condition and the
    # columns the landing pages ask of it without the table, which makes it the
    # cheaper plan in SQLite's eyes as it is in fact.
    sa.Index("ix_application_running", _app.closed_at, _app.clock_stopped_at,
             _app.deadline_at, _app.status, _app.submitted_by_id, _app.recorded_by_id,
             _app.print_batch_id),
    # Served in a period and breaches by deadline, counted from the index alone (a
    # month is ~80,000 rows at 1M a year: no table lookups).
    sa.Index("ix_application_served", _app.clock_stopped_at, _app.status, _app.deadline_at,
             _app.sla_hours),
    sa.Index("ix_application_deadline_stop", _app.deadline_at, _app.clock_stopped_at,
             _app.status),
    # Good cards waiting past the standard's days, counted from the index alone.
    sa.Index("ix_card_waiting", Card.__table__.c.handed_over_at, Card.__table__.c.printed_at,
             Card.__table__.c.status),
)

LIST_LIMIT = 10  # rows of any list on a landing page; the full list is one click away
TREND_MONTHS = 12
USE_WINDOW_DAYS = 30  # the blank use rate: the last 30 days' average per day
RECENT_REJECTION_DAYS = 7  # a rejected batch waits for its operator this long
SNAPSHOT_MAX_AGE = timedelta(hours=6)
SNAPSHOT_REFRESHES_PER_PAGE = 1  # stale snapshots recomputed by one page view, at most


# ------------------------------------------------------------------ service figures


# The landing pages' service figures are the monthly evaluation's (statistics), without
# the percentiles: the same conditions and limits, one aggregate.
ServiceShares = statistics.ServiceFigures


def service_shares(start: datetime, end: datetime,
                   standard: ServiceStandard | None = None) -> ServiceShares:
    """Served in [start, end), within the normal and the disrupted limit, and the
    breaches by deadline, exactly as the monthly evaluation counts them (the standard
    in force, read once per page by the caller that passes it)."""
    return statistics.service_figures(start, end, with_percentiles=False, standard=standard)


def today_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The office day (WITA) of `now` as [start, end) in UTC."""
    day = office_date(now or utcnow())
    return office_day_range(day, day)


def this_month_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    day = office_date(now or utcnow())
    return month_range(day.year, day.month)


# ------------------------------------------------------------------ small pieces


@dataclass(frozen=True)
class LateItem:
    """An overdue application as a landing page lists it: no resident data."""

    application_id: int
    number: str
    status: str
    deadline_at: datetime
    late_by: timedelta


@dataclass(frozen=True)
class BlankStock:
    available: int
    threshold: int
    used_last_days: int  # used and spoiled (printed on) in the last USE_WINDOW_DAYS
    window_days: int

    @property
    def low(self) -> bool:
        return self.available < self.threshold

    @property
    def daily_use(self) -> float:
        return self.used_last_days / self.window_days

    @property
    def days_left(self) -> float | None:
        """Days until the stock is gone at the recent rate; None when nothing was used."""
        return self.available / self.daily_use if self.used_last_days else None


def blank_stock(now: datetime | None = None) -> BlankStock | None:
    """Available blanks, the standard's threshold, and the days they last at the last
    30 days' rate of use (blanks printed on, good or spoiled: both leave the stock)."""
    now = now or utcnow()
    alert = blanks.stock_alert()
    if alert is None:
        return None
    used = db.session.execute(sa.select(sa.func.count()).select_from(BlankEvent).where(
        BlankEvent.kind.in_(("used", "spoiled")),
        BlankEvent.at >= now - timedelta(days=USE_WINDOW_DAYS),
        BlankEvent.at < now)).scalar() or 0
    return BlankStock(alert.available, alert.threshold, int(used), USE_WINDOW_DAYS)


def queue_by_state() -> dict[str, Count]:
    """The open applications by state (the work queue as it stands), each counted up to
    the queue's COUNT_CAP (cards printed and not yet collected run to tens of
    thousands in a year: "more than 1,000" says enough on a landing page)."""
    parts = [sa.select(sa.literal(status).label("status"), sa.func.count().label("n"))
             .select_from(sa.select(Application.id).where(Application.status == status)
                          .limit(COUNT_CAP + 1).subquery())
             for status in OPEN_STATUSES]
    rows = db.session.execute(sa.union_all(*parts)).all()
    return {str(status): Count(min(int(n), COUNT_CAP), int(n) > COUNT_CAP)
            for status, n in rows if n}


def received_between(start: datetime, end: datetime) -> int:
    return int(db.session.execute(sa.select(sa.func.count()).select_from(Application).where(
        Application.submitted_at >= start, Application.submitted_at < end)).scalar() or 0)


def _overdue(now: datetime, *where: Any) -> tuple[int, list[LateItem]]:
    condition = [Application.status.in_(OPEN_STATUSES),
                 service_clock.overdue_condition(now), *where]
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Application).where(*condition)).scalar() or 0
    # The first rows from the index alone, then their numbers by primary key.
    first = db.session.execute(
        sa.select(Application.id, Application.status, Application.deadline_at)
        .where(*condition).order_by(Application.deadline_at, Application.id)
        .limit(LIST_LIMIT)).all()
    numbers: dict[int, str] = {int(i): str(n) for i, n in db.session.execute(
        sa.select(Application.id, Application.number).where(
            Application.id.in_([i for i, _s, _d in first]))).all()} if first else {}
    return int(count), [LateItem(i, numbers[i], s, d, now - d) for i, s, d in first]


def own_overdue(user: User, now: datetime) -> tuple[int, list[LateItem]]:
    """Overdue applications that are this operator's: received or recorded by them
    (recording), or in a print batch they made (printing)."""
    mine: Any
    if user.role == PRINTING_OPERATOR:
        # Asked of the few overdue rows only, never of every batch the operator made.
        mine = sa.exists().where(PrintBatch.id == Application.print_batch_id,
                                 PrintBatch.created_by_id == user.id)
    else:
        mine = sa.or_(Application.submitted_by_id == user.id,
                      Application.recorded_by_id == user.id)
    return _overdue(now, mine)


def overdue_complaints(now: datetime, user: User | None = None) -> int:
    """Complaints past a deadline (all, or those assigned to `user`)."""
    where = [complaints.overdue_condition(now)]
    if user is not None:
        where.append(Complaint.assigned_to_id == user.id)
    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(Complaint).where(*where)).scalar() or 0)


@dataclass(frozen=True)
class BatchItem:
    id: int
    number: str
    status: str
    at: datetime | None  # submitted (awaiting approval) or decided
    note: str | None = None


def _batches(*where: Any, order: Any = PrintBatch.id) -> tuple[int, list[BatchItem]]:
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(PrintBatch).where(*where)).scalar() or 0
    rows = db.session.execute(
        sa.select(PrintBatch.id, PrintBatch.number, PrintBatch.status,
                  sa.func.coalesce(PrintBatch.approved_at, PrintBatch.submitted_at),
                  PrintBatch.decision_note)
        .where(*where).order_by(order, PrintBatch.id).limit(LIST_LIMIT)).all()
    return int(count), [BatchItem(*row) for row in rows]


def awaiting_approval_count() -> int:
    """Batches submitted and not yet decided: the menu badge (one indexed count)."""
    return int(db.session.execute(sa.select(sa.func.count()).select_from(PrintBatch).where(
        PrintBatch.status == "submitted")).scalar() or 0)


def cards_awaiting_confirmation(user: User | None = None) -> int:
    """Cards printed and not yet confirmed good or spoiled (of `user`'s prints)."""
    where = [Card.status == "printed", Card.confirmed_at.is_(None)]
    if user is not None:
        where.append(Card.printed_by_id == user.id)
    return int(db.session.execute(
        sa.select(sa.func.count()).select_from(Card).where(*where)).scalar() or 0)


def uncollected_beyond_limit(now: datetime, standard: ServiceStandard) -> int:
    """Good cards printed more than the standard's days ago and not handed over (the
    definition of statistics.uncollected_cards_by_age)."""
    return int(db.session.execute(sa.select(sa.func.count()).select_from(Card).where(
        Card.handed_over_at.is_(None), Card.status != "spoiled",
        Card.printed_at < now - timedelta(days=standard.uncollected_flag_days))
    ).scalar() or 0)


@dataclass(frozen=True)
class DisruptionItem:
    id: int
    kind: str
    started_at: datetime
    ended_at: datetime | None
    awaiting_confirmation: bool


def disruptions_needing_attention() -> list[DisruptionItem]:
    """Disruptions still open, or entered after the fact and waiting for the head of
    division's confirmation (ended or not), oldest first."""
    rows = db.session.execute(
        sa.select(Disruption).where(
            Disruption.dismissed_at.is_(None),
            sa.or_(Disruption.ended_at.is_(None),
                   sa.and_(Disruption.needs_confirmation == sa.true(),
                           Disruption.confirmed_at.is_(None))))
        .order_by(Disruption.started_at, Disruption.id).limit(LIST_LIMIT)).scalars()
    return [DisruptionItem(d.id, d.kind, d.started_at, d.ended_at, d.awaiting_confirmation)
            for d in rows]


# ------------------------------------------------------------------ the audit chain


@dataclass(frozen=True)
class ChainState:
    """What can be checked on every page view without re-verifying the chain: the
    head entry's own HMAC, and the last anchor line's HMAC and that the entry it
    anchored still carries the anchored hash."""

    head_id: int | None
    head_hash: str | None
    head_at: datetime | None
    head_ok: bool
    anchor_at: datetime | None
    anchor_entry_id: int | None
    anchor_ok: bool | None  # None: no anchor yet
    entries_since_anchor: int | None

    @property
    def ok(self) -> bool:
        return self.head_ok and self.anchor_ok is not False


def chain_state() -> ChainState:
    head = db.session.execute(
        sa.select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc()).limit(1)).scalar()
    if head is None:
        return ChainState(None, None, None, True, None, None, None, None)
    key = audit.audit_key()
    head_ok = audit._entry_ok(head, key, _legacy_until())
    line = audit._last_line(audit.anchor_path())
    anchor_at = anchor_id = None
    anchor_ok: bool | None = None
    if line is not None:
        anchor_ok = False
        parts = line.split(" ")
        if len(parts) == 4 and not parts[1].startswith("legacy-until="):
            try:
                anchor_at = datetime.fromisoformat(parts[0].rstrip("Z"))
                anchor_id = int(parts[1])
            except ValueError:
                anchor_at = anchor_id = None
            if anchor_id is not None and anchor_at is not None:
                text = audit._anchor_text(anchor_at, anchor_id, parts[2], "anchor")
                anchored = db.session.get(audit.AuditEntry, anchor_id)
                anchor_ok = (text == " ".join(parts[:3])
                             and audit._mac(key, "anchor " + text) == parts[3]
                             and anchored is not None and anchored.hash == parts[2])
    return ChainState(head.id, head.hash, head.at, head_ok, anchor_at, anchor_id,
                      anchor_ok, head.id - anchor_id if anchor_id is not None else None)


def _legacy_until() -> int:
    """Entries up to this id were hashed before the key existed (a legacy anchor line
    says so; such a line is only ever the first)."""
    path = audit.anchor_path()
    if not path.exists():
        return 0
    with path.open() as fh:
        first = fh.readline().split(" ")
    if len(first) == 4 and first[1].startswith("legacy-until="):
        try:
            return int(first[1].removeprefix("legacy-until="))
        except ValueError:
            return 0
    return 0


# ------------------------------------------------------------------ the months


class DashboardMonth(Model):
    """The landing pages' figures of one closed office month (WITA), kept so the
    twelve-month trends do not read a year of applications on every page view. A
    cache, not a record: recomputed from the records when older than SNAPSHOT_MAX_AGE;
    the monthly evaluation never reads it."""

    __tablename__ = "dashboard_month"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM
    figures: Mapped[dict] = mapped_column(sa.JSON)
    computed_at: Mapped[datetime]


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    received: int
    served: int
    within_normal: int
    within_disrupted: int
    breaches: int
    complaints_received: int
    complaints_overdue: int  # at the month's end (or now, for the current month)
    skm_index: str | None  # two decimals, as reported
    skm_respondents: int
    computed_at: datetime

    @property
    def share_normal(self) -> float | None:
        return 100.0 * self.within_normal / self.served if self.served else None

    @property
    def share_disrupted(self) -> float | None:
        return 100.0 * self.within_disrupted / self.served if self.served else None


def _compute_month(first: date, now: datetime) -> MonthFigures:
    start, end = month_range(first.year, first.month)
    shares = service_shares(start, end)
    complaint = statistics.complaint_figures(start, min(end, now))
    skm = survey.summary(start, end)
    return MonthFigures(
        first, received_between(start, end), shares.served, shares.within_normal,
        shares.within_disrupted, shares.breaches, complaint.received, complaint.overdue,
        None if skm.index_rounded is None else str(skm.index_rounded), skm.respondents,
        now)


def _as_json(m: MonthFigures) -> dict[str, Any]:
    return {"received": m.received, "served": m.served, "within_normal": m.within_normal,
            "within_disrupted": m.within_disrupted, "breaches": m.breaches,
            "complaints_received": m.complaints_received,
            "complaints_overdue": m.complaints_overdue, "skm_index": m.skm_index,
            "skm_respondents": m.skm_respondents}


def _from_json(first: date, data: dict[str, Any], at: datetime) -> MonthFigures:
    return MonthFigures(first, int(data["received"]), int(data["served"]),
                        int(data["within_normal"]), int(data["within_disrupted"]),
                        int(data["breaches"]), int(data["complaints_received"]),
                        int(data["complaints_overdue"]), data.get("skm_index"),
                        int(data.get("skm_respondents", 0)), at)


def months_back(today: date, count: int) -> list[date]:
    """The first days of the last `count` office months, oldest first, this one last."""
    out = []
    year, month = today.year, today.month
    for _ in range(count):
        out.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return out[::-1]


def month_trend(now: datetime | None = None, count: int = TREND_MONTHS,
                current: MonthFigures | None = None) -> list[MonthFigures]:
    """The last `count` months' figures, oldest first: the current month live (or
    `current`, already computed), the closed ones from their snapshot (a missing one is
    computed and stored; of the stale ones at most SNAPSHOT_REFRESHES_PER_PAGE are
    recomputed per call)."""
    now = now or utcnow()
    firsts = months_back(office_date(now), count)
    keys = [f"{m:%Y-%m}" for m in firsts[:-1]]
    stored = {s.month: s for s in db.session.execute(
        sa.select(DashboardMonth).where(DashboardMonth.month.in_(keys))).scalars()}
    out: list[MonthFigures] = []
    refreshes = 0
    changed: list[MonthFigures] = []
    for first, key in zip(firsts[:-1], keys, strict=True):
        snap = stored.get(key)
        stale = snap is not None and now - snap.computed_at > SNAPSHOT_MAX_AGE
        if snap is None or (stale and refreshes < SNAPSHOT_REFRESHES_PER_PAGE):
            refreshes += snap is not None
            figures = _compute_month(first, now)
            changed.append(figures)
            out.append(figures)
        else:
            out.append(_from_json(first, snap.figures, snap.computed_at))
    out.append(current if current is not None else _compute_month(firsts[-1], now))
    if changed:
        _store(changed)
    return out


def _store(months: list[MonthFigures]) -> None:
    """Write the recomputed snapshots; a page view that loses the race to another
    (the same month inserted at the same moment) keeps its figures unstored."""
    try:
        for m in months:
            db.session.merge(DashboardMonth(month=f"{m.month:%Y-%m}", figures=_as_json(m),
                                            computed_at=m.computed_at))
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()


def forget_snapshots() -> None:
    """Drop every stored month (after a correction the office wants seen at once)."""
    db.session.execute(sa.delete(DashboardMonth))
    db.session.commit()


# ------------------------------------------------------------------ the boards


@dataclass(frozen=True)
class OperatorBoard:
    queue: dict[str, Count]
    received_today: int
    own_overdue: int
    own_overdue_items: list[LateItem]
    own_overdue_complaints: int
    stock: BlankStock | None
    # printing operators
    approved_batches: int = 0
    approved_items: list[BatchItem] = field(default_factory=list)
    cards_to_confirm: int = 0
    rejected_batches: int = 0
    rejected_items: list[BatchItem] = field(default_factory=list)


def operator_board(user: User, now: datetime | None = None) -> OperatorBoard:
    require(user, "dashboard", "view")
    now = now or utcnow()
    start, end = today_range(now)
    count, items = own_overdue(user, now)
    board = OperatorBoard(queue_by_state(), received_between(start, end), count, items,
                          overdue_complaints(now, user), blank_stock(now))
    if user.role != PRINTING_OPERATOR:
        return board
    approved, approved_items = _batches(PrintBatch.status == "approved",
                                        order=PrintBatch.approved_at)
    rejected, rejected_items = _batches(
        PrintBatch.status == "rejected", PrintBatch.created_by_id == user.id,
        PrintBatch.approved_at >= now - timedelta(days=RECENT_REJECTION_DAYS),
        order=PrintBatch.approved_at.desc())
    return OperatorBoard(**{**board.__dict__, "approved_batches": approved,
                            "approved_items": approved_items,
                            "cards_to_confirm": cards_awaiting_confirmation(),
                            "rejected_batches": rejected, "rejected_items": rejected_items})


@dataclass(frozen=True)
class DivisionBoard:
    awaiting_approval: int
    awaiting_items: list[BatchItem]
    today: ServiceShares
    month: ServiceShares
    overdue_complaints: int
    uncollected: int
    uncollected_days: int
    stock: BlankStock | None
    disruptions: list[DisruptionItem]
    overdue_applications: int


def division_board(user: User, now: datetime | None = None) -> DivisionBoard:
    require(user, "dashboard", "view")
    now = now or utcnow()
    standard = current_standard()
    awaiting, items = _batches(PrintBatch.status == "submitted", order=PrintBatch.submitted_at)
    overdue, _items = _overdue(now)
    return DivisionBoard(
        awaiting, items, service_shares(*today_range(now), standard),
        service_shares(*this_month_range(now), standard), overdue_complaints(now),
        uncollected_beyond_limit(now, standard), standard.uncollected_flag_days,
        blank_stock(now), disruptions_needing_attention(), overdue)


@dataclass(frozen=True)
class EvaluationItem:
    id: int
    period: str
    step: str  # what it waits for: "review" or "acknowledge"


def evaluations_awaiting(user: User) -> list[EvaluationItem]:
    """Reports waiting for this role's sign-off: the secretary reviews what the head of
    division submitted, the head of office acknowledges what the secretary reviewed."""
    waiting = {SECRETARY: ("submitted", "review"), HEAD_OF_OFFICE: ("reviewed", "acknowledge")}
    if user.role not in waiting:
        return []
    status, step = waiting[user.role]
    rows = db.session.execute(
        sa.select(EvaluationReport.id, EvaluationReport.period)
        .where(EvaluationReport.status == status)
        .order_by(EvaluationReport.period, EvaluationReport.id).limit(LIST_LIMIT)).all()
    return [EvaluationItem(i, p, step) for i, p in rows]


@dataclass(frozen=True)
class OfficeBoard:
    month: ServiceShares
    month_breaches: list[statistics.Breach]
    complaints: statistics.ComplaintFigures
    skm: survey.SurveySummary
    trend: list[MonthFigures]
    chain: ChainState
    evaluations: list[EvaluationItem]
    month_start: datetime


def office_board(user: User, now: datetime | None = None) -> OfficeBoard:
    require(user, "dashboard", "view")
    now = now or utcnow()
    start, end = this_month_range(now)
    shares = service_shares(start, end)
    complaint = statistics.complaint_figures(start, min(end, now))
    skm = survey.summary(start, end)
    first = office_date(start + timedelta(hours=12))  # the month's first day, in WITA
    current = MonthFigures(
        first, received_between(start, end), shares.served, shares.within_normal,
        shares.within_disrupted, shares.breaches, complaint.received, complaint.overdue,
        None if skm.index_rounded is None else str(skm.index_rounded), skm.respondents, now)
    return OfficeBoard(
        shares, statistics.breaches(start, end, limit=LIST_LIMIT), complaint, skm,
        month_trend(now, current=current), chain_state(), evaluations_awaiting(user), start)


@dataclass(frozen=True)
class AdminBoard:
    accounts: dict[str, tuple[int, int]]  # role (or "" for none yet) -> (active, inactive)
    locked: int
    pending_grants: int
    grants: list[tuple[int, str, str, datetime]]  # id, username, role, requested_at
    standard: ServiceStandard | None


def admin_board(user: User, now: datetime | None = None) -> AdminBoard:
    """Accounts, role grants and the standard: nothing about residents."""
    require(user, "dashboard", "view")
    now = now or utcnow()
    accounts: dict[str, tuple[int, int]] = {}
    for role, active, n in db.session.execute(
            sa.select(User.role, User.active, sa.func.count(User.id))
            .group_by(User.role, User.active)).all():
        on, off = accounts.get(role or "", (0, 0))
        accounts[role or ""] = (on + int(n), off) if active else (on, off + int(n))
    locked = db.session.execute(sa.select(sa.func.count(User.id)).where(
        User.locked_until > now)).scalar() or 0
    pending = pending_grants_query().subquery()
    pending_count = db.session.execute(sa.select(sa.func.count()).select_from(pending)
                                       ).scalar() or 0
    grants = [(g.id, g.user.username if g.user else str(g.user_id), g.role, g.requested_at)
              for g in db.session.execute(pending_grants_query().limit(LIST_LIMIT)).scalars()]
    try:
        standard: ServiceStandard | None = current_standard()
    except DomainError:
        standard = None
    ordered = {r: accounts[r] for r in (*ROLES, "") if r in accounts}
    return AdminBoard(ordered, int(locked), int(pending_count), grants, standard)


BOARD_OF_ROLE = {
    RECORDING_OPERATOR: "operator", PRINTING_OPERATOR: "operator",
    HEAD_OF_DIVISION: "division", SECRETARY: "office", HEAD_OF_OFFICE: "office",
    ADMIN: "admin",
}


def board_kind(user: User) -> str | None:
    return BOARD_OF_ROLE.get(user.role or "")


__all__ = [
    "AdminBoard", "BlankStock", "ChainState", "DashboardMonth", "DivisionBoard",
    "MonthFigures", "OfficeBoard", "OperatorBoard", "ServiceShares", "admin_board",
    "awaiting_approval_count", "blank_stock", "board_kind", "chain_state",
    "division_board", "month_trend", "office_board", "operator_board", "service_shares",
]
