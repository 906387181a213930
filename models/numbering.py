"""Human-readable numbers: receipts (KTP-YYMMDD-NNNN), print batches (CTK-YYMMDD-NNN),
complaint tickets (ADU-YYMM-NNNN, numbered per month), destruction reports
(BAP-YYMM-NNNN, per month), and unguessable codes. Days and
months are the office's (WITA).

Day numbers come from the `number_sequence` table (one row per prefix and office day),
taken with one INSERT ... ON CONFLICT DO UPDATE ... RETURNING inside the caller's
transaction: two simultaneous intakes get different numbers (the second waits for the
first to commit or roll back), and a refused operation gives its number back.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .db import Model, db
from .office_time import office_today


@dataclass(frozen=True)
class NumberFormat:
    prefix: str
    width: int


RECEIPT = NumberFormat("KTP", 4)  # an application's receipt, e.g. KTP-261124-0001
BATCH = NumberFormat("CTK", 3)  # a print batch, e.g. CTK-261124-001
TICKET = NumberFormat("ADU", 4)  # a complaint's ticket, per month, e.g. ADU-2612-0042
TICKET_PREFIX = TICKET.prefix
# A berita acara pemusnahan, per month, e.g. BAP-2612-0003.
DESTRUCTION = NumberFormat("BAP", 4)
# Capitals and digits without look-alikes (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class NumberSequence(Model):
    """The last number given out for one prefix on one office day."""

    __tablename__ = "number_sequence"

    name: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


def _highest_taken(column: Any, head: str) -> int:
    """The highest sequence number already in `column` for this prefix and day
    (numbers given before the sequence table existed, or entered by hand)."""
    last = db.session.execute(sa.select(sa.func.max(column)).where(column.like(head + "%"))
                              ).scalar()
    try:
        return int(last.rsplit("-", 1)[1]) if last else 0
    except ValueError:
        return 0


def next_in_sequence(name: str, day: date, at_least: int = 1) -> int:
    """Take the next number of sequence (`name`, `day`): one atomic upsert, so two
    transactions never get the same one. It is never below `at_least`."""
    table: sa.Table = NumberSequence.__table__  # type: ignore[assignment]
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    bumped = table.c.last + 1
    values = insert(table).values(name=name, day=day, last=at_least)
    statement = values.on_conflict_do_update(
        index_elements=[table.c.name, table.c.day],
        set_={"last": sa.case((bumped < values.excluded.last, values.excluded.last),
                              else_=bumped)},
    ).returning(table.c.last)
    return int(db.session.execute(statement).scalar_one())


def day_number(column: Any, fmt: NumberFormat) -> str:
    """The next number PREFIX-YYMMDD-NNN… of the office's day for `column` (which
    holds the numbers; its unique constraint stays the last safeguard)."""
    today = office_today()
    head = f"{fmt.prefix}-{today:%y%m%d}-"
    seq = next_in_sequence(fmt.prefix, today, _highest_taken(column, head) + 1)
    return f"{head}{seq:0{fmt.width}d}"


def random_code(nbytes: int = 5) -> str:
    """An unguessable code in capitals without look-alike characters."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(nbytes * 8 // 5))


def month_number(column: Any, fmt: NumberFormat) -> str:
    """The next number PREFIX-YYMM-NNNN of the office's month (WITA) for `column`: the
    same sequence table, one row per prefix and month (keyed by the month's first day)."""
    today = office_today()
    head = f"{fmt.prefix}-{today:%y%m}-"
    seq = next_in_sequence(fmt.prefix, today.replace(day=1),
                           _highest_taken(column, head) + 1)
    return f"{head}{seq:0{fmt.width}d}"


def ticket_number(column: Any) -> str:
    """A complaint's public ticket, digits a resident can read over the phone:
    ADU-YYMM-NNNN (month in WITA), e.g. ADU-2612-0042. `column` holds the tickets."""
    return month_number(column, TICKET)
