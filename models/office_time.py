"""The office clock: one time zone (WITA), the office day, and how times are written.

The database stores naive UTC; every day, deadline, month boundary and every time
shown to a person is in WITA. `utcnow()` is the one source of "now": the demo data
runs it on a simulated clock (`simulated()`), so each event carries its own time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

OFFICE_TIMEZONE = "Asia/Makassar"  # WITA (UTC+8), Sumba Timur's time zone
OFFICE_ZONE = ZoneInfo(OFFICE_TIMEZONE)
ZONE_LABEL = "WITA"
DATE_FORMAT = "%d-%m-%Y"  # DD-MM-YYYY, as the office writes dates
TIME_FORMAT = "%H:%M"
DATE_PATTERN = "DD-MM-YYYY"

_clock: ContextVar[Callable[[], datetime] | None] = ContextVar("office_clock", default=None)


def _real_utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def utcnow() -> datetime:
    """Naive UTC now (both databases store it the same way), or the simulated now."""
    clock = _clock.get()
    return clock() if clock is not None else _real_utcnow()


@contextmanager
def simulated(clock: Callable[[], datetime]) -> Iterator[None]:
    """Run the block with `clock()` as now (naive UTC): demo data and tests."""
    token = _clock.set(clock)
    try:
        yield
    finally:
        _clock.reset(token)


def to_office(value: datetime) -> datetime:
    """A stored naive-UTC moment as an aware WITA datetime."""
    return value.replace(tzinfo=UTC).astimezone(OFFICE_ZONE)


def to_utc(value: datetime) -> datetime:
    """A WITA wall-clock time (naive or aware) as the naive UTC the database stores."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=OFFICE_ZONE)
    return aware.astimezone(UTC).replace(tzinfo=None)


def office_date(value: datetime) -> date:
    """The office's calendar day of a stored naive-UTC moment."""
    return to_office(value).date()


def office_today() -> date:
    """Today's date in the office (WITA), whatever the server's zone."""
    return office_date(utcnow())


def office_midnight(day: date) -> datetime:
    """00:00 WITA of `day` as naive UTC: the start of the office day in storage."""
    return to_utc(datetime.combine(day, time.min))


def office_day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[00:00 WITA of start, 00:00 WITA of the day after end) as naive UTC."""
    return office_midnight(start), office_midnight(end + timedelta(days=1))


def month_range(year: int, month: int) -> tuple[datetime, datetime]:
    """The office's month [first 00:00 WITA, next month's first 00:00 WITA) in UTC."""
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return office_midnight(first), office_midnight(following)


def format_date(value: date | datetime | None) -> str:
    """DD-MM-YYYY; a datetime is taken as stored UTC and shown as its WITA day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = office_date(value)
    return value.strftime(DATE_FORMAT)


def format_datetime(value: datetime | None, *, zone_label: bool = False) -> str:
    """DD-MM-YYYY HH:MM in WITA (with " WITA" when asked)."""
    if value is None:
        return ""
    text = to_office(value).strftime(f"{DATE_FORMAT} {TIME_FORMAT}")
    return f"{text} {ZONE_LABEL}" if zone_label else text


def format_time(value: datetime | None) -> str:
    """HH:MM in WITA."""
    return to_office(value).strftime(TIME_FORMAT) if value is not None else ""


def parse_date(value: str | None) -> date | None:
    """A date typed as DD-MM-YYYY (or the ISO form a date input sends); None if not."""
    text = (value or "").strip()
    if not text or len(text) > 10 or not text.isascii():
        return None
    for fmt in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if 1900 <= parsed.year <= 2999:
            return parsed
    return None


def duration_text(delta: timedelta) -> str:
    """A duration as people say it: "1 hari 2 jam 5 menit", "1 jam 5 menit", "5 menit"."""
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("%(d)d d %(h)d h %(m)d min", d=days, h=hours, m=minutes)
    if hours:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)
