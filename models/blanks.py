"""Blank cards (blangko): receipts from the ministry by serial range, every blank's
status and event log, FIFO allocation, write-off and destruction, and the
reconciliation that proves every blank is accounted for."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit
from .db import Model, db
from .errors import DomainError
from .office_time import office_day_range, office_today, to_utc, utcnow
from .permissions import require
from .standard import current_standard
from .transitions import JustProcessed, atomic, compare_and_set
from .users import User

BLANK_STATUSES = ("available", "reserved", "used", "spoiled", "lost", "returned", "destroyed")
SERIAL_LENGTH = 10
MIN_REASON_LENGTH = 5

BLANK_STATUS_LABELS = {
    "available": _l("Available"), "reserved": _l("Reserved"), "used": _l("Used"),
    "spoiled": _l("Spoiled"), "lost": _l("Lost"), "returned": _l("Returned"),
    "destroyed": _l("Destroyed"),
}


WRITE_OFF_KINDS = {"lost": _l("Lost"), "returned": _l("Returned to the ministry")}
WRITE_OFF_MAX = 5_000  # blanks in one write-off: a typo in a range must not empty the stock
# Digits 0-9 only, at most a serial long: "١٢٣" or a 5,000-digit "range" is no serial.
_SERIAL_RANGE = re.compile(r"^([0-9]{1,10})-([0-9]{1,10})$")


def in_check(column: str, values: tuple[str, ...]) -> str:
    """SQL for a CHECK constraint: `column` holds one of `values`."""
    return f"{column} IN (" + ", ".join(repr(v) for v in values) + ")"


class BlankReceipt(Model):
    """Blanks received from the ministry, as one contiguous serial range."""

    __tablename__ = "blank_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[date] = mapped_column(index=True)
    reference: Mapped[str] = mapped_column(sa.String(80), unique=True)
    serial_first: Mapped[str] = mapped_column(sa.String(SERIAL_LENGTH))
    serial_last: Mapped[str] = mapped_column(sa.String(SERIAL_LENGTH))
    quantity: Mapped[int]
    received_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    notes: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    received_by = relationship("User")
    blanks = relationship("Blank", back_populates="receipt", lazy="dynamic")

    __table_args__ = (sa.CheckConstraint("quantity > 0", name="quantity"),)

    def validate(self, today: date | None = None) -> list[str]:
        today = today or office_today()
        for field in ("serial_first", "serial_last"):
            value = (getattr(self, field) or "").strip()
            if not (value.isascii() and value.isdigit() and len(value) == SERIAL_LENGTH):
                raise DomainError(_l("A blank serial is exactly %(n)d digits.",
                                     n=SERIAL_LENGTH), field=field)
            setattr(self, field, value)
        if int(self.serial_last) < int(self.serial_first):
            raise DomainError(_l("The last serial is lower than the first."),
                              field="serial_last")
        expected = int(self.serial_last) - int(self.serial_first) + 1
        if self.quantity != expected:
            raise DomainError(_l("The quantity (%(q)s) does not match the serial range "
                                 "(%(n)d blanks).", q=self.quantity, n=expected),
                              field="quantity")
        if self.received_at and self.received_at > today:
            raise DomainError(_l("The date cannot be in the future."), field="received_at")
        self.reference = " ".join((self.reference or "").split())
        if not self.reference:
            raise DomainError(_l("The reference number is required."), field="reference")
        from .validation import check_lengths

        check_lengths(self)
        taken = db.session.execute(sa.select(BlankReceipt.id).where(
            BlankReceipt.reference == self.reference, BlankReceipt.id != (self.id or 0))
        ).first()
        if taken:
            raise DomainError(_l("Reference %(ref)s has already been recorded.",
                                 ref=self.reference), field="reference")
        overlap = db.session.execute(
            sa.select(BlankReceipt.reference).where(
                BlankReceipt.id != (self.id or 0),
                BlankReceipt.serial_first <= self.serial_last,
                BlankReceipt.serial_last >= self.serial_first,
            ).limit(1)
        ).scalar()
        if overlap:
            raise DomainError(_l("This serial range overlaps receipt %(ref)s.", ref=overlap),
                              field="serial_first")
        return []

    def __str__(self) -> str:
        return f"{self.reference} ({self.serial_first}-{self.serial_last})"


class Blank(Model):
    """One physical blank card, known by its serial."""

    __tablename__ = "blank"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(sa.String(SERIAL_LENGTH), unique=True)
    receipt_id: Mapped[int] = mapped_column(sa.ForeignKey("blank_receipt.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(10), default="available")
    status_reason: Mapped[str | None] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    receipt = relationship("BlankReceipt", back_populates="blanks")
    card = relationship("Card", back_populates="blank", uselist=False)

    __table_args__ = (
        # FIFO allocation walks this index: first available by serial.
        sa.Index("ix_blank_status_serial", "status", "serial"),
        sa.CheckConstraint(in_check("status", BLANK_STATUSES), name="status"),
    )

    def __str__(self) -> str:
        return self.serial


BLANK_EVENT_KINDS = ("received", "reserved", "released", "used", "spoiled", "lost",
                     "returned", "destroyed")


class BlankEvent(Model):
    """Every change of a blank's status, with its time: the basis of reconciliation."""

    __tablename__ = "blank_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    blank_id: Mapped[int] = mapped_column(sa.ForeignKey("blank.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(sa.String(10), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(10))
    to_status: Mapped[str] = mapped_column(sa.String(10))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(255))

    blank = relationship("Blank")

    __table_args__ = (sa.CheckConstraint(in_check("kind", BLANK_EVENT_KINDS), name="kind"),)


def receive_blanks(receipt: BlankReceipt, actor: User) -> BlankReceipt:
    """Record a receipt from the ministry: one available Blank per serial of the range,
    each with its "received" event dated the day the blanks arrived."""
    require(actor, "blank_receipt", "create")
    try:
        receipt.received_by_id = actor.id
        receipt.validate()
        db.session.add(receipt)
        db.session.flush()
        width = len(receipt.serial_first)
        now = utcnow()
        # The stock changes on the day the blanks arrived (00:00 WITA), whenever recorded.
        arrived = to_utc(datetime.combine(receipt.received_at, time.min))
        db.session.execute(
            sa.insert(Blank),
            [{"serial": f"{n:0{width}d}", "receipt_id": receipt.id, "status": "available",
              "updated_at": now}
             for n in range(int(receipt.serial_first), int(receipt.serial_last) + 1)],
        )
        db.session.execute(
            sa.insert(BlankEvent).from_select(
                ["blank_id", "at", "kind", "from_status", "to_status", "user_id"],
                sa.select(Blank.id, sa.literal(arrived), sa.literal("received"),
                          sa.null(), sa.literal("available"),
                          sa.literal(actor.id, sa.Integer))
                .where(Blank.receipt_id == receipt.id),
            )
        )
        audit.record(actor, "create", receipt,
                     changes=audit.diff(None, audit.snapshot(receipt)))
        # Blanks again: an open blank-stock-out disruption ends now, when they are in
        # the stock (the arrival day's 00:00 may be before the stock ran out).
        from .service_clock import end_stock_out

        end_stock_out(actor, now)
        db.session.commit()
    except sa.exc.IntegrityError as exc:
        # Checked above, so only a receipt of the same serials or reference recorded
        # by someone else at the same moment gets here.
        db.session.rollback()
        raise JustProcessed() from exc
    except Exception:
        db.session.rollback()
        raise
    return receipt


def move_blanks(blanks: Iterable[Blank], expected: str, kind: str, to_status: str,
                actor: User | None, reason: str | None = None,
                at: datetime | None = None) -> None:
    """Blanks `expected` -> `to_status` as one compare-and-set over all of them (the
    loser of a race gets JustProcessed and the caller rolls back), each with its event."""
    blanks = list(blanks)
    at = at or utcnow()
    compare_and_set(Blank, [b.id for b in blanks], expected, status=to_status,
                    status_reason=reason)
    db.session.add_all([
        BlankEvent(blank_id=b.id, kind=kind, from_status=expected, to_status=to_status,
                   user_id=getattr(actor, "id", None), reason=reason, at=at)
        for b in blanks])


def blank_event(blank: Blank, kind: str, to_status: str, actor: User | None,
                reason: str | None = None, at: datetime | None = None) -> None:
    """One blank from the status it had when read (a compare-and-set: move_blanks)."""
    move_blanks([blank], blank.status, kind, to_status, actor, reason, at)


def allocate_fifo(n: int, seen_available: int | None = None) -> list[Blank]:
    """The first `n` available blanks by serial (first in, first out), locked for this
    transaction on PostgreSQL; on SQLite the caller already holds the write lock.
    The caller reserves them (move_blanks, a compare-and-set).

    `seen_available`: the available count the caller read before its transaction
    took its locks. Finding fewer than `n` when that count was enough means another
    officer took or wrote off blanks meanwhile: JustProcessed, not a stock shortage.
    """
    q = (sa.select(Blank).where(Blank.status == "available")
         .order_by(Blank.serial).limit(n))
    if db.session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    blanks = list(db.session.execute(q).scalars())
    if len(blanks) < n and seen_available is not None and seen_available >= n:
        raise JustProcessed()
    return blanks


STOCK_OUT_KINDS = ("used", "spoiled", "lost", "returned")


@dataclass(frozen=True)
class Reconciliation:
    start: date
    end: date
    opening: int  # blanks on hand (available or reserved) at the start
    received: int
    used: int
    spoiled: int
    lost: int
    returned: int
    destroyed: int  # spoiled blanks destroyed (they had already left the stock)
    released: int  # reservations given back; a reserved blank stays on hand
    closing: int
    status_counts: dict[str, int]
    total_received: int

    @property
    def balances(self) -> bool:
        flow = (self.opening + self.received - self.used - self.spoiled - self.lost
                - self.returned)
        on_hand = self.status_counts.get("available", 0) + self.status_counts.get(
            "reserved", 0)
        total = sum(self.status_counts.values())
        return flow == self.closing and total == self.total_received and (
            self.end < office_today() or self.closing == on_hand)


def _counts(query: sa.Select[tuple[str, int]]) -> dict[str, int]:
    """{value: count} of a GROUP BY query."""
    return {value: number for value, number in db.session.execute(query).all()}


def _received_total() -> int:
    return db.session.execute(
        sa.select(sa.func.count(BlankEvent.id)).where(BlankEvent.kind == "received")
    ).scalar() or 0


def _on_hand_at(moment: datetime) -> int:
    """Blanks received and not yet gone (used/spoiled/lost/returned) at `moment`."""
    counts = _counts(
        sa.select(BlankEvent.kind, sa.func.count(BlankEvent.id))
        .where(BlankEvent.at < moment,
               BlankEvent.kind.in_(("received", *STOCK_OUT_KINDS)))
        .group_by(BlankEvent.kind))
    return counts.get("received", 0) - sum(counts.get(k, 0) for k in STOCK_OUT_KINDS)


def reconcile(start: date, end: date) -> Reconciliation:
    """Opening + received - used - spoiled - lost - returned = closing, proven from
    the event log and checked against the blanks' present status."""
    if end < start:
        raise DomainError(_l("The end date is before the start date."))
    lo, hi = office_day_range(start, end)
    counts = _counts(
        sa.select(BlankEvent.kind, sa.func.count(BlankEvent.id))
        .where(BlankEvent.at >= lo, BlankEvent.at < hi).group_by(BlankEvent.kind))
    status_counts = _counts(
        sa.select(Blank.status, sa.func.count(Blank.id)).group_by(Blank.status))
    total_received = _received_total()
    return Reconciliation(
        start=start, end=end, opening=_on_hand_at(lo),
        received=counts.get("received", 0), used=counts.get("used", 0),
        spoiled=counts.get("spoiled", 0), lost=counts.get("lost", 0),
        returned=counts.get("returned", 0), destroyed=counts.get("destroyed", 0),
        released=counts.get("released", 0), closing=_on_hand_at(hi),
        status_counts=status_counts, total_received=total_received)


def write_off(blanks: Iterable[Blank], actor: User, kind: str, reason: str) -> int:
    """Mark available blanks lost or returned to the ministry (head of division)."""
    require(actor, "blank", "destroy")
    if kind not in WRITE_OFF_KINDS:
        raise DomainError(_l("Choose lost or returned."), field="kind")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(_l("Write the reason (at least %(n)d characters).",
                             n=MIN_REASON_LENGTH), field="reason")
    blanks = list(blanks)
    bad = [b.serial for b in blanks if b.status != "available"]
    if bad:
        raise DomainError(_l("Only available blanks can be written off: %(s)s.",
                             s=", ".join(bad[:10])))
    try:
        # A blank reserved by a printer meanwhile makes the whole write-off lose.
        move_blanks(blanks, "available", kind, kind, actor, reason[:255])
        audit.record(actor, kind, object_type="blank",
                     changes={"serials": [b.serial for b in blanks], "reason": reason})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    propose_if_empty(actor)
    return len(blanks)


def propose_if_empty(actor: User) -> None:
    """No blank left: propose a blank-stock-out disruption to the head of division
    (models.service_clock.propose_stock_out; one open at a time)."""
    if available_count() == 0:
        from .service_clock import propose_stock_out

        propose_stock_out(actor)


class DestructionReport(Model):
    """A berita acara pemusnahan: which spoiled blanks were destroyed, when, by whom
    and why, numbered BAP-YYMM-NNNN per office month, and the PDF made of it (kept
    under DOCUMENT_FOLDER with its sha256, so a changed file is noticed)."""

    __tablename__ = "destruction_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    serials: Mapped[list] = mapped_column(sa.JSON)
    count: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_path: Mapped[str | None] = mapped_column(sa.String(255))
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    by = relationship("User")

    __table_args__ = (sa.CheckConstraint("count > 0", name="count"),)

    def __str__(self) -> str:
        return self.number


def destroy_spoiled(blanks: Iterable[Blank], actor: User, note: str) -> list[str]:
    """Destroy spoiled blanks (berita acara pemusnahan); returns their serials."""
    return list(destroy_with_report(blanks, actor, note).serials)


def destroy_with_report(blanks: Iterable[Blank], actor: User, note: str
                        ) -> DestructionReport:
    """Destroy spoiled blanks and number their berita acara, in one transaction."""
    from .numbering import DESTRUCTION, month_number

    require(actor, "blank", "destroy")
    blanks = sorted(blanks, key=lambda b: b.serial)
    if not blanks:
        raise DomainError(_l("Choose at least one spoiled blank."))
    bad = [b.serial for b in blanks if b.status != "spoiled"]
    if bad:
        raise DomainError(_l("Only spoiled blanks can be destroyed: %(s)s.",
                             s=", ".join(bad[:10])))
    serials = [b.serial for b in blanks]
    reason = (note or "").strip()[:255]
    try:
        now = utcnow()
        move_blanks(blanks, "spoiled", "destroyed", "destroyed", actor, reason, at=now)
        report = DestructionReport(
            number=month_number(DestructionReport.number, DESTRUCTION), at=now,
            by_id=actor.id, serials=serials, count=len(serials), reason=reason or None)
        db.session.add(report)
        db.session.flush()
        audit.record(actor, "destroy", object_type="blank",
                     changes={"serials": serials, "note": note, "report": report.number})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return report


def report_blanks(report: DestructionReport) -> list[Blank]:
    """The blanks a berita acara lists, by serial."""
    return list(db.session.execute(
        sa.select(Blank).where(Blank.serial.in_(list(report.serials)))
        .order_by(Blank.serial)).scalars())


def attach_report_pdf(report: DestructionReport, actor: User, rel: str,
                      sha256: str) -> None:
    """Record where the berita acara's PDF is kept and its sha256 (once: a stored
    report is never replaced, so its checksum keeps meaning something)."""
    require(actor, "blank", "destroy")
    with atomic():
        compare_and_set(DestructionReport, report.id, None,
                        DestructionReport.pdf_path.is_(None), pdf_path=rel,
                        pdf_sha256=sha256)
        audit.record(actor, "store_pdf", report, changes={"sha256": sha256})


def report_file_intact(report: DestructionReport, data: bytes) -> bool:
    """Is `data` the file stored for this report (its recorded sha256)?"""
    import hashlib

    return bool(report.pdf_sha256) and hashlib.sha256(data).hexdigest() == report.pdf_sha256


def available_count() -> int:
    """Blanks available for printing now."""
    return db.session.execute(
        sa.select(sa.func.count(Blank.id)).where(Blank.status == "available")).scalar() or 0


def low_stock(threshold: int) -> tuple[bool, int]:
    available = available_count()
    return available < threshold, available


@dataclass(frozen=True)
class StockAlert:
    """Available blanks against the standard's low-stock threshold."""

    low: bool
    available: int
    threshold: int

    @property
    def empty(self) -> bool:
        """No blank left: printing waits for the next receipt."""
        return self.available <= 0

    def short_for(self, needed: int) -> bool:
        """Fewer blanks than `needed` (a batch's cards)."""
        return self.available < needed


def stock_alert() -> StockAlert | None:
    """The low-stock state every printing screen shows (None without a standard)."""
    try:
        threshold = current_standard().low_stock_threshold
    except DomainError:
        return None
    low, available = low_stock(threshold)
    return StockAlert(low, available, threshold)


@dataclass(frozen=True)
class StockCounts:
    """Every blank by status now, and what was ever received."""

    by_status: dict[str, int]
    received: int

    @property
    def accounted(self) -> int:
        return sum(self.by_status.values())

    @property
    def rows(self) -> list[tuple[str, str, int]]:
        """(status, label, count) for every status, in the life-cycle order."""
        return [(s, str(BLANK_STATUS_LABELS[s]), self.by_status.get(s, 0))
                for s in BLANK_STATUSES]


def stock_counts() -> StockCounts:
    counts = _counts(
        sa.select(Blank.status, sa.func.count(Blank.id)).group_by(Blank.status))
    return StockCounts(by_status=counts, received=_received_total())


def parse_serials(text: str | None) -> list[str]:
    """Serials typed one by one or as ranges (0000000100-0000000149), in order, once
    each; a DomainError on the "serials" field when the text is not that."""
    wanted: list[str] = []
    text = re.sub(r"\s*[-\u2013]\s*", "-", text or "")
    for part in re.split(r"[\s,;]+", text):
        if not part:
            continue
        match = _SERIAL_RANGE.match(part)
        if match:
            first, last = match.groups()
            if len(first) != len(last) or int(last) < int(first):
                raise DomainError(_l("%(r)s is not a range of serials.", r=part),
                                  field="serials")
            if int(last) - int(first) + 1 + len(wanted) > WRITE_OFF_MAX:
                raise DomainError(_l("At most %(n)d blanks at a time.", n=WRITE_OFF_MAX),
                                  field="serials")
            wanted += [f"{n:0{len(first)}d}" for n in range(int(first), int(last) + 1)]
        elif part.isascii() and part.isdigit() and len(part) <= SERIAL_LENGTH:
            wanted.append(part)
        else:
            raise DomainError(_l("%(s)s is not a serial.", s=part), field="serials")
    if not wanted:
        raise DomainError(_l("Write the serials of the blanks."), field="serials")
    return list(dict.fromkeys(wanted))


def blanks_by_serial(serials: list[str]) -> list[Blank]:
    """The blanks with these serials, in the same order; a DomainError on the
    "serials" field naming the serials that do not exist."""
    found = {b.serial: b for chunk in range(0, len(serials), 500)
             for b in db.session.execute(sa.select(Blank).where(
                 Blank.serial.in_(serials[chunk:chunk + 500]))).scalars()}
    unknown = [s for s in serials if s not in found]
    if unknown:
        raise DomainError(_l("Unknown serial(s): %(s)s.", s=", ".join(unknown[:10])),
                          field="serials")
    return [found[s] for s in serials]
